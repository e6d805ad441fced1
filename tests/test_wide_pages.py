"""Wide pages stay small at any size of organisation (issue 28; okrsite/site/summary.py):
a synthetic organisation big enough to cross every size of okrsite.site.summary has no page
over 300 KB, its largest page hardly grows when the organisation doubles, and a reader
finds any key result from the home page in three clicks and every team from the
period page and from the alignment summary."""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from okrsite.site import summary
from okrsite.builder.pipeline import build, publish
from okrsite.core.config import read_config

from conftest import REPO, StaticServer
from test_speed import read_tree

sys.path.insert(0, str(REPO / "bench"))
import generate  # noqa: E402

TEAMS = 80  # the smallest size of bench/generate.py's organisation that crosses every size below
PAGE_LIMIT = 300 * 1024
GROWTH = 1.2  # the largest page at TEAMS teams against the largest at TEAMS / 2
PERIOD = "2026-Q4"


def _org(tmp_path_factory, teams: int) -> Path:
    root = tmp_path_factory.mktemp(f"org{teams}")
    generate.generate(teams, str(root))
    return root / "okrsite.yaml"


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    """The organisation of TEAMS teams, built into a folder."""
    config, _ = read_config(_org(tmp_path_factory, TEAMS))
    out = tmp_path_factory.mktemp("big") / "public"
    result = publish(config, config.as_of, out, search=False, jobs=1)
    assert result.errors == []
    return out


@pytest.fixture(scope="module")
def files(big) -> dict[str, bytes]:
    return {p: d for p, d in read_tree(big).items() if p.endswith(".html")}


def kind(path: str) -> str:
    """The type of a page, by its path (the pages of a list are of its type)."""
    path = re.sub(r"page/\d+/", "", path).removesuffix("index.html").rstrip("/")
    parts = path.split("/") if path else []
    if not parts:
        return "home"
    if parts[0] == "periods" and len(parts) >= 3:
        if parts[2] == "alignment":
            return "alignment-team" if len(parts) == 4 else "alignment"
        return {"groups": "group"}.get(parts[2], parts[2])
    if parts[0] == "this-week":
        return "list" if len(parts) == 2 else "this-week"
    names = {"teams": ["teams", "team", "team-period", "objective", "checkin"], "people": ["people", "person"],
             "periods": ["periods", "period"]}.get(parts[0], [parts[0]])
    return names[min(len(parts), len(names)) - 1]


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


def test_no_page_of_any_type_is_over_300_kb(files):
    kinds: dict[str, tuple[int, str]] = {}
    for path, data in files.items():
        k = kind(path)
        kinds[k] = max(kinds.get(k, (0, "")), (len(data), path))
    over = {k: v for k, v in kinds.items() if v[0] > PAGE_LIMIT}
    assert over == {}
    for k in ("home", "period", "glance", "group", "alignment", "alignment-team", "this-week", "list", "people"):
        assert k in kinds, k


def test_the_largest_page_hardly_grows_when_the_organisation_doubles(files, tmp_path_factory):
    config, _ = read_config(_org(tmp_path_factory, TEAMS // 2))
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
    for page in group_pages[::max(1, len(group_pages) // 4)][:4] + group_pages[-1:]:
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


def test_a_one_change_build_gives_the_bytes_of_a_cold_build_with_group_pages(tmp_path):
    """Group pages depend on their group's teams: after one changed check-in, a build
    over the last one writes the bytes of a build from nothing."""
    from test_dependencies import _check

    generate.generate(summary.PERIOD_TEAMS_MAX + 10, str(tmp_path))
    config_path = tmp_path / "okrsite.yaml"
    assert _check(config_path, tmp_path) == 0
    checkin = sorted((tmp_path / "content" / "teams").glob(f"*/{PERIOD}/checkins/*.md"))[-1]
    text = checkin.read_text(encoding="utf-8")
    value = re.search(r"^  [\w-]+/[\w-]+: (-?[\d.]+)$", text, re.M)
    assert value, text[:400]
    checkin.write_text(text.replace(value.group(0), value.group(0)[:-len(value.group(1))] + "1", 1), encoding="utf-8")
    assert _check(config_path, tmp_path) > 0
    assert any("/groups/" in str(p) for p in (tmp_path / "public" / "periods").rglob("index.html"))
