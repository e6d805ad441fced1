"""The CLI reference in docs/cli.md and in the README is generated from --help
(python -m okrsite.cli.clidocs); these tests fail when they drift from the CLI."""

from __future__ import annotations

import re
from pathlib import Path

from okrsite.cli import clidocs

REPO = Path(__file__).resolve().parent.parent


def test_cli_reference_matches_help():
    assert (REPO / "docs" / "cli.md").read_text() == clidocs.render(), (
        "docs/cli.md is out of date: run `python -m okrsite.cli.clidocs > docs/cli.md`"
    )


def test_readme_lists_every_command_and_links_the_reference():
    readme = (REPO / "README.md").read_text()
    assert "docs/cli.md" in readme
    for name in clidocs.commands():
        assert re.search(rf"okrsite {name}\b", readme), f"README does not mention `okrsite {name}`"


def test_readme_quick_start_has_the_two_commands():
    readme = (REPO / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "./serve.sh" in quick and "./test.sh" in quick
    assert (REPO / "serve.sh").stat().st_mode & 0o111 and (REPO / "test.sh").stat().st_mode & 0o111
    ci = (REPO / ".ci" / "run").read_text()
    assert "./test.sh" in ci and "playwright install" not in ci


def test_readme_examples_are_valid_content(tmp_path):
    """The objective and check-in shown in the README build with no problem at all."""
    import subprocess
    import sys

    readme = (REPO / "README.md").read_text()
    objective, checkin = re.findall(r"```markdown\n(.*?)```", readme, re.S)[:2]
    files = {
        "content/teams/platform/2026-Q4/reliability.md": objective,
        "content/teams/platform/2026-Q4/checkins/2026-11-20.md": checkin,
        "content/teams/company/2026/customer-trust.md": "---\ntitle: Earn customer trust\nowner: CEO\nkey_results:\n  - {title: NPS, start: 20, target: 40}\n"
        '  - {title: Churn, start: 5, target: 3, unit: "%"}\n---\n',
        "okrsite.yaml": "as_of: 2026-11-20\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "okrsite", "check", "--strict", "--config", str(tmp_path / "okrsite.yaml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_the_readmes_first_picture_is_the_home_page():
    """Issue 25: a reader of the README first sees the home page, as on a laptop."""
    readme = (REPO / "README.md").read_text()
    first = re.search(r"!\[([^\]]*)\]\(([^)\s]+)\)", readme)
    assert first and first.group(2) == "docs/images/home.png" and "home page" in first.group(1)
    png = (REPO / first.group(2)).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 1280  # width
