"""In a real browser (Chromium via Playwright): a reader opens the home page of the
sample, served under a sub-path like an intranet would, and follows links to a team, an
objective and a check-in, with no console error and no failed request on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_home_to_team_to_objective_to_checkin(watched: Page, sample_site, static_server):
    base = static_server(sample_site, "/okrs/")
    page = watched
    page.goto(base)
    expect(page).to_have_title(re.compile("Kestrel"))
    expect(page.get_by_role("heading", name=re.compile("Where teams need help"))).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Teams").first.click()
    expect(page).to_have_url(base + "teams/")
    page.get_by_role("main").get_by_role("link", name="Platform", exact=True).first.click()
    expect(page).to_have_url(base + "teams/platform/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Platform")

    page.get_by_role("main").get_by_role("link", name="Make every dashboard feel instant").first.click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"teams/platform/2026-Q4/fast-dashboards/$"))
    kr = page.locator("#kr-p99-latency")
    expect(kr).to_be_visible()
    expect(kr).to_contain_text("ms")
    expect(kr.locator(".status").first).to_have_text(re.compile("On track|Behind|At risk|No data"))

    kr.locator("summary", has_text="Check-in history").click()  # the history is folded
    kr.get_by_role("link", name=re.compile("2026-11-20")).first.click()
    expect(page).to_have_url(base + "teams/platform/2026-Q4/checkins/2026-11-20/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026-11-20")
    expect(page.get_by_text(re.compile("Where do we need help", re.I)).first).to_be_visible()

    # back home through the header, still under the prefix
    page.get_by_role("navigation").get_by_role("link", name="Home").first.click()
    expect(page).to_have_url(base)
    assert page.problems == []


def test_unknown_url_shows_the_404_page_with_working_links(watched: Page, tmp_path, static_server, sample_config):
    """404.html is served at any depth, so its links are absolute: built for /okrs/."""
    from conftest import run_okrsite

    out = tmp_path / "public"
    run_okrsite("build", "--config", sample_config, "--output", out, "--base-url", "/okrs/", check=True)
    base = static_server(out, "/okrs/")
    page = watched
    response = page.goto(base + "teams/no-such-team/deep/page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("not found", re.I))
    page.get_by_role("navigation").get_by_role("link", name="Teams").first.click()
    expect(page).to_have_url(base + "teams/")
    expected = {
        f"404: {base}teams/no-such-team/deep/page/",
        "console: Failed to load resource: the server responded with a status of 404 (Not Found)",
    }
    assert sorted(page.problems) == sorted(expected)  # the page's own 404, and nothing else
    page.expected_problems = expected
