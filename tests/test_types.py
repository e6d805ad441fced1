"""mypy's type checks ([tool.mypy] in pyproject.toml: the core strict, the rest at mypy's
default level with the bodies of unannotated functions checked) hold over the package:
./test.sh, and so .ci/run, fails on an error."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from conftest import REPO, missing_tool


def test_mypy_finds_nothing(tmp_path):
    if importlib.util.find_spec("mypy") is None:
        missing_tool("mypy", "pip install -e '.[test]' (./test.sh does)")
    # the cache goes to a temporary folder: nothing is written into the checkout
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache"), "okrsite"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
