"""Links on a page: URLs relative to the page (or absolute under ``base_url``), and the
per-page helpers templates call (links to a person and a team, the breadcrumb trail,
alignment trees).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable
from urllib.parse import quote

from markupsafe import Markup, escape

from ..core import urls
from .formatting import fmt_percent
from .jinja_compat import escape_text
from .snippets import html_status
from .trees import TreeNode
from .views import SiteView

_CURRENT = ' aria-current="page"'  # the breadcrumb of the page itself


@lru_cache(maxsize=262144)  # pure; a site links to the same targets from many pages
def _url_quote(target: str) -> str:
    """Percent-encode a link. Page URLs end in '/' (or '.html'), so a '#' followed by
    no '/' starts the fragment; any other '#' (or '?') is part of a name."""
    path, sep, frag = target.rpartition("#")
    if not sep or "/" in frag:
        return quote(target, safe="/-._~!$&'()*+,;=@")
    return quote(path, safe="/-._~!$&'()*+,;=@") + "#" + quote(frag, safe="-._~!$&'()*+,;=:@")


def relative_url(page_url: str) -> Callable[[str], str]:
    """The page's ``url``: a root-relative target as a link relative to ``page_url``."""
    prefix = urls.relative(page_url, "")  # '../' per level: a link climbs to the root
    if prefix == "./":
        prefix = ""

    def url(target: str) -> str:
        # == _url_quote(urls.relative(page_url, target)): '../' needs no quoting
        return prefix + _url_quote(target) if prefix or target else "./"

    return url


def absolute_url(base_url: str) -> Callable[[str], str]:
    """``url`` for a page served from anywhere (the 404 page): links absolute under ``base_url``."""
    base = "/" + (base_url or "/").strip("/")
    base = base.rstrip("/") + "/"

    def url(target: str) -> str:
        return _url_quote(base + target)

    return url


def _tree_node(node: TreeNode, period_id: str, out: list[str], label: Callable[[TreeNode, str], str]) -> None:
    """One node of an alignment tree into ``out`` (see ``tree_nodes``), ``label`` the
    page's ``tree_label``. A module function, not one more per-page helper: a helper
    that calls itself is a reference cycle, left for the garbage collector on every page."""
    # the label (with its link) stays outside the <summary>: interactive content
    # must not be nested in it
    out.append(
        f'<li class="tree-{"objective" if node.kind == "objective" else "kr"}" '
        f'data-team="{escape_text(node.objective.team)}">\n'
        f'<div class="tree-label">{label(node, period_id)}</div>\n'
    )
    kids = node.own_krs + node.aligned
    if kids and not node.repeat:
        nk, na = len(node.own_krs), len(node.aligned)
        summary = (
            (f"{nk} key result{'s' if nk != 1 else ''}" if nk else "")
            + (", " if nk and na else "")
            + (f"{na} aligned" if na else "")
        )
        out.append(f'<details open>\n<summary>{summary}</summary>\n<ul class="tree">\n')
        for child in kids:
            _tree_node(child, period_id, out, label)
        out.append("</ul>\n</details>\n")
    out.append("</li>")


def link_helpers(v: SiteView, url: Callable[[str], str]) -> dict[str, Callable[..., Markup]]:
    """Per-page helpers that need the page's ``url``: links to a person and a team."""

    def person_link(name: str | None) -> Markup:
        p = v.person(name)
        if p is not None:
            return Markup(f'<a class="person" href="{escape_text(url(p.url))}">{escape_text(p.name)}</a>')
        if name:
            return escape(name)
        return Markup('<span class="muted">—</span>')

    def team_link(team_id: str | None) -> Markup:
        t = v.team(team_id)
        if t is not None:
            return Markup(f'<a href="{escape_text(url(urls.team(t.id)))}">{escape_text(t.name)}</a>')
        return escape(team_id or "")

    def breadcrumb_nav(items: Any) -> Markup:
        """The breadcrumb trail: (label, target) pairs, the page itself last. The
        ``breadcrumbs`` macro calls it too; a template that needs no other macro calls it
        directly and skips importing macros.html, which Jinja does again for every page
        (a quarter of a check-in page's time)."""
        items = list(items)
        last = len(items) - 1
        lis = "".join(
            f'<li><a href="{escape_text(url(target))}"{_CURRENT if i == last else ""}>{escape_text(label)}</a></li>'
            for i, (label, target) in enumerate(items)
        )
        return Markup(f'<nav class="breadcrumbs wrap" aria-label="Breadcrumb">\n  <ol>\n{lis}  </ol>\n</nav>')

    def tree_label(node: TreeNode, period_id: str) -> str:
        it, info = node.item, node.info
        parts = []
        if not node.own:
            if node.kind == "key result":
                parts.append(f"key result of “{escape_text(node.objective.title)}”")
            parts.append(escape_text(info.team_name))
            if info.period != period_id:
                parts.append(escape_text(info.period_label))
        if it.status != "graded" and it.progress is not None:
            parts.append(f"{escape_text(fmt_percent(it.progress))} progress")
        if it.owner:
            parts.append(f"owner {person_link(it.owner)}")
        kind = '<span class="kind">KR</span> ' if node.kind == "key result" else ""
        meta = f' <span class="meta">{" · ".join(parts)}</span>' if parts else ""
        repeat = ' <span class="muted">(shown above)</span>' if node.repeat else ""
        if node.more:
            team = node.objective.team
            repeat += (
                f' <a class="tree-more" href="{escape_text(url(urls.alignment_team(period_id, team)))}">'
                f"{node.more} more aligned: focus on {escape_text(info.team_name)}</a>"
            )
        return (
            f'{html_status(it)} {kind}<a href="{escape_text(url(info.url))}">{escape_text(info.title)}</a>'
            f"{meta}{repeat}"
        )

    def tree_nodes(nodes: Any, period_id: str) -> Markup:
        """Alignment trees (alignment.html), each node an ``<li>`` with its label and,
        unless shown above, what is under it. Made here rather than with a recursive
        macro: a focused alignment page has dozens of nodes, and a big site thousands
        of such pages. ``period_id``: the page's period (other periods are named)."""
        out: list[str] = []
        for node in nodes:
            _tree_node(node, period_id, out, tree_label)
        return Markup("".join(out))

    return {
        "person_link": person_link,
        "team_link": team_link,
        "breadcrumb_nav": breadcrumb_nav,
        "tree_nodes": tree_nodes,
    }
