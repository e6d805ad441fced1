"""Alignment trees: the nodes the views, the summaries and the charts share (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.model import KeyResult, Objective, Team


@dataclass
class RefInfo:
    """What a template needs to show a link to an objective or key result."""

    ref: str
    url: str  # root-relative
    kind: str  # "objective" or "key result"
    title: str
    team: Team | None
    team_name: str
    period: str
    period_label: str
    objective: Objective | None
    item: Objective | KeyResult | None


@dataclass
class TreeNode:
    """A node of an alignment tree: an objective or a key result, and what aligns to it."""

    ref: str
    kind: str  # "objective" / "key result"
    info: RefInfo
    item: Objective | KeyResult
    own_krs: list["TreeNode"] = field(default_factory=list)  # an objective's KRs
    aligned: list["TreeNode"] = field(default_factory=list)  # items aligned to this one
    own: bool = False  # a key result shown under its own objective
    repeat: bool = False  # already shown above in this branch (guard against loops)
    more: int = 0  # items aligned to it left out of a cut tree (okrsite.site.summary.cut_trees)

    @property
    def objective(self) -> Objective:
        """The objective the item is or belongs to: a tree's infos come from SiteView.ref,
        which sets it for every ref it resolves."""
        assert self.info.objective is not None
        return self.info.objective


def subtree_teams(nodes: list[TreeNode]) -> dict[int, frozenset[str]]:
    """id(node) -> the teams owning an item in the node's subtree (itself included)."""
    out: dict[int, frozenset[str]] = {}

    def walk(node: TreeNode) -> frozenset[str]:
        if id(node) in out:
            return out[id(node)]
        teams = {node.info.objective.team} if node.info.objective else set()
        for child in node.own_krs + node.aligned:
            teams |= walk(child)
        out[id(node)] = frozenset(teams)
        return out[id(node)]

    for n in nodes:
        walk(n)
    return out


def tree_teams(nodes: list[TreeNode]) -> set[str]:
    """The teams owning an item anywhere in these trees."""
    teams: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node.info.objective:
            teams.add(node.info.objective.team)
        stack.extend(node.own_krs)
        stack.extend(node.aligned)
    return teams


def focus_trees(nodes: list[TreeNode], team_id: str, teams: dict[int, frozenset[str]]) -> list[TreeNode]:
    """The branches of alignment trees that involve one team: its own items with
    everything aligned to them, and the chain above them. Nodes are shared, not copied,
    where nothing is cut."""
    out = []
    for node in nodes:
        if team_id not in teams.get(id(node), frozenset()):
            continue
        if node.info.objective and node.info.objective.team == team_id:
            out.append(node)
            continue
        cut = TreeNode(ref=node.ref, kind=node.kind, info=node.info, item=node.item, own=node.own, repeat=node.repeat)
        cut.own_krs = focus_trees(node.own_krs, team_id, teams)
        cut.aligned = focus_trees(node.aligned, team_id, teams)
        out.append(cut)
    return out
