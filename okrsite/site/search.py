"""Search: a computed :class:`~okrsite.core.model.Site` -> compact records -> a Pagefind index.

``records(site)`` is pure. What a reader finds is an :class:`Item`: an objective, key
result, team, person or check-in, with the words people search for (plain text, never
HTML), what a result shows (title, team, period, status in words, colour, kind) and the
values it can be filtered by. Items are indexed in few, larger :class:`Record` s (the
Pagefind indexer's memory grows with the number of records): one per team, person and
objective (its key results are *parts* of it) and one per team and period holding that
team's check-ins of the period as parts. A record goes to Pagefind as a small synthetic
HTML document (``Record.html()``, never a rendered page) in which each part is a heading
with an ``id``; the search page splits a result back into its items (see docs/search.md).

``build_index(records)`` is the edge: it runs Pagefind (the ``pagefind`` Python package
driving the ``pagefind_bin`` binary, no network), in several runs for a large site (see
``RUN_RECORDS``), and returns the browser bundle as ``{"pagefind/...": bytes}`` for the
build to write with the rest of the site.
``index_files(site)`` is both in one call, for ``okrsite serve``'s background indexing.

Record URLs are relative to the site root (``teams/platform/``): the search page turns
them into links relative to itself, so one index works under any ``base_url``.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import html
import json
import os
import re
import threading
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, Callable, Coroutine, Iterable, TypeVar
from urllib.parse import quote

import cbor2

from ..core import urls
from ..core.model import COLOURS, STATUS_WORDS, KeyResult, Objective, Site
from .formatting import fmt_percent
from .people import people  # the same people, slugs and URLs as the pages

if TYPE_CHECKING:
    from pagefind.service import PagefindService

__all__ = [
    "KINDS",
    "STATUS_FILTER_WORDS",
    "OUTPUT_DIR",
    "Item",
    "Record",
    "SearchError",
    "records",
    "build_index",
    "index_files",
    "html_to_text",
]

OUTPUT_DIR = "pagefind"
LANGUAGE = "en"
# At most this many records per Pagefind run. Pagefind's memory while it writes a
# bundle grows with the words it indexed: a large site is indexed in several runs, one
# after the other, each a bundle the search page merges (Pagefind's mergeIndex), so
# indexing memory stays bounded whatever the size of the site.
RUN_RECORDS = 4000
BUNDLES_FILE = "okrsite-bundles.json"  # {"merge": ["1/", "2/", ...]}: the extra bundles
VIA_CONTRIBUTION = "contribution"  # the "via" filter of a contributing team's record

# kind id (filter value, URL parameter) -> words shown on a result
KINDS = {
    "objective": "Objective",
    "key-result": "Key result",
    "team": "Team",
    "person": "Person",
    "checkin": "Check-in",
}
# status filter value (a colour) -> words for the filter control. Open items are
# coloured by status, graded ones by their grade.
STATUS_FILTER_WORDS = {
    "green": "On track or graded green",
    "amber": "Behind or graded amber",
    "red": "At risk or graded red",
    "grey": "No data or not scored",
}

# Files of the Pagefind bundle the search page needs. Left out: Pagefind's own UIs and
# wasm.unknown.pagefind (every record is indexed as English, so only wasm.en is loaded).
# Extra bundles (merged into the first) need only their index: their code is the first's.
_BUNDLE_KEEP = re.compile(
    r"^(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|wasm\.en\.pagefind"
    r"|index/[^/]+|fragment/[^/]+|filter/[^/]+)$"
)
_MERGED_KEEP = re.compile(r"^(pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|index/[^/]+|fragment/[^/]+|filter/[^/]+)$")


class SearchError(Exception):
    """The search index could not be built (Pagefind missing or failing)."""


@dataclass(frozen=True)
class Item:
    """One thing a reader finds: what is searched, shown and filtered on."""

    url: str  # relative to the site root, no leading slash; a KR adds "#kr-<id>"
    kind: str  # a key of KINDS
    title: str
    content: str  # plain text: the words people search for
    team: str = ""  # team display name ("" for none)
    period: str = ""  # period label
    status: str = ""  # status in words ("At risk", "Graded 85%"); "" when it has none
    colour: str = ""  # green / amber / red / grey; "" when it has no status
    filters: dict[str, list[str]] = field(default_factory=dict)  # team, period, status, kind

    @property
    def meta(self) -> dict[str, str]:
        """What the search page shows of an item."""
        meta = {"title": self.title, "kind": KINDS[self.kind]}
        for key in ("team", "period", "status", "colour"):
            value = getattr(self, key)
            if value:
                meta[key] = value
        return meta


@dataclass(frozen=True)
class Record:
    """One Pagefind record: a page's own item (an objective, team or person; none for a
    team's check-ins of a period) and its parts (the objective's key results, or the
    check-ins), which share its team and period."""

    url: str  # the record's URL (the own item's; a team's period page for check-ins)
    title: str
    own: Item | None
    parts: tuple[Item, ...] = ()
    # a contributing team's id: the record holds the key results of one objective that
    # this team contributes to, found only when the team filter names that team
    contributor: str = ""

    @property
    def items(self) -> list[Item]:
        return ([self.own] if self.own else []) + list(self.parts)

    @property
    def filters(self) -> dict[str, list[str]]:
        """Pagefind filters of the record: the union of its items' teams, periods and
        kinds; ``status`` holds ``<kind>:<colour>`` of every item with a status, so that
        "red key results" matches only records holding one (the search page asks for
        ``key-result:red``, or any of ``objective:red``/``key-result:red``). A
        contributing team's record has that team as its only ``team`` and ``via``
        ``contribution``: the search page leaves those records out unless a team is
        chosen, so a key result is found once without a team filter."""
        out: dict[str, set[str]] = {"kind": set(), "team": set(), "period": set(), "status": set(), "via": set()}
        for item in self.items:
            out["kind"].add(item.kind)
            out["team"].update(item.filters.get("team", ()))
            out["period"].update(item.filters.get("period", ()))
            if item.colour:
                out["status"].add(f"{item.kind}:{item.colour}")
        if self.contributor:
            out["team"] = {self.contributor}
            out["via"] = {VIA_CONTRIBUTION}
        return {k: sorted(v) for k, v in out.items() if v}

    @property
    def meta(self) -> dict[str, str]:
        """What the search page shows of the record's own item, as Pagefind metadata
        (strings only): its title, kind, team, period, status and colour, and its kind id
        as ``k``. (The parts' are in their headings' ids, see ``part_id``.)"""
        first = self.own or (self.parts[0] if self.parts else None)
        meta: dict[str, str] = {"title": self.title}
        if first:
            for key in ("team", "period"):
                if getattr(first, key):
                    meta[key] = getattr(first, key)
        if self.own:
            meta.update(self.own.meta)
            meta["k"] = self.own.kind
        return meta

    @staticmethod
    def part_id(i: int, part: Item) -> str:
        """The ``id`` of a part's heading: ``p<i>.`` then, percent-encoded, a JSON list of
        its URL, kind id, kind, title, status and colour. Pagefind keeps ids in the
        record's anchors without indexing them (metadata would be indexed: its words
        would make every record match its parts' status words, and cost memory)."""
        data = json.dumps([part.url, part.kind, KINDS[part.kind], part.title, part.status, part.colour],
                          separators=(",", ":"), ensure_ascii=False)
        return f"p{i}." + quote(data, safe="")

    def html(self) -> str:
        """The record as the small HTML document Pagefind indexes: metadata and filters
        outside the indexed body, then the own item's text, then each part under a
        heading ``<h2 id="p<i>.…">`` (its first line: a key result's title, a check-in's
        date) that Pagefind records as an anchor with its word position. All text is
        escaped."""
        e = html.escape
        head = [f'<p data-pagefind-meta="{e(k)}">{e(v)}</p>' for k, v in self.meta.items()]
        head += [f'<p data-pagefind-filter="{e(k)}">{e(v)}</p>' for k, vs in self.filters.items() for v in vs]
        body: list[str] = []
        if self.own:
            body += [f"<p>{e(line)}</p>" for line in self.own.content.split("\n") if line]
        for i, part in enumerate(self.parts):
            heading, *lines = part.content.split("\n")
            body.append(f'<h2 id="{self.part_id(i, part)}">{e(heading)}</h2>')
            body += [f"<p>{e(line)}</p>" for line in lines if line]
        return (f'<!DOCTYPE html><html lang="{LANGUAGE}"><head><meta charset="utf-8"><title>{e(self.title)}</title>'
                f'</head><body><div>{"".join(head)}</div>'
                f'<main data-pagefind-body>{"".join(body)}</main></body></html>')


# --------------------------------------------------------------------------- plain text


class _Text(HTMLParser):
    BLOCK = {
        "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "td", "th",
        "table", "blockquote", "pre", "section", "dt", "dd", "hr",
    }
    HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self, headings: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.headings = headings
        self.in_heading = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HEADINGS:
            self.in_heading += 1
        if tag in self.BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HEADINGS and self.in_heading:
            self.in_heading -= 1
        if tag in self.BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.headings or not self.in_heading:
            self.parts.append(data)


def html_to_text(html: str, headings: bool = True) -> str:
    """The text of a rendered (already sanitised) Markdown body, whitespace collapsed;
    without the headings' text when ``headings`` is false (a check-in's headings are the
    same three questions every week: indexing them would only make every check-in match)."""
    if not html:
        return ""
    p = _Text(headings)
    p.feed(html)
    p.close()
    return _squash(" ".join(p.parts))


def _squash(text: str) -> str:
    return " ".join(text.split())


def _id_words(id_: str) -> str:
    """An id as the record's text writes it (``Id: p99-latency``): Pagefind indexes a
    hyphenated word as a whole and as its parts, so ``latency``, ``p99`` and
    ``p99-latency`` all find it."""
    return f"Id: {id_}" if id_ else ""


def _join(*parts: str | None) -> str:
    """Non-empty parts as sentences-ish lines of plain text."""
    return "\n".join(_squash(p) for p in parts if p and p.strip())


# --------------------------------------------------------------------------- records


def _status_words(item: Objective | KeyResult) -> tuple[str, str]:
    """(words, colour) of an objective's or key result's status, as the site shows it."""
    if item.status == "graded":
        words = f"{STATUS_WORDS['graded']} {fmt_percent(item.score)}" if item.score is not None else "Not scored"
        return words, item.colour or "grey"
    return STATUS_WORDS.get(item.status, STATUS_WORDS["no-data"]), item.colour or COLOURS.get(item.status, "grey")


def records(site: Site) -> list[Record]:
    """Every search record of the site, in a stable order: teams (organisation order is
    not needed here: by id), objectives with their key results as parts (by ref), each
    followed by one record per key result and contributing team (``contributor``), each
    team's check-ins of a period as the parts of one record (by team, period, date),
    people (by name). Pure: same Site, same records."""
    out: list[Record] = []
    team_periods: dict[str, set[str]] = {}
    for o in site.objectives.values():
        team_periods.setdefault(o.team, set()).add(o.period)
    for ci in site.checkins:
        team_periods.setdefault(ci.team, set()).add(ci.period)
    period_order = {pid: i for i, pid in enumerate(site.periods)}

    def sorted_periods(ids: Iterable[str]) -> list[str]:
        return sorted(set(ids), key=lambda p: (period_order.get(p, len(period_order)), p))

    # teams
    for tid in sorted(site.teams):
        t = site.teams[tid]
        kpis = ", ".join(k.name for k in t.kpis)
        content = _join(
            t.name,
            _id_words(tid),
            t.mission,
            f"Team lead: {t.lead}" if t.lead else "",
            f"Members: {', '.join(t.members)}" if t.members else "",
            f"Health metrics: {kpis}" if kpis else "",
            html_to_text(t.body_html),
        )
        own = Item(
            url=urls.team(tid), kind="team", title=t.name, content=content, team=t.name,
            filters={"kind": ["team"], "team": [tid], "period": sorted_periods(team_periods.get(tid, ()))},
        )
        out.append(Record(url=own.url, title=own.title, own=own))

    # objectives and their key results
    for ref in sorted(site.objectives):
        o = site.objectives[ref]
        tname, plabel = site.team_name(o.team), site.period_label(o.period)
        words, colour = _status_words(o)
        obj_url = urls.objective(o.team, o.period, o.id)
        base_filters = {"team": [o.team], "period": [o.period]}
        content = _join(
            o.title,
            _id_words(o.id),
            f"Owner: {o.owner}" if o.owner else "",
            f"Tags: {', '.join(o.tags)}" if o.tags else "",
            "\n".join(i.title for i in o.initiatives),
            html_to_text(o.body_html),
        )
        own = Item(
            url=obj_url, kind="objective", title=o.title, content=content, team=tname, period=plabel,
            status=words, colour=colour,
            filters={"kind": ["objective"], **base_filters, "status": [colour]},
        )
        parts = []
        for kr in o.key_results:
            kwords, kcolour = _status_words(kr)
            latest_note = next((u.note for u in reversed(kr.updates) if u.note), "")
            content = _join(
                kr.title,
                _id_words(kr.id),
                f"Owner: {kr.owner}" if kr.owner else "",
                f"Partner: {kr.partner}" if kr.partner else "",
                "\n".join(i.title for i in kr.initiatives),
                latest_note,
            )
            parts.append(Item(
                url=obj_url + "#" + urls.kr_anchor(kr.id), kind="key-result", title=kr.title, content=content,
                team=tname, period=plabel, status=kwords, colour=kcolour,
                filters={"kind": ["key-result"], **base_filters, "status": [kcolour]},
            ))
        out.append(Record(url=obj_url, title=o.title, own=own, parts=tuple(parts)))
        # a key result other teams contribute to, once more for each such team's filter
        # (at the key result on that team's page: Pagefind keeps one record per URL)
        for kr, part in zip(o.key_results, parts):
            for c in sorted(set(kr.contributors) - {o.team}):
                out.append(Record(
                    url=urls.team(c) + "#" + urls.contribution_anchor(kr.ref),
                    title=f"{kr.title}: {site.team_name(c)} contributes", own=None,
                    parts=(replace(part, filters={**part.filters, "team": [c]}),), contributor=c,
                ))

    # check-ins: one record per team and period
    groups: dict[tuple[str, str], list[Item]] = {}
    for ci in sorted(site.checkins, key=lambda c: (c.team, c.period, c.date, c.name)):
        tname, plabel = site.team_name(ci.team), site.period_label(ci.period)
        notes = [u.note for _, u in sorted(ci.key_results.items()) if u.note]
        title = f"Check-in {ci.date.isoformat()}, {tname}"
        content = _join(
            ci.date.isoformat(),
            f"Written by {ci.author}" if ci.author else "",
            ("Where we need help: " + " ".join(ci.help)) if ci.help else "",
            html_to_text(ci.body_html, headings=False),
            "\n".join(notes),
        )
        groups.setdefault((ci.team, ci.period), []).append(Item(
            url=urls.checkin(ci.team, ci.period, ci.name), kind="checkin", title=title, content=content,
            team=tname, period=plabel,
            filters={"kind": ["checkin"], "team": [ci.team], "period": [ci.period]},
        ))
    for (tid, pid), cis in groups.items():
        out.append(Record(url=urls.team_period(tid, pid), title=f"Check-ins, {site.team_name(tid)}, {site.period_label(pid)}",
                          own=None, parts=tuple(cis)))

    # people
    for p in people(site):
        teams = list(dict.fromkeys(p.leads + p.member_of))
        periods = [r.split("/")[1] for r in p.objectives + p.key_results + p.partner_on] + [
            k.split("/")[1] for k in p.checkins
        ]
        content = _join(
            p.name,
            f"Leads {', '.join(site.team_name(t) for t in p.leads)}" if p.leads else "",
            f"Member of {', '.join(site.team_name(t) for t in p.member_of)}" if p.member_of else "",
        )
        own = Item(
            url=p.url, kind="person", title=p.name, content=content,
            team=", ".join(site.team_name(t) for t in teams),
            filters={"kind": ["person"], "team": sorted(teams), "period": sorted_periods(periods)},
        )
        out.append(Record(url=own.url, title=own.title, own=own))
    return out


# --------------------------------------------------------------------------- index (edge)


def build_index(recs: list[Record], run_records: int | None = None) -> dict[str, bytes]:
    """Run Pagefind over the records; return the browser bundle as
    ``{"pagefind/<file>": bytes}``. More than ``run_records`` records (default
    ``RUN_RECORDS``) are dealt round-robin into several runs, one after the other (one
    Pagefind process each, so its memory is freed before the next): the first run's
    bundle is ``pagefind/``, the others' ``pagefind/1/``, ``pagefind/2/``…, listed in
    ``pagefind/okrsite-bundles.json`` for the search page to merge. The same records in
    the same order give the same bytes (Pagefind's filter files are put in a canonical
    order here, see ``_canonical_filters``). Raises SearchError when Pagefind cannot run."""
    size = max(1, run_records or RUN_RECORDS)
    runs = max(1, -(-len(recs) // size))
    out: dict[str, bytes] = {}
    for k in range(runs):
        part = recs[k::runs]  # round-robin: every bundle a similar mix, so scores compare
        try:
            files = _run(lambda: _pagefind(part))
        except SearchError:
            raise
        except Exception as exc:  # noqa: BLE001 - the binary missing, crashing, or answering an error
            raise SearchError(f"Pagefind failed: {exc}") from exc
        keep = _BUNDLE_KEEP if k == 0 else _MERGED_KEEP
        files = _canonical_filters({path: data for path, data in files.items() if keep.match(path)})
        prefix = f"{OUTPUT_DIR}/" if k == 0 else f"{OUTPUT_DIR}/{k}/"
        out.update((prefix + path, files[path]) for path in files)
        del files
    merge = {"merge": [f"{k}/" for k in range(1, runs)]}
    out[f"{OUTPUT_DIR}/{BUNDLES_FILE}"] = json.dumps(merge, separators=(",", ":")).encode("utf-8")
    return {path: out[path] for path in sorted(out)}


_T = TypeVar("_T")


def _run(make_coro: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion from synchronous code: here, or in a worker thread
    when this thread already runs an event loop (an application embedding okrsite)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coro())
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = asyncio.run(make_coro())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=work, name="okrsite-search-index")
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def index_files(site: Site) -> dict[str, bytes]:
    """``build_index(records(site))``: the search bundle of a computed site."""
    return build_index(records(site))


def _service_class() -> type[PagefindService]:
    """Pagefind's Python service reads one reply per 0.1 s (a sleep in its polling loop)
    and refuses a reply over 2 MiB: 10 records a second, and no bundle for a large site.
    This subclass reads replies as they come, with no size limit; everything else
    (the protocol, PagefindIndex and its methods) is the package's own."""
    from pagefind.service import PagefindService

    class _Service(PagefindService):
        async def launch(self) -> PagefindService:
            self._backend = await asyncio.create_subprocess_exec(
                self._bin, "--service", cwd=os.getcwd(),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL, limit=2**31 - 1,
            )
            self._poll_task = self._loop.create_task(self._wait_for_responses())
            return self

        async def _wait_for_responses(self) -> None:
            assert self._backend.stdout is not None
            while True:
                try:
                    output = await self._backend.stdout.readuntil(b",")
                except asyncio.IncompleteReadError:  # the binary exited
                    for waiting in self._responses.values():
                        if not waiting.done():
                            waiting.set_exception(SearchError("the Pagefind binary exited unexpectedly"))
                    return
                resp = json.loads(base64.b64decode(output[:-1]))
                if not resp:
                    continue
                fut = self._responses.pop(resp.get("message_id"), None)
                if fut is None or fut.done():
                    continue
                payload = resp["payload"]
                if payload.get("type") == "Error":
                    fut.set_exception(SearchError(f"Pagefind: {payload.get('message')}"))
                else:
                    fut.set_result(payload)

    return _Service


async def _pagefind(recs: list[Record], batch: int = 500) -> dict[str, bytes]:
    try:
        service_class = _service_class()
        service = service_class()
    except (ImportError, FileNotFoundError) as exc:
        raise SearchError(f"Pagefind is not installed ({exc}): pip install 'pagefind[bin]'") from exc
    await service.launch()
    try:
        index = await service.create_index({"force_language": LANGUAGE})
        # in order, a batch at a time: the service handles messages one by one, in order,
        # so page numbers (and the index) follow the records' order
        for start in range(0, len(recs), batch):
            await asyncio.gather(*(
                index.add_html_file(content=r.html(), url=r.url) for r in recs[start:start + batch]
            ))
        files = await index.get_files()
        return {f["path"]: f["content"] for f in files}
    finally:
        await service.close()


# --------------------------------------------------------------------------- determinism

# Pagefind keeps filters in hash maps seeded at random, so the values inside each
# filter file, and the list of filter files in the metadata, come out in a different
# order on every run (index, fragment and word files do not). The browser does not care
# about that order; byte-for-byte builds do. So the filter files and the metadata are
# decoded, sorted and encoded again, and renamed by the hash of their new content.

_SIGNATURE = b"pagefind_dcd"


def _canonical_filters(files: dict[str, bytes]) -> dict[str, bytes]:
    """The bundle with its filter files and metadata in a canonical order. Anything
    not understood (a future Pagefind format) leaves the bundle exactly as it was."""
    entry_name = "pagefind-entry.json"
    if entry_name not in files:
        return files
    entry = json.loads(files[entry_name])
    out = dict(files)
    renamed: dict[str, str] = {}  # old filter hash -> new
    for path in sorted(p for p in files if p.startswith("filter/") and p.endswith(".pf_filter")):
        value = _decode_dcd(files[path])
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], list)):
            return files
        name, values = value
        data = _encode_dcd([name, sorted(values, key=lambda v: v[0])])
        old = path[len("filter/"):-len(".pf_filter")]
        new = f"{old.split('_', 1)[0]}_{_hash(data)[:7]}"
        del out[path]
        out[f"filter/{new}.pf_filter"] = data
        renamed[old] = new
    if not renamed:
        return files
    for lang, info in entry.get("languages", {}).items():
        meta_path = f"pagefind.{info['hash']}.pf_meta"
        meta = _decode_dcd(files[meta_path]) if meta_path in files else None
        at = _meta_filters_position(meta, renamed)
        if at is None or meta is None:
            return files
        meta[at] = sorted(([f, renamed[h]] for f, h in meta[at]), key=lambda fh: fh[0])
        data = _encode_dcd(meta)
        new_hash = f"{lang}_{_hash(data)[:10]}"
        del out[meta_path]
        out[f"pagefind.{new_hash}.pf_meta"] = data
        info["hash"] = new_hash
    out[entry_name] = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return out


def _meta_filters_position(meta: object, renamed: dict[str, str]) -> int | None:
    """Where the metadata lists the filter files: a list of [filter name, hash] pairs
    whose hashes are the filter files' (empty when there are no filters)."""
    if not isinstance(meta, list):
        return None
    for i, item in enumerate(meta):
        if (isinstance(item, list) and item and all(isinstance(x, list) and len(x) == 2 for x in item)
                and all(isinstance(x[1], str) and x[1] in renamed for x in item)):
            return i
    return None


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode_dcd(data: bytes) -> Any:
    """A gzipped Pagefind data file: the signature, then one CBOR value (cbor2), or None
    when it is not one that cbor2 writes back byte for byte (then the file is left as
    Pagefind wrote it)."""
    try:
        raw = gzip.decompress(data)
    except OSError:
        raw = data
    if not raw.startswith(_SIGNATURE):
        return None
    try:
        value = cbor2.loads(raw[len(_SIGNATURE):])
        if _SIGNATURE + cbor2.dumps(value) != raw:  # also: anything after the value
            return None
    except (cbor2.CBORError, ValueError, TypeError):
        return None
    return value


def _encode_dcd(value: object) -> bytes:
    """The signature and ``value`` in CBOR: definite lengths and the shortest heads, as
    Pagefind writes its filter and metadata files (lists, text, byte strings, integers)."""
    return gzip.compress(_SIGNATURE + cbor2.dumps(value), compresslevel=6, mtime=0)
