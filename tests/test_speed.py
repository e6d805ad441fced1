"""Speed at scale (issue 7), checked for correctness, never timed: parallel rendering
writes the same bytes as the single-process build, the build cache notices every kind
of change, and the progress display behaves on a terminal, in a log and with --quiet.
(Timings are in bench/, see bench/README.md.)"""

from __future__ import annotations

import io
import os
import shutil
import sys
from datetime import date
from pathlib import Path

import pytest

from okrsite.builder import cache as build_cache
from okrsite.builder import parsecache
from okrsite.builder.pipeline import build, publish
from okrsite.core.config import read_config
from okrsite.builder.output import MARKER, MARKER_BYTES
from okrsite.core.parse import LineDict, LineList, parse
from okrsite.builder.progress import Progress

from conftest import REPO, SAMPLE_CONFIG, copy_sample, run_okrsite

sys.path.insert(0, str(REPO / "bench"))
import generate  # noqa: E402  (bench/generate.py)


def read_tree(folder: Path) -> dict[str, bytes]:
    """The site's files in an output folder (not the writer's marker: see tests/test_output_safety.py)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).as_posix() != MARKER
    }


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A 10-team synthetic organisation (bench/generate.py), about 640 files."""
    root = tmp_path_factory.mktemp("org10")
    generate.generate(10, str(root))
    return root / "okrsite.yaml"


def assert_same_files(expected: dict[str, bytes], got: dict[str, bytes]) -> None:
    assert sorted(got) == sorted(expected)
    different = [p for p in expected if expected[p] != got[p]]
    assert different == []


# --------------------------------------------------------------------------- same bytes


@pytest.mark.parametrize("which", ["sample", "synthetic"])
def test_parallel_build_writes_the_bytes_of_the_single_process_build(which, synthetic, tmp_path):
    """`okrsite build` (pages rendered by 3 processes straight into the output folder,
    with the build cache) == the uncached single-process build in memory, byte for byte;
    so is a rebuild after a change, which reuses the cached parse of the other files."""
    config_path = copy_sample(tmp_path) if which == "sample" else synthetic
    config, _ = read_config(config_path)
    as_of = config.as_of
    expected = build(config, as_of, search=False).files
    assert expected and not build(config, as_of, render_pages=False).errors

    for jobs in (3, 1):
        out = tmp_path / f"out-{jobs}"
        result = publish(config, as_of, out, search=False, jobs=jobs, use_cache=False)
        assert not result.errors and result.written and result.processes == jobs
        assert result.pages == sum(1 for p in expected if p.endswith(".html"))
        assert_same_files(expected, read_tree(out))

    out = tmp_path / "out-cached"
    publish(config, as_of, out, search=False, jobs=2)  # fills the cache
    checkin = sorted(Path(config.root, config.content_dir).rglob("checkins/*.md"))[-1]
    original = checkin.read_bytes()
    try:
        checkin.write_bytes(original + b"\nOne more line, from the speed test.\n")
        again = publish(config, as_of, out, search=False, jobs=2)
        assert not again.unchanged and again.written
        assert_same_files(build(config, as_of, search=False).files, read_tree(out))
    finally:
        checkin.write_bytes(original)


def test_rendering_processes_replaced_every_few_pages_write_the_same_bytes(synthetic, tmp_path):
    """Rendering children are replaced by fresh forks every `quota` pages (memory): with
    a small quota, many children render the site: the same pages, byte for byte.

    A page that shows the whole organisation or a whole period touches most of the
    model, which a forked child would copy: the main process renders those itself, so
    with an unlimited quota one child renders the rest next to it. Same bytes again."""
    from okrsite.builder import parallel
    from okrsite.site.environment import make_environment
    from okrsite.site.pages import plan_pages, render_site
    from okrsite.site.themes import theme_dirs

    config, _ = read_config(synthetic)
    site = build(config, config.as_of).site  # pages only: compared with render_site itself
    env = make_environment(theme_dirs(config))
    expected = render_site(site, env)
    plan = plan_pages(site)
    out = tmp_path / "pages"
    out.mkdir()
    rendered = parallel.render_to_folder(plan, env, out, jobs=2, quota=37, chunk=8)
    assert rendered.failure is None and rendered.processes == 2
    assert set(rendered.entries) == set(expected)
    assert_same_files(expected, read_tree(out))

    wide = {p.template for p in plan.pages if p.wide}
    assert {"home.html", "period.html", "glance.html", "this_week.html", "people.html", "teams.html"} <= wide
    assert not any(p.wide for p in plan.pages if p.template in ("checkin.html", "objective.html", "person.html"))
    focused = [
        p
        for p in plan.pages
        if p.template == "alignment.html" and "/alignment/" in p.path and not p.path.endswith("/alignment/index.html")
    ]
    assert focused and not any(p.wide for p in focused)  # a team's chains, not the period
    shutil.rmtree(out)
    out.mkdir()
    rendered = parallel.render_to_folder(plan, env, out, jobs=2, quota=10**9, chunk=8)
    assert rendered.failure is None and rendered.forks == 1
    assert_same_files(expected, read_tree(out))
    shutil.rmtree(out)
    out.mkdir()
    rendered = parallel.render_to_folder(plan, env, out, jobs=3, quota=10**9, chunk=8)
    assert rendered.failure is None and rendered.forks == 2 and rendered.processes == 3
    assert_same_files(expected, read_tree(out))


def test_the_main_process_renders_the_wide_pages_of_a_big_plan(synthetic, tmp_path, monkeypatch):
    """In a plan of more than QUOTA pages, every wide page is rendered by the main
    process (a child would copy most of the model for it), and the child renders the
    rest next to it; a small plan (a build after a change) shares its wide pages out."""
    from okrsite.builder import parallel
    from okrsite.site.environment import make_environment
    from okrsite.site.pages import SitePlan, plan_pages, render_page
    from okrsite.site.themes import theme_dirs

    config, _ = read_config(synthetic)
    site = build(config, config.as_of).site
    env = make_environment(theme_dirs(config))
    plan = plan_pages(site)
    monkeypatch.setattr(parallel, "QUOTA", 50)
    assert len(plan.pages) > 4 * parallel.QUOTA
    log = tmp_path / "who.log"
    real = render_page

    def spy(plan, page, env):
        with open(log, "a") as fh:  # from the main process and from the forked child
            fh.write(f"{os.getpid()} {int(page.wide)}\n")
        return real(plan, page, env)

    monkeypatch.setattr("okrsite.site.pages.render_page", spy)
    out = tmp_path / "pages"
    out.mkdir()
    rendered = parallel.render_to_folder(plan, env, out, jobs=2, chunk=8)
    assert rendered.failure is None and len(rendered.entries) == len(plan.pages)
    who = [line.split() for line in log.read_text().splitlines()]
    assert len(who) == len(plan.pages)
    wide = {pid for pid, is_wide in who if is_wide == "1"}
    assert wide == {str(os.getpid())}
    assert {pid for pid, _ in who} - wide  # a child rendered the others (some of them)
    assert parallel.main_pages(plan, 2) == [i for i, p in enumerate(plan.pages) if p.wide]
    small = SitePlan(plan.view, plan.common, plan.pages[: parallel.QUOTA])
    assert any(p.wide for p in small.pages)
    assert parallel.main_pages(small, 2) == [] and parallel.main_pages(plan, 1) == []


def test_a_few_pages_with_wide_ones_are_shared_by_the_same_two_processes(synthetic, tmp_path):
    """A plan of no more than QUOTA pages (a build after a change: the wide pages and a
    few others) is rendered by the main process and one child, in small chunks; the same
    bytes."""
    from okrsite.builder import parallel
    from okrsite.site.environment import make_environment
    from okrsite.site.pages import SitePlan, plan_pages, render_page
    from okrsite.site.themes import theme_dirs

    config, _ = read_config(synthetic)
    site = build(config, config.as_of).site
    env = make_environment(theme_dirs(config))
    plan = plan_pages(site)
    some = [p for p in plan.pages if p.wide] + [p for p in plan.pages if not p.wide][:60]
    assert sum(p.wide for p in some) > 4 and len(some) <= parallel.QUOTA
    small = SitePlan(plan.view, plan.common, some)
    expected = {p.path: render_page(small, p, env) for p in some}
    out = tmp_path / "pages"
    out.mkdir()
    rendered = parallel.render_to_folder(small, env, out, jobs=2)
    assert rendered.failure is None and rendered.forks == 1
    assert_same_files(expected, read_tree(out))


def test_bigger_sites_replace_their_rendering_processes_less_often(synthetic, tmp_path, monkeypatch):
    """Forking copies the main process's page tables and a child's exit frees them: both
    cost time in proportion to the site. A child renders at least 1/FORKS of the pages,
    so a site five times bigger does not fork five times as often at five times the
    cost. Measured here with a tiny QUOTA: the number of children stays about FORKS,
    whatever the site (the main process renders about half of the pages)."""
    from okrsite.builder import parallel
    from okrsite.site.environment import make_environment
    from okrsite.site.pages import plan_pages
    from okrsite.site.themes import theme_dirs

    assert parallel.default_quota(100) == parallel.QUOTA
    assert parallel.default_quota(parallel.QUOTA * parallel.FORKS * 5) == parallel.QUOTA * 5
    config, _ = read_config(synthetic)
    site = build(config, config.as_of).site
    env = make_environment(theme_dirs(config))
    plan = plan_pages(site)
    monkeypatch.setattr(parallel, "QUOTA", 1)
    monkeypatch.setattr(parallel, "FORKS", 6)
    chunk = 8
    out = tmp_path / "pages"
    out.mkdir()
    rendered = parallel.render_to_folder(plan, env, out, jobs=2, chunk=chunk)
    assert rendered.failure is None and len(rendered.entries) == len(plan.pages)
    # a child takes whole chunks, so it may overshoot its quota by one chunk
    assert 2 <= rendered.forks <= 6 + 2
    assert len(plan.pages) // chunk > 4 * (6 + 2)  # (a quota of 1 page would fork once per chunk)


def test_parsing_in_several_processes_gives_the_same_site(synthetic, tmp_path, monkeypatch):
    """Big sites parse YAML and render Markdown in a process pool before loading: the
    same entries as one process, in the cache too, and the same bytes."""
    from okrsite.builder import parallel
    from okrsite.builder.gather import gather
    from okrsite.builder.parsecache import ParseCache
    from okrsite.core.diagnostics import Diagnostics

    config, _ = read_config(synthetic)
    sources = gather(config, Diagnostics())
    one, several = ParseCache(), ParseCache()
    alone = parallel.parse_all(sources, config, 1, one)
    monkeypatch.setattr(parallel, "BATCH", 7)  # many batches for each process
    monkeypatch.setattr(parallel, "POOL_MIN", 0)
    pooled = parallel.parse_all(sources, config, 3, several)
    assert list(pooled) == list(alone) and pooled == alone
    assert several.parsed == one.parsed and several.html == one.html
    assert len(several.stored) == len(several.parsed)  # came packed: saved without encoding again
    import multiprocessing

    assert multiprocessing.active_children() == []
    expected = build(config, config.as_of, search=False).files
    for use_cache in (False, True):
        shutil.rmtree(synthetic.parent / build_cache.CACHE_DIR, ignore_errors=True)  # cold: parsed in processes
        out = tmp_path / f"public-{use_cache}"
        result = publish(config, config.as_of, out, search=False, jobs=2, use_cache=use_cache)
        assert result.timings.get("parsing") is not None
        assert_same_files(expected, read_tree(out))


def test_the_cache_file_is_the_same_whatever_order_its_entries_came_in(synthetic, tmp_path):
    """Entries reach the cache in the order the files come, and it is saved in key
    order anyway."""
    from okrsite.builder import parsecache
    from okrsite.builder.gather import gather
    from okrsite.builder.parallel import parse_all
    from okrsite.core.diagnostics import Diagnostics

    org = tmp_path / "org"
    shutil.copytree(synthetic.parent, org, ignore=shutil.ignore_patterns(".okrsite-cache", "public*"))
    config, _ = read_config(org / "okrsite.yaml")
    sources = gather(config, Diagnostics())
    saved = []
    for order in (sources, sources[::-1]):
        cache = parsecache.ParseCache()
        parse_all(order, config, cache=cache)
        parsecache.save_parse_cache(config, cache)
        saved.append((org / build_cache.CACHE_DIR / parsecache.PARSED_FILE).read_bytes())
    assert saved[0] == saved[1]


def test_a_build_that_stops_leaves_no_parsing_process(synthetic, tmp_path, monkeypatch):
    import multiprocessing

    from okrsite.builder import parallel
    from okrsite.builder import pipeline as build_mod

    config, _ = read_config(synthetic)
    monkeypatch.setattr(parallel, "POOL_MIN", 0)
    pools = []
    real_pool = parallel.ProcessPoolExecutor

    def counting(*args, **kwargs):
        pools.append(real_pool(*args, **kwargs))
        return pools[-1]

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", counting)

    def fails(*args, **kwargs):
        raise RuntimeError("stopped")

    monkeypatch.setattr(build_mod, "compute_site", fails)  # just after parsing
    with pytest.raises(RuntimeError, match="stopped"):
        publish(config, config.as_of, tmp_path / "public", search=False, jobs=2, use_cache=False)
    assert pools and multiprocessing.active_children() == []


def test_a_build_starts_one_pool_to_parse_and_render_bodies(synthetic, tmp_path, monkeypatch):
    """The processes that parsed render the bodies too: a pool forked after parsing
    would share the parses, and copy each page of them the main process touches while
    it loads (parallel.ParsingPool)."""
    import multiprocessing

    from okrsite.builder import parallel

    config, _ = read_config(synthetic)
    monkeypatch.setattr(parallel, "POOL_MIN", 0)
    pools, work = [], []
    real_pool = parallel.ProcessPoolExecutor

    class Counting(real_pool):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            pools.append(self)
            super().__init__(*args, **kwargs)

        def map(self, fn, *iterables, **kwargs):
            work.append(fn.__name__)
            return super().map(fn, *iterables, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Counting)
    out = tmp_path / "public"
    publish(config, config.as_of, out, search=False, jobs=2, use_cache=False)
    assert len(pools) == 1 and work == ["_parse_packed", "_render_body"]
    assert multiprocessing.active_children() == []
    assert_same_files(build(config, config.as_of, search=False).files, read_tree(out))


def test_a_pool_that_dies_after_parsing_leaves_the_bodies_to_the_main_process(synthetic, monkeypatch):
    """Its processes killed between parsing and rendering the bodies (out of memory):
    the bodies are rendered in the main process, the same HTML, and nothing is left."""
    import multiprocessing
    import signal
    import time

    from okrsite.builder import parallel
    from okrsite.builder.gather import gather
    from okrsite.core.diagnostics import Diagnostics

    config, _ = read_config(synthetic)
    sources = gather(config, Diagnostics())
    expected = parallel.parse_all(sources, config, 1)
    monkeypatch.setattr(parallel, "POOL_MIN", 0)
    pool = parallel.ParsingPool(2, config)
    parsed = parallel.parse_all(sources, config, 2, bodies=False, pool=pool)
    assert pool.executor is not None
    for pid in list(pool.executor._processes):
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)  # the executor sees them gone
    html = parallel.render_bodies(parsed, config, 2, None, pool).result()
    assert html == {path: entry.html for path, entry in expected.items()}
    assert pool.executor is None and not pool.usable
    assert multiprocessing.active_children() == []


def test_a_parsing_process_that_dies_leaves_its_files_to_the_main_one(synthetic, monkeypatch):
    """A pool whose process is killed (out of memory) does not hang the build: what it
    did not parse is parsed in the main process, with the same result."""
    from okrsite.builder import parallel
    from okrsite.builder.gather import gather
    from okrsite.core.diagnostics import Diagnostics

    config, _ = read_config(synthetic)
    sources = gather(config, Diagnostics())
    alone = parallel.parse_all(sources, config, 1)
    monkeypatch.setattr(parallel, "POOL_MIN", 0)
    monkeypatch.setattr(parallel, "BATCH", 5)
    real = parallel.parse_file
    dying, main = sources[len(sources) // 2].data, os.getpid()

    def dies(data, limits, md):  # in a pool process only (forked: it has this function)
        if data == dying and os.getpid() != main:
            os._exit(9)
        return real(data, limits, md)

    monkeypatch.setattr(parallel, "parse_file", dies)
    assert parallel.parse_all(sources, config, 2) == alone


def test_indexing_leaves_no_garbage_for_the_renderers(tmp_path):
    """The build pauses the garbage collector; what search indexing leaves in reference
    cycles is collected before the rendering processes are forked, not kept for good."""
    import gc

    from okrsite.site import search as search_mod

    config, _ = read_config(copy_sample(tmp_path))
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # publish leaves the collector as it found it: off, so nothing collects after it
    try:
        result = publish(config, config.as_of, tmp_path / "public", search=True, jobs=1, use_cache=False)
        assert result.written and (tmp_path / "public" / "pagefind").is_dir()
        left = sum(1 for o in gc.get_objects() if isinstance(o, (search_mod.Record, search_mod.Item)))
    finally:
        if enabled:
            gc.enable()
    assert left == 0


def _garbage_of(work) -> int:
    """How many objects are in reference cycles, which only the garbage collector frees,
    once ``work`` has run with the collector paused (as in a build)."""
    import gc

    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        work()
        return gc.collect()
    finally:
        if enabled:
            gc.enable()


def test_pages_that_import_no_macros_leave_no_reference_cycles():
    """A page's own helpers (links, breadcrumbs, alignment trees) are freed with the page:
    none of them refers to itself (a helper calling itself would be a cycle, left to the
    collector, which a build pauses, on every one of 72,000 pages)."""
    from okrsite.site.environment import make_environment
    from okrsite.site.pages import plan_pages, render_page
    from okrsite.site.themes import theme_dirs

    config, _ = read_config(SAMPLE_CONFIG)
    site = build(config, config.as_of, render_pages=False).site
    env = make_environment(theme_dirs(config))
    plan = plan_pages(site)
    pages = [p for p in plan.pages if p.template in ("checkin.html", "alignment.html")]
    assert any(p.subject[:1] == ("alignment",) for p in pages) and any(p.template == "checkin.html" for p in pages)
    for page in pages[:2]:  # templates compiled, caches of the view filled
        render_page(plan, page, env)
    assert _garbage_of(lambda: [render_page(plan, p, env) for p in pages]) == 0


def test_rendering_collects_what_imported_macros_leave(tmp_path):
    """Jinja makes the module of ``{% import "macros.html" as m with context %}`` again for
    every page, in reference cycles; the renderers collect what each chunk of pages made,
    so the garbage does not pile up for the whole build (80 MB in the main process at
    1,000 teams) while the build pauses the collector."""
    from okrsite.site.environment import make_environment
    from okrsite.site.pages import plan_pages, render_page
    from okrsite.builder.parallel import render_to_folder
    from okrsite.site.themes import theme_dirs

    config, _ = read_config(SAMPLE_CONFIG)
    site = build(config, config.as_of, render_pages=False).site
    env = make_environment(theme_dirs(config))
    plan = plan_pages(site)
    objective = next(p for p in plan.pages if p.template == "objective.html")
    assert _garbage_of(lambda: render_page(plan, objective, env)) > 20  # what is collected
    folder = tmp_path / "out"
    folder.mkdir()
    left = _garbage_of(lambda: render_to_folder(plan, env, folder, jobs=1))
    assert (folder / objective.path).is_file()
    assert left == 0


@pytest.mark.parametrize(
    "broken, big",
    [
        ({"checkin.html": "checkin.period"}, False),
        # a plan bigger than QUOTA: the main process renders the wide pages (a period page
        # fails there) while a child renders the check-ins (which fail too, later in plan order)
        ({"checkin.html": "checkin.period", "period.html": "period.id"}, True),
    ],
)
def test_a_page_that_fails_reports_the_first_failing_page_and_writes_nothing(tmp_path, monkeypatch, broken, big):
    """A template that fails at run time on some pages: the error is the one of the first
    failing page in plan order whatever the number of processes; the old site stays."""
    from okrsite.builder import parallel

    if big:
        monkeypatch.setattr(parallel, "QUOTA", 50)
    config_path = copy_sample(tmp_path)
    templates = tmp_path / "themes" / "broken" / "templates"
    templates.mkdir(parents=True)
    for name, period in broken.items():
        text = (REPO / "themes" / "default" / "templates" / name).read_text(encoding="utf-8")
        marker = "{% block content %}"
        assert marker in text
        # fails on pages of 2026-Q4 only: not the first pages rendered
        text = text.replace(marker, marker + "{% if " + period + " == '2026-Q4' %}{{ no_such_value }}{% endif %}", 1)
        (templates / name).write_text(text, encoding="utf-8")
    first = "period.html" if "period.html" in broken else "checkin.html"  # period pages come first in the plan
    with open(config_path, "a", encoding="utf-8") as fh:
        fh.write("\ntheme: broken\n")
    config, _ = read_config(config_path)
    out = tmp_path / "public"
    out.mkdir()
    (out / "old.html").write_bytes(b"the previous site")
    (out / MARKER).write_bytes(MARKER_BYTES)  # which okrsite wrote
    messages = set()
    for jobs in (1, 2, 3):
        result = publish(config, config.as_of, out, search=False, jobs=jobs, use_cache=False)
        assert [d.severity for d in result.diagnostics] == ["error"]
        d = result.diagnostics[0]
        assert d.path.endswith(first) and "no_such_value" in d.message and "2026-Q4" in d.message
        messages.add(str(d))
        assert read_tree(out) == {"old.html": b"the previous site"}
        assert not list(tmp_path.glob(".public.new-*"))
    assert len(messages) == 1


def test_clashing_outputs_are_still_found_before_anything_is_written(tmp_path):
    config_path = copy_sample(tmp_path)
    static = tmp_path / "themes" / "clash" / "static" / "teams"
    static.mkdir(parents=True)
    (static / "index.html").write_bytes(b"not a page")
    (tmp_path / "themes" / "clash" / "templates").mkdir()
    with open(config_path, "a", encoding="utf-8") as fh:
        fh.write("\ntheme: clash\n")
    proc = run_okrsite("build", "--config", config_path, "--jobs", "2")
    assert proc.returncode == 1
    assert (
        "okrsite.yaml:1: error: two outputs write teams/index.html: the theme's static files and a page" in proc.stdout
    )
    assert not (tmp_path / "public").exists()


# --------------------------------------------------------------------------- warm builds


@pytest.fixture
def small(tmp_path) -> Path:
    """A 2-team synthetic organisation in its own folder."""
    generate.generate(2, str(tmp_path / "org"))
    return tmp_path / "org" / "okrsite.yaml"


def rebuild(config_path: Path, out: Path, **kw):
    config, _ = read_config(config_path)
    as_of = kw.pop("as_of", None) or config.as_of
    if kw.pop("no_search", False):
        config.search = False
    return publish(config, as_of, out, search=config.search and False, jobs=2, **kw)


def test_nothing_changed_is_noticed_and_each_kind_of_change_rebuilds(small, tmp_path):
    out = tmp_path / "public"
    root = small.parent
    first = rebuild(small, out)
    assert first.written and not first.unchanged and first.pages > 0
    before = read_tree(out)
    second = rebuild(small, out)
    assert second.unchanged and not second.written and second.pages == first.pages
    assert second.files_read == first.files_read and second.diagnostics == first.diagnostics
    assert read_tree(out) == before

    def changed(**kw) -> bool:
        result = rebuild(small, out, **kw)
        assert not result.errors
        again = rebuild(small, out, **kw)  # and then it is up to date again
        assert again.unchanged
        return not result.unchanged

    # content: a check-in's body
    checkin = sorted(root.rglob("checkins/*.md"))[-1]
    checkin.write_bytes(checkin.read_bytes() + b"\nA new line.\n")
    assert changed()
    # content: a new file, then a deleted one
    extra = root / "content" / "teams" / "company" / "backlog.md"
    extra.write_text("---\n---\nIdeas for later.\n", encoding="utf-8")
    assert changed()
    extra.unlink()
    assert changed()
    # config
    cfg = small.read_text(encoding="utf-8")
    small.write_text(
        cfg.replace("title:", "title: Renamed", 1) if "title:" in cfg else cfg + "\ntitle: Renamed\n", encoding="utf-8"
    )
    assert changed()
    # a template (a user theme overriding one template, then editing it)
    tdir = root / "themes" / "mine" / "templates"
    tdir.mkdir(parents=True)
    (tdir / "base.html").write_bytes((REPO / "themes" / "default" / "templates" / "base.html").read_bytes())
    with open(small, "a", encoding="utf-8") as fh:
        fh.write("\ntheme: mine\n")
    assert changed()
    (tdir / "base.html").write_bytes((tdir / "base.html").read_bytes().replace(b"</body>", b"<!-- x --></body>"))
    assert changed()
    assert b"<!-- x -->" in (out / "index.html").read_bytes()
    # the as-of date
    assert changed(as_of=date(2026, 11, 27))
    assert changed()  # back to the configured one
    # the output: a deleted file, an edited file, a file added by hand
    page = next(p for p in sorted(out.rglob("*.html")) if p.name == "index.html" and p.parent != out)
    page.unlink()
    assert changed()
    assert page.exists()
    page.write_bytes(page.read_bytes() + b" ")
    assert changed()
    (out / "stray.html").write_bytes(b"x")
    assert changed()
    assert not (out / "stray.html").exists()
    # a file touched without a change (its stat differs, its bytes do not): still up to date
    os.utime(checkin, ns=(checkin.stat().st_atime_ns, checkin.stat().st_mtime_ns + 10**9))
    assert rebuild(small, out).unchanged
    # another output folder
    assert not rebuild(small, tmp_path / "elsewhere").unchanged


def test_the_build_cache_is_plain_json_and_survives_garbage(small, tmp_path):
    out = tmp_path / "public"
    rebuild(small, out)
    cache_dir = small.parent / ".okrsite-cache"
    import json

    for name in ("build.json", "parsed.json"):
        json.loads((cache_dir / name).read_text(encoding="utf-8"))  # JSON, not pickle
    (cache_dir / "build.json").write_bytes(b"\x80not json")
    (cache_dir / "parsed.json").write_text(
        json.dumps(
            {
                "format": build_cache.FORMAT,
                "parsed code": build_cache.part_digest("parsed"),
                "html code": build_cache.part_digest("html"),
                "parsed": {"x": 3},
                "html": 4,
            }
        ),
        encoding="utf-8",
    )
    result = rebuild(small, out)
    assert result.written and not result.errors
    assert rebuild(small, out).unchanged
    # entries that are not what they claim to be are parsed again, not trusted
    data = json.loads((cache_dir / "parsed.json").read_text(encoding="utf-8"))
    garbage = ['[{"title": "not a LineDict"}, "", 1, []]', "[not json", ["D", 1], None]
    data["parsed"] = {key: garbage[i % len(garbage)] for i, key in enumerate(data["parsed"])}
    data["html"] = {key: 5 for key in data["html"]}
    (cache_dir / "parsed.json").write_text(json.dumps(data), encoding="utf-8")
    (cache_dir / "build.json").unlink()
    expected = read_tree(out)
    result = rebuild(small, out)
    assert result.written and not result.errors and read_tree(out) == expected


def test_cli_reports_nothing_changed(small, tmp_path):
    out = tmp_path / "public"
    first = run_okrsite("build", "--config", small, "--output", out, "--no-search")
    assert first.returncode == 0, first.stderr
    second = run_okrsite("build", "--config", small, "--output", out, "--no-search")
    assert second.returncode == 0
    assert "nothing changed since the last build" in second.stderr
    assert "0 pages written, 0 errors, 0 warnings" in second.stderr
    third = run_okrsite("build", "--config", small, "--output", out, "--no-search", "--no-cache")
    assert third.returncode == 0 and "nothing changed" not in third.stderr
    assert " pages written" in third.stderr and "0 pages written" not in third.stderr


# --------------------------------------------------------------------------- parse cache


def test_cached_parse_is_the_parse():
    """Every sample file's front matter through JSON and back: same values, same types,
    same line of every key, value and list item."""

    def same(a, b) -> bool:
        if type(a) is not type(b):
            return False
        if isinstance(a, LineDict):
            return (
                a.line == b.line
                and list(a) == list(b)
                and a.key_lines == b.key_lines
                and a.value_lines == b.value_lines
                and all(same(a[k], b[k]) for k in a)
            )
        if isinstance(a, LineList):
            return (
                a.line == b.line
                and a.item_lines == b.item_lines
                and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b))
            )
        return a == b or (a != a and b != b)  # NaN

    import json

    texts = [p.read_bytes() for p in sorted((REPO / "content").rglob("*.md"))]
    texts.append(
        b"---\n1: one\ntrue: yes\nnull: nothing\n1.5: [1, 2.0, .nan, -.inf, '3']\nx: &a {y: 1}\n"
        b"z: *a\nw:\n  <<: *a\n  v: 2\n---\nbody\n"
    )
    for data in texts:
        p = parse(data)
        back = parsecache.decode_parsed(json.loads(json.dumps(parsecache.encode_parsed(p))))
        assert same(p.meta, back.meta) and (p.body, p.body_line, p.problems) == (
            back.body,
            back.body_line,
            back.problems,
        )
        # the packed form a parsing process sends back and parsed.json stores
        back = parsecache.unpack_parsed(parsecache.pack_parsed(p))
        assert same(p.meta, back.meta) and (p.body, p.body_line, p.problems) == (
            back.body,
            back.body_line,
            back.problems,
        )


def test_a_cached_parse_that_is_not_one_is_refused():
    """Decoding looks at plain values without a call of their own, but a JSON object
    anywhere in a cached parse is still refused (it is not a parse okrsite wrote), and
    a value a parse never holds still cannot be cached, however deep."""
    import json

    good = parsecache.encode_parsed(parse(b"---\na:\n  b: [1, {c: 2}]\n---\n"))
    target = good[0][5][5][3][1]  # where the replacements below go
    assert (target[0], target[2], target[5]) == ("D", "c", 2)
    for bad in ({"c": 2}, [{"c": 2}], ["D", 1, "c", 1, 1, {"d": 3}], ["L", 1, [1], [{"x": 1}]], ["X", 1]):
        meta = json.loads(json.dumps(good[0]))
        meta[5][5][3][1] = bad  # the mapping {c: 2}, second item of the list b, in a
        with pytest.raises(ValueError):
            parsecache.decode_parsed([meta] + good[1:])
    for odd in (date(2026, 1, 1), b"bytes", {"plain": "dict"}, (1, 2)):
        meta = LineDict(1)
        meta["a"] = LineList(2)
        meta["a"].append(odd)
        with pytest.raises(TypeError):
            parsecache.encode_value(meta)
        nested = LineDict(1)
        nested["a"] = odd
        with pytest.raises(TypeError):
            parsecache.encode_value(nested)


def test_a_parse_that_cannot_be_packed_is_parsed_again():
    """Packed parses decode to new objects at each use, and a value that cannot be
    packed is not saved (the next build parses the file again)."""
    p = parse(b"---\ntitle: T\nlist: [1, 2]\n---\nbody\n")
    text = parsecache.pack_parsed(p)
    one, two = parsecache.unpack_parsed(text), parsecache.unpack_parsed(text)
    assert one is not two and one.meta == two.meta == p.meta and one.meta.line_of("list") == 3
    odd = parse(b"---\ntitle: T\n---\n")
    odd.meta["when"] = object()  # nothing parse makes: cannot be cached
    with pytest.raises(TypeError):
        parsecache.pack_parsed(odd)


# --------------------------------------------------------------------------- progress


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_rewrites_one_line():
    clock, out = FakeClock(), FakeTTY()
    p = Progress(out, clock=clock)
    assert p.mode == "tty"
    p.stage("rendering", 68309)
    for done in range(0, 12340, 5):
        clock.now += 0.001
        p.update(done)
    clock.now += 1
    p.update(12345)
    p.finish()
    text = out.getvalue()
    assert "\n" not in text
    assert "\rokrsite: rendering 0/68,309" in text
    assert "\rokrsite: rendering 12,345/68,309" in text
    assert text.count("\r") < 40  # at most ten times a second (13.3 s here), not per update
    assert text.endswith("\r")  # erased at the end


def test_progress_in_a_log_prints_plain_lines_now_and_then():
    clock, out = FakeClock(), io.StringIO()
    p = Progress(out, clock=clock)
    assert p.mode == "lines"
    p.stage("reading files")
    p.stage("rendering", 1000)
    for done in range(1000):
        clock.now += 0.005  # 5 s in all: shorter than the interval
        p.update(done)
    assert out.getvalue() == ""  # a quick build prints nothing
    for done in range(1000):
        clock.now += 0.05  # 50 more seconds
        p.update(done)
    lines = out.getvalue().splitlines()
    assert 4 <= len(lines) <= 6 and "\r" not in out.getvalue()
    assert all(line.startswith("okrsite: rendering ") and line.endswith("%)") for line in lines)
    p.finish()
    assert out.getvalue().endswith("\n")


def test_quiet_prints_nothing():
    clock, out = FakeClock(), FakeTTY()
    p = Progress(out, mode="quiet", clock=clock)
    p.stage("rendering", 10)
    for i in range(10):
        clock.now += 100
        p.update(i)
    p.finish()
    assert out.getvalue() == ""


def test_build_quiet_and_non_terminal_output(small, tmp_path):
    out = tmp_path / "public"
    quiet = run_okrsite("build", "--config", small, "--output", out, "--no-search", "--quiet", "--no-cache")
    assert quiet.returncode == 0
    assert quiet.stderr.splitlines() == [line for line in quiet.stderr.splitlines() if line.startswith("okrsite: ")]
    assert len(quiet.stderr.splitlines()) == 1 and " pages written" in quiet.stderr
    plain = run_okrsite("build", "--config", small, "--output", out, "--no-search", "--no-cache")
    assert plain.returncode == 0 and "\r" not in plain.stderr
    assert plain.stderr.strip().splitlines()[-1].startswith("okrsite: ")
