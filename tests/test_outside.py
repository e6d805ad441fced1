"""No test reads outside the repository without the guard that skips it with a reason.

A clone has nothing beside it (issue 25): the real OKR sets in ``../shared`` are reached
only through ``conftest.REAL_OKRS``, and every use of it sits in a test (or a parameter
list) that carries ``needs_real_okrs``. This file reads the tests' source (by AST) and
fails on:

- a way out of the checkout other than ``REAL_OKRS``: ``REPO.parent``, a path built from
  ``__file__`` with three ``.parent`` steps, or a literal naming ``real-okrs`` or ``shared``
  beside the repository;
- ``REAL_OKRS`` used anywhere but in ``conftest.py`` (which defines the guard) or inside a
  function decorated with ``needs_real_okrs``. Parameter lists use
  ``conftest.real_okr_params()``, which attaches the guard to each case.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
GUARD_HOME = "conftest.py"


def _decorated_with_guard(node: ast.AST) -> bool:
    return any("needs_real_okrs" in ast.unparse(d) for d in getattr(node, "decorator_list", []))


def problems_in(source: str, name: str) -> list[str]:
    """Unguarded reads outside the repository in one test file's source."""
    tree = ast.parse(source)
    found: list[str] = []
    guarded: set[int] = set()  # ids of nodes under a guarded function
    module_guarded = any(
        isinstance(n, ast.Assign)
        and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
        and "needs_real_okrs" in ast.unparse(n.value)
        for n in tree.body
    )
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and _decorated_with_guard(fn):
            guarded.update(id(n) for n in ast.walk(fn))
    for node in ast.walk(tree):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Name) and node.id == "REAL_OKRS" and name != GUARD_HOME:
            if id(node) not in guarded and not module_guarded:
                found.append(f"{where}: REAL_OKRS used outside a test marked needs_real_okrs")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "parent"
            and ast.unparse(node.value) == "REPO"
            and name != GUARD_HOME
        ):
            found.append(f"{where}: REPO.parent reaches outside the repository")
        elif (
            isinstance(node, ast.Attribute)
            and ast.unparse(node).count(".parent") >= 3
            and "__file__" in ast.unparse(node)
        ):
            found.append(f"{where}: a path three folders up from a test reaches outside the repository")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and name != GUARD_HOME:
            if "real-okrs" in node.value or node.value.startswith("../shared/real"):
                found.append(f"{where}: {node.value!r} names the real OKR sets: use conftest.REAL_OKRS")
    return found


def test_no_test_reads_outside_the_repository_without_the_guard():
    files = [p for p in sorted(TESTS.glob("*.py")) if p.name != Path(__file__).name]  # its examples are ways out
    found = [p for path in files for p in problems_in(path.read_text(encoding="utf-8"), path.name)]
    assert found == []


@pytest.mark.parametrize(
    "source, problem",
    [
        ("from conftest import REAL_OKRS\ndef test_x():\n    REAL_OKRS.glob('*')\n", "REAL_OKRS used outside"),
        ("ROOT = REPO.parent / 'shared'\n", "REPO.parent"),
        ("P = Path(__file__).parent.parent.parent / 'x'\n", "three folders up"),
        ("SETS = Path('../shared/real-okrs')\n", "names the real OKR sets"),
        ("X = sorted(REAL_OKRS.glob('*'))\n", "REAL_OKRS used outside"),
    ],
)
def test_the_scan_finds_each_way_out(source, problem):
    found = problems_in(source, "test_example.py")
    assert len(found) == 1 and problem in found[0], found


@pytest.mark.parametrize(
    "source",
    [
        "@needs_real_okrs\ndef test_x():\n    REAL_OKRS.glob('*')\n",
        "@pytest.mark.parametrize('d', real_okr_params())\ndef test_x(d):\n    d.glob('*')\n",
        "pytestmark = needs_real_okrs\nX = REAL_OKRS / 'a'\n",
    ],
)
def test_the_scan_accepts_the_guarded_forms(source):
    assert problems_in(source, "test_example.py") == []
