"""Progress, status, colour and score: section 8 of the content contract.

Everything here is a pure function of the model; ``compute`` is the one entry
point and fills the *computed* fields of key results, objectives, teams and KPIs
in place (the agreed design). No I/O, no global state.

Vocabulary (contract section 8):

* D is the as-of date; a period runs from ``start`` to ``end`` inclusive.
* An *update* is one counted check-in's entry for one KR; updates are ordered
  by (date, check-in file name). The *latest update* is the last one.
* A KR's *value* (``current``) is the value of the latest update that has one.
* ``e(d)`` is the expected progress at date d, ``p`` the KR's progress.

Threshold comparisons (confidence, pace, grade bands, stay_* lines and KPI
health) are all made on values rounded to ``PRECISION`` decimal places, so that
decimal boundaries behave as written: a gap of 0.10 computed in binary floating
point as 0.10000000000000003 is still on-track.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .model import (
    COLOUR_ORDER,
    COLOURS,
    STATUSES,
    Checkin,
    KeyResult,
    Kpi,
    Objective,
    Period,
    Site,
    StatusConfig,
    Team,
    Update,
)

PRECISION = 6  # decimal places used for every threshold comparison (section 8)
MAX_PROGRESS = 1e6  # |metric progress| at most (100,000,000%): always a finite number

NO_DATA = "no-data"
GRADED = "graded"

# Worst first: the objective roll-up takes the worst KR status (section 8).
_SEVERITY = {"on-track": 0, "behind": 1, "at-risk": 2}

# Grade bands (fixed, not configurable): commitment -> (green from, amber from).
GRADE_BANDS: dict[str, tuple[float, float]] = {
    "committed": (1.0, 0.7),
    "aspirational": (0.7, 0.4),
    "experimental": (0.7, 0.4),
}


# --------------------------------------------------------------------------- helpers


def _r(x: float) -> float:
    """A value rounded for threshold comparisons (section 8, last rule of status)."""
    return round(float(x), PRECISION)


def clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return max(lo, min(hi, x))


def latest_value(updates: Sequence[Update]) -> float | None:
    """The value of the latest update that has one (``current``), else None."""
    for u in reversed(updates):
        if u.value is not None:
            return u.value
    return None


def last_update_date(updates: Sequence[Update]) -> date | None:
    """The date of the latest update, whatever it gives."""
    return updates[-1].date if updates else None


# --------------------------------------------------------------------------- progress


def expected_progress(d: date, period: Period) -> float:
    """``e(d) = clamp((d - start).days / (end - start).days, 0, 1)``.

    A one-day period (start == end) has e = 1 on every date (section 8).
    """
    span = (period.end - period.start).days
    if span <= 0:
        return 1.0
    return clamp((d - period.start).days / span)


def kr_progress(kr: KeyResult, updates: Sequence[Update]) -> float | None:
    """KR progress p, or None when unknown (section 8, "KR progress p").

    * metric: ``(value - start) / (target - start)``, NOT clamped; a missing
      ``start`` counts as 0 (the loader warns); unknown without a value.
    * milestone: from the latest update giving ``done`` or ``progress``: 1 if
      done is true, else its progress, else 0; 0 if updates exist but none gives
      either; unknown when there are no updates.
    * stay_above / stay_below: 1 if value >= / <= target, else 0; unknown
      without a value.
    """
    if kr.type == "milestone":
        if not updates:
            return None
        for u in reversed(updates):
            if u.done is not None or u.progress is not None:
                if u.done:
                    return 1.0
                return float(u.progress) if u.progress is not None else 0.0
        return 0.0

    value = latest_value(updates)
    if value is None or kr.target is None:
        return None

    if kr.type == "metric":
        start = kr.start if kr.start is not None else 0.0
        if kr.target == start:  # an error reported by the loader; never divide by 0
            return None
        # bounded (a million times the target), so that a start and target a hair's
        # breadth apart (0 and 1e-300) cannot make an infinite progress
        return max(-MAX_PROGRESS, min(MAX_PROGRESS, (value - start) / (kr.target - start)))
    if kr.type == "stay_above":
        return 1.0 if _r(value) >= _r(kr.target) else 0.0
    if kr.type == "stay_below":
        return 1.0 if _r(value) <= _r(kr.target) else 0.0
    return None


# --------------------------------------------------------------------------- status


def status_from_confidence(confidence: float, config: StatusConfig) -> str:
    """Rule 3: on-track if c >= confidence_on_track, behind if >= confidence_behind."""
    c = _r(confidence)
    if c >= _r(config.confidence_on_track):
        return "on-track"
    if c >= _r(config.confidence_behind):
        return "behind"
    return "at-risk"


def status_from_pace(d: date, period: Period, p: float, config: StatusConfig) -> str:
    """Rule 6: g = e(d) - min(p, 1); on-track if g <= pace_on_track, behind if
    g <= pace_behind, else at-risk. Rounding makes a gap of exactly 0.10 on-track."""
    gap = _r(expected_progress(d, period) - min(p, 1.0))
    if gap <= _r(config.pace_on_track):
        return "on-track"
    if gap <= _r(config.pace_behind):
        return "behind"
    return "at-risk"


def kr_status(
    kr: KeyResult,
    updates: Sequence[Update],
    period: Period,
    config: StatusConfig,
) -> str:
    """A KR's status while its period is open (D <= end): the first rule that applies
    (``kr_status_rule`` says which).

    1. no update yet: no-data
    2. the latest update gives ``status``: that status
    3. the latest update gives ``confidence``: by the confidence thresholds
    4. p unknown: no-data
    5. stay_above / stay_below: on-track if p = 1, else at-risk
    6. pace at the latest update's date d (see ``status_from_pace``)

    D itself is not needed: pace is judged at the date of the evidence, on
    purpose (a KR nobody updates is flagged stale instead).
    """
    return kr_status_rule(kr, updates, period, config)[0]


# Which rule decided a status (section 8; docs/status.md), for the reader: "why is this
# behind?". Key results while open: rules 1 to 6 in order; objectives: the team's call,
# else the weakest key result; after the end: the grade band of the commitment.
RULE_NO_UPDATE = "no-update"  # rule 1
RULE_TEAM_STATUS = "team-status"  # rule 2: the team's own word in its latest update
RULE_CONFIDENCE = "confidence"  # rule 3
RULE_NO_PROGRESS = "no-progress"  # rule 4
RULE_LINE = "line"  # rule 5: stay_above / stay_below
RULE_PACE = "pace"  # rule 6
RULE_TEAM_CALL = "team-call"  # objective: the team's call in a check-in
RULE_WEAKEST = "weakest"  # objective: the worst status among its key results
RULE_NO_DATA = "no-data"  # objective: every key result has no data
RULE_GRADE = "grade"  # after the end: the score in the commitment's grade band


def kr_status_rule(
    kr: KeyResult,
    updates: Sequence[Update],
    period: Period,
    config: StatusConfig,
) -> tuple[str, str]:
    """(status, rule) of a KR while its period is open: ``kr_status`` and which of
    its rules decided (``RULE_*``)."""
    if not updates:  # rule 1
        return NO_DATA, RULE_NO_UPDATE
    latest = updates[-1]
    if latest.status in STATUSES:  # rule 2
        return latest.status, RULE_TEAM_STATUS
    if latest.confidence is not None:  # rule 3
        return status_from_confidence(latest.confidence, config), RULE_CONFIDENCE
    p = kr_progress(kr, updates)
    if p is None:  # rule 4
        return NO_DATA, RULE_NO_PROGRESS
    if kr.type in ("stay_above", "stay_below"):  # rule 5
        return ("on-track" if p == 1.0 else "at-risk"), RULE_LINE
    return status_from_pace(latest.date, period, p, config), RULE_PACE  # rule 6


@dataclass(frozen=True)
class Reason:
    """Why an item has its status, as plain data: the rule that decided and the
    figures it used (None where the rule uses none)."""

    rule: str
    date: date | None = None  # the date of the evidence: the latest update
    confidence: float | None = None  # rule 3: the team's confidence
    progress: float | None = None  # rule 6: p at that date; rule 5: 1 or 0
    expected: float | None = None  # rule 6: e(d)
    value: float | None = None  # rule 5: the value against the line
    key_result: str | None = None  # objective, weakest: the ref of the key result that decided
    bands: tuple[float, float] | None = None  # graded: (green from, amber from)


def kr_reason(kr: KeyResult, period: Period | None, as_of: date, config: StatusConfig) -> Reason:
    """Why a computed KR has its status (its ``updates`` are the counted ones)."""
    if period is None or not is_open(period, as_of):
        return Reason(RULE_GRADE, bands=grade_bands(kr.commitment))
    updates = kr.updates
    _, rule = kr_status_rule(kr, updates, period, config)
    if rule == RULE_NO_UPDATE:
        return Reason(rule)
    latest = updates[-1]
    if rule == RULE_CONFIDENCE:
        return Reason(rule, latest.date, confidence=latest.confidence)
    if rule == RULE_PACE:
        p = kr_progress(kr, updates)
        return Reason(rule, latest.date, progress=p, expected=expected_progress(latest.date, period))
    if rule == RULE_LINE:
        return Reason(rule, latest.date, value=latest_value(updates))
    return Reason(rule, latest.date)


def objective_reason(obj: Objective) -> Reason:
    """Why a computed objective has its status: the team's call, else its weakest key
    result (the first one, in file order, with the worst status); graded: the band."""
    if obj.status == GRADED:
        return Reason(RULE_GRADE, bands=grade_bands(obj.commitment))
    if obj.status_call in STATUSES:
        return Reason(RULE_TEAM_CALL)
    for kr in obj.key_results:
        if kr.status == obj.status and kr.status in _SEVERITY:
            return Reason(RULE_WEAKEST, key_result=kr.ref)
    return Reason(RULE_NO_DATA)


def is_open(period: Period, as_of: date) -> bool:
    """Status (not grades) applies while D <= end, including before the start."""
    return as_of <= period.end


def kr_stale(updates: Sequence[Update], period: Period, as_of: date, stale_after_days: int) -> bool:
    """The stale flag (section 8): only while start <= D <= end.

    Stale when the latest update is more than ``stale_after_days`` before D
    (D - date > N days), or there is none and (D - start) > N days. Never stale
    before the period starts or after it ends.
    """
    if not (period.start <= as_of <= period.end):
        return False
    last = last_update_date(updates)
    since = last if last is not None else period.start
    return (as_of - since).days > stale_after_days


# --------------------------------------------------------------------------- grades


def kr_score(updates: Sequence[Update], progress: float | None) -> float | None:
    """A graded KR's score: the ``score`` of the latest update giving one (an
    explicit 0 counts), else clamp(p, 0, 1), else None when p is unknown."""
    for u in reversed(updates):
        if u.score is not None:
            return float(u.score)
    if progress is None:
        return None
    return clamp(progress)


def grade_bands(commitment: str) -> tuple[float, float]:
    """(green from, amber from) of a commitment's grade band; an unknown commitment is
    graded as aspirational (the default commitment)."""
    return GRADE_BANDS.get(commitment, GRADE_BANDS["aspirational"])


def grade_colour(score: float | None, commitment: str) -> str:
    """Grade colour (fixed bands): committed green >= 1.0, amber >= 0.7, else red;
    aspirational and experimental green >= 0.7, amber >= 0.4, else red; none is grey.

    An unknown commitment is graded as aspirational (the default commitment).
    """
    if score is None:
        return COLOURS[NO_DATA]
    green, amber = grade_bands(commitment)
    s = _r(score)
    if s >= _r(green):
        return "green"
    if s >= _r(amber):
        return "amber"
    return "red"


# --------------------------------------------------------------------------- objectives


def _weighted_mean(pairs: Iterable[tuple[float, float]]) -> float:
    """Weighted mean of (value, weight) pairs; 0 when the total weight is 0."""
    total = num = 0.0
    for value, weight in pairs:
        num += value * weight
        total += weight
    return num / total if total > 0 else 0.0


def objective_progress(key_results: Sequence[KeyResult]) -> float:
    """Weighted mean of the KRs' clamp(p, 0, 1), an unknown p counting 0.
    Uses each KR's ``progress`` field (so compute KRs first). No KRs: 0."""
    return weighted_progress([(kr.progress, kr.weight) for kr in key_results])


def weighted_progress(pairs: Iterable[tuple[float | None, float]]) -> float:
    """``objective_progress`` of (progress, weight) pairs."""
    return _weighted_mean((clamp(p) if p is not None else 0.0, w) for p, w in pairs)


def objective_score(key_results: Sequence[KeyResult]) -> float | None:
    """Weighted mean of the KRs' scores, none counting 0; None if all are none."""
    if all(kr.score is None for kr in key_results):
        return None
    return _weighted_mean((kr.score if kr.score is not None else 0.0, kr.weight) for kr in key_results)


def worst_status(statuses: Iterable[str]) -> str:
    """The worst of on-track < behind < at-risk, ignoring no-data (and anything
    else); no-data when nothing is left."""
    ranked = [s for s in statuses if s in _SEVERITY]
    if not ranked:
        return NO_DATA
    return max(ranked, key=_SEVERITY.__getitem__)


def objective_status(call: str | None, kr_statuses: Iterable[str]) -> str:
    """An open objective's status: the team's call if any (even when every KR is
    no-data), else the worst KR status, else no-data."""
    if call in STATUSES:
        return call
    return worst_status(kr_statuses)


def team_call(objective: Objective, checkins: Sequence[Checkin]) -> str | None:
    """The team's call on an objective: from the latest counted check-in of the
    objective's team and period whose ``objectives`` names it with a valid status.
    ``checkins`` must be in (date, file name) order."""
    for c in reversed(checkins):
        if (
            c.counted
            and c.team == objective.team
            and c.period == objective.period
            and c.objectives.get(objective.id) in STATUSES
        ):
            return c.objectives[objective.id]
    return None


# --------------------------------------------------------------------------- help


# A request for help (section 5, ``help``) is current while it is in its team's latest
# counted check-in and that check-in is no older than the stale limit (the rule that
# flags a key result stale). Anything else is an older request, shown dated and apart.
HELP_OPEN = "open"
HELP_STALE = "stale"  # in the team's latest check-in, but that is older than the limit
HELP_NOT_REPEATED = "not-repeated"  # the team has checked in since without asking again
HELP_REPEATED = "repeated"  # asked again in a later check-in (current there, not here)
HELP_NOT_COUNTED = "not-counted"  # its check-in is dated after the as-of date


def help_state(checkin: Checkin, text: str, latest: Checkin | None, as_of: date, stale_after_days: int) -> str:
    """The state of one request for help of ``checkin`` (``HELP_*``); ``latest``: the
    team's latest counted check-in over all periods (by date, then file name)."""
    if not checkin.counted:
        return HELP_NOT_COUNTED
    if latest is None or latest.key == checkin.key:
        return HELP_OPEN if (as_of - checkin.date).days <= stale_after_days else HELP_STALE
    return HELP_REPEATED if text in latest.help else HELP_NOT_REPEATED


# --------------------------------------------------------------------------- KPIs


def kpi_healthy(kpi: Kpi, value: float | None) -> bool | None:
    """Healthy when value >= healthy_above, or <= healthy_below (both must hold if
    both are given); None without a threshold or without a value."""
    if value is None or (kpi.healthy_above is None and kpi.healthy_below is None):
        return None
    ok = True
    if kpi.healthy_above is not None:
        ok = ok and _r(value) >= _r(kpi.healthy_above)
    if kpi.healthy_below is not None:
        ok = ok and _r(value) <= _r(kpi.healthy_below)
    return ok


def compute_kpis(team: Team, checkins: Sequence[Checkin]) -> None:
    """Fill ``value``, ``value_date``, ``history`` and ``healthy`` of a team's KPIs
    from its counted check-ins of any period (``checkins`` in date, name order)."""
    for kpi in team.kpis:
        kpi.history = [
            (c.date, float(c.kpis[kpi.id]))
            for c in checkins
            if c.counted and c.team == team.id and c.kpis.get(kpi.id) is not None
        ]
        if kpi.history:
            kpi.value_date, kpi.value = kpi.history[-1]
        else:
            kpi.value_date, kpi.value = None, None
        kpi.healthy = kpi_healthy(kpi, kpi.value)


# --------------------------------------------------------------------------- entry point


def ordered_checkins(checkins: Iterable[Checkin]) -> list[Checkin]:
    """Counted check-ins ordered by (date, file name); ties keep the input order."""
    return sorted((c for c in checkins if c.counted), key=lambda c: (c.date, c.name))


def collect_updates(site: Site, checkins: Sequence[Checkin]) -> dict[str, list[Update]]:
    """KR full ref -> its counted updates, oldest first. A check-in updates KRs of
    its own team and period only; keys naming no KR are ignored here (the loader
    reports them)."""
    by_ref: dict[str, list[Update]] = {}
    for c in checkins:
        for key, update in c.key_results.items():
            ref = f"{c.team}/{c.period}/{key}"
            if site.key_result(ref) is not None:
                by_ref.setdefault(ref, []).append(update)
    return by_ref


def compute_kr(
    kr: KeyResult,
    updates: list[Update],
    period: Period | None,
    as_of: date,
    config: StatusConfig,
) -> None:
    """Fill a KR's computed fields (open period: status; ended: grade)."""
    kr.updates = updates
    kr.current = latest_value(updates)
    kr.last_update = last_update_date(updates)
    kr.progress = kr_progress(kr, updates)
    kr.score = None
    kr.stale = False
    if period is None:  # not reachable after loading; never crash
        kr.status, kr.colour = NO_DATA, COLOURS[NO_DATA]
    elif is_open(period, as_of):
        kr.status = kr_status(kr, updates, period, config)
        kr.colour = COLOURS[kr.status]
        kr.stale = kr_stale(updates, period, as_of, config.stale_after_days)
    else:
        kr.status = GRADED
        kr.score = kr_score(updates, kr.progress)
        kr.colour = grade_colour(kr.score, kr.commitment)


def compute_objective(
    obj: Objective,
    period: Period | None,
    as_of: date,
    call: str | None,
) -> None:
    """Fill an objective's computed fields; its KRs must be computed already."""
    obj.progress = objective_progress(obj.key_results)
    obj.status_call = call
    obj.score = None
    if period is None or is_open(period, as_of):
        obj.status = objective_status(call, (kr.status for kr in obj.key_results))
        obj.colour = COLOURS[obj.status]
    else:
        obj.status = GRADED
        obj.score = objective_score(obj.key_results)
        obj.colour = grade_colour(obj.score, obj.commitment)


def colour_counts(colours: Iterable[str]) -> dict[str, int]:
    """Counts by colour, all four keys always present (green, amber, red, grey)."""
    counts = {c: 0 for c in COLOUR_ORDER}
    for colour in colours:
        counts[colour] = counts.get(colour, 0) + 1
    return counts


def compute_team_counts(team: Team, own_objectives: Iterable[Objective], period_ids: Sequence[str] = ()) -> None:
    """``counts`` / ``kr_counts`` of a team: its OWN objectives and their KRs by
    colour, per period in which it has objectives (contributions to other teams'
    KRs are not counted). Keys follow ``period_ids`` (the site's period order),
    periods not listed there last, by id."""
    own: dict[str, list[Objective]] = {}
    for obj in own_objectives:
        if obj.team == team.id:
            own.setdefault(obj.period, []).append(obj)
    order = {pid: i for i, pid in enumerate(period_ids)}
    team.counts = {}
    team.kr_counts = {}
    for pid in sorted(own, key=lambda p: (order.get(p, len(order)), p)):
        objs = own[pid]
        team.counts[pid] = colour_counts(o.colour for o in objs)
        team.kr_counts[pid] = colour_counts(kr.colour for o in objs for kr in o.key_results)


def compute(site: Site) -> None:
    """Fill every computed field of the site from its counted check-ins (section 8).

    Key results (``updates``, ``current``, ``progress``, ``status``, ``colour``,
    ``stale``, ``score``, ``last_update``), objectives (``progress``, ``status``,
    ``colour``, ``score``, ``status_call``), teams (``counts``, ``kr_counts``) and
    KPIs (``value``, ``value_date``, ``history``, ``healthy``). Idempotent.
    """
    checkins = ordered_checkins(site.checkins)
    updates = collect_updates(site, checkins)

    # Index once so that big sites stay linear.
    by_team_period: dict[tuple[str, str], list[Checkin]] = {}
    by_team: dict[str, list[Checkin]] = {}
    for c in checkins:
        by_team_period.setdefault((c.team, c.period), []).append(c)
        by_team.setdefault(c.team, []).append(c)
    objectives_by_team: dict[str, list[Objective]] = {}
    for obj in site.objectives.values():
        _compute_objective_and_krs(site, obj, updates, by_team_period)
        objectives_by_team.setdefault(obj.team, []).append(obj)

    period_ids = list(site.periods)
    for team in site.teams.values():
        compute_team_counts(team, objectives_by_team.get(team.id, []), period_ids)
        compute_kpis(team, by_team.get(team.id, []))


def _compute_objective_and_krs(
    site: Site, obj: Objective, updates: dict[str, list[Update]], by_team_period: dict[tuple[str, str], list[Checkin]]
) -> None:
    period = site.periods.get(obj.period)
    for kr in obj.key_results:
        compute_kr(kr, updates.get(kr.ref, []), period, site.as_of, site.config.status)
    call = team_call(obj, by_team_period.get((obj.team, obj.period), []))
    compute_objective(obj, period, site.as_of, call)


def compute_team(site: Site, team_id: str, period_ids: Iterable[str]) -> None:
    """``compute`` for one team after its check-ins of ``period_ids`` changed: the
    computed fields of its objectives in those periods, its counts and its KPIs, the
    same as ``compute`` gives them (a team's status depends only on its own objectives
    and check-ins; ``okrsite serve`` uses this after a check-in is edited)."""
    team = site.teams[team_id]
    checkins = ordered_checkins(c for c in site.checkins if c.team == team_id)
    changed = set(period_ids)
    by_team_period: dict[tuple[str, str], list[Checkin]] = {}
    for c in checkins:
        by_team_period.setdefault((c.team, c.period), []).append(c)
    updates = collect_updates(site, [c for c in checkins if c.period in changed])
    own = [o for o in site.objectives.values() if o.team == team_id]
    for obj in own:
        if obj.period in changed:
            _compute_objective_and_krs(site, obj, updates, by_team_period)
    compute_team_counts(team, own, list(site.periods))
    compute_kpis(team, checkins)
