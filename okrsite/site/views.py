"""``SiteView``: the lookups over a computed :class:`~okrsite.core.model.Site` that the
pages need (organisation order, objectives and check-ins per team-period, alignment
trees, the home page's boards), available to templates as ``v``.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any, Callable, Container, Iterable, TypeVar

from ..core import status as rules
from ..core import urls
from ..core.model import (
    COLOUR_ORDER,
    Checkin,
    KeyResult,
    Objective,
    Period,
    Site,
    Team,
)
from . import charts, history
from .people import Person, _norm_name
from .snippets import GRADED_COUNT_WORDS, OPEN_COUNT_WORDS, reason_words
from .trees import RefInfo, TreeNode, focus_trees, subtree_teams, tree_teams

TeamPeriod = tuple[str, str]
K = TypeVar("K")
V = TypeVar("V")

# ---------------------------------------------------------------------------- indexes
#
# Each index of the view over a site's content is built by one function below, from the
# part of the content it covers. ``SiteView.__init__`` gives each all of the content;
# ``SiteView.patched`` gives each the content of the team-periods an edit changed and puts
# the result in place of the old entries (``_replaced``), so a patched view cannot differ
# from one built from scratch (tests/test_patch.py compares every index).


def objectives_by_team_period(objectives: Iterable[Objective]) -> dict[TeamPeriod, list[Objective]]:
    """Objectives per (team, period), each list in the order given (by ref)."""
    out: dict[TeamPeriod, list[Objective]] = {}
    for o in objectives:
        out.setdefault((o.team, o.period), []).append(o)
    return out


def checkins_by_team_period(checkins: Iterable[Checkin]) -> dict[TeamPeriod, list[Checkin]]:
    """Check-ins per (team, period), oldest first (by date, then name)."""
    out: dict[TeamPeriod, list[Checkin]] = {}
    for ci in sorted(checkins, key=lambda c: (c.team, c.period, c.date, c.name)):
        out.setdefault((ci.team, ci.period), []).append(ci)
    return out


def checkins_by_key(by_team_period: Iterable[list[Checkin]]) -> dict[str, Checkin]:
    """Check-ins by key (``team/period/name``)."""
    return {ci.key: ci for cis in by_team_period for ci in cis}


def latest_checkins(checkins: Iterable[Checkin], period_pos: Callable[[str], int]) -> dict[str, Checkin]:
    """Each team's latest counted check-in: by date, then name, then period order."""
    out: dict[str, Checkin] = {}
    for ci in checkins:
        if not ci.counted:
            continue
        best = out.get(ci.team)
        if best is None or (ci.date, ci.name, period_pos(ci.period)) > (
            best.date,
            best.name,
            period_pos(best.period),
        ):
            out[ci.team] = ci
    return out


def periods_by_team(team_periods: Iterable[TeamPeriod]) -> dict[str, set[str]]:
    """The periods of each team among ``team_periods``."""
    out: dict[str, set[str]] = {}
    for t, p in team_periods:
        out.setdefault(t, set()).add(p)
    return out


def contributions_by_team(
    objectives: Iterable[Objective], period_pos: Callable[[str], int], teams: Container[str] | None = None
) -> dict[str, list[KeyResult]]:
    """Key results of other teams that name a team as contributor (of ``teams`` only,
    when given), newest period first, then by objective; ``objectives`` by ref."""
    out: dict[str, list[KeyResult]] = {}
    for o in objectives:
        for kr in o.key_results:
            for c in sorted(set(kr.contributors)):
                if c != o.team and (teams is None or c in teams):
                    out.setdefault(c, []).append(kr)
    for lst in out.values():
        lst.sort(key=lambda kr: (-period_pos(kr.objective.split("/")[1]), kr.objective))
    return out


def _replaced(old: dict[K, V], stale: Iterable[K], fresh: dict[K, V]) -> dict[K, V]:
    """``old`` with the entries of the ``stale`` keys replaced by ``fresh`` (the same
    index built again for the changed part): entries keep their places, as in an index
    built from scratch, and a stale key with no fresh entry goes."""
    out = dict(old)
    for k in stale:
        if k not in fresh:
            out.pop(k, None)
    out.update(fresh)
    return out


class SiteView:
    """Lookups over a Site, computed once per render, available to templates as ``v``."""

    def __init__(self, site: Site, persons: list[Person]) -> None:
        self.site = site
        self.as_of = site.as_of
        self.people = persons
        self._person_by_name = {p.name: p for p in persons}
        self.periods: list[Period] = sorted(site.periods.values(), key=lambda p: (p.start, p.end, p.id))
        self.current = site.periods.get(site.current_period) if site.current_period else None
        self.strategy = {s.id: s for s in site.org.strategy}

        # organisation order: depth-first from the roots, children by id
        self.children: dict[str, list[str]] = {t: [] for t in site.teams}
        roots: list[str] = []
        for tid in sorted(site.teams):
            parent = site.teams[tid].parent
            if parent and parent in site.teams and parent != tid:
                self.children[parent].append(tid)
            else:
                roots.append(tid)
        self.roots = roots
        self.depth: dict[str, int] = {}
        self.team_order: list[str] = []
        seen: set[str] = set()

        def walk(tid: str, depth: int) -> None:
            if tid in seen:
                return
            seen.add(tid)
            self.depth[tid] = depth
            self.team_order.append(tid)
            for c in self.children[tid]:
                walk(c, depth + 1)

        for r in roots:
            walk(r, 0)
        for tid in sorted(site.teams):  # anything in a parent cycle (never, after load)
            walk(tid, 0)
        self._org_pos = {t: i for i, t in enumerate(self.team_order)}
        self._period_pos = {p.id: i for i, p in enumerate(self.periods)}

        # the indexes over the content (see "indexes" above)
        objectives = [site.objectives[ref] for ref in sorted(site.objectives)]
        self.by_team_period = objectives_by_team_period(objectives)
        self.checkins_by_tp = checkins_by_team_period(site.checkins)
        self.checkin_by_key = checkins_by_key(self.checkins_by_tp.values())
        self._latest = latest_checkins(site.checkins, self.period_pos)
        self._objective_periods = periods_by_team(self.by_team_period)
        self._team_periods = periods_by_team([*self.by_team_period, *self.checkins_by_tp, *site.retros])
        self.contributions = contributions_by_team(objectives, self.period_pos)
        # computed on first use by the pictures (charts, "this week")
        self._progress_cache: dict[str, list[Any]] = {}
        self._weeks_cache: dict[tuple[str, str], list[Any]] = {}
        self._this_week: Any = None
        self._focus: dict[str, tuple] = {}  # period -> teams with a focused alignment page (list, set)
        self._alignment: dict[str, tuple] = {}  # period -> alignment_of
        self._alone: dict[str, dict[str, list[Objective]]] = {}  # period -> team -> objectives standing alone

    def patched(self, site: Site, team_periods: set[tuple[str, str]]) -> "SiteView":
        """The view ``SiteView(site, self.people)`` gives, made in time proportional to
        the change: ``site`` is this view's site after ``okrsite.serve.patch`` replaced the
        check-ins, objectives and teams of ``team_periods`` (same pages, people and
        links; only their contents and computed state differ). Each index is built again
        for the changed team-periods (or their teams) by the function that builds it
        whole; what depends only on teams and periods is shared."""
        v = copy.copy(self)
        v.site = site
        teams = {t for t, _ in team_periods}
        # the changed parts' content, found through this view (the same objectives,
        # check-ins and team-periods), taken from the new site
        objectives = [site.objectives[o.ref] for tp in sorted(team_periods) for o in self.by_team_period.get(tp, ())]
        v.by_team_period = _replaced(self.by_team_period, team_periods, objectives_by_team_period(objectives))
        of_teams = [ci for ci in site.checkins if ci.team in teams]
        fresh = checkins_by_team_period(ci for ci in of_teams if (ci.team, ci.period) in team_periods)
        v.checkins_by_tp = _replaced(self.checkins_by_tp, team_periods, fresh)
        stale_keys = [ci.key for tp in team_periods for ci in self.checkins_by_tp.get(tp, ())]
        v.checkin_by_key = _replaced(self.checkin_by_key, stale_keys, checkins_by_key(fresh.values()))
        v._latest = _replaced(self._latest, teams, latest_checkins(of_teams, v.period_pos))
        candidates = [(t, p) for t in sorted(teams) for p in sorted(self._team_periods.get(t, ()))]
        mine = [tp for tp in candidates if tp in v.by_team_period]
        v._objective_periods = _replaced(self._objective_periods, teams, periods_by_team(mine))
        mine += [tp for tp in candidates if tp in v.checkins_by_tp or tp in site.retros]
        v._team_periods = _replaced(self._team_periods, teams, periods_by_team(mine))
        # the teams credited by a changed key result, and every key result crediting them
        credited = {c for o in objectives for kr in o.key_results for c in kr.contributors if c != o.team}
        refs = sorted({kr.objective for c in credited for kr in self.contributions.get(c, ())})
        v.contributions = _replaced(
            self.contributions,
            credited,
            contributions_by_team([site.objectives[r] for r in refs], v.period_pos, credited),
        )
        # (copied first: pages of the old view may be filling these caches in other threads)
        v._progress_cache = {
            ref: p for ref, p in dict(self._progress_cache).items() if tuple(ref.split("/")[:2]) not in team_periods
        }
        v._weeks_cache = {k: w for k, w in dict(self._weeks_cache).items() if k not in team_periods}
        v._this_week = None
        v._alignment = {}  # trees hold objectives (and their colours): made again on first use
        v._alone = {}
        v._focus = dict(self._focus)  # which teams have a focused page: links only, unchanged
        return v

    # ---- basic lookups

    def team(self, team_id: str | None) -> Team | None:
        return self.site.teams.get(team_id) if team_id else None

    def team_name(self, team_id: str | None) -> str:
        return self.site.team_name(team_id)

    def period(self, period_id: str | None) -> Period | None:
        return self.site.periods.get(period_id) if period_id else None

    def period_label(self, period_id: str | None) -> str:
        return self.site.period_label(period_id)

    def period_pos(self, period_id: str) -> int:
        return self._period_pos.get(period_id, len(self._period_pos))

    def org_pos(self, team_id: str) -> int:
        return self._org_pos.get(team_id, len(self._org_pos))

    def is_open(self, period_id: str | None) -> bool:
        p = self.period(period_id)
        return p is not None and self.as_of <= p.end

    def is_graded(self, period_id: str | None) -> bool:
        p = self.period(period_id)
        return p is not None and self.as_of > p.end

    def count_words(self, period_id: str | None) -> dict[str, str]:
        return GRADED_COUNT_WORDS if self.is_graded(period_id) else OPEN_COUNT_WORDS

    def counts(self, team_id: str, period_id: str | None, krs: bool = False) -> dict[str, int]:
        t = self.team(team_id)
        if t is None or not period_id:
            return {}
        src = t.kr_counts if krs else t.counts
        c = src.get(period_id) or {}
        return {k: int(c.get(k, 0)) for k in COLOUR_ORDER}

    def org_counts(self, period_id: str | None, krs: bool = False) -> dict[str, int]:
        total = {k: 0 for k in COLOUR_ORDER}
        for tid in self.team_order:
            for k, n in self.counts(tid, period_id, krs).items():
                total[k] += n
        return total

    def person(self, name: str | None) -> Person | None:
        return self._person_by_name.get(_norm_name(name))

    def strategy_title(self, theme_id: str | None) -> str:
        if not theme_id:
            return ""
        s = self.strategy.get(theme_id)
        return s.title if s and s.title else theme_id

    def objective(self, ref: str) -> Objective | None:
        return self.site.objectives.get(ref)

    def objective_of(self, kr: KeyResult) -> Objective | None:
        return self.site.objectives.get(kr.objective)

    def objectives(self, team_id: str, period_id: str) -> list[Objective]:
        return self.by_team_period.get((team_id, period_id), [])

    def checkins(self, team_id: str, period_id: str) -> list[Checkin]:
        return self.checkins_by_tp.get((team_id, period_id), [])

    def checkin(self, key: str) -> Checkin | None:
        return self.checkin_by_key.get(key)

    def team_periods(self, team_id: str) -> list[str]:
        """Every period the team has a page for (objectives, check-ins or a retro)."""
        ids = self._team_periods.get(team_id, set())
        return sorted(ids, key=lambda p: (self.period_pos(p), p))

    def objective_periods(self, team_id: str) -> list[str]:
        ids = self._objective_periods.get(team_id, set())
        return sorted(ids, key=lambda p: (self.period_pos(p), p))

    def focus_period(self, team_id: str) -> str | None:
        """The current period if the team has objectives in it, else the latest period
        with objectives that has started, else the earliest one."""
        ids = self.objective_periods(team_id)
        if not ids:
            return None
        if self.site.current_period in ids:
            return self.site.current_period
        started = [p for p in ids if (per := self.period(p)) is None or per.start <= self.as_of]
        return started[-1] if started else ids[0]

    def containing_periods(self, period_id: str | None) -> list[str]:
        """The period and every other period containing it, longest first."""
        p = self.period(period_id)
        if p is None:
            return []
        others = [q for q in self.periods if q.id != p.id and q.contains(p)]
        others.sort(key=lambda q: (-q.days, q.start, q.id))
        return [q.id for q in others] + [p.id]

    def root_objectives(self, period_id: str | None) -> list[Objective]:
        """Objectives of root teams in the period and in every period containing it."""
        out: list[Objective] = []
        for pid in self.containing_periods(period_id):
            for tid in self.team_order:
                if tid in self.roots:
                    out.extend(self.objectives(tid, pid))
        return out

    def latest_checkin(self, team_id: str) -> Checkin | None:
        """The team's latest counted check-in (by date, then name), over all periods."""
        return self._latest.get(team_id)

    def stale_days(self, kr: KeyResult) -> int | None:
        if kr.last_update is None:
            return None
        return (self.as_of - kr.last_update).days

    def latest_note(self, kr: KeyResult) -> str:
        for u in reversed(kr.updates):
            if u.note:
                return u.note
        return ""

    def milestone_reported(self, kr: KeyResult) -> bool:
        """Whether any counted update of a milestone says done or gives progress."""
        return any(u.done is not None or u.progress is not None for u in kr.updates)

    def checkin_updates(self, ci: Checkin) -> list[tuple[str, Any, KeyResult | None]]:
        """(key, update, KR or None) of a check-in, in objective order then KR order."""
        rows = []
        for key, u in ci.key_results.items():
            kr = self.kr_from_update_key(ci, key)
            if kr is not None:
                obj = self.objective_of(kr)
                idx = next((i for i, k in enumerate(obj.key_results) if k is kr), 0) if obj else 0
                pos: tuple = (0, kr.objective, idx, key)
            else:
                pos = (1, "", 0, key)
            rows.append((pos, key, u, kr))
        rows.sort(key=lambda r: r[0])
        return [(key, u, kr) for _, key, u, kr in rows]

    def kr_after_checkin(self, kr: KeyResult, ci: Checkin) -> KeyResult | None:
        """A copy of the key result as it stood on the check-in's date (its status then),
        or None for a check-in not counted (dated after the as-of date)."""
        if not ci.counted:
            return None
        obj = self.objective_of(kr)
        period = self.period(obj.period) if obj else None
        if period is None:
            return None
        return history.kr_at(kr, period, min(ci.date, self.as_of), self.site.config.status)

    def kr_from_update_key(self, ci: Checkin, key: str) -> KeyResult | None:
        return self.site.key_result(f"{ci.team}/{ci.period}/{key}")

    # ---- refs

    def ref(self, ref: str | None) -> RefInfo | None:
        if not ref:
            return None
        parts = ref.split("/")
        if len(parts) not in (3, 4):
            return None
        obj = self.site.objectives.get("/".join(parts[:3]))
        if obj is None:
            return None
        item: Objective | KeyResult | None = obj
        kind = "objective"
        title = obj.title
        if len(parts) == 4:
            item = self.site.key_result(ref)
            if item is None:
                return None
            kind = "key result"
            title = item.title
        return RefInfo(
            ref=ref,
            url=urls.objective_ref(ref),
            kind=kind,
            title=title,
            team=self.team(obj.team),
            team_name=self.team_name(obj.team),
            period=obj.period,
            period_label=self.period_label(obj.period),
            objective=obj,
            item=item,
        )

    def aligns_to(self, item: Objective | KeyResult) -> list[tuple[str, RefInfo | None]]:
        """(text, info) per aligns_to ref, in file order; info None when unresolved."""
        out = []
        for r in item.aligns_to:
            info = self.ref(r.target) if r.target else None
            out.append((r.raw, info))
        return out

    def depends_on(self, obj: Objective) -> list[tuple[str, RefInfo | None]]:
        out = []
        for r in obj.depends_on:
            info = self.ref(r.target) if r.target else None
            out.append((r.raw, info))
        return out

    def _reverse(self, mapping: dict[str, list[str]], ref: str) -> list[RefInfo]:
        infos = [i for r in sorted(set(mapping.get(ref, []))) if (i := self.ref(r)) is not None]
        infos.sort(key=lambda i: (self.period_pos(i.period), self.org_pos(i.team.id if i.team else ""), i.ref))
        return infos

    def aligned_from(self, ref: str) -> list[RefInfo]:
        return self._reverse(self.site.aligned_from, ref)

    def depended_on_by(self, ref: str) -> list[RefInfo]:
        return self._reverse(self.site.depended_on_by, ref)

    # ---- home page boards

    def open_periods(self) -> list[str]:
        return [p.id for p in self.periods if self.as_of <= p.end]

    def at_risk_krs(self) -> list[KeyResult]:
        """At-risk key results of open periods, by period, organisation order, ref."""
        out: list[tuple[Any, KeyResult]] = []
        open_ids = set(self.open_periods())
        for ref in sorted(self.site.objectives):
            o = self.site.objectives[ref]
            if o.period not in open_ids:
                continue
            for i, kr in enumerate(o.key_results):
                if kr.status == "at-risk":
                    out.append(((self.period_pos(o.period), self.org_pos(o.team), o.id, i), kr))
        out.sort(key=lambda x: x[0])
        return [kr for _, kr in out]

    def help_requests(self) -> list[Checkin]:
        """Each team's latest counted check-in, when it asks for help; organisation order."""
        out = []
        for tid in self.team_order:
            ci = self.latest_checkin(tid)
            if ci is not None and ci.help:
                out.append(ci)
        return out

    def help_board(self) -> tuple[list[Checkin], list[Checkin]]:
        """(current, older) requests for help: each team's latest counted check-in that
        asks for help, current while it is no older than the stale limit (organisation
        order), else older (newest first). See ``okrsite.core.status.help_state``."""
        limit = self.site.config.status.stale_after_days
        current: list[Checkin] = []
        older: list[Checkin] = []
        for ci in self.help_requests():
            (current if (self.as_of - ci.date).days <= limit else older).append(ci)
        older.sort(key=lambda c: (-c.date.toordinal(), self.org_pos(c.team)))
        return current, older

    def help_state(self, ci: Checkin, text: str) -> str:
        """The state of one request for help of a check-in (``okrsite.core.status.HELP_*``)."""
        return rules.help_state(
            ci, text, self.latest_checkin(ci.team), self.as_of, self.site.config.status.stale_after_days
        )

    def help_split(self, ci: Checkin) -> tuple[list[str], list[tuple[str, str]]]:
        """A check-in's requests for help: (current ones, [(older one, its state)]);
        requests of a check-in after the as-of date count as current (the page says
        it is not counted yet)."""
        current, older = [], []
        for text in ci.help:
            state = self.help_state(ci, text)
            if state in (rules.HELP_OPEN, rules.HELP_NOT_COUNTED):
                current.append(text)
            else:
                older.append((text, state))
        return current, older

    def help_age(self, ci: Checkin, state: str) -> str:
        """Why an older request for help is older, dated: 'asked 21 days ago, on ...'."""
        latest = self.latest_checkin(ci.team)
        asked = ci.date.isoformat()
        if state == rules.HELP_STALE or latest is None:
            return f"asked {(self.as_of - ci.date).days} days ago, on {asked}; no check-in since"
        if state == rules.HELP_REPEATED:
            return f"asked on {asked}, and again on {latest.date.isoformat()}"
        return f"asked on {asked}; not repeated in the check-in of {latest.date.isoformat()}"

    # ---- why a status is what it is (okrsite.core.status: Reason), in words

    def why(self, item: Objective | KeyResult) -> str:
        """The rule that decided an objective's or key result's status, in a sentence."""
        if isinstance(item, Objective):
            return reason_words(rules.objective_reason(item), item, self)
        obj = self.objective_of(item)
        period = self.period(obj.period) if obj else None
        return reason_words(rules.kr_reason(item, period, self.as_of, self.site.config.status), item, self)

    def stale_groups(self) -> list[tuple[Team, str, list[KeyResult], Checkin | None]]:
        """(team, period, stale KRs, latest counted check-in) for each team-period with
        stale key results; period order then organisation order."""
        out = []
        for pid in self.open_periods():
            for tid in self.team_order:
                krs = [kr for o in self.objectives(tid, pid) for kr in o.key_results if kr.stale]
                if krs:
                    cis = [c for c in self.checkins(tid, pid) if c.counted]
                    out.append((self.site.teams[tid], pid, krs, cis[-1] if cis else None))
        return out

    # ---- alignment

    def alignment(self, period_id: str) -> tuple[list[TreeNode], list[TreeNode], list[Objective]]:
        """(root-team trees, other trees, objectives standing on their own) for a period.

        Shown items are objectives whose period overlaps the page's period; trees start at
        the root teams' objectives of the period and of every period containing it."""
        page = self.period(period_id)
        if page is None:
            return [], [], []

        def overlaps(o: Objective) -> bool:
            p = self.period(o.period)
            return p is not None and p.start <= page.end and page.start <= p.end

        def contained(o: Objective) -> bool:
            p = self.period(o.period)
            return p is not None and page.contains(p)

        cands = {ref: o for ref, o in self.site.objectives.items() if overlaps(o)}
        shown: set[str] = set()

        def obj_sort_key(o: Objective) -> tuple:
            return (self.period_pos(o.period), self.org_pos(o.team), o.id)

        def aligned_nodes(ref: str, path: frozenset[str]) -> list[TreeNode]:
            nodes = []
            infos: list[tuple[RefInfo, Objective]] = []
            for r in sorted(set(self.site.aligned_from.get(ref, []))):
                info = self.ref(r)
                if info is None or info.objective is None or info.objective.ref not in cands:
                    continue
                infos.append((info, info.objective))
            infos.sort(key=lambda p: (obj_sort_key(p[1]), p[0].ref))
            for info, _ in infos:
                nodes.append(build(info, path))
            return nodes

        def build(info: RefInfo, path: frozenset[str]) -> TreeNode:
            assert info.item is not None  # self.ref gives an item with every info
            node = TreeNode(ref=info.ref, kind=info.kind, info=info, item=info.item)
            if info.ref in path:
                node.repeat = True
                return node
            path = path | {info.ref}
            if info.kind == "objective":
                shown.add(info.ref)
                assert isinstance(info.item, Objective)  # the kind says so
                for kr in info.item.key_results:
                    kinfo = self.ref(kr.ref)
                    if kinfo is None:
                        continue
                    knode = TreeNode(ref=kr.ref, kind="key result", info=kinfo, item=kr, own=True)
                    knode.aligned = aligned_nodes(kr.ref, path | {kr.ref})
                    node.own_krs.append(knode)
            node.aligned = aligned_nodes(info.ref, path)
            return node

        def objective_tree(o: Objective) -> TreeNode:
            info = self.ref(o.ref)
            assert info is not None  # every objective of the site resolves
            return build(info, frozenset())

        root_trees = [objective_tree(o) for o in self.root_objectives(period_id)]

        def targets_in_cands(o: Objective) -> bool:
            refs = [r.target for r in o.aligns_to] + [r.target for kr in o.key_results for r in kr.aligns_to]
            for t in refs:
                if not t:
                    continue
                info = self.ref(t)
                if info is not None and info.objective is not None and info.objective.ref in cands:
                    return True
            return False

        def has_aligned(o: Objective) -> bool:
            refs = [o.ref] + [kr.ref for kr in o.key_results]
            return any(
                any(
                    (i := self.ref(r)) is not None and i.objective is not None and i.objective.ref in cands
                    for r in self.site.aligned_from.get(x, [])
                )
                for x in refs
            )

        def is_alone(o: Objective) -> bool:
            if o.aligns_to or any(kr.aligns_to for kr in o.key_results):
                return False
            refs = [o.ref] + [kr.ref for kr in o.key_results]
            return not any(self.site.aligned_from.get(x) for x in refs)

        def subtree_has_contained(node: TreeNode) -> bool:
            if isinstance(node.item, Objective) and contained(node.item):  # node.kind "objective"
                return True
            if isinstance(node.item, KeyResult):  # node.kind "key result"
                o = self.objective_of(node.item)
                if o is not None and contained(o):
                    return True
            return any(subtree_has_contained(n) for n in node.own_krs + node.aligned)

        other_trees: list[TreeNode] = []
        for o in sorted(cands.values(), key=obj_sort_key):
            if o.ref in shown or is_alone(o) or targets_in_cands(o) or not has_aligned(o):
                continue
            node = objective_tree(o)
            if subtree_has_contained(node):
                other_trees.append(node)

        alone = [
            o for o in sorted(cands.values(), key=obj_sort_key) if contained(o) and o.ref not in shown and is_alone(o)
        ]
        return root_trees, other_trees, alone

    # ---- pictures: charts, the heat map, "this week" (charts.py, history.py)

    def kr_chart(self, kr: KeyResult) -> Any:
        obj = self.objective_of(kr)
        period = self.period(obj.period) if obj else None
        if period is None:
            return None
        return charts.kr_chart(kr, period, self.as_of, "chart-" + urls.kr_anchor(kr.id))

    def progress_points(self, obj: Objective) -> list[Any]:
        """The objective's progress at each check-in of its team-period (history.py)."""
        if obj.ref not in self._progress_cache:
            period = self.period(obj.period)
            cis = [c for c in self.checkins(obj.team, obj.period) if c.counted]
            self._progress_cache[obj.ref] = history.progress_series(obj, period, cis) if period else []
        return self._progress_cache[obj.ref]

    def objective_chart(self, obj: Objective) -> Any:
        period = self.period(obj.period)
        pts = self.progress_points(obj)
        if period is None or not pts:
            return None
        title = f"{obj.title}: progress over {period.label or period.id}, against the expected pace"
        return charts.progress_chart([(p.date, p.progress) for p in pts], period, self.as_of, title, "chart-objective")

    def colour_weeks(self, team_id: str, period_id: str) -> list[Any]:
        """Colour counts of the team's key results at the end of each week of the period."""
        key = (team_id, period_id)
        if key not in self._weeks_cache:
            period = self.period(period_id)
            self._weeks_cache[key] = (
                history.colour_weeks(self.objectives(team_id, period_id), period, self.as_of, self.site.config.status)
                if period
                else []
            )
        return self._weeks_cache[key]

    def colours_chart(self, team_id: str, period_id: str) -> Any:
        weeks = self.colour_weeks(team_id, period_id)
        title = f"{self.team_name(team_id)}, {self.period_label(period_id)}: key results by status, week by week"
        return charts.distribution_chart(
            [(w.label, w.counts) for w in weeks], OPEN_COUNT_WORDS, title, "chart-colours", GRADED_COUNT_WORDS
        )

    def kpi_chart(self, kpi: Any) -> Any:
        return charts.sparkline(kpi, f"chart-kpi-{kpi.id}")

    def kpi_values(self, kpi: Any) -> list[tuple[date, float]]:
        return charts.kpi_values(kpi)

    def glance(self, period_id: str) -> list[tuple[Team, int, list[Objective], list[Objective]]]:
        """Rows of the period's heat map: (team, depth, its objectives, its objectives of
        longer periods containing this one, such as the year around a quarter) in
        organisation order, for the teams with objectives and the teams above them."""
        longer = self.containing_periods(period_id)[:-1]
        keep: set[str] = set()
        for tid in self.team_order:
            if self.objectives(tid, period_id) or any(self.objectives(tid, pid) for pid in longer):
                t: str | None = tid
                while t and t in self.site.teams and t not in keep:
                    keep.add(t)
                    t = self.site.teams[t].parent
        return [
            (
                self.site.teams[t],
                self.depth.get(t, 0),
                self.objectives(t, period_id),
                [o for pid in longer for o in self.objectives(t, pid)],
            )
            for t in self.team_order
            if t in keep
        ]

    def alignment_of(
        self, period_id: str
    ) -> tuple[list[TreeNode], list[TreeNode], list[Objective], dict[int, frozenset[str]]]:
        """``alignment`` and the teams of each subtree, computed once per view."""
        hit = self._alignment.get(period_id)
        if hit is None:
            roots, others, alone = self.alignment(period_id)
            hit = self._alignment[period_id] = (roots, others, alone, subtree_teams(roots + others))
        return hit

    def focus(self, period_id: str, team_id: str) -> tuple[list[TreeNode], list[TreeNode], set[str]]:
        """A period's alignment focused on a team: the root teams' trees and the other
        trees cut to the branches that involve it (``focus_trees``), and the teams in
        them with the team itself (the teams listed on its page: not every team, or the
        pages of a big organisation would grow with the square of its size)."""
        roots, others, _alone, teams_of = self.alignment_of(period_id)
        trees, other_trees = focus_trees(roots, team_id, teams_of), focus_trees(others, team_id, teams_of)
        return trees, other_trees, tree_teams(trees + other_trees) | {team_id}

    def focus_teams(self, period_id: str) -> list[str]:
        """The teams with a focused alignment page for the period: those owning an item
        of its trees or an objective standing alone; organisation order."""
        return self._focus_of(period_id)[0]

    def has_focus(self, period_id: str, team_id: str) -> bool:
        """Whether the period's alignment has a page focused on the team."""
        return team_id in self._focus_of(period_id)[1]

    def _focus_of(self, period_id: str) -> tuple[list[str], frozenset[str]]:
        hit = self._focus.get(period_id)
        if hit is None:
            roots, others, alone, teams = self.alignment_of(period_id)
            present: set[str] = {o.team for o in alone}
            for node in roots + others:
                present |= teams.get(id(node), frozenset())
            order = [t for t in self.team_order if t in present]
            hit = self._focus[period_id] = (order, frozenset(order))
        return hit

    def shown_focus_teams(self, period_id: str, shown: set[str]) -> list[str]:
        """The teams of ``shown`` that have a focused page, in organisation order: the
        list on a focused page, made in proportion to it, not to the organisation (a
        pass over every team of the period on each of its pages grew with the square
        of the organisation)."""
        return sorted((t for t in shown if self.has_focus(period_id, t)), key=self.org_pos)

    def alone(self, period_id: str, team_id: str) -> list[Objective]:
        """The team's objectives standing alone in the period's alignment, in its order."""
        by_team = self._alone.get(period_id)
        if by_team is None:
            by_team = {}
            for o in self.alignment_of(period_id)[2]:
                by_team.setdefault(o.team, []).append(o)
            self._alone[period_id] = by_team
        return by_team.get(team_id, [])

    def this_week(self) -> Any:
        if self._this_week is None:
            self._this_week = history.this_week(self.site, self.team_order)
        return self._this_week
