"""Unit tests for okrsite.core.status: contract section 8, at every boundary.

Most tests build a tiny site with the factory helpers below and call
``status.compute``; a few exercise the pure helpers directly.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from okrsite.core import status
from okrsite.core.model import (
    Checkin,
    Config,
    KeyResult,
    Kpi,
    Objective,
    Org,
    Period,
    Site,
    StatusConfig,
    Team,
    Update,
)

# A 100-day period: e(d) = (d - start).days / 100, so decimal gaps are easy to set up.
START = date(2026, 1, 1)
END = date(2026, 4, 11)
PERIOD = Period("P", START, END, "P")


def day(n: int) -> date:
    """The date n days after START (day(0) == START, day(100) == END)."""
    return START + timedelta(days=n)


# --------------------------------------------------------------------------- factory


def make_kr(id="kr1", type="metric", start=0.0, target=10.0, weight=1.0, commitment="aspirational"):
    return KeyResult(
        objective="",
        id=id,
        title=id,
        type=type,
        start=start,
        target=target,
        weight=weight,
        commitment=commitment,
    )


def make_obj(krs, id="o", team="t", period="P", commitment="aspirational"):
    obj = Objective(
        team=team,
        period=period,
        id=id,
        title=id,
        path=f"{team}/{period}/{id}.md",
        commitment=commitment,
        key_results=list(krs),
    )
    for kr in obj.key_results:
        kr.objective = obj.ref
    return obj


def upd(d: date, **kw) -> Update:
    return Update(checkin="", date=d, line=1, **kw)


def make_checkin(d: date, krs=None, objectives=None, kpis=None, team="t", period="P", name=None, counted=True):
    """``krs`` maps "<objective>/<kr>" to an Update, or to a dict of Update fields."""
    name = name or d.isoformat()
    c = Checkin(
        team=team,
        period=period,
        name=name,
        date=d,
        path=f"{team}/{period}/checkins/{name}.md",
        objectives=dict(objectives or {}),
        kpis=dict(kpis or {}),
        counted=counted,
    )
    for key, u in (krs or {}).items():
        if not isinstance(u, Update):
            u = upd(d, **u) if isinstance(u, dict) else upd(d, value=u)
        u.checkin = c.key
        c.key_results[key] = u
    return c


def make_site(as_of, objectives=(), checkins=(), periods=(PERIOD,), teams=None, config=None):
    objectives = list(objectives)
    if teams is None:
        ids = sorted({o.team for o in objectives} | {c.team for c in checkins} | {"t"})
        teams = [Team(id=i, name=i) for i in ids]
    return Site(
        config=Config(status=config or StatusConfig()),
        as_of=as_of,
        org=Org(),
        periods={p.id: p for p in periods},
        current_period=None,
        teams={t.id: t for t in teams},
        objectives={o.ref: o for o in sorted(objectives, key=lambda o: o.ref)},
        checkins=list(checkins),
    )


def run_kr(kr, checkins, as_of, period=PERIOD, config=None):
    """Compute a one-KR objective ("o") and return the KR."""
    obj = make_obj([kr], period=period.id)
    site = make_site(as_of, [obj], checkins, periods=(period,), config=config)
    status.compute(site)
    return kr


def metric_at(d_index: int, value, as_of=None, **kr_kw):
    """A metric 0 -> 10 updated once on day(d_index) with ``value``; as_of that day."""
    kr = make_kr(**kr_kw)
    c = make_checkin(day(d_index), {"o/kr1": value})
    return run_kr(kr, [c], as_of or day(d_index))


# --------------------------------------------------------------------------- expected progress


class TestExpectedProgress:
    def test_first_day_is_zero(self):
        assert status.expected_progress(START, PERIOD) == 0.0

    def test_last_day_is_one(self):
        assert status.expected_progress(END, PERIOD) == 1.0

    def test_linear(self):
        assert status.expected_progress(day(40), PERIOD) == 0.4

    def test_clamped_before_and_after(self):
        assert status.expected_progress(day(-5), PERIOD) == 0.0
        assert status.expected_progress(day(130), PERIOD) == 1.0

    def test_one_day_period_is_one(self):
        one = Period("D", START, START, "D")
        assert status.expected_progress(START, one) == 1.0
        assert status.expected_progress(START - timedelta(days=3), one) == 1.0


# --------------------------------------------------------------------------- KR progress


class TestMetricProgress:
    def test_simple(self):
        assert status.kr_progress(make_kr(), [upd(day(1), value=4)]) == 0.4

    def test_latest_value_wins(self):
        ups = [upd(day(1), value=4), upd(day(2), value=6), upd(day(3), note="no number")]
        assert status.kr_progress(make_kr(), ups) == 0.6

    def test_lower_is_better(self):
        kr = make_kr(start=450, target=200)
        assert status.kr_progress(kr, [upd(day(1), value=320)]) == pytest.approx(0.52)

    def test_lower_is_better_getting_worse_is_negative(self):
        kr = make_kr(start=450, target=200)
        assert status.kr_progress(kr, [upd(day(1), value=500)]) == pytest.approx(-0.2)

    def test_over_achievement_not_clamped(self):
        kr = make_kr(start=100, target=200)
        assert status.kr_progress(kr, [upd(day(1), value=327)]) == pytest.approx(2.27)

    def test_negative_not_clamped(self):
        kr = make_kr(start=100, target=200)
        assert status.kr_progress(kr, [upd(day(1), value=98.8)]) == pytest.approx(-0.012)

    def test_missing_start_counts_as_zero(self):
        kr = make_kr(start=None, target=8)
        assert status.kr_progress(kr, [upd(day(1), value=2)]) == 0.25

    def test_no_value_is_unknown(self):
        assert status.kr_progress(make_kr(), []) is None
        assert status.kr_progress(make_kr(), [upd(day(1), confidence=0.9)]) is None

    def test_target_equal_to_start_is_unknown_not_a_crash(self):
        kr = make_kr(start=5, target=5)
        assert status.kr_progress(kr, [upd(day(1), value=5)]) is None


class TestMilestoneProgress:
    kr = staticmethod(lambda: make_kr(type="milestone", start=None, target=None))

    def test_no_updates_is_unknown(self):
        assert status.kr_progress(self.kr(), []) is None

    def test_done(self):
        assert status.kr_progress(self.kr(), [upd(day(1), done=True)]) == 1.0

    def test_done_beats_progress_in_same_update(self):
        assert status.kr_progress(self.kr(), [upd(day(1), done=True, progress=0.2)]) == 1.0

    def test_progress(self):
        assert status.kr_progress(self.kr(), [upd(day(1), progress=0.5)]) == 0.5

    def test_not_done_with_progress(self):
        assert status.kr_progress(self.kr(), [upd(day(1), done=False, progress=0.3)]) == 0.3

    def test_neither_is_zero(self):
        assert status.kr_progress(self.kr(), [upd(day(1), note="working on it")]) == 0.0
        assert status.kr_progress(self.kr(), [upd(day(1), confidence=0.9)]) == 0.0

    def test_latest_giving_done_or_progress_wins(self):
        ups = [upd(day(1), progress=0.4), upd(day(2), done=True), upd(day(3), note="celebrate")]
        assert status.kr_progress(self.kr(), ups) == 1.0

    def test_later_not_done_without_progress_is_zero(self):
        # Literal reading of the contract: the latest update giving done/progress is
        # {done: false}, which has no progress, so p = 0 (it is not merged with older ones).
        ups = [upd(day(1), progress=0.6), upd(day(2), done=False)]
        assert status.kr_progress(self.kr(), ups) == 0.0

    def test_value_is_ignored_for_progress(self):
        assert status.kr_progress(self.kr(), [upd(day(1), value=42)]) == 0.0


class TestStayProgress:
    @pytest.mark.parametrize(
        "type, value, expected",
        [
            ("stay_above", 99.95, 1.0),
            ("stay_above", 99.9, 1.0),  # exactly at target
            ("stay_above", 99.89, 0.0),
            ("stay_below", 180, 1.0),
            ("stay_below", 200, 1.0),  # exactly at target
            ("stay_below", 200.5, 0.0),
        ],
    )
    def test_sides(self, type, value, expected):
        target = 99.9 if type == "stay_above" else 200
        kr = make_kr(type=type, start=None, target=target)
        assert status.kr_progress(kr, [upd(day(1), value=value)]) == expected

    def test_at_target_despite_float_noise(self):
        kr = make_kr(type="stay_above", start=None, target=0.3)
        assert status.kr_progress(kr, [upd(day(1), value=0.1 + 0.2)]) == 1.0
        kr = make_kr(type="stay_below", start=None, target=0.3)
        assert status.kr_progress(kr, [upd(day(1), value=0.1 + 0.2)]) == 1.0

    @pytest.mark.parametrize("type", ["stay_above", "stay_below"])
    def test_no_value_is_unknown(self, type):
        kr = make_kr(type=type, start=None, target=1)
        assert status.kr_progress(kr, []) is None
        assert status.kr_progress(kr, [upd(day(1), note="n/a")]) is None


# ------------------------------------------------------------------ KR status (open period)


class TestPace:
    def test_first_day_zero_progress_is_on_track(self):
        kr = metric_at(0, 0)
        assert (kr.status, kr.colour) == ("on-track", "green")

    def test_gap_exactly_010_is_on_track(self):
        # e = 0.4, p = 0.3: 0.4 - 0.3 == 0.10000000000000003 in binary floating point
        assert 0.4 - 3 / 10 > 0.10
        kr = metric_at(40, 3)
        assert (kr.status, kr.colour) == ("on-track", "green")

    def test_gap_just_above_010_is_behind(self):
        kr = metric_at(41, 3)  # gap 0.11
        assert (kr.status, kr.colour) == ("behind", "amber")

    def test_gap_exactly_025_is_behind(self):
        # e = 0.55, p = 0.3: 0.25000000000000006 in binary floating point
        assert 0.55 - 3 / 10 > 0.25
        kr = metric_at(55, 3)
        assert (kr.status, kr.colour) == ("behind", "amber")

    def test_gap_just_above_025_is_at_risk(self):
        kr = metric_at(56, 3)  # gap 0.26
        assert (kr.status, kr.colour) == ("at-risk", "red")

    def test_last_day_e_is_one(self):
        assert metric_at(100, 9).status == "on-track"  # gap 0.10
        assert metric_at(100, 8.9).status == "behind"  # gap 0.11
        assert metric_at(100, 7.5).status == "behind"  # gap 0.25
        assert metric_at(100, 7.4).status == "at-risk"  # gap 0.26

    def test_over_achievement_uses_min_p_1(self):
        kr = make_kr(start=100, target=200)
        kr = run_kr(kr, [make_checkin(END, {"o/kr1": 327})], END)
        assert kr.progress == pytest.approx(2.27)  # reported unclamped
        assert kr.status == "on-track"

    def test_ahead_of_pace_is_on_track(self):
        assert metric_at(10, 9).status == "on-track"

    def test_negative_progress_is_at_risk(self):
        kr = make_kr(start=100, target=200)
        kr = run_kr(kr, [make_checkin(day(50), {"o/kr1": 98.8})], day(50))
        assert kr.progress == pytest.approx(-0.012)
        assert kr.status == "at-risk"

    def test_lower_is_better(self):
        # 450 -> 200 ms, at 320 on day 60: p = 0.52, e = 0.6, gap 0.08
        kr = make_kr(start=450, target=200)
        kr = run_kr(kr, [make_checkin(day(60), {"o/kr1": 320})], day(60))
        assert kr.progress == pytest.approx(0.52)
        assert kr.current == 320
        assert kr.status == "on-track"
        # the same value on day 80 (e = 0.8, gap 0.28) is at risk
        kr = make_kr(start=450, target=200)
        kr = run_kr(kr, [make_checkin(day(80), {"o/kr1": 320})], day(80))
        assert kr.status == "at-risk"

    def test_pace_judged_at_evidence_date_not_as_of(self):
        # Updated on day 40 at p = 0.4; D = day 90 would be at-risk, but pace uses d.
        kr = make_kr()
        kr = run_kr(kr, [make_checkin(day(40), {"o/kr1": 4})], day(90))
        assert kr.status == "on-track"
        assert kr.stale is True  # flagged stale instead

    def test_pace_uses_latest_update_date_even_without_value(self):
        # value 3 on day 30 (gap 0), then a note-only update on day 60: judged at day 60.
        c1 = make_checkin(day(30), {"o/kr1": 3})
        c2 = make_checkin(day(60), {"o/kr1": {"note": "blocked"}})
        kr = run_kr(make_kr(), [c1, c2], day(60))
        assert kr.progress == pytest.approx(0.3)
        assert kr.status == "at-risk"  # gap 0.30
        assert kr.last_update == day(60)
        assert kr.current == 3

    def test_custom_thresholds(self):
        cfg = StatusConfig(pace_on_track=0.2, pace_behind=0.3)
        kr = run_kr(make_kr(), [make_checkin(day(50), {"o/kr1": 3})], day(50), config=cfg)
        assert kr.status == "on-track"


class TestStatusRules:
    def test_rule1_no_update_is_no_data(self):
        kr = run_kr(make_kr(), [], day(5))
        assert (kr.status, kr.colour, kr.progress, kr.current, kr.last_update) == ("no-data", "grey", None, None, None)
        assert kr.updates == []

    def test_rule2_status_beats_confidence(self):
        c = make_checkin(day(50), {"o/kr1": {"value": 5, "confidence": 0.9, "status": "at-risk"}})
        assert run_kr(make_kr(), [c], day(50)).status == "at-risk"

    def test_rule2_status_beats_everything_even_without_value(self):
        c = make_checkin(day(50), {"o/kr1": {"status": "behind"}})
        kr = run_kr(make_kr(), [c], day(50))
        assert (kr.status, kr.colour, kr.progress) == ("behind", "amber", None)

    def test_rule2_only_the_latest_update_counts(self):
        c1 = make_checkin(day(10), {"o/kr1": {"value": 1, "status": "at-risk"}})
        c2 = make_checkin(day(20), {"o/kr1": 2})
        assert run_kr(make_kr(), [c1, c2], day(20)).status == "on-track"

    def test_rule3_confidence_beats_pace(self):
        # pace alone would say at-risk (gap 0.9); confidence 0.8 says on-track
        c = make_checkin(day(90), {"o/kr1": {"value": 0, "confidence": 0.8}})
        assert run_kr(make_kr(), [c], day(90)).status == "on-track"
        # pace alone would say on-track; confidence 0.1 says at-risk
        c = make_checkin(day(10), {"o/kr1": {"value": 10, "confidence": 0.1}})
        assert run_kr(make_kr(), [c], day(10)).status == "at-risk"

    def test_rule3_confidence_without_value(self):
        c = make_checkin(day(10), {"o/kr1": {"confidence": 0.5}})
        kr = run_kr(make_kr(), [c], day(10))
        assert (kr.status, kr.progress) == ("behind", None)

    @pytest.mark.parametrize(
        "confidence, expected",
        [
            (1.0, "on-track"),
            (0.7, "on-track"),
            (0.1 * 7, "on-track"),  # 0.7000000000000001
            (0.69, "behind"),
            (0.699999, "behind"),
            (0.4, "behind"),
            (0.39, "at-risk"),
            (0.399999, "at-risk"),
            (0.0, "at-risk"),
        ],
    )
    def test_rule3_confidence_boundaries(self, confidence, expected):
        c = make_checkin(day(10), {"o/kr1": {"confidence": confidence}})
        assert run_kr(make_kr(), [c], day(10)).status == expected

    def test_rule3_custom_thresholds(self):
        cfg = StatusConfig(confidence_on_track=0.8, confidence_behind=0.5)
        assert status.status_from_confidence(0.7, cfg) == "behind"
        assert status.status_from_confidence(0.45, cfg) == "at-risk"
        assert status.status_from_confidence(0.8, cfg) == "on-track"

    def test_rule4_metric_with_no_value_is_no_data(self):
        c = make_checkin(day(10), {"o/kr1": {"note": "nothing to report"}})
        kr = run_kr(make_kr(), [c], day(10))
        assert (kr.status, kr.colour, kr.progress, kr.current) == ("no-data", "grey", None, None)
        assert kr.last_update == day(10)
        assert len(kr.updates) == 1

    @pytest.mark.parametrize(
        "type, value, expected",
        [
            ("stay_above", 99.95, "on-track"),
            ("stay_above", 99.9, "on-track"),
            ("stay_above", 99.8, "at-risk"),
            ("stay_below", 199, "on-track"),
            ("stay_below", 200, "on-track"),
            ("stay_below", 201, "at-risk"),
        ],
    )
    def test_rule5_stay(self, type, value, expected):
        target = 99.9 if type == "stay_above" else 200
        kr = make_kr(type=type, start=None, target=target)
        # Early in the period pace would call p = 0 on-track; rule 5 ignores pace.
        kr = run_kr(kr, [make_checkin(day(5), {"o/kr1": value})], day(5))
        assert kr.status == expected

    def test_rule5_stay_without_value_is_no_data(self):
        kr = make_kr(type="stay_below", start=None, target=1)
        kr = run_kr(kr, [make_checkin(day(5), {"o/kr1": {"note": "?"}})], day(5))
        assert kr.status == "no-data"

    def test_rule5_stay_uses_confidence_first(self):
        kr = make_kr(type="stay_above", start=None, target=10)
        c = make_checkin(day(5), {"o/kr1": {"value": 5, "confidence": 0.9}})
        assert run_kr(kr, [c], day(5)).status == "on-track"

    def test_milestone_pace(self):
        kr = make_kr(type="milestone", start=None, target=None)
        c = make_checkin(day(50), {"o/kr1": {"progress": 0.4}})
        assert run_kr(kr, [c], day(50)).status == "on-track"  # gap 0.10
        kr = make_kr(type="milestone", start=None, target=None)
        c = make_checkin(day(50), {"o/kr1": {"progress": 0.3}})
        assert run_kr(kr, [c], day(50)).status == "behind"  # gap 0.20
        kr = make_kr(type="milestone", start=None, target=None)
        c = make_checkin(day(90), {"o/kr1": {"done": True}})
        assert run_kr(kr, [c], day(90)).status == "on-track"
        kr = make_kr(type="milestone", start=None, target=None)
        c = make_checkin(day(50), {"o/kr1": {"note": "started"}})
        kr = run_kr(kr, [c], day(50))
        assert (kr.progress, kr.status) == (0.0, "at-risk")

    def test_kr_status_pure_function(self):
        kr = make_kr()
        assert status.kr_status(kr, [], PERIOD, StatusConfig()) == "no-data"
        assert status.kr_status(kr, [upd(day(40), value=3)], PERIOD, StatusConfig()) == "on-track"


# --------------------------------------------------------------------------- updates and ordering


class TestUpdates:
    def test_ordered_by_date_then_file_name(self):
        a = make_checkin(day(10), {"o/kr1": 1}, name="2026-01-11")
        b = make_checkin(day(10), {"o/kr1": 2}, name="2026-01-11-late")
        c = make_checkin(day(5), {"o/kr1": 9}, name="2026-01-06")
        kr = run_kr(make_kr(), [b, c, a], day(10))
        assert [u.value for u in kr.updates] == [9, 1, 2]
        assert kr.current == 2

    def test_after_as_of_not_counted(self):
        c1 = make_checkin(day(10), {"o/kr1": 1})
        future = make_checkin(
            day(30),
            {"o/kr1": {"value": 10, "status": "at-risk", "score": 0.1}},
            objectives={"o": "at-risk"},
            counted=False,
        )
        obj = make_obj([make_kr()])
        site = make_site(day(20), [obj], [c1, future])
        status.compute(site)
        kr = obj.key_results[0]
        assert [u.value for u in kr.updates] == [1]
        assert (kr.current, kr.last_update, kr.status) == (1, day(10), "on-track")
        assert obj.status_call is None
        assert obj.status == "on-track"

    def test_checkin_updates_only_its_own_team_and_period(self):
        other_period = Period("Q", START, END, "Q")
        mine = make_obj([make_kr()], team="t", period="P")
        same_id_other_team = make_obj([make_kr()], team="u", period="P")
        same_id_other_period = make_obj([make_kr()], team="t", period="Q")
        c = make_checkin(day(10), {"o/kr1": 1}, team="t", period="P")
        site = make_site(day(10), [mine, same_id_other_team, same_id_other_period], [c], periods=(PERIOD, other_period))
        status.compute(site)
        assert mine.key_results[0].current == 1
        assert same_id_other_team.key_results[0].updates == []
        assert same_id_other_period.key_results[0].updates == []

    def test_unknown_keys_are_ignored(self):
        c = make_checkin(day(10), {"o/kr1": 1, "o/nope": 2, "ghost/kr1": 3})
        kr = run_kr(make_kr(), [c], day(10))
        assert kr.current == 1

    def test_current_for_every_type(self):
        kr = make_kr(type="milestone", start=None, target=None)
        c1 = make_checkin(day(1), {"o/kr1": {"value": 3, "progress": 0.2}})
        c2 = make_checkin(day(2), {"o/kr1": {"progress": 0.5}})
        kr = run_kr(kr, [c1, c2], day(2))
        assert (kr.current, kr.progress) == (3, 0.5)

    def test_compute_is_idempotent(self):
        obj = make_obj([make_kr()])
        site = make_site(day(10), [obj], [make_checkin(day(10), {"o/kr1": 1})])
        status.compute(site)
        status.compute(site)
        assert len(obj.key_results[0].updates) == 1
        assert site.teams["t"].counts == {"P": {"green": 1, "amber": 0, "red": 0, "grey": 0}}


# --------------------------------------------------------------------------- stale


class TestStale:
    def test_latest_update_exactly_14_days_ago_is_not_stale(self):
        kr = run_kr(make_kr(), [make_checkin(day(20), {"o/kr1": 2})], day(34))
        assert kr.stale is False

    def test_latest_update_15_days_ago_is_stale(self):
        kr = run_kr(make_kr(), [make_checkin(day(20), {"o/kr1": 2})], day(35))
        assert kr.stale is True
        assert kr.colour == "green"  # stale is a flag, not a colour

    def test_no_update_14_days_after_start_is_not_stale(self):
        assert run_kr(make_kr(), [], day(14)).stale is False

    def test_no_update_15_days_after_start_is_stale(self):
        kr = run_kr(make_kr(), [], day(15))
        assert (kr.stale, kr.status) == (True, "no-data")

    def test_stale_on_last_day(self):
        assert run_kr(make_kr(), [make_checkin(day(50), {"o/kr1": 5})], END).stale is True

    def test_note_only_update_refreshes(self):
        c1 = make_checkin(day(10), {"o/kr1": 1})
        c2 = make_checkin(day(30), {"o/kr1": {"note": "still here"}})
        assert run_kr(make_kr(), [c1, c2], day(40)).stale is False

    def test_custom_stale_after_days(self):
        cfg = StatusConfig(stale_after_days=7)
        kr = run_kr(make_kr(), [make_checkin(day(10), {"o/kr1": 1})], day(18), config=cfg)
        assert kr.stale is True
        kr = run_kr(make_kr(), [make_checkin(day(10), {"o/kr1": 1})], day(17), config=cfg)
        assert kr.stale is False

    def test_not_started_is_never_stale(self):
        later = Period("L", date(2026, 7, 1), date(2026, 9, 30), "L")
        kr = run_kr(make_kr(), [], date(2026, 5, 1), period=later)
        assert (kr.stale, kr.status, kr.colour) == (False, "no-data", "grey")

    def test_ended_yesterday_is_graded_not_stale(self):
        c = make_checkin(day(10), {"o/kr1": 8})
        kr = run_kr(make_kr(), [c], END + timedelta(days=1))
        assert kr.stale is False
        assert kr.status == "graded"
        assert kr.score == 0.8
        assert kr.colour == "green"

    def test_last_day_is_still_open(self):
        c = make_checkin(day(10), {"o/kr1": 8})
        kr = run_kr(make_kr(), [c], END)
        assert kr.status != "graded"
        assert kr.score is None

    def test_pure_function(self):
        assert status.kr_stale([], PERIOD, day(15), 14) is True
        assert status.kr_stale([], PERIOD, day(-1), 14) is False
        assert status.kr_stale([], PERIOD, END + timedelta(days=1), 14) is False


# --------------------------------------------------------------------------- one-day period


class TestOneDayPeriod:
    one = Period("D", START, START, "D")

    def test_done_on_the_day(self):
        c = make_checkin(START, {"o/kr1": 10}, period="D")
        kr = run_kr(make_kr(), [c], START, period=self.one)
        assert (kr.status, kr.stale) == ("on-track", False)

    def test_half_on_the_day_is_at_risk(self):
        c = make_checkin(START, {"o/kr1": 5}, period="D")
        kr = run_kr(make_kr(), [c], START, period=self.one)
        assert kr.status == "at-risk"  # e = 1, gap 0.5

    def test_no_update_on_the_day(self):
        kr = run_kr(make_kr(), [], START, period=self.one)
        assert (kr.status, kr.stale) == ("no-data", False)

    def test_graded_the_next_day(self):
        c = make_checkin(START, {"o/kr1": 5}, period="D")
        kr = run_kr(make_kr(), [c], START + timedelta(days=1), period=self.one)
        assert (kr.status, kr.score, kr.colour) == ("graded", 0.5, "amber")


# --------------------------------------------------------------------------- grading


AFTER = END + timedelta(days=1)


class TestGrading:
    @pytest.mark.parametrize(
        "commitment, score, colour",
        [
            ("committed", 1.2, "green"),
            ("committed", 1.0, "green"),
            ("committed", 0.99, "amber"),
            ("committed", 0.999999, "amber"),
            ("committed", 0.7, "amber"),
            ("committed", 0.69, "red"),
            ("committed", 0.4, "red"),
            ("committed", 0.0, "red"),
            ("aspirational", 1.0, "green"),
            ("aspirational", 0.7, "green"),
            ("aspirational", 0.69, "amber"),
            ("aspirational", 0.4, "amber"),
            ("aspirational", 0.39, "red"),
            ("aspirational", 0.0, "red"),
            ("experimental", 0.7, "green"),
            ("experimental", 0.69, "amber"),
            ("experimental", 0.4, "amber"),
            ("experimental", 0.39, "red"),
            ("committed", None, "grey"),
            ("aspirational", None, "grey"),
            ("experimental", None, "grey"),
        ],
    )
    def test_bands(self, commitment, score, colour):
        assert status.grade_colour(score, commitment) == colour

    def test_bands_compare_rounded_values(self):
        assert status.grade_colour(0.1 * 7, "aspirational") == "green"
        assert status.grade_colour(0.7 - 1e-12, "aspirational") == "green"
        assert status.grade_colour(1 - 1e-12, "committed") == "green"
        assert status.grade_colour(0.1 + 0.2 + 0.1, "experimental") == "amber"  # 0.4000000000000001

    def test_score_from_progress(self):
        c = make_checkin(day(90), {"o/kr1": 7})
        kr = run_kr(make_kr(commitment="aspirational"), [c], AFTER)
        assert (kr.status, kr.score, kr.colour) == ("graded", 0.7, "green")
        kr = run_kr(make_kr(commitment="committed"), [make_checkin(day(90), {"o/kr1": 7})], AFTER)
        assert (kr.score, kr.colour) == (0.7, "amber")

    def test_score_from_progress_is_clamped(self):
        kr = run_kr(make_kr(start=100, target=200), [make_checkin(day(90), {"o/kr1": 327})], AFTER)
        assert kr.progress == pytest.approx(2.27)
        assert kr.score == 1.0
        kr = run_kr(make_kr(start=100, target=200), [make_checkin(day(90), {"o/kr1": 90})], AFTER)
        assert (kr.score, kr.colour) == (0.0, "red")

    def test_score_from_update_beats_progress(self):
        c = make_checkin(day(90), {"o/kr1": {"value": 10, "score": 0.6}})
        kr = run_kr(make_kr(), [c], AFTER)
        assert (kr.progress, kr.score, kr.colour) == (1.0, 0.6, "amber")

    def test_explicit_zero_score(self):
        c = make_checkin(day(90), {"o/kr1": {"value": 10, "score": 0}})
        kr = run_kr(make_kr(), [c], AFTER)
        assert (kr.score, kr.colour) == (0.0, "red")

    def test_score_from_latest_update_giving_one(self):
        c1 = make_checkin(day(90), {"o/kr1": {"value": 5, "score": 0.3}})
        c2 = make_checkin(day(95), {"o/kr1": {"score": 0.9}})
        c3 = make_checkin(day(99), {"o/kr1": {"value": 6, "note": "final number"}})
        kr = run_kr(make_kr(), [c1, c2, c3], AFTER)
        assert kr.score == 0.9

    def test_grade_in_grading_window(self):
        # a check-in dated after the end (within the grading window) counts
        c1 = make_checkin(day(80), {"o/kr1": 5})
        c2 = make_checkin(END + timedelta(days=5), {"o/kr1": {"score": 0.75}})
        kr = run_kr(make_kr(), [c1, c2], END + timedelta(days=10))
        assert (kr.score, kr.colour, kr.last_update) == (0.75, "green", END + timedelta(days=5))

    def test_no_progress_no_score_is_grey(self):
        kr = run_kr(make_kr(), [], AFTER)
        assert (kr.status, kr.score, kr.colour, kr.stale) == ("graded", None, "grey", False)
        c = make_checkin(day(10), {"o/kr1": {"confidence": 0.9}})
        kr = run_kr(make_kr(), [c], AFTER)
        assert (kr.score, kr.colour) == (None, "grey")

    def test_status_and_confidence_ignored_after_end(self):
        c = make_checkin(day(99), {"o/kr1": {"value": 10, "status": "at-risk", "confidence": 0.1}})
        kr = run_kr(make_kr(), [c], AFTER)
        assert (kr.status, kr.score, kr.colour) == ("graded", 1.0, "green")

    def test_stay_graded(self):
        kr = make_kr(type="stay_below", start=None, target=200)
        kr = run_kr(kr, [make_checkin(day(90), {"o/kr1": 250})], AFTER)
        assert (kr.score, kr.colour) == (0.0, "red")

    def test_milestone_graded(self):
        kr = make_kr(type="milestone", start=None, target=None, commitment="committed")
        kr = run_kr(kr, [make_checkin(day(90), {"o/kr1": {"done": True}})], AFTER)
        assert (kr.score, kr.colour) == (1.0, "green")

    def test_kr_uses_its_own_commitment_objective_its_own(self):
        kr = make_kr(commitment="aspirational")
        obj = make_obj([kr], commitment="committed")
        site = make_site(AFTER, [obj], [make_checkin(day(90), {"o/kr1": 8})])
        status.compute(site)
        assert (kr.score, kr.colour) == (0.8, "green")
        assert (obj.status, obj.score, obj.colour) == ("graded", 0.8, "amber")

    def test_kr_score_pure(self):
        assert status.kr_score([], None) is None
        assert status.kr_score([], -0.5) == 0.0
        assert status.kr_score([upd(day(1), score=0.0)], 1.0) == 0.0


# --------------------------------------------------------------------------- objectives


def run_obj(krs, checkins, as_of, commitment="aspirational"):
    obj = make_obj(krs, commitment=commitment)
    site = make_site(as_of, [obj], checkins)
    status.compute(site)
    return obj


class TestObjectiveProgress:
    def test_weighted_mean_unknown_counts_zero(self):
        krs = [make_kr("a", weight=1), make_kr("b", weight=3)]
        obj = run_obj(krs, [make_checkin(day(10), {"o/a": 10})], day(10))
        assert obj.progress == pytest.approx(0.25)

    def test_weighted_mean(self):
        krs = [make_kr("a", weight=2), make_kr("b", weight=1), make_kr("c", weight=1)]
        c = make_checkin(day(10), {"o/a": 5, "o/b": 10, "o/c": 0})
        assert run_obj(krs, [c], day(10)).progress == pytest.approx(0.5)

    def test_clamped(self):
        krs = [make_kr("a", start=100, target=200), make_kr("b", start=100, target=200)]
        c = make_checkin(day(10), {"o/a": 327, "o/b": 50})
        obj = run_obj(krs, [c], day(10))
        assert krs[0].progress == pytest.approx(2.27)
        assert krs[1].progress == pytest.approx(-0.5)
        assert obj.progress == pytest.approx(0.5)  # (1 + 0) / 2

    def test_after_end_unknown_still_zero(self):
        krs = [make_kr("a"), make_kr("b")]
        obj = run_obj(krs, [make_checkin(day(10), {"o/a": 6})], AFTER)
        assert obj.progress == pytest.approx(0.3)

    def test_no_key_results(self):
        obj = run_obj([], [], day(10))
        assert (obj.progress, obj.status, obj.colour) == (0.0, "no-data", "grey")
        obj = run_obj([], [], AFTER)
        assert (obj.score, obj.colour) == (None, "grey")


class TestObjectiveStatus:
    def test_worst_kr_status(self):
        krs = [make_kr("a"), make_kr("b"), make_kr("c")]
        # day 50: a on-track (p .5), b behind (p .3 -> gap .2), c no-data
        c = make_checkin(day(50), {"o/a": 5, "o/b": 3})
        obj = run_obj(krs, [c], day(50))
        assert [kr.status for kr in krs] == ["on-track", "behind", "no-data"]
        assert (obj.status, obj.colour, obj.status_call) == ("behind", "amber", None)

    def test_at_risk_is_worst(self):
        krs = [make_kr("a"), make_kr("b")]
        c = make_checkin(day(50), {"o/a": {"status": "at-risk"}, "o/b": {"status": "behind"}})
        assert run_obj(krs, [c], day(50)).status == "at-risk"

    def test_all_no_data(self):
        obj = run_obj([make_kr("a"), make_kr("b")], [], day(5))
        assert (obj.status, obj.colour) == ("no-data", "grey")

    def test_team_call_beats_kr_statuses(self):
        krs = [make_kr("a")]
        c = make_checkin(day(50), {"o/a": 0}, objectives={"o": "on-track"})
        obj = run_obj(krs, [c], day(50))
        assert krs[0].status == "at-risk"
        assert (obj.status, obj.colour, obj.status_call) == ("on-track", "green", "on-track")

    def test_team_call_even_when_all_krs_no_data(self):
        c = make_checkin(day(5), objectives={"o": "at-risk"})
        obj = run_obj([make_kr("a")], [c], day(5))
        assert (obj.status, obj.colour) == ("at-risk", "red")

    def test_latest_checkin_naming_the_objective_wins(self):
        c1 = make_checkin(day(5), objectives={"o": "at-risk"})
        c2 = make_checkin(day(10), objectives={"o": "behind"})
        c3 = make_checkin(day(20), {"o/a": 2}, objectives={"other": "on-track"})
        obj = run_obj([make_kr("a")], [c3, c1, c2], day(20))
        assert (obj.status, obj.status_call) == ("behind", "behind")

    def test_team_call_from_other_team_or_period_ignored(self):
        c1 = make_checkin(day(5), objectives={"o": "at-risk"}, team="u")
        c2 = make_checkin(day(5), objectives={"o": "at-risk"}, period="Q")
        obj = make_obj([make_kr("a")])
        site = make_site(day(5), [obj], [c1, c2], periods=(PERIOD, Period("Q", START, END, "Q")))
        status.compute(site)
        assert obj.status == "no-data"

    def test_not_started_period(self):
        later = Period("L", date(2026, 7, 1), date(2026, 9, 30), "L")
        obj = make_obj([make_kr("a")], period="L")
        site = make_site(date(2026, 5, 1), [obj], [], periods=(later,))
        status.compute(site)
        assert (obj.status, obj.colour, obj.progress) == ("no-data", "grey", 0.0)

    def test_helpers(self):
        assert status.worst_status([]) == "no-data"
        assert status.worst_status(["no-data", "on-track"]) == "on-track"
        assert status.worst_status(["behind", "on-track", "no-data"]) == "behind"
        assert status.objective_status("on-track", ["at-risk"]) == "on-track"
        assert status.objective_status(None, ["at-risk", "behind"]) == "at-risk"


class TestObjectiveGrading:
    def test_weighted_score_none_counts_zero(self):
        krs = [make_kr("a", weight=1), make_kr("b", weight=1), make_kr("c", weight=2)]
        c = make_checkin(day(90), {"o/a": {"score": 0.8}, "o/b": 10})
        obj = run_obj(krs, [c], AFTER)
        assert [kr.score for kr in krs] == [0.8, 1.0, None]
        assert obj.score == pytest.approx(0.45)
        assert (obj.status, obj.colour) == ("graded", "amber")

    def test_all_none_is_none(self):
        obj = run_obj([make_kr("a"), make_kr("b")], [], AFTER)
        assert (obj.status, obj.score, obj.colour) == ("graded", None, "grey")

    def test_committed_objective_bands(self):
        krs = [make_kr("a", commitment="committed")]
        obj = run_obj(krs, [make_checkin(day(90), {"o/a": 10})], AFTER, commitment="committed")
        assert (obj.score, obj.colour) == (1.0, "green")
        krs = [make_kr("a", commitment="committed")]
        obj = run_obj(krs, [make_checkin(day(90), {"o/a": 9.9})], AFTER, commitment="committed")
        assert obj.colour == "amber"

    def test_team_call_does_not_override_grade(self):
        c = make_checkin(day(90), {"o/a": 2}, objectives={"o": "on-track"})
        obj = run_obj([make_kr("a")], [c], AFTER)
        assert (obj.status, obj.colour, obj.status_call) == ("graded", "red", "on-track")


# --------------------------------------------------------------------------- teams


class TestTeamCounts:
    def test_counts_per_period(self):
        q = Period("Q", date(2026, 5, 1), date(2026, 6, 30), "Q")
        o1 = make_obj([make_kr("a"), make_kr("b")], id="o1")
        o2 = make_obj([make_kr("a")], id="o2")
        o3 = make_obj([make_kr("a")], id="o3", period="Q")
        other = make_obj([make_kr("a")], id="x", team="u")
        c = make_checkin(day(50), {"o1/a": 5, "o1/b": 0, "o2/a": {"status": "behind"}})
        site = make_site(
            day(50),
            [o1, o2, o3, other],
            [c],
            periods=(PERIOD, q),
            teams=[Team("t", "T"), Team("u", "U"), Team("v", "V")],
        )
        status.compute(site)
        t = site.teams["t"]
        assert list(t.counts) == ["P", "Q"]
        assert t.counts["P"] == {"green": 0, "amber": 1, "red": 1, "grey": 0}
        assert t.kr_counts["P"] == {"green": 1, "amber": 1, "red": 1, "grey": 0}
        assert t.counts["Q"] == {"green": 0, "amber": 0, "red": 0, "grey": 1}
        assert t.kr_counts["Q"] == {"green": 0, "amber": 0, "red": 0, "grey": 1}
        assert site.teams["u"].counts == {"P": {"green": 0, "amber": 0, "red": 0, "grey": 1}}
        assert site.teams["v"].counts == {}
        assert site.teams["v"].kr_counts == {}

    def test_graded_counts_use_grade_colours(self):
        o = make_obj([make_kr("a"), make_kr("b")])
        site = make_site(AFTER, [o], [make_checkin(day(90), {"o/a": 9})])
        status.compute(site)
        assert site.teams["t"].kr_counts["P"] == {"green": 1, "amber": 0, "red": 0, "grey": 1}
        assert site.teams["t"].counts["P"] == {"green": 0, "amber": 1, "red": 0, "grey": 0}

    def test_contributors_not_counted(self):
        kr = make_kr("a")
        kr.contributors = ["u"]
        o = make_obj([kr])
        site = make_site(day(5), [o], [], teams=[Team("t", "T"), Team("u", "U")])
        status.compute(site)
        assert site.teams["u"].kr_counts == {}


# --------------------------------------------------------------------------- KPIs


class TestKpis:
    def run(self, kpis, checkins, as_of=day(50)):
        team = Team("t", "T", kpis=kpis)
        site = make_site(as_of, [], checkins, teams=[team, Team("u", "U")])
        status.compute(site)
        return team

    def test_latest_value_across_periods(self):
        q = "Q"
        kpi = Kpi("nps", "NPS", healthy_above=30)
        c1 = make_checkin(day(10), kpis={"nps": 25})
        c2 = make_checkin(day(20), kpis={"nps": 35}, period=q)
        c3 = make_checkin(day(30), kpis={"other": 1})
        c4 = make_checkin(day(40), kpis={"nps": 99}, team="u")
        c5 = make_checkin(day(60), kpis={"nps": 10}, counted=False)
        self.run([kpi], [c3, c2, c5, c4, c1])
        assert (kpi.value, kpi.value_date, kpi.healthy) == (35, day(20), True)
        assert kpi.history == [(day(10), 25), (day(20), 35)]

    @pytest.mark.parametrize(
        "above, below, value, healthy",
        [
            (30, None, 31, True),
            (30, None, 30, True),
            (30, None, 29.9, False),
            (None, 200, 199, True),
            (None, 200, 200, True),
            (None, 200, 200.1, False),
            (None, None, 5, None),
            (30, None, None, None),
            (0.3, None, 0.1 + 0.2, True),
        ],
    )
    def test_health(self, above, below, value, healthy):
        kpi = Kpi("k", "K", healthy_above=above, healthy_below=below)
        checkins = [] if value is None else [make_checkin(day(10), kpis={"k": value})]
        self.run([kpi], checkins)
        assert kpi.healthy is healthy
        assert kpi.value == value

    def test_no_reports(self):
        kpi = Kpi("k", "K", healthy_below=1)
        self.run([kpi], [])
        assert (kpi.value, kpi.value_date, kpi.history, kpi.healthy) == (None, None, [], None)


# --------------------------------------------------------------------------- an end-to-end example


def test_contract_example():
    """The section 10 example: p99 450 -> 200 ms at 320 on 2026-11-20, as of 2026-11-23."""
    q4 = Period("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "Q4 2026")
    kr = make_kr("p99", start=450, target=200)
    obj = make_obj([kr], id="reliability", team="platform", period="2026-Q4")
    c = make_checkin(date(2026, 11, 20), {"reliability/p99": 320}, team="platform", period="2026-Q4")
    site = make_site(date(2026, 11, 23), [obj], [c], periods=(q4,))
    status.compute(site)
    assert kr.current == 320
    assert round(kr.progress, 4) == 0.52
    # e(2026-11-20) = 50/91 = 0.549..., gap 0.029: on-track
    assert (kr.status, kr.colour, kr.stale, kr.score) == ("on-track", "green", False, None)
    assert kr.last_update == date(2026, 11, 20)
    assert (obj.status, obj.colour, obj.score) == ("on-track", "green", None)
    assert obj.progress == pytest.approx(0.52)
