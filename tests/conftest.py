"""Shared fixtures: the system Chromium for Playwright, a built sample site, and a
static file server that serves a built site under any path prefix."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CONFIG = REPO / "okrsite.yaml"
REAL_OKRS = REPO.parent / "shared" / "real-okrs"
# Screenshots and other artefacts for people to look at: never inside the checkout.
RESULTS_DIR = Path(os.environ.get("OKRSITE_TEST_RESULTS") or Path(tempfile.gettempdir()) / "okrsite-test-results")

CHROMIUM = os.environ.get("OKRSITE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright cannot download browsers here: use the system Chromium."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def run_okrsite(*args, cwd=REPO, check=False):
    proc = subprocess.run([sys.executable, "-m", "okrsite", *map(str, args)], capture_output=True, text=True, cwd=cwd)
    if check and proc.returncode != 0:
        raise AssertionError(f"okrsite {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def synthetic_content(tmp_path_factory) -> Path:
    """The content folder of an 8-team synthetic organisation (bench/generate.py),
    generated once per test session: what the benchmark's organisations look like."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    import generate

    root = tmp_path_factory.mktemp("synthetic")
    generate.generate(8, str(root))
    return root / "content"


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The sample organisation in content/, built once per test session."""
    out = tmp_path_factory.mktemp("sample") / "public"
    run_okrsite("build", "--config", SAMPLE_CONFIG, "--output", out, check=True)
    return out


class _PrefixHandler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"

    def log_message(self, *args):  # keep test output quiet
        pass

    def translate_path(self, path):
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_prefix__")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_error(self, code, message=None, explain=None):
        if code == 404 and (Path(self.directory) / "404.html").is_file():
            body = (Path(self.directory) / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)


class StaticServer:
    """Serves a folder at http://127.0.0.1:PORT/PREFIX/ like a plain static host."""

    def __init__(self, folder: Path, prefix: str = "/"):
        prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
        handler = functools.partial(type("H", (_PrefixHandler,), {"prefix": prefix}), directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{prefix}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def static_server():
    servers = []

    def start(folder: Path, prefix: str = "/") -> str:
        server = StaticServer(folder, prefix)
        servers.append(server)
        return server.url

    yield start
    for s in servers:
        s.close()


@pytest.fixture
def watched(page):
    """A Playwright page that records console errors, page errors, failed requests,
    error responses and any request leaving 127.0.0.1; the test fails at teardown if
    any was recorded, except those it lists in ``page.expected_problems``."""
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # a navigation cancels the previous page's requests in flight (net::ERR_ABORTED): not a failure
    page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "") and problems.append(f"failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    page.on("request", lambda r: not r.url.startswith("http://127.0.0.1") and problems.append(f"non-local request: {r.url}"))
    page.problems = problems
    page.expected_problems = set()
    yield page
    assert [p for p in problems if p not in page.expected_problems] == []
