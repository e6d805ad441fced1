"""Serve under load (issue 8): the preview server on 127.0.0.1, with many clients at once
(page GETs and HEADs, missing pages, redirects, live-reload long polls, keep-alive and
one-shot connections) while a check-in is edited every half second and the site
rebuilds. No request fails; after ``stop()`` the threads and file descriptors are back
to what they were; memory stays flat.

CI: 20 clients for 5 s. ``OKRSITE_LONG_TESTS=1``: 50 clients for 20 s (the figures in
bench/README.md, "Serve under load"). ``OKRSITE_LOAD_CLIENTS`` and
``OKRSITE_LOAD_SECONDS`` override both. Run with ``-s`` to see the figures."""

from __future__ import annotations

import gc
import http.client
import io
import json
import os
import random
import threading
import time
from pathlib import Path

from okrsite.serve.session import Server

from test_serve import CHECKIN, OBJECTIVE_URL, checkin_text, make_site

import pytest

pytestmark = pytest.mark.serial  # many clients for seconds: alone, not beside other tests

LONG = os.environ.get("OKRSITE_LONG_TESTS") == "1"
CLIENTS = int(os.environ.get("OKRSITE_LOAD_CLIENTS") or (50 if LONG else 20))
SECONDS = float(os.environ.get("OKRSITE_LOAD_SECONDS") or (20 if LONG else 5))

PAGES = [
    "",
    "teams/",
    "teams/platform/",
    "teams/platform/2026-Q4/",
    OBJECTIVE_URL,
    "teams/mobile/2026-Q4/app/",
    "teams/platform/2026-Q4/checkins/2026-11-13/",
    "people/",
    "periods/",
    "okrs.json",
    "feed.xml",
    "assets/okrsite.css",
    "__okrsite/livereload.js",
    "404.html",
]
MISSING = ["no/such/page/", "teams/nobody/", "assets/nothing.css", "teams/../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd"]
REDIRECTS = ["teams", "teams/platform", "people"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class Client(threading.Thread):
    """One client: a keep-alive connection (or a new one per request), doing a random mix
    of requests until told to stop; every response is checked."""

    def __init__(self, port: int, prefix: str, stop: threading.Event, seed: int, server: Server):
        super().__init__(daemon=True)
        self.port, self.prefix, self.stop, self.server = port, prefix, stop, server
        self.rng = random.Random(seed)
        self.keep_alive = seed % 2 == 0
        self.latencies: list[float] = []
        self.polls = 0
        self.failures: list[str] = []
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, target: str, expect: tuple[int, ...]) -> bytes:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {} if self.keep_alive else {"Connection": "close"}
        started = time.perf_counter()
        try:
            self.conn.request(method, target, headers=headers)
            resp = self.conn.getresponse()
            body = resp.read()
        except Exception as exc:  # noqa: BLE001 - every failure is recorded
            self.failures.append(f"{method} {target}: {exc!r}")
            self.close()
            return b""
        elapsed = time.perf_counter() - started
        if resp.status not in expect:
            self.failures.append(f"{method} {target}: {resp.status}, expected {expect}")
        if method == "HEAD" and body:
            self.failures.append(f"HEAD {target}: a body")
        if not self.keep_alive or resp.will_close:
            self.close()
        if "__okrsite/poll" not in target:  # a long poll waits on purpose: not a latency
            self.latencies.append(elapsed)
        return body

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def run(self) -> None:
        p = self.prefix
        try:
            while not self.stop.is_set():
                roll = self.rng.random()
                if roll < 0.55:
                    self.request("GET", p + self.rng.choice(PAGES), (200,))
                elif roll < 0.70:
                    self.request("HEAD", p + self.rng.choice(PAGES), (200,))
                elif roll < 0.80:
                    self.request("GET", p + self.rng.choice(MISSING), (404,))
                elif roll < 0.88:
                    self.request("GET", p + self.rng.choice(REDIRECTS), (302,))
                else:  # the live-reload long poll: held until the next build (or poll_seconds)
                    build = self.server.state.build
                    body = self.request("GET", f"{p}__okrsite/poll?build={build}", (200,))
                    self.polls += 1
                    if body:
                        state = json.loads(body)
                        if not state["ok"]:
                            self.failures.append(f"a build failed: {state['diagnostics']}")
        finally:
            self.close()


def test_serve_under_load(tmp_path):
    site = make_site(tmp_path / "site")
    gc.collect()
    threads_before, fds_before = threading.active_count(), open_fds()
    server = Server(site, port=0, out=io.StringIO(), poll_seconds=2.0, debounce=0.05)
    server.start()
    try:
        prefix = server.prefix
        stop = threading.Event()
        edits = []

        def editor():
            n = 0
            while not stop.wait(0.5):
                n += 1
                (site.parent / CHECKIN).write_text(checkin_text(p99=300 + n % 100), encoding="utf-8")
                edits.append(n)

        # warm up: every page once, then measure memory
        warm = Client(server.port, prefix, threading.Event(), 0, server)
        for page in PAGES:
            warm.request("GET", prefix + page, (200,))
        warm.close()
        assert warm.failures == []
        gc.collect()
        rss_start = rss_mb()
        builds_start = server.state.build

        clients = [Client(server.port, prefix, stop, seed, server) for seed in range(1, CLIENTS + 1)]
        edit_thread = threading.Thread(target=editor, daemon=True)
        started = time.perf_counter()
        for c in clients:
            c.start()
        edit_thread.start()
        peak_threads = 0
        rss_samples = []  # one a second
        while time.perf_counter() - started < SECONDS:
            time.sleep(0.1)
            peak_threads = max(peak_threads, threading.active_count())
            if len(rss_samples) < (time.perf_counter() - started):
                rss_samples.append(round(rss_mb(), 1))
        stop.set()
        for c in clients:
            c.join(30)
        edit_thread.join(5)
        elapsed = time.perf_counter() - started
        assert not any(c.is_alive() for c in clients)

        failures = [f for c in clients for f in c.failures]
        assert failures == [], failures[:10]
        builds = server.state.build - builds_start
        assert builds >= max(2, len(edits) // 3), (builds, len(edits))  # the edits were built...
        assert server.state.ok
        # ...the last one too, once the watcher has seen it
        last = str(300 + edits[-1] % 100)
        check = Client(server.port, prefix, threading.Event(), 0, server)
        deadline = time.monotonic() + 10
        while last not in check.request("GET", prefix + OBJECTIVE_URL, (200,)).decode() and time.monotonic() < deadline:
            time.sleep(0.1)
        check.close()
        assert last in check.request("GET", prefix + OBJECTIVE_URL, (200,)).decode() and check.failures == []
        check.close()
        gc.collect()
        rss_end = rss_mb()
    finally:
        server.stop()

    # back to the baseline: every handler thread and socket gone
    deadline = time.monotonic() + 10
    while (threading.active_count() > threads_before or open_fds() > fds_before) and time.monotonic() < deadline:
        time.sleep(0.05)
    threads_after, fds_after = threading.active_count(), open_fds()

    latencies = sorted(x for c in clients for x in c.latencies)
    requests = len(latencies) + sum(c.polls for c in clients)
    figures = {
        "clients": CLIENTS,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "requests_per_second": round(requests / elapsed),
        "long_polls": sum(c.polls for c in clients),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
        "rebuilds": builds,
        "edits": len(edits),
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "threads": [threads_before, peak_threads, threads_after],
        "fds": [fds_before, fds_after],
        "rss_every_second": rss_samples,
    }
    print("\nserve under load:", json.dumps(figures))
    assert threads_after <= threads_before, figures
    assert fds_after <= fds_before, figures
    assert rss_end - rss_start < 60, figures  # flat: rebuilds do not accumulate
