"""Parsing every content file before loading, and rendering a planned site straight
into a folder, in several processes (edge).

:func:`parse_all` parses the files the loader reads (in a process pool,
``concurrent.futures``, when there are many to parse) and returns them by path: the loader takes that plain
data.

The pages of a :class:`~okrsite.site.pages.SitePlan` are rendered in chunks that ``jobs``
processes take in turn from a shared counter: children made with ``fork`` (replaced by
fresh ones every ``default_quota`` pages, see :func:`render_to_folder`), so they inherit the
computed site, the plan and the Jinja environment without pickling anything; with one
job, the main process itself. Each process writes the pages it
renders into the folder being filled (the temporary folder of ``write.write_site_with``)
and sends back only what the main process needs: each file's size, mtime and digest
(the build cache's manifest), and the first error. The bytes are those of
:func:`okrsite.site.pages.render_site`: every page is rendered from the same plan with the
same templates, whatever process renders it.

Errors: a page that fails stops its chunk; chunks starting after the first known
failure are skipped. Every chunk before it still runs, so the error reported is always
the one of the first failing page in plan order, as in a single-process build.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from .memory import current as memory_policy
from ..core.load import ParsedFile, parse_file, to_parse
from ..core.markdown import Markdown
from ..core.model import Config, LimitsConfig, SourceFile
from ..core.parse import Parsed
from .parsecache import ParseCache, html_key, pack_parsed, parse_key, unpack_parsed

CHUNK = 32  # pages per task: small enough to balance, large enough to make locking cheap
# pages a rendering child writes before it is replaced by a fresh fork. CPython writes a
# reference count into every object it reads, so a child copies each page of the main
# process's memory it touches; replacing children bounds those copies, and the person
# pages near the end of a plan copy the most.
# A wide page (``PagePlan.wide``: the whole organisation or a whole period) touches most
# of the model: the main process renders those itself (``main_pages``), so no child
# copies the model for them; unless the plan has no more than QUOTA pages (a build
# after a change, which renders the wide pages and a few others: a fresh child for
# each wide page would only make it slower).
QUOTA = 500
# ... but a child renders at least 1/FORKS of the pages: forking (copying the page
# tables of the main process) and a child's exit cost time in proportion to the size of
# the site, so a fixed quota would make the time spent forking grow with the square of
# the site. What a child copies grows with the pages it renders, so memory stays in
# proportion too. Each fresh child also copies again what every child touches (the
# templates, the view, a period's alignment trees), so fewer, longer-lived children
# mean fewer copy-on-write faults and less system time, at some cost in peak memory.
# The main process renders too, next to one child: a child may copy twice as much as
# when two children rendered, for the same peak.
FORKS = 18


def default_quota(pages: int) -> int:
    """Pages a rendering child writes before it is replaced (see QUOTA and FORKS)."""
    return max(QUOTA, -(-pages // FORKS))


@dataclass
class PageFailure:
    """The first page that failed to render: its index in the plan, its output path, and
    the error (a RenderError's message and template location, or a traceback)."""

    index: int
    path: str
    message: str
    location: tuple[str, int] | None = None
    crash: str | None = None  # traceback text of an unexpected exception (a bug)


@dataclass
class Rendered:
    entries: dict[str, list] = field(default_factory=dict)  # path -> [size, mtime_ns, digest]
    failure: PageFailure | None = None
    processes: int = 1
    forks: int = 0  # rendering processes started (replacements included)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _make_parent(target: str, made: set[str]) -> None:
    parent = os.path.dirname(target)
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)


def write_file(folder: str, rel: str, data: bytes, made: set[str]) -> list:
    """Write one output file below ``folder``; returns its manifest entry."""
    target = os.path.join(folder, rel)
    _make_parent(target, made)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        st = os.fstat(fd)
    finally:
        os.close(fd)
    return [st.st_size, st.st_mtime_ns, hashlib.blake2b(data, digest_size=20).hexdigest()]


def link_file(source: str, folder: str, rel: str, made: set[str]) -> bool:
    """Put the file ``rel`` of the folder ``source`` (the last build's output) below
    ``folder`` as a hard link: the same bytes, size and mtime, so its manifest entry is
    the last build's. False when it cannot be linked (the caller writes it instead).
    Output files are only ever created, never written into, so sharing them is safe."""
    target = os.path.join(folder, rel)
    _make_parent(target, made)
    try:
        os.link(os.path.join(source, rel), target, follow_symlinks=False)
    except OSError:
        return False
    return True


class _Job:
    """What every process needs; set before forking, so children inherit it. Pages are
    taken by index into ``order`` (the plan's indices), a chunk at a time."""

    def __init__(self, plan, env, folder: str, root: Path, ctx, chunk: int, order: list[int]):
        self.plan, self.env, self.folder, self.root, self.chunk = plan, env, folder, root, chunk
        self.n = len(plan.pages)
        self.order = order
        self.next = ctx.Value("q", 0)  # position in ``order`` of the next chunk to take
        self.done = ctx.Value("q", 0, lock=False)  # pages written (for the progress display; approximate)
        self.first_error = ctx.Value("q", self.n)  # lowest failing index known

    def take(self) -> list[int]:
        """The plan indices of the next chunk; empty when none are left, or when every
        one left comes after a page that failed."""
        with self.next.get_lock():
            start = self.next.value
            self.next.value = start + self.chunk
        chunk = self.order[start : start + self.chunk]
        if not chunk or chunk[0] > self.first_error.value:
            return []
        return chunk

    def left(self) -> bool:
        pos = self.next.value
        return pos < len(self.order) and self.order[pos] <= self.first_error.value


def _render(
    job: _Job, indices: list[int], out: Rendered, made: set[str], tick: Callable[[], None] | None = None
) -> None:
    """Render and write the pages ``indices`` of the plan, until one fails."""
    from ..site.pages import RenderError, render_page
    from ..site.themes import template_location

    pages = job.plan.pages
    for i in indices:
        page = pages[i]
        try:
            data = render_page(job.plan, page, job.env)
            out.entries[page.path] = write_file(job.folder, page.path, data, made)
        except Exception as exc:  # noqa: BLE001 - reported by the main process
            if isinstance(exc, RenderError):
                failure = PageFailure(i, page.path, str(exc), template_location(exc, job.root))
            elif isinstance(exc, OSError):
                raise
            else:
                failure = PageFailure(
                    i, page.path, f"{type(exc).__name__}: {exc}", crash="".join(traceback.format_exception(exc))
                )
            if out.failure is None or failure.index < out.failure.index:
                out.failure = failure
            with job.first_error.get_lock():
                job.first_error.value = min(job.first_error.value, i)
            return
        job.done.value += 1
        if tick is not None:
            tick()
    memory_policy().collect_young()  # cycles left by pages that import macros with context


def _work(job: _Job, tick: Callable[[], None] | None = None, quota: int | None = None) -> Rendered:
    """Take chunks until none are left (or ``quota`` pages are done); render and write
    their pages."""
    out = Rendered()
    made: set[str] = set()
    spent = 0
    while quota is None or spent < quota:
        chunk = job.take()
        if not chunk:
            break
        _render(job, chunk, out, made, tick)
        spent += len(chunk)
    return out


def _die_with_parent(parent: int) -> None:
    """A build killed (SIGKILL) takes its rendering processes with it, instead of
    leaving them writing into its abandoned temporary folder (Linux; issue 8)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


def _child(job: _Job, conn, parent: int | None = None, quota: int | None = None) -> None:
    if parent is not None:
        _die_with_parent(parent)
    try:
        result: Any = _work(job, quota=quota)
    except BaseException as exc:  # noqa: BLE001 - sent to the main process
        result = exc if isinstance(exc, OSError) else RuntimeError("".join(traceback.format_exception(exc)))
    try:
        conn.send(result)
    finally:
        conn.close()


def render_to_folder(
    plan,
    env,
    folder: Path,
    *,
    jobs: int = 1,
    root: Path | None = None,
    progress=None,
    chunk: int = CHUNK,
    quota: int | None = None,
) -> Rendered:
    """Render every page of ``plan`` into ``folder`` with ``jobs`` processes. Raises
    OSError when a file cannot be written.

    With one job the main process renders alone. With more, it renders too, and keeps
    ``jobs - 1`` forked children busy. It renders the wide pages (``PagePlan.wide``:
    the whole organisation or a whole period) itself, first, then takes chunks like the
    children: a wide page touches most of the model, which a child would have to copy
    (unless the plan is small: :func:`main_pages`).
    A child that has written ``quota`` pages (default: ``default_quota``) sends its
    results and exits, and a fresh one is forked in its place. Rendering makes the
    caches of the view grow and, by touching the site's objects, turns memory shared
    with the main process into private copies (reference counts are written into every
    object read); a fresh child starts sharing the main process's memory again. Memory
    shared between two processes is copied once, by whichever writes it first: a main
    process that renders as well halves what is copied (and the time the copies take)."""
    from multiprocessing.connection import Connection, wait

    folder_s = str(folder)
    root = root or Path(".")
    n = len(plan.pages)
    jobs = max(1, min(jobs, (n + chunk - 1) // chunk or 1))
    # few pages (a build after a change) go in smaller chunks: the slow ones, which come
    # first in the plan, would otherwise all go to one process
    chunk = max(1, min(chunk, n // (jobs * 16)))
    if jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
        jobs = 1
    ctx = multiprocessing.get_context("fork") if jobs > 1 else multiprocessing.get_context()
    wide = main_pages(plan, jobs)
    order = [i for i, page in enumerate(plan.pages) if not page.wide] if wide else list(range(n))
    job = _Job(plan, env, folder_s, root, ctx, chunk, order)
    if progress is not None:
        progress.stage("rendering" + (f" with {jobs} processes" if jobs > 1 else ""), n, key="rendering")

    def tick() -> None:
        if progress is not None:
            progress.update(job.done.value)

    if jobs == 1:
        result = _work(job, tick)
        tick()
        return result

    if quota is None:
        quota = default_quota(n)
    # compiled once here rather than once per child
    for name in sorted({page.template for page in plan.pages}):
        try:
            env.get_template(name)
        except Exception:  # noqa: BLE001 - reported by the page that uses it
            pass
    memory = memory_policy()
    froze = memory.freeze_for_children()  # the children inherit the site's objects
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    active: dict = {}  # receiving end of a child's pipe -> the child
    started = 0

    def spawn() -> None:
        nonlocal started
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_child, args=(job, send, os.getpid(), quota), daemon=True)
        p.start()
        send.close()
        active[recv] = p
        started += 1

    result = Rendered()
    own = Rendered()  # what the main process renders
    made: set[str] = set()
    mine = [wide[k : k + chunk] for k in range(0, len(wide), chunk)]  # then chunks from the counter
    rendering = True
    try:
        for _ in range(jobs - 1):
            spawn()
        while rendering or active:
            if rendering:
                indices = mine.pop(0) if mine else job.take()
                if not indices:
                    rendering = False
                elif indices[0] <= job.first_error.value:
                    _render(job, indices, own, made, tick)
            for conn in wait(list(active), timeout=0 if rendering else 0.1):
                assert isinstance(conn, Connection)  # the pipes given (fork: POSIX, no PipeConnection)
                p = active.pop(conn)
                try:
                    got = conn.recv()
                except EOFError:
                    p.join()
                    raise RuntimeError(f"a rendering process stopped unexpectedly (exit code {p.exitcode})") from None
                finally:
                    conn.close()
                if isinstance(got, BaseException):
                    p.join()
                    raise got
                _merge(result, got)
                if job.left():
                    spawn()  # before joining: the finished child's exit (freeing its memory) overlaps the fork
                p.join()
            tick()
    finally:
        for conn, p in active.items():
            if p.is_alive():
                p.terminate()
            p.join()
            conn.close()
        memory.children_done(froze)
    _merge(result, own)
    result.processes = jobs
    result.forks = started
    return result


def main_pages(plan, jobs: int) -> list[int]:
    """The pages the main process renders before taking chunks like the children: the
    wide ones (``PagePlan.wide``), when there are children and the plan has more than
    QUOTA pages. A small plan (a build after a change: the wide pages and a few others)
    shares them out like the rest, in small chunks: in one process they would take as
    long as all of them together, and two processes never hold more than two copies of
    the model either way."""
    if jobs < 2 or len(plan.pages) <= QUOTA:
        return []
    return [i for i, page in enumerate(plan.pages) if page.wide]


def _merge(result: Rendered, got: Rendered) -> None:
    """Add one process's pages to ``result``; the failure of the lowest page wins."""
    result.entries.update(got.entries)
    if got.failure is not None and (result.failure is None or got.failure.index < result.failure.index):
        result.failure = got.failure


# --------------------------------------------------------------------------- parsing

POOL_MIN = 2000  # fewer files to parse than this: one process is quicker than starting a pool
BATCH = 200  # files a parsing process takes at a time


class ParsingPool:
    """The processes that parse a build's files and then render their bodies: started
    when a step first has enough work for them, and kept for the next step. They are
    forked once, before the main process holds the parses: a pool forked after that
    shares their memory, and every page of it the main process then touches while
    loading is copied for the pool (about 400 MB at 1,000 teams)."""

    def __init__(self, jobs: int, config: Config) -> None:
        self.jobs, self.config = jobs, config
        self.executor: ProcessPoolExecutor | None = None
        self.usable = True  # until closed, or a process dies: then the main process does the rest

    def get(self, count: int) -> ProcessPoolExecutor | None:
        """The pool, for ``count`` tasks; None when one process is quicker or none can start."""
        if self.executor is None and self.usable:
            self.executor = _parsing_pool(self.jobs, count, self.config)
        return self.executor

    def close(self) -> None:
        """Stop the processes; what is queued is dropped, a batch being done ends first
        (so a build that stops stops them too). A closed pool starts no other: what is
        asked of it after is done in the main process."""
        self.usable = False
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


def parse_all(
    sources: list[SourceFile],
    config: Config,
    jobs: int = 1,
    cache: ParseCache | None = None,
    bodies: bool = True,
    pool: ParsingPool | None = None,
) -> dict[str, ParsedFile]:
    """Every file the loader reads (``load.to_parse``), parsed and its body rendered
    (``bodies``, by :func:`render_bodies`), by path: the plain data ``load.load`` takes.
    What ``cache`` holds is taken from it, the rest is parsed (in a pool of ``jobs``
    processes when there are many: ``pool``, left running for the caller's next step
    unless ``bodies`` renders in it and closes it, or one of its own) and put into it.
    The result is the same whatever ``jobs`` and whatever the cache holds: an entry is a
    pure function of the file's bytes."""
    if pool is None:
        own = ParsingPool(jobs, config)
        try:
            return parse_all(sources, config, jobs, cache, bodies, own)
        finally:
            own.close()
    cache = cache if cache is not None else ParseCache()
    limits = config.limits
    out: dict[str, ParsedFile] = {}
    todo: list[tuple[SourceFile, tuple]] = []
    for f in to_parse(sources, config):
        key = parse_key(f.data, limits)
        parsed = cache.get(key)
        if parsed is None:
            todo.append((f, key))
        else:
            out[f.path] = ParsedFile(parsed, "")
    done = 0
    executor = pool.get(len(todo))
    if executor is not None:
        try:
            tasks = (f.data for f, _ in todo)
            for (f, key), packed in zip(todo, executor.map(_parse_packed, tasks, chunksize=BATCH)):
                parsed = unpack_parsed(packed) if isinstance(packed, str) else packed
                cache.put(key, parsed, packed if isinstance(packed, str) else None)
                out[f.path] = ParsedFile(parsed, "")
                done += 1
        except BrokenProcessPool:
            pool.close()  # a process died (out of memory, killed): the rest is parsed here
        except BaseException:
            pool.close()  # a build that stops stops them too
            raise
    for f, key in todo[done:]:
        entry = parse_file(f.data, limits, None)
        cache.put(key, entry.parsed)
        out[f.path] = entry
    if bodies:
        html = render_bodies(out, config, jobs, cache, pool).result()
        out = {path: ParsedFile(entry.parsed, html[path]) for path, entry in out.items()}
    return out


class PendingBodies:
    """Markdown bodies being rendered in a pool while the main process goes on (the
    build loads the site meanwhile: see :func:`render_bodies`)."""

    def __init__(
        self,
        html: dict[str, str],
        todo: list[tuple[str, str, Any]],
        cache: ParseCache,
        config: Config,
        pool: ParsingPool,
    ):
        self.html, self.todo, self.cache, self.allow_html = html, todo, cache, config.allow_html
        self.pool: ParsingPool | None = pool
        self.results: Any = iter(())
        executor = pool.get(len(todo))
        if executor is not None:
            try:
                self.results = executor.map(_render_body, [body for _, body, _ in todo], chunksize=BATCH)
            except BrokenProcessPool:  # a process died since parsing: the main process renders
                pool.close()

    def result(self) -> dict[str, str]:
        """Every body's HTML by path, once all are rendered (those the pool could not
        render are rendered here)."""
        done = 0
        if self.pool is not None:
            try:
                for (path, _, key), html in zip(self.todo, self.results):
                    self.html[path] = html
                    self.cache.put_html(key, html)
                    done += 1
            except BrokenProcessPool:
                pass  # a process died (out of memory, killed): the rest is rendered here
            finally:
                self.close()
        md = _markdown(self.allow_html)
        for path, body, key in self.todo[done:]:
            html = self.html[path] = md.render(body)
            self.cache.put_html(key, html)
        self.todo = []
        return self.html

    def close(self) -> None:
        """Stop the pool (nothing more is rendered): after ``result``, or instead of it."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None


def render_bodies(
    parsed: Mapping[str, ParsedFile],
    config: Config,
    jobs: int = 1,
    cache: ParseCache | None = None,
    pool: ParsingPool | None = None,
) -> PendingBodies:
    """Start rendering the Markdown body of every file of ``parsed`` (from
    ``parse_all(..., bodies=False)``), in a pool of ``jobs`` processes when there are
    many (``pool``, the one that parsed them, or one of its own; the result closes
    it): the caller loads the site while they render, then attaches what
    ``.result()`` gives (``load.attach_bodies``). What ``cache`` holds is taken from
    it. ``parse_all`` renders its bodies with it too."""
    cache = cache if cache is not None else ParseCache()
    allow_html = config.allow_html
    html: dict[str, str] = {}
    todo: list[tuple[str, str, Any]] = []
    for path, entry in parsed.items():
        body = entry.parsed.body
        if not body.strip():
            html[path] = ""
            continue
        key = html_key(body, allow_html)
        got = cache.get_html(key)
        if got is None:
            todo.append((path, body, key))
        else:
            html[path] = got
    return PendingBodies(html, todo, cache, config, pool or ParsingPool(jobs, config))


def _render_body(body: str) -> str:
    assert _parse_options is not None  # set by _parser_start
    return _markdown(_parse_options[1]).render(body)


def _parsing_pool(jobs: int, count: int, config: Config) -> ProcessPoolExecutor | None:
    """A pool of ``jobs`` processes to parse ``count`` files or render their bodies,
    or None when one process is quicker (few files) or none can be started."""
    start = _pool_start() if jobs > 1 and count >= POOL_MIN else None
    if start is None:
        return None
    context, parent = start
    return ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_parser_start, initargs=(parent, config.limits, config.allow_html)
    )


def _pool_start() -> tuple[Any, int | None] | None:
    """How parsing processes start, and the process they die with: forked from this one
    when it runs a single thread (a build), so they start at once with okrsite imported;
    from a fork server when other threads run (serve's HTTP and watcher threads), since a
    fork copies the locks those threads may hold. None where neither exists (Windows:
    one process parses)."""
    methods = multiprocessing.get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        return multiprocessing.get_context("fork"), os.getpid()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context, None
    return None


@functools.lru_cache(maxsize=2)
def _markdown(allow_html: bool) -> Markdown:
    """One renderer per process (its parsers are reused across files)."""
    return Markdown(allow_html)


# what every file of one parse_all is parsed with, set once in each parsing process
# (sent with each file, it cost the main process a pickle per file)
_parse_options: tuple[LimitsConfig, bool] | None = None


def _parser_start(parent: int | None, limits: LimitsConfig, allow_html: bool) -> None:
    global _parse_options
    _parse_options = (limits, allow_html)
    if parent is not None:  # a fork server's children end when the server does
        _die_with_parent(parent)
    # Ctrl-C is for the main process: it stops the pool
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _parse_packed(data: bytes) -> str | Parsed:
    """A parsing process's work: one file parsed, sent as its JSON form (quicker to
    send and receive than the objects), or as the objects when they cannot be packed."""
    assert _parse_options is not None  # set by _parser_start
    parsed = parse_file(data, _parse_options[0], None).parsed
    try:
        return pack_parsed(parsed)
    except (TypeError, ValueError):
        return parsed
