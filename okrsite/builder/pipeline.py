"""The build: gather, then the pure steps (load, resolve, lint, status), then render and
export, and only then write. Like MkDocs: validate everything first, write last."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Mapping

from ..core import lint, resolve, status
from ..core.diagnostics import Diagnostics
from ..core.load import ParsedFile, attach_bodies, load
from ..core.markdown import Markdown
from ..core.model import Config, Diagnostic, Site, SourceFile
from ..site.themes import theme_dirs
from .gather import gather
from .memory import release_free_memory
from .outputs import plan
from .parallel import ParsingPool, parse_all, render_bodies
from .parsecache import ParseCache
from .sinks import CachedBuild, in_memory, write_folder


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


def compute(
    config: Config,
    sources: list[SourceFile],
    as_of: date,
    *,
    diags: Diagnostics | None = None,
    markdown: Markdown | None = None,
    parsed: Mapping[str, ParsedFile] | None = None,
    bodies: bool = True,
) -> tuple[Site, Diagnostics]:
    """Pure: source files (and those already parsed, ``parse_all``) -> a loaded,
    resolved, linted and computed Site, and every problem found (added to ``diags`` when
    given). Without ``bodies``, Markdown bodies are not rendered (nothing will be)."""
    diags = Diagnostics() if diags is None else diags
    site = load(sources, config, as_of, diags, markdown, parsed, bodies)
    resolve.resolve(site, diags)
    lint.lint(site, diags)
    status.compute(site)
    return site, diags


def compute_site(
    config: Config,
    sources: list[SourceFile],
    as_of: date,
    diags: Diagnostics,
    markdown: Markdown | None = None,
    parsed: Mapping[str, ParsedFile] | None = None,
    bodies: bool = True,
) -> Site:
    """:func:`compute` with the caller's ``diags``: the Site alone."""
    return compute(config, sources, as_of, diags=diags, markdown=markdown, parsed=parsed, bodies=bodies)[0]


def render_output(
    site: Site, dirs: list[Path], diags: Diagnostics, env=None, *, search: bool = False
) -> dict[str, bytes]:
    """Every output file in memory (``plan``, then the in-memory sink): static assets,
    pages, okrs.json, its shards, the feeds and CSV files and, with ``search``, the
    search index (``pagefind/``). Two outputs on one path are an error (reported, and
    the build fails); so is an index that cannot be built."""
    return in_memory(plan(site, dirs, diags, env, search=search))


def build(
    config: Config,
    as_of: date,
    *,
    render_pages: bool = True,
    sources: list[SourceFile] | None = None,
    cache: ParseCache | None = None,
    env=None,
    search: bool = False,
    plan_files: bool = False,
) -> BuildResult:
    """Gather (unless ``sources`` are given) and compute everything; render when there
    are no errors. Writes nothing: the caller writes ``result.files`` or serves them.
    ``plan_files`` (``okrsite check`` and ``okrsite diff``, which render nothing): every
    file is still planned, so two outputs on one path are reported as a build reports them.
    ``search``: also build the search index (``okrsite build`` passes ``config.search``;
    the preview server indexes in the background instead, see ``searchindex.index_files``)."""
    started = time.perf_counter()
    diags = Diagnostics()
    from_disk = sources is None
    if sources is None:
        sources = gather(config, diags)
    parsed = parse_all(sources, config, cache=cache, bodies=render_pages)
    site = compute_site(config, sources, as_of, diags, parsed=parsed, bodies=render_pages)
    if from_disk:  # is the committed CODEOWNERS up to date with the maintainers?
        from ..core.codeowners import check_committed

        check_committed(site, diags)
    files: dict[str, bytes] = {}
    if render_pages and not diags.errors:
        files = render_output(site, theme_dirs(config), diags, env, search=search and config.search)
    elif plan_files and not diags.errors:
        plan(site, theme_dirs(config), diags, env)  # Outputs.add reports a clash; nothing is made
    result = BuildResult(site, files, diags.sorted(), files_read=len(sources))
    result.pages = sum(1 for p in files if p.endswith(".html"))
    result.seconds = time.perf_counter() - started
    return result


# --------------------------------------------------------------------------- okrsite build


def input_roots(config: Config, dirs: list[Path]) -> list[tuple[str, Path, bool]]:
    """Everything a build reads besides its command line, for the build cache:
    (label, path, is the content folder). Content files are labelled with the paths
    gather gives them (relative to the site root)."""
    from ..core.codeowners import LOCATIONS

    root = Path(config.root)
    content = root / config.content_dir
    roots = [(Path(os.path.relpath(content, root)).as_posix(), content, True), (config.path, root / config.path, False)]
    # themes by their place in the search order, not their path: a checkout (or okrsite)
    # installed elsewhere with the same files is the same input
    for i, d in enumerate(dirs):
        roots.append((f"<theme {i}>/templates", d / "templates", False))
        roots.append((f"<theme {i}>/static", d / "static", False))
    roots.extend((location, root / location, False) for location in LOCATIONS)
    return roots


def publish(
    config: Config,
    as_of: date,
    output: Path,
    *,
    search: bool | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    progress=None,
    on_wait=None,
    strict: bool = False,
    write: bool = True,
) -> BuildResult:
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

    Steps: gather, :func:`compute`, ``outputs.plan`` (the one path-clash check), then the
    folder sink (``sinks.write_folder``). The collector and memory policy is the
    caller's (``okrsite.builder.memory``: the command line runs builds inside one)."""
    from . import cache as build_cache, record as build_record, scan as build_scan
    from .parallel import default_jobs
    from .parsecache import load_parse_cache, own_cache_file, parsed_identity, save_parse_cache
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
    roots = input_roots(config, dirs)

    record = build_record.read_build(config) if use_cache else None
    removed: list = []  # leftovers of killed builds removed (BuildResult.leftovers)
    inputs = None
    fingerprint = None
    if use_cache:
        progress.stage("looking for changes")
        inputs = build_scan.scan_inputs(
            roots,
            record.inputs if record else None,
            record.inputs_ns if record else 0,
            defer=record is None,
            skip={str(cache_root), str(output)},
        )
        if record is not None:
            fingerprint = build_scan.fingerprint(inputs, config, as_of, options)
            if (
                fingerprint == record.fingerprint
                and record.output == build_record.output_key(config, output)
                and output.is_dir()
            ):
                with output_lock(output, on_wait):
                    removed = remove_leftovers(output)  # of builds killed since (see write.py)
                    manifest = build_record.trusted_output(config, output, record)
                    if manifest is not None and manifest is not record.manifest:
                        # a restored output, verified: the record now names this folder
                        record.manifest, record.output_id = manifest, build_cache.output_identity(output)
                        try:
                            build_record.write_build(config, record)
                        except OSError:
                            pass
                if manifest is not None:
                    progress.finish()
                    return BuildResult(
                        None,
                        {},
                        record.diagnostics,
                        files_read=record.files_read,
                        seconds=time.perf_counter() - started,
                        pages=record.pages,
                        unchanged=True,
                        timings=dict(progress.timings),
                        leftovers=removed,
                    )

    parsed_id: list = []  # parsed.json as this build leaves it, if it vouches for it
    diags = Diagnostics()
    progress.stage("reading files")
    sources = gather(config, diags)
    files_read = len(sources)
    if inputs is not None and fingerprint is None:
        inputs.fill({s.path: s.data for s in sources if not s.problem})
        fingerprint = build_scan.fingerprint(inputs, config, as_of, options)
    parse_cache = load_parse_cache(config, record.parsed_id if record else None) if use_cache else None
    progress.stage(f"parsing {files_read:,} files", key="parsing")
    pool = ParsingPool(jobs, config)
    try:
        parsed = parse_all(sources, config, jobs, parse_cache, bodies=False, pool=pool)
        # Markdown bodies render in the parsing processes while this one loads the site:
        # loading needs no body, and the model has them before anything is planned
        bodies = render_bodies(parsed, config, jobs, parse_cache, pool)
    except BaseException:
        pool.close()
        raise
    try:
        progress.stage(f"loading and checking {files_read:,} files", key="loading and checking")
        site = compute_site(config, sources, as_of, diags, parsed=parsed)
        from ..core.codeowners import check_committed

        check_committed(site, diags)
        progress.stage("rendering Markdown", key="rendering Markdown")
        attach_bodies(site, bodies.result())
    finally:
        bodies.close()  # stopped, when loading stopped the build
    del bodies
    if parse_cache is not None:
        progress.stage("saving the cache")
        try:
            if own_cache_file(parse_cache, save_parse_cache(config, parse_cache)):
                parsed_id = parsed_identity(config)
        except OSError:
            pass  # a cache that cannot be written costs the next build time, nothing else
    parse_cache = None
    del sources, parsed  # not needed any more: their memory goes before rendering
    release_free_memory()
    result = BuildResult(site, {}, [], files_read=files_read)
    result.leftovers = removed
    if write and not diags.errors and not (strict and diags.warnings):
        cached_build = None
        if use_cache:
            assert inputs is not None and fingerprint is not None
            label = roots[0][0]
            base = build_scan.fingerprint(inputs, config, as_of, options, leave_out=_team_content(label))
            cached_build = CachedBuild(
                fingerprint, inputs, parsed_id, record, label, base, own_templates(dirs), files_read
            )
        previous_index = None  # the last build's search index, whose unchanged parts are kept
        texts = None  # the bodies' text as the last builds made it
        if cached_build is not None and search:
            from .searchindex import LastOutput, load_texts

            previous_index, texts = LastOutput(config, output, record), load_texts(config)
        outputs = plan(
            site,
            dirs,
            diags,
            _build_environment(dirs),
            marker=True,
            search=search,
            previous_index=previous_index,
            texts=texts,
            progress=progress,
        )
        if texts is not None:
            from .searchindex import save_texts

            try:
                save_texts(config, texts)
            except OSError:
                pass  # a cache that cannot be written costs the next build time, nothing else
            texts = None
        written = write_folder(outputs, output, jobs=jobs, progress=progress, on_wait=on_wait, cached=cached_build)
        result.leftovers += written.leftovers
        result.written, result.pages = written.written, written.pages
        result.processes, result.reused = written.processes, written.reused
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


def _build_environment(dirs: list[Path]):
    """The pages' Jinja environment for one build: the templates do not change during
    it, so no stat per page."""
    from ..site import environment

    env = environment.make_environment(dirs)
    env.auto_reload = False
    return env
