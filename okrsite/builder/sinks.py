"""The sinks that make the files of an :class:`~okrsite.builder.outputs.Outputs`:

- :func:`in_memory`: every file, as ``{path: bytes}`` (check, diff, tests, and the
  preview server when it does not render lazily);
- :class:`LazyFiles`: each file made the first time it is asked for, then kept
  (``okrsite serve``);
- :func:`write_folder`: into a fresh folder swapped in atomically, the pages rendered
  in several processes, unchanged pages linked from the last build (``okrsite build``).

All three make the same bytes; none of them checks paths (``Outputs.add`` did)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .memory import current as memory_policy, release_free_memory
from .outputs import Outputs


def in_memory(outputs: Outputs) -> dict[str, bytes]:
    """Every file, in the order planned. The pages are rendered in the page plan's
    order; a page that fails is reported (``cannot render the site``) and no page is
    kept; a feed template that fails is reported, and no feed is kept."""
    from ..site import pages as site_pages

    rendered: dict[str, bytes] = {}
    if outputs.pages is not None:
        try:
            for page in outputs.pages.pages:
                rendered[page.path] = site_pages.render_page(outputs.pages, page, outputs.env)
        except site_pages.RenderError as exc:  # a broken user template
            outputs.report(exc, "cannot render the site")
            rendered = {}
    files: dict[str, bytes] = {}
    for output in outputs:
        data = rendered.get(output.path) if output.page is not None else outputs.made(output)
        if data is not None:
            files[output.path] = data
    return files


class LazyFiles:
    """The files of one successful build, each made on first request and kept (the
    preview server). ``on_error(path, exc)`` hears of a page that failed to render
    (which raises)."""

    def __init__(self, outputs: Outputs, on_error: Callable[[str, BaseException], None] | None = None) -> None:
        self.outputs = outputs
        self.on_error = on_error
        self.done: dict[str, bytes] = {}

    @property
    def site(self):
        return self.outputs.site

    @property
    def page_count(self) -> int:
        return self.outputs.page_count()

    def __contains__(self, path: str) -> bool:
        return path in self.outputs

    def __len__(self) -> int:
        return len(self.outputs)

    def keys(self) -> list[str]:
        return sorted(self.outputs.files)

    def render(self, path: str) -> bytes:
        """Render a page (raises on a template error)."""
        data = self.outputs.make(self.outputs.files[path])
        assert data is not None
        return data

    def get(self, path: str) -> bytes | None:
        data = self.done.get(path)
        if data is not None:
            return data
        output = self.outputs.files.get(path)
        if output is None:
            return None
        if output.data is not None:
            return output.data
        if output.page is None:
            data = self.outputs.make(output)
        else:
            try:
                data = self.render(path)
            except Exception as exc:  # noqa: BLE001 - a broken page must not stop the server
                if self.on_error is not None:
                    self.on_error(path, exc)
                raise
        if data is not None:
            self.done[path] = data
        return data

    def materialise(self) -> dict[str, bytes | None]:
        """Every file, as ``okrsite build`` would write them (for tests)."""
        return {p: self.get(p) for p in self.keys()}


# --------------------------------------------------------------------------- a folder


class _RenderFailed(Exception):
    """A page failed while the temporary output folder was being filled."""

    def __init__(self, failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass
class CachedBuild:
    """A build with the cache: what it records for the next one, and what it needs to
    take unchanged pages from the last one (dependencies.py)."""

    fingerprint: str  # of everything the output depends on (scan.fingerprint)
    inputs: Any  # scan.Inputs of this build
    parsed_id: list  # parsed.json as this build leaves it, if it vouches for it
    record: Any  # record.BuildRecord of the last build, or None
    content_label: str  # the content folder's label among the inputs (input_roots)
    base: str  # this build's fingerprint without the teams' period folders
    own_templates: bool  # a theme's own templates: the pages' dependencies are unknown
    files_read: int = 0


@dataclass
class Written:
    """What :func:`write_folder` did."""

    written: bool = False
    pages: int = 0
    processes: int = 1
    reused: int = 0  # unchanged pages taken from the last build, not rendered
    leftovers: list[tuple[Path, int]] = field(default_factory=list)


def write_folder(
    outputs: Outputs, output: Path, *, jobs: int, progress, on_wait, cached: CachedBuild | None = None
) -> Written:
    """Make every file into a fresh folder (the pages rendered in ``jobs`` processes;
    with the build cache, ``cached``, only those a change can have altered, the others
    linked from the last build's output), swap it in and record the build. Writes
    nothing when ``outputs`` has errors, or gets one while its files are made."""
    from ..site import dependencies
    from ..site import pages as site_pages
    from . import cache as build_cache, record as build_record
    from .parallel import link_file, render_to_folder, write_file
    from .write import write_site_with

    site, diags = outputs.site, outputs.diags
    config = site.config
    result = Written()
    files: dict[str, bytes] = {}
    for item in outputs:
        if item.page is None:
            data = outputs.made(item)
            if data is not None:
                files[item.path] = data
    outputs.forget_made()  # the export's data, before the rendering processes fork
    if diags.errors:
        return result
    plan = outputs.pages
    teams = view = people = None
    reuse = None  # per page: render it (True) or take it from the last build's output
    last = cached.record if cached is not None else None
    if cached is not None:
        teams = outputs.teams()
        view, people = dependencies.view_digest(plan), dependencies.people_slugs(plan)
        if (
            last is not None
            and last.base == cached.base
            and last.view == view
            and last.output == build_record.output_key(config, output)
            and not cached.own_templates
            and not dependencies.people_changed(last.people, people)
        ):
            changed = dependencies.changed_teams(last.inputs, cached.inputs.files, cached.content_label)
            if changed is not None:
                reuse = dependencies.pages_to_render(
                    [p.path for p in plan.pages], teams, dependencies.decode_teams(last.teams), changed, last.manifest
                )
    memory_policy().keep()  # the build needs nothing that is not shared with the rendering processes
    manifest: dict[str, list] = {}

    def fill(folder: Path) -> None:
        progress.stage("writing files")
        made: set[str] = set()
        for path, data in files.items():
            manifest[path] = write_file(str(folder), path, data, made)
        files.clear()
        release_free_memory()  # the search bundle's bytes, before the renderers fork
        todo = plan
        if reuse is not None and last is not None:
            progress.stage("taking unchanged pages")
            known = build_record.trusted_output(config, output, last)
            if known is not None:
                pages = []
                for page, render_it in zip(plan.pages, reuse):
                    if render_it or not link_file(str(output), str(folder), page.path, made):
                        pages.append(page)
                    else:
                        manifest[page.path] = known[page.path]
                todo = site_pages.SitePlan(plan.view, plan.common, pages)
        rendered = render_to_folder(todo, outputs.env, folder, jobs=jobs, root=Path(config.root), progress=progress)
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
            build_record.write_build(
                config,
                build_record.BuildRecord(
                    fingerprint=cached.fingerprint,
                    output=build_record.output_key(config, output),
                    output_id=build_cache.output_identity(output),
                    inputs=inputs.files,
                    inputs_ns=inputs.started_ns,
                    parsed_id=cached.parsed_id,
                    manifest=manifest,
                    diagnostics=diags.sorted(),
                    files_read=cached.files_read,
                    pages=sum(1 for p in manifest if p.endswith(".html")),
                    base=cached.base,
                    view=view or "",
                    people=people or {},
                    teams=dependencies.encode_teams(zip((p.path for p in plan.pages), teams)) if teams else {},
                ),
            )
        except OSError:
            pass

    try:
        result.leftovers = write_site_with(fill, output, on_wait, record)
    except _RenderFailed as exc:
        failure = exc.failure
        if failure.crash:  # a bug, not a template error: fail loudly, as render_site would
            raise RuntimeError(f"rendering {failure.path} failed:\n{failure.crash}") from None
        path, line = failure.location or (config.path, 1)
        diags.error(path, line, f"cannot render the site: {failure.message}")
        return result
    result.written = True
    result.pages = sum(1 for p in manifest if p.endswith(".html"))
    return result


__all__ = ["in_memory", "LazyFiles", "write_folder", "CachedBuild", "Written"]
