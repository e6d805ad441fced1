"""``okrsite serve`` on the command line: start the preview, stop it on Ctrl-C or
SIGTERM, and the exit code. The preview itself is :class:`okrsite.serve.session.Server`."""

from __future__ import annotations

import signal
import sys
import threading
import traceback
import webbrowser
from datetime import date
from pathlib import Path
from typing import TextIO

from .http import ALL_INTERFACES, ServeError
from .session import Server


def run(
    config_path: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    as_of: date | None = None,
    poll: bool = False,
    open_browser: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``okrsite serve``: returns the exit code (0 after Ctrl-C, 2 when it cannot start)."""
    out = out or sys.stdout
    err = err or sys.stderr
    if not Path(config_path).is_file():
        print(
            f"{config_path}:1: error: no okrsite.yaml here: run okrsite in your site's folder or pass --config FILE",
            file=err,
        )
        return 2
    server = Server(config_path, host=host, port=port, as_of=as_of, poll=poll, out=out)
    try:
        server.bind()
    except ServeError as exc:
        print(f"okrsite: error: {exc}", file=err)
        return 2

    # Ctrl-C and SIGTERM set a flag that the main thread waits on, so a stop never lands
    # as a KeyboardInterrupt in the middle of a build or of thread start-up. The server
    # starts (and makes its first build) in a thread of its own, so Ctrl-C works at once
    # even during a long first build. A SIGINT that was ignored when we started (a
    # background job) stays ignored.
    stop_requested = threading.Event()
    previous = {}

    def on_signal(signum, frame):
        stop_requested.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                previous[sig] = signal.signal(sig, on_signal)
        except (ValueError, OSError):  # not the main thread
            pass

    def announce():
        if host in ALL_INTERFACES:
            print(
                "okrsite: warning: serving on all network interfaces: anyone who can reach this "
                "machine can read the site (use --host 127.0.0.1 to keep it local)",
                file=err,
                flush=True,
            )
        print(f"Serving {server.url} (Ctrl-C to stop)", file=out, flush=True)

    crashed: list[str] = []

    def starter():
        try:
            server.start(announce=announce)
        except Exception:  # noqa: BLE001 - a bug: say so and stop
            crashed.append(traceback.format_exc())
            stop_requested.set()
            return
        if open_browser:
            webbrowser.open(server.url)

    threading.Thread(target=starter, name="okrsite-start", daemon=True).start()
    try:
        while not stop_requested.wait(1.0):
            pass
        server.stop()
    finally:
        for sig, handler in previous.items():
            try:
                signal.signal(sig, handler)
            except (ValueError, OSError, TypeError):
                pass
    if crashed:
        print(crashed[0], file=err, end="")
        return 1
    print("okrsite: stopped", file=out, flush=True)
    return 0
