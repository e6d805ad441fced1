"""Exports for other tools: Atom feeds of check-ins and per-period CSV. Pure.

* ``feed.xml`` (every team's check-ins) and ``teams/<team>/feed.xml`` (one team's):
  Atom 1.0 (RFC 4287), newest first, at most ``MAX_ENTRIES`` entries. Every date comes
  from the content: an entry's ``updated`` is its check-in's date, the feed's is the
  latest check-in's (never the clock, so the same content gives the same bytes).
  Ids are the pages' absolute URLs when ``site_url`` is configured, otherwise
  ``urn:uuid:`` names derived from the site's title and the page's path (stable across
  builds; a site with no public address has no domain to mint ``tag:`` URIs under).
  Links are absolute with ``site_url``, otherwise relative to the feed file. The
  themes' ``feed.xml`` template writes them, each value escaped for XML.
* ``periods/<period>/okrs.csv``: one row per objective followed by one per key result,
  with their computed progress, status, colour and score, as in ``okrs.json``.
"""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import jinja2
from markupsafe import Markup

from ..core import urls
from ..core.model import Checkin, Site, Update
from .export import export_data
from .formatting import fmt_percent, fmt_quantity
from .pages import RenderError
from .themes import theme_dirs

ATOM_NS = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 20
FEED_TEMPLATE = "feed.xml"  # in a theme's templates/

CSV_COLUMNS = (
    "ref",
    "kind",
    "team",
    "period",
    "objective",
    "id",
    "title",
    "owner",
    "commitment",
    "type",
    "start",
    "target",
    "unit",
    "current",
    "progress",
    "status",
    "colour",
    "score",
    "stale",
    "last_update",
    "url",
)
_TEXT_COLUMNS = ("title", "owner", "unit")


# --------------------------------------------------------------------------- addresses


def _slug(text: str) -> str:
    return urls.slugify(text or "okrs")


def absolute(site: Site, target: str, from_path: str) -> str:
    """A link to ``target`` (a path from the site root) as written in the file at
    ``from_path``: absolute from ``site_url``, else relative to that file."""
    if site.config.site_url:
        return site.config.site_url + target
    return urls.relative(from_path, target)


def item_id(site: Site, target: str) -> str:
    """A permanent id for the page or file at ``target``."""
    if site.config.site_url:
        return site.config.site_url + target
    name = f"okrsite:{_slug(site.config.title)}/{target}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _timestamp(d: date) -> str:
    return f"{d.isoformat()}T00:00:00Z"


# --------------------------------------------------------------------------- Atom

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: object) -> str:
    """Text for XML (and for HTML inside it): escaped, without the characters XML forbids."""
    return html.escape(_NOT_XML.sub("", str(text)), quote=True)


def _update_words(u: Update, unit: str) -> str:
    """What one line of a check-in (``u``, an update of a key result in ``unit``) says."""
    parts = []
    if u.value is not None:
        parts.append(fmt_quantity(u.value, unit))
    if u.done:
        parts.append("done")
    elif u.progress is not None:
        parts.append(f"{fmt_percent(u.progress)} done")
    if u.confidence is not None:
        parts.append(f"confidence {fmt_percent(u.confidence)}")
    if u.status:
        parts.append(u.status.replace("-", " "))
    if u.score is not None:
        parts.append(f"score {fmt_percent(u.score)}")
    words = ", ".join(parts) or "no new value"
    if u.note:
        words += f" ({u.note})"
    return words


def _content_html(site: Site, ci: Checkin, krs: dict[str, tuple[str, str]]) -> str:
    """The entry's content: its updates, the team's calls, help requests and body (HTML).
    Its text is escaped for HTML only: ``atom`` escapes the whole of it again for XML,
    which takes out the characters XML forbids. ``krs``: (escaped title, unit) of the
    key results the feed has looked up, by reference (filled as they are)."""
    parts: list[str] = []
    if ci.key_results:
        items = []
        for key, u in ci.key_results.items():
            ref = f"{ci.team}/{ci.period}/{key}"
            known = krs.get(ref)
            if known is None:
                kr = site.key_result(ref)
                known = krs[ref] = (html.escape(kr.title), kr.unit) if kr else (html.escape(key), "")
            items.append(f"<li>{known[0]}: {html.escape(_update_words(u, known[1]))}</li>")
        parts.append(f"<ul>{''.join(items)}</ul>")
    if ci.objectives:
        items = []
        for oid, status in ci.objectives.items():
            obj = site.objectives.get(f"{ci.team}/{ci.period}/{oid}")
            items.append(f"<li>{html.escape(obj.title if obj else oid)}: {html.escape(status.replace('-', ' '))}</li>")
        parts.append(f"<p>The team's call:</p><ul>{''.join(items)}</ul>")
    if ci.help:
        helps = "".join(f"<li>{html.escape(str(h))}</li>" for h in ci.help)
        parts.append(f"<p>Where we need help:</p><ul>{helps}</ul>")
    if ci.body_html:
        parts.append(ci.body_html)  # already rendered and sanitised by the load step
    return "\n".join(parts)


def xml_text(value: Any) -> Markup:
    """How an XML template writes ``{{ value }}``: escaped (a ``Markup`` value as it
    is), without the characters XML forbids."""
    if isinstance(value, Markup):
        return Markup(_NOT_XML.sub("", value))
    return Markup(_x(value))


def xml_environment(loader: jinja2.BaseLoader | None) -> jinja2.Environment:
    """Jinja for XML templates (``feed.xml``) found by ``loader``: every expression
    goes through ``xml_text``, undefined names fail."""
    return jinja2.Environment(
        loader=loader,
        autoescape=True,
        finalize=xml_text,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def feed_template(site: Site, env: jinja2.Environment | None = None) -> jinja2.Template:
    """The themes' ``feed.xml`` (first theme wins, as for pages): found by the page
    environment ``env``'s loader, else in the site's themes. A broken one is a
    ``RenderError`` saying where."""
    loader = (
        env.loader
        if env is not None
        else jinja2.FileSystemLoader([str(d / "templates") for d in theme_dirs(site.config)])
    )
    try:
        return xml_environment(loader).get_template(FEED_TEMPLATE)
    except jinja2.TemplateError as exc:
        raise RenderError(f"{FEED_TEMPLATE}: {exc}") from exc


def atom(
    site: Site, checkins: list[Checkin], feed_path: str, page: str, title: str, template: jinja2.Template | None = None
) -> bytes:
    """An Atom feed of ``checkins`` written at ``feed_path``, whose HTML page is ``page``,
    by ``template`` (``feed_template``)."""
    krs: dict[str, tuple[str, str]] = {}
    ordered = sorted(checkins, key=lambda c: (c.date, c.team, c.period, c.name), reverse=True)
    if ordered:
        updated = ordered[0].date
    else:  # no check-ins yet: the start of the earliest period, else the epoch
        updated = min((p.start for p in site.periods.values()), default=date(1970, 1, 1))
    feed = {
        "id": item_id(site, feed_path),
        "title": title,
        "updated": _timestamp(updated),
        "self": absolute(site, feed_path, feed_path),
        "page": absolute(site, page, feed_path),
        "author": site.org.title or site.config.title or "OKRs",
    }
    entries = []
    for ci in ordered[:MAX_ENTRIES]:
        target = urls.checkin(ci.team, ci.period, ci.name)
        team = site.team_name(ci.team)
        n = len(ci.key_results)
        summary = f"{n} key result{'s' if n != 1 else ''} updated"
        if ci.help:
            summary += f"; {len(ci.help)} request{'s' if len(ci.help) != 1 else ''} for help"
        entries.append(
            {
                "id": item_id(site, target),
                "title": f"{team}: check-in of {ci.date.isoformat()} ({site.period_label(ci.period)})",
                "updated": _timestamp(ci.date),
                "author": ci.author or team,
                "url": absolute(site, target, feed_path),
                "team": ci.team,
                "team_name": team,
                "summary": summary,
                "content": _content_html(site, ci, krs),
                "checkin": ci,
            }
        )
    if template is None:
        template = feed_template(site)
    try:
        return template.render(feed=feed, entries=entries, site=site).encode("utf-8")
    except jinja2.TemplateError as exc:
        raise RenderError(f"{FEED_TEMPLATE}: {exc}") from exc


def site_feed(site: Site, template: jinja2.Template | None = None) -> bytes:
    title = f"{site.org.title or site.config.title}: check-ins"
    return atom(site, site.checkins, urls.FEED_FILE, urls.HOME, title, template)


def team_feed(
    site: Site, team_id: str, checkins: list[Checkin] | None = None, template: jinja2.Template | None = None
) -> bytes:
    """A team's feed; ``checkins``: the team's, when already picked out."""
    team = site.team_name(team_id)
    if checkins is None:
        checkins = [c for c in site.checkins if c.team == team_id]
    return atom(
        site,
        checkins,
        urls.team_feed(team_id),
        urls.team(team_id),
        f"{team}: check-ins · {site.org.title or site.config.title}",
        template,
    )


# --------------------------------------------------------------------------- CSV


def _cell(value: object, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    # A spreadsheet would run a cell starting with = + - @ as a formula (CSV injection).
    if column in _TEXT_COLUMNS and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _period_records(site: Site, data: dict[str, Any], period_id: str) -> Iterator[list[Any]]:
    """The values of one period's CSV rows, in ``CSV_COLUMNS`` order, as in ``data``."""
    for obj in data["objectives"]:
        if obj["period"] != period_id:
            continue
        yield [
            obj["ref"],
            "objective",
            obj["team"],
            obj["period"],
            obj["id"],
            obj["id"],
            obj["title"],
            obj["owner"],
            obj["commitment"],
            None,
            None,
            None,
            None,
            None,
            obj["progress"],
            obj["status"],
            obj["colour"],
            obj["score"],
            None,
            None,
            obj["url"],
        ]
        for kr in obj["key_results"]:
            yield [
                kr["ref"],
                "key-result",
                obj["team"],
                obj["period"],
                obj["id"],
                kr["id"],
                kr["title"],
                getattr(site.key_result(kr["ref"]), "owner", "") or None,
                kr["commitment"],
                kr["type"],
                kr["start"],
                kr["target"],
                kr["unit"],
                kr["current"],
                kr["progress"],
                kr["status"],
                kr["colour"],
                kr["score"],
                kr["stale"],
                kr["last_update"],
                obj["url"] + "#" + urls.kr_anchor(kr["id"]),
            ]


def period_rows(site: Site, data: dict, period_id: str) -> list[dict[str, str]]:
    """CSV rows of one period: the values of ``export.export_data`` (``data``), with each
    key result's owner from the site, as the cells written."""
    return [
        dict(zip(CSV_COLUMNS, map(_cell, values, CSV_COLUMNS))) for values in _period_records(site, data, period_id)
    ]


# the columns whose cells the csv module would not write as ``_cell`` does: text that
# may start a formula, and the one boolean
_CONVERTED = tuple((CSV_COLUMNS.index(c), c) for c in (*_TEXT_COLUMNS, "stale"))


def _writable(values: list) -> list:
    """``values`` as the csv module writes them into the cells ``_cell`` makes: it
    writes None as nothing, strings as they are, floats with ``repr`` and integers with
    ``str``; only the formula guard and the booleans are left to ``_cell``."""
    for i, column in _CONVERTED:
        if values[i] is not None:
            values[i] = _cell(values[i], column)
    return values


def period_csv(site: Site, period_id: str, data: dict | None = None) -> bytes:
    """``periods/<period>/okrs.csv``; ``data``: ``export_data(site)`` when already made."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    records = _period_records(site, data if data is not None else export_data(site), period_id)
    writer.writerows(map(_writable, records))
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- all of them


def output_paths(site: Site) -> list[str]:
    """The paths ``outputs`` writes, without making them (for the preview server)."""
    return [urls.FEED_FILE] + [urls.team_feed(t) for t in site.teams] + [urls.period_csv(p) for p in site.periods]


def outputs(site: Site, data: dict | None = None, env: jinja2.Environment | None = None) -> dict[str, bytes]:
    """Every feed and CSV file of the site: {output path: bytes}; ``data``:
    ``export_data(site)`` when already made (for ``okrs.json``); ``env``: the pages'
    Jinja environment, whose themes' ``feed.xml`` writes the feeds (``feed_template``).
    A broken ``feed.xml`` raises ``pages.RenderError``."""
    template = feed_template(site, env)
    files = {urls.FEED_FILE: site_feed(site, template)}
    by_team: dict[str, list[Checkin]] = {}
    for ci in site.checkins:
        by_team.setdefault(ci.team, []).append(ci)
    for team_id in site.teams:
        files[urls.team_feed(team_id)] = team_feed(site, team_id, by_team.get(team_id, []), template)
    if data is None:
        data = export_data(site)
    for period_id in site.periods:
        files[urls.period_csv(period_id)] = period_csv(site, period_id, data)
    return files


__all__ = [
    "outputs",
    "output_paths",
    "site_feed",
    "team_feed",
    "period_csv",
    "period_rows",
    "atom",
    "CSV_COLUMNS",
    "ATOM_NS",
]
