"""``okrsite serve`` in Chromium: with a page open, edits on disk show up without a
manual reload; a broken file shows the overlay on top of the last good page; fixing it
removes the overlay. Each test serves its own small site (see test_serve.make_site)
with the real file watcher."""

from __future__ import annotations

import io
import shutil

import pytest
from playwright.sync_api import Page, expect

from okrsite.serve.session import Server
from test_serve import CHECKIN, OBJECTIVE_URL, checkin_text, make_site, write

pytestmark = pytest.mark.browser

TIMEOUT = 15_000  # ms: a rebuild of a tiny site takes well under a second


@pytest.fixture
def live(tmp_path):
    """(server, site folder): a served small site with the watcher on."""
    config = make_site(tmp_path / "site", theme=True)
    server = Server(config, port=0, out=io.StringIO())
    server.start()
    yield server, config.parent
    server.stop()


def url(server: Server, path: str = "") -> str:
    return server.url + path


def open_page(page: Page, server: Server, path: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url(server, path))
    # the live-reload script is running (it marks the window)
    page.wait_for_function("window.__okrsiteLiveReload === true", timeout=TIMEOUT)
    page.errors = errors  # checked by the tests


def test_checkin_value_updates_open_page(live, page: Page):
    server, root = live
    open_page(page, server, OBJECTIVE_URL)
    main = page.locator("main")
    expect(main).to_contain_text("317 ms")
    page.evaluate("window.__notReloaded = true")
    write(root, CHECKIN, checkin_text(p99=333))
    expect(main).to_contain_text("333 ms", timeout=TIMEOUT)
    expect(main).not_to_contain_text("317 ms")
    # the page reloaded by itself (the test never reloads it)
    assert page.evaluate("window.__notReloaded === undefined")
    assert page.errors == []


def test_scroll_position_is_kept_across_reloads(live, page: Page):
    server, root = live
    page.set_viewport_size({"width": 500, "height": 300})
    open_page(page, server, OBJECTIVE_URL)
    page.evaluate("window.scrollTo(0, 250)")
    page.wait_for_function("window.scrollY > 200")
    before = page.evaluate("window.scrollY")
    write(root, CHECKIN, checkin_text(p99=334))
    expect(page.locator("main")).to_contain_text("334 ms", timeout=TIMEOUT)
    page.wait_for_function(f"Math.abs(window.scrollY - {before}) < 2", timeout=TIMEOUT)


def test_broken_yaml_shows_overlay_and_fixing_it_removes_it(live, page: Page):
    server, root = live
    open_page(page, server, OBJECTIVE_URL)
    main = page.locator("main")
    expect(main).to_contain_text("317 ms")

    # a YAML mistake on line 5 of the check-in
    write(root, CHECKIN, "---\ndate: 2026-11-13\nkey_results:\n  reliability/p99: 340\n reliability/uptime: 99\n---\n")
    overlay = page.locator("#okrsite-overlay")
    expect(overlay).to_be_visible(timeout=TIMEOUT)
    expect(overlay.locator("h2")).to_have_text("okrsite: the site was not rebuilt")
    lines = overlay.locator(".okrsite-diagnostics li")
    expect(lines.first).to_contain_text(f"{CHECKIN}:5: error: ")
    diagnostics = lines.all_text_contents()
    assert diagnostics == list(server.state.diagnostics)
    # the last good page stays visible underneath
    expect(page.locator("h1")).to_have_text("Be reliable")
    expect(main).to_contain_text("317 ms")
    expect(main).not_to_contain_text("340")
    box = overlay.bounding_box()
    assert box is not None and box["height"] < page.viewport_size["height"]

    # a page opened while the build is broken shows the overlay at once
    second = page.context.new_page()
    second.goto(url(server, "teams/platform/2026-Q4/"))
    expect(second.locator("#okrsite-overlay")).to_contain_text(f"{CHECKIN}:5: error: ", timeout=TIMEOUT)
    expect(second.locator("h1")).to_contain_text("Platform")

    # fixed: the overlay goes away by itself and the new value shows
    write(root, CHECKIN, checkin_text(p99=341))
    expect(main).to_contain_text("341 ms", timeout=TIMEOUT)
    expect(overlay).to_have_count(0)
    expect(second.locator("#okrsite-overlay")).to_have_count(0, timeout=TIMEOUT)
    expect(second.locator("main")).to_contain_text("341 ms")
    second.close()
    assert page.errors == []


def test_new_team_shows_up(live, page: Page):
    server, root = live
    open_page(page, server, "teams/")
    main = page.locator("main")
    expect(main).to_contain_text("Platform")
    expect(main).not_to_contain_text("Data Science")
    write(root, "content/teams/data/_index.md", '---\nname: "Data Science"\nparent: company\n---\n')
    expect(main).to_contain_text("Data Science", timeout=TIMEOUT)
    page.get_by_role("link", name="Data Science").first.click()
    expect(page.locator("h1")).to_contain_text("Data Science")


def test_deleted_objective_disappears(live, page: Page):
    server, root = live
    open_page(page, server, "teams/platform/2026-Q4/")
    main = page.locator("main")
    expect(main).to_contain_text("Spend less on hosting")
    (root / "content/teams/platform/2026-Q4/costs.md").unlink()
    expect(main).not_to_contain_text("Spend less on hosting", timeout=TIMEOUT)
    expect(main).to_contain_text("Be reliable")
    # and its page is gone
    response = page.request.get(url(server, "teams/platform/2026-Q4/costs/"))
    assert response.status == 404


def test_deleted_team_folder(live, page: Page):
    server, root = live
    open_page(page, server, "teams/")
    main = page.locator("main")
    expect(main).to_contain_text("Mobile")
    shutil.rmtree(root / "content/teams/mobile")
    expect(main).not_to_contain_text("Mobile", timeout=TIMEOUT)


def test_template_edit_rerenders(live, page: Page):
    server, root = live
    open_page(page, server, OBJECTIVE_URL)
    base = root / "themes/mytheme/templates/base.html"
    expect(page.locator("#preview-marker")).to_have_count(0)
    base.write_text(base.read_text().replace("</main>", '</main>\n<p id="preview-marker">Edited template</p>'))
    expect(page.locator("#preview-marker")).to_have_text("Edited template", timeout=TIMEOUT)
    # a template syntax error: overlay naming the template and its line
    lines = base.read_text().splitlines()
    good_line = lines[5]
    lines[5] = good_line + " {% endif %}"
    base.write_text("\n".join(lines) + "\n")
    overlay = page.locator("#okrsite-overlay")
    expect(overlay).to_contain_text(
        "themes/mytheme/templates/base.html:6: error: template syntax error", timeout=TIMEOUT
    )
    expect(page.locator("#preview-marker")).to_have_text("Edited template")
    lines[5] = good_line
    base.write_text("\n".join(lines).replace("Edited template", "Edited again") + "\n")
    expect(page.locator("#preview-marker")).to_have_text("Edited again", timeout=TIMEOUT)
    expect(overlay).to_have_count(0)
