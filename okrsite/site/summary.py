"""Wide pages that stay small at any size of organisation (issue 28).

A page that lists the whole organisation (a period, its glance, its alignment, this
week, the people index) shows everything while the organisation is small, and a
summary with drill-down once it passes a size: the sizes are the constants below, in
this one place (docs/decisions.md, "Wide pages: summaries above a size"). Below them
the pages are what they always were.

- A period page and its glance page with more than ``PERIOD_TEAMS_MAX`` teams with
  objectives: counts and a heat map by top-level group (the children of the root
  team), each linking to the group's page for the period (``urls.group``), which lists
  ``GROUP_TEAMS_PER_PAGE`` teams a page.
- A period's alignment with more than ``ALIGNMENT_TEAMS_MAX`` teams: every tree cut
  ``ALIGNMENT_LEVELS`` levels of aligned work below its top (or below the focused
  team's own items); a cut node says how much is aligned to it and links to the
  focused tree of its team, so every team is a few clicks away.
- The lists of "This week" and the home page's "Waiting for a check-in": the first
  ``LIST_MAX`` items, and a link to the complete list, ``LIST_PAGE_SIZE`` a page.
- The people index: ``PEOPLE_PAGE_SIZE`` people a page.
- The teams index (the organisation chart): ``TEAMS_PAGE_SIZE`` teams a page, each page
  the part of the chart its teams make in organisation order; a team whose parent is on
  an earlier page names it.
- A cut alignment's summary links an index of every team with a focused tree
  (``urls.alignment_teams``), ``ALIGNMENT_TEAMS_PAGE_SIZE`` teams a page, so a team found
  only in the chains or objectives the summary leaves out is two clicks away.

Pure: functions over a ``SiteView``, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..core import urls
from .trees import TreeNode, tree_teams

PERIOD_TEAMS_MAX = 30  # teams with objectives shown in full on a period page and its glance
GROUP_TEAMS_PER_PAGE = 10  # teams on one page of a group's objectives
ALIGNMENT_TEAMS_MAX = 30  # teams in a period's alignment shown as whole trees
ALIGNMENT_LEVELS = 1  # levels of aligned work shown below a cut tree's top
LIST_MAX = 20  # items of a list on "This week" or the home page before "All N ..."
LIST_PAGE_SIZE = 50  # items on one page of a complete list
PEOPLE_PAGE_SIZE = 500  # people on one page of the people index
ALIGNMENT_TEAMS_PAGE_SIZE = 500  # teams on one page of a cut alignment's index of teams
TEAMS_PAGE_SIZE = 500  # teams on one page of the teams index (the organisation chart)
SEARCH_TEAMS_MAX = 50  # teams listed in the search page's team filter; above, fetched when it is used


def paged(url: str, n: int) -> str:
    """The URL of page ``n`` (from 1) of a list whose first page is ``url``."""
    return url if n == 1 else f"{url}page/{n}/"


def paged_title(title: str, n: int) -> str:
    """The title of page ``n`` (from 1) of a list titled ``title``."""
    return title if n == 1 else f"{title}, page {n}"


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    """``items`` in pages of ``size``; one empty page for no items."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)] or [[]]


@dataclass
class Pager:
    """Where a page is in a list of pages: its number and every page's (URL, label)."""

    number: int
    pages: list[tuple[str, str]]

    @property
    def many(self) -> bool:
        return len(self.pages) > 1


# --------------------------------------------------------------------------- periods


def period_teams(v: Any, period_id: str) -> list[str]:
    """The teams with objectives in the period, in organisation order."""
    return [t for t in v.team_order if v.objectives(t, period_id)]


def period_summarised(v: Any, period_id: str) -> bool:
    """Whether the period's page and glance show groups rather than every team."""
    return len(period_teams(v, period_id)) > PERIOD_TEAMS_MAX


def top_groups(v: Any) -> list[str]:
    """The top-level groups: the children of each root team; a root without children
    is a group of its own. Organisation order."""
    out: list[str] = []
    for r in v.roots:
        out.extend(v.children[r] or [r])
    return out


def subtree(v: Any, team_id: str) -> list[str]:
    """The team and every team below it, in organisation order (a contiguous run of
    ``team_order``, which is depth first)."""
    order = v.team_order
    start = v.org_pos(team_id)
    depth = v.depth.get(team_id, 0)
    end = start + 1
    while end < len(order) and v.depth.get(order[end], 0) > depth:
        end += 1
    return order[start:end]


def group_pages(v: Any, period_id: str, group_id: str) -> list[list[str]]:
    """The group's teams with objectives in the period, a page each list."""
    teams = [t for t in subtree(v, group_id) if v.objectives(t, period_id)]
    return chunks(teams, GROUP_TEAMS_PER_PAGE) if teams else []


def group_pager(v: Any, period_id: str, group_id: str, number: int) -> Pager:
    base = urls.group(period_id, group_id)
    pages = group_pages(v, period_id, group_id)
    return Pager(number, [(paged(base, i), _range_label(v, teams)) for i, teams in enumerate(pages, 1)])


def _range_label(v: Any, teams: list[str]) -> str:
    first, last = v.team_name(teams[0]), v.team_name(teams[-1])
    return first if first == last else f"{first} to {last}"


def group_counts(v: Any, period_id: str, group_id: str) -> dict[str, int]:
    """Colour counts of the objectives of every team of the group in the period."""
    total: dict[str, int] = {}
    for t in subtree(v, group_id):
        for k, n in v.counts(t, period_id).items():
            total[k] = total.get(k, 0) + n
    return total


@dataclass
class GroupRow:
    """One row of a period's summary: a top-level group and its objectives."""

    team: Any
    teams: int  # teams of the group with objectives in the period
    counts: dict[str, int]
    pager: Pager


def group_rows(v: Any, period_id: str) -> list[GroupRow]:
    rows = []
    for g in top_groups(v):
        pages = group_pages(v, period_id, g)
        if not pages:
            continue
        rows.append(
            GroupRow(
                v.site.teams[g], sum(map(len, pages)), group_counts(v, period_id, g), group_pager(v, period_id, g, 0)
            )
        )
    return rows


def period_context(period_id: str, v: Any) -> dict[str, Any]:
    """The period page's and the glance page's context: the period, and its groups
    when it is summarised (``groups`` is None when every team is shown)."""
    summarised = period_summarised(v, period_id)
    return {
        "period": v.period(period_id),
        "groups": group_rows(v, period_id) if summarised else None,
        "group_root_teams": [r for r in v.roots if v.children[r]] if summarised else [],
    }


def group_context(period_id: str, group_id: str, number: int, v: Any) -> dict[str, Any]:
    pages = group_pages(v, period_id, group_id)
    return {
        "period": v.period(period_id),
        "group": v.site.teams[group_id],
        "group_teams": pages[number - 1] if number <= len(pages) else [],
        "counts": group_counts(v, period_id, group_id),
        "pager": group_pager(v, period_id, group_id, number),
    }


# --------------------------------------------------------------------------- alignment


def alignment_cut(v: Any, period_id: str) -> bool:
    """Whether the period's alignment trees are cut (shown a few levels at a time)."""
    return len(v.focus_teams(period_id)) > ALIGNMENT_TEAMS_MAX


def _bare(node: TreeNode) -> TreeNode:
    """The node without what is under it."""
    return TreeNode(ref=node.ref, kind=node.kind, info=node.info, item=node.item, own=node.own, repeat=node.repeat)


def cut_trees(nodes: list[TreeNode], levels: int = ALIGNMENT_LEVELS) -> list[TreeNode]:
    """The trees down to ``levels`` levels of aligned work (a key result under its own
    objective is the same level); below, a node keeps only how many items align to it
    (``TreeNode.more``)."""
    out = []
    for node in nodes:
        cut = _bare(node)
        cut.own_krs = cut_trees(node.own_krs, levels)
        if levels > 0:
            cut.aligned = cut_trees(node.aligned, levels - 1)
        elif not node.repeat:
            cut.more = len(node.aligned)
        out.append(cut)
    return out


def cut_below(nodes: list[TreeNode], team_id: str, levels: int = ALIGNMENT_LEVELS) -> list[TreeNode]:
    """Focused trees (``render.focus_trees``) with what is aligned to the team's own
    items cut ``levels`` below them; the chain above them is kept whole (it is cut to
    the branches that involve the team already)."""
    out = []
    for node in nodes:
        if node.info.objective and node.info.objective.team == team_id:
            out.extend(cut_trees([node], levels))
            continue
        cut = _bare(node)
        cut.own_krs = cut_below(node.own_krs, team_id, levels)
        cut.aligned = cut_below(node.aligned, team_id, levels)
        out.append(cut)
    return out


def alignment_context(period_id: str, team_id: str | None, v: Any, whole: dict[str, Any]) -> dict[str, Any]:
    """The alignment page's context (``whole``: the page as it is below the size) with
    its trees cut when the period's alignment is large, and the list of teams to focus
    on cut to the teams shown."""
    if not alignment_cut(v, period_id):
        return whole
    if team_id is None:  # other chains: their first objectives only, and at most LIST_MAX
        trees, others = cut_trees(whole["trees"]), cut_trees(whole["other_trees"][:LIST_MAX], 0)
    else:
        trees, others = cut_below(whole["trees"], team_id), cut_below(whole["other_trees"], team_id)
    alone = whole["alone"]
    shown = tree_teams(trees + others) | {o.team for o in alone[:LIST_MAX]}
    if team_id is not None:
        shown.add(team_id)
    focus_teams = v.shown_focus_teams(period_id, shown)
    return dict(
        whole,
        trees=trees,
        other_trees=others,
        others_total=len(whole["other_trees"]),
        alone=alone[:LIST_MAX],
        alone_total=len(alone),
        focus_teams=focus_teams,
        all_teams=len(v.focus_teams(period_id)),
        cut=True,
    )


def alignment_teams_pages(v: Any, period_id: str) -> list[list[str]]:
    """The pages of the index of the period's alignment teams: none unless the
    alignment is cut (below the size its summary lists every team)."""
    return chunks(v.focus_teams(period_id), ALIGNMENT_TEAMS_PAGE_SIZE) if alignment_cut(v, period_id) else []


def alignment_teams_context(period_id: str, number: int, v: Any) -> dict[str, Any]:
    pages = alignment_teams_pages(v, period_id)
    base = urls.alignment_teams(period_id)
    pager = Pager(number, [(paged(base, i), _range_label(v, teams)) for i, teams in enumerate(pages, 1)])
    return {
        "period": v.period(period_id),
        "teams": pages[number - 1] if number <= len(pages) else [],
        "total": len(v.focus_teams(period_id)),
        "pager": pager,
    }


# --------------------------------------------------------------------------- lists


@dataclass
class ListKind:
    """A list of "This week" (or the home page) with a complete, paginated list."""

    name: str  # its folder under this-week/
    title: str  # the heading of its complete list
    items: Callable[[Any], list[Any]]
    words: str  # "All N <words>"


def _help_current(v: Any) -> list[Any]:
    return v.help_board()[0]


def _help_older(v: Any) -> list[Any]:
    return v.help_board()[1]


LISTS: dict[str, ListKind] = {
    k.name: k
    for k in (
        ListKind("changes", "Status changes", lambda v: v.this_week().changes, "status changes"),
        ListKind("new-help", "New requests for help", lambda v: v.this_week().help, "new requests for help"),
        ListKind("help", "Every open request for help", _help_current, "open requests for help"),
        ListKind("older-help", "Older requests for help", _help_older, "older requests for help"),
        ListKind("at-risk", "Key results at risk", lambda v: v.at_risk_krs(), "key results at risk"),
        ListKind("checkins", "New check-ins", lambda v: v.this_week().checkins, "check-ins of the week"),
        ListKind("waiting", "Waiting for a check-in", lambda v: v.stale_groups(), "teams waiting for a check-in"),
    )
}


def list_url(name: str) -> str:
    return f"{urls.THIS_WEEK}{name}/"


def list_pages(v: Any) -> list[tuple[str, int]]:
    """(list, page number) of every complete list page: the lists longer than
    ``LIST_MAX`` (shorter ones are whole where they are shown)."""
    out: list[tuple[str, int]] = []
    for kind in LISTS.values():
        n = len(kind.items(v))
        if n > LIST_MAX:
            out.extend((kind.name, i) for i in range(1, len(chunks(range(n), LIST_PAGE_SIZE)) + 1))
    return out


def list_context(name: str, number: int, v: Any) -> dict[str, Any]:
    kind = LISTS[name]
    items = kind.items(v)
    pages = chunks(items, LIST_PAGE_SIZE)
    first = (number - 1) * LIST_PAGE_SIZE
    pager = Pager(
        number,
        [
            (
                paged(list_url(name), i),
                f"{i * LIST_PAGE_SIZE - LIST_PAGE_SIZE + 1} to {min(i * LIST_PAGE_SIZE, len(items))}",
            )
            for i in range(1, len(pages) + 1)
        ],
    )
    return {
        "list": kind,
        "items": pages[number - 1] if number <= len(pages) else [],
        "total": len(items),
        "first": first + 1,
        "pager": pager,
    }


def people_pages(v: Any) -> list[list[Any]]:
    return chunks(v.people, PEOPLE_PAGE_SIZE)


def people_context(number: int, v: Any) -> dict[str, Any]:
    pages = people_pages(v)
    pager = Pager(number, [(paged(urls.PEOPLE, i), _name_range(p)) for i, p in enumerate(pages, 1) if p])
    return {"people": pages[number - 1] if number <= len(pages) else [], "pager": pager}


def teams_pages(v: Any) -> list[list[str]]:
    """The pages of the teams index: every team in organisation order, cut in pages."""
    return chunks(v.team_order, TEAMS_PAGE_SIZE)


def teams_context(number: int, v: Any) -> dict[str, Any]:
    """The part of the organisation chart on page ``number`` of the teams index: its
    top teams (``roots``), each team's children on the page (``kids``) and, for a top
    team whose parent is on another page, that parent (``above``). One page: the whole chart."""
    pages = teams_pages(v)
    pager = Pager(number, [(paged(urls.TEAMS, i), _range_label(v, t)) for i, t in enumerate(pages, 1) if t])
    if not pager.many:
        return {"roots": v.roots, "kids": v.children, "above": {}, "pager": pager}
    page = pages[number - 1] if number <= len(pages) else []
    on_page = set(page)
    kids = {t: [c for c in v.children[t] if c in on_page] for t in page}
    roots = [t for t in page if v.site.teams[t].parent not in on_page]
    above = {t: v.site.teams[t].parent for t in roots if v.site.teams[t].parent in v.site.teams}
    return {"roots": roots, "kids": kids, "above": above, "pager": pager}


def _name_range(people: list[Any]) -> str:
    first, last = people[0].name, people[-1].name
    return first if first == last else f"{first} to {last}"


def template_globals() -> dict[str, Any]:
    """What the templates read from here."""
    return {"LIST_MAX": LIST_MAX, "LIST_WORDS": {k.name: k.words for k in LISTS.values()}, "list_url": list_url}
