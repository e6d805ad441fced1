"""``okrsite serve``: HTTP behaviour, rebuild classification and debouncing, watching,
and the command line (busy port, Ctrl-C). Each test builds its own small site in
tmp_path (``make_site``); the browser scenarios are in test_serve_browser.py."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from okrsite.builder.pipeline import build
from okrsite.core.config import read_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.builder.gather import gather
from okrsite.serve.http import Snapshot, State, content_type, inject, make_httpd, safe_path
from okrsite.serve.session import Server
from okrsite.serve.watch import ChangeQueue, Event, Plan, Roots, classify, make_plan
from okrsite.site.themes import builtin_theme

REPO = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 20)

# --------------------------------------------------------------------------- a small site

CHECKIN = "content/teams/platform/2026-Q4/checkins/2026-11-13.md"
OBJECTIVE = "content/teams/platform/2026-Q4/reliability.md"
OBJECTIVE_URL = "teams/platform/2026-Q4/reliability/"


def checkin_text(p99: int = 317, uptime: float = 99.5) -> str:
    return (
        '---\ndate: 2026-11-13\nauthor: "Alan Turing"\nkey_results:\n'
        f"  reliability/p99: {p99}\n  reliability/uptime: {uptime}\n---\nA good week.\n"
    )


SITE = {
    "okrsite.yaml": 'title: "Mini OKRs"\nbase_url: {base_url}\nas_of: 2026-11-20\n{extra}',
    "content/_index.md": '---\ntitle: "Mini Corp"\n---\nWe make small things well.\n',
    "content/teams/company/_index.md": '---\nname: "Company"\nlead: "Ada Lovelace"\n---\n',
    "content/teams/platform/_index.md": '---\nname: "Platform"\nparent: company\nlead: "Alan Turing"\n---\n',
    "content/teams/mobile/_index.md": '---\nname: "Mobile"\nparent: company\n---\n',
    "content/teams/company/2026-Q4/growth.md": (
        '---\ntitle: "Grow steadily"\nowner: "Ada Lovelace"\nkey_results:\n'
        '  - id: revenue\n    title: "Revenue from 10 to 20"\n    start: 10\n    target: 20\n    unit: M\n'
        '  - id: customers\n    title: "Customers from 100 to 200"\n    start: 100\n    target: 200\n---\nWhy.\n'
    ),
    OBJECTIVE: (
        '---\ntitle: "Be reliable"\nowner: "Alan Turing"\naligns_to: company/growth\nkey_results:\n'
        '  - id: p99\n    title: "p99 latency from 450 to 200 ms"\n    start: 450\n    target: 200\n    unit: ms\n'
        '  - id: uptime\n    title: "Uptime from 99 to 99.9"\n    start: 99\n    target: 99.9\n    unit: "%"\n---\n'
    ),
    "content/teams/platform/2026-Q4/costs.md": (
        '---\ntitle: "Spend less on hosting"\nowner: "Alan Turing"\nkey_results:\n'
        '  - id: bill\n    title: "Monthly bill from 50 to 40"\n    start: 50\n    target: 40\n    unit: k\n'
        '  - id: idle\n    title: "Idle servers from 30 to 5"\n    start: 30\n    target: 5\n---\n'
    ),
    "content/teams/mobile/2026-Q4/app.md": (
        '---\ntitle: "A faster app"\nowner: "Grace Hopper"\nkey_results:\n'
        '  - id: start\n    title: "Cold start from 3 to 1 s"\n    start: 3\n    target: 1\n    unit: s\n'
        '  - id: rating\n    title: "Rating from 4.1 to 4.6"\n    start: 4.1\n    target: 4.6\n---\n'
    ),
    CHECKIN: checkin_text(),
}


def make_site(root: Path, base_url: str = "/okrs/", extra: str = "", theme: bool = False) -> Path:
    """A small organisation (3 teams) in ``root``; returns the okrsite.yaml path. With
    ``theme``, a user theme ``mytheme`` overriding base.html (a copy of the built-in)."""
    if theme:
        extra += "theme: mytheme\n"
        t = root / "themes" / "mytheme" / "templates"
        t.mkdir(parents=True)
        (t / "base.html").write_bytes((builtin_theme() / "templates" / "base.html").read_bytes())
    for rel, text in SITE.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text.format(base_url=base_url, extra=extra) if rel == "okrsite.yaml" else text, encoding="utf-8")
    return root / "okrsite.yaml"


def write(root: Path, rel: str, text: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------- raw HTTP


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"<Response {self.status} {self.headers.get('location', '')}>"


def http(server: Server, method: str, target: str, timeout: float = 10) -> Response:
    """Send the request target exactly as given (no client-side normalisation)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
        s.sendall(f"{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return Response(status, headers, body)


def get(server: Server, path: str) -> Response:
    return http(server, "GET", path)


@pytest.fixture
def site(tmp_path) -> Path:
    return make_site(tmp_path / "site")


@pytest.fixture
def server(site):
    s = Server(site, port=0, watch=False, out=io.StringIO())
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def ro_server(tmp_path_factory):
    """One server for the read-only HTTP tests of this module."""
    s = Server(make_site(tmp_path_factory.mktemp("ro") / "site"), port=0, watch=False, out=io.StringIO())
    s.start()
    yield s
    s.stop()


def content_event(config: Path, rel: str, kind: str = "modified", is_dir: bool = False) -> Event:
    return Event(kind, str((config.parent / rel).resolve()), is_dir)


# --------------------------------------------------------------------------- serving


def test_serves_the_site_under_its_prefix(ro_server):
    home = get(ro_server, "/okrs/")
    assert home.status == 200
    assert home.headers["content-type"] == "text/html; charset=utf-8"
    assert home.headers["cache-control"] == "no-store"
    assert "Mini Corp" in home.text
    page = get(ro_server, "/okrs/" + OBJECTIVE_URL)
    assert page.status == 200 and "Be reliable" in page.text and "317" in page.text
    css = get(ro_server, "/okrs/assets/okrsite.css")
    assert css.status == 200 and css.headers["content-type"] == "text/css; charset=utf-8"
    assert get(ro_server, "/okrs/assets/favicon.svg").headers["content-type"].startswith("image/svg+xml")
    export = get(ro_server, "/okrs/okrs.json")
    assert export.headers["content-type"].startswith("application/json")
    assert json.loads(export.body)["as_of"] == "2026-11-20"


def test_prefix_redirects(ro_server):
    for target in ("/", "/okrs"):
        r = get(ro_server, target)
        assert r.status == 302 and r.headers["location"] == "/okrs/", target
    r = get(ro_server, "/okrs/teams/platform")
    assert r.status == 302 and r.headers["location"] == "/okrs/teams/platform/"
    r = get(ro_server, "/okrs/teams/platform?x=1")
    assert r.headers["location"] == "/okrs/teams/platform/?x=1"
    # outside the prefix: not found, not the site
    assert get(ro_server, "/teams/platform/").status == 404
    assert get(ro_server, "/index.html").status == 404
    # absolute-form request target
    assert get(ro_server, f"http://127.0.0.1:{ro_server.port}/okrs/").status == 200


def test_root_prefix(tmp_path):
    config = make_site(tmp_path / "s", base_url="/")
    with Server(config, port=0, watch=False, out=io.StringIO()) as s:
        assert get(s, "/").status == 200
        assert '<script src="/__okrsite/livereload.js"' in get(s, "/teams/").text
        assert get(s, "/teams").headers["location"] == "/teams/"
        assert json.loads(get(s, "/__okrsite/state").body)["ok"] is True


def test_full_url_base_uses_its_path(tmp_path):
    config = make_site(tmp_path / "s", base_url="https://intranet.example.com/okrs/")
    with Server(config, port=0, watch=False, out=io.StringIO()) as s:
        assert s.url.endswith("/okrs/")
        assert get(s, "/okrs/").status == 200


TRAVERSALS = [
    "/okrs/../okrsite.yaml",
    "/okrs/../../../../etc/passwd",
    "/../../../../etc/passwd",
    "/okrs/teams/../../okrsite.yaml",
    "/okrs/%2e%2e/okrsite.yaml",
    "/okrs/%2E%2E/%2e%2e/etc/passwd",
    "/okrs/.%2e/okrsite.yaml",
    "/okrs/%2e%2e%2fokrsite.yaml",
    "/okrs/..%2fokrsite.yaml",
    "/okrs/..%2Fokrsite.yaml",
    "/okrs/teams%2f..%2f..%2fokrsite.yaml",
    "/okrs/%252e%252e/okrsite.yaml",
    "/okrs/%252e%252e%252fokrsite.yaml",
    "/okrs/%25252e%25252e/okrsite.yaml",
    "/okrs/..\\okrsite.yaml",
    "/okrs/%5c..%5cokrsite.yaml",
    "/okrs/..%5cokrsite.yaml",
    "/okrs/%c0%ae%c0%ae/okrsite.yaml",
    "/okrs/%00",
    "/okrs/index.html%00.css",
    "/okrs/./index.html",
    "/okrs//etc/passwd",
    "//etc/passwd",
    "/okrs/content/teams/platform/_index.md",
    "/okrs/okrsite.yaml",
    "/okrs/../content/_index.md",
    "/okrs/__okrsite/../okrsite.yaml",
    "/okrs/__okrsite/nothing",
    "okrs/index.html",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_gets_404(ro_server, target):
    r = get(ro_server, target)
    assert r.status == 404, (target, r)
    assert "as_of" not in r.text  # never the configuration
    assert "Mini Corp" not in r.text or "Page not found" in r.text


def test_404_serves_the_site_404_page(ro_server):
    r = get(ro_server, "/okrs/no/such/page/")
    assert r.status == 404
    assert "Page not found" in r.text
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "__okrsite/livereload.js" in r.text  # it reloads too


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
def test_only_get_and_head(ro_server, method):
    r = http(ro_server, method, "/okrs/")
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD"


def test_head(ro_server):
    full = get(ro_server, "/okrs/" + OBJECTIVE_URL)
    head = http(ro_server, "HEAD", "/okrs/" + OBJECTIVE_URL)
    assert head.status == 200 and head.body == b""
    assert int(head.headers["content-length"]) == len(full.body)
    assert http(ro_server, "HEAD", "/okrs/../okrsite.yaml").status == 404
    assert http(ro_server, "HEAD", "/okrs").status == 302


def test_safe_path_unit():
    assert safe_path("/okrs/teams/") == "/okrs/teams/"
    assert safe_path("/okrs/a%20b") == "/okrs/a b"
    for bad in (
        "/..",
        "/a/../b",
        "/a/%2e%2e/b",
        "/a%2fb",
        "/a%5cb",
        "/a\\b",
        "/a%00",
        "/a%252e",
        "/a//b",
        "/./a",
        "a/b",
        "/%ff",
        "/a%0d%0ab",
    ):
        assert safe_path(bad) is None, bad


def test_content_types():
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert content_type("okrs.json") == "application/json; charset=utf-8"
    assert content_type("a/b.js") == "text/javascript; charset=utf-8"
    assert content_type("x.css") == "text/css; charset=utf-8"
    assert content_type("f.svg") == "image/svg+xml; charset=utf-8"
    assert content_type("f.woff2") == "font/woff2"
    assert content_type("f.png") == "image/png"


# --------------------------------------------------------------------------- live reload


def test_script_injected_when_served_only(server, site, tmp_path):
    html = get(server, "/okrs/").text
    tag = '<script src="/okrs/__okrsite/livereload.js" data-build="1" defer></script>'
    assert tag in html
    assert html.index(tag) < html.rindex("</body>")
    assert html.count("__okrsite") == 1
    js = get(server, "/okrs/__okrsite/livereload.js")
    assert js.status == 200 and js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert b"innerHTML" not in js.body and b"okrsite: the site was not rebuilt" in js.body
    # `okrsite build` output never has it
    out = tmp_path / "public"
    proc = subprocess.run(
        [sys.executable, "-m", "okrsite", "build", "--config", str(site), "--output", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    built = list(out.rglob("*"))
    assert any(p.name == "index.html" for p in built)
    for p in built:
        if p.is_file():
            assert b"__okrsite" not in p.read_bytes(), p
            assert b"livereload" not in p.read_bytes(), p


class FakeSession:
    """Only what serve/http.py's Session names: the handler needs nothing else."""

    host, poll_seconds, prefix = "127.0.0.1", 5.0, "/okrs/"

    def __init__(self):
        self.snapshot: Snapshot | None = None
        self.state = State(0, True, 0)
        self.waited: list[tuple[int, float]] = []

    def wait_for_change(self, build: int, timeout: float) -> State:
        self.waited.append((build, timeout))
        return State(build + 1, True, build + 1)

    def search_file(self, path: str) -> bytes | None:
        return b"index" if path == "pagefind/pagefind.js" else None

    def decorate(self, snap: Snapshot, body: bytes) -> bytes:
        return b"decorated " + body


def test_http_talks_to_the_session_only_through_its_interface():
    session = FakeSession()
    httpd = make_httpd("127.0.0.1", 0, session)
    port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        served = SimpleNamespace(port=port)
        building = http(served, "GET", "/okrs/")
        assert building.status == 503 and "okrsite is building the site" in building.text
        session.snapshot = Snapshot(3, "/okrs/", {"index.html": b"<p>home</p>", "a.css": b"p{}"})
        assert http(served, "GET", "/okrs/").body == b"decorated <p>home</p>"
        assert http(served, "GET", "/okrs/a.css").body == b"p{}"  # only HTML is decorated
        assert http(served, "GET", "/okrs/pagefind/pagefind.js").body == b"index"
        assert http(served, "GET", "/okrs/pagefind/other.js").status == 404
        poll = http(served, "GET", "/okrs/__okrsite/poll?build=3")
        assert json.loads(poll.body)["build"] == 4 and session.waited == [(3, 5.0)]
        assert json.loads(http(served, "GET", "/okrs/__okrsite/state").body)["build"] == 0
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_inject_unit():
    assert inject(b"<html><body>x</body></html>", b"<s>") == b"<html><body>x<s>\n</body></html>"
    assert inject(b"<BODY>x</BODY>", b"<s>") == b"<BODY>x<s>\n</BODY>"
    assert inject(b"no body", b"<s>") == b"no body<s>"


def test_lazy_pages_equal_the_build(server, site):
    """Pages rendered on request are byte-for-byte what `okrsite build` writes."""
    config, _ = read_config(site)
    expected = build(config, AS_OF).files
    served = server.snapshot.files.materialise()
    assert sorted(served) == sorted(expected)
    for path in expected:
        assert served[path] == expected[path], path


def test_eager_mode_equals_lazy(site):
    with Server(site, port=0, watch=False, lazy=False, out=io.StringIO()) as eager:
        assert isinstance(eager.snapshot.files, dict)
        body = get(eager, "/okrs/" + OBJECTIVE_URL).text
        assert "317" in body and "__okrsite/livereload.js" in body


@pytest.mark.serial  # compares times
def test_poll_waits_for_the_next_build(site):
    # Times are compared with the hold (3 s), never with a bound under a second: a
    # loaded machine answers slowly, but an answer held for the poll is unmistakable.
    with Server(site, port=0, watch=False, out=io.StringIO(), poll_seconds=3.0) as s:
        # no build number, or an old one: answered without the hold
        t = time.perf_counter()
        state = json.loads(get(s, "/okrs/__okrsite/poll").body)
        assert state == {"build": 1, "ok": True, "good": 1, "diagnostics": [], "message": ""}
        assert json.loads(get(s, "/okrs/__okrsite/poll?build=0").body)["build"] == 1
        assert time.perf_counter() - t < 2.9
        # the current build: held until the timeout...
        t = time.perf_counter()
        assert json.loads(get(s, "/okrs/__okrsite/poll?build=1").body)["build"] == 1
        assert time.perf_counter() - t >= 2.9
        # ...or until a rebuild
        result = {}
        th = threading.Thread(target=lambda: result.update(json.loads(get(s, "/okrs/__okrsite/poll?build=1").body)))
        th.start()
        time.sleep(0.2)
        assert th.is_alive() and result == {}, "held until the rebuild"
        write(site.parent, CHECKIN, checkin_text(p99=300))
        s.rebuild([content_event(site, CHECKIN)])
        th.join(5)
        assert result["build"] == 2 and result["ok"] is True


# --------------------------------------------------------------------------- rebuilding


def page(server: Server, url: str = OBJECTIVE_URL) -> Response:
    return get(server, "/okrs/" + url)


def test_checkin_change_rereads_one_file(server, site):
    root = site.parent
    write(root, CHECKIN, checkin_text(p99=251))
    state = server.rebuild([content_event(site, CHECKIN)])
    assert state.ok and state.build == 2
    assert "251" in page(server).text
    # the status pages that show it change too (team-period page, home counts)
    assert "251" in page(server, "teams/platform/2026-Q4/").text
    assert server.out.getvalue().splitlines()[-1].startswith("rebuilt in ")
    assert server.out.getvalue().splitlines()[-1].endswith("(content: 1 file)")
    # saved again without a change: nothing to do
    assert server.rebuild([content_event(site, CHECKIN)]) is None


def test_checkin_edit_is_patched_and_equals_the_build(server, site):
    """Editing a check-in in place takes the quick path (okrsite/serve/patch.py: no full
    load, no new page plan); every served file is still what `okrsite build` writes,
    also after an edit with an error and its fix (which stay on the quick path)."""
    root = site.parent
    config, _ = read_config(site)
    listed = server.snapshot.files.outputs.files  # the files of the full build's plan
    for text in (
        checkin_text(p99=251),
        checkin_text(p99=600, uptime=90),
        checkin_text(p99=251).replace("A good week.", "A week with *news*."),
    ):
        write(root, CHECKIN, text)
        state = server.rebuild([content_event(site, CHECKIN)])
        assert state.ok and "patch" in server.timings and "compute" not in server.timings
        expected = build(config, AS_OF).files
        files = server.snapshot.files
        served = files.materialise()
        assert sorted(served) == sorted(expected)
        assert [p for p in expected if served[p] != expected[p]] == []
        # the files are listed once per page plan: a patch keeps the last build's list
        assert files.outputs.files is listed
        assert files.page_count == sum(1 for p in expected if p.endswith(".html"))
    write(root, CHECKIN, checkin_text().replace("reliability/p99", "reliability/p98"))
    state = server.rebuild([content_event(site, CHECKIN)])
    assert not state.ok and "patch" in server.timings
    assert any(d.startswith(CHECKIN + ":5: error: unknown key result 'p98'") for d in state.diagnostics), (
        state.diagnostics
    )
    write(root, CHECKIN, checkin_text(p99=233))
    state = server.rebuild([content_event(site, CHECKIN)])
    assert state.ok and "patch" in server.timings and "233" in page(server).text
    # a new date moves pages: the full rebuild
    write(root, CHECKIN, checkin_text(p99=233).replace("date: 2026-11-13", "date: 2026-11-12"))
    state = server.rebuild([content_event(site, CHECKIN)])
    assert "patch" not in server.timings and "compute" in server.timings


def test_invalid_content_keeps_the_last_good_build(server, site):
    root = site.parent
    write(root, CHECKIN, checkin_text(p99=251))
    server.rebuild([content_event(site, CHECKIN)])
    good = server.snapshot
    write(root, CHECKIN, "---\ndate: 2026-11-13\nkey_results:\n  reliability/p99: [251\n---\n")
    state = server.rebuild([content_event(site, CHECKIN)])
    assert not state.ok and state.good == good.build
    assert server.snapshot is good
    assert any(d.startswith(CHECKIN + ":4: error: ") for d in state.diagnostics), (
        state.diagnostics
    )  # the line of the open [
    assert "251" in page(server).text  # still the last good page
    out = server.out.getvalue()
    assert CHECKIN + ":4: error: " in out
    assert "build failed: 1 error; still serving the last good build" in out
    polled = json.loads(get(server, "/okrs/__okrsite/poll?build=2").body)
    assert polled["ok"] is False and polled["diagnostics"] == list(state.diagnostics)
    # fixed: served again
    write(root, CHECKIN, checkin_text(p99=240))
    state = server.rebuild([content_event(site, CHECKIN)])
    assert state.ok and "240" in page(server).text


def test_created_deleted_and_renamed(server, site):
    root = site.parent
    # a new team: a folder and its files
    write(root, "content/teams/data/_index.md", '---\nname: "Data Science"\nparent: company\n---\n')
    state = server.rebuild(
        [
            content_event(site, "content/teams/data", "created", is_dir=True),
            content_event(site, "content/teams/data/_index.md", "created"),
        ]
    )
    assert state.ok
    assert "Data Science" in page(server, "teams/").text
    assert page(server, "teams/data/").status == 200
    # an objective deleted
    (root / "content/teams/platform/2026-Q4/costs.md").unlink()
    server.rebuild([content_event(site, "content/teams/platform/2026-Q4/costs.md", "deleted")])
    assert page(server, "teams/platform/2026-Q4/costs/").status == 404
    assert "Spend less on hosting" not in page(server, "teams/platform/2026-Q4/").text
    # a file renamed (as editors save: temp file, then rename over)
    tmp = root / "content/teams/mobile/2026-Q4/.app.md.swp"
    tmp.write_text(SITE["content/teams/mobile/2026-Q4/app.md"].replace("A faster app", "A much faster app"))
    os.replace(tmp, root / "content/teams/mobile/2026-Q4/app.md")
    server.rebuild(
        [Event("moved", str(tmp.resolve()), False, str((root / "content/teams/mobile/2026-Q4/app.md").resolve()))]
    )
    assert "A much faster app" in page(server, "teams/mobile/2026-Q4/app/").text
    # an objective renamed
    os.rename(root / "content/teams/mobile/2026-Q4/app.md", root / "content/teams/mobile/2026-Q4/speed.md")
    server.rebuild(
        [
            Event(
                "moved",
                str((root / "content/teams/mobile/2026-Q4/app.md").resolve()),
                False,
                str((root / "content/teams/mobile/2026-Q4/speed.md").resolve()),
            )
        ]
    )
    assert page(server, "teams/mobile/2026-Q4/app/").status == 404
    assert page(server, "teams/mobile/2026-Q4/speed/").status == 200
    # a team folder renamed and one deleted
    os.rename(root / "content/teams/mobile", root / "content/teams/apps")
    server.rebuild(
        [
            Event(
                "moved",
                str((root / "content/teams/mobile").resolve()),
                True,
                str((root / "content/teams/apps").resolve()),
            )
        ]
    )
    assert page(server, "teams/apps/").status == 200 and page(server, "teams/mobile/").status == 404
    import shutil

    shutil.rmtree(root / "content/teams/data")
    state = server.rebuild([content_event(site, "content/teams/data", "deleted", is_dir=True)])
    assert state.ok and page(server, "teams/data/").status == 404
    # what the server holds is what a fresh gather reads
    config, _ = read_config(site)
    fresh = {s.path: s.data for s in gather(config, Diagnostics())}
    assert {p: s.data for p, s in server.sources.items()} == fresh


def test_incremental_sources_match_gather(server, site):
    root = site.parent
    events = []
    write(
        root,
        "content/teams/platform/2026-Q4/checkins/2026-11-20.md",
        "---\ndate: 2026-11-20\nkey_results:\n  reliability/p99: 280\n---\n",
    )
    events.append(content_event(site, "content/teams/platform/2026-Q4/checkins/2026-11-20.md", "created"))
    write(root, "content/teams/platform/notes.txt", "not content")
    events.append(content_event(site, "content/teams/platform/notes.txt", "created"))
    (root / "content/teams/company/2026-Q4/growth.md").unlink()
    events.append(content_event(site, "content/teams/company/2026-Q4/growth.md", "deleted"))
    state = server.rebuild(events)
    assert not state.ok  # platform aligns to the deleted objective
    assert any("growth" in d and OBJECTIVE + ":" in d for d in state.diagnostics), state.diagnostics
    config, _ = read_config(site)
    fresh = {s.path: s.data for s in gather(config, Diagnostics())}
    assert {p: s.data for p, s in server.sources.items()} == fresh


def test_template_change_rerenders(tmp_path):
    config = make_site(tmp_path / "s", theme=True)
    base = config.parent / "themes/mytheme/templates/base.html"
    with Server(config, port=0, watch=False, out=io.StringIO()) as s:
        assert "Preview marker" not in page(s).text
        base.write_text(base.read_text().replace("</main>", "</main>\n<p>Preview marker</p>"))
        state = s.rebuild([Event("modified", str(base.resolve()))])
        assert state.ok and "Preview marker" in page(s).text
        assert s.out.getvalue().splitlines()[-1].endswith("(templates)")
        # a syntax error: reported at the template's file and line, old pages kept
        text = base.read_text().splitlines()
        text[3] = text[3] + " {% if %}"
        base.write_text("\n".join(text) + "\n")
        state = s.rebuild([Event("modified", str(base.resolve()))])
        assert not state.ok
        assert any(
            d.startswith("themes/mytheme/templates/base.html:4: error: template syntax error")
            for d in state.diagnostics
        ), state.diagnostics
        assert "Preview marker" in page(s).text
        # an error at run time (unknown variable): caught before serving
        text[3] = text[3].replace(" {% if %}", " {{ no_such_thing.x }}")
        base.write_text("\n".join(text) + "\n")
        state = s.rebuild([Event("modified", str(base.resolve()))])
        assert not state.ok
        assert any(d.startswith("themes/mytheme/templates/base.html:") for d in state.diagnostics), state.diagnostics
        # fixed
        base.write_bytes((builtin_theme() / "templates" / "base.html").read_bytes())
        assert s.rebuild([Event("modified", str(base.resolve()))]).ok
        assert "Preview marker" not in page(s).text


def test_static_change(tmp_path):
    config = make_site(tmp_path / "s", theme=True)
    css = config.parent / "themes/mytheme/static/assets/extra.css"
    with Server(config, port=0, watch=False, out=io.StringIO()) as s:
        assert get(s, "/okrs/assets/extra.css").status == 404
        css.parent.mkdir(parents=True)
        css.write_text("body { color: red }\n")
        assert s.rebuild([Event("created", str(css.resolve()))]).ok
        r = get(s, "/okrs/assets/extra.css")
        assert r.status == 200 and r.body == b"body { color: red }\n"


def test_config_change_and_broken_config(server, site):
    text = site.read_text()
    site.write_text(text.replace('title: "Mini OKRs"', 'title: "Renamed OKRs"'))
    state = server.rebuild([Event("modified", str(site.resolve()))])
    assert state.ok and "Renamed OKRs" in page(server).text
    assert server.out.getvalue().splitlines()[-1].endswith("(configuration: full rebuild)")
    site.write_text("title: [oops\n")
    state = server.rebuild([Event("modified", str(site.resolve()))])
    assert not state.ok and any(d.startswith("okrsite.yaml:") for d in state.diagnostics)
    assert "Renamed OKRs" in page(server).text
    # content changes while the config is broken still fail (and still show it)
    write(site.parent, CHECKIN, checkin_text(p99=222))
    state = server.rebuild([content_event(site, CHECKIN)])
    assert not state.ok and any(d.startswith("okrsite.yaml:") for d in state.diagnostics)
    site.write_text(text.replace("base_url: /okrs/", "base_url: /new/"))
    state = server.rebuild([Event("modified", str(site.resolve()))])
    assert state.ok
    assert "222" in get(server, "/new/" + OBJECTIVE_URL).text
    assert get(server, "/okrs/").status == 404
    assert get(server, "/").headers["location"] == "/new/"


def test_search_index_is_built_in_the_background(site):
    with Server(site, port=0, watch=False, out=io.StringIO(), search_delay=0.1) as s:
        assert page(s, "search/").status == 200
        deadline = time.time() + 60
        while s.search.files is None and time.time() < deadline:
            time.sleep(0.05)
        assert s.search.files is not None, s.out.getvalue()
        r = get(s, "/okrs/pagefind/pagefind.js")
        assert r.status == 200 and r.headers["content-type"].startswith("text/javascript")
        assert "search index ready in" in s.out.getvalue()
        assert get(s, "/okrs/pagefind/../okrsite.yaml").status == 404


def test_a_saved_checkin_indexes_only_its_period_again(site, indexed_parts, monkeypatch):
    """Serve keeps its last search bundle: a check-in saved re-indexes its period's part,
    converting only the saved body to text (the others' text is kept), and the index is
    the one a build from nothing makes."""
    from okrsite.builder import searchindex

    indexed = indexed_parts
    with Server(site, port=0, watch=False, out=io.StringIO(), search_delay=0.1) as s:
        deadline = time.time() + 60
        while s.search.files is None and time.time() < deadline:
            time.sleep(0.05)
        assert s.search.files is not None, s.out.getvalue()
        assert indexed[0] == "" and "periods/2026-Q4/" in indexed
        indexed.clear()
        converted: list[str] = []
        real = searchindex.html_to_text
        monkeypatch.setattr(
            searchindex, "html_to_text", lambda html, headings=True: converted.append(html) or real(html, headings)
        )
        write(site.parent, CHECKIN, checkin_text().replace("A good week.", "A good week: the quokka shipped."))
        assert s.rebuild([content_event(site, CHECKIN)]).ok
        build_number = s.snapshot.build
        while s.search.files[0] != build_number and time.time() < deadline:
            time.sleep(0.05)
        assert s.search.files[0] == build_number
        assert indexed == ["periods/2026-Q4/"]
        assert len(converted) == 1 and "quokka" in converted[0]
        assert s.search.files[1] == searchindex.index_files(s.snapshot.files.site)


def test_page_failing_on_request(server, site):
    """A page that fails to render when asked for (a bug, not content): 500 with the
    overlay, the rest of the site still served, cleared by the next good build."""
    files = server.snapshot.files
    real = files.render

    def broken(path):
        if path == OBJECTIVE_URL + "index.html":
            raise RuntimeError("boom")
        return real(path)

    files.render = broken
    r = page(server)
    assert r.status == 500 and "__okrsite/livereload.js" in r.text
    assert not server.state.ok and "boom" in server.state.diagnostics[0]
    assert page(server, "teams/").status == 200
    write(site.parent, CHECKIN, checkin_text(p99=260))
    assert server.rebuild([content_event(site, CHECKIN)]).ok
    assert page(server).status == 200 and "260" in page(server).text


def test_first_build_with_errors_still_serves(tmp_path):
    config = make_site(tmp_path / "s")
    write(config.parent, CHECKIN, "---\ndate: 2026-11-13\nkey_results: [\n---\n")
    out = io.StringIO()
    with Server(config, port=0, watch=False, out=out) as s:
        assert s.snapshot is None and not s.state.ok
        r = get(s, "/okrs/" + OBJECTIVE_URL)
        assert r.status == 503
        assert "__okrsite/livereload.js" in r.text and "has errors" in r.text
        assert "nothing to serve until it is fixed" in out.getvalue()
        write(config.parent, CHECKIN, checkin_text())
        assert s.rebuild([content_event(config, CHECKIN)]).ok
        assert page(s).status == 200


def test_broken_config_at_start_still_serves(tmp_path):
    config = make_site(tmp_path / "s")
    good = config.read_text()
    config.write_text("title: [\n")
    with Server(config, port=0, watch=False, out=io.StringIO()) as s:
        assert not s.state.ok and s.state.diagnostics[0].startswith("okrsite.yaml:")
        assert get(s, "/anything").status == 503
        config.write_text(good)
        assert s.rebuild([Event("modified", str(config.resolve()))]).ok
        assert get(s, "/okrs/").status == 200


# --------------------------------------------------------------------------- classification


@pytest.fixture
def roots(tmp_path) -> Roots:
    root = tmp_path / "site"
    return Roots(
        root / "okrsite.yaml", root / "content", root / "public", [root / "themes" / "mine", tmp_path / "builtin"]
    )


@pytest.mark.parametrize(
    "rel, is_dir, kind",
    [
        ("okrsite.yaml", False, "config"),
        ("content", True, "config"),
        ("themes/mine", True, "config"),
        ("content/teams/a/2026-Q4/o.md", False, "content"),
        ("content/_index.md", False, "content"),
        ("content/teams/a/2026-Q4", True, "tree"),
        ("content/teams/a/notes.txt", False, None),
        ("content/teams/a/.o.md.swp", False, None),
        ("content/teams/a/o.md~", False, None),
        ("content/teams/a/.#o.md", False, None),
        ("content/teams/a/#o.md#", False, None),
        ("content/teams/a/4913", False, None),
        ("content/.git/index", False, None),
        ("content/teams/.hidden/o.md", False, None),
        ("themes/mine/templates/base.html", False, "template"),
        ("themes/mine/templates/partials", True, "template"),
        ("themes/mine/templates/.base.html.swp", False, None),
        ("themes/mine/static/assets/a.css", False, "static"),
        ("themes/mine/README.md", False, None),
        ("public/index.html", False, None),
        ("public", True, None),
        ("README.md", False, None),
        ("other.yaml", False, None),
    ],
)
def test_classify(roots, rel, is_dir, kind):
    assert classify(roots.config_dir / rel, is_dir, roots) == kind


def test_classify_builtin_theme(roots, tmp_path):
    assert classify(tmp_path / "builtin/templates/home.html", False, roots) == "template"


def test_make_plan(roots):
    c = roots.config_dir
    plan = make_plan(
        [
            Event("modified", str(c / "content/a.md")),
            Event("modified", str(c / "content/a.md")),
            Event("closed", str(c / "content/b.md")),
            Event("opened", str(c / "content/c.md")),
            Event("closed_no_write", str(c / "okrsite.yaml")),
            Event("modified", str(c / "content/teams"), is_dir=True),
            Event("moved", str(c / "content/.d.md.swp"), False, str(c / "content/d.md")),
        ],
        roots,
    )
    assert not (plan.config or plan.regather or plan.templates or plan.static)
    assert plan.content == {str(c / "content/a.md"), str(c / "content/b.md"), str(c / "content/d.md")}
    assert plan.describe() == "content: 3 files"
    assert make_plan([Event("created", str(c / "content/teams/x"), True)], roots).regather
    assert (
        make_plan([Event("deleted", str(c / "content/teams/x"), True)], roots).describe() == "content: folders changed"
    )
    assert make_plan([Event("modified", str(c / "okrsite.yaml"))], roots).config
    assert make_plan([Event("modified", str(c / "public/index.html"))], roots).empty()
    p = make_plan(
        [
            Event("modified", str(c / "themes/mine/templates/a.html")),
            Event("created", str(c / "themes/mine/static/a.css")),
        ],
        roots,
    )
    assert p.templates and p.static and p.describe() == "templates, static files"
    assert Plan().empty()


# --------------------------------------------------------------------------- debouncing


@pytest.mark.serial  # compares times
def test_debounce_makes_a_burst_one_batch():
    # the quiet period is far longer than the gaps, so a loaded machine cannot split the burst
    q = ChangeQueue(delay=0.5, max_wait=10)
    events = [Event("modified", f"/x/{i}.md") for i in range(8)]

    def burst():
        for ev in events:
            q.put(ev)
            time.sleep(0.02)

    t0 = time.monotonic()
    threading.Thread(target=burst).start()
    batch = q.take()
    elapsed = time.monotonic() - t0
    assert batch == events
    assert elapsed >= 0.14 + 0.5 - 0.02  # waited for the burst to end, then the quiet period
    assert q.take(timeout=0.3) is None  # nothing left


def test_debounce_separate_bursts():
    q = ChangeQueue(delay=0.05)
    q.put(Event("modified", "/a.md"))
    assert q.take() == [Event("modified", "/a.md")]
    q.put(Event("modified", "/b.md"))
    assert q.take() == [Event("modified", "/b.md")]


@pytest.mark.serial  # compares times
def test_debounce_max_wait():
    q = ChangeQueue(delay=1.0, max_wait=0.3)  # gaps of 20 ms never make a quiet second
    stop = threading.Event()

    def stream():
        i = 0
        while not stop.is_set():
            q.put(Event("modified", f"/s/{i}.md"))
            i += 1
            time.sleep(0.02)

    t0 = time.monotonic()
    threading.Thread(target=stream, daemon=True).start()
    batch = q.take()
    elapsed = time.monotonic() - t0
    stop.set()
    # taken although the stream never paused: max_wait cut it (without it, take() would
    # wait for the stream to end); the upper bound only stops a broken queue from hanging
    assert 0.25 <= elapsed < 10 and len(batch) >= 5


@pytest.mark.serial  # compares times
def test_debounce_is_short_once_a_written_file_is_closed():
    """An editor's save ends with the file closed after writing: the batch is taken
    after the short settle period, not the full quiet period."""
    q = ChangeQueue(delay=6.0, max_wait=10, settle=0.02)
    t0 = time.monotonic()
    q.put(Event("modified", "/a.md"))
    q.put(Event("closed", "/a.md"))
    assert q.take() == [Event("modified", "/a.md"), Event("closed", "/a.md")]
    assert time.monotonic() - t0 < 3, "the settle period, not the 6 s quiet period"
    q = ChangeQueue(delay=1.0, max_wait=5, settle=0.02)
    q.put(Event("closed", "/a.md"))
    q.put(Event("modified", "/b.md"))  # still being written: the full quiet period
    t0 = time.monotonic()
    assert len(q.take()) == 2 and time.monotonic() - t0 >= 0.9


def test_debounce_close():
    q = ChangeQueue()
    threading.Timer(0.1, q.close).start()
    assert q.take() is None


# --------------------------------------------------------------------------- watching


@pytest.mark.serial  # a burst of saves must fall within one quiet period
@pytest.mark.parametrize("poll", [False, True], ids=["events", "polling"])
def test_watcher_rebuilds_once_per_burst(tmp_path, poll):
    config = make_site(tmp_path / "s")
    root = config.parent
    # each save of the burst is complete (closed), so the short settle period would
    # build between two of them on a loaded machine; the burst is one within the
    # quiet period (the settle period has its own test above)
    with Server(config, port=0, out=io.StringIO(), poll=poll, poll_interval=0.2, debounce=0.3, settle=0.3) as s:
        time.sleep(0.3)  # let the observer settle
        before = s.state.build
        for v in (301, 302, 303, 304, 305):  # a burst of saves
            write(root, CHECKIN, checkin_text(p99=v))
            time.sleep(0.01)
        state = s.wait_for_build(before, timeout=10)
        assert state.ok and state.build == before + 1
        assert "305" in page(s).text
        time.sleep(0.5 if not poll else 1.0)
        assert s.state.build == before + 1  # one rebuild for the burst
        # editor temp files and unrelated files do nothing
        write(root, "content/teams/platform/.reliability.md.swp", "x")
        write(root, "content/teams/platform/4913", "")
        write(root, "notes.txt", "hello")
        time.sleep(0.6 if not poll else 1.0)
        assert s.state.build == before + 1
        # a new team folder, then a deleted objective
        write(root, "content/teams/data/_index.md", '---\nname: "Data Science"\nparent: company\n---\n')
        state = s.wait_for_build(before + 1, timeout=10)
        deadline = time.time() + 10
        while "Data Science" not in page(s, "teams/").text and time.time() < deadline:
            time.sleep(0.05)
        assert "Data Science" in page(s, "teams/").text
        (root / "content/teams/platform/2026-Q4/costs.md").unlink()
        deadline = time.time() + 10
        while page(s, "teams/platform/2026-Q4/costs/").status != 404 and time.time() < deadline:
            time.sleep(0.05)
        assert page(s, "teams/platform/2026-Q4/costs/").status == 404


# --------------------------------------------------------------------------- command line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ctrl_c_as_on_a_terminal() -> None:
    """In the serve process, before it starts: SIGINT does what Ctrl-C does on a
    terminal. Tests run in the background of a non-interactive shell (``.ci/run &``)
    ignore SIGINT, as such a shell sets it, and their children would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _serve(config: Path, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "okrsite", "serve", "--config", str(config), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        preexec_fn=_ctrl_c_as_on_a_terminal,
    )


def test_busy_port_exits_2(site):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "okrsite", "serve", "--config", str(site), "--port", str(port)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=30,
        )
    assert proc.returncode == 2
    assert f"okrsite: error: port {port} is already in use; try --port {port + 1}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_config_exits_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "okrsite", "serve", "--config", str(tmp_path / "nope.yaml"), "--port", "0"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=30,
    )
    assert proc.returncode == 2 and "no okrsite.yaml" in proc.stderr


def test_ctrl_c_stops_cleanly(site):
    proc = _serve(site, "--port", "0")
    try:
        line = proc.stdout.readline()
        assert line.startswith("Serving http://127.0.0.1:") and line.rstrip().endswith("/okrs/ (Ctrl-C to stop)"), line
        url = line.split()[1]
        built = proc.stdout.readline()
        assert built.startswith("built in "), built
        import urllib.request

        with urllib.request.urlopen(url) as r:
            assert r.status == 200
        # a browser waiting on the long poll must not keep it alive
        threading.Thread(
            target=lambda: urllib.request.urlopen(url + "__okrsite/poll?build=1", timeout=30), daemon=True
        ).start()
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, (out, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert "KeyboardInterrupt" not in err


def test_all_interfaces_warns(site):
    proc = _serve(site, "--host", "0.0.0.0", "--port", "0")
    try:
        line = proc.stdout.readline()
        assert line.startswith("Serving http://")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "all network interfaces" in err
    assert proc.returncode == 0


def test_a_bug_while_planning_is_reported_by_the_preview_and_raised_by_a_build(tmp_path, monkeypatch):
    """A bug in a view while pages are planned (not a RenderError): ``okrsite build``
    fails loudly with it, and the preview shows it as a diagnostic and keeps serving."""
    from okrsite.builder.pipeline import publish
    from okrsite.site import pages as site_pages

    config = make_site(tmp_path / "s")
    real = site_pages.plan_pages

    def buggy(site):
        raise ZeroDivisionError("a bug in a view")

    monkeypatch.setattr(site_pages, "plan_pages", buggy)
    cfg, _ = read_config(config)
    with pytest.raises(ZeroDivisionError):
        publish(cfg, cfg.as_of, tmp_path / "public", search=False, jobs=1, use_cache=False)
    assert not (tmp_path / "public").exists()
    with Server(config, port=0, watch=False, out=io.StringIO()) as s:
        assert not s.state.ok
        assert any("a bug in a view" in d for d in s.state.diagnostics)
        monkeypatch.setattr(site_pages, "plan_pages", real)
        write(config.parent, CHECKIN, checkin_text(p99=290))
        assert s.rebuild([content_event(config, CHECKIN)]).ok
        assert page(s).status == 200
