"""Dependencies step: which pages a change can alter, so that ``okrsite build`` renders
only those and takes the others from the last build's output.

The unit of change is a team. A file in a team's period folders (an objective, a
check-in, a retro) changes that team's content and its computed state, and nothing
else's (a team's status depends only on its own objectives and check-ins, contract
section 8). A page depends on the teams whose content it shows (:func:`page_teams`):

- a team-period page and a check-in page: their team;
- a team page: the team, and the teams whose key results name it as a contributor;
- an objective page: its team, and the teams of every objective and key result linked
  from it, in either direction (aligns to, aligned from, depends on, depended on by);
- a person's page: the teams of what they own, partner on and wrote;
- a group's page of a period (``okrsite.site.summary``): every team of the group;
- an alignment page focused on a team: the teams of the chains it shows (the whole of
  each chain other than the root teams', which is shown or not as a whole), and the
  teams aligning to the team's objectives from any period (which decide whether one
  stands on its own);
- every other page (home, periods, at a glance, this week, people, teams, search, the
  whole alignment of a period, 404): the whole organisation, so always rendered.

A page is rendered again when a changed team is among the teams it depends on in this
build or in the last one (:func:`pages_to_render`): the last build's list covers
links that were removed, this build's those that were added. Everything else a page
shows beyond its teams' content (team names and parents, people's names and page
addresses, periods, which teams have a focused alignment page, the configuration,
templates, as-of date and okrsite itself) is compared as a whole: any difference there,
or a change to any input outside the teams' period folders, renders every page
(:func:`view_digest`, :func:`changed_teams`). The rules hold for the built-in templates;
a theme with templates of its own renders every page (the build checks).

Only pages are taken from the last build. The exports (``okrs.json`` and its shards,
``export.shards``; the feeds and CSV files) are made from the computed site on every
build: a team's shard shows that team only, but a period's shows every team's counts,
so it depends on every team, and each is a slice of data the build makes anyway.

Pure: functions over the plan and plain data, no I/O.
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable

from ..core.load import classify
from .pages import SitePlan


def team_of_input(key: str, content_label: str) -> str | None:
    """The team whose period folder holds the input ``key`` (a build-cache input path),
    or None for any other input (team and organisation files, configuration, themes)."""
    prefix = content_label + "/"
    if not key.startswith(prefix):
        return None
    c = classify(key[len(prefix) :])
    if c is None or isinstance(c, str) or c.kind not in ("objective", "checkin", "retro"):
        return None
    return c.team


def changed_teams(old: dict[str, list], new: dict[str, list], content_label: str) -> set[str] | None:
    """The teams with a changed, added or removed file in their period folders, between
    two scans of the inputs (path -> [..., digest]); None when anything else changed."""
    teams: set[str] = set()
    for key in old.keys() | new.keys():
        a, b = old.get(key), new.get(key)  # entries of the right shape (cache.read_build)
        if a is not None and b is not None and a[4] == b[4]:
            continue
        team = team_of_input(key, content_label)
        if team is None:
            return None
        teams.add(team)
    return teams


def _team(ref: str) -> str:
    return ref.split("/", 1)[0]


def _objective_teams(site: Any, ref: str) -> set[str]:
    o = site.objectives[ref]
    teams = {o.team}
    for item in (o, *o.key_results):
        teams.update(_team(r.target) for r in item.aligns_to if r.target)
        teams.update(_team(r) for r in site.aligned_from.get(item.ref, ()))
        teams.update(_team(r) for r in site.depended_on_by.get(item.ref, ()))
    teams.update(_team(r.target) for r in o.depends_on if r.target)
    return teams


def page_teams(plan: SitePlan) -> list[tuple[str, ...] | None]:
    """For each page of the plan, the teams whose content it shows (sorted); None for a
    page that shows the whole organisation (rendered whatever changed). Pages with the
    same teams share one tuple (most pages show one team, so a large site has few distinct sets)."""
    v = plan.view
    site = v.site
    out: list[tuple[str, ...] | None] = []
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    aligned: dict[str, set[str]] = {}  # team -> teams aligning to its objectives or key results

    def aligning(team_id: str) -> set[str]:
        if not aligned:
            for ref, o in site.objectives.items():
                into = aligned.setdefault(o.team, set())
                for item_ref in (o.ref, *(kr.ref for kr in o.key_results)):
                    into.update(_team(r) for r in site.aligned_from.get(item_ref, ()))
        return aligned.get(team_id, set())

    for page in plan.pages:
        subject = page.subject
        kind = subject[0] if subject else None
        if kind == "own":
            teams = {subject[1]}
        elif kind == "team":
            teams = {subject[1]} | {_team(kr.ref) for kr in v.contributions.get(subject[1], ())}
        elif kind == "objective":
            teams = _objective_teams(site, subject[1])
        elif kind == "teams":  # a group's page of a period: the teams of the group
            teams = set(subject[1])
        elif kind == "person":
            p = subject[1]
            teams = {_team(r) for r in (*p.objectives, *p.key_results, *p.partner_on, *p.checkins)}
            teams.update(p.leads, p.member_of)
        elif kind == "alignment":
            period_id, team_id = subject[1], subject[2]
            _trees, _other_trees, teams = v.focus(period_id, team_id)
            _roots, others, _alone, teams_of = v.alignment_of(period_id)
            # whether a chain other than the root teams' is shown at all depends on the
            # whole of it (an item in the period anywhere in it), not only on the
            # branches that involve the team
            for node in others:
                whole = teams_of.get(id(node), frozenset())
                if team_id in whole:
                    teams |= whole
            # whether one of the team's objectives stands on its own depends on anything
            # aligning to it, from any period
            teams |= aligning(team_id)
        else:
            out.append(None)
            continue
        key = tuple(sorted(teams))
        out.append(shared.setdefault(key, key))
    return out


def view_digest(plan: SitePlan) -> str:
    """What pages show beyond their teams' content, in one digest: the organisation
    (teams, names, parents, order), the periods, which teams have a focused alignment
    page. (People are compared apart: see :func:`people_changed`.)"""
    v = plan.view
    site = v.site
    h = hashlib.blake2b(digest_size=20)

    def put(*parts: Any) -> None:
        h.update(("\0".join(map(str, parts)) + "\n").encode("utf-8", "surrogateescape"))

    for tid in v.team_order:
        put("team", tid, site.teams[tid].name, site.teams[tid].parent, v.depth.get(tid))
    put("current", site.current_period)
    for p in v.periods:
        put("period", p.id, p.label, p.start, p.end, ",".join(v.focus_teams(p.id)))
    return h.hexdigest()


def people_slugs(plan: SitePlan) -> dict[str, str]:
    """Everyone named in the content -> the slug of their page."""
    return {p.name: p.slug for p in plan.view.people}


def people_changed(old: dict[str, str], new: dict[str, str]) -> bool:
    """Whether someone named in both builds has another page address. (Someone named
    only in one of them is named only by changed teams, whose pages are rendered, and
    on the people page, which always is.)"""
    return any(new.get(name, slug) != slug for name, slug in old.items())


def encode_teams(deps: Iterable[tuple[str, Iterable[str] | None]]) -> dict[str, Any]:
    """``{path: teams}`` for the build record, as plain JSON: the team ids once, and for
    each page (those that depend on everything are left out) the indexes of its teams."""
    index: dict[str, int] = {}
    pages: dict[str, list[int]] = {}
    for path, teams in deps:
        if teams is None:
            continue
        pages[path] = [index.setdefault(t, len(index)) for t in sorted(teams)]
    return {"teams": list(index), "pages": pages}


def decode_teams(data: Any) -> dict[str, tuple[str, ...]]:
    """:func:`encode_teams` reversed; {} for anything malformed (every page is rendered)."""
    try:
        names = data["teams"]
        if not all(isinstance(n, str) for n in names):
            return {}
        out = {}
        for path, idx in data["pages"].items():
            if not all(type(i) is int and 0 <= i < len(names) for i in idx):
                return {}
            out[path] = tuple(sorted(names[i] for i in idx))
        return out
    except (KeyError, TypeError, AttributeError):
        return {}


def pages_to_render(
    paths: list[str],
    teams: list[tuple[str, ...] | None],
    old: dict[str, tuple[str, ...]],
    changed: set[str],
    manifest: dict[str, list],
) -> list[bool]:
    """For each page (its output path and the teams it shows in this build): whether to
    render it, rather than take it from the last build's output (``manifest``, with the
    teams of its pages ``old``). Rendered: a page that depends on everything, that the
    last build did not write or did not record, or that shows a changed team in either
    build."""
    out = []
    for path, now in zip(paths, teams):
        before = old.get(path)
        out.append(
            now is None
            or before is None
            or path not in manifest
            or not changed.isdisjoint(now)
            or not changed.isdisjoint(before)
        )
    return out
