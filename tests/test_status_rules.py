"""Contract section 8, rules test_status.py leaves open: short periods, grades of a
commitment the loader never lets through, a KR without a period, and the one-team
recomputation that ``okrsite serve`` uses after a check-in is edited (it must give what a
full ``compute`` gives, KPIs included)."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from okrsite.core import status
from okrsite.core.model import Kpi, Period, StatusConfig, Team
from test_status import day, make_checkin, make_kr, make_obj, make_site


def test_a_two_day_period_runs_from_zero_to_one():
    two_days = Period("T", date(2026, 1, 1), date(2026, 1, 2), "T")
    assert status.expected_progress(date(2026, 1, 1), two_days) == 0.0
    assert status.expected_progress(date(2026, 1, 2), two_days) == 1.0
    # nothing done on the first day of a two-day period is on pace; on the last, at risk
    kr = make_kr()
    assert (
        status.kr_status(
            kr, [make_checkin(two_days.start, {"o/kr1": 0}).key_results["o/kr1"]], two_days, StatusConfig()
        )
        == "on-track"
    )
    assert (
        status.kr_status(kr, [make_checkin(two_days.end, {"o/kr1": 0}).key_results["o/kr1"]], two_days, StatusConfig())
        == "at-risk"
    )


def test_an_unknown_commitment_is_graded_as_aspirational():
    for score, colour in ((0.7, "green"), (0.69, "amber"), (0.4, "amber"), (0.39, "red")):
        assert status.grade_colour(score, "bogus") == colour
        assert status.grade_colour(score, "aspirational") == colour
    assert status.grade_colour(0.7, "committed") == "amber"
    assert status.grade_colour(None, "bogus") == "grey"


def test_a_key_result_without_a_period_is_no_data_and_never_crashes():
    kr = make_kr()
    update = make_checkin(day(5), {"o/kr1": 5}).key_results["o/kr1"]
    status.compute_kr(kr, [update], None, day(5), StatusConfig())
    assert (kr.status, kr.colour, kr.score, kr.stale) == ("no-data", "grey", None, False)
    assert (kr.current, kr.progress, kr.last_update) == (5, 0.5, day(5))


def test_an_ended_key_result_is_never_stale():
    kr = make_kr()
    update = make_checkin(day(1), {"o/kr1": 5}).key_results["o/kr1"]
    status.compute_kr(kr, [update], Period("P", day(0), day(100), "P"), day(160), StatusConfig())
    assert kr.status == "graded"
    assert kr.stale is False


# ------------------------------------------------------------------ one team, as serve does


Q2 = Period("Q2", date(2026, 4, 12), date(2026, 7, 20), "Q2")


def _org():
    """Team t (with a KPI) in two periods, and team u, which aligns nothing to t."""
    objectives = [
        make_obj([make_kr("a"), make_kr("b", type="milestone")], id="o1"),
        make_obj([make_kr("c")], id="o2", period="Q2"),
        make_obj([make_kr("d")], id="x", team="u"),
    ]
    teams = [Team(id="t", name="T", kpis=[Kpi(id="up", name="Uptime", healthy_above=99.0)]), Team(id="u", name="U")]
    checkins = [
        make_checkin(day(20), {"o1/a": 2}, kpis={"up": 99.5}),
        make_checkin(day(20), {"x/d": 4}, team="u"),
        make_checkin(day(110), {"o2/c": 1}, period="Q2", kpis={"up": 98.0}),
    ]
    site = make_site(day(120), objectives, checkins, periods=(make_site(day(0)).periods["P"], Q2), teams=teams)
    status.compute(site)
    return site


def _computed(site):
    """Every computed field, to compare two sites."""
    out = {}
    for ref, obj in site.objectives.items():
        out[ref] = (
            obj.progress,
            obj.status,
            obj.colour,
            obj.score,
            obj.status_call,
            [
                (k.current, k.progress, k.status, k.colour, k.score, k.stale, k.last_update, len(k.updates))
                for k in obj.key_results
            ],
        )
    for tid, team in site.teams.items():
        out[tid] = (team.counts, team.kr_counts, [(k.value, k.value_date, k.history, k.healthy) for k in team.kpis])
    return out


def test_compute_team_after_a_new_checkin_equals_a_full_compute():
    site = _org()
    before = _computed(site)
    late = make_checkin(day(118), {"o2/c": 9}, objectives={"o2": "at-risk"}, period="Q2", kpis={"up": 99.9})
    other = make_checkin(day(118), {"x/d": 9}, team="u")  # another team's: not recomputed
    site.checkins += [late, other]

    full = copy.deepcopy(site)
    status.compute(full)
    status.compute_team(site, "t", ["Q2"])
    got, want = _computed(site), _computed(full)

    assert got["t/Q2/o2"] == want["t/Q2/o2"] != before["t/Q2/o2"]
    assert got["t/Q2/o2"][1:3] == ("at-risk", "red")  # the team's call
    assert got["t/Q2/o2"][5][0][:2] == (9, 0.9)
    assert got["t"] == want["t"] != before["t"]
    assert got["t"][2] == [(99.9, day(118), [(day(20), 99.5), (day(110), 98.0), (day(118), 99.9)], True)]
    assert got["t/P/o1"] == want["t/P/o1"] == before["t/P/o1"]  # a period not named: kept as it was
    assert got["u"] == before["u"] and got["u/P/x"] == before["u/P/x"]  # not this team: untouched


def test_compute_team_counts_each_period_it_has_objectives_in_site_order():
    site = _org()
    site.checkins.append(make_checkin(day(30), {"o1/a": 10, "o1/b": {"done": True}}))
    status.compute_team(site, "t", ["P"])
    t = site.teams["t"]
    assert list(t.counts) == ["P", "Q2"]
    assert t.counts["P"] == {"green": 1, "amber": 0, "red": 0, "grey": 0}  # P ended: graded 1.0
    assert t.kr_counts["P"] == {"green": 2, "amber": 0, "red": 0, "grey": 0}
    assert t.counts["Q2"] == {"green": 1, "amber": 0, "red": 0, "grey": 0}  # 10% at 9% of Q2


def test_team_counts_order_unknown_periods_last_by_id():
    team = Team(id="t", name="T")
    objs = [make_obj([], id=f"o{p}", period=p) for p in ("Z", "B", "P", "A")]
    for o in objs:
        o.colour = "green"
    status.compute_team_counts(team, objs + [make_obj([], team="u")], ["P", "Q"])
    assert list(team.counts) == ["P", "A", "B", "Z"]
    assert all(c == {"green": 1, "amber": 0, "red": 0, "grey": 0} for c in team.counts.values())
    assert team.kr_counts["A"] == {"green": 0, "amber": 0, "red": 0, "grey": 0}


def test_a_team_without_objectives_or_checkins_has_no_counts_and_no_kpi_value():
    site = make_site(day(10), teams=[Team(id="t", name="T", kpis=[Kpi(id="up", name="Up", healthy_below=5.0)])])
    status.compute(site)
    t = site.teams["t"]
    assert (t.counts, t.kr_counts) == ({}, {})
    assert [(k.value, k.value_date, k.history, k.healthy) for k in t.kpis] == [(None, None, [], None)]


def test_one_day_after_the_start_is_stale_only_past_the_limit():
    # stale_after_days 0: from the second day on, a KR without updates is stale
    p = Period("P", day(0), day(100), "P")
    assert status.kr_stale([], p, day(0), 0) is False
    assert status.kr_stale([], p, day(1), 0) is True
    assert status.kr_stale([], p, day(0) - timedelta(days=1), 0) is False


def test_compute_orders_a_teams_counts_by_the_sites_periods_not_by_id():
    first = Period("Z-first", day(0), day(100), "first")
    second = Period("A-second", day(101), day(200), "second")
    objectives = [make_obj([make_kr()], id="o", period="A-second"), make_obj([make_kr()], id="p", period="Z-first")]
    site = make_site(day(150), objectives, periods=(first, second))
    status.compute(site)
    assert list(site.teams["t"].counts) == ["Z-first", "A-second"]
    site.teams["t"].counts = {}
    status.compute_team(site, "t", ["A-second"])  # as serve recomputes one team
    assert list(site.teams["t"].counts) == ["Z-first", "A-second"]
