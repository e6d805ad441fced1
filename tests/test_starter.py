"""The team starting their own repository (issue 25): `okrsite init` makes a repository
whose requirements.txt installs okrsite as written (or fails in CI saying exactly what to
write), and whose example opens on a healthy site."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from okrsite.cli import scaffold

REPO = Path(__file__).resolve().parent.parent


def run(*args, cwd):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "okrsite", *map(str, args)], cwd=cwd, capture_output=True, text=True, env=env
    )


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


# --------------------------------------------------------------------------- a healthy example


@pytest.mark.parametrize(
    "today", [date(2026, 10, 1), date(2026, 11, 23), date(2026, 12, 31), date(2027, 1, 1), date(2027, 6, 15)]
)
def test_the_starter_opens_healthy(tmp_path, today):
    """Before: three key results at risk and the company's "No data / Stale" on the first
    build. Whatever day init runs, every key result is on track with a value."""
    root = write(tmp_path / "org", scaffold.init_files("Northwind", today, "okrsite==0.1.0", "0.1.0"))
    proc = run("build", "--strict", "--as-of", today, cwd=root)
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr
    data = json.loads((root / "public/okrs.json").read_text())
    assert {o["team"] for o in data["objectives"]} == {"company", "first-team"}
    for obj in data["objectives"]:
        assert obj["status"] == "on-track", obj
        for kr in obj["key_results"]:
            assert kr["status"] == "on-track" and not kr["stale"], kr
            assert kr["current"] is not None or kr["progress"] is not None, kr
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    for page in (
        "index.html",
        "teams/first-team/index.html",
        f"teams/first-team/{quarter}/index.html",
        "teams/company/index.html",
    ):
        html = (root / "public" / page).read_text()
        # the home page's table of counts names every colour in its head: each is 0 but green
        counts = re.search(r'<table class="attention-counts">.*?</table>', html, re.S)
        if counts:
            rows = re.findall(r'<tr><th scope="row">[^<]*</th>((?:<td>\d+</td>)+)</tr>', counts.group())
            assert rows and all(re.findall(r"<td>(\d+)</td>", r)[1:] == ["0", "0", "0"] for r in rows), counts.group()
            html = html.replace(counts.group(), "")
        # no red, amber or grey status badge, no stale flag, no non-zero count of them
        assert not re.findall(r'<span class="status status-(?:red|amber|grey)"', html), page
        assert "flag-stale" not in html and "Stale" not in html, page
        assert not re.findall(r'<span class="count">[1-9]\d*</span> (?:Behind|At risk|No data)', html), page
        assert '<span class="status status-green">On track' in html, page


def test_the_starter_checkins_carry_confidence():
    files = scaffold.init_files("Northwind", date(2026, 11, 23), None, "0.1.0")
    checkins = [t for p, t in files.items() if "/checkins/" in p]
    assert len(checkins) == 2
    for text in checkins:
        front = yaml.safe_load(text.split("---\n")[1])
        assert all(isinstance(u, dict) and u["confidence"] >= 0.7 for u in front["key_results"].values())


# --------------------------------------------------------------------------- requirements.txt


def _check_step(root: Path) -> str:
    flow = yaml.safe_load((root / ".github/workflows/okrs.yml").read_text())
    steps = flow["jobs"]["okrs"]["steps"]
    names = [s.get("name", "") for s in steps]
    check = names.index("Check that requirements.txt says where okrsite comes from")
    assert check < names.index("Install okrsite")  # before anything is installed
    return steps[check]["run"]


def test_without_a_source_pip_and_the_workflow_say_what_to_write(tmp_path):
    """Before: requirements.txt pinned okrsite==0.1.0, which no package index has."""
    root = write(tmp_path / "org", scaffold.init_files("Northwind", date(2026, 11, 23), None, "0.1.0"))
    lines = (root / "requirements.txt").read_text().splitlines()
    placeholder = lines[-1]
    assert placeholder.startswith("REPLACE THIS LINE with where okrsite comes from")
    assert "okrsite @ git+https://github.com/your-org/okrsite@v0.1.0" in placeholder
    # Netlify installs requirements.txt with pip: pip refuses the line and prints it
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--quiet", "-r", "requirements.txt"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert pip.returncode != 0 and "REPLACE THIS LINE with where okrsite comes from" in pip.stderr
    # the workflow's first step fails, annotating the line with exactly what to write
    bash = shutil.which("bash")
    step = subprocess.run([bash, "-e", "-c", _check_step(root)], cwd=root, capture_output=True, text=True)
    assert step.returncode == 1
    assert step.stdout.startswith(f"::error file=requirements.txt,line={len(lines)}::")
    assert f"Replace line {len(lines)} with" in step.stdout
    assert "'okrsite @ git+https://github.com/your-org/okrsite@v0.1.0'" in step.stdout
    # once the line says where okrsite comes from, the step passes
    (root / "requirements.txt").write_text(
        "\n".join(lines[:-1] + ["okrsite @ git+https://git.example.com/okrsite@v0.1.0"]) + "\n"
    )
    step = subprocess.run([bash, "-e", "-c", _check_step(root)], cwd=root, capture_output=True, text=True)
    assert step.returncode == 0 and step.stdout == ""


def test_init_from_git_writes_a_requirement_pip_reads(tmp_path):
    proc = run("init", "org", "--from-git", "https://github.com/acme/okrsite", "--ref", "v0.1.0", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "does not say where okrsite comes from" not in proc.stderr
    line = (tmp_path / "org/requirements.txt").read_text().splitlines()[-1]
    assert line == "okrsite @ git+https://github.com/acme/okrsite@v0.1.0"
    req = Requirement(line)
    assert req.name == "okrsite" and req.url == "git+https://github.com/acme/okrsite@v0.1.0"


def test_init_without_a_source_says_so(tmp_path):
    proc = run("init", "org", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "org/requirements.txt does not say where okrsite comes from yet" in proc.stderr
    assert (tmp_path / "org/requirements.txt").read_text().splitlines()[-1].startswith("REPLACE THIS LINE")


def test_init_install_as_written(tmp_path):
    proc = run("init", "org", "--install", "okrsite==0.1.0", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "org/requirements.txt").read_text().splitlines()[-1] == "okrsite==0.1.0"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from-git", "not a url"], "give the git repository's address"),
        (["--from-git", "https://github.com/acme/okrsite", "--ref", "v1; rm -rf"], "give a tag, branch or commit"),
        (["--ref", "v1"], "--ref needs --from-git"),
        (["--install", "okrsite==1", "--from-git", "https://x.example/okrsite"], "give one of them"),
    ],
)
def test_init_source_usage_errors(tmp_path, args, message):
    proc = run("init", "org", *args, cwd=tmp_path)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "org").exists()


@pytest.mark.parametrize(
    "url, ref, line",
    [
        ("https://github.com/acme/okrsite", None, "okrsite @ git+https://github.com/acme/okrsite"),
        ("git+https://github.com/acme/okrsite.git", "main", "okrsite @ git+https://github.com/acme/okrsite.git@main"),
        ("git@github.com:acme/okrsite.git", "v0.1.0", "okrsite @ git+ssh://git@github.com/acme/okrsite.git@v0.1.0"),
        (
            "ssh://git@gitlab.example.com/tools/okrsite",
            "abc123",
            "okrsite @ git+ssh://git@gitlab.example.com/tools/okrsite@abc123",
        ),
    ],
)
def test_git_requirement(url, ref, line):
    assert scaffold.git_requirement(url, ref) == line
    assert Requirement(line).name == "okrsite"


def test_the_default_source_is_the_git_repository_okrsite_came_from():
    """pip records where a package came from (PEP 610's direct_url.json)."""
    from_git = json.dumps(
        {
            "url": "https://github.com/acme/okrsite",
            "vcs_info": {
                "vcs": "git",
                "commit_id": "0123456789abcdef0123456789abcdef01234567",
                "requested_revision": "v0.1.0",
            },
        }
    )
    assert scaffold.installed_from_git(from_git) == (
        "https://github.com/acme/okrsite",
        "0123456789abcdef0123456789abcdef01234567",
    )
    editable = json.dumps({"url": "file:///home/me/okrsite", "dir_info": {"editable": True}})
    local_git = json.dumps({"url": "file:///home/me/okrsite", "vcs_info": {"vcs": "git", "commit_id": "abc"}})
    for text in (editable, local_git, None, "", "not json", "[]"):
        assert scaffold.installed_from_git(text) is None


def test_the_workflow_check_step_is_only_in_the_starter():
    """This repository installs okrsite from itself: no requirements.txt to check."""
    text = (REPO / ".github/workflows/okrs.yml").read_text()
    assert "requirements.txt" not in text
    assert re.search(r"REPLACE THIS LINE", text) is None
