"""Every file a computed site will have, before any is made: ``plan(site, dirs, ...)``
gives an :class:`Outputs`, and a sink (``okrsite/builder/sinks.py``) makes the files:
in memory (check, diff, tests), on request (serve) or into a folder (build).

Each output has a path, an owner (the words of the path-clash message), what it depends
on where that is known (a page: the teams it shows, ``site/dependencies.py``) and how it
is made: bytes already (the theme's static files, the marker, the search index), a page
of the page plan (``pages.plan_pages``), or a group made together on first need (the
JSON export, its shards, the feeds and CSV files). :meth:`Outputs.add` is the only place
where two outputs on one path are found."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from ..core import urls
from ..core.diagnostics import Diagnostics
from ..core.model import Site
from ..site import export
from ..site.themes import static_files, template_location
from .memory import current as memory_policy

STATIC = "the theme's static files"
MARKER = "okrsite's marker"
SEARCH = "the search index"
PAGE = "a page"
JSON = "the JSON export"
SHARDS = "the JSON export's shards"
FEEDS = "the feeds and CSV exports"
SEARCH_TEAMS = "the search page's list of teams"

# what a sink that makes every file reports when a group's template breaks
_GROUP_FAILED = {FEEDS: "cannot write the feeds"}


@dataclass(frozen=True)
class Output:
    """One file of the site: where, whose, and how it is made (exactly one of ``data``,
    ``page``, or ``group``: the owner of the group that makes it)."""

    path: str
    owner: str
    data: bytes | None = None
    page: Any = None  # site_pages.PagePlan
    group: str | None = None


class Outputs:
    """Every file of one site, in the order they were planned (a dict by path)."""

    def __init__(self, site: Site, diags: Diagnostics, env=None, pages=None) -> None:
        self.site = site
        self.diags = diags
        self.env = env  # the Jinja environment of the pages and of feed.xml
        self.pages = pages  # site_pages.SitePlan, or None when planning the pages failed
        self.files: dict[str, Output] = {}
        self._groups: dict[str, dict[str, bytes]] = {}
        self._exported: dict | None = None
        self._page_count: int | None = None

    # ---------------------------------------------------------------- planning
    def add(
        self, path: str, owner: str, *, data: bytes | None = None, page: Any = None, group: str | None = None
    ) -> bool:
        """Plan one file; False (and an error at ``okrsite.yaml`` line 1) when another
        output already writes ``path``: the first one keeps it."""
        known = self.files.get(path)
        if known is not None:
            self.diags.error(self.site.config.path, 1, f"two outputs write {path}: {known.owner} and {owner}")
            return False
        self.files[path] = Output(path, owner, data, page, group)
        return True

    def add_files(self, files: dict[str, bytes], owner: str) -> None:
        for path, data in files.items():
            self.add(path, owner, data=data)

    def rebind(self, site: Site, pages) -> "Outputs":
        """The same files for ``site``, a patched copy of this one (serve/patch.py):
        same paths, pages and static files, the groups made again on need."""
        new = Outputs(site, self.diags, self.env, pages)
        new.files, new._page_count = self.files, self._page_count
        return new

    # ---------------------------------------------------------------- reading
    def __contains__(self, path: str) -> bool:
        return path in self.files

    def __len__(self) -> int:
        return len(self.files)

    def __iter__(self) -> Iterator[Output]:
        return iter(self.files.values())

    def page_count(self) -> int:
        if self._page_count is None:
            self._page_count = sum(1 for p in self.files if p.endswith(".html"))
        return self._page_count

    def teams(self) -> list[tuple[str, ...] | None]:
        """Per page of the page plan, in its order: the teams it shows (None: unknown)."""
        from ..site import dependencies

        return dependencies.page_teams(self.pages) if self.pages is not None else []

    # ---------------------------------------------------------------- making
    def make(self, output: Output) -> bytes | None:
        """The bytes of one output (a page rendered, a group made once and kept).
        Raises what its producer raises (a broken template: ``pages.RenderError``);
        None when its group did not make it."""
        if output.data is not None:
            return output.data
        if output.page is not None:
            from ..site import pages as site_pages

            return site_pages.render_page(self.pages, output.page, self.env)
        assert output.group is not None
        return self.group(output.group).get(output.path)

    def made(self, output: Output) -> bytes | None:
        """:meth:`make` for a sink that makes every file: a group whose template breaks
        is reported where it broke, and makes none of its files."""
        from ..site import pages as site_pages

        try:
            return self.make(output)
        except site_pages.RenderError as exc:
            if output.group not in _GROUP_FAILED:
                raise
            self.report(exc, _GROUP_FAILED[output.group])
            self._groups[output.group] = {}
            return None

    def group(self, owner: str) -> dict[str, bytes]:
        made = self._groups.get(owner)
        if made is None:
            made = self._groups[owner] = self._make_group(owner)
        return made

    def _make_group(self, owner: str) -> dict[str, bytes]:
        if owner == FEEDS:
            from ..site import feeds

            return feeds.outputs(self.site, self._export_data(), self.env)
        if owner == SHARDS:
            return export.shards(self.site, self._export_data())
        if owner == SEARCH_TEAMS:
            from ..site import pages as site_pages

            assert self.pages is not None  # planned only with the pages
            return {urls.SEARCH_TEAMS_FILE: site_pages.search_teams_json(self.pages.view)}
        return {"okrs.json": export.export_json(self.site, self._export_data())}

    def _export_data(self) -> dict:
        if self._exported is None:
            self._exported = export.export_data(self.site)  # for okrs.json, the shards and the CSV files
        return self._exported

    def forget_made(self) -> None:
        """Drop the groups made so far (their bytes are elsewhere now)."""
        self._groups.clear()
        self._exported = None

    def report(self, exc: BaseException, message: str) -> None:
        """A producer's error as a diagnostic: where its template broke, or okrsite.yaml."""
        path, line = template_location(exc, Path(self.site.config.root)) or (self.site.config.path, 1)
        self.diags.error(path, line, f"{message}: {exc}")


def search_index(site: Site, diags: Diagnostics, previous: Any = None, texts: Any = None) -> dict[str, bytes]:
    """The search bundle of a site (``pagefind/...``), or {} with an error reported;
    the parts unchanged since ``previous`` (a ``searchindex.Previous``) taken from it,
    the bodies' text from ``texts`` (a ``searchindex.TextCache``)."""
    from . import searchindex

    try:
        return searchindex.index_files(site, previous, texts)
    except searchindex.SearchError as exc:
        diags.error(
            site.config.path,
            1,
            f"cannot build the search index: {exc} "
            "(turn search off with `search: false` or `okrsite build --no-search`)",
        )
        return {}


def page_plan_failed(outputs: Outputs, exc: BaseException) -> None:
    """The build's words for pages that cannot be planned (two pages on one path)."""
    outputs.report(exc, "cannot render the site")


def plan(
    site: Site,
    dirs: list[Path],
    diags: Diagnostics,
    env=None,
    *,
    static: dict[str, bytes] | None = None,
    marker: bool = False,
    search: bool = False,
    previous_index: Any = None,
    texts: Any = None,
    progress=None,
    on_plan_error: Callable[[Outputs, BaseException], None] = page_plan_failed,
) -> Outputs:
    """Every file of ``site``, each added with :meth:`Outputs.add` (the path-clash check),
    in this order: the themes' static files (``static``: already read), okrsite's marker
    (``marker``: a folder build), the search index (``search``: indexed now, before any
    page is rendered, so the two never need memory at once),
    the pages, ``okrs.json``, its shards, the feeds and CSV files. Pages that cannot be
    planned (a ``RenderError``) are reported by ``on_plan_error``; the other files are
    still planned. Anything else raised while planning (a bug) is raised.

    A new output format is one more ``add`` here, with a group in
    ``Outputs._make_group`` when it is made on need."""
    from ..site import environment, pages as site_pages
    from .output import MARKER as MARKER_FILE, MARKER_BYTES

    if env is None:
        env = environment.make_environment(dirs)
    outputs = Outputs(site, diags, env)
    outputs.add_files(static_files(dirs) if static is None else static, STATIC)
    if marker:
        outputs.add(MARKER_FILE, MARKER, data=MARKER_BYTES)  # what write_site_with adds, in the manifest too
    if search:
        if progress is not None:
            progress.stage("indexing for search")
        memory = memory_policy()
        memory.keep()  # the site: the collection below only looks at what indexing made
        outputs.add_files(search_index(site, diags, previous_index, texts), SEARCH)
        memory.collect()
    if progress is not None:
        progress.stage("planning pages")
    try:
        outputs.pages = site_pages.plan_pages(site)
    except site_pages.RenderError as exc:  # two pages on one path (DuplicateOutput)
        on_plan_error(outputs, exc)
    if outputs.pages is not None:
        for page in sorted(outputs.pages.pages, key=lambda page: page.path):
            outputs.add(page.path, PAGE, page=page)
        if urls.SEARCH + "index.html" in outputs and site_pages.search_teams_apart(outputs.pages.view):
            outputs.add(urls.SEARCH_TEAMS_FILE, SEARCH_TEAMS, group=SEARCH_TEAMS)
    outputs.add("okrs.json", JSON, group=JSON)
    for path in export.shard_paths(site):
        outputs.add(path, SHARDS, group=SHARDS)
    from ..site.feeds import output_paths

    for path in output_paths(site):
        outputs.add(path, FEEDS, group=FEEDS)
    return outputs


__all__ = [
    "Output",
    "Outputs",
    "plan",
    "search_index",
    "STATIC",
    "MARKER",
    "SEARCH",
    "PAGE",
    "JSON",
    "SHARDS",
    "FEEDS",
    "SEARCH_TEAMS",
]
