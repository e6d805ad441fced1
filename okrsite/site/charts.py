"""Charts as inline SVG, drawn at build time: no chart library and no JavaScript in the
browser.

Pure functions from model data to SVG text (no I/O, no clocks, no counters): the same
data always gives the same bytes. Coordinates have one decimal at most. Every chart is
``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>`` (ids derived
from the caller's ``chart_id``, itself derived from refs), and the page shows the numbers
in text nearby. Colours come from CSS classes (``chart-*``, ``fill-<colour>``), so the
dark scheme and print styles apply; there is no ``style=`` anywhere. Every text from
content is XML-escaped here; callers may mark the result safe as it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from html import escape
from typing import Sequence

from ..core.model import COLOUR_ORDER, KeyResult, Kpi, Period
from ..core.status import expected_progress
from .formatting import fmt_number, fmt_percent, fmt_quantity

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# size of a line chart (viewBox units; the SVG scales to its container's width)
W, H = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 10, 22


@dataclass(frozen=True)
class Chart:
    """An SVG chart and its text alternative (the same words as its ``<desc>``)."""

    svg: str
    title: str
    summary: str
    legend: tuple[tuple[str, str], ...] = ()  # (key class, words) of what is drawn

    def __html__(self) -> str:  # Jinja/MarkupSafe: the SVG is already escaped
        return self.svg


# --------------------------------------------------------------------------- helpers


def _x(v: float) -> str:
    """A coordinate with at most one decimal: 12.0 -> '12', 3.25 -> '3.3'."""
    text = f"{v:.1f}"
    if text[-1] != "0":  # one decimal always follows the point ('inf' and 'nan' have none)
        return text
    text = text[:-2]
    return "0" if text == "-0" else text


def _esc(text: str) -> str:
    return escape(str(text), quote=True)


def _safe_id(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)


def short_date(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]}"


def _open_svg(chart_id: str, cls: str, title: str, summary: str, w: int = W, h: int = H) -> str:
    cid = _safe_id(chart_id)
    return (
        f'<svg class="chart {cls}" viewBox="0 0 {w} {h}" role="img" '
        f'aria-labelledby="{cid}-t" aria-describedby="{cid}-d">'
        f'<title id="{cid}-t">{_esc(title)}</title><desc id="{cid}-d">{_esc(summary)}</desc>'
    )


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten apart) covering lo..hi:
    at most ``count`` steps."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    n = int(round((last - first) / step))
    return [round(first + i * step, 10) for i in range(n + 1)]


def _tick_label(v: float, step: float) -> str:
    """A tick value with as many decimals as the step between ticks needs."""
    exponent = Decimal(repr(round(step, 10))).normalize().as_tuple().exponent if step > 0 else 0
    decimals = max(0, -int(exponent))
    if decimals <= 2:
        return fmt_number(v)
    return f"{v:,.{decimals}f}"


class _Frame:
    """Maps dates and values to the plot area of a line chart."""

    def __init__(self, d0: date, d1: date, ticks: list[float], w: int = W, h: int = H):
        self.d0, self.d1 = d0, d1
        self.days = max((d1 - d0).days, 1)
        self.ticks = ticks
        self.lo, self.hi = ticks[0], ticks[-1]
        self.w, self.h = w, h
        self.pw, self.ph = w - LEFT - RIGHT, h - TOP - BOTTOM

    def x(self, d: date) -> float:
        return LEFT + (d - self.d0).days / self.days * self.pw

    def y(self, v: float) -> float:
        span = self.hi - self.lo or 1.0
        v = min(max(v, self.lo), self.hi)
        return TOP + (self.hi - v) / span * self.ph

    def axes(self, percent: bool = False) -> str:
        """Horizontal grid lines with their values, and month ticks along the bottom."""
        ticks = tuple(self.ticks)
        return _axes(self.d0, self.d1, ticks, tuple(map(repr, ticks)), self.w, self.h, percent)

    def draw_axes(self, percent: bool) -> str:
        step = self.ticks[1] - self.ticks[0] if len(self.ticks) > 1 else 1.0
        grid = "".join(f"M{LEFT} {_x(self.y(t))}H{self.w - RIGHT}" for t in self.ticks)
        parts = [f'<path class="chart-grid" d="{grid}"/>']
        for t in self.ticks:
            label = f"{fmt_number(t)}%" if percent else _tick_label(t, step)
            parts.append(
                f'<text class="chart-label" x="{LEFT - 4}" y="{_x(self.y(t) + 3.5)}" text-anchor="end">{_esc(label)}</text>'
            )
        parts.append(self.month_ticks())
        return "".join(parts)

    def month_ticks(self) -> str:
        firsts = []
        d = date(self.d0.year, self.d0.month, 1)
        while d <= self.d1:
            if d >= self.d0:
                firsts.append(d)
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        if len(firsts) > 6:
            firsts = [f for f in firsts if f.month in (1, 4, 7, 10)]
        if not firsts:
            firsts = [self.d0]
        base = self.h - BOTTOM
        ticks = "".join(f"M{_x(self.x(f))} {base}v4" for f in firsts)
        out = [f'<path class="chart-axis" d="M{LEFT} {base}H{self.w - RIGHT}{ticks}"/>']
        for f in firsts:
            out.append(
                f'<text class="chart-label" x="{_x(self.x(f))}" y="{base + 15}" text-anchor="middle">{MONTHS[f.month - 1]}</text>'
            )
        return "".join(out)


@lru_cache(maxsize=4096)  # the charts of a period share their axes
def _axes(d0: date, d1: date, ticks: tuple, reprs: tuple, w: int, h: int, percent: bool) -> str:
    """``_Frame.axes``. ``reprs`` (the ticks' reprs) keeps apart ticks that compare
    equal but are written differently: 0.0 and -0.0, 10 and 10.0."""
    return _Frame(d0, d1, list(ticks), w, h).draw_axes(percent)


def _coords(pts: Sequence[tuple[float, float]]) -> list[tuple[str, str]]:
    """Points written as coordinates, once for both the line and its dots."""
    return [(_x(x), _x(y)) for x, y in pts]


def _polyline(cls: str, coords: Sequence[tuple[str, str]]) -> str:
    if len(coords) == 1:
        return ""
    return f'<polyline class="{cls}" points="{" ".join(f"{x},{y}" for x, y in coords)}"/>'


def _dots(cls: str, coords: Sequence[tuple[str, str]], r: float = 3) -> str:
    radius = _x(r)
    return "".join(f'<circle class="{cls}" cx="{x}" cy="{y}" r="{radius}"/>' for x, y in coords)


def _asof_line(frame: _Frame, as_of: date | None) -> str:
    if as_of is None or not (frame.d0 <= as_of <= frame.d1):
        return ""
    return f'<path class="chart-asof" d="M{_x(frame.x(as_of))} {TOP}V{frame.h - BOTTOM}"/>'


# --------------------------------------------------------------------------- key results


def kr_points(kr: KeyResult) -> list[tuple[date, float]]:
    """(date, y) per counted update that moves the key result: its value, or for a
    milestone its progress in percent (done = 100)."""
    pts: list[tuple[date, float]] = []
    for u in kr.updates:
        if kr.type == "milestone":
            if u.done:
                pts.append((u.date, 100.0))
            elif u.progress is not None:
                pts.append((u.date, float(u.progress) * 100))
            elif u.done is False:
                pts.append((u.date, 0.0))
        elif u.value is not None:
            pts.append((u.date, float(u.value)))
    return [(d, v) for d, v in pts if math.isfinite(v)]


def kr_chart(kr: KeyResult, period: Period, as_of: date | None, chart_id: str) -> Chart | None:
    """A key result over its period: the value at each check-in, the target line and,
    for metrics and milestones, the expected pace from (start, start value) to
    (end, target). Milestones are plotted as progress 0-100%; stay_above / stay_below
    show the line to hold. None when no update gives a value yet."""
    pts = kr_points(kr)
    if not pts:
        return None
    milestone = kr.type == "milestone"
    unit = "%" if milestone else kr.unit
    start_value = 0.0 if milestone else (kr.start if kr.start is not None else 0.0)
    target = 100.0 if milestone else kr.target
    pace = kr.type in ("metric", "milestone") and target is not None
    values = [v for _, v in pts]
    domain = values + ([target] if target is not None else []) + ([start_value] if pace else [])
    if milestone:
        domain += [0.0, 100.0]
    ticks = nice_ticks(min(domain), max(domain))
    d0 = min(period.start, pts[0][0])
    d1 = max(period.end, pts[-1][0])
    f = _Frame(d0, d1, ticks)

    def q(v: float | None) -> str:
        return fmt_quantity(v, unit)

    first_d, first_v = pts[0]
    last_d, last_v = pts[-1]
    n = len(pts)
    what = "progress" if milestone else "value"
    summary = f"{TYPE_PHRASE.get(kr.type, 'Value')} at {n} check-in{'s' if n != 1 else ''}" + (
        f", from {q(first_v)} on {first_d.isoformat()} to {q(last_v)} on {last_d.isoformat()}."
        if n > 1
        else f": {q(last_v)} on {last_d.isoformat()}."
    )
    if kr.type == "stay_above":
        summary += f" The line to hold: stay above {q(target)}; lowest {q(min(values))}."
    elif kr.type == "stay_below":
        summary += f" The line to hold: stay below {q(target)}; highest {q(max(values))}."
    elif pace and target is not None:
        expected = start_value + _expected(last_d, period) * (target - start_value)
        if milestone:
            summary += f" Expected by pace on {last_d.isoformat()}: {q(expected)}."
        else:
            summary += (
                f" Start {q(start_value)}, target {q(target)}; expected by pace on {last_d.isoformat()}: {q(expected)}."
            )
    title = f"{kr.title}: {what} over {period.label or period.id}"

    parts = [_open_svg(chart_id, "chart-kr", title, summary), f.axes(percent=milestone)]
    if target is not None:
        ty = f.y(target)
        parts.append(f'<path class="chart-target" d="M{LEFT} {_x(ty)}H{W - RIGHT}"/>')
        label = (
            "stay above " if kr.type == "stay_above" else "stay below " if kr.type == "stay_below" else "target "
        ) + q(target)
        # the label sits on the side of the line with more room; metrics and milestones
        # start far from their target, so on the left it crosses neither line
        ly = ty - 4 if ty > TOP + f.ph / 2 else ty + 12
        if pace:
            parts.append(f'<text class="chart-note" x="{LEFT + 4}" y="{_x(ly)}">{_esc(label)}</text>')
        else:
            parts.append(
                f'<text class="chart-note" x="{W - RIGHT - 2}" y="{_x(ly)}" text-anchor="end">{_esc(label)}</text>'
            )
    if pace and target is not None:
        parts.append(
            f'<path class="chart-pace" d="M{_x(f.x(period.start))} {_x(f.y(start_value))}'
            f'L{_x(f.x(period.end))} {_x(f.y(target))}"/>'
        )
    asof = _asof_line(f, as_of)
    parts.append(asof)
    xy = _coords([(f.x(d), f.y(v)) for d, v in pts])
    parts.append(_polyline("chart-value", xy))
    parts.append(_dots("chart-point", xy))
    parts.append("</svg>")
    legend = [("value", "Reported progress" if milestone else "Reported value")]
    if pace:
        legend.append(("pace", "Expected pace"))
    if target is not None:
        legend.append(("target", "Line to hold" if kr.type in ("stay_above", "stay_below") else "Target"))
    if asof:
        legend.append(("asof", "As-of date"))
    return Chart("".join(parts), title, summary, tuple(legend))


TYPE_PHRASE = {
    "metric": "Value",
    "milestone": "Progress",
    "stay_above": "Value",
    "stay_below": "Value",
}


def _expected(d: date, period: Period) -> float:
    return expected_progress(d, period)


# --------------------------------------------------------------------------- objectives


def progress_chart(
    points: Sequence[tuple[date, float]], period: Period, as_of: date | None, title: str, chart_id: str
) -> Chart | None:
    """An objective's progress (0-100%) at each check-in against the expected diagonal
    from 0% at the period's start to 100% at its end."""
    if not points:
        return None
    pts = [(d, max(0.0, min(1.0, p)) * 100) for d, p in points]
    d0 = min(period.start, pts[0][0])
    d1 = max(period.end, pts[-1][0])
    f = _Frame(d0, d1, [0.0, 25.0, 50.0, 75.0, 100.0])
    last_d, last_p = points[-1]
    n = len(pts)
    summary = (
        f"Progress at {n} check-in{'s' if n != 1 else ''}"
        + (
            f", from {fmt_percent(points[0][1])} on {points[0][0].isoformat()} to {fmt_percent(last_p)} on {last_d.isoformat()}."
            if n > 1
            else f": {fmt_percent(last_p)} on {last_d.isoformat()}."
        )
        + f" Expected on {last_d.isoformat()}: {fmt_percent(_expected(last_d, period))}."
    )
    parts = [_open_svg(chart_id, "chart-objective", title, summary), f.axes(percent=True)]
    parts.append(
        f'<path class="chart-pace" d="M{_x(f.x(period.start))} {_x(f.y(0))}L{_x(f.x(period.end))} {_x(f.y(100))}"/>'
    )
    asof = _asof_line(f, as_of)
    parts.append(asof)
    xy = _coords([(f.x(d), f.y(v)) for d, v in pts])
    parts.append(_polyline("chart-value", xy))
    parts.append(_dots("chart-point", xy))
    parts.append("</svg>")
    legend = (("value", "Progress"), ("pace", "Expected")) + ((("asof", "As-of date"),) if asof else ())
    return Chart("".join(parts), title, summary, legend)


# --------------------------------------------------------------------------- colour distribution

BAR_H = 150


def distribution_chart(
    weeks: Sequence[tuple[str, dict[str, int]]],
    words: dict[str, str],
    title: str,
    chart_id: str,
    graded_words: dict[str, str] | None = None,
) -> Chart | None:
    """A stacked bar per week: how many key results had each colour (green at the
    bottom, then amber, red, grey). ``weeks``: (label, counts); a label that is not a
    date ("Grades") is the final graded column, described with ``graded_words``."""
    if not weeks:
        return None
    top = max(sum(c.values()) for _, c in weeks) or 1
    ticks = nice_ticks(0, top, 4)
    if ticks[0] < 0:
        ticks = [t for t in ticks if t >= 0]
    ticks = [t for t in ticks if t == int(t)] or [0.0, float(top)]
    hi = ticks[-1]
    pw, ph = W - LEFT - RIGHT, BAR_H - TOP - BOTTOM
    n = len(weeks)
    slot = pw / n
    bw = max(min(slot * 0.7, 24.0), 1.0)

    def y(v: float) -> float:
        return TOP + (hi - v) / hi * ph

    last_label, last_counts = weeks[-1]
    wd = graded_words if (graded_words and not _is_date(last_label)) else words
    now = ", ".join(f"{last_counts.get(c, 0)} {wd[c].lower()}" for c in COLOUR_ORDER)
    dated = [label for label, _ in weeks if _is_date(label)]
    summary = f"Key results by status at the end of each of {len(dated)} week{'s' if len(dated) != 1 else ''}"
    if dated:
        summary += f", {dated[0]} to {dated[-1]}"
    summary += f". {'Graded' if wd is graded_words else 'Latest'}: {now}."

    grid = "".join(f"M{LEFT} {_x(y(t))}H{W - RIGHT}" for t in ticks)
    cid = _safe_id(chart_id)
    parts = [_open_svg(chart_id, "chart-colours", title, summary, W, BAR_H), f'<path class="chart-grid" d="{grid}"/>']
    # amber and red bars are also hatched, so that colour is not the only difference
    parts.append(
        f'<defs><pattern id="{cid}-amber" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect class="fill-amber" width="6" height="6"/>'
        f'<path class="hatch" d="M0 0V6"/></pattern>'
        f'<pattern id="{cid}-red" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect class="fill-red" width="6" height="6"/><path class="hatch" d="M0 3H6M3 0V6"/></pattern></defs>'
    )
    for t in ticks:
        parts.append(
            f'<text class="chart-label" x="{LEFT - 4}" y="{_x(y(t) + 3.5)}" text-anchor="end">{fmt_number(t)}</text>'
        )
    for colour in COLOUR_ORDER:
        rects = []
        for i, (_, counts) in enumerate(weeks):
            below = sum(counts.get(c, 0) for c in COLOUR_ORDER[: COLOUR_ORDER.index(colour)])
            k = counts.get(colour, 0)
            if not k:
                continue
            x = LEFT + i * slot + (slot - bw) / 2
            y1 = y(below + k)
            rects.append(f"M{_x(x)} {_x(y1)}h{_x(bw)}v{_x(y(below) - y1)}h{_x(-bw)}z")
        if rects:
            paint = (
                f'class="bars" fill="url(#{cid}-{colour})"' if colour in ("amber", "red") else f'class="fill-{colour}"'
            )
            parts.append(f'<path {paint} d="{"".join(rects)}"/>')
    base = BAR_H - BOTTOM
    parts.append(f'<path class="chart-axis" d="M{LEFT} {base}H{W - RIGHT}"/>')
    # date labels under the first, middle and last bars
    for i in sorted({0, (n - 1) // 2, n - 1}):
        label = weeks[i][0]
        text = short_date(date.fromisoformat(label)) if _is_date(label) else label
        anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
        x = LEFT + i * slot + (slot - bw) / 2 + (0 if anchor == "start" else bw if anchor == "end" else bw / 2)
        parts.append(
            f'<text class="chart-label" x="{_x(x)}" y="{base + 15}" text-anchor="{anchor}">{_esc(text)}</text>'
        )
    parts.append("</svg>")
    legend = tuple((f"fill-{c}", words[c]) for c in COLOUR_ORDER)
    return Chart("".join(parts), title, summary, legend)


def _is_date(label: str) -> bool:
    try:
        date.fromisoformat(label)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- KPIs

SPARK_W, SPARK_H, SPARK_PAD = 120, 32, 4


def kpi_values(kpi: Kpi, count: int = 12) -> list[tuple[date, float]]:
    """The KPI's most recent values (at most ``count``), oldest first."""
    return list(kpi.history[-count:])


def sparkline(kpi: Kpi, chart_id: str, count: int = 12) -> Chart | None:
    """A KPI's recent values against its healthy line (dashed)."""
    pts = [(d, v) for d, v in kpi_values(kpi, count) if math.isfinite(v)]
    if not pts:
        return None
    line = kpi.healthy_above if kpi.healthy_above is not None else kpi.healthy_below
    if line is not None and not math.isfinite(line):
        line = None
    values = [v for _, v in pts]
    lo = min(values + ([line] if line is not None else []))
    hi = max(values + ([line] if line is not None else []))
    if hi == lo:
        pad = abs(lo) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    d0, d1 = pts[0][0], pts[-1][0]
    days = max((d1 - d0).days, 1)
    iw, ih = SPARK_W - 2 * SPARK_PAD, SPARK_H - 2 * SPARK_PAD

    def x(d: date) -> float:
        return SPARK_PAD + ((d - d0).days / days * iw if d1 > d0 else iw / 2)

    def y(v: float) -> float:
        return SPARK_PAD + (hi - v) / (hi - lo) * ih

    n = len(pts)
    q = lambda v: fmt_quantity(v, kpi.unit)  # noqa: E731
    summary = (
        f"{'Last ' + str(n) + ' values' if n > 1 else 'One value'}"
        + (f", {d0.isoformat()} to {d1.isoformat()}: " if n > 1 else f", {d0.isoformat()}: ")
        + ", ".join(q(v) for v in values)
        + "."
    )
    if kpi.healthy_above is not None:
        summary += f" Healthy above {q(kpi.healthy_above)}."
    elif kpi.healthy_below is not None:
        summary += f" Healthy below {q(kpi.healthy_below)}."
    title = f"{kpi.name}: recent values"
    parts = [_open_svg(chart_id, "chart-spark", title, summary, SPARK_W, SPARK_H)]
    if line is not None:
        parts.append(f'<path class="chart-target" d="M0 {_x(y(line))}H{SPARK_W}"/>')
    xy = _coords([(x(d), y(v)) for d, v in pts])
    parts.append(_polyline("chart-value", xy))
    parts.append(_dots("chart-point", xy[-1:], 2.5))
    parts.append("</svg>")
    return Chart("".join(parts), title, summary)  # no key: it sits in a table with its numbers


__all__ = [
    "Chart",
    "kr_chart",
    "progress_chart",
    "distribution_chart",
    "sparkline",
    "nice_ticks",
    "kr_points",
    "kpi_values",
    "short_date",
]
