"""Collecting problems: every problem is reported, in one run, as
``PATH:LINE: SEVERITY: MESSAGE``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .model import Diagnostic


class Diagnostics:
    """An append-only list of diagnostics, passed explicitly to each step."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, path: str, line: int, message: str) -> None:
        self.items.append(Diagnostic(path, max(1, int(line)), "error", message))

    def warning(self, path: str, line: int, message: str) -> None:
        self.items.append(Diagnostic(path, max(1, int(line)), "warning", message))

    def add(self, path: str, line: int, severity: str, message: str) -> None:
        self.items.append(Diagnostic(path, max(1, int(line)), severity, message))

    def extend(self, items: Iterable[Diagnostic]) -> None:
        self.items.extend(items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        """Stable order for output: by path, line, then as found."""
        seen = set()
        out = []
        for d in sorted(self.items, key=lambda d: (d.path, d.line)):
            if d not in seen:
                seen.add(d)
                out.append(d)
        return out


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' or ''."""
    matches = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def unknown_key_message(key: object, choices: Iterable[str]) -> str:
    return f"unknown key '{key}'{did_you_mean(key, choices)}"
