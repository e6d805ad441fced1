"""Mutation testing of the core: how many small breaks of the code do the tests catch?

    python bench/mutation.py [MODULE ...] [--workdir DIR] [--fresh]

mutmut (pip install -e '.[mutation]') makes the mutants and runs them, with the settings
of [tool.mutmut] in pyproject.toml. mutmut writes a mutants/ folder where it runs, so this
script runs it on a copy of the checkout (the files git knows, plus new ones not ignored),
one copy per module in DIR/MODULE (DIR is okrsite-mutation in the temporary folder unless
given), and leaves the checkout untouched. Each copy's settings add the module to mutate and
the few test files that cover it (MODULE_TESTS), so that a mutant runs in seconds. The
copies are kept between runs, so mutmut reruns only the mutants of changed code or tests.

One mutant runs at a time (the machine is shared); each runs, with -x, only those of its
module's tests that called the function it changes (in this process: a test that runs
okrsite in a child process covers nothing here). Prints, per module, the mutants, killed, survived, no tests (a function
no selected test calls), timeouts, and the killed share (timeouts count as killed: the tests
did not pass), then each surviving mutant as FILE:LINE: old -> new. MODULE is a module name
(status, resolve, ...); without one, all modules of [tool.mutmut] are run.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CAUGHT = {"killed", "timeout", "segfault", "caught by type check"}

# module -> the test files that cover it, in-process
MODULE_TESTS = {
    "status": ["tests/test_status.py", "tests/test_status_rules.py", "tests/test_reader.py"],
    "resolve": ["tests/test_resolve.py", "tests/test_resolve_rules.py"],
    "diff": ["tests/test_diff.py", "tests/test_diff_rules.py"],
    "patch": ["tests/test_patch.py", "tests/test_patch_rules.py"],
    "load": ["tests/test_load_rules.py", "tests/test_resolve.py"],
    "fields": ["tests/test_load_rules.py"],
    "write": ["tests/test_write.py", "tests/test_write_rules.py", "tests/test_output_safety.py"],
}


# module -> its file under okrsite/ (its stage's folder)
MODULE_PATH = {
    "status": "core/status",
    "resolve": "core/resolve",
    "diff": "cli/diff",
    "patch": "serve/patch",
    "load": "core/load",
    "fields": "core/fields",
    "write": "builder/write",
}


def mutmut(workdir: Path, *args: str, capture: bool = True) -> str:
    proc = subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=workdir, text=True, capture_output=capture)
    if proc.returncode != 0:
        sys.exit(f"mutation: mutmut {' '.join(args)} failed ({proc.returncode})\n{proc.stderr or ''}")
    return proc.stdout or ""


def sync_copy(workdir: Path) -> None:
    """Make workdir hold the checkout's files (as git lists them), keeping mutants/."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    wanted = {name for name in listed if name and (REPO / name).is_file()}
    for path in sorted(workdir.rglob("*"), reverse=True):
        rel = path.relative_to(workdir).as_posix()
        if rel == "mutants" or rel.startswith("mutants/"):
            continue
        if path.is_file() and rel not in wanted:
            path.unlink()
    for name in sorted(wanted):
        src, dst = REPO / name, workdir / name
        if dst.is_file() and dst.read_bytes() == src.read_bytes():
            continue  # unchanged: keep its time, so that mutmut keeps its results
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def configure(workdir: Path, module: str) -> None:
    """The copy's [tool.mutmut]: the shared settings, this module, its tests."""
    path = workdir / "pyproject.toml"
    text = path.read_text()
    extra = (
        f'only_mutate = ["okrsite/{MODULE_PATH[module]}.py"]\n'
        f"pytest_add_cli_args_test_selection = {MODULE_TESTS[module]!r}\n".replace("'", '"')
    )
    path.write_text(text.replace("[tool.mutmut]\n", "[tool.mutmut]\n" + extra, 1))


def module_of(mutant: str) -> str:
    """'okrsite.core.status.x_kr_stale__mutmut_2' -> 'status'."""
    return mutant.split(".")[2]


def function_of(mutant: str) -> str:
    """'okrsite.core.status.x_kr_stale__mutmut_2' -> 'kr_stale'; methods are 'xǁClassǁname'."""
    name = mutant.split(".", 3)[3].rsplit("__mutmut_", 1)[0]
    return name.split("ǁ")[-1] if "ǁ" in name else name[2:]


def where(workdir: Path, mutant: str, source: Path) -> tuple[int, str, str]:
    """The mutated line of the original file, its text and the mutant's text."""
    diff = mutmut(workdir, "show", mutant).splitlines()
    old = [line[1:] for line in diff if line.startswith("-") and not line.startswith("---")]
    new = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
    lines = source.read_text().splitlines()
    start = 1
    func = function_of(mutant)
    name = mutant.split(".", 2)[2]
    tree = ast.parse(source.read_text())
    if "ǁ" in name:  # a method: look in its class, not at a function of the same name
        tree = next((n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == name.split("ǁ")[1]), tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == func:
            start = node.lineno
            break
    lineno = start
    if old:
        for i in range(start - 1, len(lines)):
            if lines[i].strip() == old[0].strip():  # mutmut shows a method dedented
                lineno = i + 1
                break
    return lineno, " / ".join(s.strip() for s in old), " / ".join(s.strip() for s in new)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*", help="status, resolve, ... (default: every module of [tool.mutmut])")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "okrsite-mutation")
    ap.add_argument("--fresh", action="store_true", help="forget the results of earlier runs")
    args = ap.parse_args(argv)

    known = list(MODULE_TESTS)
    modules = args.modules or known
    unknown = sorted(set(modules) - set(known))
    if unknown:
        ap.error(f"not a mutated module: {', '.join(unknown)} (one of {', '.join(known)})")
    root = args.workdir.resolve()
    if REPO == root or REPO in root.parents:
        ap.error("the work folder must be outside the checkout")

    # the commit tested: the copies are made from the checkout as it is now
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    status: dict[str, str] = {}
    workdirs: dict[str, Path] = {}
    for module in modules:  # every copy first: all of them are of the commit reported
        workdir = workdirs[module] = root / module
        if args.fresh and (workdir / "mutants").exists():
            shutil.rmtree(workdir / "mutants")
        workdir.mkdir(parents=True, exist_ok=True)
        sync_copy(workdir)
        configure(workdir, module)
    for module in modules:
        workdir = workdirs[module]
        print(f"mutation: {module}", file=sys.stderr)
        mutmut(workdir, "run", "--max-children", "1", capture=False)
        for line in mutmut(workdir, "results", "--all", "true").splitlines():
            name, _, state = line.strip().rpartition(": ")
            if name and module_of(name) == module:
                status[name] = state

    print(f"\nMutation testing, {date.today().isoformat()}, commit {commit}{' (with changes)' if dirty else ''}\n")
    print("| module | mutants | killed | survived | no tests | timeouts | killed share |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for m in modules:
        counts = Counter(s for n, s in status.items() if module_of(n) == m)
        total = sum(counts.values())
        caught = sum(counts[s] for s in CAUGHT)
        share = f"{100 * caught / total:.1f}%" if total else "-"
        print(
            f"| {m}.py | {total} | {counts['killed']} | {counts['survived']} | {counts['no tests']} "
            f"| {counts['timeout']} | {share} |"
        )
    odd = sorted(n for n, s in status.items() if s not in CAUGHT | {"survived", "no tests"})
    if odd:
        print("\nNot run to the end:", ", ".join(f"{n} ({status[n]})" for n in odd))

    survivors = sorted(n for n, s in status.items() if s in ("survived", "no tests"))
    if survivors:
        print("\nSurviving mutants:")
        rows = []
        for name in survivors:
            source = REPO / "okrsite" / f"{MODULE_PATH[module_of(name)]}.py"
            lineno, old, new = where(workdirs[module_of(name)], name, source)
            rows.append(
                (
                    module_of(name),
                    lineno,
                    f"okrsite/{MODULE_PATH[module_of(name)]}.py:{lineno}: {old}  ->  {new}"
                    f"  [{name.split('.', 3)[3]}{', no tests' if status[name] == 'no tests' else ''}]",
                )
            )
        for _, _, text in sorted(rows):
            print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
