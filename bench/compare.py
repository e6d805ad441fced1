#!/usr/bin/env python3
"""Two checkouts of okrsite side by side: cold build, warm build and preview, alternated.

    python bench/compare.py --base DIR [--head DIR] [--teams 1000] [--repeat 5]
                            [--measure cold,warm,preview] [--search] [--work DIR]

Each checkout is a folder with its own virtual environment in ``.venv`` (``git clone``
the repository, ``git checkout COMMIT``, ``python -m venv .venv``, ``.venv/bin/pip
install -e .``); ``--head`` defaults to the checkout this script is in. Each runs its own
code from its own folder (never the other's), on its own copy of one generated
organisation (bench/generate.py), since each writes its build cache next to the
content.

Every round runs, for base then head (head then base in every other round, so that a
drift of the machine's speed does not favour either):

- **cold**: ``okrsite build --no-search`` (``--search``: with the search index) with
  no output folder and no build cache: wall and CPU seconds, peak memory (the summed PSS
  of the process tree, bench/peers.py);
- **warm**: the same build again, nothing changed, cache on: wall seconds;
- **preview**: the checkout's own ``bench/preview.py`` (``okrsite serve`` in-process with
  the file watcher): its first build and the median latency from saving a check-in to
  the page being served, over ``--preview-edits`` edits.

Prints one Markdown table: per figure, the median of each checkout, the ratio of the
medians and the median of the ratios pair by pair (head / base: under 1 is quicker).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (bench/run.py: generation, child processes, the machine)

PREVIEW_ROW = re.compile(r"^\| [\d,]+ \| [\d,]+ \| [\d,]+ \| ([\d.]+) s \| ([\d.]+) s \| ([\d.]+) s \|", re.M)


class Checkout:
    """One checkout: its folder, its interpreter and its copy of the organisation."""

    def __init__(self, name: str, folder: str, work: str, teams: int, search: bool):
        self.name, self.folder, self.search = name, os.path.abspath(folder), search
        self.python = os.path.join(self.folder, ".venv", "bin", "python")
        if not os.path.isfile(self.python):
            sys.exit(
                f"{self.python}: no virtual environment in {self.folder} (python -m venv .venv; "
                ".venv/bin/pip install -e .)"
            )
        self.site = os.path.join(work, f"site-{name}")
        self.out = os.path.join(work, f"out-{name}")
        self.preview = os.path.join(work, f"preview-{name}")
        self.logs = os.path.join(work, f"logs-{name}")
        self.teams = teams
        os.makedirs(self.logs, exist_ok=True)

    def commit(self) -> str:
        r = subprocess.run(["git", "-C", self.folder, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        return r.stdout.strip() or "?"

    def build(self, log: str) -> run.Run:
        argv = [
            self.python,
            "-m",
            "okrsite",
            "build",
            "--config",
            os.path.join(self.site, "okrsite.yaml"),
            "--output",
            self.out,
            "--quiet",
            *(() if self.search else ("--no-search",)),
        ]
        r = run.run_child(argv, os.path.join(self.logs, log), cwd=self.folder)
        if not r.ok:
            sys.exit(f"{self.name}: {' '.join(argv)}: {r.stopped or f'exit {r.returncode}'}\n{r.tail()}")
        return r

    def cold(self, i: int) -> dict:
        for d in (self.out, os.path.join(self.site, ".okrsite-cache")):
            shutil.rmtree(d, ignore_errors=True)
        r = self.build(f"cold-{i}.log")
        return {"cold s": r.wall, "cold CPU s": r.cpu, "cold peak MB": r.peak_mb}

    def warm(self, i: int) -> dict:
        if not os.path.isdir(self.out):
            self.build(f"warm-prepare-{i}.log")
        return {"warm s": self.build(f"warm-{i}.log").wall}

    def preview_run(self, i: int, edits: int) -> dict:
        argv = [
            self.python,
            os.path.join(self.folder, "bench", "preview.py"),
            "--teams",
            str(self.teams),
            "--repeat",
            str(edits),
            "--keep",
            self.preview,
        ]
        log = os.path.join(self.logs, f"preview-{i}.log")
        with open(log, "w", encoding="utf-8") as f:
            p = subprocess.run(argv, cwd=self.folder, stdout=subprocess.PIPE, stderr=f, text=True)
        m = PREVIEW_ROW.search(p.stdout)
        if p.returncode or not m:
            sys.exit(f"{self.name}: {' '.join(argv)}: exit {p.returncode}\n{p.stdout}\n(log: {log})")
        return {"preview first build s": float(m[1]), "preview save→served s": float(m[2])}


FORMATS = {
    "cold s": "{:.2f}",
    "cold CPU s": "{:.2f}",
    "cold peak MB": "{:,.0f}",
    "warm s": "{:.2f}",
    "preview first build s": "{:.2f}",
    "preview save→served s": "{:.3f}",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="the checkout to compare against (with its own .venv)")
    ap.add_argument("--head", default=os.path.dirname(HERE), help="the checkout measured (default: this one)")
    ap.add_argument("--teams", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5, help="rounds; medians are shown")
    ap.add_argument("--measure", default="cold,warm,preview", help="comma-separated: cold, warm, preview")
    ap.add_argument("--preview-edits", type=int, default=5, help="saves per preview run (its median is taken)")
    ap.add_argument("--search", action="store_true", help="builds with the search index (default: --no-search)")
    ap.add_argument(
        "--work", default=os.path.join("/dev/shm" if os.path.isdir("/dev/shm") else "/tmp", "okrsite-compare")
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--year", type=int, default=2026)
    a = ap.parse_args(argv)
    measures = [m.strip() for m in a.measure.split(",") if m.strip()]
    if unknown := set(measures) - {"cold", "warm", "preview"}:
        ap.error(f"unknown measurement(s): {', '.join(sorted(unknown))}")

    os.makedirs(a.work, exist_ok=True)
    src = os.path.join(a.work, f"site-t{a.teams}-s{a.seed}-y{a.year}")
    md_files, _ = run.prepare_site(src, a.teams, a.seed, a.year)
    pair = [Checkout("base", a.base, a.work, a.teams, a.search), Checkout("head", a.head, a.work, a.teams, a.search)]
    for c in pair:
        shutil.rmtree(c.site, ignore_errors=True)
        shutil.copytree(src, c.site)
    print(
        f"<!-- okrsite bench/compare.py {time.strftime('%Y-%m-%d %H:%M')}: {run.machine()}; "
        f"Python {platform.python_version()}; work folder {a.work}; {a.teams} teams, {md_files:,} files; "
        f"base {pair[0].folder} at {pair[0].commit()}, head {pair[1].folder} at {pair[1].commit()}; "
        f"builds {'with' if a.search else 'without'} search; {a.repeat} rounds, alternated -->",
        flush=True,
    )

    results: dict[str, list[dict]] = {"base": [], "head": []}
    for i in range(a.repeat):
        order = pair if i % 2 == 0 else pair[::-1]
        for c in order:
            row: dict = {}
            if "cold" in measures:
                row.update(c.cold(i))
            if "warm" in measures:
                row.update(c.warm(i))
            results[c.name].append(row)
        for c in order:
            if "preview" in measures:
                results[c.name][-1].update(c.preview_run(i, a.preview_edits))
        print(
            f"<!-- round {i + 1}: "
            + "; ".join(
                f"{c.name} " + ", ".join(f"{k} {FORMATS[k].format(v)}" for k, v in results[c.name][-1].items())
                for c in pair
            )
            + " -->",
            flush=True,
        )

    print("| figure | base (median) | head (median) | head / base | head / base, median of pairs |")
    print("|---|---:|---:|---:|---:|")
    for key in results["base"][0]:
        b = [r[key] for r in results["base"]]
        h = [r[key] for r in results["head"]]
        mb, mh = statistics.median(b), statistics.median(h)
        pairs = statistics.median(y / x for x, y in zip(b, h) if x)
        print(f"| {key} | {FORMATS[key].format(mb)} | {FORMATS[key].format(mh)} | {mh / mb:.2f} | {pairs:.2f} |")
    for c in pair:
        shutil.rmtree(c.out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
