"""Search: a computed :class:`~okrsite.core.model.Site` -> compact records, in parts.

``records(site)`` is pure. What a reader finds is an :class:`Item`: an objective, key
result, team, person or check-in, with the words people search for (plain text, never
HTML), what a result shows (title, team, period, status in words, colour, kind) and the
values it can be filtered by. Items are indexed in few, larger :class:`Record` s (the
Pagefind indexer's memory grows with the number of records): one per team, person and
objective (its key results are *parts* of it) and one per team and period holding that
team's check-ins of the period as parts. A record goes to Pagefind as a small synthetic
HTML document (``Record.html()``, never a rendered page) in which each part is a heading
with an ``id``; the search page splits a result back into its items (see docs/search.md).

``partition(records, periods)`` splits the records into the parts indexed one by one
(one Pagefind bundle each, merged by the search page): one part per period (objectives,
their key results, the contributing teams' records and check-ins of that period) and
one for what has no single period (teams and people). A change to one check-in changes
one part, so only that part is indexed again (``okrsite.builder.searchindex`` runs
Pagefind and reuses unchanged parts).

Record URLs are relative to the site root (``teams/platform/``): the search page turns
them into links relative to itself, so one index works under any ``base_url``.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import Callable, Iterable
from urllib.parse import quote

from ..core import urls
from ..core.model import COLOURS, STATUS_WORDS, KeyResult, Objective, Site
from .formatting import fmt_percent
from .people import people  # the same people, slugs and URLs as the pages

__all__ = [
    "KINDS",
    "STATUS_FILTER_WORDS",
    "Item",
    "Record",
    "records",
    "ORG_PART",
    "part",
    "partition",
    "html_to_text",
]

LANGUAGE = "en"  # every record is indexed as English
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
        data = json.dumps(
            [part.url, part.kind, KINDS[part.kind], part.title, part.status, part.colour],
            separators=(",", ":"),
            ensure_ascii=False,
        )
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
        return (
            f'<!DOCTYPE html><html lang="{LANGUAGE}"><head><meta charset="utf-8"><title>{e(self.title)}</title>'
            f"</head><body><div>{''.join(head)}</div>"
            f"<main data-pagefind-body>{''.join(body)}</main></body></html>"
        )


# --------------------------------------------------------------------------- plain text


class _Text(HTMLParser):
    BLOCK = {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "br",
        "tr",
        "td",
        "th",
        "table",
        "blockquote",
        "pre",
        "section",
        "dt",
        "dd",
        "hr",
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


def records(site: Site, text: Callable[[str, bool], str] = html_to_text) -> list[Record]:
    """Every search record of the site, in a stable order: teams (organisation order is
    not needed here: by id), objectives with their key results as parts (by ref), each
    followed by one record per key result and contributing team (``contributor``), each
    team's check-ins of a period as the parts of one record (by team, period, date),
    people (by name). ``text``: :func:`html_to_text`, or a function that gives what it
    gives (the builder's, which remembers it between builds). Pure: same Site, same
    records."""
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
            text(t.body_html, True),
        )
        own = Item(
            url=urls.team(tid),
            kind="team",
            title=t.name,
            content=content,
            team=t.name,
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
            text(o.body_html, True),
        )
        own = Item(
            url=obj_url,
            kind="objective",
            title=o.title,
            content=content,
            team=tname,
            period=plabel,
            status=words,
            colour=colour,
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
            parts.append(
                Item(
                    url=obj_url + "#" + urls.kr_anchor(kr.id),
                    kind="key-result",
                    title=kr.title,
                    content=content,
                    team=tname,
                    period=plabel,
                    status=kwords,
                    colour=kcolour,
                    filters={"kind": ["key-result"], **base_filters, "status": [kcolour]},
                )
            )
        out.append(Record(url=obj_url, title=o.title, own=own, parts=tuple(parts)))
        # a key result other teams contribute to, once more for each such team's filter
        # (at the key result on that team's page: Pagefind keeps one record per URL)
        for kr, part in zip(o.key_results, parts):
            for c in sorted(set(kr.contributors) - {o.team}):
                out.append(
                    Record(
                        url=urls.team(c) + "#" + urls.contribution_anchor(kr.ref),
                        title=f"{kr.title}: {site.team_name(c)} contributes",
                        own=None,
                        parts=(replace(part, filters={**part.filters, "team": [c]}),),
                        contributor=c,
                    )
                )

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
            text(ci.body_html, False),
            "\n".join(notes),
        )
        groups.setdefault((ci.team, ci.period), []).append(
            Item(
                url=urls.checkin(ci.team, ci.period, ci.name),
                kind="checkin",
                title=title,
                content=content,
                team=tname,
                period=plabel,
                filters={"kind": ["checkin"], "team": [ci.team], "period": [ci.period]},
            )
        )
    for (tid, pid), cis in groups.items():
        out.append(
            Record(
                url=urls.team_period(tid, pid),
                title=f"Check-ins, {site.team_name(tid)}, {site.period_label(pid)}",
                own=None,
                parts=tuple(cis),
            )
        )

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
            url=p.url,
            kind="person",
            title=p.name,
            content=content,
            team=", ".join(site.team_name(t) for t in teams),
            filters={"kind": ["person"], "team": sorted(teams), "period": sorted_periods(periods)},
        )
        out.append(Record(url=own.url, title=own.title, own=own))
    return out


# --------------------------------------------------------------------------- parts

ORG_PART = ""  # the part of what has no single period: teams and people


def part(record: Record) -> str:
    """The part a record is indexed in: its period's id, or ``ORG_PART`` for a team or
    a person (found in every period they have OKRs or check-ins in)."""
    if record.own is not None and record.own.kind in ("team", "person"):
        return ORG_PART
    periods = {p for item in record.items for p in item.filters.get("period", ())}
    return periods.pop() if len(periods) == 1 else ORG_PART


def partition(recs: Iterable[Record], periods: Iterable[str] = ()) -> dict[str, list[Record]]:
    """The records by part, each part's in the records' order: ``ORG_PART`` first (even
    when empty: its bundle carries the search page's code), then the periods in the
    order given (the site's), then any other, by id. Pure."""
    periods = list(periods)
    out: dict[str, list[Record]] = {ORG_PART: []}
    for pid in periods:
        out[pid] = []
    for r in recs:
        out.setdefault(part(r), []).append(r)
    known = [ORG_PART, *dict.fromkeys(periods)]
    extra = sorted(k for k in out if k not in known)
    return {k: out[k] for k in known + extra if k == ORG_PART or out[k]}
