"""Shared fixtures: the system Chromium for Playwright, a built sample site, and a
static file server that serves a built site under any path prefix.

Also the suite's rules about the world outside the repository (docs/testing.md):

- Anything outside the checkout a test needs (the real OKR sets in ``../shared``, Chromium,
  Java, git, the pagefind binary, npm) is guarded: the test skips and says why, through
  ``needs_real_okrs`` / ``real_okr_params`` or ``missing_tool``. With
  ``OKRSITE_REQUIRE_TOOLS=1`` (``.ci/run`` sets it) a missing tool fails instead.
- Nothing is written into the checkout: builds of the sample work on a copy in a temporary
  folder, Playwright's ``--output`` goes to ``RESULTS_DIR``, and at the end of a run the
  checkout's ``git status`` must be what it was at the start.
- Hypothesis runs the "ci" profile (derandomised) by default; ``OKRSITE_LONG_TESTS=1``
  selects the "long" profile (more examples, random).
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import shutil

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CONFIG = REPO / "okrsite.yaml"
REAL_OKRS = REPO.parent / "shared" / "real-okrs"
REAL_OKR_SETS = ("gitlab-fy20-q2", "sourcegraph")
# The one guard for the real OKR sets, which live beside the repository, not in it: a clone
# has no ../shared. tests/test_outside.py checks that every use of REAL_OKRS is behind it.
needs_real_okrs = pytest.mark.skipif(
    not REAL_OKRS.is_dir(), reason=f"the real OKR sets are not beside the repository ({REAL_OKRS} is absent)"
)
REQUIRE_TOOLS = os.environ.get("OKRSITE_REQUIRE_TOOLS") == "1"


def real_okr_params(*names: str, path=lambda d: d):
    """One pytest.param per real OKR set (all by default), skipped with the reason when the
    sets are absent, so a clone reports them as skipped instead of dropping them."""
    return [pytest.param(path(REAL_OKRS / n), id=n, marks=needs_real_okrs) for n in names or REAL_OKR_SETS]


def missing_tool(what: str, how: str) -> None:
    """A tool outside the repository is missing: skip with the reason, or fail when
    OKRSITE_REQUIRE_TOOLS=1 (CI must really run these tests)."""
    message = f"{what} is not installed ({how})"
    if REQUIRE_TOOLS:
        pytest.fail(message + "; OKRSITE_REQUIRE_TOOLS=1 makes this a failure")
    pytest.skip(message)


@pytest.fixture
def indexed_parts(monkeypatch) -> list[str]:
    """The folders of the search index's parts that Pagefind indexes (not taken from
    the last index) during the test, in order."""
    from okrsite.builder import searchindex

    indexed: list[str] = []
    index_part = searchindex._index_part

    def spy(docs, size, prefix):
        indexed.append(prefix)
        return index_part(docs, size, prefix)

    monkeypatch.setattr(searchindex, "_index_part", spy)
    return indexed


def require_pagefind() -> None:
    """The Pagefind binary (the pagefind[bin] dependency, or PAGEFIND_BINARY_PATH), which
    every build with search runs."""
    import importlib.util

    if not (importlib.util.find_spec("pagefind_bin") or os.environ.get("PAGEFIND_BINARY_PATH")):
        missing_tool("the Pagefind binary", "pip install -e '.[test]' installs pagefind[bin]; test.sh does")


# Hypothesis: the same examples on every run in CI and by default ("ci"); a long random
# search on demand (OKRSITE_LONG_TESTS=1, the variable the slow loops already use).
# No example database, and Hypothesis's other files (its cache of constants) in the system's
# temporary folder: nothing in the checkout (print_blob says how to reproduce a failure).
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "okrsite-hypothesis")
settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long",
    max_examples=2_000,
    deadline=None,
    print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("long" if os.environ.get("OKRSITE_LONG_TESTS") == "1" else "ci")
# Screenshots and other artefacts for people to look at: never inside the checkout.
RESULTS_DIR = Path(os.environ.get("OKRSITE_TEST_RESULTS") or Path(tempfile.gettempdir()) / "okrsite-test-results")

CHROMIUM = os.environ.get("OKRSITE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config):
    # pytest-playwright writes traces and failure screenshots to --output, "test-results"
    # in the current folder by default: send them where the screenshots go.
    if getattr(config.option, "output", None) == "test-results":
        config.option.output = str(RESULTS_DIR / "playwright")


def pytest_addoption(parser):
    parser.addoption(
        "--serial",
        choices=("all", "only", "skip"),
        default="all",
        help="okrsite: run only the timing-sensitive tests (marked serial), or all but "
        "them; test.sh runs the rest in parallel, then these alone",
    )


def pytest_collection_modifyitems(config, items):
    which = config.getoption("--serial")
    if which != "all":
        keep = [i for i in items if bool(i.get_closest_marker("serial")) == (which == "only")]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
    no_chromium = not os.access(CHROMIUM, os.X_OK)
    for item in items:
        if item.get_closest_marker("serial") and config.pluginmanager.hasplugin("xdist"):
            item.add_marker(pytest.mark.xdist_group("serial"))
        if no_chromium and item.get_closest_marker("browser"):
            # a skip mark, or, when tools are required, a failing call
            if REQUIRE_TOOLS:
                item.add_marker(pytest.mark.usefixtures("_chromium_required"))
            else:
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"Chromium is not installed at {CHROMIUM} (set OKRSITE_CHROMIUM; test.sh installs it)"
                    )
                )


@pytest.fixture
def _chromium_required():
    missing_tool(f"Chromium at {CHROMIUM}", "set OKRSITE_CHROMIUM; test.sh installs it")


def _checkout_state() -> str | None:
    """The checkout's ``git status`` (ignored files included, but not Python's bytecode and
    the install's .venv and egg-info), or None outside a git checkout."""
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        return None
    proc = subprocess.run(
        [git, "status", "--porcelain", "--ignored", "--untracked-files=all"], cwd=REPO, capture_output=True, text=True
    )
    if proc.returncode != 0:
        return None
    allowed = ("__pycache__/", ".venv/", ".egg-info/")
    if os.environ.get("OKRSITE_UPDATE_GOLDEN") == "1":  # refreshing them is the point
        allowed += ("tests/golden/",)
    return "\n".join(
        line
        for line in proc.stdout.splitlines()
        if not any(part in line[3:] or line[3:].startswith(part) for part in allowed)
    )


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controller, not each xdist worker
        session.config._okrsite_checkout = _checkout_state()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_okrsite_checkout", None)
    if before is None:
        return
    after = _checkout_state()
    if after != before:
        new = sorted(set(after.splitlines()) - set(before.splitlines()))
        gone = sorted(set(before.splitlines()) - set(after.splitlines()))
        report = session.config.pluginmanager.get_plugin("terminalreporter")
        if report is not None:
            report.write_line("")
            report.write_sep("=", "the test run changed the checkout (tests must write in tmp_path)", red=True)
            for line in new:
                report.write_line(f"new or changed: {line}")
            for line in gone:
                report.write_line(f"no longer: {line}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright cannot download browsers here: use the system Chromium."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def run_okrsite(*args, cwd=REPO, check=False):
    proc = subprocess.run([sys.executable, "-m", "okrsite", *map(str, args)], capture_output=True, text=True, cwd=cwd)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"okrsite {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def generate_org(folder: Path, teams: int) -> Path:
    """bench/generate.py's synthetic organisation of ``teams`` teams in ``folder``;
    returns its okrsite.yaml."""
    if str(REPO / "bench") not in sys.path:
        sys.path.insert(0, str(REPO / "bench"))
    import generate

    generate.generate(teams, str(folder))
    return folder / "okrsite.yaml"


@pytest.fixture(scope="session")
def synthetic_content(tmp_path_factory) -> Path:
    """The content folder of an 8-team synthetic organisation (bench/generate.py),
    generated once per test session: what the benchmark's organisations look like."""
    return generate_org(tmp_path_factory.mktemp("synthetic"), 8).parent / "content"


# The smallest size of bench/generate.py's organisation that crosses every size of
# okrsite.site.summary: its wide pages are summaries, paginated lists and cut trees.
LARGE_TEAMS = 80


@pytest.fixture(scope="session")
def large_site(tmp_path_factory) -> Path:
    """The synthetic organisation of LARGE_TEAMS teams, built (without search) once per
    session: the wide pages of a large organisation (tests/test_wide_pages.py,
    tests/test_accessibility.py)."""
    from okrsite.builder.pipeline import publish
    from okrsite.core.config import read_config

    config, _ = read_config(generate_org(tmp_path_factory.mktemp(f"org{LARGE_TEAMS}"), LARGE_TEAMS))
    out = tmp_path_factory.mktemp("large") / "public"
    result = publish(config, config.as_of, out, search=False, jobs=1)
    assert result.errors == []
    return out


def copy_sample(folder: Path) -> Path:
    """A copy of the sample organisation (okrsite.yaml and content/) in ``folder``, so a
    build with the cache on keeps its ``.okrsite-cache/`` out of the checkout. Returns
    the copy's okrsite.yaml."""
    shutil.copytree(REPO / "content", folder / "content")
    shutil.copy(SAMPLE_CONFIG, folder / "okrsite.yaml")
    return folder / "okrsite.yaml"


@pytest.fixture(scope="session")
def sample_config(tmp_path_factory) -> Path:
    """okrsite.yaml of a copy of the sample made once per session (see copy_sample)."""
    return copy_sample(tmp_path_factory.mktemp("sample-copy"))


@pytest.fixture(scope="session")
def sample_model():
    """The sample organisation loaded, resolved and computed (no pages), once per session.
    Shared: a test must not change it (copy what it edits)."""
    from okrsite.builder.pipeline import compute_site
    from okrsite.core.config import read_config
    from okrsite.core.diagnostics import Diagnostics
    from okrsite.builder.gather import gather

    config, _ = read_config(SAMPLE_CONFIG)
    diags = Diagnostics()
    site = compute_site(config, gather(config, diags), config.as_of, diags)
    assert not diags.errors, diags.errors
    return site


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory, sample_config) -> Path:
    """The sample organisation in content/, built once per test session."""
    require_pagefind()
    out = tmp_path_factory.mktemp("sample") / "public"
    run_okrsite("build", "--config", sample_config, "--output", out, check=True)
    return out


class _PrefixHandler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"

    def log_message(self, *args):  # keep test output quiet
        pass

    def translate_path(self, path):
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_prefix__")
        return super().translate_path("/" + path[len(self.prefix) :])

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
    page.on(
        "requestfailed",
        lambda r: "ERR_ABORTED" not in (r.failure or "") and problems.append(f"failed: {r.url} ({r.failure})"),
    )
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    page.on(
        "request", lambda r: not r.url.startswith("http://127.0.0.1") and problems.append(f"non-local request: {r.url}")
    )
    page.problems = problems
    page.expected_problems = set()
    yield page
    assert [p for p in problems if p not in page.expected_problems] == []
