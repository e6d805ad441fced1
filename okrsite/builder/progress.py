"""Progress of a long build (edge), on standard error.

On a terminal: one line rewritten in place ("okrsite: rendering 12,345/68,309 pages"),
at most ten times a second, erased when the build is done. Elsewhere (a CI log, a
file): a plain line at most every ``interval`` seconds, the first one only once the
build has taken that long, so quick builds print nothing. ``quiet``: nothing at all.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

TTY_INTERVAL = 0.1
LINES_INTERVAL = 10.0


class Progress:
    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        mode: str = "auto",
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        """``mode``: "tty" (rewrite one line), "lines" (periodic plain lines), "quiet",
        or "auto" (tty when ``stream`` is a terminal, else lines)."""
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            isatty = getattr(self.stream, "isatty", None)
            mode = "tty" if isatty is not None and isatty() else "lines"
        if mode not in ("tty", "lines", "quiet"):
            raise ValueError(f"unknown progress mode {mode!r}")
        self.mode = mode
        self.interval = interval if interval is not None else (TTY_INTERVAL if mode == "tty" else LINES_INTERVAL)
        self.clock = clock
        self.started = clock()
        self.last = self.started if mode == "lines" else self.started - self.interval
        self.what = ""
        self.total: int | None = None
        self.done_count = 0
        self._shown = 0  # width of the line on the terminal
        self.timings: dict[str, float] = {}  # seconds spent in each stage, in order
        self._key: str | None = None
        self._key_started = self.started

    @classmethod
    def quiet(cls) -> "Progress":
        return cls(mode="quiet")

    def stage(self, what: str, total: int | None = None, key: str | None = None) -> None:
        """A new step: ``what`` ("rendering", "reading 64,009 files"), with ``total``
        items to count, or None for a step without counters. Its duration is added to
        ``timings[key or what]``."""
        self._lap(key or what)
        self.what, self.total, self.done_count = what, total, 0
        self._show(force=self.mode == "tty")

    def update(self, done: int) -> None:
        """``done`` items of the current step are finished (cheap: call it often)."""
        self.done_count = done
        self._show()

    def text(self) -> str:
        if self.total is None:
            return f"okrsite: {self.what}"
        line = f"okrsite: {self.what} {self.done_count:,}/{self.total:,}"
        if self.mode == "lines" and self.total:
            line += f" ({100 * self.done_count // self.total}%)"
        return line

    def _show(self, force: bool = False) -> None:
        if self.mode == "quiet":
            return
        now = self.clock()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        text = self.text()
        try:
            if self.mode == "tty":
                pad = max(0, self._shown - len(text))
                self.stream.write("\r" + text + " " * pad)
                self._shown = len(text)
            else:
                self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stream must not fail the build
            self.mode = "quiet"

    def _lap(self, key: str | None) -> None:
        now = self.clock()
        if self._key is not None:
            self.timings[self._key] = self.timings.get(self._key, 0.0) + now - self._key_started
        self._key, self._key_started = key, now

    def finish(self) -> None:
        """Erase the line on a terminal (the summary follows); end the last stage."""
        self._lap(None)
        if self.mode == "tty" and self._shown:
            try:
                self.stream.write("\r" + " " * self._shown + "\r")
                self.stream.flush()
            except (OSError, ValueError):
                pass
            self._shown = 0
