"""The build: gather, then the pure steps (load, resolve, lint, status), then render and
export, and only then write. Like MkDocs: validate everything first, write last."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import export, lint, resolve, status
from .diagnostics import Diagnostics
from .gather import gather
from .load import ParseCache, load
from .markdown import Markdown
from .model import Config, Diagnostic, Site, SourceFile
from .themes import theme_dirs, static_files


@dataclass
class BuildResult:
    site: Site | None
    files: dict[str, bytes]
    diagnostics: list[Diagnostic]
    files_read: int = 0
    seconds: float = 0.0
    written: bool = False
    pages: int = field(default=0)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


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
    from . import render  # jinja is only needed when rendering

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
    put("okrs.json", export.export_json(site), "the JSON export")
    from . import feeds  # Atom feeds of check-ins, per-period CSV

    for path, data in feeds.outputs(site).items():
        put(path, data, "the feeds and CSV exports")
    return files


def search_index(site: Site, diags: Diagnostics) -> dict[str, bytes]:
    """The search bundle of a site (``pagefind/...``), or {} with an error reported."""
    from . import search

    try:
        return search.index_files(site)
    except search.SearchError as exc:
        diags.error(site.config.path, 1, f"cannot build the search index: {exc} "
                    "(turn search off with `search: false` or `okrsite build --no-search`)")
        return {}


def template_location(exc: BaseException, root: Path) -> tuple[str, int] | None:
    """The template file and line where rendering failed, relative to the site root when
    inside it: from a syntax error, else from the innermost template frame."""
    import traceback

    cause = exc.__cause__
    filename, line = getattr(cause, "filename", None), getattr(cause, "lineno", None)
    if not filename and cause is not None:
        for frame in reversed(traceback.extract_tb(cause.__traceback__)):
            if frame.filename.endswith((".html", ".xml", ".txt", ".j2")) and "/templates/" in frame.filename:
                filename, line = frame.filename, frame.lineno
                break
    if not filename:
        return None
    try:
        shown = Path(filename).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = filename
    return shown, line or 1


def build(config: Config, as_of: date, *, render_pages: bool = True, sources: list[SourceFile] | None = None,
          cache: ParseCache | None = None, env=None, search: bool = False) -> BuildResult:
    """Gather (unless ``sources`` are given) and compute everything; render when there
    are no errors. Writes nothing: the caller writes ``result.files`` or serves them.
    ``search``: also build the search index (``okrsite build`` passes ``config.search``;
    the preview server indexes in the background instead, see ``search.index_files``)."""
    started = time.perf_counter()
    diags = Diagnostics()
    from_disk = sources is None
    if sources is None:
        sources = gather(config, diags)
    site = compute_site(config, sources, as_of, diags, cache=cache, bodies=render_pages)
    if from_disk:  # is the committed CODEOWNERS up to date with the maintainers?
        from .codeowners import check_committed

        check_committed(site, diags)
    files: dict[str, bytes] = {}
    if render_pages and not diags.errors:
        files = render_output(site, theme_dirs(config), diags, env, search=search and config.search)
    result = BuildResult(site, files, diags.sorted(), files_read=len(sources))
    result.pages = sum(1 for p in files if p.endswith(".html"))
    result.seconds = time.perf_counter() - started
    return result
