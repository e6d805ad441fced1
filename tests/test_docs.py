"""The CLI reference in docs/cli.md and in the README is generated from --help
(python -m okrsite.clidocs); these tests fail when they drift from the CLI."""

from __future__ import annotations

import re
from pathlib import Path

from okrsite import clidocs

REPO = Path(__file__).resolve().parent.parent


def test_cli_reference_matches_help():
    assert (REPO / "docs" / "cli.md").read_text() == clidocs.render(), (
        "docs/cli.md is out of date: run `python -m okrsite.clidocs > docs/cli.md`")


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
