"""ruff's lint rules and its formatting (pyproject.toml, [tool.ruff]) hold over the package, the tests and the
benchmarks: ./test.sh, and so .ci/run, fails on a finding."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from conftest import REPO, missing_tool


def test_ruff_finds_nothing():
    if importlib.util.find_spec("ruff") is None:
        missing_tool("ruff", "pip install -e '.[test]' (./test.sh does)")
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "okrsite", "tests", "bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_changes_nothing():
    """The code is as `ruff format okrsite tests bench` writes it (pyproject.toml,
    [tool.ruff.format]): run that command to fix a finding."""
    if importlib.util.find_spec("ruff") is None:
        missing_tool("ruff", "pip install -e '.[test]' (./test.sh does)")
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "okrsite", "tests", "bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
