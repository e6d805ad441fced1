"""``okrsite serve``: the preview's session, a live preview that survives every mistake.

Builds the site, serves it **from memory** under its ``base_url`` prefix (no output
folder is written, like ``hugo server``), rebuilds the least that is correct after a
burst of saves, and reloads the browser by itself. The pieces around the session:
okrsite/serve/http.py answers requests, okrsite/serve/watch.py watches the files and
debounces their events, okrsite/serve/searching.py keeps the search index, and
okrsite/serve/command.py is the command line's entry point.

* Every served snapshot is a complete, successful build. A build with errors is never
  served: the last good one stays, and every open page shows an overlay listing the
  diagnostics (``PATH:LINE: SEVERITY: MESSAGE``), printed in the terminal too. The
  overlay goes away by itself when a build succeeds again.
* Pages are rendered lazily: a build computes the site and plans every page
  (:func:`okrsite.site.pages.plan_pages`: which template with which context, the plan
  :func:`okrsite.site.pages.render_site` renders too), and a page is rendered the first
  time it is asked for (:func:`okrsite.site.pages.render_page`), then kept for that build. The
  bytes are the same as ``okrsite build`` writes (tests compare them), but a rebuild
  does not render thousands of pages nobody is looking at.
* The live-reload script is added to HTML responses when they are served, never to
  the built files.
* Builds run on one worker thread, never two at once, with Python's cyclic garbage
  collector paused (see :meth:`Server.rebuild`).

The core is :class:`Server` (``start()``, ``rebuild(changes)``, ``stop()``), usable
in-process on port 0 by tests and the benchmark.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import date
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, TextIO
from urllib.parse import urlsplit

from ..builder.gather import gather, read_source
from ..builder.output import protected_folders, refusal
from ..builder.memory import MemoryPolicy
from ..builder.outputs import Outputs, plan as plan_outputs
from ..builder.parallel import default_jobs, parse_all
from ..builder.parsecache import ParseCache
from ..builder.pipeline import compute_site, render_output
from ..builder.sinks import LazyFiles
from ..core.config import ConfigError, read_config
from ..core.diagnostics import Diagnostics
from ..core.model import Config, Diagnostic, Site, SourceFile
from ..site.themes import static_files, theme_dirs
from .http import ALL_INTERFACES, POLL_SECONDS, Snapshot, State, inject, make_httpd, script_tag
from .notice import insert_at_top, preview_notice
from .searching import SEARCH_DELAY_SECONDS, SearchIndexer

if TYPE_CHECKING:
    from jinja2 import Environment
from .watch import (
    DEBOUNCE_SECONDS,
    SETTLE_SECONDS,
    ChangeQueue,
    Event,
    Plan,
    Roots,
    Watcher,
    inside,
    is_ignored_name,
    make_plan,
)

IDLE_GC_SECONDS = 30.0  # idle time after which the worker collects the builds' garbage...
IDLE_GC_BUILDS = 10  # ...once this many builds have been frozen since the last time
BUSY_GC_BUILDS = 100  # and after this many, even without a pause: memory stays bounded under endless edits


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
        return Diagnostic(
            _display_path(exc.filename, root), exc.lineno or 1, "error", f"template syntax error: {exc.message}"
        )
    where, line = None, 1
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:  # the innermost template frame wins
        seen.add(id(e))
        tb = e.__traceback__
        while tb is not None:
            fname = tb.tb_frame.f_code.co_filename
            if any(inside(Path(fname), d) is not None for d in template_dirs):
                where, line = fname, tb.tb_lineno
            tb = tb.tb_next
        e = e.__cause__ or e.__context__
    message = str(exc) or type(exc).__name__
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template not found: {exc.name}"
    if where is None:
        return Diagnostic(what, 1, "error", f"rendering failed: {message}")
    return Diagnostic(_display_path(where, root), line, "error", f"{what}: {message}")


@dataclass
class _Outcome:
    ok: bool
    diagnostics: list[Diagnostic]
    files: LazyFiles | dict[str, bytes] | None = None
    prefix: str = "/"
    pages: int = 0


# --------------------------------------------------------------------------- the server


class Server:
    """The preview server. ``start()`` binds, builds and serves; ``rebuild(events)``
    applies a batch of changes (the watcher calls it from its worker thread; tests may
    call it directly); ``stop()`` shuts everything down."""

    def __init__(
        self,
        config_path: str | os.PathLike,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        as_of: date | None = None,
        poll: bool = False,
        watch: bool = True,
        debounce: float = DEBOUNCE_SECONDS,
        lazy: bool = True,
        poll_interval: float = 1.0,
        out: TextIO | None = None,
        poll_seconds: float = POLL_SECONDS,
        search: bool = True,
        search_delay: float = SEARCH_DELAY_SECONDS,
        settle: float = SETTLE_SECONDS,
    ):
        self.config_path = Path(config_path).absolute()
        self.host, self.port = host, port
        self.as_of_override = as_of
        self._notice: tuple[int, bytes] | None = None  # (build, the as-of notice's HTML)
        self.watch_enabled = watch
        self.lazy = lazy
        self.poll_seconds = poll_seconds
        self.search_enabled = search
        self.out = out if out is not None else sys.stdout
        self.search = SearchIndexer(lambda: self.snapshot, delay=search_delay, report=self._print)
        self.queue = ChangeQueue(debounce, settle=settle)
        self.watcher = Watcher(self.queue, polling=poll, interval=poll_interval, warn=self._print)

        # build inputs, kept across rebuilds
        self.config: Config | None = None
        self.config_warnings: list[Diagnostic] = []
        self.config_error: list[Diagnostic] | None = None
        self.dirs: list[Path] = []
        self.env: Environment | None = None
        self.env_diags: list[Diagnostic] = []
        self.static: dict[str, bytes] | None = None
        self.static_diags: list[Diagnostic] = []
        self.sources: dict[str, SourceFile] | None = None
        self.gather_diags: list[Diagnostic] = []
        self.cache = ParseCache()
        self.site: Site | None = None
        self._planned: Outputs | None = None  # the files of the last good render (a check-in edit patches them)
        self._edited: list[SourceFile] | None = None  # files the last change edited in place
        self.site_diags: list[Diagnostic] = []
        self.site_as_of: date | None = None
        self.roots = Roots(self.config_path, self.config_path.parent / "content", None, [])
        self._builds_since_prune = 0
        self.memory = MemoryPolicy()  # the collector paused while building (rebuild)
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
        self.httpd = make_httpd(self.host, self.port, self)
        self.port = self.httpd.server_address[1]

    def start(self, *, announce: Callable[[], None] | None = None) -> "Server":
        """Bind, serve, build once, then watch. Returns when the first build is done."""
        if self.httpd is None:
            self.bind()
        assert self.httpd is not None  # bind sets it
        t = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="okrsite-http", daemon=True
        )
        t.start()
        self._http_thread = t
        self._threads.append(t)
        self._load_config()  # the URL's prefix and what to watch; a broken config is shown by the build
        if announce is not None:
            announce()
        if self.watch_enabled:
            self.watcher.start(self.roots)  # before the first build: edits made during it are not lost
        self.rebuild(Plan(regather=True, templates=True, static=True))
        if self.search_enabled:
            self._threads.append(self.search.start())
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
        self.search.stop()
        self.watcher.stop()
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

    def wait_for_change(self, build: int, timeout: float) -> State:
        """The state once its build is not ``build`` (a long poll of the live-reload
        script), or when the server stops or ``timeout`` seconds have passed."""
        with self._state_cond:
            self._state_cond.wait_for(lambda: self.state.build != build or self._stopping.is_set(), timeout)
            return self.state

    def search_file(self, path: str) -> bytes | None:
        return self.search.get(path)

    def _rewatch_if_needed(self) -> None:
        if not self._stopping.is_set():
            self.watcher.rewatch(self.roots)

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
                self.collect_garbage(BUSY_GC_BUILDS)  # edits that never pause (test_serve_load)
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
            # a build's objects live until the next one: the collector is paused while
            # building and they are frozen after (okrsite/builder/memory.py); the worker
            # collects when idle
            with self.memory.build():
                try:
                    outcome = self._build(plan)
                except Exception as exc:  # noqa: BLE001 - a bug must not stop the server
                    self._print(traceback.format_exc().rstrip())
                    where = self.config.path if self.config else self.config_path.name
                    outcome = _Outcome(
                        False, [Diagnostic(where, 1, "error", f"internal error while building: {exc!r}")]
                    )
                if outcome is None:
                    return None
                seconds = time.perf_counter() - started
                self._rewatch_if_needed()
                return self._publish(outcome, plan, seconds, first)

    def collect_garbage(self, min_builds: int = 1) -> None:
        """A full collection of the little cyclic garbage the frozen builds left, once
        ``min_builds`` builds were frozen (the worker calls it when idle, and every
        BUSY_GC_BUILDS builds: on a big site a full collection holds the interpreter for
        a second or two)."""
        with self._build_lock:
            self.memory.collect_frozen(min_builds)

    def _lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + now - self._lap_start
        self._lap_start = now

    def _build(self, plan: Plan) -> _Outcome | None:
        self.timings = {}
        self._lap_start = time.perf_counter()
        if plan.config or self.config is None:
            if not self._load_config():
                assert self.config_error is not None  # _load_config sets it when it fails
                return _Outcome(False, list(self.config_error))
            plan.regather = plan.templates = plan.static = True
        elif self.config_error is not None:
            # still broken: every build fails until okrsite.yaml is fixed (which reloads)
            return _Outcome(False, list(self.config_error))
        config = self.config
        assert config is not None  # loaded above, or the build failed

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
            assert self.sources is not None  # gathered above
            sources = [self.sources[p] for p in sorted(self.sources)]
            self.site = compute_site(
                config, sources, as_of, diags, parsed=parse_all(sources, config, default_jobs(), self.cache)
            )
            self.site_diags = diags.sorted()
            self.site_as_of = as_of
            self._builds_since_prune += 1
            if plan.regather or self._builds_since_prune >= 50:
                self.cache.prune([s.data for s in sources])
                self._builds_since_prune = 0
            self._lap("compute")
        elif not (plan.templates or plan.static):
            return None  # saved without a change: nothing to do

        diagnostics = sorted(
            set(self.config_warnings) | set(self.site_diags) | set(self.env_diags) | set(self.static_diags),
            key=lambda d: (d.path, d.line),
        )
        if any(d.severity == "error" for d in diagnostics):
            return _Outcome(False, diagnostics)
        render_diags = Diagnostics()
        files = self._render(self.site, render_diags, smoke=plan.templates or plan.static or plan.config)
        self._lap("plan pages")
        if render_diags.items:
            diagnostics = sorted(set(diagnostics) | set(render_diags.items), key=lambda d: (d.path, d.line))
        if files is None or render_diags.errors:
            return _Outcome(False, diagnostics)
        pages = files.page_count if isinstance(files, LazyFiles) else sum(1 for p in files if p.endswith(".html"))
        return _Outcome(True, diagnostics, files, _prefix_of(config.base_url), pages)

    def _patch(self, config, edited: list[SourceFile]) -> _Outcome | None:
        """A check-in edit, applied to the last site and its page plan; None when the
        patch declines (the caller rebuilds everything)."""
        from .patch import edit_checkins

        planned = self._planned
        if planned is None or planned.site is not self.site:
            return None
        patch = edit_checkins(
            self.site, self.site_diags, edited, parsed=parse_all(edited, self.site.config, cache=self.cache)
        )
        if patch is None:
            return None
        self.site, self.site_diags = patch.site, patch.diagnostics
        # the same files (the listing is not made again), with a patched page plan
        outputs = planned.rebind(patch.site, planned.pages.rebind(patch.site, patch.team_periods))
        self._planned = outputs
        self._lap("patch")
        diagnostics = sorted(
            set(self.config_warnings) | set(self.site_diags) | set(self.env_diags) | set(self.static_diags),
            key=lambda d: (d.path, d.line),
        )
        if any(d.severity == "error" for d in diagnostics):
            return _Outcome(False, diagnostics)
        files = LazyFiles(outputs, on_error=self._page_failed)
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
        output: Path | None
        output = (root / config.output_dir).resolve()
        if refusal(output, protected_folders(config, dirs)) is not None:
            output = None  # no build writes there (okrsite build refuses it): its changes count
        self.roots = Roots(
            self.config_path.resolve(), (root / config.content_dir).resolve(), output, [d.resolve() for d in dirs]
        )
        return True

    def _make_env(self) -> None:
        """A fresh Jinja environment with every template compiled now (syntax errors
        become diagnostics at their file and line) and frozen: a snapshot keeps
        rendering with the templates it was built with."""
        from ..site.environment import make_environment

        root = Path(self.loaded_config.root)
        env = make_environment(self.dirs)
        diags: list[Diagnostic] = []
        try:
            names = env.list_templates()
        except OSError as exc:
            names = []
            diags.append(Diagnostic(self.loaded_config.path, 1, "error", f"cannot list the templates: {exc}"))
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
            self.static_diags = [
                Diagnostic(
                    _display_path(exc.filename or "static", Path(self.loaded_config.root)),
                    1,
                    "error",
                    f"cannot read the theme's static file: {exc.strerror or exc}",
                )
            ]

    @property
    def loaded_config(self) -> Config:
        """The site's configuration, for the steps that run once ``_build`` has loaded it."""
        assert self.config is not None
        return self.config

    def _gather(self) -> None:
        diags = Diagnostics()
        self.sources = {s.path: s for s in gather(self.loaded_config, diags)}
        self.gather_diags = list(diags.items)

    def _source_path(self, path: Path) -> str | None:
        """The SourceFile path gather gives a content file (relative to the site root)."""
        rel = inside(path, self.roots.content)
        if rel is None:
            return None
        root = Path(self.loaded_config.root)
        try:
            return (root / self.loaded_config.content_dir / rel).relative_to(root).as_posix()
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
            source = read_source(path, rel, self.loaded_config.limits.max_file_kb * 1024) if exists else None
            updates[rel] = source  # None: deleted
        changed = False
        edited: list[SourceFile] | None = []  # files changed in place (no file added or gone)
        assert self.sources is not None  # _build gathers before it updates
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

    def _render(self, site: Site, diags: Diagnostics, smoke: bool) -> LazyFiles | dict[str, bytes] | None:
        root = Path(self.loaded_config.root)
        template_dirs = [d / "templates" for d in self.dirs]
        if not self.lazy:
            try:
                return render_output(site, self.dirs, diags, self.env)
            except Exception as exc:  # noqa: BLE001
                diags.items.append(template_diagnostic(exc, root, template_dirs, "rendering the site"))
                return None

        def plan_failed(outputs: Outputs | None, exc: BaseException) -> None:
            diags.items.append(template_diagnostic(exc, root, template_dirs, "rendering the site"))

        # the search index is not planned: it is built in the background (searching.py)
        try:
            outputs = plan_outputs(site, self.dirs, diags, self.env, static=self.static, on_plan_error=plan_failed)
        except Exception as exc:  # noqa: BLE001 - a bug in a view helper: the preview says so and goes on
            plan_failed(None, exc)
            return None
        if outputs.pages is None or diags.errors:
            return None
        files = LazyFiles(outputs, on_error=self._page_failed)
        if smoke:
            # new templates: render one page of each kind now, so a template that
            # breaks at run time shows in the overlay instead of as a broken page
            tried: set[str] = set()
            for output in outputs:
                if output.page is None or output.page.template in tried:
                    continue
                tried.add(output.page.template)
                try:
                    files.done[output.path] = files.render(output.path)
                except Exception as exc:  # noqa: BLE001
                    diags.items.append(template_diagnostic(exc, root, template_dirs, f"rendering {output.path}"))
                    return None
        self._planned = outputs  # what a check-in edit patches (_patch)
        return files

    # ------------------------------------------------------------------ search index
    def _want_search(self, snap: Snapshot) -> None:
        if self.search_enabled and isinstance(snap.files, LazyFiles) and snap.files.site.config.search:
            self.search.want(snap)

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
                assert outcome.files is not None  # a good build has files
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
            tail = (
                "still serving the last good build"
                if self.snapshot is not None
                else "nothing to serve until it is fixed"
            )
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
        return inject(insert_at_top(body, notice[1]), script_tag(snap.prefix, snap.build))
