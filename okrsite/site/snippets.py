"""What the pages say in words, and the HTML snippets made in Python rather than in a
template (status badges, dates, the tables and lists a big site has a million of).

Pure functions of the model; a ``v`` argument is the page's
:class:`~okrsite.site.views.SiteView` (typed ``Any``: the view uses these words, so this
module does not import it).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Callable

from markupsafe import Markup

from ..core import status as rules
from ..core import urls
from ..core.model import COLOURS, STATUS_WORDS, Checkin, KeyResult
from .formatting import _whole_percent, fmt_percent, fmt_quantity
from .jinja_compat import escape_text

# --------------------------------------------------------------------------- words

TYPE_WORDS = {
    "metric": "Metric",
    "milestone": "Milestone",
    "stay_above": "Stay above",
    "stay_below": "Stay below",
}
COMMITMENT_WORDS = {
    "aspirational": "Aspirational",
    "committed": "Committed",
    "experimental": "Experimental",
}
INITIATIVE_WORDS = {
    "planned": "Planned",
    "in-progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
}
# Colour counts are labelled in words: while a period is open a colour is a status,
# once it has ended it is a grade band.
OPEN_COUNT_WORDS = {
    "green": STATUS_WORDS["on-track"],
    "amber": STATUS_WORDS["behind"],
    "red": STATUS_WORDS["at-risk"],
    "grey": STATUS_WORDS["no-data"],
}
GRADED_COUNT_WORDS = {
    "green": "Graded green",
    "amber": "Graded amber",
    "red": "Graded red",
    "grey": "Not scored",
}
# The home page shows at most this many requests for help and key results at risk, so
# that its first screen holds them on a phone; "This week" lists every one.
HOME_LIST_MAX = 3


def bar_value(p: float | None) -> int:
    """Progress clamped to 0..100 for a bar; the text shows the real percentage."""
    if p is None or not math.isfinite(float(p)):
        return 0
    return max(0, min(100, _whole_percent(p)))


def status_words(status: str | None) -> str:
    if not status:
        return STATUS_WORDS["no-data"]
    return STATUS_WORDS.get(status, status.replace("-", " ").capitalize())


def status_colour(status: str | None) -> str:
    return COLOURS.get(status or "no-data", "grey")


def html_status(item: Any) -> Markup:
    """An objective's or KR's status in words and colour; graded: the score in the grade
    colour. ``<span class="status status-red">At risk</span>``"""
    if item.status == "graded":
        words = f"{STATUS_WORDS['graded']} {fmt_percent(item.score)}" if item.score is not None else "Not scored"
    else:
        words = status_words(item.status)
    return Markup(f'<span class="status status-{escape_text(item.colour)}">{escape_text(words)}</span>')


def html_status_word(status: str | None) -> Markup:
    """A bare status (a check-in's update, a team's call) in words and colour."""
    if not status:
        return Markup('<span class="muted">—</span>')
    return Markup(
        f'<span class="status status-{escape_text(status_colour(status))}">{escape_text(status_words(status))}</span>'
    )


def html_date(d: date | None) -> Markup:
    if d is None:
        return Markup('<span class="muted">—</span>')
    iso = escape_text(d.isoformat())
    return Markup(f'<time datetime="{iso}">{iso}</time>')


def html_reported(u: Any, unit: str) -> str:
    """What an update reports (value, done or progress, score), as escaped HTML."""
    out = []
    if u.value is not None:
        out.append(escape_text(fmt_quantity(u.value, unit)))
    if u.done:
        out.append(" Done")
    elif u.progress is not None:
        out.append(f" {escape_text(fmt_percent(u.progress))} done")
    if u.score is not None:
        out.append(f' <span class="meta">score {escape_text(fmt_percent(u.score))}</span>')
    if u.value is None and u.progress is None and u.done is None and u.score is None:
        out.append('<span class="muted">—</span>')
    return "".join(out)


def _update_row(head: str, u: Any, unit: str, indent: str) -> str:
    cell = indent + "  "
    return (
        f'{indent}<tr>\n{cell}<th scope="row">{head}</th>\n'
        f"{cell}<td>{html_reported(u, unit)}</td>\n"
        f"{cell}<td>{escape_text(fmt_percent(u.confidence))}</td>\n"
        f"{cell}<td>{html_status_word(u.status)}</td>\n"
        f"{cell}<td>{escape_text(u.note)}</td>\n{indent}</tr>\n"
    )


def kr_history_rows(kr: KeyResult, url: Callable[[str], str]) -> Markup:
    """The rows of a KR's check-in history table, newest first (objective.html). Made
    here rather than in the template: a big site has a million of them."""
    rows = []
    for u in reversed(kr.updates):
        team, period, name = u.checkin.split("/", 2)
        head = f'<a href="{escape_text(url(urls.checkin(team, period, name)))}">{html_date(u.date)}</a>'
        rows.append(_update_row(head, u, kr.unit, "      "))
    return Markup("".join(rows))


def checkin_updates_table(ci: Checkin, v: Any, url: Callable[[str], str]) -> Markup:
    """A check-in's key result updates as a table (checkin.html): what each reports and
    the status it gave the key result (computed, as of the check-in's date), with the
    team's confidence, its own call and the notes only when some row has them. Each
    cell names its column (``data-label``) for the stacked layout of narrow screens."""
    updates = v.checkin_updates(ci)
    with_conf = any(u.confidence is not None for _, u, _ in updates)
    with_call = any(u.status for _, u, _ in updates)
    with_note = any(u.note for _, u, _ in updates)
    cols = ["Key result", "Reported", "Status"]
    cols += ["Confidence"] if with_conf else []
    cols += ["Team's call"] if with_call else []
    cols += ["Note"] if with_note else []
    head = "".join(f'<th scope="col">{c}</th>' for c in cols)
    rows = []
    for key, u, kr in updates:
        if kr is not None:
            name = f'<a href="{escape_text(url(urls.objective_ref(kr.ref)))}">{escape_text(kr.title)}</a>'
        else:
            name = f"<code>{escape_text(key)}</code>"
        after = v.kr_after_checkin(kr, ci) if kr is not None else None
        cells = [
            f'<th scope="row">{name}</th>',
            f'<td data-label="Reported">{html_reported(u, kr.unit if kr else "")}</td>',
            f'<td data-label="Status">{html_status(after) if after is not None else html_status_word(None)}</td>',
        ]
        if with_conf:
            conf = escape_text(fmt_percent(u.confidence)) if u.confidence is not None else ""
            cells.append(f'<td data-label="Confidence">{conf}</td>')
        if with_call:
            cells.append(f'<td data-label="Team\'s call">{html_status_word(u.status) if u.status else ""}</td>')
        if with_note:
            cells.append(f'<td data-label="Note" class="update-note">{escape_text(u.note)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>\n")
    return Markup(
        f'<table class="table updates-table">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "".join(rows)
        + "</tbody>\n</table>"
    )


def band_words(commitment: str) -> str:
    """A commitment's grade band: 'aspirational: green from 70%, amber from 40%'."""
    green, amber = rules.grade_bands(commitment)
    name = COMMITMENT_WORDS.get(commitment, "Aspirational").lower()
    return f"{name}: green from {fmt_percent(green)}, amber from {fmt_percent(amber)}"


def grade_band_key() -> str:
    """Every commitment's grade band in one sentence (legends of graded periods)."""
    return "Grade bands: " + "; ".join(band_words(c) for c in rules.GRADE_BANDS) + "."


def reason_words(reason: Any, item: Any, v: Any) -> str:
    """``okrsite.core.status.Reason`` in words, without blame (docs/status.md's rules)."""
    when = f" on {reason.date.isoformat()}" if reason.date else ""
    cfg = v.site.config.status
    rule = reason.rule
    if rule == rules.RULE_GRADE:
        if item.score is None:
            return "Not scored: no check-in gave a score or a value."
        return f"Graded {fmt_percent(item.score)}: {item.colour}. Grade bands for {band_words(item.commitment)}."
    if rule == rules.RULE_NO_UPDATE:
        return "No check-in has updated it yet."
    if rule == rules.RULE_TEAM_STATUS:
        return f"The team's own call in its check-in{when}."
    if rule == rules.RULE_CONFIDENCE:
        return (
            f"The team's confidence{when}: {fmt_percent(reason.confidence)} (on track from "
            f"{fmt_percent(cfg.confidence_on_track)}, behind from {fmt_percent(cfg.confidence_behind)})."
        )
    if rule == rules.RULE_NO_PROGRESS:
        return f"The latest check-in{when} gave no value yet."
    if rule == rules.RULE_LINE:
        holds = reason.value is not None and item.status == "on-track"
        side = "above" if item.type == "stay_above" else "below"
        verb = "holds the line" if holds else f"is not {side} the line"
        return f"The value{when}, {fmt_quantity(reason.value, item.unit)}, {verb} of {fmt_quantity(item.target, item.unit)}."
    if rule == rules.RULE_PACE:
        p = min(reason.progress, 1.0)
        gap = round((reason.expected - p) * 100)
        where = (
            f"{gap} points behind the calendar's {fmt_percent(reason.expected)}"
            if gap > 0
            else f"level with or ahead of the calendar's {fmt_percent(reason.expected)}"
        )
        return (
            f"Pace: {fmt_percent(reason.progress)} done{when}, {where} (on track within "
            f"{fmt_percent(cfg.pace_on_track).rstrip('%')} points, behind within "
            f"{fmt_percent(cfg.pace_behind).rstrip('%')})."
        )
    if rule == rules.RULE_TEAM_CALL:
        own = rules.worst_status(kr.status for kr in item.key_results)
        return f"The team's own call in its latest check-in; its key results alone would say {status_words(own)}."
    if rule == rules.RULE_WEAKEST:
        if item.status == "on-track":
            return "Every key result with data is on track."
        kr = v.site.key_result(reason.key_result)
        title = kr.title if kr else reason.key_result
        return f"Its weakest key result, “{title}”, is {status_words(item.status).lower()}."
    return "None of its key results has data yet."


def help_lists(ci: Checkin, v: Any, level: int = 3) -> Markup:
    """A check-in's requests for help: the current ones, then the older ones (its team
    has checked in since without repeating them, or it is older than the stale limit)
    dated, greyed and apart (``SiteView.help_split``)."""
    current, older = v.help_split(ci)
    out = []
    if current:
        out.append('<ul class="help-requests">' + "".join(f"<li>{escape_text(h)}</li>" for h in current) + "</ul>")
    if older:
        out.append('<div class="help-older">')
        if current:
            out.append(f'<h{level} class="help-label">Older requests</h{level}>')
        out.append(
            '<ul class="help-requests">'
            + "".join(
                f'<li>{escape_text(h)} <span class="meta">({escape_text(v.help_age(ci, state))})</span></li>'
                for h, state in older
            )
            + "</ul></div>"
        )
    return Markup("\n".join(out))
