"""Markdown bodies -> safe HTML.

markdown-it-py renders CommonMark plus tables, strikethrough and task lists. Raw HTML in
bodies is escaped unless ``markdown.allow_html`` is true; either way the result goes
through nh3 (a whitelist HTML sanitiser), so no script, event handler, ``javascript:``
or ``data:`` link, inline style or form survives whatever a team writes."""

from __future__ import annotations

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


class Markdown:
    """A Markdown renderer for one build (parsers are reused across files)."""

    def __init__(self, allow_html: bool = False):
        self.allow_html = allow_html
        self._md = _parser(allow_html)

    def render(self, text: str) -> str:
        if not text.strip():
            return ""
        html = self._md.render(text)
        return sanitise(html)


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=SAFE_SCHEMES,
        link_rel="noopener noreferrer",
        attribute_filter=_local_images,
    )


def _local_images(tag: str, attribute: str, value: str) -> str | None:
    """Images only from the site itself: no request may leave the site."""
    if tag == "img" and attribute == "src" and (":" in value.split("/", 1)[0] or value.startswith("//")):
        return None
    return value


def safe_link(url: str) -> bool:
    """Whether a link taken from front matter (an initiative's ``link``) may be an href:
    http(s), mailto or a relative link; never javascript:, data: and the like."""
    text = url.strip()
    head = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if ":" not in head:
        return not any(ord(c) < 32 for c in text)
    scheme = head.split(":", 1)[0].lower()
    return scheme in SAFE_SCHEMES
