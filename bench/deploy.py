#!/usr/bin/env python3
"""A one-change deploy as CI runs it (issue 28): restore the cache, add one check-in,
build the complete site with search.

    python bench/deploy.py --teams 1000 [--work DIR] [--team company] [--verify]

1. Generates the organisation (bench/generate.py, reused while its stamp matches).
2. **previous deploy**: clones it (a git repository of it, made once) into WORK/deploy-1,
   a fresh checkout (new files, new modification times), and builds it cold with search into its ``public/``
   (timed: the cold build).
3. **this deploy**: clones the organisation again into WORK/deploy-2, a new checkout,
   and restores the previous deploy's ``.okrsite-cache/`` and ``public/`` into it as a
   CI cache does (a copy keeping modification times, as ``actions/cache`` and Netlify's
   and GitLab's caches restore a tar); adds and commits one check-in to ``--team``'s
   latest period, dated the day before its latest check-in; then times ``okrsite build`` with search,
   start to finish (the one-change deploy).
4. ``--verify``: builds the changed organisation cold into another folder and compares
   both outputs byte for byte (the writer's marker file aside).

Prints one Markdown table and, in comments, each build's steps (``--timings``), so that
a build that could not use the restored cache shows as one.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (bench/run.py: generation, child processes, the machine)

CACHE = ".okrsite-cache"
OUTPUT = "public"


def git(folder: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", folder, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def commit(folder: str, message: str, path: str = ".") -> None:
    """Commit ``path`` (by default every file) of ``folder``, a git repository made if
    need be, when it changed."""
    if not os.path.isdir(os.path.join(folder, ".git")):
        git(folder, "init", "-q")
    if git(folder, "status", "--porcelain", "--", path):
        git(folder, "add", "-A", "--", path)
        git(folder, "commit", "-q", "-m", message)


def checkout(src: str, dest: str) -> None:
    """A fresh checkout of the organisation, as CI makes one: a git clone (new files with
    new modification times, a work tree that git can be asked about: the build trusts a
    restored output only there)."""
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    commit(src, "the organisation")
    git(os.path.dirname(dest) or ".", "clone", "-q", os.path.abspath(src), os.path.abspath(dest))


def restore(previous: str, dest: str) -> None:
    """What a CI cache restores: the build cache and the previous output, with their
    modification times."""
    for name in (CACHE, OUTPUT):
        if os.path.isdir(os.path.join(previous, name)):
            shutil.copytree(os.path.join(previous, name), os.path.join(dest, name), symlinks=True)


def add_checkin(site: str, team: str) -> str:
    """A new check-in in the team's latest period: a copy of its latest check-in, dated
    the day before it, with one more line. Returns its path."""
    latest = run.pick_checkin(site, team)
    day = date.fromisoformat(os.path.basename(latest)[:-3]) - timedelta(days=1)
    with open(latest, encoding="utf-8") as f:
        text = f.read()
    text = text.replace(f"date: {os.path.basename(latest)[:-3]}", f"date: {day.isoformat()}", 1)
    path = os.path.join(os.path.dirname(latest), f"{day.isoformat()}.md")
    if os.path.exists(path):
        sys.exit(f"{path} exists already")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text + "\nOne more check-in, written by bench/deploy.py.\n")
    return path


def build(site: str, out: str, log: str) -> run.Run:
    argv = [
        sys.executable,
        "-m",
        "okrsite",
        "build",
        "--config",
        os.path.join(site, "okrsite.yaml"),
        "--output",
        out,
        "--timings",
    ]
    r = run.run_child(argv, log)
    if not r.ok:
        sys.exit(f"{' '.join(argv)}: {r.stopped or f'exit {r.returncode}'}\n{r.tail()}")
    return r


def steps(r: run.Run) -> str:
    """The build's own account: its steps and its summary line."""
    with open(r.log, encoding="utf-8", errors="replace") as f:
        lines = [line.strip() for line in f if line.strip()]
    return " / ".join(line for line in lines if line.startswith("okrsite: steps:") or " files read, " in line)


def differences(a: str, b: str) -> list[str]:
    from okrsite.builder.output import MARKER

    def files(root: str) -> dict[str, str]:
        out = {}
        for dirpath, _, names in os.walk(root):
            for name in names:
                full = os.path.join(dirpath, name)
                out[os.path.relpath(full, root).replace(os.sep, "/")] = full
        out.pop(MARKER, None)
        return out

    fa, fb = files(a), files(b)
    diff = sorted(set(fa) ^ set(fb))
    for rel in sorted(set(fa) & set(fb)):
        with open(fa[rel], "rb") as x, open(fb[rel], "rb") as y:
            if x.read() != y.read():
                diff.append(rel)
    return diff


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teams", type=int, required=True)
    ap.add_argument(
        "--work", default=os.path.join("/dev/shm" if os.path.isdir("/dev/shm") else "/tmp", "okrsite-deploy")
    )
    ap.add_argument(
        "--team",
        default="company",
        help="the team that checks in (default: the root team, whose check-in alters the most pages)",
    )
    ap.add_argument(
        "--verify",
        action="store_true",
        help="also build the changed organisation cold and compare the outputs byte for byte",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--year", type=int, default=2026)
    a = ap.parse_args(argv)

    os.makedirs(a.work, exist_ok=True)
    src = os.path.join(a.work, f"site-t{a.teams}-s{a.seed}-y{a.year}")
    md_files, _ = run.prepare_site(src, a.teams, a.seed, a.year)
    print(
        f"<!-- okrsite bench/deploy.py {time.strftime('%Y-%m-%d %H:%M')}: {run.machine()}; "
        f"Python {platform.python_version()}; work folder {a.work}; {a.teams} teams, {md_files:,} files -->"
    )

    first, second = os.path.join(a.work, "deploy-1"), os.path.join(a.work, "deploy-2")
    checkout(src, first)
    cold = build(first, os.path.join(first, OUTPUT), os.path.join(a.work, "deploy-1.log"))
    print(f"<!-- cold: {steps(cold)} -->")

    checkout(src, second)
    restore(first, second)
    added = add_checkin(second, a.team)
    commit(second, "one more check-in", added)  # the push being deployed; the restored folders stay untracked
    change = build(second, os.path.join(second, OUTPUT), os.path.join(a.work, "deploy-2.log"))
    print(f"<!-- added {os.path.relpath(added, second)}; one-change: {steps(change)} -->")

    same = ""
    if a.verify:
        fresh = os.path.join(a.work, "deploy-2-cold")
        checkout(second, fresh)
        build(fresh, os.path.join(fresh, OUTPUT), os.path.join(a.work, "deploy-2-cold.log"))
        diff = differences(os.path.join(second, OUTPUT), os.path.join(fresh, OUTPUT))
        same = "yes" if not diff else f"no: {len(diff)} files differ ({', '.join(diff[:5])})"
        shutil.rmtree(fresh)

    head = [
        "teams",
        "cold build s (search)",
        "cold peak MB",
        "one-change deploy s (search)",
        "peak MB",
        *(["same bytes as a cold build"] if a.verify else []),
    ]
    print("| " + " | ".join(head) + " |")
    print("|" + "---:|" * (len(head) - (1 if a.verify else 0)) + ("---|" if a.verify else ""))
    cells = [
        f"{a.teams:,}",
        f"{cold.wall:.2f}",
        f"{cold.peak_mb:,.0f}",
        f"{change.wall:.2f}",
        f"{change.peak_mb:,.0f}",
        *([same] if a.verify else []),
    ]
    print("| " + " | ".join(cells) + " |")
    for d in (first, second):
        shutil.rmtree(d)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
