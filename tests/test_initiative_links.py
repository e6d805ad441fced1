"""One rule for links taken from front matter (an initiative's ``link``): the loader
reports the links it refuses, and the pages link every link it keeps, relative ones
(``/wiki/plan``) included; ``javascript:``, ``data:``, ``vbscript:`` and other schemes are
refused everywhere (issue 27)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from okrsite.builder.pipeline import build
from okrsite.core import load, markdown, urls
from okrsite.core.config import parse_config
from okrsite.core.model import Initiative, SourceFile
from okrsite.site.environment import make_environment
from okrsite.site.pages import render_site

from conftest import run_okrsite

SAFE = [
    "/wiki/plan",
    "plan.html",
    "../docs/plan#goals",
    "?q=a:b",
    "https://example.com/plan",
    "HTTP://example.com/x",
    "mailto:team@example.com",
    "  /wiki/trimmed  ",
]
UNSAFE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.com/x",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "/wiki/\x07plan",
    "",
    "   ",
    None,
]


@pytest.mark.parametrize("link", SAFE)
def test_safe_links_are_kept_trimmed(link):
    assert markdown.safe_link(link) == link.strip()


@pytest.mark.parametrize("link", UNSAFE)
def test_unsafe_links_are_refused(link):
    assert markdown.safe_link(link) is None


def test_the_loader_and_the_pages_share_the_rule():
    from okrsite.site import environment, links, snippets
    from test_render import BUILTIN

    assert make_environment([BUILTIN]).globals["safe_link"] is markdown.safe_link
    assert load.safe_link is markdown.safe_link
    assert not any(hasattr(m, "SAFE_LINK_SCHEMES") for m in (environment, links, snippets))


def objective(links: list[str]) -> str:
    items = "".join(f"  - title: Item {i}\n    link: {json.dumps(link)}\n" for i, link in enumerate(links))
    return (
        "---\ntitle: Plan\nowner: Ana\ninitiatives:\n"
        + items
        + "key_results:\n  - {title: a, start: 0, target: 1}\n  - {title: b, type: milestone}\n---\n"
    )


def site_files(links: list[str]) -> dict[str, str]:
    return {
        "okrsite.yaml": "title: Links\nas_of: 2026-11-20\nsearch: false\n",
        "content/teams/solo/2026-Q4/plan.md": objective(links),
    }


def built(links: list[str]):
    """The site, built in memory (pages rendered unless there are errors)."""
    config, _ = parse_config(b"as_of: 2026-11-20\n")
    sources = [SourceFile(rel, text.encode()) for rel, text in site_files(links).items() if rel.startswith("content/")]
    return build(config, date(2026, 11, 20), sources=sources)


def test_each_unsafe_link_is_one_error_at_its_line():
    unsafe = [link for link in UNSAFE if link and link.strip()]
    result = built(["/wiki/plan", *unsafe])
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert [d.line for d in errors] == [6 + 2 * i for i in range(1, len(unsafe) + 1)]  # each link's own line
    assert all(d.message.startswith("unsafe link ") for d in errors)
    assert result.files == {}  # nothing is rendered from a site with errors


def test_pages_link_what_the_loader_keeps():
    result = built(SAFE)
    assert [d for d in result.diagnostics if d.severity == "error"] == []
    page = result.files[urls.objective("solo", "2026-Q4", "plan") + "index.html"].decode()
    for i, link in enumerate(SAFE):
        href = link.strip().replace("&", "&amp;")
        assert f'<a href="{href}">Item {i}</a>' in page, link


def test_pages_refuse_unsafe_links_the_loader_never_saw():
    """A site built in memory (a theme's tests, a plugin) goes through the same rule."""
    from test_render import BUILTIN, make_site

    site = make_site()
    obj = site.objectives["platform/2026-Q4/reliability"]
    obj.initiatives = [Initiative(f"Bad {i}", "planned", link) for i, link in enumerate(UNSAFE)]
    obj.initiatives.append(Initiative("Wiki plan", "planned", "/wiki/plan"))
    files = render_site(site, make_environment([BUILTIN]))
    page = files[urls.objective("platform", "2026-Q4", "reliability") + "index.html"].decode()
    assert '<a href="/wiki/plan">Wiki plan</a>' in page
    for i in range(len(UNSAFE)):
        assert f"<li>Bad {i} <span" in page  # the title, as text


@pytest.mark.browser
def test_a_relative_initiative_link_is_a_link_in_the_browser(page: Page, tmp_path, static_server):
    for rel, text in site_files(["/wiki/plan", "https://example.com/plan"]).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    out = tmp_path / "public"
    run_okrsite("build", "--config", tmp_path / "okrsite.yaml", "--output", out, "--no-cache", check=True)
    base = static_server(out)
    page.goto(base + urls.objective("solo", "2026-Q4", "plan"))
    wiki = page.get_by_role("link", name="Item 0")
    expect(wiki).to_have_attribute("href", "/wiki/plan")
    assert wiki.evaluate("a => a.href") == base.rstrip("/") + "/wiki/plan"
    expect(page.get_by_role("link", name="Item 1")).to_have_attribute("href", "https://example.com/plan")
