"""The build: gather, then the pure steps (load, resolve, lint, status), then render and
export, and only then write. Like MkDocs: validate everything first, write last."""

from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..core import lint, resolve, status
from ..core.diagnostics import Diagnostics
from ..core.load import ParseCache, load
from ..core.markdown import Markdown
from ..core.model import Config, Diagnostic, Site, SourceFile
from ..site import export
from ..site.themes import static_files, template_location, theme_dirs
from .gather import gather


@dataclass
class BuildResult:
    site: Site | None
    files: dict[str, bytes]
    diagnostics: list[Diagnostic]
    files_read: int = 0
    seconds: float = 0.0
    written: bool = False
    pages: int = field(default=0)
    unchanged: bool = False  # ``publish``: nothing changed since the last build, nothing written
    processes: int = 1  # ``publish``: processes that rendered the pages
    reused: int = 0  # ``publish``: unchanged pages taken from the last build, not rendered (dependencies.py)
    timings: dict[str, float] = field(default_factory=dict)  # ``publish``: seconds per step
    # ``publish``: temporary folders of killed builds it removed, with their sizes (write.remove_leftovers)
    leftovers: list[tuple[Path, int]] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def release_free_memory() -> None:
    """Hand memory freed by Python back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). Freed memory otherwise stays in the process, and the rendering
    processes forked next would each count a share of it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def compute_site(config: Config, sources: list[SourceFile], as_of: date, diags: Diagnostics,
                 markdown: Markdown | None = None, cache: ParseCache | None = None, bodies: bool = True) -> Site:
    """Pure: source files -> a loaded, resolved, linted and computed Site."""
    site = load(sources, config, as_of, diags, markdown, cache, bodies)
    resolve.resolve(site, diags)
    lint.lint(site, diags)
    status.compute(site)
    return site


def render_output(site: Site, dirs: list[Path], diags: Diagnostics, env=None, *,
                  search: bool = False) -> dict[str, bytes]:
    """Every output file: static assets, pages, okrs.json and, with ``search``, the
    search index (``pagefind/``). Two writers of one path are an error (reported, and
    the build fails); so is an index that cannot be built."""
    from ..site import render  # jinja is only needed when rendering

    files: dict[str, bytes] = {}
    owners: dict[str, str] = {}

    def put(path: str, data: bytes, owner: str) -> None:
        if path in files:
            diags.error(site.config.path, 1, f"two outputs write {path}: {owners[path]} and {owner}")
            return
        files[path] = data
        owners[path] = owner

    for path, data in static_files(dirs).items():
        put(path, data, "the theme's static files")
    if search:
        # indexed before rendering, so the indexer's memory and the rendered pages'
        # are never needed at the same time
        for path, data in search_index(site, diags).items():
            put(path, data, "the search index")
    if env is None:
        env = render.make_environment(dirs)
    try:
        pages = render.render_site(site, env)
    except render.RenderError as exc:  # two pages on one path, or a broken user template
        path, line = template_location(exc, Path(site.config.root)) or (site.config.path, 1)
        diags.error(path, line, f"cannot render the site: {exc}")
        pages = {}
    for path, data in pages.items():
        put(path, data, "a page")
    exported = export.export_data(site)  # for okrs.json and the CSV files
    put("okrs.json", export.export_json(site, exported), "the JSON export")
    for path, data in export.shards(site, exported).items():
        put(path, data, "the JSON export's shards")
    for path, data in _feeds(site, exported, env, diags).items():
        put(path, data, "the feeds and CSV exports")
    return files


def _feeds(site: Site, exported: dict, env, diags: Diagnostics) -> dict[str, bytes]:
    """The feeds and CSV exports (``feeds.outputs``), or {} with a broken ``feed.xml``
    template reported where it broke."""
    from ..site import feeds, render

    try:
        return feeds.outputs(site, exported, env)
    except render.RenderError as exc:
        path, line = template_location(exc, Path(site.config.root)) or (site.config.path, 1)
        diags.error(path, line, f"cannot write the feeds: {exc}")
        return {}


def search_index(site: Site, diags: Diagnostics, previous=None) -> dict[str, bytes]:
    """The search bundle of a site (``pagefind/...``), or {} with an error reported;
    the parts unchanged since ``previous`` (a ``searchindex.Previous``) taken from it."""
    from . import searchindex

    try:
        return searchindex.index_files(site, previous)
    except searchindex.SearchError as exc:
        diags.error(site.config.path, 1, f"cannot build the search index: {exc} "
                    "(turn search off with `search: false` or `okrsite build --no-search`)")
        return {}


def build(config: Config, as_of: date, *, render_pages: bool = True, sources: list[SourceFile] | None = None,
          cache: ParseCache | None = None, env=None, search: bool = False) -> BuildResult:
    """Gather (unless ``sources`` are given) and compute everything; render when there
    are no errors. Writes nothing: the caller writes ``result.files`` or serves them.
    ``search``: also build the search index (``okrsite build`` passes ``config.search``;
    the preview server indexes in the background instead, see ``searchindex.index_files``)."""
    started = time.perf_counter()
    diags = Diagnostics()
    from_disk = sources is None
    if sources is None:
        sources = gather(config, diags)
    site = compute_site(config, sources, as_of, diags, cache=cache, bodies=render_pages)
    if from_disk:  # is the committed CODEOWNERS up to date with the maintainers?
        from ..core.codeowners import check_committed

        check_committed(site, diags)
    files: dict[str, bytes] = {}
    if render_pages and not diags.errors:
        files = render_output(site, theme_dirs(config), diags, env, search=search and config.search)
    result = BuildResult(site, files, diags.sorted(), files_read=len(sources))
    result.pages = sum(1 for p in files if p.endswith(".html"))
    result.seconds = time.perf_counter() - started
    return result


# --------------------------------------------------------------------------- okrsite build


class _RenderFailed(Exception):
    """A page failed while the temporary output folder was being filled."""

    def __init__(self, failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def input_roots(config: Config, dirs: list[Path]) -> list[tuple[str, Path, bool]]:
    """Everything a build reads besides its command line, for the build cache:
    (label, path, is the content folder). Content files are labelled with the paths
    gather gives them (relative to the site root)."""
    from ..core.codeowners import LOCATIONS

    root = Path(config.root)
    content = root / config.content_dir
    roots = [(Path(os.path.relpath(content, root)).as_posix(), content, True),
             (config.path, root / config.path, False)]
    # themes by their place in the search order, not their path: a checkout (or okrsite)
    # installed elsewhere with the same files is the same input
    for i, d in enumerate(dirs):
        roots.append((f"<theme {i}>/templates", d / "templates", False))
        roots.append((f"<theme {i}>/static", d / "static", False))
    roots.extend((location, root / location, False) for location in LOCATIONS)
    return roots


def publish(config: Config, as_of: date, output: Path, *, search: bool | None = None, jobs: int | None = None,
            use_cache: bool = True, progress=None, on_wait=None, strict: bool = False,
            write: bool = True, keep_frozen: bool = False) -> BuildResult:
    """``okrsite build``: build the site and write it to ``output``, atomically.

    Unlike :func:`build`, the pages are never all in memory: they are planned, checked
    for clashing paths together with every other output, then rendered by ``jobs``
    processes straight into the temporary folder that replaces ``output`` when it is
    complete (``write.write_site_with``). With ``use_cache``, the build cache in
    ``.okrsite-cache/`` (see ``okrsite.builder.cache``) lets a build with nothing changed
    return at once (``result.unchanged``), and lets a build after a change reuse the
    parsed files and rendered Markdown of the ones that did not change. The bytes
    written are the same whatever ``jobs`` and whatever the cache holds. Nothing is
    written when there are errors, or warnings under ``strict``, or without ``write``.

    The cyclic garbage collector is paused while loading, and the site's objects are
    frozen (left out of collections) before rendering; ``keep_frozen`` leaves them so
    (the command line, which exits next, saves a full collection of millions of objects)."""
    from . import cache as build_cache
    from .parallel import PREFETCH_MIN, default_jobs, start_parsers
    from .progress import Progress
    from .write import output_lock, remove_leftovers

    started = time.perf_counter()
    progress = progress or Progress.quiet()
    search = config.search if search is None else bool(search and config.search)
    jobs = jobs or default_jobs()
    output = Path(output).absolute()
    dirs = theme_dirs(config)
    options = {"search": search}
    cache_root = Path(config.root) / build_cache.CACHE_DIR

    record = build_cache.read_build(config) if use_cache else None
    removed: list = []  # leftovers of killed builds removed (BuildResult.leftovers)
    inputs = None
    fingerprint = None
    if use_cache:
        progress.stage("looking for changes")
        inputs = build_cache.scan_inputs(input_roots(config, dirs), record.inputs if record else None,
                                         record.inputs_ns if record else 0, defer=record is None,
                                         skip={str(cache_root), str(output)})
        if record is not None:
            fingerprint = build_cache.fingerprint(inputs, config, as_of, options)
            if (fingerprint == record.fingerprint and record.output == build_cache.output_key(config, output)
                    and output.is_dir()):
                with output_lock(output, on_wait):
                    removed = remove_leftovers(output)  # of builds killed since (see write.py)
                    manifest = build_cache.trusted_output(config, output, record)
                    if manifest is not None and manifest is not record.manifest:
                        # a restored output, verified: the record now names this folder
                        record.manifest, record.output_id = manifest, build_cache.output_identity(output)
                        try:
                            build_cache.write_build(config, record)
                        except OSError:
                            pass
                if manifest is not None:
                    progress.finish()
                    return BuildResult(None, {}, record.diagnostics, files_read=record.files_read,
                                       seconds=time.perf_counter() - started, pages=record.pages, unchanged=True,
                                       timings=dict(progress.timings), leftovers=removed)

    gc_was_enabled = gc.isenabled()
    gc.disable()  # loading makes millions of objects and almost no garbage: see serve.py
    # YAML and Markdown are most of loading: with enough files and most of them not in
    # the cache (decoding cached ones is quicker than sending them), other processes
    # parse them, batch by batch, while this one loads. They are forked before the files
    # are read, so as to share none of them (parallel.Parsers).
    parsers = prefetch = None
    parsed_id: list = []  # parsed.json as this build leaves it, if it vouches for it
    try:
        if jobs > 1 and (record is None or record.files_read >= PREFETCH_MIN):
            parsers = start_parsers(config, jobs)
        diags = Diagnostics()
        progress.stage("reading files")
        sources = gather(config, diags)
        files_read = len(sources)
        if inputs is not None and fingerprint is None:
            inputs.fill({s.path: s.data for s in sources if not s.problem})
            fingerprint = build_cache.fingerprint(inputs, config, as_of, options)
        parse_cache = build_cache.load_parse_cache(config, record.parsed_id if record else None) \
            if use_cache else None
        cached = len(getattr(parse_cache.parsed, "raw", ())) if parse_cache is not None else 0
        if parsers is not None and files_read >= PREFETCH_MIN and cached < files_read // 2:
            if parse_cache is None:
                parse_cache = ParseCache()  # for this build only (--no-cache)
                parse_cache.parsed = build_cache.PackedEntries()
            prefetch = parsers.feed(sources, config, parse_cache, cached=cached > 0)
        elif parsers is not None:
            parsers.stop()
        parsers = None
        if prefetch is not None:
            progress.stage(f"parsing and loading {files_read:,} files ({jobs} parsing processes)",
                           key="parsing and loading")
        else:
            progress.stage(f"loading and checking {files_read:,} files", key="loading and checking")
        site = compute_site(config, sources, as_of, diags, cache=parse_cache)
        if prefetch is not None:
            prefetch.close()  # its processes and the entries the loader did not ask for
            prefetch = None
        from ..core.codeowners import check_committed

        check_committed(site, diags)
        del sources
        if parse_cache is not None and use_cache:
            progress.stage("saving the cache")
            try:
                if build_cache.own_cache_file(parse_cache, build_cache.save_parse_cache(config, parse_cache)):
                    parsed_id = build_cache.parsed_identity(config)
            except OSError:
                pass  # a cache that cannot be written costs the next build time, nothing else
        parse_cache = None  # not needed any more: its memory goes before rendering
        release_free_memory()
        result = BuildResult(site, {}, [], files_read=files_read)
        result.leftovers = removed
        if write and not diags.errors and not (strict and diags.warnings):
            cached_build = None
            if use_cache:
                label = input_roots(config, dirs)[0][0]
                base = build_cache.fingerprint(inputs, config, as_of, options, leave_out=_team_content(label))
                cached_build = _CachedBuild(fingerprint, inputs, parsed_id, record, label, base, own_templates(dirs))
            _write_output(site, dirs, diags, result, output, search=search, jobs=jobs, progress=progress,
                          on_wait=on_wait, cached=cached_build)
    finally:
        if parsers is not None:  # stopped before the files were handed out
            parsers.stop()
        if prefetch is not None:  # stopped while loading
            prefetch.close()
        if not keep_frozen:
            gc.unfreeze()
        if gc_was_enabled:
            gc.enable()
    progress.finish()
    result.diagnostics = diags.sorted()
    result.seconds = time.perf_counter() - started
    result.timings = dict(progress.timings)
    return result


def _team_content(content_label: str):
    """The build-cache inputs that are files of a team's period folders."""
    from ..site.dependencies import team_of_input

    return lambda key: team_of_input(key, content_label) is not None


def own_templates(dirs: list[Path]) -> bool:
    """Whether a theme brings templates of its own (over the built-in ones)."""
    from ..site.themes import template_files

    return bool(template_files(dirs[:-1]))


@dataclass
class _CachedBuild:
    """A build with the cache: what it records for the next one, and what it needs to
    take unchanged pages from the last one (dependencies.py)."""

    fingerprint: str  # of everything the output depends on (cache.fingerprint)
    inputs: Any  # cache.Inputs of this build
    parsed_id: list  # parsed.json as this build leaves it, if it vouches for it
    record: Any  # cache.BuildRecord of the last build, or None
    content_label: str  # the content folder's label among the inputs (input_roots)
    base: str  # this build's fingerprint without the teams' period folders
    own_templates: bool  # a theme's own templates: the pages' dependencies are unknown


def _write_output(site: Site, dirs: list[Path], diags: Diagnostics, result: BuildResult, output: Path, *,
                  search: bool, jobs: int, progress, on_wait, cached: _CachedBuild | None = None) -> None:
    """Plan every output file, check that no two share a path, then fill a fresh folder
    (pages rendered in ``jobs`` processes; with the build cache, ``cached``, only those a
    change can have altered, the others linked from the last build's output), swap it in
    and record the build."""
    from ..site import dependencies, render
    from . import cache as build_cache
    from .output import MARKER, MARKER_BYTES
    from .parallel import link_file, render_to_folder, write_file
    from .write import write_site_with

    config = site.config
    files: dict[str, bytes] = {}
    owners: dict[str, str] = {}

    def claim(path: str, owner: str) -> bool:  # same checks and words as render_output
        if path in owners:
            diags.error(config.path, 1, f"two outputs write {path}: {owners[path]} and {owner}")
            return False
        owners[path] = owner
        return True

    def put(path: str, data: bytes, owner: str) -> None:
        if claim(path, owner):
            files[path] = data

    for path, data in static_files(dirs).items():
        put(path, data, "the theme's static files")
    put(MARKER, MARKER_BYTES, "okrsite's marker")  # what write_site_with would add, in the manifest too
    if search:
        progress.stage("indexing for search")
        gc.freeze()  # the site: the collection below only looks at what indexing made
        from .searchindex import LastOutput

        previous = LastOutput(config, output, cached.record) if cached is not None else None
        for path, data in search_index(site, diags, previous).items():
            put(path, data, "the search index")
        # indexing leaves its records in reference cycles (through the frames of the
        # indexer's asyncio calls), which the paused collector would keep for good
        gc.collect()
        release_free_memory()
    progress.stage("planning pages")
    env = render.make_environment(dirs)
    env.auto_reload = False  # the templates do not change during a build: no stat per page
    plan = None
    try:
        plan = render.plan_pages(site)
    except render.RenderError as exc:  # two pages on one path
        path, line = template_location(exc, Path(config.root)) or (config.path, 1)
        diags.error(path, line, f"cannot render the site: {exc}")
    if plan is not None:
        for page in plan.pages:
            claim(page.path, "a page")
    exported = export.export_data(site)  # for okrs.json and the CSV files
    put("okrs.json", export.export_json(site, exported), "the JSON export")
    for path, data in export.shards(site, exported).items():
        put(path, data, "the JSON export's shards")
    for path, data in _feeds(site, exported, env, diags).items():
        put(path, data, "the feeds and CSV exports")
    del exported  # before the rendering processes fork
    if diags.errors:
        return
    teams = view = people = None
    reuse = None  # per page: render it (True) or take it from the last build's output
    last = cached.record if cached is not None else None
    if cached is not None and plan is not None:
        teams = dependencies.page_teams(plan)
        view, people = dependencies.view_digest(plan), dependencies.people_slugs(plan)
        if (last is not None and last.base == cached.base and last.view == view
                and last.output == build_cache.output_key(config, output)
                and not cached.own_templates and not dependencies.people_changed(last.people, people)):
            changed = dependencies.changed_teams(last.inputs, cached.inputs.files, cached.content_label)
            if changed is not None:
                reuse = dependencies.pages_to_render([p.path for p in plan.pages], teams,
                                                     dependencies.decode_teams(last.teams), changed, last.manifest)
    # the build no longer needs anything that is not shared with the rendering processes
    gc.freeze()
    manifest: dict[str, list] = {}

    def fill(folder: Path) -> None:
        progress.stage("writing files")
        made: set[str] = set()
        for path, data in files.items():
            manifest[path] = write_file(str(folder), path, data, made)
        files.clear()
        release_free_memory()  # the search bundle's bytes, before the renderers fork
        todo = plan
        if reuse is not None:
            progress.stage("taking unchanged pages")
            known = build_cache.trusted_output(config, output, last)
            if known is not None:
                pages = []
                for page, render_it in zip(plan.pages, reuse):
                    if render_it or not link_file(str(output), str(folder), page.path, made):
                        pages.append(page)
                    else:
                        manifest[page.path] = known[page.path]
                todo = render.SitePlan(plan.view, plan.common, pages)
        rendered = render_to_folder(todo, env, folder, jobs=jobs, root=Path(config.root), progress=progress)
        if rendered.failure is not None:
            raise _RenderFailed(rendered.failure)
        manifest.update(rendered.entries)
        result.processes = rendered.processes
        result.reused = len(plan.pages) - len(todo.pages)
        progress.stage("replacing the site")

    def record() -> None:
        if cached is None:
            return
        inputs = cached.inputs
        try:
            build_cache.write_build(config, build_cache.BuildRecord(
                fingerprint=cached.fingerprint, output=build_cache.output_key(config, output),
                output_id=build_cache.output_identity(output),
                inputs=inputs.files, inputs_ns=inputs.started_ns, parsed_id=cached.parsed_id,
                manifest=manifest, diagnostics=diags.sorted(), files_read=result.files_read,
                pages=sum(1 for p in manifest if p.endswith(".html")),
                base=cached.base, view=view or "", people=people or {},
                teams=dependencies.encode_teams(zip((p.path for p in plan.pages), teams)) if teams else {}))
        except OSError:
            pass

    try:
        result.leftovers += write_site_with(fill, output, on_wait, record)
    except _RenderFailed as exc:
        failure = exc.failure
        if failure.crash:  # a bug, not a template error: fail loudly, as render_site would
            raise RuntimeError(f"rendering {failure.path} failed:\n{failure.crash}") from None
        path, line = failure.location or (config.path, 1)
        diags.error(path, line, f"cannot render the site: {failure.message}")
        return
    result.written = True
    result.pages = sum(1 for p in manifest if p.endswith(".html"))
