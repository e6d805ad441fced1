"""Markdown bodies -> safe HTML.

markdown-it-py, the one renderer, writes CommonMark plus tables, strikethrough and task
lists (docs/decisions.md says why no faster engine replaces it). Raw HTML in bodies is
escaped unless ``markdown.allow_html`` is true; either way the result goes through nh3
(a whitelist HTML sanitiser), so no script, event handler, ``javascript:`` or ``data:``
link, inline style or form survives whatever a team writes."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

SAFE_SCHEMES = {"http", "https", "mailto"}
# nh3's default whitelist, minus what could restyle or embed the page
_TAGS = (set(nh3.ALLOWED_TAGS) - {"map", "area"}) | {"input"}
_ATTRIBUTES = {k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES.setdefault("input", set()).update({"type", "checked", "disabled"})
_ATTRIBUTES.setdefault("li", set()).add("class")
_ATTRIBUTES.setdefault("ul", set()).add("class")


def _parser(allow_html: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(tasklists_plugin)
    return md


# Raw HTML nested deeper than this is shown as text: the sanitiser's HTML parser takes
# time growing with the square of the nesting (100,000 nested <div>s: minutes).
MAX_HTML_DEPTH = 100
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
# elements that never nest (void) or close by themselves (optional end tags)
_FLAT = frozenset(
    """area base br col embed hr img input link meta source track wbr p li dt dd option optgroup
    tr td th thead tbody tfoot colgroup rp rt""".split()
)


def html_depth(text: str) -> int:
    """How deeply the raw HTML tags in ``text`` nest (an upper bound: every open tag of
    an element that nests counts until its end tag)."""
    depth = deepest = 0
    open_by_name: dict[str, int] = {}
    for m in _TAG.finditer(text):
        name = m[2].lower()
        if name in _FLAT:
            continue
        if m[1]:
            if open_by_name.get(name):  # an end tag closes only an element of its name
                open_by_name[name] -= 1
                depth -= 1
        else:
            open_by_name[name] = open_by_name.get(name, 0) + 1
            depth += 1
            if depth > deepest:
                deepest = depth
    return deepest


def html_too_deep(text: str, allow_html: bool) -> str:
    """The warning for a body whose raw HTML nests too deeply to be kept, or ''."""
    if not allow_html or "<" not in text or html_depth(text) <= MAX_HTML_DEPTH:
        return ""
    return f"raw HTML nested more than {MAX_HTML_DEPTH} levels deep: the body's HTML is shown as text"


class Markdown:
    """A Markdown renderer for one build (parsers are reused across files)."""

    def __init__(self, allow_html: bool = False):
        self.allow_html = allow_html
        self._md = _parser(allow_html)
        self._escaping = _parser(False) if allow_html else self._md

    def render(self, text: str) -> str:
        if not text.strip():
            return ""
        md = self._escaping if html_too_deep(text, self.allow_html) else self._md
        return sanitise(md.render(text))


def sanitise(html: str) -> str:
    return _CLEANER.clean(html)


def _local_images(tag: str, attribute: str, value: str) -> str | None:
    """Images only from the site itself: no request may leave the site."""
    if tag == "img" and attribute == "src" and (":" in value.split("/", 1)[0] or value.startswith("//")):
        return None
    return value


# built once: nh3.clean would convert the whitelists for every body
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    url_schemes=SAFE_SCHEMES,
    link_rel="noopener noreferrer",
    attribute_filter=_local_images,
)


def safe_link(url: str | None) -> str | None:
    """The href a link taken from front matter (an initiative's ``link``) may have: the
    link, trimmed, when it is http(s), mailto or relative (``/wiki/plan``, ``plan.html``);
    None when it is empty or anything else (``javascript:``, ``data:``, ``vbscript:``,
    control characters). The one rule for such links: the loader reports what it
    refuses, and the pages link what it keeps."""
    text = (url or "").strip()
    if not text:
        return None
    head = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if ":" not in head:
        return None if any(ord(c) < 32 for c in text) else text
    scheme = head.split(":", 1)[0].lower()
    return text if scheme in SAFE_SCHEMES else None
