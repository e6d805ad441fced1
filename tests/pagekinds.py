"""The type of every page of a built site, by its path: one classifier for the tests
that check each type of page (test_sample_site, test_accessibility, test_wide_pages).
The pages of a paginated list (``.../page/N/``, okrsite.site.summary) are of the list's type.
A page of no known type is an error, so a new type of page cannot go unchecked."""

from __future__ import annotations

import re

# the lists okrsite.site.summary paginates: their first page's folder
PAGED = re.compile(
    r"^(people/|teams/|periods/[^/]+/groups/[^/]+/|periods/[^/]+/alignment-teams/|this-week/[^/]+/)"
    r"page/\d+/index\.html$"
)
TEAM_PAGES = ("teams", "team", "team-period", "objective", "checkin")  # by depth under teams/


def page_kind(path: str) -> str:
    """The type of the page at ``path`` (relative to the site's root, ``.../index.html``)."""
    if path == "404.html":
        return "404"
    first = PAGED.match(path)
    folders = (first.group(1) if first else path.removesuffix("index.html")).strip("/")
    parts = folders.split("/") if folders else []
    n = len(parts)
    kind = None
    if not parts:
        kind = "home"
    elif parts[0] == "periods":
        if n <= 2:
            kind = ("periods", "period")[n - 1]
        else:
            kind = {
                ("glance", 3): "glance",
                ("groups", 4): "group",
                ("alignment", 3): "alignment",
                ("alignment", 4): "alignment-team",
                ("alignment-teams", 3): "alignment-teams",
            }.get((parts[2], n))
    elif parts[0] == "this-week" and n <= 2:
        kind = ("this-week", "list")[n - 1]
    elif parts[0] == "people" and n <= 2:
        kind = ("people", "person")[n - 1]
    elif parts[0] == "teams" and n <= len(TEAM_PAGES):
        kind = TEAM_PAGES[n - 1]
    elif parts == ["search"]:
        kind = "search"
    if kind is None or not path.endswith("index.html"):
        raise ValueError(f"{path}: a page of no known type (add it to tests/pagekinds.py)")
    return kind


def page_kinds(files) -> dict[str, list[str]]:
    """Every HTML page of ``files`` (output paths) by type."""
    kinds: dict[str, list[str]] = {}
    for path in files:
        if path.endswith(".html"):
            kinds.setdefault(page_kind(path), []).append(path)
    return kinds
