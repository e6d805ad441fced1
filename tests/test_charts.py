"""Charts (charts.py) and status on earlier dates (history.py).

The charts are checked as SVG: well-formed, named and described, escaped, no inline
style, small, deterministic, and drawn the right way up. The recomputed history is
checked against the real thing: the sample built with an earlier as-of date."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from conftest import SAMPLE_CONFIG
from okrsite.site import charts, history
from okrsite.core import status
from okrsite.builder.pipeline import build
from okrsite.core.config import read_config
from okrsite.site.export import export_json
from okrsite.core.model import KeyResult, Kpi, Period, Update

SVG = "{http://www.w3.org/2000/svg}"
Q4 = Period("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "Q4 2026")
XSS = "<script>alert(1)</script> & “quotes”"


def parse(svg: str) -> ET.Element:
    """The chart as XML (inline SVG in HTML has no xmlns; add it to parse)."""
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    return ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def kr(**kw) -> KeyResult:
    updates = [
        Update(checkin=f"t/2026-Q4/{d}", date=date.fromisoformat(d), line=1, **u) for d, u in kw.pop("updates", [])
    ]
    k = KeyResult(
        objective="t/2026-Q4/o",
        id=kw.pop("id", "k"),
        title=kw.pop("title", "p99 latency"),
        type=kw.pop("type", "metric"),
        **kw,
    )
    k.updates = updates
    return k


WEEKLY = [(f"2026-10-{d:02d}", {"value": 450 - 10 * i}) for i, d in enumerate((2, 9, 16, 23, 30))]


@pytest.mark.parametrize("lo, hi", [(0, 100), (200, 450), (800, 2400), (0.08, 0.12), (99.86, 99.95), (-3, 7), (5, 5)])
def test_nice_ticks_cover_the_range_in_round_steps(lo, hi):
    ticks = charts.nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi and ticks[0] < ticks[-1]
    assert 2 <= len(ticks) <= 6
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    mantissa = round(steps.pop() / 10 ** __import__("math").floor(__import__("math").log10(ticks[1] - ticks[0])), 6)
    assert mantissa in (1, 2, 2.5, 5)
    assert charts.nice_ticks(0, 100) == [0, 25, 50, 75, 100]


def test_tick_labels_have_the_decimals_their_step_needs():
    assert charts._tick_label(2500, 500) == "2,500"
    assert charts._tick_label(0.025, 0.025) == "0.025" and charts._tick_label(0.05, 0.025) == "0.050"
    assert charts._tick_label(99.9, 0.05) == "99.9"


def test_kr_chart_is_named_described_escaped_and_small():
    c = charts.kr_chart(
        kr(title=XSS, start=450, target=200, unit="ms", updates=WEEKLY), Q4, date(2026, 11, 20), "chart-kr-p99"
    )
    root = parse(c.svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-kr-p99-t" and root.get("aria-describedby") == "chart-kr-p99-d"
    assert root.find(f"{SVG}title").get("id") == "chart-kr-p99-t"
    assert root.find(f"{SVG}title").text.startswith(XSS)  # escaped in the text, intact once parsed
    assert "<script>" not in c.svg and "&lt;script&gt;" in c.svg
    desc = root.find(f"{SVG}desc").text
    assert "from 450\u00a0ms on 2026-10-02 to 410\u00a0ms on 2026-10-30" in desc
    assert "target 200\u00a0ms" in desc and "expected by pace on 2026-10-30" in desc
    assert "style=" not in c.svg and "<script" not in c.svg
    assert len(c.svg) < 4000
    assert [k for k, _ in c.legend] == ["value", "pace", "target", "asof"]
    # only classes colour it: no colour values in the SVG
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b|rgb\(", c.svg)


def test_kr_chart_is_deterministic_with_short_coordinates():
    k = kr(start=450, target=200, unit="ms", updates=WEEKLY)
    a = charts.kr_chart(k, Q4, date(2026, 11, 20), "c").svg
    assert a == charts.kr_chart(k, Q4, date(2026, 11, 20), "c").svg
    geometry = " ".join(re.findall(r'\s(?:x|y|cx|cy|r|d|points)="([^"]*)"', a))
    assert geometry and not re.search(r"\d\.\d\d", geometry)


def _points(svg: str) -> list[tuple[float, float]]:
    pts = re.search(r'class="chart-value" points="([^"]+)"', svg).group(1)
    return [tuple(map(float, p.split(","))) for p in pts.split()]


def test_lower_is_better_goes_down_towards_a_lower_target_line():
    svg = charts.kr_chart(kr(start=450, target=200, updates=WEEKLY), Q4, None, "c").svg
    pts = _points(svg)
    assert [y for _, y in pts] == sorted(y for _, y in pts)  # falling values are drawn lower (larger y)
    assert [x for x, _ in pts] == sorted(x for x, _ in pts)
    target_y = float(re.search(r'class="chart-target" d="M[\d.]+ ([\d.]+)H', svg).group(1))
    assert target_y > pts[-1][1]
    # the pace line runs from (start date, start value) to (end date, target)
    x0, y0, x1, y1 = map(float, re.search(r'class="chart-pace" d="M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)"', svg).groups())
    assert x0 == charts.LEFT and x1 == charts.W - charts.RIGHT and y1 == target_y and y0 < y1
    assert 'class="chart-asof"' not in svg  # no as-of date given


def test_milestones_are_progress_from_0_to_100_percent():
    m = kr(
        type="milestone",
        updates=[
            ("2026-10-09", {"progress": 0.4}),
            ("2026-10-16", {"note": "blocked"}),
            ("2026-11-06", {"done": True}),
        ],
    )
    c = charts.kr_chart(m, Q4, date(2026, 11, 20), "c")
    assert ">100%<" in c.svg and ">0%<" in c.svg and "target 100%" in c.svg
    assert len(_points(c.svg)) == 2  # the note-only update moves nothing
    assert "Progress at 2 check-ins, from 40% on 2026-10-09 to 100% on 2026-11-06" in c.summary


def test_stay_below_shows_the_line_to_hold_and_no_pace():
    s = kr(
        type="stay_below", target=2, unit="%", updates=[("2026-10-02", {"value": 1.5}), ("2026-10-09", {"value": 2.5})]
    )
    c = charts.kr_chart(s, Q4, date(2026, 11, 20), "c")
    assert "chart-pace" not in c.svg and "stay below 2%" in c.svg
    assert "stay below 2%; highest 2.5%" in c.summary
    assert ("target", "Line to hold") in c.legend


def test_no_chart_without_values():
    assert charts.kr_chart(kr(start=1, target=2, updates=[("2026-10-02", {"note": "hi"})]), Q4, None, "c") is None
    assert charts.progress_chart([], Q4, None, "t", "c") is None
    assert charts.distribution_chart([], {}, "t", "c") is None
    assert charts.sparkline(Kpi("k", "K"), "c") is None


def test_progress_chart_against_the_expected_diagonal():
    c = charts.progress_chart(
        [(date(2026, 10, 2), 0.05), (date(2026, 11, 20), 1.3)],
        Q4,
        date(2026, 11, 20),
        "Ship it: progress",
        "chart-objective",
    )
    parse(c.svg)
    assert 'd="M44 128L310 10"' in c.svg  # 0% at the start, 100% at the end
    assert _points(c.svg)[-1][1] == 10  # 130% is drawn at 100%
    assert "from 5% on 2026-10-02 to 130% on 2026-11-20. Expected on 2026-11-20: 55%." in c.summary


def test_colour_distribution_stacks_counts_with_words_and_hatching():
    words = {"green": "On track", "amber": "Behind", "red": "At risk", "grey": "No data"}
    graded = {"green": "Graded green", "amber": "Graded amber", "red": "Graded red", "grey": "Not scored"}
    weeks = [
        ("2026-07-07", {"green": 1, "amber": 0, "red": 0, "grey": 3}),
        ("2026-07-14", {"green": 2, "amber": 1, "red": 1, "grey": 0}),
        ("Grades", {"green": 3, "amber": 1, "red": 0, "grey": 0}),
    ]
    c = charts.distribution_chart(weeks, words, "Team: week by week", "chart-colours", graded)
    root = parse(c.svg)
    assert "Graded: 3 graded green, 1 graded amber, 0 graded red, 0 not scored." in c.summary
    assert "2 weeks, 2026-07-07 to 2026-07-14" in c.summary
    assert 'fill="url(#chart-colours-amber)"' in c.svg and 'id="chart-colours-red"' in c.svg
    assert [label for _, label in c.legend] == list(words.values())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "7 Jul" in texts and "Grades" in texts


def test_sparkline_against_the_healthy_line():
    k = Kpi("up", "Uptime", unit="%", healthy_above=99.9)
    k.history = [(date(2026, 10, 2) + timedelta(days=7 * i), 99.8 + i / 100) for i in range(15)]
    c = charts.sparkline(k, "chart-kpi-up")
    parse(c.svg)
    assert len(_points(c.svg)) == 12  # the most recent twelve
    assert (
        c.summary.startswith("Last 12 values, 2026-10-23 to 2027-01-08: 99.83%, 99.84%")
        and "Healthy above 99.9%." in c.summary
    )
    assert 'class="chart-target"' in c.svg and len(c.svg) < 1500


# --------------------------------------------------------------------------- history against real builds


def computed(as_of: date):
    config, diags = read_config(SAMPLE_CONFIG)
    assert not [d for d in diags if d.is_error]
    return build(config, as_of, render_pages=False).site


@pytest.fixture(scope="module")
def sample():
    return computed(date(2026, 11, 20))


@pytest.mark.parametrize("earlier", [date(2026, 11, 13), date(2026, 10, 4), date(2026, 9, 30)])
def test_status_on_an_earlier_date_is_what_a_build_on_that_date_says(sample, earlier):
    """history.objective_at(d) == the objective in a site built with as_of = d (statuses,
    colours, progress, scores, stale flags), for every objective whose period has started."""
    then = computed(earlier)
    cfg = sample.config.status
    checked = 0
    for ref, obj in sample.objectives.items():
        period = sample.periods[obj.period]
        if period.start > earlier:
            continue
        cis = [c for c in status.ordered_checkins(sample.checkins) if (c.team, c.period) == (obj.team, obj.period)]
        got = history.objective_at(obj, period, earlier, cis, cfg)
        want = then.objectives[ref]
        assert (got.status, got.colour, got.score, round(got.progress, 9)) == (
            want.status,
            want.colour,
            want.score,
            round(want.progress, 9),
        ), ref
        for a, b in zip(got.key_results, want.key_results):
            assert (a.status, a.colour, a.stale, a.score, a.current, a.progress) == (
                b.status,
                b.colour,
                b.stale,
                b.score,
                b.current,
                b.progress,
            ), a.ref
        checked += 1
    assert checked > 10


def test_the_shortcuts_agree_with_the_full_recompute(sample):
    cfg = sample.config.status
    for obj in sample.objectives.values():
        period = sample.periods[obj.period]
        cis = [c for c in status.ordered_checkins(sample.checkins) if (c.team, c.period) == (obj.team, obj.period)]
        for d in history.week_ends(period, sample.as_of) + [c.date for c in cis]:
            full = history.objective_at(obj, period, d, cis, cfg)
            assert history.objective_progress_at(obj, d) == full.progress
            assert [history.kr_colour_at(kr, period, d, cfg) for kr in obj.key_results] == [
                kr.colour for kr in full.key_results
            ]


def test_colours_at_a_week_end_are_what_a_build_on_that_day_says(sample):
    then = computed(date(2026, 11, 18))
    q4 = sample.periods["2026-Q4"]
    for team in sample.teams:
        objs = [o for o in sample.objectives.values() if (o.team, o.period) == (team, "2026-Q4")]
        if not objs:
            continue
        week = next(
            w
            for w in history.colour_weeks(objs, q4, sample.as_of, sample.config.status)
            if w.date == date(2026, 11, 18)
        )
        assert week.counts == then.teams[team].kr_counts["2026-Q4"], team


def test_history_never_changes_the_site(sample):
    before = export_json(sample)
    cfg = sample.config.status
    for obj in sample.objectives.values():
        period = sample.periods[obj.period]
        history.colour_weeks([obj], period, sample.as_of, cfg)
        history.progress_series(
            obj, period, [c for c in sample.checkins if (c.team, c.period) == (obj.team, obj.period)]
        )
    history.this_week(sample, sorted(sample.teams))
    assert export_json(sample) == before


def test_weeks_end_on_the_as_of_date_and_the_grades_come_last(sample):
    q4, q3 = sample.periods["2026-Q4"], sample.periods["2026-Q3"]
    ends = history.week_ends(q4, date(2026, 11, 20))
    assert ends[0] == date(2026, 10, 7) and ends[-1] == date(2026, 11, 20) and len(ends) == 8
    assert history.week_ends(q4, date(2026, 9, 1)) == []
    objs = [o for o in sample.objectives.values() if (o.team, o.period) == ("platform", "2026-Q3")]
    weeks = history.colour_weeks(objs, q3, sample.as_of, sample.config.status)
    assert weeks[-1].graded and weeks[-1].label == "Grades"
    assert weeks[-2].date == date(2026, 9, 30)
    assert {w.total for w in weeks} == {sum(len(o.key_results) for o in objs)}
    assert weeks[-1].counts == status.colour_counts(kr.colour for o in objs for kr in o.key_results)


def test_this_week(sample):
    week = history.this_week(sample, sorted(sample.teams))
    assert (week.since, week.as_of) == (date(2026, 11, 13), date(2026, 11, 20))
    assert week.checkins and all(date(2026, 11, 13) < c.date <= date(2026, 11, 20) for c in week.checkins)
    assert all(c.counted for c in week.checkins)
    # every change is real: the status or colour a week ago differs from now
    then = computed(date(2026, 11, 13))
    for ch in week.changes:
        old = then.item(ch.ref)
        assert (old.status, old.colour) == (ch.before.status, ch.before.colour) != (ch.now.status, ch.now.colour)
    changed = {ch.ref for ch in week.changes}
    for ref, obj in sample.objectives.items():  # and none is missing
        for item in [obj, *obj.key_results]:
            old = then.item(item.ref)
            if sample.periods[obj.period].start <= date(2026, 11, 20) and (old.status, old.colour) != (
                item.status,
                item.colour,
            ):
                assert item.ref in changed
    # a request for help is new unless the team's previous check-in asked the same
    for h in week.help:
        earlier = [
            c
            for c in status.ordered_checkins(sample.checkins)
            if c.team == h.checkin.team and (c.date, c.name) < (h.checkin.date, h.checkin.name)
        ]
        assert not earlier or h.text not in earlier[-1].help
    assert week.help


def test_odd_numbers_never_break_a_chart():
    huge = kr(
        start=0,
        target=float("inf"),
        updates=[("2026-10-02", {"value": 1e300}), ("2026-10-09", {"value": float("nan")})],
    )
    c = charts.kr_chart(huge, Q4, date(2026, 11, 20), "c")
    assert c is not None
    assert not re.search(r'="[^"]*\b(nan|inf)\b', c.svg)  # no coordinate is not a number
    flat = kr(start=5, target=5.0000001, updates=[("2026-10-02", {"value": 5})])
    parse(charts.kr_chart(flat, Q4, None, "c").svg)
    k = Kpi("k", "K", healthy_below=float("inf"))
    k.history = [(date(2026, 10, 2), 3.0)]  # one value: drawn in the middle
    spark = charts.sparkline(k, "c")
    assert not re.search(r'="[^"]*\b(nan|inf)\b', spark.svg)


def test_memoised_axes_are_the_axes_drawn_afresh():
    """Charts of a period share their axes (``charts._axes`` memoises them): the memo
    gives what drawing them again gives, and tells -0.0 from 0.0 (labels differ)."""
    d0, d1 = date(2026, 10, 1), date(2026, 12, 31)
    huge = charts.nice_ticks(1e16, 1.0000000000000004e16)  # whole numbers beyond a float's precision
    assert all(type(t) is int for t in huge)
    for ticks in (
        [0.0, 0.001, 0.002],
        [-0.0, 0.001, 0.002],
        [0.0, 25.0, 50.0, 75.0, 100.0],
        [-1.5, 0.0, 1.5],
        huge,
        [float(t) for t in huge],
        [0, 10, 20],
        [0.0, 10.0, 20.0],
    ):
        for percent in (False, True):
            frame = charts._Frame(d0, d1, ticks)
            assert frame.axes(percent) == frame.axes(percent) == charts._Frame(d0, d1, list(ticks)).draw_axes(percent)
    assert charts._Frame(d0, d1, [-0.0, 0.001]).axes() != charts._Frame(d0, d1, [0.0, 0.001]).axes()
    assert charts._Frame(d0, d1, huge).axes() != charts._Frame(d0, d1, [float(t) for t in huge]).axes()
