"""The preview's HTTP side: requests in, the files of the served build out.

Serves only the files of the build (a lookup in a dict: nothing on disk is ever opened
from a URL); only GET and HEAD; a ``Host`` that is not this server gets 421 (against DNS
rebinding). HTML responses get the live-reload script, which long-polls
``PREFIX__okrsite/poll?build=N``; ids of teams and objectives start with ``[a-z0-9]``, so
``__okrsite/`` never collides with a page.

The handler talks to the preview only through :class:`Session` (the server in
okrsite/serve/session.py is one): the served :class:`Snapshot`, the latest
:class:`State`, and a wait for the next build.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import mimetypes
import os
import socket
import socketserver
import sys
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote_to_bytes, urlsplit

NAMESPACE = "__okrsite/"
POLL_SECONDS = 25.0
LIVERELOAD_FILE = Path(__file__).with_name("livereload.js")

EXTRA_TYPES = {
    ".html": "text/html",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".pf_meta": "application/octet-stream",
}
TEXT_TYPES = ("text/", "application/json", "application/xml", "image/svg+xml", "application/manifest+json")
ALL_INTERFACES = ("0.0.0.0", "::", "")


class ServeError(Exception):
    """The server cannot start (port busy, cannot bind): the CLI exits with code 2."""


class Files(Protocol):
    """The files of a build, by path relative to the site's root."""

    def __contains__(self, path: str) -> bool: ...

    def get(self, path: str) -> bytes | None: ...


@dataclass(frozen=True)
class State:
    """What the live-reload script is told: the latest build attempt and how it went."""

    build: int  # every build attempt counts, failed or not
    ok: bool
    good: int  # the build being served (0: none yet)
    diagnostics: tuple[str, ...] = ()
    message: str = ""

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "build": self.build,
                "ok": self.ok,
                "good": self.good,
                "diagnostics": list(self.diagnostics),
                "message": self.message,
            }
        ).encode()


@dataclass
class Snapshot:
    """A successful build, served as one unit (swapped by reference)."""

    build: int
    prefix: str
    files: Files


class Session(Protocol):
    """What the handler needs of the preview server."""

    host: str  # as given to --host
    poll_seconds: float  # how long a long poll waits for a build
    snapshot: Snapshot | None  # the build being served (None: none yet)
    state: State  # the latest build attempt

    @property
    def prefix(self) -> str: ...

    def wait_for_change(self, build: int, timeout: float) -> State:
        """The state once its build is not ``build`` (or the server stops, or ``timeout``)."""
        ...

    def search_file(self, path: str) -> bytes | None:
        """A file of the latest search index (``pagefind/...``), None when there is none."""
        ...

    def decorate(self, snap: Snapshot, body: bytes) -> bytes:
        """An HTML page of ``snap`` as served."""
        ...


def inject(body: bytes, tag: bytes) -> bytes:
    """The live-reload script tag, just before the last </body> (or at the end)."""
    i = body.lower().rfind(b"</body")
    if i < 0:
        return body + tag
    return body[:i] + tag + b"\n" + body[i:]


def content_type(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    ctype = EXTRA_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if ctype.startswith(TEXT_TYPES) and "charset" not in ctype:
        ctype += "; charset=utf-8"
    return ctype


def script_tag(prefix: str, build: int) -> bytes:
    return (f'<script src="{prefix}{NAMESPACE}livereload.js" data-build="{build}" defer></script>').encode()


def placeholder(prefix: str, state: State) -> bytes:
    """The page served while there is no good build to serve."""
    if state.build == 0:
        message = "okrsite is building the site; this page reloads by itself when it is ready."
    else:
        message = (
            "The site has errors and could not be built yet. The list of problems is shown "
            "above; this page reloads by itself when they are fixed."
        )
    body = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>okrsite: the site has errors</title>\n</head>\n<body>\n"
        f"<main><h1>okrsite</h1><p>{message}</p></main>\n</body>\n</html>\n"
    ).encode()
    return inject(body, script_tag(prefix, 0))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when a page opens many at
    # once (or many readers do): the browser retries a second later (test_serve_load)
    request_queue_size = 128
    okr: Session

    def server_bind(self):
        # like HTTPServer.server_bind, without its reverse DNS lookup (getfqdn)
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), port

    def handle_error(self, request, client_address):
        # a browser that reloads or closes a tab drops its long poll: not an error
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _IPv6HTTPServer(_HTTPServer):
    address_family = socket.AF_INET6


def make_httpd(host: str, port: int, server: Session) -> ThreadingHTTPServer:
    cls = _IPv6HTTPServer if ":" in host else _HTTPServer
    try:
        httpd = cls((host, port), _Handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} is already in use; try --port {port + 1}") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    httpd.okr = server
    return httpd


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer  # make_httpd serves only _HTTPServer, which carries the Session

    def version_string(self) -> str:
        return "okrsite"

    def log_message(self, format, *args):  # noqa: A002 - quiet: the terminal shows builds
        pass

    # Every method but GET and HEAD: 405 with Allow.
    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def _method_not_allowed(self):
        body = b"405 Method Not Allowed: only GET and HEAD\n"
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        self._serve(head=False)

    def do_HEAD(self):
        self._serve(head=True)

    # ------------------------------------------------------------------ responses
    def _send(self, status: int, body: bytes, ctype: str, head: bool, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _redirect(self, location: str, head: bool) -> None:
        body = f"Moved to {location}\n".encode()
        self._send(HTTPStatus.FOUND, body, "text/plain; charset=utf-8", head, {"Location": location})

    def _not_found(self, head: bool, snap: Snapshot | None) -> None:
        body = None
        if snap is not None:
            try:
                body = snap.files.get("404.html")
            except Exception:  # noqa: BLE001
                body = None
            if body is not None:
                body = inject(body, script_tag(snap.prefix, snap.build))
        if body is None:
            body = b"404 Not Found\n"
            ctype = "text/plain; charset=utf-8"
        else:
            ctype = "text/html; charset=utf-8"
        self._send(HTTPStatus.NOT_FOUND, body, ctype, head)

    def _misdirected(self, head: bool) -> None:
        """421 for a Host this server does not answer to: nothing of the site, no diagnostics."""
        body = b"421 Misdirected Request: open the preview at the address okrsite serve printed\n"
        self.close_connection = True
        self._send(HTTPStatus.MISDIRECTED_REQUEST, body, "text/plain; charset=utf-8", head, {"Connection": "close"})

    # ------------------------------------------------------------------ routing
    def _serve(self, head: bool) -> None:
        okr = self.server.okr
        hosts = self.headers.get_all("Host") or []
        target = self.path
        if target.startswith(("http://", "https://")):  # absolute-form request target
            hosts.append(urlsplit(target).netloc)
            target = urlsplit(target).path or "/"
        if not hosts or not all(host_allowed(h, okr.host) for h in hosts):
            return self._misdirected(head)
        snap = okr.snapshot
        prefix = snap.prefix if snap is not None else okr.prefix
        raw_path, _, query = target.partition("?")
        raw_path = raw_path.partition("#")[0]
        decoded = safe_path(raw_path)
        if decoded is None:
            return self._not_found(head, snap)
        # the site's root without its trailing slash, or the server's root: redirect
        if prefix != "/" and decoded in ("/", prefix[:-1]):
            return self._redirect(prefix, head)
        if not decoded.startswith(prefix):
            return self._not_found(head, snap)
        rel = decoded[len(prefix) :]
        if rel.startswith(NAMESPACE):
            return self._internal(rel[len(NAMESPACE) :], query, head)
        if snap is None:
            return self._send(
                HTTPStatus.SERVICE_UNAVAILABLE,
                placeholder(prefix, okr.state),
                "text/html; charset=utf-8",
                head,
                {"Retry-After": "1"},
            )
        files = snap.files
        key = rel + "index.html" if rel == "" or rel.endswith("/") else rel
        if key not in files and key.startswith("pagefind/"):
            data = okr.search_file(key)
            if data is not None:
                return self._send(HTTPStatus.OK, data, content_type(key), head)
        if key not in files:
            if (rel + "/index.html") in files:
                location = raw_path + "/" + (f"?{query}" if query else "")
                return self._redirect(location, head)
            return self._not_found(head, snap)
        try:
            body = files.get(key)
        except Exception:  # noqa: BLE001 - reported by LazyFiles.on_error
            body = placeholder(prefix, okr.state)
            return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, body, "text/html; charset=utf-8", head)
        if body is None:
            return self._not_found(head, snap)
        ctype = content_type(key)
        if ctype.startswith("text/html"):
            body = okr.decorate(snap, body)
        self._send(HTTPStatus.OK, body, ctype, head)

    def _internal(self, name: str, query: str, head: bool) -> None:
        okr = self.server.okr
        if name == "livereload.js":
            body = LIVERELOAD_FILE.read_bytes()
            return self._send(HTTPStatus.OK, body, "text/javascript; charset=utf-8", head)
        if name in ("poll", "state"):
            state = okr.state
            params = parse_qs(query)
            try:
                known = int(params.get("build", [""])[0])
            except ValueError:
                known = None
            if name == "poll" and known is not None and not head:
                state = okr.wait_for_change(known, okr.poll_seconds)
            return self._send(HTTPStatus.OK, state.to_json(), "application/json; charset=utf-8", head)
        return self._not_found(head, okr.snapshot)


def host_allowed(host: str, listening: str) -> bool:
    """Whether a request's ``Host`` names this server, which listens on ``listening``
    (``--host``): against DNS rebinding, where a page of another site reaches the preview
    under the other site's name. Allowed: IP addresses (they cannot be rebound),
    ``localhost`` and ``*.localhost`` (browsers resolve them to this machine themselves),
    the name given to ``--host``, and, when listening on every interface, this machine's
    name. The port is not compared: an SSH tunnel or a container's port mapping changes it."""
    host = host.strip().lower()
    if host.startswith("["):
        name, bracket, port = host[1:].partition("]")
        if not bracket:
            return False
        port = port[1:] if port.startswith(":") else port if not port else "x"
    else:
        name, _, port = host.partition(":")
    if port and not port.isdigit():
        return False
    name = name.rstrip(".")
    if not name:
        return False
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    if name == listening.strip("[]").lower().rstrip("."):
        return True
    machine = socket.gethostname().lower()
    return listening in ALL_INTERFACES and name in (machine, machine.partition(".")[0], machine + ".local")


def safe_path(raw: str) -> str | None:
    """The decoded path of a request, or None when it is anything but a plain path
    inside the site: traversal (``..``, ``.``), encoded slashes or backslashes,
    backslashes, NUL and control characters, double encoding, invalid UTF-8."""
    if not raw.startswith("/"):
        return None
    lowered = raw.lower()
    if "\\" in raw or "%2f" in lowered or "%5c" in lowered or "%00" in lowered or "%25" in lowered:
        return None
    try:
        decoded = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 0x20 or ch == "\x7f" or ch == "\\" for ch in decoded) or "%" in decoded:
        return None
    segments = decoded.split("/")[1:]
    for i, seg in enumerate(segments):
        if seg in (".", ".."):
            return None
        if seg == "" and i != len(segments) - 1:
            return None  # '//' : not a path of the site
    return decoded
