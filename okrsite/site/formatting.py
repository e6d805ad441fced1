"""Numbers as the site shows them: plain text, no HTML (pure)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache


@lru_cache(maxsize=65536, typed=True)  # pure, and the same values recur on every page
def fmt_number(x: float | int | None) -> str:
    """450.0 -> '450', 0.125 -> '0.13', 2400 -> '2,400', None -> '—'. At most two
    decimals, no trailing zeros, thousands separated by commas."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    f = float(x)
    if not math.isfinite(f):
        return str(f)
    # half up on the shortest decimal form (0.125 -> 0.13, 2.675 -> 2.68)
    if abs(f) >= 1e15:  # beyond two-decimal precision anyway
        return f"{f:,.0f}"
    d = Decimal(repr(f)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{d:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_quantity(x: float | int | None, unit: str = "") -> str:
    """A number with its unit: '320 ms', '45%', '—' when unknown."""
    if x is None:
        return "—"
    text = fmt_number(x)
    unit = (unit or "").strip()
    if not unit:
        return text
    if unit in ("%", "‰", "°"):
        return f"{text}{unit}"
    return f"{text}\u00a0{unit}"


@lru_cache(maxsize=65536, typed=True)
def _whole_percent(p: float) -> int:
    # half away from zero on the value rounded to 6 places (0.285 -> 29, not 28)
    v = Decimal(repr(round(float(p) * 100, 6)))
    return int(v.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fmt_percent(p: float | None) -> str:
    """Progress / score / confidence 0..1 as whole percent; not clamped (2.27 -> '227%')."""
    if p is None:
        return "—"
    if not math.isfinite(float(p)):
        return "—"
    return f"{_whole_percent(p)}%"
