"""The home page's first screen, measured in a real browser on a laptop (1280x800) and a
phone (360x740): the period, the colour counts, the key results at risk and the requests
for help are all inside the viewport without scrolling. Screenshots of it (light and
dark) go to the test results, never into the checkout. And a check-in's table of key
result updates does not hide its notes in a sideways scroll on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from conftest import RESULTS_DIR

SIZES = {"laptop": (1280, 800), "phone": (360, 740)}
FIRST_SCREEN = [
    ".attention .as-of",  # the period
    ".attention-counts",  # on track / behind / at risk
    "#risk-title",
    ".risk-board .attention-list > li:visible",
    ".risk-board .more a",
    "#help-title",
    ".help-board .attention-list > li:visible",
    ".help-board .attention-list > li:visible a.help-text",
    ".help-board .more a",
]


def _inside(page: Page, selector: str, width: int, height: int) -> list[str]:
    """Each element matching ``selector`` that is not wholly inside the viewport."""
    boxes = [loc.bounding_box() for loc in page.locator(selector).all()]
    assert boxes, f"nothing matches {selector}"
    return [
        f"{selector}: {box}"
        for box in boxes
        if box is None
        or box["x"] < 0
        or box["y"] < 0
        or box["x"] + box["width"] > width + 0.5
        or box["y"] + box["height"] > height + 0.5
    ]


@pytest.mark.browser
@pytest.mark.parametrize("size", SIZES)
def test_first_screen_shows_what_needs_attention(watched: Page, sample_site, static_server, size):
    width, height = SIZES[size]
    watched.set_viewport_size({"width": width, "height": height})
    watched.goto(static_server(sample_site))
    assert watched.evaluate("window.scrollY") == 0
    outside = [problem for sel in FIRST_SCREEN for problem in _inside(watched, sel, width, height)]
    assert outside == []
    # visible items link to their key result or check-in; the counts name the colours
    assert watched.locator(".risk-board .attention-list > li:visible").count() >= 2
    assert watched.locator(".help-board .attention-list > li:visible").count() >= 2
    counts = watched.locator(".attention-counts").inner_text()
    assert "On track" in counts and "Behind" in counts and "At risk" in counts
    # the company objectives come before vision, mission and strategy
    company = watched.locator("#company-title").bounding_box()
    assert company["y"] < watched.locator(".vision").bounding_box()["y"]


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_home_page_screenshots(browser, sample_site, static_server, size, scheme):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(static_server(sample_site))
        out = RESULTS_DIR / "screenshots" / f"home-{size}-{scheme}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        assert out.stat().st_size > 10_000
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(255, 255, 255)") == (scheme == "light")
    finally:
        context.close()


@pytest.mark.browser
def test_checkin_updates_table_fits_a_phone(watched: Page, sample_site, static_server):
    watched.set_viewport_size({"width": 360, "height": 740})
    watched.goto(static_server(sample_site) + "teams/platform/2026-Q4/checkins/2026-11-20/")
    wrap = watched.locator(".updates-wrap")
    overflow = wrap.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert overflow[0] <= overflow[1]
    assert watched.evaluate("document.documentElement.scrollWidth") <= 360
    note = watched.locator(".update-note", has_text="Flaky iOS UI tests")
    note.scroll_into_view_if_needed()
    box = note.bounding_box()
    assert note.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert "Note:" in note.evaluate("e => getComputedStyle(e, '::before').content")
