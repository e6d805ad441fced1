"""Patch step: an edited check-in into an already computed Site, without the rest.

``okrsite serve`` rebuilds after every save. Most saves during a check-in week are
edits of one check-in file: a value, a note, a line of the body. Such an edit can change
only its own file's diagnostics and its team's computed state (a team's status depends
only on its own objectives and check-ins, contract section 8), so instead of loading,
resolving and computing the whole site again, :func:`edit_checkins` loads the edited
files alone and returns a new Site that shares every unchanged object with the old one
(the old one is still being served, so nothing it holds is modified).

It declines (returns None, and the caller does a full rebuild) whenever it cannot be
sure the result equals a full rebuild's: a file that is not a check-in or is new or
gone, a check-in that no longer loads, or one whose date, name, author or "counted"
flag changed (those move pages, people and titles). Pure: no I/O, no globals.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass

from ..core.diagnostics import Diagnostics
from ..core.load import Loader, ParsedFile, classify, content_prefix
from ..core.markdown import Markdown
from ..core.model import Checkin, Diagnostic, Site, SourceFile
from ..core.resolve import kpi_ids, resolve_checkin
from ..core.status import compute_team


@dataclass
class Patch:
    site: Site  # the new site; unchanged objects are shared with the old one
    diagnostics: list[Diagnostic]  # the whole site's, in the order a full build gives them
    team_periods: set[tuple[str, str]]  # (team, period) whose check-ins changed


def edit_checkins(
    site: Site,
    diagnostics: list[Diagnostic],
    files: list[SourceFile],
    markdown: Markdown | None = None,
    parsed: Mapping[str, ParsedFile] | None = None,
) -> Patch | None:
    """The site after ``files`` (existing check-ins, new contents) changed, and the
    site's diagnostics; None when a full rebuild is needed (see the module's doc).
    ``parsed``: the files already parsed, by path (the builder's ``parse_all``)."""
    if not files:
        return None
    prefix = content_prefix(site.config)
    position = {ci.path: i for i, ci in enumerate(site.checkins)}
    diags = Diagnostics()
    loader = Loader(site.config, site.as_of, diags, markdown, parsed)
    checkins = list(site.checkins)
    edited: dict[str, Checkin] = {}
    for f in files:
        if f.path in edited or f.problem or not f.path.startswith(prefix):
            return None
        c = classify(f.path[len(prefix) :])
        i = position.get(f.path)
        if i is None or isinstance(c, str) or c is None or c.kind != "checkin":
            return None
        old = site.checkins[i]
        period = site.periods.get(c.period)
        if period is None or (c.team, c.period, c.name) != (old.team, old.period, old.name):
            return None
        ci = loader.checkin(f, c, period)
        if ci is None or (ci.date, ci.author, ci.counted) != (old.date, old.author, old.counted):
            return None
        checkins[i] = edited[f.path] = ci

    new = copy.copy(site)
    new.checkins = checkins
    new.objectives = dict(site.objectives)
    new.teams = dict(site.teams)
    team_periods = {(ci.team, ci.period) for ci in edited.values()}
    for ref, obj in site.objectives.items():
        if (obj.team, obj.period) in team_periods:
            o = new.objectives[ref] = copy.copy(obj)
            o.key_results = [copy.copy(kr) for kr in obj.key_results]
    for team_id in {t for t, _ in team_periods}:
        team = new.teams[team_id] = copy.copy(site.teams[team_id])
        team.kpis = [copy.copy(k) for k in team.kpis]

    # resolve: what the edited check-ins update (their files' only other diagnostics)
    for path in sorted(edited):
        ci = edited[path]
        objectives = {o.id: o for o in new.objectives.values() if (o.team, o.period) == (ci.team, ci.period)}
        resolve_checkin(ci, objectives, kpi_ids(new.teams[ci.team]), diags)
    for team_id in sorted({t for t, _ in team_periods}):
        compute_team(new, team_id, [p for t, p in team_periods if t == team_id])

    merged = Diagnostics()
    merged.extend(d for d in diagnostics if d.path not in edited)
    merged.extend(diags.items)
    return Patch(new, merged.sorted(), team_periods)
