"""Markdown bodies -> safe HTML.

markdown-it-py renders CommonMark plus tables, strikethrough and task lists; bodies in
its plain subset are written by ``plain_html`` instead, exactly as markdown-it would
write them. Raw HTML in bodies is escaped unless ``markdown.allow_html`` is true; either
way the result goes through nh3 (a whitelist HTML sanitiser), so no script, event
handler, ``javascript:`` or ``data:`` link, inline style or form survives whatever a
team writes."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
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
_FLAT = frozenset("""area base br col embed hr img input link meta source track wbr p li dt dd option optgroup
    tr td th thead tbody tfoot colgroup rp rt""".split())


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
        # markdown-it's own link rules (pure: the same for both parsers); a site links to
        # the same few boards and documents from many check-ins
        self._href = lru_cache(maxsize=4096)(self._md.normalizeLink)
        self._valid = self._md.validateLink

    def render(self, text: str) -> str:
        if not text.strip():
            return ""
        html = plain_html(text, self._href, self._valid)
        if html is None:
            md = self._escaping if html_too_deep(text, self.allow_html) else self._md
            html = md.render(text)
        return sanitise(html)


# --------------------------------------------------------------------------- the plain subset
#
# Most bodies are headings, paragraphs, bullet lists, links and code spans, and nothing
# else. For those, plain_html writes what markdown-it writes, character for character,
# in a fraction of the time markdown-it takes,
# and gives up (None) on anything else, which markdown-it then renders: so a body
# renders the same whichever way it goes. tests/test_markdown.py compares both on every body it
# takes, on the sample, both real OKR sets, synthetic organisations, and random and
# mutated bodies.

# anywhere: tabs and other controls, and the line breaks other than \n that Python's str
# methods would split or strip
_REFUSED = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029]")
# in text and link labels (not in code spans): what could open emphasis, strikethrough,
# a table cell, raw HTML or an autolink, an escape, or an image (an underscore between
# two letters or digits, as in snake_case, can neither open nor close emphasis)
_REFUSED_INLINE = re.compile(r"[\\*<~|]|!\[|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# an inline link with a plain label and destination (no title, no nesting), or a code
# span of one backtick on each side, not touching another backtick and not padded
_INLINE = re.compile(r"\[([^\[\]`\n]+)\]\(([^\s()<>\[\]\\\"'`]+)\)"
                     r"|(?<!`)`([^`\s](?:[^`\n]*[^`\s])?)`(?!`)")
_NOT_TEXT = re.compile(r"[\[\]`&]")  # between links and code spans: no brackets, backticks or entities
_ORDERED = re.compile(r"\d{1,9}[.)]")  # a line starting like this could open an ordered list
_HEADING = re.compile(r"(#{1,6}) ([^#\s][^#]*)\Z")  # no closing #s, no padding
_FENCE = re.compile(r"```([A-Za-z0-9_-]*)\Z")  # a code block's opening line: a plain language name or none


def _starts_text(line: str) -> bool:
    """Whether a line's first characters can open nothing but a paragraph (or are the
    text of a list item)."""
    c = line[0]
    if c.isalnum():
        return not _ORDERED.match(line)
    return c in "([\"'" or (c == "`" and line[1:2] != "`")


def _text(text: str) -> str | None:
    """Text that is only text, escaped as markdown-it escapes it; None otherwise."""
    if _NOT_TEXT.search(text) or _REFUSED_INLINE.search(text):
        return None
    return escapeHtml(text)


def _inline(text: str, href: Callable[[str], str], valid: Callable[[str], bool]) -> str | None:
    parts = []
    pos = 0
    for m in _INLINE.finditer(text):
        between = _text(text[pos:m.start()])
        if between is None:
            return None
        parts.append(between)
        if m.group(1) is not None:
            label = _text(m.group(1))
            link = href(unescapeAll(m.group(2)))  # what markdown-it's link rule does
            if label is None or text[m.start() - 1:m.start()] == "!" or not valid(link):
                return None  # an image; or a link markdown-it shows as text
            parts.append(f'<a href="{escapeHtml(link)}">{label}</a>')
        else:
            parts.append(f"<code>{escapeHtml(m.group(3))}</code>")  # as it is, backslashes and all
        pos = m.end()
    rest = _text(text[pos:])
    if rest is None:
        return None
    parts.append(rest)
    return "".join(parts)


def plain_html(text: str, href: Callable[[str], str], valid: Callable[[str], bool]) -> str | None:
    """markdown-it's HTML for a body made only of ATX headings, paragraphs, tight
    bullet lists (``- `` items of one line) and code blocks fenced by three backticks,
    separated by blank lines (a list may follow a paragraph, a heading may follow
    anything), whose lines start with a letter, digit, quote or bracket, with text,
    inline links and code spans; None for anything else. ``href`` and ``valid``: the
    parser's ``normalizeLink`` and ``validateLink``."""
    if _REFUSED.search(text):
        return None
    out: list[str] = []
    para: list[str] = []
    items: list[str] | None = None  # the open list's items
    after_list = False  # a list ended, and only blank lines followed it
    code: list[str] | None = None  # the open code block's lines
    language = ""

    def close() -> None:
        nonlocal items, after_list
        if para:
            out.append("<p>" + "\n".join(para) + "</p>\n")
            para.clear()
        if items is not None:
            out.append("<ul>\n" + "".join(f"<li>{item}</li>\n" for item in items) + "</ul>\n")
            items = None
            after_list = True

    for line in text.split("\n"):
        if code is not None:
            if line == "```":
                html = escapeHtml("".join(c + "\n" for c in code))
                attrs = f' class="language-{escapeHtml(language)}"' if language else ""
                out.append(f"<pre><code{attrs}>{html}</code></pre>\n")
                code = None
            elif line.lstrip(" ").startswith("```"):
                return None  # a longer or indented closing fence, or one with words
            else:
                code.append(line)
            continue
        if not line:
            close()
            continue
        if line[0].isspace() or line[-1].isspace():
            return None  # indentation, hard breaks and what str.strip would take
        if line.startswith("```"):
            m = _FENCE.match(line)
            if m is None or para or items is not None:
                return None  # a code block here only after a blank line, a heading or another block
            after_list = False
            language = m.group(1)
            code = []
        elif line[0] == "#":
            m = _HEADING.match(line)
            html = _inline(m.group(2), href, valid) if m else None
            if html is None:
                return None
            close()
            after_list = False
            level = len(m.group(1))
            out.append(f"<h{level}>{html}</h{level}>\n")
        elif line[0] == "-":
            if line[1:2] != " " or not _starts_text(line[2:]) or after_list:
                return None  # after a blank line, an item would continue the last list (loose)
            html = _inline(line[2:], href, valid)
            if html is None:
                return None
            if items is None:
                close()  # a list may interrupt a paragraph
                items = []
            items.append(html)
        elif _starts_text(line):
            if items is not None:
                return None  # the lazy continuation of a list item
            html = _inline(line, href, valid)
            if html is None:
                return None
            after_list = False
            para.append(html)
        else:
            return None
    if code is not None:
        return None  # a code block left open runs to the end
    close()
    return "".join(out)


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
