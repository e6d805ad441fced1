#!/usr/bin/env python3
"""Benchmark the search index on a synthetic organisation.

    python bench/search.py --teams 1000 [--work /dev/shm/okrsite-search] [--query q=onboarding ...]

1. generates the organisation (bench/generate.py) into WORK/site, unless already there;
2. ``index``: in a child process, computes the site, then times ``search.records`` and
   ``searchindex.build_index`` while sampling its own and its children's (the Pagefind
   runs') resident memory every 50 ms: the peak of the children and of the sum;
3. ``build``: runs ``python -m okrsite build`` (search on) in a child process while
   sampling the resident memory of it *and every process it started* (the Pagefind
   binary) every 50 ms: the peak of that sum is the peak of the whole build;
4. measures the index on disk (apparent bytes and allocated blocks, file count);
5. ``query``: serves the built site under /okrs/ from a local static server and, in
   Chromium (Playwright, the system browser), opens search/?q=QUERY with an empty cache,
   waits for the results, and adds up the bytes of every response.

Prints one Markdown table per step (paste them into bench/README.md) and the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)
CHROMIUM = os.environ.get("OKRSITE_CHROMIUM", "/usr/bin/chromium")


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


# --------------------------------------------------------------------------- memory


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc), in kB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            with open(f"/proc/{entry}/statm") as f:
                pages = int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def run_sampled(argv: list[str], log: str) -> dict:
    """Run argv; sample the process tree's memory every 50 ms; wall time and peaks."""
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=REPO, env=child_env(), stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        with open(log, encoding="utf-8", errors="replace") as f:
            sys.exit(f"{' '.join(argv)} failed ({proc.returncode}):\n{f.read()[-3000:]}")
    return {"wall s": wall, "peak MB (sum of processes)": peak / 1024}


# --------------------------------------------------------------------------- index only


def index_only(config_path: str) -> None:
    """In this (child) process: site, records, index; print JSON figures."""
    import resource

    from okrsite.builder.gather import gather
    from okrsite.builder.pipeline import compute_site
    from okrsite.core.config import read_config
    from okrsite.core.diagnostics import Diagnostics
    from okrsite.builder import searchindex
    from okrsite.site import search

    config, _ = read_config(config_path)
    diags = Diagnostics()
    t0 = time.perf_counter()
    site = compute_site(config, gather(config, diags), config.as_of or date.today(), diags)
    t1 = time.perf_counter()
    site_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    recs = search.records(site)
    t2 = time.perf_counter()
    # sample this process and its children (the Pagefind runs) every 50 ms: getrusage's
    # RUSAGE_CHILDREN would count a child's memory before exec (a copy of this process)
    peaks = {"tree": 0, "children": 0}
    done = threading.Event()

    def sample() -> None:
        me = os.getpid()
        while not done.is_set():
            tree = tree_rss_kb(me)
            with open(f"/proc/{me}/statm") as f:
                own = int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
            peaks["tree"] = max(peaks["tree"], tree)
            peaks["children"] = max(peaks["children"], tree - own)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    files = searchindex.build_index(recs, periods=list(site.periods))
    t3 = time.perf_counter()
    done.set()
    sampler.join()
    kinds: dict[str, int] = {}  # items (what a reader finds) by kind
    for r in recs:
        for item in r.items:
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
    print(
        json.dumps(
            {
                "site s": t1 - t0,
                "records s": t2 - t1,
                "index s": t3 - t2,
                "records": len(recs),
                "kinds": kinds,
                "items": sum(kinds.values()),
                "words": sum(len(i.content.split()) for r in recs for i in r.items),
                "python MB after site": site_mb,
                "python peak MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "pagefind peak MB": peaks["children"] / 1024,
                "indexing peak MB": peaks["tree"] / 1024,
                "bundle files": len(files),
                "bundle MB": sum(map(len, files.values())) / 1e6,
            }
        )
    )


# --------------------------------------------------------------------------- disk


def disk_usage(folder: str) -> dict:
    apparent = blocks = count = 0
    largest: list[tuple[int, str]] = []
    for dirpath, _, names in os.walk(folder):
        for name in names:
            st = os.stat(os.path.join(dirpath, name))
            apparent += st.st_size
            blocks += st.st_blocks * 512
            count += 1
            largest.append((st.st_size, os.path.relpath(os.path.join(dirpath, name), folder)))
    largest.sort(reverse=True)
    return {
        "files": count,
        "MB": apparent / 1e6,
        "MB on disk (blocks)": blocks / 1e6,
        "largest": [f"{p} {n / 1e3:.0f} kB" for n, p in largest[:6]],
    }


# --------------------------------------------------------------------------- query bytes


class _Handler(http.server.SimpleHTTPRequestHandler):
    prefix = "/okrs/"

    def log_message(self, *args):
        pass

    def translate_path(self, path):
        if not path.startswith(self.prefix):
            return os.path.join(self.directory, "__outside__")
        return super().translate_path("/" + path[len(self.prefix) :])


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # the browser closing a connection it no longer needs is not an error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def static_server(site_dir: str):
    """Serve a built site under /okrs/ from a plain local static server on 127.0.0.1
    (no compression, no caching headers: what a simple intranet host does); yields the
    base URL."""
    handler = functools.partial(_Handler, directory=site_dir)
    httpd = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{_Handler.prefix}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def chromium():
    """The system Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


VIEWPORT = {"width": 1280, "height": 800}


def query_bytes(site_dir: str, queries: list[str]) -> list[dict]:
    """Open search/?QUERY in Chromium with an empty cache for each query, wait for the
    results and for the network to go idle, and add up the bytes of every response:
    the page, its assets, Pagefind's code, the index chunks, filters and the result
    fragments it fetched."""
    rows = []
    with static_server(site_dir) as base, chromium() as browser:
        for q in queries:
            context = browser.new_context(viewport=VIEWPORT)  # empty cache
            page = context.new_page()
            sizes: dict[str, int] = {}
            wire: dict[str, int] = {}

            def got(r) -> None:
                body = r.body() if r.ok else b""
                sizes[r.url[len(base) :]] = len(body)
                wire[r.url[len(base) :]] = gzipped_size(body)

            page.on("response", got)
            t0 = time.perf_counter()
            page.goto(base + "search/?" + q)
            page.wait_for_function(
                "() => /results?\\b|No results|not available/.test(document.getElementById('search-message').textContent)",
                timeout=120_000,
            )
            page.wait_for_load_state("networkidle")
            seconds = time.perf_counter() - t0
            message = page.locator("#search-message").inner_text()
            total = sum(sizes.values())
            search_only = sum(n for u, n in sizes.items() if u.startswith("pagefind/"))
            by_kind: dict[str, int] = {}
            for u, n in sizes.items():
                key = u.split("?")[0]
                key = key.split("/")[1] if key.startswith("pagefind/") and key.count("/") > 1 else key
                by_kind[key] = by_kind.get(key, 0) + n
            rows.append(
                {
                    "query": q,
                    "message": message,
                    "kB total": total / 1e3,
                    "kB gzip": sum(wire.values()) / 1e3,
                    "kB pagefind/": search_only / 1e3,
                    "requests": len(sizes),
                    "s": seconds,
                    "by file": {k: round(v / 1e3, 1) for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])},
                }
            )
            context.close()
    return rows


def gzipped_size(body: bytes) -> int:
    """The bytes of a response as a host that compresses sends them (Netlify, GitHub and
    GitLab Pages send text gzip- or brotli-encoded): gzip at level 6, unless the body is
    gzip already (Pagefind's index files and WebAssembly) or would not get smaller."""
    if body[:2] == b"\x1f\x8b":
        return len(body)
    return min(len(body), len(gzip.compress(body, 6, mtime=0)))


def default_queries(config_path: str) -> list[str]:
    """A word, a team's name, and a filter with no words (which loads the most index)."""
    from okrsite.core.config import read_config

    cfg, _ = read_config(config_path)
    last_q = max(p.id for p in cfg.periods) if cfg.periods else f"{(cfg.as_of or date.today()).year}-Q4"
    return ["q=onboarding", "q=Payments+1", f"status=red&period={last_q}"]


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teams", type=int, default=1000)
    ap.add_argument(
        "--work", default=os.path.join("/dev/shm" if os.path.isdir("/dev/shm") else "/tmp", "okrsite-search")
    )
    ap.add_argument(
        "--query",
        action="append",
        help="query string after search/? (repeatable); "
        "default: q=onboarding, q=<a team name>, status=red&period=<last period>",
    )
    ap.add_argument("--steps", default="index,build,query", help="comma-separated: index, build, query")
    ap.add_argument("--index-only", metavar="CONFIG", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.index_only:
        index_only(a.index_only)
        return 0

    steps = a.steps.split(",")
    site = os.path.join(a.work, f"site-{a.teams}")
    out = os.path.join(a.work, f"public-{a.teams}")
    os.makedirs(a.work, exist_ok=True)
    if not os.path.isfile(os.path.join(site, "okrsite.yaml")):
        subprocess.run(
            [sys.executable, os.path.join(HERE, "generate.py"), "--teams", str(a.teams), "--out", site], check=True
        )
    config = os.path.join(site, "okrsite.yaml")
    print(
        f"<!-- {date.today()} · Python {platform.python_version()} · {platform.platform()} · "
        f"{os.cpu_count()} CPUs · work folder {a.work} -->"
    )

    if "index" in steps:
        proc = subprocess.run(
            [sys.executable, __file__, "--index-only", config],
            cwd=REPO,
            env=child_env(),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            sys.exit(proc.stdout + proc.stderr)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            "\n| teams | records | items | words indexed | records s | index s | Pagefind peak MB | Python peak MB | "
            "Python + Pagefind peak MB | bundle files | bundle MB |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(
            f"| {a.teams} | {r['records']:,} | {r['items']:,} | {r['words']:,} | {r['records s']:.1f} | {r['index s']:.1f} | "
            f"{r['pagefind peak MB']:,.0f} | {r['python peak MB']:,.0f} | {r['indexing peak MB']:,.0f} | {r['bundle files']:,} | {r['bundle MB']:.1f} |"
        )
        print(
            f"<!-- items by kind: {r['kinds']}; Python after computing the site: {r['python MB after site']:.0f} MB -->"
        )

    if "build" in steps:
        shutil.rmtree(out, ignore_errors=True)
        b = run_sampled(
            [sys.executable, "-m", "okrsite", "build", "--config", config, "--output", out],
            os.path.join(a.work, f"build-{a.teams}.log"),
        )
        d = disk_usage(os.path.join(out, "pagefind"))
        print(
            "\n| teams | build s (with search) | peak MB, whole build | index files | index MB | index MB on disk (blocks) |"
        )
        print("|---:|---:|---:|---:|---:|---:|")
        print(
            f"| {a.teams} | {b['wall s']:.0f} | {b['peak MB (sum of processes)']:,.0f} | {d['files']:,} | "
            f"{d['MB']:.1f} | {d['MB on disk (blocks)']:.1f} |"
        )
        print(f"<!-- largest index files: {', '.join(d['largest'])} -->")

    if "query" in steps:
        if not os.path.isdir(os.path.join(out, "pagefind")):
            sys.exit(f"no built site with a search index in {out}: run the build step first")
        rows = query_bytes(out, a.query or default_queries(config))
        print("\n| query | result | kB downloaded (all) | kB gzip-encoded | of which pagefind/ | requests | s |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for r in rows:
            print(
                f"| `search/?{r['query']}` | {r['message']} | {r['kB total']:.0f} | {r['kB gzip']:.0f} | "
                f"{r['kB pagefind/']:.0f} | {r['requests']} | {r['s']:.1f} |"
            )
        for r in rows:
            print(f"<!-- {r['query']}: {json.dumps(r['by file'])} -->")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
