"""A fresh clone has nothing beside it and must pass ./test.sh (issue 25). The only data
outside the repository that tests read are the real OKR sets (conftest.REAL_OKRS), and a
test may read them only through tests/real_okrs.py's guards, or under a condition that
tests for them: there, it skips with a reason. This checks every test module's source for
any other way out of the repository, then runs the tests that read the real sets in a
copy of the repository with nothing beside it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

TESTS = REPO / "tests"
# where REAL_OKRS is defined and guarded, and this file, whose examples are not reads
NOT_CHECKED = {"conftest.py", "real_okrs.py", Path(__file__).name}
GUARDS = {"needs_real_okrs", "real_okr_sets", "present"}


def _names(node: ast.AST) -> set[str]:
    """The names and attribute names in ``node``: ``REAL_OKRS`` and ``conftest.REAL_OKRS`` alike."""
    return {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node) if isinstance(n, (ast.Name, ast.Attribute))}


def _guarded_by(parent: ast.AST) -> bool:
    """Whether ``parent`` makes what it holds skip, or not run, without the real sets."""
    if isinstance(parent, (ast.If, ast.IfExp, ast.While)):
        return "REAL_OKRS" in _names(parent.test)
    if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return any("needs_real_okrs" in _names(d) or ("REAL_OKRS" in _names(d) and "skipif" in ast.unparse(d))
                   for d in parent.decorator_list)
    if isinstance(parent, ast.comprehension):
        return any("REAL_OKRS" in _names(cond) for cond in parent.ifs)
    return False


def outside_reads(source: str, name: str = "<test>") -> list[str]:
    """``file:line: what`` for each way ``source`` reaches outside the repository unguarded."""
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node

    def guarded(node: ast.AST) -> bool:
        while node in parents:
            node = parents[node]
            if _guarded_by(node):
                return True
        return False

    found = []
    for node in ast.walk(tree):
        what = None
        if (getattr(node, "id", None) == "REAL_OKRS" or getattr(node, "attr", None) == "REAL_OKRS") \
                and not guarded(node):
            what = "REAL_OKRS outside a guard of tests/real_okrs.py"
        elif isinstance(node, ast.Attribute) and node.attr == "parent" and isinstance(node.value, ast.Name) \
                and node.value.id == "REPO":
            what = "REPO.parent: the folder above the repository"
        elif isinstance(node, ast.Attribute) and ast.unparse(node).endswith(".parent.parent.parent") \
                and "__file__" in ast.unparse(node):
            what = "a folder above the repository"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "real-okrs" in node.value:
            what = f"{node.value!r}: a path beside the repository"
        elif isinstance(node, ast.ImportFrom) and node.module == "conftest" \
                and any(a.name == "REAL_OKRS" for a in node.names):
            what = "imports REAL_OKRS: read the real sets through tests/real_okrs.py"
        if what:
            found.append(f"{name}:{node.lineno}: {what}")
    return sorted(set(found))


def test_no_test_reads_outside_the_repository_without_a_guard():
    found = [problem for path in sorted(TESTS.glob("*.py")) if path.name not in NOT_CHECKED
             for problem in outside_reads(path.read_text(encoding="utf-8"), f"tests/{path.name}")]
    assert found == []


@pytest.mark.parametrize("source, problems", [
    # what test_dependencies.py did before: read the sets with no guard
    ("from conftest import REAL_OKRS\n\ndef test_a(tmp_path):\n    copy(REAL_OKRS / 'gitlab', tmp_path)\n",
     ["t:1: imports REAL_OKRS: read the real sets through tests/real_okrs.py",
      "t:4: REAL_OKRS outside a guard of tests/real_okrs.py"]),
    ("SITES = sorted((REPO.parent / 'shared' / 'real-okrs').glob('*/okrsite.yaml'))\n",
     ["t:1: 'real-okrs': a path beside the repository", "t:1: REPO.parent: the folder above the repository"]),
    ("X = Path(__file__).resolve().parent.parent.parent / 'data'\n", ["t:1: a folder above the repository"]),
    ("open('../shared/real-okrs/x.md')\n", ["t:1: '../shared/real-okrs/x.md': a path beside the repository"]),
    ("import conftest\n\n@pytest.mark.parametrize('d', [conftest.REAL_OKRS])\ndef test_b(d):\n    pass\n",
     ["t:3: REAL_OKRS outside a guard of tests/real_okrs.py"]),
    # guarded: each of these skips, or reads nothing, without the sets
    ("@needs_real_okrs\ndef test_c():\n    read(conftest.REAL_OKRS / 'sourcegraph')\n", []),
    ("@pytest.mark.skipif(not conftest.REAL_OKRS.is_dir(), reason='not here')\ndef test_d():\n"
     "    read(conftest.REAL_OKRS)\n", []),
    ("X = read(conftest.REAL_OKRS) if conftest.REAL_OKRS.is_dir() else []\n", []),
    ("@pytest.mark.parametrize('d', real_okr_sets())\ndef test_e(d):\n    read(d)\n", []),
])
def test_the_check_finds_unguarded_reads_and_accepts_guarded_ones(source, problems):
    assert outside_reads(source, "t") == problems


def test_the_real_set_tests_skip_with_a_reason_in_a_clone(tmp_path):
    """The repository's files alone (git ls-files), nothing beside them: every test that
    reads the real sets is skipped, saying why, and none fails."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    clone = tmp_path / "clone"
    for rel in filter(None, listed.decode().split("\0")):
        src = REPO / rel
        if src.is_file() and not src.is_symlink():
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            (clone / rel).write_bytes(src.read_bytes())
    assert not (tmp_path / "shared").exists()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-k", "real_okr or gitlab or sourcegraph",
         "tests/test_dependencies.py", "tests/test_markdown.py", "tests/test_parse.py"],
        cwd=clone, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED")]
    assert skipped and all("not next to the repository, as in a fresh clone" in s for s in skipped), out
    assert "10 skipped" in out.splitlines()[-1], out  # 2 sets: 1 test each in two files, 3 in test_parse
