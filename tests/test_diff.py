"""`okrsite diff BASE [HEAD]`: what a pull request does to the OKRs, and the pull-request
scenario end to end in a temporary git repository: commit the sample, add a check-in that
turns a key result red and one with a YAML error; `diff` names the status change and
`check --format github` annotates the right file and line."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from okrsite.cli import diff
from okrsite.builder.pipeline import build
from okrsite.core.config import read_config
from okrsite.site.export import export_data
from okrsite.core.model import Diagnostic

from conftest import missing_tool

REPO = Path(__file__).resolve().parent.parent
GIT = shutil.which("git")
# git from wherever it is installed, and nothing else of the caller's environment
ENV = {
    "PATH": os.pathsep.join(dict.fromkeys([os.path.dirname(GIT or "/usr/bin/git"), "/usr/bin", "/bin"])),
    "PYTHONPATH": str(REPO),
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
}

# Turns the cache hit rate red: 20% is far behind the pace for 61% -> 85%.
RED_CHECKIN = """\
---
date: 2026-11-20
author: "Mei Lin"
key_results:
  fast-dashboards/cache-hit-rate: 20
help: "Could Data look at the cache keys with us this week?"
---

## What changed

The cache was flushed by a bad deploy.
"""

# A YAML error on line 4: a mapping written without its braces.
BROKEN_CHECKIN = """\
---
date: 2026-11-20
key_results:
  boring-reliability/sev1-count: value: 1
author: "Jonas Lindqvist"
---
"""


def git(*args, cwd):
    if GIT is None:
        missing_tool("git", "the pull-request scenario commits to a temporary repository")
    proc = subprocess.run(
        [
            GIT,
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def okrsite(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "okrsite", *map(str, args)], cwd=cwd, capture_output=True, text=True, env=ENV
    )


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository holding a copy of the sample, committed."""
    root = tmp_path / "okrs"
    root.mkdir()
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "okrsite.yaml", root / "okrsite.yaml")
    git("init", "-q", cwd=root)
    git("add", ".", cwd=root)
    git("commit", "-q", "-m", "sample", cwd=root)
    return root


def test_pull_request_scenario(repo):
    # the pull request: one check-in turning a key result red, one with a YAML error
    red = repo / "content/teams/platform/2026-Q4/checkins/2026-11-20-late.md"
    red.write_text(RED_CHECKIN)
    broken = repo / "content/teams/engineering/2026-Q4/checkins/2026-11-20.md"
    broken.write_text(BROKEN_CHECKIN)

    proc = okrsite("diff", "HEAD", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "platform/2026-Q4/fast-dashboards/cache-hit-rate: behind -> at-risk, 38% -> -171% (70% -> 20%)" in out
    assert "platform/2026-Q4/fast-dashboards: behind -> at-risk" in out
    assert "Platform, 2026-Q4: 2026-11-20 by Mei Lin" in out  # the new check-in
    assert "Could Data look at the cache keys with us this week?" in out  # the new request for help
    assert "content/teams/engineering/2026-Q4/checkins/2026-11-20.md:" in out and "invalid YAML" in out
    assert "1 new error" in out.splitlines()[0]
    # nothing else changed
    assert "paved-road" not in out and "Added" not in out and "Removed" not in out

    md = okrsite("diff", "--format", "markdown", "HEAD", cwd=repo)
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("### OKR changes from HEAD to working tree (as of 2026-11-20)\n")
    assert (
        "- `platform/2026-Q4/fast-dashboards/cache-hit-rate`: behind -> at-risk, 38% -> -171% (70% -> 20%)" in md.stdout
    )
    assert "**New errors" in md.stdout

    check = okrsite("check", "--format", "github", cwd=repo)
    assert check.returncode == 1
    [annotation] = check.stdout.splitlines()
    assert annotation.startswith(
        "::error file=content/teams/engineering/2026-Q4/checkins/2026-11-20.md,line=4,title=okrsite error::invalid YAML"
    )

    # committed, the same change seen between two refs
    git("add", ".", cwd=repo)
    git("commit", "-q", "-m", "check-ins", cwd=repo)
    between = okrsite("diff", "HEAD~1", "HEAD", cwd=repo)
    assert between.returncode == 0, between.stderr
    assert "cache-hit-rate: behind -> at-risk, 38% -> -171%" in between.stdout
    assert okrsite("diff", "HEAD", cwd=repo).stdout.endswith(
        "No change to objectives, key results, statuses or check-ins.\n"
    )


def test_diff_between_folders_and_of_a_site_in_a_subfolder(tmp_path):
    base = tmp_path / "base"
    shutil.copytree(REPO / "content", base / "content")
    shutil.copy(REPO / "okrsite.yaml", base / "okrsite.yaml")
    head = tmp_path / "repo" / "okrs"
    shutil.copytree(base, head)
    shutil.rmtree(head / "content/teams/platform/2026-Q4/cloud-cost.md", ignore_errors=True)
    (head / "content/teams/platform/2026-Q4/cloud-cost.md").unlink()
    proc = okrsite("diff", base, head, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "objective platform/2026-Q4/cloud-cost: Spend every cloud euro on purpose" in proc.stdout
    assert "Removed:" in proc.stdout

    # a git repository whose site lives in okrs/: refs are read from that folder
    git("init", "-q", cwd=tmp_path / "repo")
    git("add", ".", cwd=tmp_path / "repo")
    git("commit", "-q", "-m", "x", cwd=tmp_path / "repo")
    (head / "content/teams/platform/2026-Q4/checkins/2026-11-20-late.md").write_text(RED_CHECKIN)
    proc = okrsite("diff", "HEAD", "--config", "okrs/okrsite.yaml", cwd=tmp_path / "repo")
    assert proc.returncode == 0, proc.stderr
    assert "cache-hit-rate: behind -> at-risk" in proc.stdout


def test_diff_usage_errors(repo, tmp_path):
    proc = okrsite("diff", "no-such-branch", cwd=repo)
    assert proc.returncode == 2 and "neither a folder nor a git ref" in proc.stderr
    proc = okrsite("diff", tmp_path, cwd=repo)
    assert proc.returncode == 2 and "has no okrsite.yaml" in proc.stderr


def test_diff_against_a_commit_before_the_site_existed(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    (root / "README.md").write_text("hello\n")
    git("init", "-q", cwd=root)
    git("add", ".", cwd=root)
    git("commit", "-q", "-m", "first", cwd=root)
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "okrsite.yaml", root / "okrsite.yaml")
    proc = okrsite("diff", "HEAD", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "HEAD has no okrsite.yaml: everything is new" in proc.stdout
    assert "objective platform/2026-Q4/fast-dashboards" in proc.stdout


# --------------------------------------------------------------------------- pure


@pytest.fixture(scope="module")
def data():
    config, _ = read_config(REPO / "okrsite.yaml")
    return export_data(build(config, date(2026, 11, 20), render_pages=False).site)


def test_no_change(data):
    changes = diff.compare(data, data)
    assert changes.empty
    assert diff.text(changes).endswith("No change to objectives, key results, statuses or check-ins.\n")


def test_status_and_progress_words(data):
    head = copy.deepcopy(data)
    obj = next(o for o in head["objectives"] if o["ref"] == "platform/2026-Q4/fast-dashboards")
    kr = obj["key_results"][0]
    before = copy.deepcopy(kr)
    kr.update(status="at-risk", progress=0.62, current=1500)
    obj["key_results"].append({**before, "ref": obj["ref"] + "/new-kr", "id": "new-kr", "title": "A new one"})
    head["objectives"] = [o for o in head["objectives"] if o["ref"] != "platform/2026-Q4/cloud-cost"]
    changes = diff.compare(data, head)
    [change] = changes.status
    assert change.ref == kr["ref"]
    assert before["status"] == "on-track" and before["current"] == 1480
    assert change.words() == "on-track -> at-risk, 58% -> 62% (1,480 ms -> 1,500 ms)"
    assert [(i.kind, i.ref) for i in changes.added] == [("key result", "platform/2026-Q4/fast-dashboards/new-kr")]
    assert [(i.kind, i.ref) for i in changes.removed] == [
        ("objective", "platform/2026-Q4/cloud-cost")
    ]  # its KRs with it


def test_graded_items_compare_scores(data):
    head = copy.deepcopy(data)
    obj = next(o for o in head["objectives"] if o["ref"] == "platform/2026-Q3/query-engine-v2")
    obj["score"] = 0.7
    [change] = diff.compare(data, head).status
    assert change.words() == "graded 65% -> graded 70%, 65%"


def test_diagnostics_compared_without_lines():
    old = [Diagnostic("a.md", 3, "error", "bad"), Diagnostic("b.md", 1, "warning", "meh")]
    new = [Diagnostic("a.md", 5, "error", "bad"), Diagnostic("c.md", 2, "error", "worse")]
    changes = diff.compare(diff.EMPTY, diff.EMPTY, old, new)
    assert [(d.path, d.line) for d in changes.errors] == [("c.md", 2)]
    assert changes.warnings == [] and changes.fixed_errors == 0
    changes = diff.compare(diff.EMPTY, diff.EMPTY, new, old)
    assert changes.fixed_errors == 1 and [d.path for d in changes.warnings] == ["b.md"]
    assert "1 error fixed" in diff.headline(changes)


def test_markdown_escapes_free_text(data):
    head = copy.deepcopy(data)
    head["checkins"].append(
        {
            "team": "platform",
            "period": "2026-Q4",
            "date": "2026-11-21",
            "author": "<b>x</b>",
            "url": "teams/platform/2026-Q4/checkins/2026-11-21/",
            "help": ["use *this* | `that`\nnow"],
        }
    )
    md = diff.markdown(diff.compare(data, head))
    assert "\\<b\\>x\\</b\\>" in md
    assert "use \\*this\\* \\| \\`that\\` now" in md
