"""Watching the site's files: which events matter, what a batch of them requires, and
the debounce between a burst of saves and the rebuild.

:class:`Watcher` runs watchdog's observer over the folders of :class:`Roots` and puts
every event that is not noise on a :class:`ChangeQueue`; the server's build worker takes
batches from the queue and turns each into a :class:`Plan` (:func:`make_plan`): the least
work that is correct. Nothing here builds or serves.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

DEBOUNCE_SECONDS = 0.1
# after a file is closed having been written (the editor has finished saving it), a
# shorter quiet period: the save is complete, so the preview need not wait the full delay
SETTLE_SECONDS = 0.02
MAX_WAIT_SECONDS = 2.0  # a never-ending stream of events still rebuilds this often


@dataclass(frozen=True)
class Event:
    """One file-system event, as the watcher saw it (paths absolute)."""

    type: str  # created, modified, deleted, moved, closed, attrib, opened, closed_no_write
    path: str
    is_dir: bool = False
    dest: str | None = None  # for moved

    @classmethod
    def from_watchdog(cls, event) -> "Event":
        def text(p):
            return os.fsdecode(p) if p is not None else None

        dest = text(getattr(event, "dest_path", None)) or None
        return cls(event.event_type, text(event.src_path), bool(event.is_directory), dest)


@dataclass
class Roots:
    """What is watched, and how a path in each place is classified."""

    config_file: Path
    content: Path | None
    output: Path | None
    themes: list[Path] = field(default_factory=list)

    @property
    def config_dir(self) -> Path:
        return self.config_file.parent

    def watch_list(self) -> list[tuple[Path, bool]]:
        """(folder, recursive) to watch; only folders that exist."""
        out: list[tuple[Path, bool]] = [(self.config_dir, False)]
        if self.content is not None and self.content.is_dir():
            out.append((self.content, True))
        for t in self.themes:
            if t.is_dir():
                out.append((t, True))
        return out


TEMP_SUFFIXES = (
    "~",
    ".swp",
    ".swx",
    ".swo",
    ".swn",
    ".tmp",
    ".bak",
    ".orig",
    ".crdownload",
    "___jb_tmp___",
    "___jb_old___",
    ".part",
)


def is_ignored_name(name: str) -> bool:
    """Editor temp files and hidden files: never a reason to rebuild."""
    if not name or name.startswith(".") or name.startswith("#") or name == "4913":
        return True
    return name.endswith(TEMP_SUFFIXES)


def inside(path: Path, folder: Path | None) -> Path | None:
    """path relative to folder, or None when it is not inside (or is the folder)."""
    if folder is None:
        return None
    try:
        rel = path.relative_to(folder)
    except ValueError:
        return None
    return rel if rel.parts else None


# kinds of change, from the least to the most work
CONTENT, TREE, TEMPLATE, STATIC, CONFIG = "content", "tree", "template", "static", "config"


def classify(path: str | Path, is_dir: bool, roots: Roots) -> str | None:
    """What a change at ``path`` means for the build: ``content`` (one Markdown file),
    ``tree`` (a folder in the content: re-gather), ``template``, ``static``, ``config``
    (re-read the configuration and rebuild everything), or None (nothing to do)."""
    p = Path(path)
    if p == roots.config_file:
        return CONFIG
    # the watched folders themselves appearing, vanishing or moving: start over
    if p == roots.content or p in roots.themes:
        return CONFIG
    if roots.output is not None and (p == roots.output or inside(p, roots.output) is not None):
        return None
    rel = inside(p, roots.content)
    if rel is not None:
        if any(is_ignored_name(part) for part in rel.parts):
            return None
        if is_dir:
            return TREE
        return CONTENT if p.name.endswith(".md") else None
    for theme in roots.themes:
        rel = inside(p, theme)
        if rel is None:
            continue
        if any(is_ignored_name(part) for part in rel.parts):
            return None
        top = rel.parts[0]
        if top == "templates":
            return TEMPLATE
        if top == "static":
            return STATIC
        return None  # a theme's README and the like are not read
    return None  # other files next to okrsite.yaml


@dataclass
class Plan:
    """What a batch of changes requires."""

    config: bool = False  # re-read okrsite.yaml; then everything below
    regather: bool = False  # read the whole content folder again
    content: set[str] = field(default_factory=set)  # absolute paths of .md files to re-read
    templates: bool = False  # new Jinja environment, re-render
    static: bool = False  # re-read the themes' static files, re-render

    def empty(self) -> bool:
        return not (self.config or self.regather or self.content or self.templates or self.static)

    def describe(self) -> str:
        if self.config:
            return "configuration: full rebuild"
        parts = []
        if self.regather:
            parts.append("content: folders changed")
        elif self.content:
            n = len(self.content)
            parts.append(f"content: {n} file{'' if n == 1 else 's'}")
        if self.templates:
            parts.append("templates")
        if self.static:
            parts.append("static files")
        return ", ".join(parts) or "nothing"


IGNORED_EVENTS = ("opened", "closed_no_write")


def is_noise(ev: Event) -> bool:
    """Events that never matter, whatever is watched: reads, a folder's own timestamps,
    editor temp files (a rename of a temp file onto a real one does matter)."""
    if ev.type in IGNORED_EVENTS:
        return True
    if ev.is_dir and ev.type in ("modified", "closed", "attrib"):
        return True
    names = [os.path.basename(ev.path)] + ([os.path.basename(ev.dest)] if ev.dest else [])
    return all(is_ignored_name(n) for n in names)


def make_plan(events: Iterable[Event], roots: Roots) -> Plan:
    """Classify a batch of events into the least work that is correct."""
    plan = Plan()
    for ev in events:
        if is_noise(ev):
            continue
        paths = [ev.path] + ([ev.dest] if ev.type == "moved" and ev.dest else [])
        for path in paths:
            kind = classify(path, ev.is_dir, roots)
            if kind is None:
                continue
            if kind == CONFIG:
                plan.config = True
            elif kind == TREE:
                plan.regather = True
            elif kind == CONTENT:
                plan.content.add(str(Path(path)))
            elif kind == TEMPLATE:
                plan.templates = True
            elif kind == STATIC:
                plan.static = True
    return plan


class ChangeQueue:
    """Debounces events: :meth:`take` returns a batch once no event has arrived for
    ``delay`` seconds (or ``max_wait`` after the first, so a stream of events cannot
    starve the rebuilds). Events arriving during a build make the next batch."""

    def __init__(
        self,
        delay: float = DEBOUNCE_SECONDS,
        max_wait: float = MAX_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        settle: float = SETTLE_SECONDS,
    ):
        self.delay, self.max_wait, self.clock = delay, max_wait, clock
        self.settle = min(settle, delay)
        self._settled = False  # the latest event closed a written file
        self._cond = threading.Condition()
        self._events: list[Event] = []
        self._first = self._last = 0.0
        self._closed = False

    def put(self, event: Event) -> None:
        with self._cond:
            now = self.clock()
            if not self._events:
                self._first = now
            self._events.append(event)
            self._last = now
            self._settled = event.type == "closed" and not event.is_dir
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def take(self, timeout: float | None = None) -> list[Event] | None:
        """The next batch; None when closed (or when ``timeout`` passes with no event)."""
        deadline = None if timeout is None else self.clock() + timeout
        with self._cond:
            while True:
                if self._closed:
                    return None
                now = self.clock()
                if self._events:
                    quiet = self.settle if self._settled else self.delay
                    due = min(self._last + quiet, self._first + self.max_wait)
                    if now >= due:
                        batch, self._events = self._events, []
                        return batch
                    wait: float | None = due - now
                else:
                    if deadline is not None and now >= deadline:
                        return None
                    wait = None if deadline is None else deadline - now
                self._cond.wait(wait)


class Watcher:
    """watchdog's observer over the folders of a :class:`Roots`, putting every event
    that is not noise on ``queue``. It falls back to polling when the system's file
    events are not available (inotify limits), and watches again when the folders
    change (a theme added in okrsite.yaml, the content folder created)."""

    def __init__(
        self, queue: ChangeQueue, *, polling: bool = False, interval: float = 1.0, warn: Callable[[str], None] = print
    ):
        self.queue, self.polling, self.interval, self.warn = queue, polling, interval, warn
        self.observer: BaseObserver | None = None
        self._watched: list[tuple[Path, bool]] | None = None

    def start(self, roots: Roots) -> None:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        if self.polling:
            self.observer = PollingObserver(timeout=self.interval)
        else:
            self.observer = Observer()
        self._schedule(roots)
        try:
            self.observer.start()
        except OSError as exc:  # inotify limits: fall back to polling
            self.warn(f"okrsite: warning: cannot watch the files ({exc.strerror or exc}); polling instead")
            self.observer = PollingObserver(timeout=self.interval)
            self._schedule(roots)
            self.observer.start()
        self._watched = [w for w in roots.watch_list()]

    def _schedule(self, roots: Roots) -> None:
        from watchdog import events as we

        queue = self.queue

        class Handler(we.FileSystemEventHandler):
            def on_any_event(self, event):
                ev = Event.from_watchdog(event)
                if not is_noise(ev):  # keep noise from delaying the debounced build
                    queue.put(ev)

        handler = Handler()
        assert self.observer is not None  # start and rewatch set the observer first
        # only what can change the site: no open / close-without-write / attribute events
        wanted = [
            we.FileCreatedEvent,
            we.FileDeletedEvent,
            we.FileModifiedEvent,
            we.FileMovedEvent,
            we.FileClosedEvent,
            we.DirCreatedEvent,
            we.DirDeletedEvent,
            we.DirMovedEvent,
        ]
        for folder, recursive in roots.watch_list():
            try:
                try:
                    self.observer.schedule(handler, str(folder), recursive=recursive, event_filter=wanted)
                except TypeError:  # pragma: no cover - watchdog without event_filter
                    self.observer.schedule(handler, str(folder), recursive=recursive)
            except OSError as exc:
                self.warn(f"okrsite: warning: cannot watch {folder}: {exc.strerror or exc}")

    def rewatch(self, roots: Roots) -> None:
        """Watch ``roots`` when its folders are not the ones watched now."""
        if self.observer is None:
            return
        wanted = roots.watch_list()
        if wanted == self._watched:
            return
        try:
            self.observer.unschedule_all()
            self._schedule(roots)
            self._watched = wanted
        except Exception as exc:  # noqa: BLE001
            self.warn(f"okrsite: warning: cannot watch the new folders: {exc}")

    def stop(self) -> None:
        if self.observer is not None:
            try:
                self.observer.stop()
                self.observer.join(timeout=5)
            except Exception:  # noqa: BLE001
                pass
            self.observer = None
