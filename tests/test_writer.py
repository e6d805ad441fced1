"""The team member writing a check-in (issue 25): a scaffolded check-in saved as it is
changes no status; `okrsite new checkin` says when the check-in is dated after a pinned
as_of; `okrsite init .` prints a command that works."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from okrsite.builder.pipeline import build
from okrsite.core.config import read_config

REPO = Path(__file__).resolve().parent.parent
AFTER = date(2026, 11, 27)  # a week after the sample's pinned as_of (2026-11-20)


def run(*args, cwd, home: Path | None = None):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(home or cwd)}
    return subprocess.run(
        [sys.executable, "-m", "okrsite", *map(str, args)], cwd=cwd, capture_output=True, text=True, env=env
    )


@pytest.fixture
def sample(tmp_path) -> Path:
    """A copy of the sample organisation (as_of 2026-11-20) to write into."""
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "okrsite.yaml", root / "okrsite.yaml")
    return root


def statuses(root: Path, as_of: date) -> dict:
    """Every key result's and objective's computed state, and every KPI's latest value."""
    config, _ = read_config(root / "okrsite.yaml")
    site = build(config, as_of, render_pages=False).site
    out = {}
    for obj in site.objectives.values():
        out[obj.ref] = (obj.status, obj.colour, round(obj.progress, 9))
        for kr in obj.key_results:
            out[kr.ref] = (kr.status, kr.colour, kr.stale, kr.current, kr.progress, kr.last_update)
    for team in site.teams.values():
        for kpi in team.kpis:
            out[f"{team.id}:{kpi.id}"] = (kpi.value, kpi.value_date)
    return out


def test_a_scaffolded_checkin_saved_unchanged_changes_no_status(sample):
    """Before the fix, every key result was pre-filled with its last value as a real
    update: saved as it was, a week later, on-track key results turned behind."""
    before = statuses(sample, AFTER)
    teams = ("platform", "engineering", "data", "growth", "design")
    for team in teams:
        proc = run("new", "checkin", team, "--date", AFTER, cwd=sample)
        assert proc.returncode == 0, proc.stderr
    written = sorted((sample / "content").rglob(f"checkins/{AFTER.isoformat()}.md"))
    assert len(written) == len(teams)
    assert statuses(sample, AFTER) == before
    check = run("check", "--strict", "--as-of", AFTER, cwd=sample)
    assert check.returncode == 0 and check.stdout == "", check.stdout


def test_an_uncommented_line_is_a_measurement(sample):
    proc = run("new", "checkin", "platform", "--date", AFTER, cwd=sample)
    assert proc.returncode == 0, proc.stderr
    path = sample / proc.stdout.strip()
    text = path.read_text()
    line = next(
        ln
        for ln in text.splitlines()
        if ln.startswith("#   fast-dashboards/p99-latency: 1480  # last value, 2026-11-20")
    )
    path.write_text(text.replace(line, "  fast-dashboards/p99-latency: 1100"))
    after = statuses(sample, AFTER)
    assert after["platform/2026-Q4/fast-dashboards/p99-latency"][3] == 1100
    assert after["platform/2026-Q4/fast-dashboards/p99-latency"][5] == AFTER
    # the lines left commented are not: the other key results keep their last update
    assert after["platform/2026-Q4/fast-dashboards/cache-hit-rate"][5] == date(2026, 11, 20)


def test_new_checkin_after_a_pinned_as_of_says_how_to_see_it(sample):
    proc = run("new", "checkin", "platform", "--date", AFTER, cwd=sample)
    assert proc.returncode == 0, proc.stderr
    assert "dated 2026-11-27, after as_of 2026-11-20 in okrsite.yaml" in proc.stderr
    assert "okrsite serve --as-of 2026-11-27" in proc.stderr and "remove as_of from okrsite.yaml" in proc.stderr
    # dated on or before as_of: nothing to say
    proc = run("new", "checkin", "platform", "--date", "2026-11-19", cwd=sample)
    assert proc.returncode == 0, proc.stderr
    assert "after as_of" not in proc.stderr


def test_new_checkin_without_a_pinned_as_of_says_nothing_about_it(tmp_path):
    (tmp_path / "okrsite.yaml").write_text("title: Solo\n")
    obj = tmp_path / "content/teams/solo/2026-Q4/one.md"
    obj.parent.mkdir(parents=True)
    obj.write_text("---\ntitle: One\nowner: A\nkey_results:\n  - {id: a, title: A, start: 10, target: 20}\n---\n")
    proc = run("new", "checkin", "solo", "--date", "2026-12-01", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "as_of" not in proc.stderr


# --------------------------------------------------------------------------- init's next step


@pytest.mark.parametrize(
    "folder, shown",
    [
        (".", None),
        ("acme", "cd acme && okrsite serve"),
        ("two words", "cd 'two words' && okrsite serve"),
        ("nested/deeper", "cd nested/deeper && okrsite serve"),
    ],
)
def test_init_prints_a_command_that_works(tmp_path, folder, shown):
    where = tmp_path / "here"
    where.mkdir()
    proc = run("init", folder, "--title", "Acme", cwd=where, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    last = next(line for line in proc.stderr.splitlines() if "a starter OKR repository is in" in line)
    if shown is None:
        assert "`okrsite serve`" in last and "cd " not in last
    else:
        assert f"`{shown}`" in last
    assert json.dumps(str(where)) not in last  # relative, as the user typed it
