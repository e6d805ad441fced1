"""Reusable link checker for a rendered site.

``check_links(files)`` takes ``{output-relative path: bytes}`` (what ``render_site``
returns, plus static files, or ``read_output(folder)`` of a built site) and returns a
list of problems, one string per broken link; an empty list means every internal
``href``/``src`` resolves to an existing file, and every ``#fragment`` to an element
with that ``id`` in the target page.

Relative links are joined with the page's folder; a link ending in ``/`` (or ``./``,
``../``) means that folder's ``index.html``, like a plain static file server.
Absolute paths (``/okrs/teams/``) must start with ``base_url`` (pages served at any
depth, like ``404.html``, use them). External links (``https:``, ``mailto:``, ...) are
not followed; ``javascript:`` links are reported.
"""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRS = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "img": ("src",),
    "script": ("src",),
    "source": ("src",),
    "iframe": ("src",),
    "form": ("action",),
}
EXTERNAL_SCHEMES = {"http", "https", "mailto", "tel", "ftp", "data"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (tag, url)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if d.get("id"):
            self.ids.add(d["id"])
        if tag == "a" and d.get("name"):
            self.ids.add(d["name"])
        for attr in LINK_ATTRS.get(tag, ()):
            value = d.get(attr)
            if value is not None:
                self.links.append((tag, value))

    handle_startendtag = handle_starttag


def parse_page(data: bytes) -> _Collector:
    c = _Collector()
    c.feed(data.decode("utf-8"))
    c.close()
    return c


def read_output(folder: str | Path) -> dict[str, bytes]:
    """Every file under a built site's folder, output-relative posix path -> bytes."""
    root = Path(folder)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _normalise_base(base_url: str) -> str:
    base = "/" + (base_url or "/").strip("/")
    return base.rstrip("/") + "/"


def resolve_link(page: str, href: str, files: dict[str, bytes], base_url: str = "/") -> tuple[str | None, str, str]:
    """(target file or None, fragment, problem) for one link on one page. A None target
    with no problem means the link is external and not checked."""
    href = href.strip()
    parts = urlsplit(href)
    if parts.scheme:
        if parts.scheme.lower() in EXTERNAL_SCHEMES:
            return None, "", ""
        return None, "", f"unsafe or unknown scheme {parts.scheme!r}"
    if href.startswith("//"):
        return None, "", ""
    path = unquote(parts.path)
    fragment = unquote(parts.fragment)
    if not path:  # "#frag" or "" (this page)
        return page, fragment, ""
    if path.startswith("/"):
        base = _normalise_base(base_url)
        if not path.startswith(base) and path + "/" != base:
            return None, "", f"absolute link outside base_url {base!r}"
        rel = path[len(base) :] if path.startswith(base) else ""
        joined = rel
        trailing = path.endswith("/")
    else:
        joined = posixpath.join(posixpath.dirname(page), path)
        trailing = path.endswith("/") or path in (".", "..") or path.endswith("/.") or path.endswith("/..")
    norm = posixpath.normpath(joined) if joined else "."
    if norm == ".." or norm.startswith("../") or norm.startswith("/"):
        return None, "", "link leaves the site root"
    if norm == ".":
        norm = ""
    if trailing or norm == "":
        target = (norm + "/" if norm else "") + "index.html"
    else:
        target = norm
        if target not in files and target + "/index.html" in files:
            target = target + "/index.html"
    if target not in files:
        return None, fragment, f"no such file {target!r}"
    return target, fragment, ""


def check_links(files: dict[str, bytes], base_url: str = "/") -> list[str]:
    """Every broken internal link of every HTML page, as 'page: href: problem'."""
    problems: list[str] = []
    parsed: dict[str, _Collector] = {}

    def page_info(path: str) -> _Collector:
        if path not in parsed:
            parsed[path] = parse_page(files[path])
        return parsed[path]

    for page in sorted(files):
        if not page.endswith(".html"):
            continue
        info = page_info(page)
        for tag, href in info.links:
            target, fragment, problem = resolve_link(page, href, files, base_url)
            if problem:
                problems.append(f"{page}: {href}: {problem}")
                continue
            if target is None or not fragment:
                continue
            if target.endswith(".html") and fragment not in page_info(target).ids:
                problems.append(f"{page}: {href}: no element with id {fragment!r} in {target}")
    return problems


def reachable(files: dict[str, bytes], start: str = "index.html", base_url: str = "/") -> set[str]:
    """HTML pages reachable by following links from ``start``."""
    seen = {start}
    todo = [start]
    while todo:
        page = todo.pop()
        for _tag, href in parse_page(files[page]).links:
            target, _frag, problem = resolve_link(page, href, files, base_url)
            if problem or target is None or not target.endswith(".html") or target in seen:
                continue
            seen.add(target)
            todo.append(target)
    return seen
