"""``okrsite serve``: a live preview that survives every mistake.

Builds the site, serves it **from memory** under its ``base_url`` prefix (no output
folder is written, like ``hugo server``), watches ``content/``, ``okrsite.yaml`` and the
theme folders, rebuilds the least that is correct after a burst of saves, and reloads
the browser by itself.

* Every served snapshot is a complete, successful build. A build with errors is never
  served: the last good one stays, and every open page shows an overlay listing the
  diagnostics (``PATH:LINE: SEVERITY: MESSAGE``), printed in the terminal too. The
  overlay goes away by itself when a build succeeds again.
* Pages are rendered lazily: a build computes the site and plans every page
  (:func:`okrsite.site.render.plan_pages`: which template with which context, the plan
  :func:`okrsite.site.render.render_site` renders too), and a page is rendered the first
  time it is asked for (:func:`okrsite.site.render.render_page`), then kept for that build. The
  bytes are the same as ``okrsite build`` writes (tests compare them), but a rebuild
  does not render thousands of pages nobody is looking at.
* The live-reload script is added to HTML responses when they are served, never to
  the built files. It long-polls ``PREFIX__okrsite/poll?build=N``; ids of teams and
  objectives start with ``[a-z0-9]``, so ``__okrsite/`` never collides with a page.
* Safe by default: binds to 127.0.0.1; serves only the files of the build (a lookup in
  a dict: nothing on disk is ever opened from a URL); only GET and HEAD.
* The search index (Pagefind) is rebuilt in a background thread once saves have
  settled, off the path from a save to the rebuilt page; until then the previous index
  is served.
* Builds run on one worker thread, never two at once, with Python's cyclic garbage
  collector paused (see :meth:`Server.rebuild`).

The core is :class:`Server` (``start()``, ``rebuild(changes)``, ``stop()``), usable
in-process on port 0 by tests and the benchmark; :func:`run` is the command line's
entry point.
"""

from __future__ import annotations

import errno
import gc
import ipaddress
import json
import mimetypes
import os
import socket
import socketserver
import sys
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass, field
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable, TextIO
from urllib.parse import parse_qs, unquote_to_bytes, urlsplit

from ..builder.gather import gather, read_source
from ..builder.output import protected_folders, refusal
from ..builder.pipeline import compute_site, render_output
from ..core.config import ConfigError, read_config
from ..core.diagnostics import Diagnostics
from ..core.load import ParseCache
from ..core.model import Config, Diagnostic, Site, SourceFile
from ..site.export import export_json, shard_paths, shards
from ..site.themes import static_files, theme_dirs
from .notice import insert_at_top, preview_notice

NAMESPACE = "__okrsite/"
POLL_SECONDS = 25.0
DEBOUNCE_SECONDS = 0.1
# after a file is closed having been written (the editor has finished saving it), a
# shorter quiet period: the save is complete, so the preview need not wait the full delay
SETTLE_SECONDS = 0.02
MAX_WAIT_SECONDS = 2.0  # a never-ending stream of events still rebuilds this often
IDLE_GC_SECONDS = 30.0  # idle time after which the worker collects the builds' garbage...
IDLE_GC_BUILDS = 10  # ...once this many builds have been frozen since the last time
BUSY_GC_BUILDS = 100  # and after this many, even without a pause: memory stays bounded under endless edits
SEARCH_DELAY_SECONDS = 1.0  # quiet time after a build before the search index is rebuilt
LIVERELOAD_FILE = Path(__file__).with_name("livereload.js")
FAILED_HEADING = "okrsite: the site was not rebuilt"

EXTRA_TYPES = {
    ".html": "text/html",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".pf_meta": "application/octet-stream",
}
TEXT_TYPES = ("text/", "application/json", "application/xml", "image/svg+xml", "application/manifest+json")
ALL_INTERFACES = ("0.0.0.0", "::", "")


class ServeError(Exception):
    """The server cannot start (port busy, cannot bind): the CLI exits with code 2."""


# --------------------------------------------------------------------------- changes


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


TEMP_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".swn", ".tmp", ".bak", ".orig", ".crdownload",
                 "___jb_tmp___", "___jb_old___", ".part")


def is_ignored_name(name: str) -> bool:
    """Editor temp files and hidden files: never a reason to rebuild."""
    if not name or name.startswith(".") or name.startswith("#") or name == "4913":
        return True
    return name.endswith(TEMP_SUFFIXES)


def _inside(path: Path, folder: Path | None) -> Path | None:
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
    if roots.output is not None and (p == roots.output or _inside(p, roots.output) is not None):
        return None
    rel = _inside(p, roots.content)
    if rel is not None:
        if any(is_ignored_name(part) for part in rel.parts):
            return None
        if is_dir:
            return TREE
        return CONTENT if p.name.endswith(".md") else None
    for theme in roots.themes:
        rel = _inside(p, theme)
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

    def __init__(self, delay: float = DEBOUNCE_SECONDS, max_wait: float = MAX_WAIT_SECONDS,
                 clock: Callable[[], float] = time.monotonic, settle: float = SETTLE_SECONDS):
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
                    wait = due - now
                else:
                    if deadline is not None and now >= deadline:
                        return None
                    wait = None if deadline is None else deadline - now
                self._cond.wait(wait)


# --------------------------------------------------------------------------- builds


def _prefix_of(base_url: str) -> str:
    """The path part of base_url, as '/okrs/' or '/'."""
    path = urlsplit(base_url).path if "://" in base_url else base_url
    path = "/" + path.strip("/")
    return path if path == "/" else path + "/"


def _display_path(path: str | os.PathLike, root: Path | None) -> str:
    p = Path(path)
    if root is not None:
        try:
            return p.resolve().relative_to(root).as_posix()
        except (ValueError, OSError):
            pass
    return str(p)


def template_diagnostic(exc: BaseException, root: Path | None, template_dirs: list[Path], what: str) -> Diagnostic:
    """A Diagnostic at the template file and line an exception points to."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Diagnostic(_display_path(exc.filename, root), exc.lineno or 1, "error",
                          f"template syntax error: {exc.message}")
    where, line = None, 1
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:  # the innermost template frame wins
        seen.add(id(e))
        tb = e.__traceback__
        while tb is not None:
            fname = tb.tb_frame.f_code.co_filename
            if any(_inside(Path(fname), d) is not None for d in template_dirs):
                where, line = fname, tb.tb_lineno
            tb = tb.tb_next
        e = e.__cause__ or e.__context__
    message = str(exc) or type(exc).__name__
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template not found: {exc.name}"
    if where is None:
        return Diagnostic(what, 1, "error", f"rendering failed: {message}")
    return Diagnostic(_display_path(where, root), line, "error", f"{what}: {message}")


class SiteFiles:
    """The files of one successful build, rendered on first request and kept.

    ``pages`` maps each page's output path to its :class:`~okrsite.site.render.PagePlan` in
    ``plan`` (``render.plan_pages``); ``static`` holds the themes' static files; ``okrs.json``, its shards, the feeds and the CSV exports are
    made on first request. Together: the files ``render_output`` gives (without the
    search index, which the server builds in the background)."""

    def __init__(self, site: Site, env, static: dict[str, bytes], plan, pages: dict | None = None,
                 on_error: Callable[[str, BaseException], None] | None = None, listing: tuple | None = None):
        self.site, self.env, self.static, self.plan = site, env, static, plan
        self.pages = pages if pages is not None else {p.path: p for p in plan.pages}
        self.on_error = on_error
        self._done: dict[str, bytes] = {}
        # ``listing``: the last build's, when ``site`` is it patched (same pages and files)
        self.listing = listing or self.list_files(site, static, self.pages)
        self._keys, self._feed_paths, self.page_count = self.listing
        self._feeds: dict[str, bytes] | None = None
        self._shards: dict[str, bytes] | None = None  # every shard of okrs.json, made together

    @staticmethod
    def list_files(site: Site, static: dict[str, bytes], pages: dict) -> tuple[frozenset, frozenset, int]:
        """(every path served, those of the Atom feeds and per-period CSV files (feeds.py,
        made together on first request), the number of HTML pages). A patched site has
        the last one's: its teams, periods, pages and static files are the same (on a
        large site, listing them again is a large share of the time from a save to the
        page)."""
        from ..site.feeds import output_paths

        feed_paths = frozenset(output_paths(site)).difference(pages, static)
        keys = frozenset(static).union(pages, ("okrs.json",), feed_paths, shard_paths(site))
        return keys, feed_paths, sum(1 for p in pages if p.endswith(".html"))

    def __contains__(self, path: str) -> bool:
        return path in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def keys(self):
        return sorted(self._keys)

    def render(self, path: str) -> bytes:
        """Render a page (raises on a template error)."""
        from ..site import render

        return render.render_page(self.plan, self.pages[path], self.env)

    def get(self, path: str) -> bytes | None:
        data = self._done.get(path)
        if data is not None:
            return data
        if path in self.static:
            return self.static[path]
        if path == "okrs.json" and path not in self.pages:
            data = export_json(self.site)
            data = data.encode("utf-8") if isinstance(data, str) else data
        elif path in self._feed_paths:
            if self._feeds is None:
                from ..site.feeds import outputs

                self._feeds = outputs(self.site, env=self.env)
            data = self._feeds[path]
        elif path in self.pages:
            try:
                data = self.render(path)
            except Exception as exc:  # noqa: BLE001 - a broken page must not stop the server
                if self.on_error is not None:
                    self.on_error(path, exc)
                raise
        elif path in self._keys:  # the rest: the shards of okrs.json
            if self._shards is None:
                self._shards = shards(self.site)
            data = self._shards[path]
        else:
            return None
        self._done[path] = data
        return data

    def materialise(self) -> dict[str, bytes]:
        """Every file, as ``okrsite build`` would write them (for tests)."""
        return {p: self.get(p) for p in self.keys()}


@dataclass(frozen=True)
class State:
    """What the live-reload script is told: the latest build attempt and how it went."""

    build: int  # every build attempt counts, failed or not
    ok: bool
    good: int  # the build being served (0: none yet)
    diagnostics: tuple[str, ...] = ()
    message: str = ""

    def to_json(self) -> bytes:
        return json.dumps({"build": self.build, "ok": self.ok, "good": self.good,
                           "diagnostics": list(self.diagnostics), "message": self.message}).encode()


@dataclass
class Snapshot:
    """A successful build, served as one unit (swapped by reference)."""

    build: int
    prefix: str
    files: SiteFiles | dict[str, bytes]


@dataclass
class _Outcome:
    ok: bool
    diagnostics: list[Diagnostic]
    files: SiteFiles | dict[str, bytes] | None = None
    prefix: str = "/"
    pages: int = 0


# --------------------------------------------------------------------------- the server


class Server:
    """The preview server. ``start()`` binds, builds and serves; ``rebuild(events)``
    applies a batch of changes (the watcher calls it from its worker thread; tests may
    call it directly); ``stop()`` shuts everything down."""

    def __init__(self, config_path: str | os.PathLike, *, host: str = "127.0.0.1", port: int = 8000,
                 as_of: date | None = None, poll: bool = False, watch: bool = True,
                 debounce: float = DEBOUNCE_SECONDS, lazy: bool = True, poll_interval: float = 1.0,
                 out: TextIO | None = None, poll_seconds: float = POLL_SECONDS, search: bool = True,
                 search_delay: float = SEARCH_DELAY_SECONDS, settle: float = SETTLE_SECONDS):
        self.config_path = Path(config_path).absolute()
        self.host, self.port = host, port
        self.as_of_override = as_of
        self._notice: tuple[int, bytes] | None = None  # (build, the as-of notice's HTML)
        self.use_polling, self.watch_enabled, self.poll_interval = poll, watch, poll_interval
        self.lazy = lazy
        self.poll_seconds = poll_seconds
        self.search_enabled, self.search_delay = search, search_delay
        # the latest search index (build number, {"pagefind/...": bytes}), made in the
        # background after a build; a slightly stale index is fine for a preview
        self.search_files: tuple[int, dict[str, bytes]] | None = None
        self._search_wanted: Snapshot | None = None
        self._search_cond = threading.Condition()
        self._search_errors: set[str] = set()
        self.out = out if out is not None else sys.stdout
        self.queue = ChangeQueue(debounce, settle=settle)

        # build inputs, kept across rebuilds
        self.config: Config | None = None
        self.config_warnings: list[Diagnostic] = []
        self.config_error: list[Diagnostic] | None = None
        self.dirs: list[Path] = []
        self.env = None
        self.env_diags: list[Diagnostic] = []
        self.static: dict[str, bytes] | None = None
        self.static_diags: list[Diagnostic] = []
        self.sources: dict[str, SourceFile] | None = None
        self.gather_diags: list[Diagnostic] = []
        self.cache = ParseCache()
        self.site: Site | None = None
        self._planned: tuple | None = None  # (site, its page plan, path -> page, files listed) of the last good render
        self._edited: list[SourceFile] | None = None  # files the last change edited in place
        self.site_diags: list[Diagnostic] = []
        self.site_as_of: date | None = None
        self.roots = Roots(self.config_path, self.config_path.parent / "content", None, [])
        self._builds_since_prune = 0
        self._frozen_builds = 0
        self.timings: dict[str, float] = {}  # seconds per step of the latest build
        self._lap_start = 0.0

        # what is served
        self.snapshot: Snapshot | None = None
        self.state = State(0, True, 0)
        self._state_cond = threading.Condition()
        self._build_lock = threading.RLock()
        self._printed_warnings: tuple[str, ...] = ()

        self.httpd: ThreadingHTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self.observer = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        host = self.host
        if host in ALL_INTERFACES:
            host = "127.0.0.1" if host != "::" else "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}{self.prefix}"

    @property
    def prefix(self) -> str:
        snap = self.snapshot
        if snap is not None:
            return snap.prefix
        if self.config is not None:
            return _prefix_of(self.config.base_url)
        return "/"

    def bind(self) -> None:
        """Open the listening socket (raises ServeError when the port is busy)."""
        self.httpd = _make_httpd(self.host, self.port, self)
        self.port = self.httpd.server_address[1]

    def start(self, *, announce: Callable[[], None] | None = None) -> "Server":
        """Bind, serve, build once, then watch. Returns when the first build is done."""
        if self.httpd is None:
            self.bind()
        t = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                             name="okrsite-http", daemon=True)
        t.start()
        self._http_thread = t
        self._threads.append(t)
        self._load_config()  # the URL's prefix and what to watch; a broken config is shown by the build
        if announce is not None:
            announce()
        if self.watch_enabled:
            self._start_watching()  # before the first build: edits made during it are not lost
        self.rebuild(Plan(regather=True, templates=True, static=True))
        if self.search_enabled:
            st = threading.Thread(target=self._search_worker, name="okrsite-search", daemon=True)
            st.start()
            self._threads.append(st)
        if self.watch_enabled:
            w = threading.Thread(target=self._worker, name="okrsite-build", daemon=True)
            w.start()
            self._threads.append(w)
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.queue.close()
        with self._state_cond:
            self._state_cond.notify_all()
        with self._search_cond:
            self._search_cond.notify_all()
        if self.observer is not None:
            try:
                self.observer.stop()
                self.observer.join(timeout=5)
            except Exception:  # noqa: BLE001
                pass
            self.observer = None
        if self.httpd is not None:
            if self._http_thread is not None and self._http_thread.is_alive():
                self.httpd.shutdown()  # (waits for serve_forever: only when it runs)
            self.httpd.server_close()
            self.httpd = None
        for t in list(self._threads):
            if t is not threading.current_thread():
                t.join(timeout=5)

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def wait_for_build(self, after: int, timeout: float = 30.0) -> State:
        """Wait until a build attempt later than ``after`` has been published."""
        with self._state_cond:
            self._state_cond.wait_for(lambda: self.state.build > after or self._stopping.is_set(), timeout)
            return self.state

    # ------------------------------------------------------------------ watching
    def _start_watching(self) -> None:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        if self.use_polling:
            self.observer = PollingObserver(timeout=self.poll_interval)
        else:
            self.observer = Observer()
        self._schedule()
        try:
            self.observer.start()
        except OSError as exc:  # inotify limits: fall back to polling
            self._print(f"okrsite: warning: cannot watch the files ({exc.strerror or exc}); polling instead")
            self.observer = PollingObserver(timeout=self.poll_interval)
            self._schedule()
            self.observer.start()
        self._watched = [w for w in self.roots.watch_list()]

    def _schedule(self) -> None:
        from watchdog import events as we

        server = self

        class Handler(we.FileSystemEventHandler):
            def on_any_event(self, event):
                ev = Event.from_watchdog(event)
                if not is_noise(ev):  # keep noise from delaying the debounced build
                    server.queue.put(ev)

        handler = Handler()
        # only what can change the site: no open / close-without-write / attribute events
        wanted = [we.FileCreatedEvent, we.FileDeletedEvent, we.FileModifiedEvent, we.FileMovedEvent,
                  we.FileClosedEvent, we.DirCreatedEvent, we.DirDeletedEvent, we.DirMovedEvent]
        for folder, recursive in self.roots.watch_list():
            try:
                try:
                    self.observer.schedule(handler, str(folder), recursive=recursive, event_filter=wanted)
                except TypeError:  # pragma: no cover - watchdog without event_filter
                    self.observer.schedule(handler, str(folder), recursive=recursive)
            except OSError as exc:
                self._print(f"okrsite: warning: cannot watch {folder}: {exc.strerror or exc}")

    def _rewatch_if_needed(self) -> None:
        if self.observer is None or self._stopping.is_set():
            return
        wanted = self.roots.watch_list()
        if wanted == getattr(self, "_watched", None):
            return
        try:
            self.observer.unschedule_all()
            self._schedule()
            self._watched = wanted
        except Exception as exc:  # noqa: BLE001
            self._print(f"okrsite: warning: cannot watch the new folders: {exc}")

    def _worker(self) -> None:
        while not self._stopping.is_set():
            batch = self.queue.take(timeout=IDLE_GC_SECONDS)
            if batch is None:
                if self._stopping.is_set() or self.queue.closed:
                    return
                self.collect_garbage(IDLE_GC_BUILDS)  # idle for a while
                continue
            try:
                self.rebuild(batch)
                if self._frozen_builds >= BUSY_GC_BUILDS:  # edits that never pause (test_serve_load)
                    self.collect_garbage(BUSY_GC_BUILDS)
            except Exception:  # noqa: BLE001 - never let the worker die
                self._print(traceback.format_exc())

    # ------------------------------------------------------------------ building
    def rebuild(self, changes: Iterable[Event] | Plan | None = None) -> State | None:
        """Apply a batch of changes (None: everything) and publish the outcome.
        Returns the new state, or None when nothing needed rebuilding."""
        with self._build_lock:
            started = time.perf_counter()
            first = self.state.build == 0
            if changes is None:
                plan = Plan(config=True)
            elif isinstance(changes, Plan):
                plan = changes
            else:
                plan = make_plan(changes, self.roots)
            if plan.empty():
                return None
            # A build makes millions of objects that live until the next one; Python's
            # cyclic GC would scan them all several times over (a third of the rebuild
            # time on big sites). Builds make almost no cyclic garbage, so the GC is
            # paused while building and the new objects are frozen (left out of later
            # collections) once it is done; the worker cleans up when idle.
            gc_enabled = gc.isenabled()
            gc.disable()
            try:
                try:
                    outcome = self._build(plan)
                except Exception as exc:  # noqa: BLE001 - a bug must not stop the server
                    self._print(traceback.format_exc().rstrip())
                    where = self.config.path if self.config else self.config_path.name
                    outcome = _Outcome(False, [Diagnostic(where, 1, "error", f"internal error while building: {exc!r}")])
                if outcome is None:
                    return None
                seconds = time.perf_counter() - started
                self._rewatch_if_needed()
                return self._publish(outcome, plan, seconds, first)
            finally:
                gc.freeze()
                self._frozen_builds += 1
                if gc_enabled:
                    gc.enable()

    def collect_garbage(self, min_builds: int = 1) -> None:
        """A full collection of the little cyclic garbage the frozen builds left (the
        worker calls it when idle, every IDLE_GC_BUILDS builds: on a big site a full
        collection holds the interpreter for a second or two)."""
        with self._build_lock:
            if self._frozen_builds >= min_builds:
                gc.unfreeze()
                gc.collect()
                gc.freeze()
                self._frozen_builds = 0

    def _lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + now - self._lap_start
        self._lap_start = now

    def _build(self, plan: Plan) -> _Outcome | None:
        self.timings = {}
        self._lap_start = time.perf_counter()
        if plan.config or self.config is None:
            if not self._load_config():
                return _Outcome(False, list(self.config_error))
            plan.regather = plan.templates = plan.static = True
        elif self.config_error is not None:
            # still broken: every build fails until okrsite.yaml is fixed (which reloads)
            return _Outcome(False, list(self.config_error))
        config = self.config

        if plan.templates or self.env is None:
            self._make_env()
        if plan.static or self.static is None:
            self._read_static()
        self._lap("config and theme")

        content_changed = False
        self._edited = None
        if plan.regather or self.sources is None:
            self._gather()
            content_changed = True
        elif plan.content:
            content_changed = self._update_sources(plan.content)
        as_of = self.as_of_override or config.as_of or date.today()
        self._lap("read")
        if content_changed and self._edited and as_of == self.site_as_of and not (plan.templates or plan.static):
            # edited check-ins only (the usual save): patch the site and the page plan
            # instead of building them again (okrsite/serve/patch.py); None when unsure
            outcome = self._patch(config, self._edited)
            if outcome is not None:
                return outcome
        if content_changed or self.site is None or as_of != self.site_as_of:
            diags = Diagnostics()
            diags.extend(self.gather_diags)
            sources = [self.sources[p] for p in sorted(self.sources)]
            self.site = compute_site(config, sources, as_of, diags, cache=self.cache)
            self.site_diags = diags.sorted()
            self.site_as_of = as_of
            self._builds_since_prune += 1
            if plan.regather or self._builds_since_prune >= 50:
                self.cache.prune([s.data for s in sources])
                self._builds_since_prune = 0
            self._lap("compute")
        elif not (plan.templates or plan.static):
            return None  # saved without a change: nothing to do

        diagnostics = sorted(set(self.config_warnings) | set(self.site_diags) | set(self.env_diags)
                             | set(self.static_diags), key=lambda d: (d.path, d.line))
        if any(d.severity == "error" for d in diagnostics):
            return _Outcome(False, diagnostics)
        render_diags = Diagnostics()
        files = self._render(self.site, render_diags, smoke=plan.templates or plan.static or plan.config)
        self._lap("plan pages")
        if render_diags.items:
            diagnostics = sorted(set(diagnostics) | set(render_diags.items), key=lambda d: (d.path, d.line))
        if files is None or render_diags.errors:
            return _Outcome(False, diagnostics)
        pages = files.page_count if isinstance(files, SiteFiles) else sum(1 for p in files if p.endswith(".html"))
        return _Outcome(True, diagnostics, files, _prefix_of(config.base_url), pages)

    def _patch(self, config, edited: list[SourceFile]) -> _Outcome | None:
        """A check-in edit, applied to the last site and its page plan; None when the
        patch declines (the caller rebuilds everything)."""
        from .patch import edit_checkins

        planned = self._planned
        if planned is None or planned[0] is not self.site:
            return None
        patch = edit_checkins(self.site, self.site_diags, edited, cache=self.cache)
        if patch is None:
            return None
        _, plan, pages, listing = planned
        self.site, self.site_diags = patch.site, patch.diagnostics
        plan = plan.rebind(patch.site, patch.team_periods)
        self._planned = (patch.site, plan, pages, listing)
        self._lap("patch")
        diagnostics = sorted(set(self.config_warnings) | set(self.site_diags) | set(self.env_diags)
                             | set(self.static_diags), key=lambda d: (d.path, d.line))
        if any(d.severity == "error" for d in diagnostics):
            return _Outcome(False, diagnostics)
        files = SiteFiles(patch.site, self.env, dict(self.static), plan, pages, on_error=self._page_failed,
                          listing=listing)
        self._lap("plan pages")
        return _Outcome(True, diagnostics, files, _prefix_of(config.base_url), files.page_count)

    def _load_config(self) -> bool:
        try:
            config, warnings = read_config(self.config_path)
            dirs = theme_dirs(config)
        except ConfigError as exc:
            self.config_error = list(exc.diagnostics)
            return False
        self.config_error = None
        self.config, self.config_warnings, self.dirs = config, list(warnings), dirs
        root = Path(config.root)
        output = (root / config.output_dir).resolve()
        if refusal(output, protected_folders(config, dirs)) is not None:
            output = None  # no build writes there (okrsite build refuses it): its changes count
        self.roots = Roots(self.config_path.resolve(), (root / config.content_dir).resolve(),
                           output, [d.resolve() for d in dirs])
        return True

    def _make_env(self) -> None:
        """A fresh Jinja environment with every template compiled now (syntax errors
        become diagnostics at their file and line) and frozen: a snapshot keeps
        rendering with the templates it was built with."""
        from ..site import render

        root = Path(self.config.root)
        env = render.make_environment(self.dirs)
        diags: list[Diagnostic] = []
        try:
            names = env.list_templates()
        except OSError as exc:
            names = []
            diags.append(Diagnostic(self.config.path, 1, "error", f"cannot list the templates: {exc}"))
        template_dirs = [d / "templates" for d in self.dirs]
        for name in names:
            if any(is_ignored_name(part) for part in name.split("/")):
                continue
            try:
                env.get_template(name)
            except Exception as exc:  # noqa: BLE001
                diags.append(template_diagnostic(exc, root, template_dirs, f"template {name}"))
        env.auto_reload = False
        self.env, self.env_diags = env, diags

    def _read_static(self) -> None:
        try:
            self.static = static_files(self.dirs)
            self.static_diags = []
        except OSError as exc:
            self.static = {}
            self.static_diags = [Diagnostic(_display_path(exc.filename or "static", Path(self.config.root)), 1,
                                            "error", f"cannot read the theme's static file: {exc.strerror or exc}")]

    def _gather(self) -> None:
        diags = Diagnostics()
        self.sources = {s.path: s for s in gather(self.config, diags)}
        self.gather_diags = list(diags.items)

    def _source_path(self, path: Path) -> str | None:
        """The SourceFile path gather gives a content file (relative to the site root)."""
        rel = _inside(path, self.roots.content)
        if rel is None:
            return None
        root = Path(self.config.root)
        try:
            return (root / self.config.content_dir / rel).relative_to(root).as_posix()
        except ValueError:
            return None

    def _update_sources(self, paths: set[str]) -> bool:
        """Re-read just these content files; re-gather when unsure. Returns whether
        anything changed."""
        flagged = {d.path for d in self.gather_diags}
        updates: dict[str, SourceFile | None] = {}
        for p in sorted(paths):
            path = Path(p)
            rel = self._source_path(path)
            if rel is None or rel in flagged:
                self._gather()
                return True
            try:
                if path.is_symlink() or (path.exists() and not path.is_file()):
                    self._gather()  # gather knows the rules for links
                    return True
                exists = path.exists()
            except OSError:
                self._gather()
                return True
            # read as gather reads: the size limit first (a huge file is never read)
            source = read_source(path, rel, self.config.limits.max_file_kb * 1024) if exists else None
            updates[rel] = source  # None: deleted
        changed = False
        edited: list[SourceFile] | None = []  # files changed in place (no file added or gone)
        for rel, source in updates.items():
            old = self.sources.get(rel)
            if source is None:
                if old is not None:
                    del self.sources[rel]
                    changed = True
                    edited = None
            elif old != source:
                self.sources[rel] = source
                changed = True
                if old is None or edited is None:
                    edited = None
                else:
                    edited.append(source)
        self._edited = edited if changed else None
        return changed

    def _render(self, site: Site, diags: Diagnostics, smoke: bool) -> SiteFiles | dict[str, bytes] | None:
        from ..site import render

        root = Path(self.config.root)
        template_dirs = [d / "templates" for d in self.dirs]
        if not self.lazy:
            try:
                return render_output(site, self.dirs, diags, self.env)
            except Exception as exc:  # noqa: BLE001
                diags.items.append(template_diagnostic(exc, root, template_dirs, "rendering the site"))
                return None
        try:
            plan = render.plan_pages(site)
        except Exception as exc:  # noqa: BLE001 (DuplicateOutput, a bug in a view helper, ...)
            diags.items.append(template_diagnostic(exc, root, template_dirs, "rendering the site"))
            return None
        pages = {page.path: page for page in sorted(plan.pages, key=lambda page: page.path)}

        owners: dict[str, str] = {}
        for path in self.static:
            owners[path] = "the theme's static files"
        for path in pages:
            if path in owners:
                diags.error(self.config.path, 1, f"two outputs write {path}: {owners[path]} and a page")
            owners[path] = "a page"
        if "okrs.json" in owners:
            diags.error(self.config.path, 1, f"two outputs write okrs.json: {owners['okrs.json']} and the JSON export")
        owners["okrs.json"] = "the JSON export"
        for path in shard_paths(site):
            if path in owners:
                diags.error(self.config.path, 1, f"two outputs write {path}: {owners[path]} and the JSON export's shards")
            owners[path] = "the JSON export's shards"
        from ..site.feeds import output_paths

        for path in output_paths(site):  # as render_output reports them
            if path in owners:
                diags.error(self.config.path, 1, f"two outputs write {path}: {owners[path]} and the feeds and CSV exports")
        if diags.errors:
            return None
        files = SiteFiles(site, self.env, dict(self.static), plan, pages, on_error=self._page_failed)
        if smoke:
            # new templates: render one page of each kind now, so a template that
            # breaks at run time shows in the overlay instead of as a broken page
            tried: set[str] = set()
            for path, page in pages.items():
                if page.template in tried:
                    continue
                tried.add(page.template)
                try:
                    files._done[path] = files.render(path)
                except Exception as exc:  # noqa: BLE001
                    diags.items.append(template_diagnostic(exc, root, template_dirs, f"rendering {path}"))
                    return None
        self._planned = (site, plan, pages, files.listing)  # what a check-in edit patches (_patch)
        return files

    # ------------------------------------------------------------------ search index
    def _want_search(self, snap: Snapshot) -> None:
        if not self.search_enabled or not isinstance(snap.files, SiteFiles) or not snap.files.site.config.search:
            return
        with self._search_cond:
            self._search_wanted = snap
            self._search_cond.notify_all()

    def _search_worker(self) -> None:
        """Builds the search index of the latest build, off the rebuild path: after
        ``search_delay`` s without a newer build, so a burst of saves indexes once."""
        while not self._stopping.is_set():
            with self._search_cond:
                self._search_cond.wait_for(lambda: self._search_wanted is not None or self._stopping.is_set())
                if self._stopping.is_set():
                    return
                snap = self._search_wanted
                # wait for a quiet moment: a newer build restarts the wait
                while not self._stopping.wait(0) and self._search_cond.wait(self.search_delay):
                    if self._stopping.is_set():
                        return
                    snap = self._search_wanted
                self._search_wanted = None
            if self.snapshot is not snap or self._stopping.is_set():
                continue
            started = time.perf_counter()
            try:
                from ..builder.searchindex import LastFiles, index_files

                last = self.search_files[1] if self.search_files is not None else None
                files = index_files(snap.files.site, LastFiles(last))  # only the parts that changed
            except Exception as exc:  # noqa: BLE001 - search is a nicety of the preview
                message = f"okrsite: warning: the search index was not updated: {exc}"
                if message not in self._search_errors:
                    self._search_errors.add(message)
                    self._print(message)
                continue
            first = self.search_files is None
            self.search_files = (snap.build, files)
            if first:
                self._print(f"search index ready in {time.perf_counter() - started:.2f} s")

    def _page_failed(self, path: str, exc: BaseException) -> None:
        """A page of the served build failed to render on request: tell everyone."""
        root = Path(self.config.root) if self.config else None
        d = template_diagnostic(exc, root, [t / "templates" for t in self.dirs], f"rendering {path}")
        with self._state_cond:
            s = self.state
            self.state = State(s.build + 1, False, s.good, (str(d),), "a page failed to render")
            self._state_cond.notify_all()
        self._print(str(d))
        self._print(f"okrsite: {path} failed to render; the rest of the site is still served")

    def _publish(self, outcome: _Outcome, plan: Plan, seconds: float, first: bool) -> State:
        lines = [str(d) for d in outcome.diagnostics]
        with self._state_cond:
            number = self.state.build + 1
            if outcome.ok:
                self.snapshot = Snapshot(number, outcome.prefix, outcome.files)
                state = State(number, True, number, tuple(lines))
                self._want_search(self.snapshot)
            else:
                good = self.snapshot.build if self.snapshot is not None else 0
                errors = sum(1 for d in outcome.diagnostics if d.severity == "error")
                state = State(number, False, good, tuple(lines), f"{errors} error{'' if errors == 1 else 's'}")
            self.state = state
            self._state_cond.notify_all()
        verb = "built" if first else "rebuilt"
        if outcome.ok:
            warnings = tuple(lines)
            if warnings != self._printed_warnings:
                for line in warnings:
                    self._print(line)
                self._printed_warnings = warnings
            what = f"{outcome.pages} pages" if first else plan.describe()
            self._print(f"{verb} in {seconds:.2f} s ({what})")
        else:
            for line in lines:
                self._print(line)
            self._printed_warnings = ()
            errors = sum(1 for d in outcome.diagnostics if d.severity == "error")
            tail = "still serving the last good build" if self.snapshot is not None else "nothing to serve until it is fixed"
            self._print(f"build failed: {errors} error{'' if errors == 1 else 's'}; {tail}")
        return state

    def _print(self, text: str) -> None:
        try:
            print(text, file=self.out, flush=True)
        except (OSError, ValueError):
            pass

    # ------------------------------------------------------------------ serving helpers
    def decorate(self, snap: Snapshot, body: bytes) -> bytes:
        """An HTML page as served: the as-of notice at the top (okrsite/serve/notice.py), the
        live-reload script at the end."""
        notice = self._notice
        if notice is None or notice[0] != snap.build:
            site = getattr(snap.files, "site", None)
            source = "option" if self.as_of_override else "config" if getattr(self.config, "as_of", None) else "today"
            html = preview_notice(site, source, Path(self.config_path).name) if site is not None else ""
            notice = self._notice = (snap.build, html.encode())
        return inject(insert_at_top(body, notice[1]), self.script_tag(snap.prefix, snap.build))

    def script_tag(self, prefix: str, build: int) -> bytes:
        return (f'<script src="{prefix}{NAMESPACE}livereload.js" data-build="{build}" defer></script>').encode()

    def placeholder(self, prefix: str) -> bytes:
        state = self.state
        if state.build == 0:
            message = "okrsite is building the site; this page reloads by itself when it is ready."
        else:
            message = ("The site has errors and could not be built yet. The list of problems is shown "
                       "above; this page reloads by itself when they are fixed.")
        body = (
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>okrsite: the site has errors</title>\n</head>\n<body>\n"
            f"<main><h1>okrsite</h1><p>{message}</p></main>\n</body>\n</html>\n"
        ).encode()
        return inject(body, self.script_tag(prefix, 0))


def inject(body: bytes, tag: bytes) -> bytes:
    """The live-reload script tag, just before the last </body> (or at the end)."""
    i = body.lower().rfind(b"</body")
    if i < 0:
        return body + tag
    return body[:i] + tag + b"\n" + body[i:]


def content_type(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    ctype = EXTRA_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if ctype.startswith(TEXT_TYPES) and "charset" not in ctype:
        ctype += "; charset=utf-8"
    return ctype


# --------------------------------------------------------------------------- HTTP


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when a page opens many at
    # once (or many readers do): the browser retries a second later (test_serve_load)
    request_queue_size = 128
    okr: Server

    def server_bind(self):
        # like HTTPServer.server_bind, without its reverse DNS lookup (getfqdn)
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), port

    def handle_error(self, request, client_address):
        # a browser that reloads or closes a tab drops its long poll: not an error
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _IPv6HTTPServer(_HTTPServer):
    address_family = socket.AF_INET6


def _make_httpd(host: str, port: int, server: Server) -> ThreadingHTTPServer:
    cls = _IPv6HTTPServer if ":" in host else _HTTPServer
    try:
        httpd = cls((host, port), _Handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} is already in use; try --port {port + 1}") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    httpd.okr = server
    return httpd


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "okrsite"

    def log_message(self, format, *args):  # noqa: A002 - quiet: the terminal shows builds
        pass

    # Every method but GET and HEAD: 405 with Allow.
    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def _method_not_allowed(self):
        body = b"405 Method Not Allowed: only GET and HEAD\n"
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        self._serve(head=False)

    def do_HEAD(self):
        self._serve(head=True)

    # ------------------------------------------------------------------ responses
    def _send(self, status: int, body: bytes, ctype: str, head: bool, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _redirect(self, location: str, head: bool) -> None:
        body = f"Moved to {location}\n".encode()
        self._send(HTTPStatus.FOUND, body, "text/plain; charset=utf-8", head, {"Location": location})

    def _not_found(self, head: bool, snap: Snapshot | None) -> None:
        okr: Server = self.server.okr
        body = None
        if snap is not None:
            try:
                body = snap.files.get("404.html")
            except Exception:  # noqa: BLE001
                body = None
            if body is not None:
                body = inject(body, okr.script_tag(snap.prefix, snap.build))
        if body is None:
            body = b"404 Not Found\n"
            ctype = "text/plain; charset=utf-8"
        else:
            ctype = "text/html; charset=utf-8"
        self._send(HTTPStatus.NOT_FOUND, body, ctype, head)

    def _misdirected(self, head: bool) -> None:
        """421 for a Host this server does not answer to: nothing of the site, no diagnostics."""
        body = b"421 Misdirected Request: open the preview at the address okrsite serve printed\n"
        self.close_connection = True
        self._send(HTTPStatus.MISDIRECTED_REQUEST, body, "text/plain; charset=utf-8", head, {"Connection": "close"})

    # ------------------------------------------------------------------ routing
    def _serve(self, head: bool) -> None:
        okr: Server = self.server.okr
        hosts = self.headers.get_all("Host") or []
        target = self.path
        if target.startswith(("http://", "https://")):  # absolute-form request target
            hosts.append(urlsplit(target).netloc)
            target = urlsplit(target).path or "/"
        if not hosts or not all(host_allowed(h, okr.host) for h in hosts):
            return self._misdirected(head)
        snap = okr.snapshot
        prefix = snap.prefix if snap is not None else okr.prefix
        raw_path, _, query = target.partition("?")
        raw_path = raw_path.partition("#")[0]
        decoded = _safe_path(raw_path)
        if decoded is None:
            return self._not_found(head, snap)
        # the site's root without its trailing slash, or the server's root: redirect
        if prefix != "/" and decoded in ("/", prefix[:-1]):
            return self._redirect(prefix, head)
        if not decoded.startswith(prefix):
            return self._not_found(head, snap)
        rel = decoded[len(prefix):]
        if rel.startswith(NAMESPACE):
            return self._internal(rel[len(NAMESPACE):], query, head)
        if snap is None:
            body = okr.placeholder(prefix)
            return self._send(HTTPStatus.SERVICE_UNAVAILABLE, body, "text/html; charset=utf-8", head,
                              {"Retry-After": "1"})
        files = snap.files
        key = rel + "index.html" if rel == "" or rel.endswith("/") else rel
        if key not in files and key.startswith("pagefind/") and okr.search_files is not None:
            data = okr.search_files[1].get(key)
            if data is not None:
                return self._send(HTTPStatus.OK, data, content_type(key), head)
        if key not in files:
            if (rel + "/index.html") in files:
                location = raw_path + "/" + (f"?{query}" if query else "")
                return self._redirect(location, head)
            return self._not_found(head, snap)
        try:
            body = files.get(key)
        except Exception:  # noqa: BLE001 - reported by SiteFiles.on_error
            body = okr.placeholder(prefix)
            return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, body, "text/html; charset=utf-8", head)
        if body is None:
            return self._not_found(head, snap)
        ctype = content_type(key)
        if ctype.startswith("text/html"):
            body = okr.decorate(snap, body)
        self._send(HTTPStatus.OK, body, ctype, head)

    def _internal(self, name: str, query: str, head: bool) -> None:
        okr: Server = self.server.okr
        if name == "livereload.js":
            body = LIVERELOAD_FILE.read_bytes()
            return self._send(HTTPStatus.OK, body, "text/javascript; charset=utf-8", head)
        if name in ("poll", "state"):
            state = okr.state
            params = parse_qs(query)
            try:
                known = int(params.get("build", [""])[0])
            except ValueError:
                known = None
            if name == "poll" and known is not None and not head:
                with okr._state_cond:
                    okr._state_cond.wait_for(
                        lambda: okr.state.build != known or okr._stopping.is_set(), okr.poll_seconds)
                    state = okr.state
            return self._send(HTTPStatus.OK, state.to_json(), "application/json; charset=utf-8", head)
        return self._not_found(head, okr.snapshot)


def host_allowed(host: str, listening: str) -> bool:
    """Whether a request's ``Host`` names this server, which listens on ``listening``
    (``--host``): against DNS rebinding, where a page of another site reaches the preview
    under the other site's name. Allowed: IP addresses (they cannot be rebound),
    ``localhost`` and ``*.localhost`` (browsers resolve them to this machine themselves),
    the name given to ``--host``, and, when listening on every interface, this machine's
    name. The port is not compared: an SSH tunnel or a container's port mapping changes it."""
    host = host.strip().lower()
    if host.startswith("["):
        name, bracket, port = host[1:].partition("]")
        if not bracket:
            return False
        port = port[1:] if port.startswith(":") else port if not port else "x"
    else:
        name, _, port = host.partition(":")
    if port and not port.isdigit():
        return False
    name = name.rstrip(".")
    if not name:
        return False
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    if name == listening.strip("[]").lower().rstrip("."):
        return True
    machine = socket.gethostname().lower()
    return listening in ALL_INTERFACES and name in (machine, machine.partition(".")[0], machine + ".local")


def _safe_path(raw: str) -> str | None:
    """The decoded path of a request, or None when it is anything but a plain path
    inside the site: traversal (``..``, ``.``), encoded slashes or backslashes,
    backslashes, NUL and control characters, double encoding, invalid UTF-8."""
    if not raw.startswith("/"):
        return None
    lowered = raw.lower()
    if "\\" in raw or "%2f" in lowered or "%5c" in lowered or "%00" in lowered or "%25" in lowered:
        return None
    try:
        decoded = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 0x20 or ch == "\x7f" or ch == "\\" for ch in decoded) or "%" in decoded:
        return None
    segments = decoded.split("/")[1:]
    for i, seg in enumerate(segments):
        if seg in (".", ".."):
            return None
        if seg == "" and i != len(segments) - 1:
            return None  # '//' : not a path of the site
    return decoded


# --------------------------------------------------------------------------- command line


def run(config_path: str, *, host: str = "127.0.0.1", port: int = 8000, as_of: date | None = None,
        poll: bool = False, open_browser: bool = False, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    """``okrsite serve``: returns the exit code (0 after Ctrl-C, 2 when it cannot start)."""
    import signal

    out = out or sys.stdout
    err = err or sys.stderr
    if not Path(config_path).is_file():
        print(f"{config_path}:1: error: no okrsite.yaml here: run okrsite in your site's folder or pass --config FILE",
              file=err)
        return 2
    server = Server(config_path, host=host, port=port, as_of=as_of, poll=poll, out=out)
    try:
        server.bind()
    except ServeError as exc:
        print(f"okrsite: error: {exc}", file=err)
        return 2

    # Ctrl-C and SIGTERM set a flag that the main thread waits on, so a stop never lands
    # as a KeyboardInterrupt in the middle of a build or of thread start-up. The server
    # starts (and makes its first build) in a thread of its own, so Ctrl-C works at once
    # even during a long first build. A SIGINT that was ignored when we started (a
    # background job) stays ignored.
    stop_requested = threading.Event()
    previous = {}

    def on_signal(signum, frame):
        stop_requested.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                previous[sig] = signal.signal(sig, on_signal)
        except (ValueError, OSError):  # not the main thread
            pass

    def announce():
        if host in ALL_INTERFACES:
            print("okrsite: warning: serving on all network interfaces: anyone who can reach this "
                  "machine can read the site (use --host 127.0.0.1 to keep it local)", file=err, flush=True)
        print(f"Serving {server.url} (Ctrl-C to stop)", file=out, flush=True)

    crashed: list[str] = []

    def starter():
        try:
            server.start(announce=announce)
        except Exception:  # noqa: BLE001 - a bug: say so and stop
            crashed.append(traceback.format_exc())
            stop_requested.set()
            return
        if open_browser:
            webbrowser.open(server.url)

    threading.Thread(target=starter, name="okrsite-start", daemon=True).start()
    try:
        while not stop_requested.wait(1.0):
            pass
        server.stop()
    finally:
        for sig, handler in previous.items():
            try:
                signal.signal(sig, handler)
            except (ValueError, OSError, TypeError):
                pass
    if crashed:
        print(crashed[0], file=err, end="")
        return 1
    print("okrsite: stopped", file=out, flush=True)
    return 0
