"""Rendering a planned site in several processes, straight into a folder (edge).

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

import hashlib
import multiprocessing
import os
import signal
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .memory import current as memory_policy

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
        chunk = self.order[start:start + self.chunk]
        if not chunk or chunk[0] > self.first_error.value:
            return []
        return chunk

    def left(self) -> bool:
        pos = self.next.value
        return pos < len(self.order) and self.order[pos] <= self.first_error.value


def _render(job: _Job, indices: list[int], out: Rendered, made: set[str],
            tick: Callable[[], None] | None = None) -> None:
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
                failure = PageFailure(i, page.path, f"{type(exc).__name__}: {exc}",
                                      crash="".join(traceback.format_exception(exc)))
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


def render_to_folder(plan, env, folder: Path, *, jobs: int = 1, root: Path | None = None,
                     progress=None, chunk: int = CHUNK, quota: int | None = None) -> Rendered:
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
    from multiprocessing.connection import wait

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
    mine = [wide[k:k + chunk] for k in range(0, len(wide), chunk)]  # then chunks from the counter
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

PREFETCH_MIN = 2000  # fewer files than this: parsing them in one process is quicker
BATCH = 200  # files a parsing process parses before sending their entries


def _parser_child(config, tasks, conn, parent: int, inherited: list) -> None:
    """A parsing process: waits for its share of the files (paths: it reads them itself,
    so it never shares the main process's copy of them), parses them batch by batch and
    sends each batch's entries; None when it is not needed."""
    from ..core.load import ParseCache, parse_ahead
    from . import cache as build_cache
    from .gather import read_source

    _die_with_parent(parent)
    # Ctrl-C is for the main process: it stops these (or they see their pipes close)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for other in inherited:  # the main process's ends of the pipes of the processes forked before
        other.close()
    try:
        share = tasks.recv()
    except (EOFError, OSError):
        share = None
    finally:
        tasks.close()
    if share is None:
        conn.close()
        return
    max_bytes = config.limits.max_file_kb * 1024
    cache = ParseCache()
    cache.parsed = build_cache.PackedEntries()  # sent as the main process keeps them
    try:
        for start in range(0, len(share), BATCH):
            files = [read_source(full, rel, max_bytes) for full, rel in share[start:start + BATCH]]
            parse_ahead([f for f in files if f is not None], config, cache)
            conn.send((dict(cache.parsed), dict(cache.html)))
            cache.parsed.clear()
            cache.html.clear()
    except BaseException:  # noqa: BLE001 - the loader parses what this process did not send
        pass
    try:
        conn.send(None)  # the end: done, or failed
    except OSError:
        pass  # the main process stopped listening: loading is over
    finally:
        conn.close()


class Parsers:
    """Parsing processes forked before the files are read (:func:`start_parsers`), so
    that they share nothing of the files' bytes with the main process. Were they forked
    after, every file the main process touches while loading (a reference count is a
    write) would be copied, the children keeping the original: memory that grows with
    the size of the content."""

    def __init__(self, children: list) -> None:
        self.children = children  # (process, its task pipe, its result pipe)

    def feed(self, sources: list, config, cache, cached: bool = True) -> Prefetch:
        """Send each process the paths of its share of ``sources`` (batches of BATCH
        files in path order, batch i to process i mod n; files not read left out, and
        with ``cached``, those whose parse ``cache`` holds) and return the
        :class:`Prefetch` through which ``cache`` takes their entries as the loader asks
        for them."""
        from ..core.load import ParseCache, content_prefix, in_content

        limits = config.limits
        ordered = [f for f in sorted(sources, key=lambda f: f.path) if not f.problem]  # the loader's order
        keys = None
        if cached:
            keys = [ParseCache.parse_key(f.data, True, limits) for f in ordered]
            kept = [i for i, key in enumerate(keys) if not cache.holds(key)]
            ordered, keys = [ordered[i] for i in kept], [keys[i] for i in kept]
        # the paths gather read: the content folder as configured, and the file below it
        folder, prefix = os.path.join(config.root, config.content_dir), content_prefix(config)
        shares: list[list] = [[] for _ in self.children]
        for i in range(0, len(ordered), BATCH):
            shares[(i // BATCH) % len(shares)].extend(
                (os.path.join(folder, in_content(f.path, prefix)), f.path) for f in ordered[i:i + BATCH])
        started = []
        for (p, tasks, results), share in zip(self.children, shares):
            try:
                tasks.send(share)
                started.append((p, results))
            except OSError:  # the process is gone: the loader parses its files
                results.close()
                p.join()
            finally:
                tasks.close()
        self.children = []
        # made while the processes start on their shares
        expected = set(keys) if keys is not None else {ParseCache.parse_key(f.data, True, limits) for f in ordered}
        return Prefetch(cache, started, expected)

    def stop(self) -> None:
        """Not needed (or the build stopped): let the processes go."""
        for p, tasks, results in self.children:
            try:
                tasks.send(None)
            except (OSError, ValueError):  # gone, or already given its share
                pass
            tasks.close()
            results.close()
            p.join(timeout=1)
            if p.is_alive():  # at work on a share
                p.terminate()
                p.join()
        self.children = []


def start_parsers(config, jobs: int) -> Parsers | None:
    """Fork ``jobs`` parsing processes that wait for :meth:`Parsers.feed` (or
    :meth:`Parsers.stop`); None for one job, no ``fork``, or when forking fails."""
    if jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    ctx = multiprocessing.get_context("fork")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    children: list = []
    try:
        for _ in range(jobs):
            task_recv, task_send = ctx.Pipe(duplex=False)
            result_recv, result_send = ctx.Pipe(duplex=False)
            try:
                inherited = [end for _, task, result in children for end in (task, result)]
                p = ctx.Process(target=_parser_child, daemon=True,
                                args=(config, task_recv, result_send, os.getpid(), inherited))
                p.start()
            except BaseException:
                task_send.close()
                result_recv.close()
                raise
            finally:
                task_recv.close()
                result_send.close()
            children.append((p, task_send, result_recv))
    except BaseException as exc:  # cannot fork (memory, process limit): the loader parses
        Parsers(children).stop()
        if not isinstance(exc, Exception):
            raise
        return None
    return Parsers(children)


class Prefetch:
    """The parsing processes of :meth:`Parsers.feed`, feeding a ``load.ParseCache``:
    when the loader asks the cache for an entry it does not hold, the cache calls
    :meth:`more` (``ParseCache.more``), which waits for batches until the one with that
    entry has come, so loading runs while the rest is parsed. Entries are kept aside
    until the loader asks for them: the cache ends up with the same entries as when the
    loader parses everything itself, and so does the ``parsed.json`` it is saved to."""

    def __init__(self, cache, children: list, expected: set) -> None:
        self.cache, self.processes = cache, len(children)
        self.active = {recv: p for p, recv in children}
        self.expected = expected  # the parse keys of the files sent
        self.pending: dict[str, dict] = {"parsed": {}, "html": {}}
        cache.more = self.more if self.active else None

    def more(self, kind: str, key) -> bool:
        """Put the entry ``key`` of ``kind`` ("parsed" or "html") into the cache, waiting
        for it if it is to come; False when it will not (a file sent as other bytes than
        those the loader has, a process that failed or died: the loader parses what it
        does not find). A body's HTML comes in the batch of its file's parse, so it is
        never waited for."""
        pending = self.pending[kind]
        if key not in pending:
            if kind != "parsed" or key not in self.expected:
                return False
            while key not in pending:
                if not self._receive():
                    return False
        self._store(kind, key, pending.pop(key))
        return True

    def _receive(self) -> bool:
        """Wait for the next batch of any parsing process and keep it aside; False when
        no more will come."""
        from multiprocessing.connection import wait

        while self.active:
            for conn in wait(list(self.active)):
                try:
                    got = conn.recv()
                except Exception:  # noqa: BLE001 - ended, or killed in the middle of a message
                    got = None
                if got is None:
                    self._end(conn)
                    continue
                parsed, html = got
                self.pending["parsed"].update(parsed)
                self.pending["html"].update(html)
                return True
        return False

    def _store(self, kind: str, key, value) -> None:
        """Parses come packed (``cache.pack_parsed``), as a ``cache.PackedEntries``
        keeps them; a cache of objects gets them unpacked."""
        from .cache import unpack_parsed

        target = getattr(self.cache, kind)
        if kind == "parsed" and not getattr(target, "packs", False):
            target[key] = unpack_parsed(value)
        else:
            getattr(target, "put_packed", target.__setitem__)(key, value)

    def _end(self, conn) -> None:
        p = self.active.pop(conn)
        conn.close()
        if p.is_alive():
            p.terminate()
        p.join()

    def close(self) -> None:
        """Stop the parsing processes, if any are left, and let go of the cache and of
        the entries not asked for (files the loader skipped)."""
        for conn in list(self.active):
            self._end(conn)
        if self.cache is not None:
            self.cache.more = None
        self.cache = None
        self.pending = {"parsed": {}, "html": {}}
