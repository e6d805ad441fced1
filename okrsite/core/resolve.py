"""Resolve step: links between files, checked after everything is loaded.

Team parents (unknown, cycles), strategic themes, contributors, what check-ins update
(objectives, key results, KPIs), and the alignment and dependency refs of contract
section 6, with their reverse links. Pure: works on the loaded Site."""

from __future__ import annotations

from .diagnostics import Diagnostics, did_you_mean
from .model import Checkin, KeyResult, Objective, Period, Ref, Site, Team


def resolve(site: Site, diags: Diagnostics) -> None:
    resolve_teams(site, diags)
    resolve_themes(site, diags)
    resolve_contributors(site, diags)
    resolve_checkins(site, diags)
    RefResolver(site, diags).run()


# ---------------------------------------------------------------------- teams
def resolve_teams(site: Site, diags: Diagnostics) -> None:
    teams = site.teams
    for team in teams.values():
        if team.parent is not None and team.parent not in teams:
            diags.error(
                team.path, team.parent_line, f"unknown parent team '{team.parent}'{did_you_mean(team.parent, teams)}"
            )
            team.parent = None
    # cycles: follow parents; report each cycle once, on its smallest team id
    reported: set[str] = set()
    for start in teams:
        seen: list[str] = []
        node: str | None = start
        while node is not None and node not in seen and node not in reported:
            seen.append(node)
            node = teams[node].parent
        if node is not None and node in seen:
            cycle = seen[seen.index(node) :]
            first = min(cycle)
            reported.update(cycle)
            loop = cycle[cycle.index(first) :] + cycle[: cycle.index(first)] + [first]
            diags.error(teams[first].path, teams[first].parent_line, "team parents form a cycle: " + " -> ".join(loop))
            teams[first].parent = None
        else:
            reported.update(seen)
    for team in teams.values():
        team.children = []
    for team in teams.values():
        if team.parent is not None:
            teams[team.parent].children.append(team.id)
    for team in teams.values():
        team.children.sort()

    def set_depth(team_id: str, depth: int) -> None:
        teams[team_id].depth = depth
        for child in teams[team_id].children:
            set_depth(child, depth + 1)

    for team in teams.values():
        if team.parent is None:
            set_depth(team.id, 0)


def resolve_themes(site: Site, diags: Diagnostics) -> None:
    themes = {s.id for s in site.org.strategy}
    for obj in site.objectives.values():
        if obj.theme is not None and obj.theme not in themes:
            if site.org.incomplete:  # its strategy could not be read: reported there
                obj.theme = None
                continue
            where = f"; the strategic choices are listed under 'strategy:' in {site.org.path or 'content/_index.md'}"
            diags.error(
                obj.path,
                obj.lines.get("theme", 1),
                f"unknown strategic theme '{obj.theme}'{did_you_mean(obj.theme, themes)}{where}",
            )
            obj.theme = None


def resolve_contributors(site: Site, diags: Diagnostics) -> None:
    for obj in site.objectives.values():
        for kr in obj.key_results:
            kept = []
            for team_id, line in zip(kr.contributors, kr.contributor_lines):
                if team_id not in site.teams:
                    diags.error(
                        obj.path, line, f"unknown contributor team '{team_id}'{did_you_mean(team_id, site.teams)}"
                    )
                elif team_id == obj.team:
                    diags.warning(obj.path, line, f"'{team_id}' owns this key result: contributors are other teams")
                elif team_id not in kept:
                    kept.append(team_id)
            kr.contributors = kept
            kr.contributor_lines = []


def resolve_checkins(site: Site, diags: Diagnostics) -> None:
    by_team_period: dict[tuple[str, str], dict[str, Objective]] = {}
    for o in site.objectives.values():
        by_team_period.setdefault((o.team, o.period), {})[o.id] = o
    for ci in site.checkins + site.unplaced:
        resolve_checkin(ci, by_team_period.get((ci.team, ci.period), {}), kpi_ids(site.teams.get(ci.team)), diags)


def kpi_ids(team: Team | None) -> set[str] | None:
    """The ids of a team's KPIs; None when its _index.md could not be read."""
    if team is not None and team.incomplete:
        return None
    return {k.id for k in team.kpis} if team else set()


def resolve_checkin(
    ci: Checkin, objectives: dict[str, Objective], kpi_ids: set[str] | None, diags: Diagnostics
) -> None:
    """Check one check-in's keys against its team-period's objectives (by id) and its
    team's KPIs (None: not known, nothing reported); entries naming nothing are
    reported and dropped."""
    for key in list(ci.key_results):
        line = ci.lines.get(("kr", key), 1)
        obj_id, kr_id = key.split("/")
        obj = objectives.get(obj_id)
        if obj is None:
            diags.error(
                ci.path,
                line,
                f"unknown objective '{obj_id}' of team '{ci.team}' in {ci.period}{did_you_mean(obj_id, objectives)}",
            )
            del ci.key_results[key]
            continue
        kr = next((k for k in obj.key_results if k.id == kr_id), None)
        if kr is None:
            if not obj.incomplete:
                diags.error(
                    ci.path,
                    line,
                    f"unknown key result '{kr_id}' in objective '{obj_id}'{did_you_mean(kr_id, [k.id for k in obj.key_results])}",
                )
            del ci.key_results[key]
            continue
        update = ci.key_results[key]
        if kr.type != "milestone" and (update.progress is not None or update.done is not None):
            diags.warning(
                ci.path,
                line,
                f"'progress' and 'done' are for milestones; '{key}' is a {kr.type} key result: give its 'value' instead",
            )
            update.progress = update.done = None
    for key in list(ci.objectives):
        if key not in objectives:
            diags.error(
                ci.path,
                ci.lines.get(("objective", key), 1),
                f"unknown objective '{key}' of team '{ci.team}' in {ci.period}{did_you_mean(key, objectives)}",
            )
            del ci.objectives[key]
    for key in list(ci.kpis):
        if kpi_ids is None:
            del ci.kpis[key]
        elif key not in kpi_ids:
            diags.error(
                ci.path,
                ci.lines.get(("kpi", key), 1),
                f"unknown KPI '{key}' of team '{ci.team}'{did_you_mean(key, kpi_ids)}",
            )
            del ci.kpis[key]


# ---------------------------------------------------------------------- refs
class RefResolver:
    """Contract section 6: look-up order, ambiguity, self-references, cycles."""

    def __init__(self, site: Site, diags: Diagnostics):
        self.site = site
        self.diags = diags
        # (team, period) -> {objective id: Objective}
        self.by_team_period: dict[tuple[str, str], dict[str, Objective]] = {}
        for obj in site.objectives.values():
            self.by_team_period.setdefault((obj.team, obj.period), {})[obj.id] = obj
        self._containing: dict[str, list[Period]] = {}

    def containing(self, period_id: str) -> list[Period]:
        """The period itself, then every other period containing it, shortest first."""
        if period_id not in self._containing:
            p = self.site.periods[period_id]
            others = [q for q in self.site.periods.values() if q.id != p.id and q.contains(p)]
            others.sort(key=lambda q: (q.days, q.id))
            self._containing[period_id] = [p] + others
        return self._containing[period_id]

    def run(self) -> None:
        site = self.site
        align_edges: list[tuple[str, str, Ref]] = []
        depend_edges: list[tuple[str, str, Ref]] = []
        for obj in site.objectives.values():
            for ref in obj.aligns_to:
                if self.resolve_ref(ref, obj, None, "aligns to") and ref.target is not None:
                    align_edges.append((obj.ref, ref.target, ref))
            for ref in obj.depends_on:
                if self.resolve_ref(ref, obj, None, "depends on") and ref.target is not None:
                    depend_edges.append((obj.ref, ref.target, ref))
            for kr in obj.key_results:
                for ref in kr.aligns_to:
                    if self.resolve_ref(ref, obj, kr, "aligns to") and ref.target is not None:
                        align_edges.append((kr.ref, ref.target, ref))
        self.check_cycles(align_edges, "aligns_to")
        self.check_cycles(depend_edges, "depends_on")
        aligned_from: dict[str, list[str]] = {}
        depended_on_by: dict[str, list[str]] = {}
        for source, target, ref in align_edges:
            if ref.target is not None:
                aligned_from.setdefault(target, []).append(source)
        for source, target, ref in depend_edges:
            if ref.target is not None:
                depended_on_by.setdefault(target, []).append(source)
        site.aligned_from = {k: sorted(set(v)) for k, v in sorted(aligned_from.items())}
        site.depended_on_by = {k: sorted(set(v)) for k, v in sorted(depended_on_by.items())}

    def error(self, ref: Ref, message: str) -> bool:
        self.diags.error(ref.path, ref.line, message)
        ref.target = None
        return False

    def resolve_ref(self, ref: Ref, obj: Objective, kr: KeyResult | None, verb: str) -> bool:
        site = self.site
        parts = ref.raw.split("/")
        if len(parts) not in (2, 3, 4) or not all(parts):
            return self.error(
                ref,
                f"invalid ref '{ref.raw}': write team/objective, team/objective/kr, team/period/objective or team/period/objective/kr",
            )
        team_id = parts[0]
        if team_id not in site.teams:
            return self.error(ref, f"unknown team '{team_id}' in ref '{ref.raw}'{did_you_mean(team_id, site.teams)}")
        target: str | None
        if len(parts) == 2:
            found = self.lookup(team_id, parts[1], obj.period)
            if found is None:
                return self.unknown_objective(ref, team_id, parts[1], obj.period)
            target = found.ref
        elif len(parts) == 4:
            target = self.explicit(ref, parts)
            if target is None:
                return False
        else:
            middle = parts[1]
            as_period = middle in site.periods
            as_objective = self.lookup(team_id, middle, obj.period)
            if as_period and as_objective is not None:
                return self.error(
                    ref,
                    f"ambiguous ref '{ref.raw}': '{middle}' is both a period and an objective of team '{team_id}'; write {team_id}/{middle}/<objective>/<kr> or {team_id}/{as_objective.period}/{middle}/{parts[2]}",
                )
            if as_objective is not None:
                target = self.kr_of(ref, as_objective, parts[2])
                if target is None:
                    return False
            elif as_period:
                target = self.explicit(ref, parts)
                if target is None:
                    return False
            else:
                return self.unknown_objective(ref, team_id, middle, obj.period)
        # self-references
        own = {obj.ref} | {k.ref for k in obj.key_results} if kr is None else {kr.ref, obj.ref}
        if target in own:
            what = (
                "itself"
                if target == (kr.ref if kr else obj.ref)
                else ("its own objective" if kr else "one of its own key results")
            )
            infinitive = {"aligns to": "align to", "depends on": "depend on"}[verb]
            return self.error(
                ref, f"ref '{ref.raw}' points to {what}: an objective or key result cannot {infinitive} itself"
            )
        ref.target = target
        target_period = site.periods[target.split("/")[1]]
        own_period = site.periods[obj.period]
        if target_period.start > own_period.end:
            self.diags.warning(
                ref.path,
                ref.line,
                f"'{ref.raw}' is in {target_period.id}, which starts after {own_period.id} ends: aligning to a later period",
            )
        return True

    def lookup(self, team_id: str, objective_id: str, period_id: str) -> Objective | None:
        for period in self.containing(period_id):
            found = self.by_team_period.get((team_id, period.id), {}).get(objective_id)
            if found is not None:
                return found
        return None

    def explicit(self, ref: Ref, parts: list[str]) -> str | None:
        team_id, period_id, objective_id = parts[:3]
        if period_id not in self.site.periods:
            self.error(
                ref, f"unknown period '{period_id}' in ref '{ref.raw}'{did_you_mean(period_id, self.site.periods)}"
            )
            return None
        obj = self.by_team_period.get((team_id, period_id), {}).get(objective_id)
        if obj is None:
            if self.site.teams[team_id].unread_folder:  # the folder's error says why
                ref.target = None
                return None
            known = self.by_team_period.get((team_id, period_id), {})
            self.error(
                ref,
                f"unknown objective '{objective_id}' of team '{team_id}' in {period_id}{did_you_mean(objective_id, known)}",
            )
            return None
        if len(parts) == 4:
            return self.kr_of(ref, obj, parts[3])
        return obj.ref

    def kr_of(self, ref: Ref, obj: Objective, kr_id: str) -> str | None:
        for kr in obj.key_results:
            if kr.id == kr_id:
                return kr.ref
        if obj.incomplete:
            ref.target = None
            return None
        self.error(
            ref, f"unknown key result '{kr_id}' in {obj.ref}{did_you_mean(kr_id, [k.id for k in obj.key_results])}"
        )
        return None

    def unknown_objective(self, ref: Ref, team_id: str, objective_id: str, period_id: str) -> bool:
        if self.site.teams[team_id].unread_folder:  # it may be in the folder that could not be read
            ref.target = None
            return False
        periods = [p.id for p in self.containing(period_id)]
        known: set[str] = set()
        for p in periods:
            known.update(self.by_team_period.get((team_id, p), {}))
        where = (
            periods[0] if len(periods) == 1 else f"{periods[0]} or the periods containing it ({', '.join(periods[1:])})"
        )
        return self.error(
            ref, f"unknown objective '{objective_id}' of team '{team_id}' in {where}{did_you_mean(objective_id, known)}"
        )

    def check_cycles(self, edges: list[tuple[str, str, Ref]], key: str) -> None:
        """A KR counts as its objective. Each cycle is reported once, at the ref that
        leaves the cycle's smallest objective."""

        def objective_of(ref: str) -> str:
            return "/".join(ref.split("/")[:3])

        graph: dict[str, list[tuple[str, Ref]]] = {}
        for source, target, ref in edges:
            s, t = objective_of(source), objective_of(target)
            graph.setdefault(s, []).append((t, ref))
        for node in graph:
            graph[node].sort(key=lambda e: (e[0], e[1].line))
        for component in strongly_connected(graph):
            if len(component) == 1:
                node = next(iter(component))
                if not any(t == node for t, _ in graph.get(node, [])):
                    continue
            first = min(component)
            ref = next(r for t, r in graph[first] if t in component)
            path = cycle_path(graph, first, component)
            self.diags.error(ref.path, ref.line, f"'{key}' forms a cycle: " + " -> ".join(path))
            ref.target = None


def strongly_connected(graph: dict[str, list[tuple[str, Ref]]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on deep chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[set[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(graph.get(root, [])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            advanced = False
            for target, _ in edges:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph.get(target, []))))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                out.append(component)
    return out


def cycle_path(graph: dict[str, list[tuple[str, Ref]]], first: str, component: set[str]) -> list[str]:
    """A shortest loop from ``first`` back to itself inside the component (BFS)."""
    from collections import deque

    previous: dict[str, str] = {}
    queue = deque([first])
    while queue:
        node = queue.popleft()
        for target, _ in graph.get(node, []):
            if target not in component:
                continue
            if target == first:
                path = [node]
                while path[-1] != first:
                    path.append(previous[path[-1]])
                return list(reversed(path)) + [first]
            if target not in previous:
                previous[target] = node
                queue.append(target)
    return [first, first]
