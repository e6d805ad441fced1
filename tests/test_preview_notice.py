"""The preview says which date it computes statuses for (issue 25): with as_of pinned, a
check-in saved with a later date changed nothing in the preview and only the terminal said
why. `okrsite serve` shows the as-of date on every page, and a notice naming the later
check-ins and how to see them counted; built pages never have it."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import RESULTS_DIR
from okrsite.builder.pipeline import compute_site
from okrsite.core.config import parse_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.core.model import SourceFile
from okrsite.serve.notice import insert_at_top, preview_notice
from okrsite.serve.session import Server
from test_serve import get, make_site, write

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 20_000  # ms
LATER = "content/teams/platform/2026-Q4/checkins/2026-11-27.md"
LATER_TEXT = "---\ndate: 2026-11-27\nkey_results:\n  fast-dashboards/p99-latency: 1100\n---\n\n## What changed\n\nCache warming.\n"


def site_with(checkin_dates: list[str], as_of=date(2026, 11, 20)):
    cfg, _ = parse_config(b"")
    files = [
        SourceFile(
            "content/teams/platform/2026-Q4/fast.md",
            b"---\ntitle: Fast\nowner: A\nkey_results:\n  - {id: p99, title: p99, start: 450, target: 200}\n---\n",
        )
    ]
    for day in checkin_dates:
        files.append(
            SourceFile(
                f"content/teams/platform/2026-Q4/checkins/{day}.md",
                f"---\ndate: {day}\nkey_results:\n  fast/p99: 320\n---\n".encode(),
            )
        )
    return compute_site(cfg, files, as_of, Diagnostics())


# --------------------------------------------------------------------------- the notice's text


def test_notice_names_the_later_checkins_and_the_way_to_see_them():
    site = site_with(["2026-11-13", "2026-11-27", "2026-12-04"])
    html = preview_notice(site, "config")
    assert 'statuses as of <time datetime="2026-11-20">2026-11-20</time> (as_of in okrsite.yaml)' in html
    assert "2 saved check-ins are dated after it and do not count yet" in html
    assert "<code>content/teams/platform/2026-Q4/checkins/2026-11-27.md</code>" in html
    assert "2026-11-13.md" not in html  # counted
    assert "<code>okrsite serve --as-of 2026-12-04</code>, or remove as_of from okrsite.yaml" in html
    assert "okrsite-preview-later" in html
    assert "restart with <code>okrsite serve --as-of 2026-12-04</code>" in preview_notice(site, "option")


def test_notice_without_later_checkins():
    site = site_with(["2026-11-13"])
    html = preview_notice(site, "config")
    assert "statuses as of" in html and "okrsite-preview-later" not in html and "dated after" not in html
    assert preview_notice(site, "today") == ""  # nothing pinned, nothing later: nothing to say
    assert "It counts from its date" in preview_notice(site_with(["2026-11-27"]), "today")


def test_notice_escapes_paths():
    site = site_with(["2026-11-27"])
    site.checkins[0].path = "content/<b>x</b>.md"
    assert "<b>" not in preview_notice(site, "config") and "&lt;b&gt;" in preview_notice(site, "config")


def test_insert_at_top():
    assert insert_at_top(b'<html><body class="x">y</body>', b"<n>") == b'<html><body class="x">\n<n>y</body>'
    assert insert_at_top(b"no body", b"<n>") == b"<n>no body"
    assert insert_at_top(b"<body>y", b"") == b"<body>y"


def test_the_notice_has_the_themes_style():
    css = (REPO / "themes/default/static/assets/okrsite.css").read_text()
    assert ".okrsite-preview {" in css and ".okrsite-preview-later {" in css


# --------------------------------------------------------------------------- served, not built


def test_served_pages_have_the_notice_and_built_pages_do_not(tmp_path):
    config = make_site(tmp_path / "site")
    write(
        config.parent,
        "content/teams/platform/2026-Q4/checkins/2026-11-27.md",
        "---\ndate: 2026-11-27\nkey_results:\n  reliability/p99: 300\n---\n",
    )
    server = Server(config, port=0, watch=False, out=io.StringIO())
    server.start()
    try:
        for path in ("/okrs/", "/okrs/teams/", "/okrs/teams/platform/"):
            html = get(server, path).text
            assert html.count('<aside class="okrsite-preview okrsite-preview-later"') == 1, path
            assert html.index("okrsite-preview") < html.index('class="skip-link"') if "skip-link" in html else True
            assert "okrsite serve --as-of 2026-11-27" in html
    finally:
        server.stop()
    out = tmp_path / "public"
    proc = subprocess.run(
        [sys.executable, "-m", "okrsite", "build", "--config", str(config), "--output", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for page in out.rglob("*.html"):
        assert b"okrsite-preview" not in page.read_bytes(), page


def test_served_with_as_of_today_and_nothing_later_has_no_notice(tmp_path):
    config = make_site(tmp_path / "site")
    config.write_text(config.read_text().replace("as_of: 2026-11-20\n", ""))
    server = Server(config, port=0, watch=False, out=io.StringIO(), as_of=None)
    server.start()
    try:
        html = get(server, "/okrs/").text
        assert "okrsite-preview" not in html  # statuses for today, every check-in counted
    finally:
        server.stop()


# --------------------------------------------------------------------------- in a browser


@pytest.fixture
def sample_served(tmp_path):
    """A tmp copy of the sample (as_of pinned to 2026-11-20), served with the watcher on."""
    root = tmp_path / "sample"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "okrsite.yaml", root / "okrsite.yaml")
    server = Server(root / "okrsite.yaml", port=0, out=io.StringIO())
    server.start()
    yield server, root
    server.stop()


@pytest.mark.browser
def test_saving_a_later_checkin_shows_the_notice(sample_served, page: Page):
    server, root = sample_served
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(server.url + "teams/platform/2026-Q4/")
    page.wait_for_function("window.__okrsiteLiveReload === true", timeout=TIMEOUT)
    notice = page.locator("aside.okrsite-preview")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("statuses as of 2026-11-20 (as_of in okrsite.yaml)")
    expect(notice).not_to_contain_text("dated after")

    write(root, LATER, LATER_TEXT)  # the writer saves this week's check-in
    later = page.locator("aside.okrsite-preview-later")
    expect(later).to_be_visible(timeout=TIMEOUT)  # the page reloaded by itself
    expect(later).to_contain_text("1 saved check-in is dated after it and does not count yet")
    expect(later).to_contain_text(LATER)
    expect(later).to_contain_text("okrsite serve --as-of 2026-11-27")
    expect(later).to_contain_text("remove as_of from okrsite.yaml")
    box = later.bounding_box()
    assert box is not None and box["y"] < 800 and box["height"] > 20  # on the first screen
    colours = later.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]")
    assert colours[0] != colours[1] and colours[0] not in ("rgba(0, 0, 0, 0)", "transparent")  # the theme styles it
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS_DIR / "preview-notice-later-checkin.png"))

    # deleted, the notice says so no more
    (root / LATER).unlink()
    expect(page.locator("aside.okrsite-preview-later")).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator("aside.okrsite-preview")).to_contain_text("statuses as of 2026-11-20")
