"""The layout shows the architecture (docs/architecture.md): the stages core → site →
builder → serve → cli are subpackages, no module imports a later stage, and no modules
import each other in a circle. Imports inside functions count like the others. The
graph is read from the source (ast), so nothing of okrsite is run."""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "okrsite"
STAGES = ("core", "site", "builder", "serve", "cli")  # each may import only those before it


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _targets(name: str, path: Path, node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> set[str]:
    """The modules of the package that one import statement imports."""
    if isinstance(node, ast.Import):
        wanted = [(alias.name, None) for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            anchor = package[: len(package) - node.level + 1]
            base = ".".join(anchor + ([node.module] if node.module else []))
        wanted = [(base, alias.name) for alias in node.names]
    found = set()
    for base, attr in wanted:
        if attr and f"{base}.{attr}" in known:  # from package import module
            found.add(f"{base}.{attr}")
        elif base in known:
            found.add(base)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, dict[str, int]]:
    """module -> {imported module: line of the first import}, imports in functions included."""
    known = modules(package)
    graph: dict[str, dict[str, int]] = {}
    for name, path in known.items():
        edges = graph.setdefault(name, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(name, path, node, known):
                    if target != name:
                        edges.setdefault(target, node.lineno)
    return graph


def stage(module: str) -> int | None:
    """The stage's rank of a module, None for the package itself (its version, and
    ``python -m okrsite``)."""
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def circle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    try:
        tuple(TopologicalSorter({m: set(edges) for m, edges in graph.items()}).static_order())
    except CycleError as exc:
        return exc.args[1]
    return None


def upward(graph: dict[str, dict[str, int]]) -> list[str]:
    """Every import of a later stage, as 'MODULE:LINE: imports ...'."""
    found = []
    for module, edges in sorted(graph.items()):
        here = stage(module)
        for target, line in sorted(edges.items()):
            there = stage(target)
            if module == "okrsite.__main__":
                continue  # the top: python -m okrsite runs the command line
            if there is not None and (here is None or there > here):
                found.append(f"{module}:{line}: imports {target}, a later stage")
    return found


def test_every_module_is_in_a_stage():
    loose = [m for m in modules() if stage(m) is None and m not in ("okrsite", "okrsite.__main__")]
    assert not loose, f"modules outside the stages {STAGES}: {loose}"


def test_no_import_circle():
    assert circle(import_graph()) is None, f"modules import each other in a circle: {circle(import_graph())}"


def test_no_stage_imports_a_later_one():
    assert upward(import_graph()) == []


def test_the_graph_sees_what_it_must_fail_on(tmp_path):
    """The checks catch a circle through an import inside a function, and a core module
    importing the site."""
    pkg = tmp_path / "okrsite"
    for folder in ("core", "site"):
        (pkg / folder).mkdir(parents=True)
        (pkg / folder / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "a.py").write_text("from . import b\n")
    (pkg / "core" / "b.py").write_text("def f():\n    from .a import x\n")
    (pkg / "site" / "v.py").write_text("from ..core import a\n")
    (pkg / "core" / "c.py").write_text("def g():\n    from okrsite.site.v import y\n")
    graph = import_graph(pkg)
    assert graph["okrsite.core.b"] == {"okrsite.core.a": 2}
    assert sorted(set(circle(graph))) == ["okrsite.core.a", "okrsite.core.b"]
    graph["okrsite.core.b"].clear()
    assert circle(graph) is None
    assert graph["okrsite.core.c"] == {"okrsite.site.v": 2}
    assert [stage(m) for m in ("okrsite.core.c", "okrsite.site.v", "okrsite")] == [0, 1, None]


ARCHITECTURE = REPO / "docs" / "architecture.md"
NAMED = re.compile(r"`(okrsite/[\w/]+\.(?:py|js))`")


def test_architecture_doc_names_every_module_and_only_real_ones():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    named = set(NAMED.findall(text))
    missing = sorted(n for n in named if not (REPO / n).is_file())
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"
    files = {
        p.relative_to(REPO).as_posix()
        for p in PACKAGE.rglob("*")
        if p.suffix in (".py", ".js") and (p.name != "__init__.py" or p.parent == PACKAGE)
    }
    unnamed = sorted(files - named)
    assert not unnamed, f"docs/architecture.md does not name: {unnamed}"


@pytest.mark.parametrize("folder", STAGES)
def test_architecture_doc_describes_every_stage(folder):
    assert f"### `okrsite/{folder}/`" in ARCHITECTURE.read_text(encoding="utf-8")
