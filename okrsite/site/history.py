"""Status on earlier dates: what the site said last week, or at the end of each week.

Pure and non-mutating: every function here works on *copies* of key results and
objectives (``dataclasses.replace``) and fills them with :mod:`okrsite.core.status`'s own
functions, as if ``as_of`` had been an earlier date. The site's objects are never
changed, so the same Site renders the same bytes whatever was asked here first.

"The status on date d" means: only the updates dated on or before d count (a subset of
the updates counted for the real as-of date, which is never earlier than d), and d is
the as-of date for every rule (open or graded, stale, the team's call).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Sequence

from ..core import status
from ..core.model import COLOURS, Checkin, KeyResult, Objective, Period, Site, StatusConfig, Update

WEEK = 7
MAX_WEEK_ENDS = 530  # about ten years of weeks; a longer period is sampled every few weeks (bounded work)


def updates_until(updates: Sequence[Update], d: date) -> list[Update]:
    """The updates dated on or before d, in their order."""
    return [u for u in updates if u.date <= d]


def kr_at(kr: KeyResult, period: Period | None, d: date, config: StatusConfig) -> KeyResult:
    """A copy of a key result with its computed fields as they were on date d."""
    copy = replace(kr)
    status.compute_kr(copy, updates_until(kr.updates, d), period, d, config)
    return copy


def objective_at(
    obj: Objective, period: Period | None, d: date, checkins: Sequence[Checkin], config: StatusConfig
) -> Objective:
    """A copy of an objective (and of its key results) as it was on date d.
    ``checkins``: the counted check-ins of its team and period, in (date, name) order."""
    krs = [kr_at(kr, period, d, config) for kr in obj.key_results]
    copy = replace(obj, key_results=krs)
    call = status.team_call(obj, [c for c in checkins if c.date <= d])
    status.compute_objective(copy, period, d, call)
    return copy


def kr_colour_at(kr: KeyResult, period: Period, d: date, config: StatusConfig) -> str:
    """``kr_at(kr, period, d, config).colour``, without copying the key result (charts
    ask this for every key result at the end of every week)."""
    updates = updates_until(kr.updates, d)
    if status.is_open(period, d):
        return COLOURS[status.kr_status(kr, updates, period, config)]
    return status.grade_colour(status.kr_score(updates, status.kr_progress(kr, updates)), kr.commitment)


def objective_progress_at(obj: Objective, d: date) -> float:
    """``objective_at(obj, ...).progress`` on date d, without the copies."""
    return status.weighted_progress(
        [(status.kr_progress(kr, updates_until(kr.updates, d)), kr.weight) for kr in obj.key_results]
    )


# --------------------------------------------------------------------------- series


@dataclass(frozen=True)
class ProgressPoint:
    date: date
    progress: float  # the objective's progress (0..1, KRs clamped) on that date
    expected: float  # e(date): where the calendar says it should be


def progress_series(obj: Objective, period: Period, checkins: Sequence[Checkin]) -> list[ProgressPoint]:
    """The objective's progress on each date its team-period has a counted check-in."""
    dates = sorted({c.date for c in checkins if c.counted})
    return [ProgressPoint(d, objective_progress_at(obj, d), status.expected_progress(d, period)) for d in dates]


@dataclass(frozen=True)
class WeekCounts:
    label: str  # the column's date (YYYY-MM-DD), or "Grades" for the final graded column
    date: date | None  # the week's last day (None for grades)
    counts: dict[str, int]  # green, amber, red, grey
    graded: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def week_ends(period: Period, as_of: date) -> list[date]:
    """The last day of each week of the period (weeks start on the period's first day),
    up to the as-of date or the period's end; the last one may be a partial week."""
    last = min(period.end, as_of)
    if last < period.start:
        return []
    out = []
    weeks = ((last - period.start).days + WEEK) // WEEK
    step = WEEK * -(-weeks // MAX_WEEK_ENDS)  # one week, or a few for a very long period
    d = period.start + timedelta(days=step - 1)
    while d < last:
        out.append(d)
        d += timedelta(days=step)
    out.append(last)
    return out


def colour_weeks(
    objectives: Sequence[Objective], period: Period, as_of: date, config: StatusConfig
) -> list[WeekCounts]:
    """Colour counts of the objectives' key results at the end of each week (statuses
    recomputed with that day as the as-of date), then, once the period has ended, the
    grades as they stand."""
    krs = [kr for o in objectives for kr in o.key_results]
    if not krs:
        return []
    out = [
        WeekCounts(d.isoformat(), d, status.colour_counts(kr_colour_at(kr, period, d, config) for kr in krs))
        for d in week_ends(period, as_of)
    ]
    if as_of > period.end:
        out.append(WeekCounts("Grades", None, status.colour_counts(kr.colour for kr in krs), graded=True))
    return out


# --------------------------------------------------------------------------- this week


@dataclass
class StatusChange:
    """An objective or key result whose status or colour differs from a week ago."""

    ref: str
    kind: str  # "objective" or "key result"
    team: str
    before: Objective | KeyResult  # the copy as of a week ago
    now: Objective | KeyResult  # the site's own object


@dataclass
class HelpRequest:
    checkin: Checkin
    text: str


@dataclass
class ThisWeek:
    since: date  # as_of - 7: the week is (since, as_of]
    as_of: date
    changes: list[StatusChange] = field(default_factory=list)
    checkins: list[Checkin] = field(default_factory=list)
    help: list[HelpRequest] = field(default_factory=list)


def _changed(before: Objective | KeyResult, now: Objective | KeyResult) -> bool:
    return (before.status, before.colour) != (now.status, now.colour)


def this_week(site: Site, team_order: Sequence[str], days: int = WEEK) -> ThisWeek:
    """What changed in the week ending on the as-of date: statuses that differ from a
    week ago (computed as if as_of were 7 days earlier), check-ins dated in the week
    (after as_of - 7, up to as_of) and the help they ask for that the team's previous
    check-in did not already ask. Teams in ``team_order``, then by ref / date."""
    as_of = site.as_of
    since = as_of - timedelta(days=days)
    config = site.config.status
    org_pos = {t: i for i, t in enumerate(team_order)}
    period_ids = list(site.periods)
    period_pos = {p: i for i, p in enumerate(period_ids)}
    counted = status.ordered_checkins(site.checkins)
    by_tp: dict[tuple[str, str], list[Checkin]] = {}
    by_team: dict[str, list[Checkin]] = {}
    for c in counted:
        by_tp.setdefault((c.team, c.period), []).append(c)
        by_team.setdefault(c.team, []).append(c)

    week = ThisWeek(since=since, as_of=as_of)
    objs = sorted(
        site.objectives.values(),
        key=lambda o: (org_pos.get(o.team, len(org_pos)), period_pos.get(o.period, len(period_pos)), o.ref),
    )
    for obj in objs:
        period = site.periods.get(obj.period)
        if period is None or period.start > as_of:
            continue
        before = objective_at(obj, period, since, by_tp.get((obj.team, obj.period), []), config)
        if _changed(before, obj):
            week.changes.append(StatusChange(obj.ref, "objective", obj.team, before, obj))
        for kb, kn in zip(before.key_results, obj.key_results):
            if _changed(kb, kn):
                week.changes.append(StatusChange(kn.ref, "key result", obj.team, kb, kn))

    in_week = [c for c in counted if since < c.date <= as_of]
    week.checkins = sorted(
        in_week,
        key=lambda c: (
            org_pos.get(c.team, len(org_pos)),
            c.team,
            c.date,
            c.name,
            period_pos.get(c.period, len(period_pos)),
        ),
    )
    for c in week.checkins:
        team_cis = by_team[c.team]  # (date, name) order, like ``counted``
        i = next(i for i, e in enumerate(team_cis) if e is c)
        asked = set(team_cis[i - 1].help) if i > 0 else set()
        for text in c.help:
            if text not in asked:
                week.help.append(HelpRequest(c, text))
    return week
