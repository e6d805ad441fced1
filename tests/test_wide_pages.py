"""Wide pages stay small at any size of organisation (issue 28; okrsite/site/summary.py):
a synthetic organisation big enough to cross every size of okrsite.site.summary has no page
over 300 KB, its largest page hardly grows when the organisation doubles, and a reader
finds any key result from the home page in three clicks and every team from the
period page, from the alignment summary and from the pages of the teams index: in the
built HTML, and in Chromium through the links a page shows at 1280x800."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from okrsite.site import summary
from okrsite.builder.pipeline import build
from okrsite.core.config import read_config

from conftest import LARGE_TEAMS, StaticServer, generate_org
from pagekinds import page_kind
from test_speed import read_tree

PAGE_LIMIT = 300 * 1024
GROWTH = 1.2  # the largest page at LARGE_TEAMS teams against the largest at LARGE_TEAMS / 2
PERIOD = "2026-Q4"


@pytest.fixture(scope="module")
def big(large_site) -> Path:
    """The organisation of LARGE_TEAMS teams, built into a folder (conftest)."""
    return large_site


@pytest.fixture(scope="module")
def files(big) -> dict[str, bytes]:
    return {p: d for p, d in read_tree(big).items() if p.endswith(".html")}


def test_the_organisation_crosses_every_size(files):
    period_teams = {p.split("/")[3] for p in files if p.startswith(f"periods/{PERIOD}/groups/")}
    assert period_teams, "the period page is summarised by group"
    assert any("/groups/" in p and "/page/2/" in p for p in files), "a group has more than one page"
    assert f"periods/{PERIOD}/index.html" in files and "groups" in files[f"periods/{PERIOD}/index.html"].decode()
    assert "tree-more" in files[f"periods/{PERIOD}/alignment/index.html"].decode(), "the alignment tree is cut"
    assert "people/page/2/index.html" in files, "the people index has pages"
    for name in ("changes", "at-risk"):
        assert f"this-week/{name}/page/2/index.html" in files, name
    assert summary.LIST_MAX < files["this-week/index.html"].decode().count('class="risk-item"') + 2


def test_the_search_page_names_its_list_of_teams_instead_of_holding_it(big, files):
    """Above summary.SEARCH_TEAMS_MAX teams the team filter's options are fetched from
    search/teams.json (tests/test_search.py): the search page has no option per team."""
    from okrsite.core import urls

    teams = json.loads((big / urls.SEARCH_TEAMS_FILE).read_text())
    assert len(teams) == LARGE_TEAMS > summary.SEARCH_TEAMS_MAX
    page = files["search/index.html"].decode()
    assert 'data-options="../search/teams.json"' in page and f'value="{teams[-1][0]}"' not in page


def test_no_page_of_any_type_is_over_300_kb(files):
    kinds: dict[str, tuple[int, str]] = {}
    for path, data in files.items():
        k = page_kind(path)
        kinds[k] = max(kinds.get(k, (0, "")), (len(data), path))
    over = {k: v for k, v in kinds.items() if v[0] > PAGE_LIMIT}
    assert over == {}
    for k in (
        "home",
        "period",
        "glance",
        "group",
        "alignment",
        "alignment-team",
        "alignment-teams",
        "this-week",
        "list",
        "people",
    ):
        assert k in kinds, k


@pytest.fixture(scope="module")
def half(tmp_path_factory) -> Path:
    """okrsite.yaml of the organisation of LARGE_TEAMS / 2 teams."""
    return generate_org(tmp_path_factory.mktemp("half"), LARGE_TEAMS // 2)


def test_the_largest_page_hardly_grows_when_the_organisation_doubles(files, half):
    config, _ = read_config(half)
    config.search = False
    half = build(config, config.as_of)
    assert half.errors == []
    largest_half = max(len(d) for p, d in half.files.items() if p.endswith(".html"))
    largest = max(map(len, files.values()))
    assert largest <= GROWTH * largest_half, (largest, largest_half)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links(files: dict[str, bytes], path: str) -> set[str]:
    """The pages (output paths) a page links to."""
    parser = _Links()
    parser.feed(files[path].decode())
    base = "http://x/" + path
    out = set()
    for href in parser.hrefs:
        target = urlsplit(urljoin(base, href)).path.lstrip("/")
        out.add(target + "index.html" if target.endswith("/") or not target else target)
    return out


def reachable(files: dict[str, bytes], start: str, within: str, depth: int) -> set[str]:
    """Pages reachable from ``start`` in ``depth`` clicks through pages under ``within``."""
    seen, frontier = {start}, {start}
    for _ in range(depth):
        nxt = set()
        for page in frontier:
            if page.startswith(within) or page == start:
                nxt |= links(files, page) - seen
        seen |= nxt
        frontier = nxt
    return seen


def _teams_with_objectives(files) -> set[str]:
    return {p.split("/")[1] for p in files if p.startswith("teams/") and p.endswith(f"/{PERIOD}/index.html")}


def test_every_team_is_found_from_the_period_page(files):
    found = reachable(files, f"periods/{PERIOD}/index.html", f"periods/{PERIOD}/groups/", 3)
    teams = _teams_with_objectives(files)
    missing = {t for t in teams if f"teams/{t}/{PERIOD}/index.html" not in found}
    assert teams and missing == set()


def test_every_team_is_found_from_the_alignment_summary(files):
    start = f"periods/{PERIOD}/alignment/index.html"
    focused = {p for p in files if p.startswith(f"periods/{PERIOD}/alignment/") and p != start}
    found = reachable(files, start, f"periods/{PERIOD}/alignment/", 8)
    assert focused and focused - found == set()


def test_every_team_of_a_cut_alignment_is_linked_from_its_summary_or_its_index_of_teams(files):
    """The summary shows some chains and objectives standing alone, and the teams in
    them; the teams of the others are linked from the index of the alignment's teams
    that the summary links (urls.alignment_teams), whose pages link each other."""
    start = f"periods/{PERIOD}/alignment/index.html"
    index = f"periods/{PERIOD}/alignment-teams/"
    focused = {p for p in files if p.startswith(f"periods/{PERIOD}/alignment/") and p != start}
    from_summary = links(files, start)
    assert focused - from_summary, "the summary leaves teams out, or this test checks nothing"
    assert index + "index.html" in from_summary
    index_pages = {p for p in files if p.startswith(index)}
    assert index_pages <= reachable(files, start, index, len(index_pages) + 1)
    from_index = set().union(*(links(files, p) for p in index_pages))
    assert focused - from_index == set()


def test_the_index_of_the_alignment_s_teams_has_each_team_once_page_by_page(half, monkeypatch):
    from okrsite.builder.pipeline import compute_site
    from okrsite.core.diagnostics import Diagnostics
    from okrsite.builder.gather import gather
    from okrsite.site.people import people
    from okrsite.site.views import SiteView

    config, _ = read_config(half)
    diags = Diagnostics()
    site = compute_site(config, gather(config, diags), config.as_of, diags)
    v = SiteView(site, people(site))
    teams = v.focus_teams(PERIOD)
    assert summary.alignment_cut(v, PERIOD)
    monkeypatch.setattr(summary, "ALIGNMENT_TEAMS_PAGE_SIZE", 7)
    pages = summary.alignment_teams_pages(v, PERIOD)
    assert [t for page in pages for t in page] == teams and len(pages) == -(-len(teams) // 7)
    last = summary.alignment_teams_context(PERIOD, len(pages), v)
    assert last["teams"] == pages[-1] and last["total"] == len(teams)
    assert last["pager"].pages[1] == (
        f"periods/{PERIOD}/alignment-teams/page/2/",
        f"{v.team_name(pages[1][0])} to {v.team_name(pages[1][-1])}",
    )


@pytest.fixture(scope="module")
def served(big):
    server = StaticServer(big, "/")
    yield server.url
    server.close()


@pytest.mark.browser
def test_any_key_result_is_three_clicks_from_home(browser, served, files):
    """Home -> the period page -> the group's page holding the team -> the key result,
    for key results of teams deep in the tree (a leaf team's among them)."""
    period_page = files[f"periods/{PERIOD}/index.html"].decode()
    group_pages = sorted(p for p in files if p.startswith(f"periods/{PERIOD}/groups/"))
    deep = []
    for page in group_pages[:: max(1, len(group_pages) // 4)][:4] + group_pages[-1:]:
        krs = re.findall(r'href="([^"]*#kr-[^"]+)"', files[page].decode())
        deep.append((page, krs[-1]))  # the last key result of the page: its deepest team
    tab = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        for page, kr_href in deep:
            tab.goto(served)
            tab.locator(f'main a[href$="periods/{PERIOD}/"]').first.click()  # 1
            assert tab.url.endswith(f"/periods/{PERIOD}/")
            target = "/" + page.removesuffix("index.html")
            tab.locator(f'main a[href$="{target.split(f"periods/{PERIOD}/")[1]}"]').first.click()  # 2
            assert tab.url.endswith(target), (tab.url, target)
            tab.locator(f'main a[href="{kr_href}"]').first.click()  # 3
            anchor = kr_href.split("#")[1]
            assert tab.url.endswith("#" + anchor)
            assert tab.locator(f"#{anchor}").is_visible()
    finally:
        tab.close()
    assert "groups" in period_page


# The pages a rendered page shows links to: ``main a`` elements that take room on the page
# and are not hidden (a closed <details>, display or visibility none, opacity 0), as
# [href as written, href resolved] pairs, in one call per page.
VISIBLE_LINKS = """() => [...document.querySelectorAll("main a[href]")]
  .filter((a) => {
    const r = a.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && a.checkVisibility({
      checkOpacity: true, checkVisibilityCSS: true, opacityProperty: true, visibilityProperty: true,
    });
  })
  .map((a) => [a.getAttribute("href"), a.href])"""


def _page_of(url: str, base: str) -> str | None:
    """The output path of a page of the site at ``base`` (None for a page elsewhere)."""
    url = url.split("#")[0].split("?")[0]
    if not url.startswith(base):
        return None
    path = url.removeprefix(base)
    return path + "index.html" if path.endswith("/") or not path else path


def visible_reachable(tab, base: str, start: str, within: tuple[str, ...], depth: int, goal=frozenset()) -> set[str]:
    """Pages reachable from ``start`` in ``depth`` clicks through pages under ``within``,
    following only the links a reader sees in Chromium (VISIBLE_LINKS); the walk stops
    early once it has reached every page of ``goal``. Each level that finds new pages
    really clicks one of their links (one to a page of ``goal`` if it can) and checks
    where it lands."""
    seen, frontier = {start}, [start]
    for _ in range(depth):
        if goal and goal <= seen:
            break
        nxt: list[str] = []
        clicked = False
        for page in frontier:
            if page != start and not page.startswith(within):
                continue
            tab.goto(base + page.removesuffix("index.html"))
            new = []
            for raw, href in tab.evaluate(VISIBLE_LINKS):
                target = _page_of(href, base)
                if target and target not in seen:
                    seen.add(target)
                    new.append((raw, href, target))
            nxt += [target for _, _, target in new]
            if not clicked and new:
                raw, href, target = next((n for n in new if n[2] in goal), new[0])
                tab.locator(f"main a[href={json.dumps(raw)}]").filter(visible=True).first.click()
                assert _page_of(tab.url, base) == target, (page, raw, tab.url)
                clicked = True
        if not nxt:
            break
        frontier = nxt
    return seen


@pytest.mark.browser
def test_every_team_is_found_in_the_browser_from_the_period_page(browser, served, files):
    """The period page -> its groups' pages (and their pages) -> every team of the
    period, in at most three clicks, through links shown at 1280x800."""
    teams = _teams_with_objectives(files)
    goal = frozenset(f"teams/{t}/{PERIOD}/index.html" for t in teams)
    tab = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        start = f"periods/{PERIOD}/index.html"
        found = visible_reachable(tab, served, start, (f"periods/{PERIOD}/groups/",), 3, goal)
    finally:
        tab.close()
    assert teams and goal - found == set()


@pytest.mark.browser
def test_every_team_is_found_in_the_browser_from_the_alignment_summary(browser, served, files):
    """The alignment summary -> a team's focused alignment page, or -> the index of the
    alignment's teams (through its pages) -> the focused page: every focused page, one
    per team of the period, is reached through links shown at 1280x800, some only
    through the index (the summary is cut)."""
    start = f"periods/{PERIOD}/alignment/index.html"
    index = f"periods/{PERIOD}/alignment-teams/"
    focused = frozenset(p for p in files if p.startswith(f"periods/{PERIOD}/alignment/") and p != start)
    assert {p.split("/")[3] for p in focused} == _teams_with_objectives(files)
    index_pages = {p for p in files if p.startswith(index)}
    tab = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        from_summary = visible_reachable(tab, served, start, (), 1)
        assert focused - from_summary, "the summary shows every team, or this test checks nothing"
        assert index + "index.html" in from_summary
        found = visible_reachable(tab, served, start, (index,), len(index_pages) + 1, focused | index_pages)
    finally:
        tab.close()
    assert index_pages <= found, "the pages of the index link each other"
    assert focused - found == set()


def test_a_one_change_build_gives_the_bytes_of_a_cold_build_with_group_pages(tmp_path):
    """Group pages depend on their group's teams: after one changed check-in, a build
    over the last one writes the bytes of a build from nothing."""
    from test_dependencies import _check

    config_path = generate_org(tmp_path, summary.PERIOD_TEAMS_MAX + 10)
    assert _check(config_path, tmp_path) == 0
    checkin = sorted((tmp_path / "content" / "teams").glob(f"*/{PERIOD}/checkins/*.md"))[-1]
    text = checkin.read_text(encoding="utf-8")
    value = re.search(r"^  [\w-]+/[\w-]+: (-?[\d.]+)$", text, re.M)
    assert value, text[:400]
    checkin.write_text(text.replace(value.group(0), value.group(0)[: -len(value.group(1))] + "1", 1), encoding="utf-8")
    assert _check(config_path, tmp_path) > 0
    assert any("/groups/" in str(p) for p in (tmp_path / "public" / "periods").rglob("index.html"))


TEAMS_PAGE = 12  # teams a page of the teams index in the tests: LARGE_TEAMS / 2 makes several pages


@pytest.fixture(scope="module")
def paged_teams(half, tmp_path_factory) -> Path:
    """The organisation of LARGE_TEAMS / 2 teams built with summary.TEAMS_PAGE_SIZE lowered
    to TEAMS_PAGE, so that its teams index has pages (at the real size it would take
    hundreds of teams)."""
    from okrsite.builder.pipeline import publish

    config, _ = read_config(half)
    out = tmp_path_factory.mktemp("paged-teams") / "public"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(summary, "TEAMS_PAGE_SIZE", TEAMS_PAGE)
        result = publish(config, config.as_of, out, search=False, jobs=1)
    assert result.errors == []
    return out


@pytest.fixture(scope="module")
def paged_files(paged_teams) -> dict[str, bytes]:
    return {p: d for p, d in read_tree(paged_teams).items() if p.endswith(".html")}


def _teams_index(files) -> list[str]:
    return sorted(p for p in files if page_kind(p) == "teams")


def test_every_team_is_linked_from_the_pages_of_the_teams_index_once(paged_files):
    index = _teams_index(paged_files)
    teams = {p for p in paged_files if page_kind(p) == "team"}
    assert len(index) == -(-len(teams) // TEAMS_PAGE) > 1, index
    assert set(index) <= reachable(paged_files, "teams/index.html", "teams/", 1), "the pages link each other"
    named = [
        href
        for page in index
        for href in re.findall(r'<a class="org-name" href="([^"]+)"', paged_files[page].decode())
        for href in [urljoin("http://x/" + page, href).removeprefix("http://x/") + "index.html"]
    ]
    assert sorted(named) == sorted(teams), "each team is in the chart of exactly one page"
    assert max(len(paged_files[p]) for p in index) < PAGE_LIMIT


def test_a_page_of_the_teams_index_names_the_parent_of_its_top_teams(paged_files):
    """A page's chart starts below teams on earlier pages: its top teams say where they are."""
    second = paged_files["teams/page/2/index.html"].decode()
    tree = second[second.index('class="org-tree org-tree-root"') :]
    first_team = re.search(r'<a class="org-name"[^>]*>([^<]+)</a>( <span class="meta">in <a [^>]*>[^<]+</a>)?', tree)
    assert first_team and first_team.group(2), tree[:600]
    assert 'aria-label="Pages of teams"' in second and 'rel="next"' in second


def test_below_its_size_the_teams_index_is_one_page(files):
    """LARGE_TEAMS is far below summary.TEAMS_PAGE_SIZE: one page, the whole chart."""
    assert _teams_index(files) == ["teams/index.html"]
    assert "Pages of teams" not in files["teams/index.html"].decode()


@pytest.mark.browser
def test_the_pages_of_the_teams_index_lead_to_every_team(browser, paged_teams, paged_files):
    """Teams -> page 2 (pager) -> a team there; and "Next" walks to the last page."""
    server = StaticServer(paged_teams, "/")
    tab = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        tab.goto(server.url + "teams/")
        nav = tab.get_by_role("navigation", name="Pages of teams")
        nav.get_by_role("link").first.click()
        assert tab.url.endswith("/teams/page/2/"), tab.url
        assert tab.title().startswith("Teams, page 2"), tab.title()
        name = tab.locator("main a.org-name").first
        team = name.inner_text()
        name.click()
        assert re.search(r"/teams/[^/]+/$", tab.url) and "/page/" not in tab.url, tab.url
        assert tab.locator("h1").first.inner_text().strip() == team
        tab.goto(server.url + "teams/")
        pages = len(_teams_index(paged_files))
        for n in range(2, pages + 1):
            tab.locator("main a[rel=next]").click()
            assert tab.url.endswith(f"/teams/page/{n}/"), tab.url
        assert tab.locator("main a[rel=next]").count() == 0
        assert tab.locator("main a.org-name").count() == len(
            re.findall('class="org-name"', paged_files[f"teams/page/{pages}/index.html"].decode())
        )
    finally:
        tab.close()
        server.close()
