"""What the command-line modules share: the usage error and the date argument."""

from __future__ import annotations

import argparse
from datetime import date

from ..core.fields import parse_date


class UsageError(Exception):
    pass


def as_of_date(text: str) -> date:
    value = parse_date(text)
    if not isinstance(value, date):
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}")
    return value
