"""Reading typed values out of a front-matter mapping, reporting every problem at the
line of the offending key or value. Pure: works on parsed data and a Diagnostics list."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from datetime import date
from typing import Literal, overload

from .diagnostics import Diagnostics, unknown_key_message
from .parse import LineDict, LineList, type_name
from .urls import MAX_NAME_LENGTH, slugify, windows_reserved

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")  # \Z: "$" would accept a final newline
PERIOD_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*\Z")
DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\Z")

MISSING = object()


# Dates are years 1900 to 2999: far from the ends of Python's calendar (1 to 9999), so
# that no "a week before" or "a month after" anywhere can leave it.
MIN_YEAR, MAX_YEAR = 1900, 2999


def parse_date(value: object) -> date | None | str:
    """A date from YAML text, or an error message (str), or None for a non-date."""
    if isinstance(value, date):
        return (
            value
            if MIN_YEAR <= value.year <= MAX_YEAR
            else f"date {value} out of range (years {MIN_YEAR} to {MAX_YEAR})"
        )
    if not isinstance(value, str):
        return None
    m = DATE_RE.match(value.strip())
    if not m:
        return None
    try:
        d = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return f"impossible date '{value.strip()}'"
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        return f"date {d} out of range (years {MIN_YEAR} to {MAX_YEAR})"
    return d


def parse_fraction(value: object) -> float | None:
    """0–1 number, or a percent string like "70%" -> 0.7. None when not of that form."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if is_number(value) else None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            try:
                number = float(text[:-1].strip())
            except ValueError:
                return None
            return number / 100 if math.isfinite(number) else None
    return None


# Numbers in content are at most 10^15 in size: beyond 2^53 (about 9 * 10^15) a float
# cannot even hold every whole number, and progress from a baseline would be wrong.
MAX_MAGNITUDE = 10**15


def is_number(value: object) -> bool:
    """A finite int or float (not a bool) within +-MAX_MAGNITUDE."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and (isinstance(value, int) or math.isfinite(value))
        and -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE
    )


def number_problem(value: object) -> str:
    """Why ``value`` is not a number content may use: '' when it is one."""
    if is_number(value):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return f"a finite number, not {value}"
        return f"at most 10^15 in size (use a larger unit), not {value:.3g}"
    return ""


class Reader:
    """Typed access to one mapping of one file. Unknown keys are warned about at once."""

    def __init__(
        self, diags: Diagnostics, path: str, mapping: LineDict, known: Collection[str], what: str = ""
    ) -> None:
        self.diags = diags
        self.path = path
        self.m = mapping
        self.what = what
        for key in mapping:
            if key not in known:
                self.diags.warning(
                    path, mapping.line_of(key), unknown_key_message(key, known) + (f" in {what}" if what else "")
                )

    # -- positions ---------------------------------------------------------------------
    def line(self, key: str) -> int:
        return self.m.line_of(key)

    def value_line(self, key: str) -> int:
        return self.m.value_lines.get(key, self.line(key))

    def has(self, key: str) -> bool:
        return key in self.m and self.m[key] is not None

    def _missing(self, key: str, required: bool) -> bool:
        if key not in self.m or self.m[key] is None:
            if required:
                self.diags.error(
                    self.path, self.m.line, f"missing required key '{key}'" + (f" in {self.what}" if self.what else "")
                )
            return True
        return False

    def _wrong(self, key: str, expected: str) -> None:
        self.diags.error(self.path, self.line(key), f"'{key}' must be {expected}, not {type_name(self.m[key])}")

    # -- scalars -----------------------------------------------------------------------
    @overload
    def text(self, key: str, required: Literal[False] = False, default: str = "") -> str: ...
    @overload
    def text(self, key: str, required: bool = False, default: str | None = "") -> str | None: ...

    def text(self, key: str, required: bool = False, default: str | None = "") -> str | None:
        """Text (a number is taken as its text). Missing: None when ``required``
        (reported), else ``default``."""
        if self._missing(key, required):
            return None if required else default
        value = self.m[key]
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            self._wrong(key, "text")
            return None if required else default
        if isinstance(value, (int, float)):
            return str(value)  # a number where text is expected is harmless
        value = str(value).strip()
        if required and not value:
            self.diags.error(self.path, self.line(key), f"'{key}' must not be empty")
            return None
        return value

    @overload
    def number(self, key: str, required: bool = False, *, default: float, positive: bool = False) -> float: ...
    @overload
    def number(
        self, key: str, required: bool = False, default: None = None, positive: bool = False
    ) -> float | None: ...

    def number(
        self, key: str, required: bool = False, default: float | None = None, positive: bool = False
    ) -> float | None:
        if self._missing(key, required):
            return default
        value: float = self.m[key]
        if not is_number(value):
            if problem := number_problem(value):
                self.diags.error(self.path, self.line(key), f"'{key}' must be {problem}")
            else:
                self._wrong(key, "a number")
            return default
        if positive and value <= 0:
            self.diags.error(self.path, self.line(key), f"'{key}' must be greater than 0, not {value}")
            return default
        return value

    def integer(self, key: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
        if self._missing(key, False):
            return default
        value = self.m[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(key, "a whole number")
            return default
        if value < minimum:
            self.diags.error(self.path, self.line(key), f"'{key}' must be at least {minimum}, not {value}")
            return default
        if maximum is not None and value > maximum:
            shown = f"{value:,}" if value < 10**30 else "a number that large"
            self.diags.error(self.path, self.line(key), f"'{key}' must be at most {maximum:,}, not {shown}")
            return default
        return value

    def fraction(self, key: str, default: float | None = None) -> float | None:
        """A 0–1 number or a percent string."""
        if self._missing(key, False):
            return default
        value = parse_fraction(self.m[key])
        if value is None:
            self.diags.error(
                self.path,
                self.line(key),
                f"'{key}' must be a number from 0 to 1 or a percentage like \"70%\", not {self.m[key]!r}",
            )
            return default
        if not 0 <= value <= 1:
            self.diags.error(
                self.path, self.line(key), f"'{key}' must be between 0 and 1 (0% and 100%), not {self.m[key]!r}"
            )
            return default
        return value

    @overload
    def boolean(self, key: str, default: bool) -> bool: ...
    @overload
    def boolean(self, key: str, default: None = None) -> bool | None: ...

    def boolean(self, key: str, default: bool | None = None) -> bool | None:
        if self._missing(key, False):
            return default
        value = self.m[key]
        if not isinstance(value, bool):
            self._wrong(key, "true or false")
            return default
        return value

    def date(self, key: str, required: bool = False) -> date | None:
        if self._missing(key, required):
            return None
        result = parse_date(self.m[key])
        if result is None:
            self.diags.error(self.path, self.line(key), f"'{key}' must be a date like 2026-11-20, not {self.m[key]!r}")
            return None
        if isinstance(result, str):
            self.diags.error(self.path, self.line(key), result)
            return None
        return result

    @overload
    def choice(self, key: str, choices: Sequence[str], default: str, what: str = "value") -> str: ...
    @overload
    def choice(self, key: str, choices: Sequence[str], default: None = None, what: str = "value") -> str | None: ...

    def choice(self, key: str, choices: Sequence[str], default: str | None = None, what: str = "value") -> str | None:
        if self._missing(key, False):
            return default
        value = self.m[key]
        if not isinstance(value, str) or value not in choices:
            self.diags.error(
                self.path, self.line(key), f"unknown {what} {value!r} for '{key}': use one of {', '.join(choices)}"
            )
            return default
        return value

    def person(self, key: str) -> str:
        """A person's name (text), which names their page: see ``check_person``."""
        name = self.text(key)
        if name:
            check_person(self.diags, self.path, self.line(key), name, key)
        return name

    # -- lists -------------------------------------------------------------------------
    def people(self, key: str) -> list[str]:
        """A list of people's names (``person``)."""
        names = self.text_list(key)
        for name, line in names:
            check_person(self.diags, self.path, line, name, key)
        return [name for name, _ in names]

    def text_list(self, key: str, one_allowed: bool = False) -> list[tuple[str, int]]:
        """A list of strings as (value, line). ``one_allowed``: a single string is a list of one."""
        if self._missing(key, False):
            return []
        value = self.m[key]
        if isinstance(value, str) and one_allowed:
            return [(value.strip(), self.value_line(key))] if value.strip() else []
        if not isinstance(value, LineList):
            self._wrong(key, "a list" + (" or a single value" if one_allowed else ""))
            return []
        out = []
        for item, line in zip(value, value.item_lines):
            if isinstance(item, bool) or isinstance(item, (dict, list)) or item is None:
                self.diags.error(self.path, line, f"each item of '{key}' must be text, not {type_name(item)}")
                continue
            text = str(item).strip()
            if text:
                out.append((text, line))
        return out

    def mapping_list(self, key: str, required: bool = False) -> list[LineDict]:
        """A list of mappings; non-mapping items are reported and skipped."""
        if self._missing(key, required):
            return []
        value = self.m[key]
        if not isinstance(value, LineList):
            self._wrong(key, "a list")
            return []
        out = []
        for item, line in zip(value, value.item_lines):
            if not isinstance(item, LineDict):
                self.diags.error(
                    self.path, line, f"each item of '{key}' must be a mapping of keys to values, not {type_name(item)}"
                )
                continue
            out.append(item)
        return out

    def mapping(self, key: str) -> LineDict | None:
        if self._missing(key, False):
            return None
        value = self.m[key]
        if not isinstance(value, LineDict):
            self._wrong(key, "a mapping of keys to values")
            return None
        return value


def check_id(diags: Diagnostics, path: str, line: int, value: str, what: str, regex: re.Pattern[str] = ID_RE) -> bool:
    if not isinstance(value, str) or not regex.match(value):
        hint = (
            "lower-case letters, digits and '-', starting with a letter or digit"
            if regex is ID_RE
            else "letters, digits and '-'"
        )
        diags.error(path, line, f"invalid {what} id {value!r}: use {hint}")
        return False
    return check_file_name(diags, path, line, value, f"{what} id")


def is_id(value: str, regex: re.Pattern[str] = ID_RE) -> bool:
    """Whether ``check_id`` takes ``value`` (without a diagnostic)."""
    return check_id(Diagnostics(), "", 1, value, "", regex)


def check_file_name(diags: Diagnostics, path: str, line: int, value: str, what: str) -> bool:
    """An id names a folder or a file of the site (and of the content): at most
    MAX_NAME_LENGTH characters, and none Windows keeps for a device."""
    if len(value) > MAX_NAME_LENGTH:
        diags.error(
            path,
            line,
            f"{what} '{value[:20]}...' is {len(value):,} characters long: "
            f"ids are at most {MAX_NAME_LENGTH} (they name folders and pages of the site)",
        )
        return False
    if windows_reserved(value):
        diags.error(
            path,
            line,
            f"{what} '{value}' is a device name on Windows (CON, PRN, AUX, NUL, COM0-9, LPT0-9): "
            "no file or folder can have it there; choose another",
        )
        return False
    return True


def check_person(diags: Diagnostics, path: str, line: int, name: str, key: str) -> bool:
    """A person's name gives their page's folder (``urls.slugify``): at most
    MAX_NAME_LENGTH characters there."""
    slug = slugify(name)
    if len(slug) > MAX_NAME_LENGTH:
        diags.error(
            path,
            line,
            f"the name in '{key}' is too long: its person page would be named with "
            f"{len(slug):,} characters, and page names are at most {MAX_NAME_LENGTH}; shorten it",
        )
        return False
    return True
