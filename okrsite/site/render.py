"""Rendering: a computed :class:`~okrsite.core.model.Site` -> HTML pages.

Pure apart from reading templates: ``render_site`` returns every page as
``{output-relative path: UTF-8 bytes}`` and writes nothing. The same ``Site``
always gives the same bytes (everything is sorted; no clocks, no randomness).

Templates live in ``<theme>/templates/``; a user theme is searched before the
built-in one, so it can override any single template. (Static files and the theme
folders themselves are ``okrsite.site.themes``' business.)
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from ..core import status as rules
from ..core import urls
from ..core.markdown import safe_link
from ..core.model import (
    COLOUR_ORDER,
    COLOURS,
    STATUS_WORDS,
    Checkin,
    KeyResult,
    Objective,
    Period,
    Site,
    Team,
)
from .formatting import _whole_percent, fmt_number, fmt_percent, fmt_quantity
from .jinja_compat import escape_text, new_environment
from .people import Person, _norm_name, people
from .trees import RefInfo, TreeNode, focus_trees, subtree_teams, tree_teams

__all__ = [
    "RenderError",
    "DuplicateOutput",
    "Person",
    "make_environment",
    "people",
    "render_site",
    "PagePlan",
    "SitePlan",
    "plan_pages",
    "page_context",
    "render_page",
    "fmt_number",
    "fmt_quantity",
    "fmt_percent",
]


class RenderError(Exception):
    """A problem that makes the site impossible to render (a broken template, ...)."""


class DuplicateOutput(RenderError):
    """Two pages map to the same output file (or to files differing only in case)."""


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


# --------------------------------------------------------------------------- formatting


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
        words = (
            f"{STATUS_WORDS['graded']} {fmt_percent(item.score)}" if item.score is not None else "Not scored"
        )
    else:
        words = status_words(item.status)
    return Markup(f'<span class="status status-{escape_text(item.colour)}">{escape_text(words)}</span>')


def html_status_word(status: str | None) -> Markup:
    """A bare status (a check-in's update, a team's call) in words and colour."""
    if not status:
        return Markup('<span class="muted">—</span>')
    return Markup(f'<span class="status status-{escape_text(status_colour(status))}">{escape_text(status_words(status))}</span>')


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
    return (f"{indent}<tr>\n{cell}<th scope=\"row\">{head}</th>\n"
            f"{cell}<td>{html_reported(u, unit)}</td>\n"
            f"{cell}<td>{escape_text(fmt_percent(u.confidence))}</td>\n"
            f"{cell}<td>{html_status_word(u.status)}</td>\n"
            f"{cell}<td>{escape_text(u.note)}</td>\n{indent}</tr>\n")


def kr_history_rows(kr: KeyResult, url: Callable[[str], str]) -> Markup:
    """The rows of a KR's check-in history table, newest first (objective.html). Made
    here rather than in the template: a big site has a million of them."""
    rows = []
    for u in reversed(kr.updates):
        team, period, name = u.checkin.split("/", 2)
        head = f'<a href="{escape_text(url(urls.checkin(team, period, name)))}">{html_date(u.date)}</a>'
        rows.append(_update_row(head, u, kr.unit, "      "))
    return Markup("".join(rows))


def checkin_updates_table(ci: Checkin, v: "SiteView", url: Callable[[str], str]) -> Markup:
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
        cells = [f'<th scope="row">{name}</th>', f'<td data-label="Reported">{html_reported(u, kr.unit if kr else "")}</td>',
                 f'<td data-label="Status">{html_status(after) if after is not None else html_status_word(None)}</td>']
        if with_conf:
            conf = escape_text(fmt_percent(u.confidence)) if u.confidence is not None else ""
            cells.append(f'<td data-label="Confidence">{conf}</td>')
        if with_call:
            cells.append(f'<td data-label="Team\'s call">{html_status_word(u.status) if u.status else ""}</td>')
        if with_note:
            cells.append(f'<td data-label="Note" class="update-note">{escape_text(u.note)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>\n")
    return Markup(f'<table class="table updates-table">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
                  + "".join(rows) + "</tbody>\n</table>")


def band_words(commitment: str) -> str:
    """A commitment's grade band: 'aspirational: green from 70%, amber from 40%'."""
    green, amber = rules.grade_bands(commitment)
    name = COMMITMENT_WORDS.get(commitment, "Aspirational").lower()
    return f"{name}: green from {fmt_percent(green)}, amber from {fmt_percent(amber)}"


def grade_band_key() -> str:
    """Every commitment's grade band in one sentence (legends of graded periods)."""
    return "Grade bands: " + "; ".join(band_words(c) for c in rules.GRADE_BANDS) + "."


def reason_words(reason: Any, item: Any, v: "SiteView") -> str:
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
        return (f"The team's confidence{when}: {fmt_percent(reason.confidence)} (on track from "
                f"{fmt_percent(cfg.confidence_on_track)}, behind from {fmt_percent(cfg.confidence_behind)}).")
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
        where = (f"{gap} points behind the calendar's {fmt_percent(reason.expected)}" if gap > 0 else
                 f"level with or ahead of the calendar's {fmt_percent(reason.expected)}")
        return (f"Pace: {fmt_percent(reason.progress)} done{when}, {where} (on track within "
                f"{fmt_percent(cfg.pace_on_track).rstrip('%')} points, behind within "
                f"{fmt_percent(cfg.pace_behind).rstrip('%')}).")
    if rule == rules.RULE_TEAM_CALL:
        own = rules.worst_status(kr.status for kr in item.key_results)
        return (f"The team's own call in its latest check-in; its key results alone would say "
                f"{status_words(own)}.")
    if rule == rules.RULE_WEAKEST:
        if item.status == "on-track":
            return "Every key result with data is on track."
        kr = v.site.key_result(reason.key_result)
        title = kr.title if kr else reason.key_result
        return f"Its weakest key result, “{title}”, is {status_words(item.status).lower()}."
    return "None of its key results has data yet."


def help_lists(ci: Checkin, v: "SiteView", level: int = 3) -> Markup:
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
        out.append('<ul class="help-requests">' + "".join(
            f'<li>{escape_text(h)} <span class="meta">({escape_text(v.help_age(ci, state))})</span></li>'
            for h, state in older) + "</ul></div>")
    return Markup("\n".join(out))


# --------------------------------------------------------------------------- environment


def make_environment(theme_dirs: list[Path]) -> jinja2.Environment:
    """A Jinja environment over each theme's ``templates/`` (first wins), autoescaping
    everything, failing on undefined names."""
    searchpath = [str(Path(d) / "templates") for d in theme_dirs]
    env = new_environment(
        loader=jinja2.FileSystemLoader(searchpath),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        num=fmt_number,
        qty=fmt_quantity,
        pct=fmt_percent,
        bar=bar_value,
        words=status_words,
        colour=status_colour,
    )
    env.globals.update(
        urls=urls,
        STATUS_WORDS=STATUS_WORDS,
        COLOUR_ORDER=COLOUR_ORDER,
        TYPE_WORDS=TYPE_WORDS,
        COMMITMENT_WORDS=COMMITMENT_WORDS,
        INITIATIVE_WORDS=INITIATIVE_WORDS,
        OPEN_COUNT_WORDS=OPEN_COUNT_WORDS,
        GRADED_COUNT_WORDS=GRADED_COUNT_WORDS,
        HOME_LIST_MAX=HOME_LIST_MAX,
        GRADE_BAND_WORDS=grade_band_key(),
        safe_link=safe_link,
        status=html_status,
        status_word=html_status_word,
        date=html_date,
        kr_history_rows=kr_history_rows,
        checkin_updates_table=checkin_updates_table,
        help_lists=help_lists,
    )
    from .summary import template_globals

    env.globals.update(template_globals())
    return env


# --------------------------------------------------------------------------- people


# --------------------------------------------------------------------------- view helpers


class SiteView:
    """Lookups over a Site, computed once per render, available to templates as ``v``."""

    def __init__(self, site: Site, persons: list[Person]) -> None:
        self.site = site
        self.as_of = site.as_of
        self.people = persons
        self._person_by_name = {p.name: p for p in persons}
        self.periods: list[Period] = sorted(
            site.periods.values(), key=lambda p: (p.start, p.end, p.id)
        )
        self.current = site.periods.get(site.current_period) if site.current_period else None
        self.strategy = {s.id: s for s in site.org.strategy}

        # organisation order: depth-first from the roots, children by id
        self.children: dict[str, list[str]] = {t: [] for t in site.teams}
        roots: list[str] = []
        for tid in sorted(site.teams):
            parent = site.teams[tid].parent
            if parent and parent in site.teams and parent != tid:
                self.children[parent].append(tid)
            else:
                roots.append(tid)
        self.roots = roots
        self.depth: dict[str, int] = {}
        self.team_order: list[str] = []
        seen: set[str] = set()

        def walk(tid: str, depth: int) -> None:
            if tid in seen:
                return
            seen.add(tid)
            self.depth[tid] = depth
            self.team_order.append(tid)
            for c in self.children[tid]:
                walk(c, depth + 1)

        for r in roots:
            walk(r, 0)
        for tid in sorted(site.teams):  # anything in a parent cycle (never, after load)
            walk(tid, 0)
        self._org_pos = {t: i for i, t in enumerate(self.team_order)}
        self._period_pos = {p.id: i for i, p in enumerate(self.periods)}

        # objectives per (team, period), by id
        self.by_team_period: dict[tuple[str, str], list[Objective]] = {}
        for ref in sorted(site.objectives):
            o = site.objectives[ref]
            self.by_team_period.setdefault((o.team, o.period), []).append(o)
        # check-ins per (team, period), oldest first
        self.checkins_by_tp: dict[tuple[str, str], list[Checkin]] = {}
        self.checkin_by_key: dict[str, Checkin] = {}
        for ci in sorted(site.checkins, key=lambda c: (c.team, c.period, c.date, c.name)):
            self.checkins_by_tp.setdefault((ci.team, ci.period), []).append(ci)
            self.checkin_by_key[ci.key] = ci
        # each team's latest counted check-in; each team's periods
        self._latest: dict[str, Checkin] = {}
        for ci in self.site.checkins:
            if not ci.counted:
                continue
            best = self._latest.get(ci.team)
            if best is None or (ci.date, ci.name, self.period_pos(ci.period)) > (
                best.date,
                best.name,
                self.period_pos(best.period),
            ):
                self._latest[ci.team] = ci
        self._team_periods: dict[str, set[str]] = {}
        self._objective_periods: dict[str, set[str]] = {}
        for t, p in self.by_team_period:
            self._team_periods.setdefault(t, set()).add(p)
            self._objective_periods.setdefault(t, set()).add(p)
        for t, p in list(self.checkins_by_tp) + list(site.retros):
            self._team_periods.setdefault(t, set()).add(p)
        # KRs of other teams that name a team as contributor, newest period first
        self.contributions: dict[str, list[KeyResult]] = {}
        for ref in sorted(site.objectives):
            o = site.objectives[ref]
            for kr in o.key_results:
                for c in sorted(set(kr.contributors)):
                    if c != o.team:
                        self.contributions.setdefault(c, []).append(kr)
        for lst in self.contributions.values():
            lst.sort(key=lambda kr: (-self.period_pos(kr.objective.split("/")[1]), kr.objective))
        # computed on first use by the pictures (charts, "this week")
        self._progress_cache: dict[str, list[Any]] = {}
        self._weeks_cache: dict[tuple[str, str], list[Any]] = {}
        self._this_week: Any = None
        self._focus: dict[str, tuple] = {}  # period -> teams with a focused alignment page (list, set)
        self._alignment: dict[str, tuple] = {}  # period -> alignment_of
        self._alone: dict[str, dict[str, list[Objective]]] = {}  # period -> team -> objectives standing alone

    def patched(self, site: Site, team_periods: set[tuple[str, str]]) -> "SiteView":
        """The view ``SiteView(site, self.people)`` gives, made in time proportional to
        the change: ``site`` is this view's site after ``okrsite.serve.patch`` replaced the
        check-ins, objectives and teams of ``team_periods`` (same pages, people and
        links; only their contents and computed state differ)."""
        v = copy.copy(self)
        v.site = site
        teams = {t for t, _ in team_periods}
        v.by_team_period = dict(self.by_team_period)
        for tp in team_periods:
            if tp in v.by_team_period:
                v.by_team_period[tp] = [site.objectives[o.ref] for o in self.by_team_period[tp]]
        v.checkins_by_tp = dict(self.checkins_by_tp)
        v.checkin_by_key = dict(self.checkin_by_key)
        v._latest = {t: ci for t, ci in self._latest.items() if t not in teams}
        fresh: dict[tuple[str, str], list[Checkin]] = {}
        for ci in site.checkins:  # as __init__ does, for the changed teams only
            if ci.team not in teams:
                continue
            if (ci.team, ci.period) in team_periods:
                fresh.setdefault((ci.team, ci.period), []).append(ci)
                v.checkin_by_key[ci.key] = ci
            if ci.counted:
                best = v._latest.get(ci.team)
                if best is None or (ci.date, ci.name, v.period_pos(ci.period)) > (
                        best.date, best.name, v.period_pos(best.period)):
                    v._latest[ci.team] = ci
        for tp, cis in fresh.items():
            v.checkins_by_tp[tp] = sorted(cis, key=lambda c: (c.team, c.period, c.date, c.name))
        changed = {kr.ref: kr for tp in team_periods for o in v.by_team_period.get(tp, []) for kr in o.key_results}
        v.contributions = dict(self.contributions)
        for team_id, krs in self.contributions.items():
            if any(kr.ref in changed for kr in krs):
                v.contributions[team_id] = [changed.get(kr.ref, kr) for kr in krs]
        # (copied first: pages of the old view may be filling these caches in other threads)
        v._progress_cache = {ref: p for ref, p in dict(self._progress_cache).items()
                             if tuple(ref.split("/")[:2]) not in team_periods}
        v._weeks_cache = {k: w for k, w in dict(self._weeks_cache).items() if k not in team_periods}
        v._this_week = None
        v._alignment = {}  # trees hold objectives (and their colours): made again on first use
        v._alone = {}
        v._focus = dict(self._focus)  # which teams have a focused page: links only, unchanged
        return v

    # ---- basic lookups

    def team(self, team_id: str | None) -> Team | None:
        return self.site.teams.get(team_id) if team_id else None

    def team_name(self, team_id: str | None) -> str:
        return self.site.team_name(team_id)

    def period(self, period_id: str | None) -> Period | None:
        return self.site.periods.get(period_id) if period_id else None

    def period_label(self, period_id: str | None) -> str:
        return self.site.period_label(period_id)

    def period_pos(self, period_id: str) -> int:
        return self._period_pos.get(period_id, len(self._period_pos))

    def org_pos(self, team_id: str) -> int:
        return self._org_pos.get(team_id, len(self._org_pos))

    def is_open(self, period_id: str | None) -> bool:
        p = self.period(period_id)
        return p is not None and self.as_of <= p.end

    def is_graded(self, period_id: str | None) -> bool:
        p = self.period(period_id)
        return p is not None and self.as_of > p.end

    def count_words(self, period_id: str | None) -> dict[str, str]:
        return GRADED_COUNT_WORDS if self.is_graded(period_id) else OPEN_COUNT_WORDS

    def counts(self, team_id: str, period_id: str | None, krs: bool = False) -> dict[str, int]:
        t = self.team(team_id)
        if t is None or not period_id:
            return {}
        src = t.kr_counts if krs else t.counts
        c = src.get(period_id) or {}
        return {k: int(c.get(k, 0)) for k in COLOUR_ORDER}

    def org_counts(self, period_id: str | None, krs: bool = False) -> dict[str, int]:
        total = {k: 0 for k in COLOUR_ORDER}
        for tid in self.team_order:
            for k, n in self.counts(tid, period_id, krs).items():
                total[k] += n
        return total

    def person(self, name: str | None) -> Person | None:
        return self._person_by_name.get(_norm_name(name))

    def strategy_title(self, theme_id: str | None) -> str:
        if not theme_id:
            return ""
        s = self.strategy.get(theme_id)
        return s.title if s and s.title else theme_id

    def objective(self, ref: str) -> Objective | None:
        return self.site.objectives.get(ref)

    def objective_of(self, kr: KeyResult) -> Objective | None:
        return self.site.objectives.get(kr.objective)

    def objectives(self, team_id: str, period_id: str) -> list[Objective]:
        return self.by_team_period.get((team_id, period_id), [])

    def checkins(self, team_id: str, period_id: str) -> list[Checkin]:
        return self.checkins_by_tp.get((team_id, period_id), [])

    def checkin(self, key: str) -> Checkin | None:
        return self.checkin_by_key.get(key)

    def checkin_url(self, key: str) -> str:
        team, period, name = key.split("/", 2)
        return urls.checkin(team, period, name)

    def team_periods(self, team_id: str) -> list[str]:
        """Every period the team has a page for (objectives, check-ins or a retro)."""
        ids = self._team_periods.get(team_id, set())
        return sorted(ids, key=lambda p: (self.period_pos(p), p))

    def objective_periods(self, team_id: str) -> list[str]:
        ids = self._objective_periods.get(team_id, set())
        return sorted(ids, key=lambda p: (self.period_pos(p), p))

    def focus_period(self, team_id: str) -> str | None:
        """The current period if the team has objectives in it, else the latest period
        with objectives that has started, else the earliest one."""
        ids = self.objective_periods(team_id)
        if not ids:
            return None
        if self.site.current_period in ids:
            return self.site.current_period
        started = [p for p in ids if (per := self.period(p)) is None or per.start <= self.as_of]
        return started[-1] if started else ids[0]

    def containing_periods(self, period_id: str | None) -> list[str]:
        """The period and every other period containing it, longest first."""
        p = self.period(period_id)
        if p is None:
            return []
        others = [q for q in self.periods if q.id != p.id and q.contains(p)]
        others.sort(key=lambda q: (-q.days, q.start, q.id))
        return [q.id for q in others] + [p.id]

    def root_objectives(self, period_id: str | None) -> list[Objective]:
        """Objectives of root teams in the period and in every period containing it."""
        out: list[Objective] = []
        for pid in self.containing_periods(period_id):
            for tid in self.team_order:
                if tid in self.roots:
                    out.extend(self.objectives(tid, pid))
        return out

    def latest_checkin(self, team_id: str) -> Checkin | None:
        """The team's latest counted check-in (by date, then name), over all periods."""
        return self._latest.get(team_id)

    def stale_days(self, kr: KeyResult) -> int | None:
        if kr.last_update is None:
            return None
        return (self.as_of - kr.last_update).days

    def latest_note(self, kr: KeyResult) -> str:
        for u in reversed(kr.updates):
            if u.note:
                return u.note
        return ""

    def milestone_reported(self, kr: KeyResult) -> bool:
        """Whether any counted update of a milestone says done or gives progress."""
        return any(u.done is not None or u.progress is not None for u in kr.updates)

    def checkin_updates(self, ci: Checkin) -> list[tuple[str, Any, KeyResult | None]]:
        """(key, update, KR or None) of a check-in, in objective order then KR order."""
        rows = []
        for key, u in ci.key_results.items():
            kr = self.kr_from_update_key(ci, key)
            if kr is not None:
                obj = self.objective_of(kr)
                idx = next((i for i, k in enumerate(obj.key_results) if k is kr), 0) if obj else 0
                pos: tuple = (0, kr.objective, idx, key)
            else:
                pos = (1, "", 0, key)
            rows.append((pos, key, u, kr))
        rows.sort(key=lambda r: r[0])
        return [(key, u, kr) for _, key, u, kr in rows]

    def kr_after_checkin(self, kr: KeyResult, ci: Checkin) -> KeyResult | None:
        """A copy of the key result as it stood on the check-in's date (its status then),
        or None for a check-in not counted (dated after the as-of date)."""
        from . import history

        if not ci.counted:
            return None
        obj = self.objective_of(kr)
        period = self.period(obj.period) if obj else None
        if period is None:
            return None
        return history.kr_at(kr, period, min(ci.date, self.as_of), self.site.config.status)

    def kr_from_update_key(self, ci: Checkin, key: str) -> KeyResult | None:
        return self.site.key_result(f"{ci.team}/{ci.period}/{key}")

    # ---- refs

    def ref(self, ref: str | None) -> RefInfo | None:
        if not ref:
            return None
        parts = ref.split("/")
        if len(parts) not in (3, 4):
            return None
        obj = self.site.objectives.get("/".join(parts[:3]))
        if obj is None:
            return None
        item: Objective | KeyResult | None = obj
        kind = "objective"
        title = obj.title
        if len(parts) == 4:
            item = self.site.key_result(ref)
            if item is None:
                return None
            kind = "key result"
            title = item.title
        return RefInfo(
            ref=ref,
            url=urls.objective_ref(ref),
            kind=kind,
            title=title,
            team=self.team(obj.team),
            team_name=self.team_name(obj.team),
            period=obj.period,
            period_label=self.period_label(obj.period),
            objective=obj,
            item=item,
        )

    def aligns_to(self, item: Objective | KeyResult) -> list[tuple[str, RefInfo | None]]:
        """(text, info) per aligns_to ref, in file order; info None when unresolved."""
        out = []
        for r in item.aligns_to:
            info = self.ref(r.target) if r.target else None
            out.append((r.raw, info))
        return out

    def depends_on(self, obj: Objective) -> list[tuple[str, RefInfo | None]]:
        out = []
        for r in obj.depends_on:
            info = self.ref(r.target) if r.target else None
            out.append((r.raw, info))
        return out

    def _reverse(self, mapping: dict[str, list[str]], ref: str) -> list[RefInfo]:
        infos = [i for r in sorted(set(mapping.get(ref, []))) if (i := self.ref(r)) is not None]
        infos.sort(key=lambda i: (self.period_pos(i.period), self.org_pos(i.team.id if i.team else ""), i.ref))
        return infos

    def aligned_from(self, ref: str) -> list[RefInfo]:
        return self._reverse(self.site.aligned_from, ref)

    def depended_on_by(self, ref: str) -> list[RefInfo]:
        return self._reverse(self.site.depended_on_by, ref)

    # ---- home page boards

    def open_periods(self) -> list[str]:
        return [p.id for p in self.periods if self.as_of <= p.end]

    def at_risk_krs(self) -> list[KeyResult]:
        """At-risk key results of open periods, by period, organisation order, ref."""
        out: list[tuple[Any, KeyResult]] = []
        open_ids = set(self.open_periods())
        for ref in sorted(self.site.objectives):
            o = self.site.objectives[ref]
            if o.period not in open_ids:
                continue
            for i, kr in enumerate(o.key_results):
                if kr.status == "at-risk":
                    out.append(((self.period_pos(o.period), self.org_pos(o.team), o.id, i), kr))
        out.sort(key=lambda x: x[0])
        return [kr for _, kr in out]

    def help_requests(self) -> list[Checkin]:
        """Each team's latest counted check-in, when it asks for help; organisation order."""
        out = []
        for tid in self.team_order:
            ci = self.latest_checkin(tid)
            if ci is not None and ci.help:
                out.append(ci)
        return out

    def help_board(self) -> tuple[list[Checkin], list[Checkin]]:
        """(current, older) requests for help: each team's latest counted check-in that
        asks for help, current while it is no older than the stale limit (organisation
        order), else older (newest first). See ``okrsite.core.status.help_state``."""
        limit = self.site.config.status.stale_after_days
        current, older = [], []
        for ci in self.help_requests():
            (current if (self.as_of - ci.date).days <= limit else older).append(ci)
        older.sort(key=lambda c: (-c.date.toordinal(), self.org_pos(c.team)))
        return current, older

    def help_state(self, ci: Checkin, text: str) -> str:
        """The state of one request for help of a check-in (``okrsite.core.status.HELP_*``)."""
        return rules.help_state(ci, text, self.latest_checkin(ci.team), self.as_of,
                                self.site.config.status.stale_after_days)

    def help_split(self, ci: Checkin) -> tuple[list[str], list[tuple[str, str]]]:
        """A check-in's requests for help: (current ones, [(older one, its state)]);
        requests of a check-in after the as-of date count as current (the page says
        it is not counted yet)."""
        current, older = [], []
        for text in ci.help:
            state = self.help_state(ci, text)
            if state in (rules.HELP_OPEN, rules.HELP_NOT_COUNTED):
                current.append(text)
            else:
                older.append((text, state))
        return current, older

    def help_age(self, ci: Checkin, state: str) -> str:
        """Why an older request for help is older, dated: 'asked 21 days ago, on ...'."""
        latest = self.latest_checkin(ci.team)
        asked = ci.date.isoformat()
        if state == rules.HELP_STALE or latest is None:
            return f"asked {(self.as_of - ci.date).days} days ago, on {asked}; no check-in since"
        if state == rules.HELP_REPEATED:
            return f"asked on {asked}, and again on {latest.date.isoformat()}"
        return f"asked on {asked}; not repeated in the check-in of {latest.date.isoformat()}"

    # ---- why a status is what it is (okrsite.core.status: Reason), in words

    def why(self, item: Objective | KeyResult) -> str:
        """The rule that decided an objective's or key result's status, in a sentence."""
        if isinstance(item, Objective):
            return reason_words(rules.objective_reason(item), item, self)
        obj = self.objective_of(item)
        period = self.period(obj.period) if obj else None
        return reason_words(rules.kr_reason(item, period, self.as_of, self.site.config.status), item, self)

    def stale_groups(self) -> list[tuple[Team, str, list[KeyResult], Checkin | None]]:
        """(team, period, stale KRs, latest counted check-in) for each team-period with
        stale key results; period order then organisation order."""
        out = []
        for pid in self.open_periods():
            for tid in self.team_order:
                krs = [kr for o in self.objectives(tid, pid) for kr in o.key_results if kr.stale]
                if krs:
                    cis = [c for c in self.checkins(tid, pid) if c.counted]
                    out.append((self.site.teams[tid], pid, krs, cis[-1] if cis else None))
        return out

    # ---- alignment

    def alignment(self, period_id: str) -> tuple[list[TreeNode], list[TreeNode], list[Objective]]:
        """(root-team trees, other trees, objectives standing on their own) for a period.

        Shown items are objectives whose period overlaps the page's period; trees start at
        the root teams' objectives of the period and of every period containing it."""
        page = self.period(period_id)
        if page is None:
            return [], [], []

        def overlaps(o: Objective) -> bool:
            p = self.period(o.period)
            return p is not None and p.start <= page.end and page.start <= p.end

        def contained(o: Objective) -> bool:
            p = self.period(o.period)
            return p is not None and page.contains(p)

        cands = {ref: o for ref, o in self.site.objectives.items() if overlaps(o)}
        shown: set[str] = set()

        def obj_sort_key(o: Objective) -> tuple:
            return (self.period_pos(o.period), self.org_pos(o.team), o.id)

        def aligned_nodes(ref: str, path: frozenset[str]) -> list[TreeNode]:
            nodes = []
            infos = []
            for r in sorted(set(self.site.aligned_from.get(ref, []))):
                info = self.ref(r)
                if info is None or info.objective is None or info.objective.ref not in cands:
                    continue
                infos.append(info)
            infos.sort(key=lambda i: (obj_sort_key(i.objective), i.ref))
            for info in infos:
                nodes.append(build(info, path))
            return nodes

        def build(info: RefInfo, path: frozenset[str]) -> TreeNode:
            node = TreeNode(ref=info.ref, kind=info.kind, info=info, item=info.item)
            if info.ref in path:
                node.repeat = True
                return node
            path = path | {info.ref}
            if info.kind == "objective":
                shown.add(info.ref)
                for kr in info.item.key_results:
                    kinfo = self.ref(kr.ref)
                    if kinfo is None:
                        continue
                    knode = TreeNode(ref=kr.ref, kind="key result", info=kinfo, item=kr, own=True)
                    knode.aligned = aligned_nodes(kr.ref, path | {kr.ref})
                    node.own_krs.append(knode)
            node.aligned = aligned_nodes(info.ref, path)
            return node

        root_trees = [build(self.ref(o.ref), frozenset()) for o in self.root_objectives(period_id)]

        def targets_in_cands(o: Objective) -> bool:
            refs = [r.target for r in o.aligns_to] + [
                r.target for kr in o.key_results for r in kr.aligns_to
            ]
            for t in refs:
                if not t:
                    continue
                info = self.ref(t)
                if info is not None and info.objective is not None and info.objective.ref in cands:
                    return True
            return False

        def has_aligned(o: Objective) -> bool:
            refs = [o.ref] + [kr.ref for kr in o.key_results]
            return any(
                any(
                    (i := self.ref(r)) is not None and i.objective is not None and i.objective.ref in cands
                    for r in self.site.aligned_from.get(x, [])
                )
                for x in refs
            )

        def is_alone(o: Objective) -> bool:
            if o.aligns_to or any(kr.aligns_to for kr in o.key_results):
                return False
            refs = [o.ref] + [kr.ref for kr in o.key_results]
            return not any(self.site.aligned_from.get(x) for x in refs)

        def subtree_has_contained(node: TreeNode) -> bool:
            if node.kind == "objective" and contained(node.item):
                return True
            if node.kind == "key result":
                o = self.objective_of(node.item)
                if o is not None and contained(o):
                    return True
            return any(subtree_has_contained(n) for n in node.own_krs + node.aligned)

        other_trees: list[TreeNode] = []
        for o in sorted(cands.values(), key=obj_sort_key):
            if o.ref in shown or is_alone(o) or targets_in_cands(o) or not has_aligned(o):
                continue
            node = build(self.ref(o.ref), frozenset())
            if subtree_has_contained(node):
                other_trees.append(node)

        alone = [
            o
            for o in sorted(cands.values(), key=obj_sort_key)
            if contained(o) and o.ref not in shown and is_alone(o)
        ]
        return root_trees, other_trees, alone

    # ---- pictures: charts, the heat map, "this week" (charts.py, history.py)

    def kr_chart(self, kr: KeyResult) -> Any:
        from . import charts

        obj = self.objective_of(kr)
        period = self.period(obj.period) if obj else None
        if period is None:
            return None
        return charts.kr_chart(kr, period, self.as_of, "chart-" + urls.kr_anchor(kr.id))

    def progress_points(self, obj: Objective) -> list[Any]:
        """The objective's progress at each check-in of its team-period (history.py)."""
        from . import history

        if obj.ref not in self._progress_cache:
            period = self.period(obj.period)
            cis = [c for c in self.checkins(obj.team, obj.period) if c.counted]
            self._progress_cache[obj.ref] = (
                history.progress_series(obj, period, cis) if period else []
            )
        return self._progress_cache[obj.ref]

    def objective_chart(self, obj: Objective) -> Any:
        from . import charts

        period = self.period(obj.period)
        pts = self.progress_points(obj)
        if period is None or not pts:
            return None
        title = f"{obj.title}: progress over {period.label or period.id}, against the expected pace"
        return charts.progress_chart([(p.date, p.progress) for p in pts], period, self.as_of, title,
                                     "chart-objective")

    def colour_weeks(self, team_id: str, period_id: str) -> list[Any]:
        """Colour counts of the team's key results at the end of each week of the period."""
        from . import history

        key = (team_id, period_id)
        if key not in self._weeks_cache:
            period = self.period(period_id)
            self._weeks_cache[key] = (
                history.colour_weeks(self.objectives(team_id, period_id), period, self.as_of,
                                     self.site.config.status) if period else []
            )
        return self._weeks_cache[key]

    def colours_chart(self, team_id: str, period_id: str) -> Any:
        from . import charts

        weeks = self.colour_weeks(team_id, period_id)
        title = f"{self.team_name(team_id)}, {self.period_label(period_id)}: key results by status, week by week"
        return charts.distribution_chart([(w.label, w.counts) for w in weeks], OPEN_COUNT_WORDS, title,
                                         "chart-colours", GRADED_COUNT_WORDS)

    def kpi_chart(self, kpi: Any) -> Any:
        from . import charts

        return charts.sparkline(kpi, f"chart-kpi-{kpi.id}")

    def kpi_values(self, kpi: Any) -> list[tuple[date, float]]:
        from . import charts

        return charts.kpi_values(kpi)

    def glance(self, period_id: str) -> list[tuple[Team, int, list[Objective], list[Objective]]]:
        """Rows of the period's heat map: (team, depth, its objectives, its objectives of
        longer periods containing this one, such as the year around a quarter) in
        organisation order, for the teams with objectives and the teams above them."""
        longer = self.containing_periods(period_id)[:-1]
        keep: set[str] = set()
        for tid in self.team_order:
            if self.objectives(tid, period_id) or any(self.objectives(tid, pid) for pid in longer):
                t: str | None = tid
                while t and t in self.site.teams and t not in keep:
                    keep.add(t)
                    t = self.site.teams[t].parent
        return [(self.site.teams[t], self.depth.get(t, 0), self.objectives(t, period_id),
                 [o for pid in longer for o in self.objectives(t, pid)])
                for t in self.team_order if t in keep]

    def alignment_of(self, period_id: str) -> tuple[list[TreeNode], list[TreeNode], list[Objective], dict[int, frozenset[str]]]:
        """``alignment`` and the teams of each subtree, computed once per view."""
        hit = self._alignment.get(period_id)
        if hit is None:
            roots, others, alone = self.alignment(period_id)
            hit = self._alignment[period_id] = (roots, others, alone, subtree_teams(roots + others))
        return hit

    def focus(self, period_id: str, team_id: str) -> tuple[list[TreeNode], list[TreeNode], set[str]]:
        """A period's alignment focused on a team: the root teams' trees and the other
        trees cut to the branches that involve it (``focus_trees``), and the teams in
        them with the team itself (the teams listed on its page: not every team, or the
        pages of a big organisation would grow with the square of its size)."""
        roots, others, _alone, teams_of = self.alignment_of(period_id)
        trees, other_trees = focus_trees(roots, team_id, teams_of), focus_trees(others, team_id, teams_of)
        return trees, other_trees, tree_teams(trees + other_trees) | {team_id}

    def focus_teams(self, period_id: str) -> list[str]:
        """The teams with a focused alignment page for the period: those owning an item
        of its trees or an objective standing alone; organisation order."""
        return self._focus_of(period_id)[0]

    def has_focus(self, period_id: str, team_id: str) -> bool:
        """Whether the period's alignment has a page focused on the team."""
        return team_id in self._focus_of(period_id)[1]

    def _focus_of(self, period_id: str) -> tuple[list[str], frozenset[str]]:
        hit = self._focus.get(period_id)
        if hit is None:
            roots, others, alone, teams = self.alignment_of(period_id)
            present: set[str] = {o.team for o in alone}
            for node in roots + others:
                present |= teams.get(id(node), frozenset())
            order = [t for t in self.team_order if t in present]
            hit = self._focus[period_id] = (order, frozenset(order))
        return hit

    def shown_focus_teams(self, period_id: str, shown: set[str]) -> list[str]:
        """The teams of ``shown`` that have a focused page, in organisation order: the
        list on a focused page, made in proportion to it, not to the organisation (a
        pass over every team of the period on each of its pages grew with the square
        of the organisation)."""
        return sorted((t for t in shown if self.has_focus(period_id, t)), key=self.org_pos)

    def alone(self, period_id: str, team_id: str) -> list[Objective]:
        """The team's objectives standing alone in the period's alignment, in its order."""
        by_team = self._alone.get(period_id)
        if by_team is None:
            by_team = {}
            for o in self.alignment_of(period_id)[2]:
                by_team.setdefault(o.team, []).append(o)
            self._alone[period_id] = by_team
        return by_team.get(team_id, [])

    def this_week(self) -> Any:
        from . import history

        if self._this_week is None:
            self._this_week = history.this_week(self.site, self.team_order)
        return self._this_week


# --------------------------------------------------------------------------- rendering


@lru_cache(maxsize=262144)  # pure; a site links to the same targets from many pages
def _url_quote(target: str) -> str:
    """Percent-encode a link. Page URLs end in '/' (or '.html'), so a '#' followed by
    no '/' starts the fragment; any other '#' (or '?') is part of a name."""
    path, sep, frag = target.rpartition("#")
    if not sep or "/" in frag:
        return quote(target, safe="/-._~!$&'()*+,;=@")
    return quote(path, safe="/-._~!$&'()*+,;=@") + "#" + quote(frag, safe="-._~!$&'()*+,;=:@")


def _relative_url(page_url: str) -> Callable[[str], str]:
    prefix = urls.relative(page_url, "")  # '../' per level: a link climbs to the root
    if prefix == "./":
        prefix = ""

    def url(target: str) -> str:
        # == _url_quote(urls.relative(page_url, target)): '../' needs no quoting
        return prefix + _url_quote(target) if prefix or target else "./"

    return url


def _absolute_url(base_url: str) -> Callable[[str], str]:
    base = "/" + (base_url or "/").strip("/")
    base = base.rstrip("/") + "/"

    def url(target: str) -> str:
        return _url_quote(base + target)

    return url


def _tree_node(node: TreeNode, period_id: str, out: list[str], label: Callable[[TreeNode, str], str]) -> None:
    """One node of an alignment tree into ``out`` (see ``tree_nodes``), ``label`` the
    page's ``tree_label``. A module function, not one more per-page helper: a helper
    that calls itself is a reference cycle, left for the garbage collector on every page."""
    # the label (with its link) stays outside the <summary>: interactive content
    # must not be nested in it
    out.append(f'<li class="tree-{"objective" if node.kind == "objective" else "kr"}" '
               f'data-team="{escape_text(node.info.objective.team)}">\n'
               f'<div class="tree-label">{label(node, period_id)}</div>\n')
    kids = node.own_krs + node.aligned
    if kids and not node.repeat:
        nk, na = len(node.own_krs), len(node.aligned)
        summary = ((f"{nk} key result{'s' if nk != 1 else ''}" if nk else "")
                   + (", " if nk and na else "") + (f"{na} aligned" if na else ""))
        out.append(f'<details open>\n<summary>{summary}</summary>\n<ul class="tree">\n')
        for child in kids:
            _tree_node(child, period_id, out, label)
        out.append("</ul>\n</details>\n")
    out.append("</li>")


def _link_helpers(v: SiteView, url: Callable[[str], str]) -> dict[str, Callable[..., Markup]]:
    """Per-page helpers that need the page's ``url``: links to a person and a team."""

    def person_link(name: str | None) -> Markup:
        p = v.person(name)
        if p is not None:
            return Markup(f'<a class="person" href="{escape_text(url(p.url))}">{escape_text(p.name)}</a>')
        if name:
            return escape(name)
        return Markup('<span class="muted">—</span>')

    def team_link(team_id: str | None) -> Markup:
        t = v.team(team_id)
        if t is not None:
            return Markup(f'<a href="{escape_text(url(urls.team(t.id)))}">{escape_text(t.name)}</a>')
        return escape(team_id or "")

    def breadcrumb_nav(items: Any) -> Markup:
        """The breadcrumb trail: (label, target) pairs, the page itself last. The
        ``breadcrumbs`` macro calls it too; a template that needs no other macro calls it
        directly and skips importing macros.html, which Jinja does again for every page
        (a quarter of a check-in page's time)."""
        items = list(items)
        last = len(items) - 1
        lis = "".join(
            f'<li><a href="{escape_text(url(target))}"{_CURRENT if i == last else ""}>{escape_text(label)}</a></li>'
            for i, (label, target) in enumerate(items)
        )
        return Markup(f'<nav class="breadcrumbs wrap" aria-label="Breadcrumb">\n  <ol>\n{lis}  </ol>\n</nav>')

    def tree_label(node: TreeNode, period_id: str) -> str:
        it, info = node.item, node.info
        parts = []
        if not node.own:
            if node.kind == "key result":
                parts.append(f"key result of “{escape_text(info.objective.title)}”")
            parts.append(escape_text(info.team_name))
            if info.period != period_id:
                parts.append(escape_text(info.period_label))
        if it.status != "graded" and it.progress is not None:
            parts.append(f"{escape_text(fmt_percent(it.progress))} progress")
        if it.owner:
            parts.append(f"owner {person_link(it.owner)}")
        kind = '<span class="kind">KR</span> ' if node.kind == "key result" else ""
        meta = f' <span class="meta">{" · ".join(parts)}</span>' if parts else ""
        repeat = ' <span class="muted">(shown above)</span>' if node.repeat else ""
        if node.more:
            team = info.objective.team
            repeat += (f' <a class="tree-more" href="{escape_text(url(urls.alignment_team(period_id, team)))}">'
                       f'{node.more} more aligned: focus on {escape_text(info.team_name)}</a>')
        return (f'{html_status(it)} {kind}<a href="{escape_text(url(info.url))}">{escape_text(info.title)}</a>'
                f"{meta}{repeat}")

    def tree_nodes(nodes: Any, period_id: str) -> Markup:
        """Alignment trees (alignment.html), each node an ``<li>`` with its label and,
        unless shown above, what is under it. Made here rather than with a recursive
        macro: a focused alignment page has dozens of nodes, and a big site thousands
        of such pages. ``period_id``: the page's period (other periods are named)."""
        out: list[str] = []
        for node in nodes:
            _tree_node(node, period_id, out, tree_label)
        return Markup("".join(out))

    return {"person_link": person_link, "team_link": team_link, "breadcrumb_nav": breadcrumb_nav,
            "tree_nodes": tree_nodes}


_CURRENT = ' aria-current="page"'


@dataclass
class _Page:
    url: str
    template: str
    section: str
    title: str
    context: dict[str, Any] | Callable[[SiteView], dict[str, Any]]
    wide: bool = False  # shows the whole organisation or a whole period (see PagePlan.wide)
    subject: tuple = ()  # what the page is about (see PagePlan.subject)


def _alignment_context(period_id: str, team_id: str | None, v: SiteView) -> dict[str, Any]:
    p = v.period(period_id)
    roots, others, alone, _teams_of = v.alignment_of(period_id)
    from . import summary

    if team_id is None:
        whole = {"period": p, "trees": roots, "other_trees": others, "alone": alone,
                 "focus_team": None, "focus_teams": v.focus_teams(period_id)}
    else:
        trees, other_trees, shown = v.focus(period_id, team_id)
        whole = {"period": p, "trees": trees, "other_trees": other_trees,
                 "alone": v.alone(period_id, team_id),
                 "focus_team": v.site.teams[team_id],
                 "focus_teams": v.shown_focus_teams(period_id, shown)}
    return summary.alignment_context(period_id, team_id, v, whole)


def _team_context(team_id: str, v: SiteView) -> dict[str, Any]:
    return {"team": v.site.teams[team_id]}


def _team_period_context(team_id: str, period_id: str, v: SiteView) -> dict[str, Any]:
    return {
        "team": v.site.teams[team_id],
        "period": v.period(period_id),
        "period_id": period_id,
        "objectives": v.objectives(team_id, period_id),
        "checkins": list(reversed(v.checkins(team_id, period_id))),
        "retro": v.site.retros.get((team_id, period_id)),
    }


def _objective_context(ref: str, v: SiteView) -> dict[str, Any]:
    o = v.site.objectives[ref]
    return {"objective": o, "team": v.team(o.team), "period": v.period(o.period)}


def _checkin_context(team_id: str, period_id: str, i: int, v: SiteView) -> dict[str, Any]:
    cis = v.checkins(team_id, period_id)
    ci = cis[i]
    return {
        "checkin": ci,
        "team": v.team(ci.team),
        "period": v.period(ci.period),
        "previous": cis[i - 1] if i > 0 else None,
        "next": cis[i + 1] if i + 1 < len(cis) else None,
    }


def _pages(site: Site, v: SiteView) -> list[_Page]:
    """Every page. A page's context is a dict, or a function of the ``SiteView`` that
    makes it when the page is rendered: pages that show computed state (status,
    check-ins) look it up in the view they are rendered with, so ``okrsite serve`` can
    render an unchanged plan against a view patched after an edit (``SitePlan.rebind``)."""
    from . import summary

    pages: list[_Page] = []
    add = pages.append
    org_title = site.org.title or site.config.title
    add(_Page(urls.HOME, "home.html", "home", org_title, {}, wide=True))
    add(_Page(PERIODS_URL, "periods.html", "periods", "Periods", {}, wide=True))
    for p in v.periods:
        add(_Page(urls.period(p.id), "period.html", "periods", p.label or p.id,
                  partial(summary.period_context, p.id), wide=True))
        add(_Page(urls.glance(p.id), "glance.html", "periods", f"At a glance, {p.label or p.id}",
                  partial(summary.period_context, p.id), wide=True))
        if summary.period_summarised(v, p.id):
            for g in summary.top_groups(v):
                group_teams = tuple(summary.subtree(v, g))
                for n, _teams in enumerate(summary.group_pages(v, p.id, g), 1):
                    add(_Page(summary.paged(urls.group(p.id, g), n), "group.html", "periods",
                              summary.paged_title(f"{v.team_name(g)}, {p.label or p.id}", n),
                              partial(summary.group_context, p.id, g, n), subject=("teams", group_teams)))
        focus = v.focus_teams(p.id)
        add(_Page(urls.alignment(p.id), "alignment.html", "periods", f"Alignment, {p.label or p.id}",
                  partial(_alignment_context, p.id, None), wide=True))
        for tid in focus:
            add(_Page(urls.alignment_team(p.id, tid), "alignment.html", "periods",
                      f"Alignment, {p.label or p.id}: {v.team_name(tid)}", partial(_alignment_context, p.id, tid),
                      subject=("alignment", p.id, tid)))
        for n, _teams in enumerate(summary.alignment_teams_pages(v, p.id), 1):
            add(_Page(summary.paged(urls.alignment_teams(p.id), n), "alignment_teams.html", "periods",
                      summary.paged_title(f"Teams in the alignment, {p.label or p.id}", n),
                      partial(summary.alignment_teams_context, p.id, n), wide=True))
    add(_Page(urls.TEAMS, "teams.html", "teams", "Teams", {}, wide=True))
    for tid in v.team_order:
        team = site.teams[tid]
        add(_Page(urls.team(tid), "team.html", "teams", team.name, partial(_team_context, tid),
                  subject=("team", tid)))
        for pid in v.team_periods(tid):
            add(_Page(urls.team_period(tid, pid), "team_period.html", "teams", f"{team.name}, {v.period_label(pid)}",
                      partial(_team_period_context, tid, pid), subject=("own", tid)))
    for ref in sorted(site.objectives):
        o = site.objectives[ref]
        add(_Page(urls.objective(o.team, o.period, o.id), "objective.html", "teams", o.title,
                  partial(_objective_context, ref), subject=("objective", ref)))
    for (tid, pid), cis in sorted(v.checkins_by_tp.items()):
        for i, ci in enumerate(cis):
            add(_Page(urls.checkin(ci.team, ci.period, ci.name), "checkin.html", "teams",
                      f"Check-in {ci.date.isoformat()}, {v.team_name(ci.team)}",
                      partial(_checkin_context, tid, pid, i), subject=("own", tid)))
    add(_Page(urls.THIS_WEEK, "this_week.html", "this-week", "This week", {}, wide=True))
    for name, n in summary.list_pages(v):
        kind = summary.LISTS[name]
        add(_Page(summary.paged(summary.list_url(name), n), "list.html", "this-week",
                  summary.paged_title(kind.title, n), partial(summary.list_context, name, n), wide=True))
    for n, _people in enumerate(summary.people_pages(v), 1):
        add(_Page(summary.paged(urls.PEOPLE, n), "people.html", "people", summary.paged_title("People", n),
                  partial(summary.people_context, n), wide=True))
    for person in v.people:
        add(_Page(person.url, "person.html", "people", person.name, {"person": person}, subject=("person", person)))
    if site.config.search:
        add(_Page(urls.SEARCH, "search.html", "search", "Search", {"filters": search_filters(v)}))
    return pages


@dataclass
class SearchFilter:
    """One filter control of the search page: URL parameter, label, (value, words)."""

    name: str
    label: str
    any_label: str
    options: list[tuple[str, str]]


def search_filters(v: SiteView) -> list[SearchFilter]:
    """The search page's filters, with their values (the index's filter values)."""
    from .search import KINDS, STATUS_FILTER_WORDS

    return [
        SearchFilter("team", "Team", "All teams", [(t, v.team_name(t)) for t in v.team_order]),
        SearchFilter("period", "Period", "All periods", [(p.id, p.label or p.id) for p in v.periods]),
        SearchFilter("status", "Status", "Any status", list(STATUS_FILTER_WORDS.items())),
        SearchFilter("kind", "Kind", "Any kind", list(KINDS.items())),
    ]


PERIODS_URL = getattr(urls, "PERIODS", "periods/")


def render_site(site: Site, env: jinja2.Environment) -> dict[str, bytes]:
    """Every page of the site: output-relative path -> UTF-8 bytes (sorted by path).
    ``plan_pages`` then ``render_page`` for each page, in plan order."""
    plan = plan_pages(site)
    out = {page.path: render_page(plan, page, env) for page in plan.pages}
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------- page plans
#
# ``plan_pages`` decides every page (output path, template, context) without rendering
# any; ``render_page`` renders one of them. ``render_site`` is the two together;
# ``okrsite build`` renders a plan in several processes (build.py), ``okrsite serve``
# page by page when a page is asked for (serve.py). The same plan gives the same bytes
# whatever the order its pages are rendered in.


@dataclass
class PagePlan:
    """One page to render: its output file, URL, template and its own context."""

    path: str  # output-relative file, e.g. teams/platform/index.html
    url: str  # root-relative URL; the page's links are relative to it
    template: str
    section: str
    title: str
    context: dict[str, Any] | Callable[[SiteView], dict[str, Any]]  # a function: made at render time
    absolute: bool = False  # links absolute under base_url (the 404 page, served from anywhere)
    # reads the whole organisation or a whole period: rendering it touches most of the
    # model, which a forked rendering process then copies (parallel.render_to_folder)
    wide: bool = False
    # what the page is about, for okrsite.site.dependencies (which teams' content it shows):
    # ("own", team) a team-period or check-in page, ("team", team), ("objective", ref),
    # ("alignment", period, team), ("person", Person); () for a page that shows the
    # whole organisation or a whole period
    subject: tuple = ()


@dataclass
class SitePlan:
    """Every page of a site in the order ``render_site`` renders them, with what they
    share: the ``SiteView`` (``v`` in templates) and the site-wide context."""

    view: SiteView
    common: dict[str, Any]
    pages: list[PagePlan]

    def __len__(self) -> int:
        return len(self.pages)

    def rebind(self, site: Site, team_periods: set[tuple[str, str]]) -> "SitePlan":
        """The plan of ``site`` after ``okrsite.serve.patch`` changed the check-ins of
        ``team_periods``: the same pages (contexts that show computed state are made at
        render time from the view), with a patched view."""
        v = self.view.patched(site, team_periods)
        common = dict(self.common, site=site, v=v)
        return SitePlan(v, common, self.pages)


def plan_pages(site: Site) -> SitePlan:
    """Plan every page of the site; renders nothing. Raises DuplicateOutput when two
    pages map to the same output file (or to files differing only in case)."""
    v = SiteView(site, people(site))
    common = {
        "site": site,
        "v": v,
        "config": site.config,
        "site_title": site.config.title or "OKRs",
        "as_of": site.as_of,
        "current_period": v.current,
        "periods_url": PERIODS_URL,
    }
    pages = [PagePlan(urls.output_file(p.url), p.url, p.template, p.section, p.title, p.context, wide=p.wide,
                      subject=p.subject)
             for p in _pages(site, v)]
    pages.append(PagePlan(urls.output_file(urls.NOT_FOUND_FILE), urls.NOT_FOUND_FILE, "404.html", "",
                          "Page not found", {}, absolute=True))
    owner: dict[str, str] = {}
    folded: dict[str, str] = {}
    for page in pages:
        path = page.path
        if path in owner:
            raise DuplicateOutput(
                f"two pages map to the same output file {path!r}: {owner[path]} and {page.template}"
            )
        key = path.casefold()
        if key in folded:
            raise DuplicateOutput(
                f"two pages map to output files differing only in case: "
                f"{folded[key]!r} and {path!r}"
            )
        owner[path] = page.template
        folded[key] = path
    return SitePlan(v, common, pages)


def page_context(plan: SitePlan, page: PagePlan) -> dict[str, Any]:
    """The template context of one planned page."""
    link = _absolute_url(plan.view.site.config.base_url) if page.absolute else _relative_url(page.url)
    ctx = dict(plan.common)
    ctx.update(page.context(plan.view) if callable(page.context) else page.context)
    ctx.update(page_url=page.url, url=link, section=page.section, page_title=page.title)
    ctx.update(_link_helpers(plan.view, link))
    return ctx


def render_page(plan: SitePlan, page: PagePlan, env: jinja2.Environment) -> bytes:
    """One planned page as UTF-8 bytes. Raises RenderError (from the template's error)."""
    try:
        html = env.get_template(page.template).render(page_context(plan, page))
    except jinja2.TemplateError as exc:
        raise RenderError(f"rendering {page.path} with template {page.template}: {exc}") from exc
    return html.encode("utf-8")
