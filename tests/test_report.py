"""`okrsite check --format text|github|json`: the same diagnostics, three ways. The github
format follows GitHub's workflow-command escaping rules, so any message survives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from okrsite.cli import report
from okrsite.core.model import Diagnostic

REPO = Path(__file__).resolve().parent.parent

DIAGS = [
    Diagnostic("content/teams/a/2026-Q4/x.md", 4, "error", "invalid YAML: mapping values are not allowed here"),
    Diagnostic("content/teams/a/_index.md", 1, "warning", "unknown key 'nmae' (did you mean 'name'?)"),
]


def test_text_is_the_contract_format():
    assert report.render(DIAGS, "text") == (
        "content/teams/a/2026-Q4/x.md:4: error: invalid YAML: mapping values are not allowed here\n"
        "content/teams/a/_index.md:1: warning: unknown key 'nmae' (did you mean 'name'?)\n"
    )
    assert report.render([], "text") == ""


def test_github_workflow_commands():
    lines = report.render(DIAGS, "github").splitlines()
    assert lines == [
        "::error file=content/teams/a/2026-Q4/x.md,line=4,title=okrsite error::invalid YAML: mapping values are not allowed here",
        "::warning file=content/teams/a/_index.md,line=1,title=okrsite warning::unknown key 'nmae' (did you mean 'name'?)",
    ]


@pytest.mark.parametrize(
    "raw, data, prop",
    [
        ("100%", "100%25", "100%25"),
        ("a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"),
        ("k: v, w", "k: v, w", "k%3A v%2C w"),
        ("%0A", "%250A", "%250A"),  # an already-escaped-looking text stays literal
    ],
)
def test_github_escaping(raw, data, prop):
    assert report.escape_data(raw) == data
    assert report.escape_property(raw) == prop


def test_github_escapes_paths_and_messages():
    d = Diagnostic("content/teams/a,b/x:y.md", 2, "error", "50% done\rsecond line")
    # a Diagnostic is one line: control characters are shown escaped (model.printable)
    assert (
        report.github_command(d)
        == "::error file=content/teams/a%2Cb/x%3Ay.md,line=2,title=okrsite error::50%25 done\\rsecond line"
    )


def test_prefix_puts_paths_under_a_subfolder():
    assert report.render(DIAGS[:1], "github", prefix="okrs").startswith(
        "::error file=okrs/content/teams/a/2026-Q4/x.md,"
    )
    assert report.render(DIAGS[:1], "text", prefix=".") == report.render(DIAGS[:1], "text")


def test_json_is_a_list_of_diagnostics():
    data = json.loads(report.render(DIAGS, "json"))
    assert data == [
        {
            "path": "content/teams/a/2026-Q4/x.md",
            "line": 4,
            "severity": "error",
            "message": "invalid YAML: mapping values are not allowed here",
        },
        {
            "path": "content/teams/a/_index.md",
            "line": 1,
            "severity": "warning",
            "message": "unknown key 'nmae' (did you mean 'name'?)",
        },
    ]
    assert json.loads(report.render([], "json")) == []


def test_unknown_format():
    with pytest.raises(ValueError):
        report.render(DIAGS, "xml")


def _site(tmp_path: Path) -> Path:
    (tmp_path / "content/teams/a/2026-Q4/checkins").mkdir(parents=True)
    (tmp_path / "okrsite.yaml").write_text("as_of: 2026-11-20\ntitel: typo\n")
    (tmp_path / "content/teams/a/2026-Q4/x.md").write_text("---\ntitle: [unclosed\nowner: A\n---\n")
    (tmp_path / "content/teams/a/2026-Q4/ok.md").write_text(
        "---\ntitle: Fine\nowner: A\nkey_results:\n  - {title: a, start: 0, target: 1}\n  - {title: b, type: milestone}\n---\n"
    )
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "github", "json"])
def test_check_formats_from_the_command_line(tmp_path, fmt):
    site = _site(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "okrsite", "check", "--format", fmt],
        cwd=site,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "1 error, 1 warning" in proc.stderr  # the summary stays on standard error
    if fmt == "text":
        lines = proc.stdout.splitlines()
        assert len(lines) == 2
        assert lines[0].startswith("content/teams/a/2026-Q4/x.md:2: error: invalid YAML")
        assert lines[1] == "okrsite.yaml:2: warning: unknown key 'titel' (did you mean 'title'?)"
    elif fmt == "github":
        lines = proc.stdout.splitlines()
        assert lines[0].startswith("::error file=content/teams/a/2026-Q4/x.md,line=2,title=okrsite error::invalid YAML")
        assert (
            lines[1]
            == "::warning file=okrsite.yaml,line=2,title=okrsite warning::unknown key 'titel' (did you mean 'title'?)"
        )
    else:
        data = json.loads(proc.stdout)
        assert [(d["path"], d["line"], d["severity"]) for d in data] == [
            ("content/teams/a/2026-Q4/x.md", 2, "error"),
            ("okrsite.yaml", 2, "warning"),
        ]


def test_github_paths_are_relative_to_the_working_folder(tmp_path):
    """In CI the runner's folder is the repository's root; a site in a sub-folder of it
    still annotates the right file."""
    _site(tmp_path / "okrs")
    proc = subprocess.run(
        [sys.executable, "-m", "okrsite", "check", "--format", "github", "--config", "okrs/okrsite.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout.startswith("::error file=okrs/content/teams/a/2026-Q4/x.md,line=2,")
