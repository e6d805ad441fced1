"""Load step: source files -> the OKR model, checking each file on its own.

Pure: takes the files' bytes (``SourceFile``), the config and the as-of date; returns a
``Site`` whose cross-file links are not resolved yet (see ``resolve``). Every problem
goes to the Diagnostics list; nothing raises on bad content."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .config import calendar_period
from .diagnostics import Diagnostics
from .fields import PERIOD_ID_RE, Reader, check_file_name, check_id, is_id, is_number, number_problem, parse_date
from .markdown import Markdown, html_too_deep, safe_link
from .model import (
    COMMITMENTS,
    INITIATIVE_STATUSES,
    KR_TYPES,
    STATUSES,
    Checkin,
    Config,
    Initiative,
    KeyResult,
    Kpi,
    LimitsConfig,
    Objective,
    Org,
    Period,
    Ref,
    Retro,
    Site,
    SourceFile,
    Strategy,
    Team,
    Update,
)
from .parse import LineDict, Parsed, parse, type_name

ORG_KEYS = ("title", "vision", "mission", "strategy")
STRATEGY_KEYS = ("id", "title", "description")
TEAM_KEYS = ("name", "parent", "lead", "members", "maintainers", "mission", "kpis")
KPI_KEYS = ("id", "name", "unit", "healthy_above", "healthy_below")
OBJECTIVE_KEYS = (
    "title",
    "owner",
    "commitment",
    "aligns_to",
    "depends_on",
    "theme",
    "tags",
    "initiatives",
    "key_results",
)
KR_KEYS = (
    "id",
    "title",
    "type",
    "start",
    "target",
    "unit",
    "owner",
    "partner",
    "commitment",
    "weight",
    "contributors",
    "aligns_to",
    "initiatives",
)
INITIATIVE_KEYS = ("title", "status", "link")
CHECKIN_KEYS = ("date", "author", "key_results", "objectives", "kpis", "help")
UPDATE_KEYS = ("value", "progress", "done", "confidence", "status", "score", "note")
BODY_ONLY_KEYS = ("title",)

CHECKIN_NAME_RE = PERIOD_ID_RE


@dataclass
class Classified:
    """Where a file sits in the layout."""

    kind: str  # org, team, backlog, retro, objective, checkin
    team: str = ""
    period: str = ""
    name: str = ""


def classify(rel: str) -> Classified | str | None:
    """The kind of a content file from its path relative to the content folder.
    Returns a message (str) for a file in a wrong place, None for files to skip."""
    parts = rel.split("/")
    if not rel.endswith(".md"):
        return None
    if parts == ["_index.md"]:
        return Classified("org")
    if parts[0] != "teams" or len(parts) < 3:
        return "not part of the content layout (expected _index.md or teams/<team>/...): ignored"
    team = parts[1]
    if len(parts) == 3:
        if parts[2] == "_index.md":
            return Classified("team", team)
        if parts[2] == "backlog.md":
            return Classified("backlog", team)
        return "a team folder holds only _index.md, backlog.md and period folders: ignored"
    period = parts[2]
    if len(parts) == 4:
        stem = parts[3][:-3]
        if stem == "retro":
            return Classified("retro", team, period)
        if stem == "_index":
            return "a period folder has no _index.md (the team-period page is generated): ignored"
        return Classified("objective", team, period, stem)
    if len(parts) == 5 and parts[3] == "checkins":
        return Classified("checkin", team, period, parts[4][:-3])
    return "not part of the content layout (too deep): ignored"


def site_periods(config: Config, folder_ids: Iterable[str]) -> tuple[dict[str, Period], set[str]]:
    """Declared periods plus calendar periods used as folders, sorted by start, end, id.
    Returns also the folder ids that are neither declared nor calendar ids."""
    periods = {p.id: p for p in config.periods}
    unknown: set[str] = set()
    for pid in folder_ids:
        if pid in periods:
            continue
        cal = calendar_period(pid)
        if cal is None:
            unknown.add(pid)
        else:
            periods[pid] = cal
    ordered = sorted(periods.values(), key=lambda p: (p.start, p.end, p.id))
    return {p.id: p for p in ordered}, unknown


def current_period(periods: dict[str, Period], as_of: date) -> str | None:
    """The shortest period containing as_of (ties by id); else the latest that started
    before it; else the earliest."""
    if not periods:
        return None
    containing = [p for p in periods.values() if p.start <= as_of <= p.end]
    if containing:
        return min(containing, key=lambda p: (p.days, p.id)).id
    started = [p for p in periods.values() if p.start < as_of]
    if started:
        return max(started, key=lambda p: (p.start, p.end, p.id)).id  # latest start
    return min(periods.values(), key=lambda p: (p.start, p.end, p.id)).id


@dataclass(frozen=True)
class ParsedFile:
    """One content file parsed: its front matter and body (``parse.parse``) and the body
    as HTML ("" when bodies are not rendered: ``okrsite check`` shows none)."""

    parsed: Parsed
    html: str


def parse_file(data: bytes, limits: LimitsConfig, md: Markdown | None) -> ParsedFile:
    """A content file's bytes parsed, and its body rendered by ``md`` (None: not
    rendered). What the loader needs of a file, as ``parse_all`` (in the builder) gives
    it for every file :func:`to_parse` names."""
    parsed = parse(data, True, limits.max_yaml_depth, limits.max_yaml_nodes)
    return ParsedFile(parsed, md.render(parsed.body) if md is not None else "")


def to_parse(files: Iterable[SourceFile], config: Config) -> list[SourceFile]:
    """The files whose contents :func:`load` reads: in the content layout and readable.
    A file listed here that load then skips (for a problem found later) costs a parse,
    never a different result."""
    prefix = content_prefix(config)
    return [
        f
        for f in files
        if not not_read(f, config.limits) and isinstance(classify(in_content(f.path, prefix)), Classified)
    ]


class Loader:
    def __init__(
        self,
        config: Config,
        as_of: date,
        diags: Diagnostics,
        markdown: Markdown | None = None,
        parsed: Mapping[str, ParsedFile] | None = None,
        bodies: bool = True,
    ):
        """``parsed``: files already parsed, by path (``parse_all``); the loader parses
        any other file itself. ``bodies=False``: bodies are not rendered."""
        self.config = config
        self.as_of = as_of
        self.diags = diags
        self.parsed: Mapping[str, ParsedFile] = parsed or {}
        self.md = (markdown or Markdown(config.allow_html)) if bodies else None
        self.unplaced: list[Checkin] = []  # check-ins without a date in their period (``Site.unplaced``)

    # ------------------------------------------------------------------ entry point
    def load(self, files: list[SourceFile]) -> Site:
        prefix = content_prefix(self.config)
        classified: list[tuple[SourceFile, Classified]] = []
        folded: dict[str, str] = {}  # case-folded folder or file path -> as first seen
        clashed: set[str] = set()
        refused: set[str] = set()  # team and period folders whose names are refused (reported once)
        unread: list[list[str]] = []  # the parts of the folders that could not be read
        for f in sorted(files, key=lambda f: f.path):
            rel = in_content(f.path, prefix)
            if f.folder:  # a folder gather could not read: its only diagnostic
                self.diags.error(f.path, 1, f.problem)
                unread.append(rel.split("/"))
                continue
            c = classify(rel)
            if c is None:
                continue
            if isinstance(c, str):
                self.diags.warning(f.path, 1, c)
                continue
            team_folder, period_folder = f"teams/{c.team}", f"teams/{c.team}/{c.period}"
            if team_folder in refused or (c.period and period_folder in refused):
                continue
            if c.team and not check_id(self.diags, f.path, 1, c.team, "team"):
                refused.add(team_folder)
                continue
            if c.period and not check_id(self.diags, f.path, 1, c.period, "period", PERIOD_ID_RE):
                refused.add(period_folder)
                continue
            if c.kind == "objective" and not check_id(self.diags, f.path, 1, c.name, "objective"):
                continue
            if c.kind == "objective" and c.name == "checkins":
                self.diags.error(
                    f.path, 1, "an objective cannot be called 'checkins': that name is the check-ins folder"
                )
                continue
            if c.kind == "checkin" and not CHECKIN_NAME_RE.match(c.name):
                self.diags.error(
                    f.path, 1, f"invalid check-in file name {c.name!r}: name it after its date, like 2026-11-20.md"
                )
                continue
            if c.kind == "checkin" and not check_file_name(self.diags, f.path, 1, c.name, "check-in name"):
                continue
            if self.case_clash(f.path, rel, folded, clashed):
                continue
            classified.append((f, c))

        # a team or period folder that could not be read still exists: what names it is
        # not unknown (its folder's error says why it is empty)
        unread_teams = {parts[1] for parts in unread if len(parts) >= 2 and parts[0] == "teams" and is_id(parts[1])}
        folder_periods = {c.period for _, c in classified if c.period}
        folder_periods.update(
            parts[2]
            for parts in unread
            if len(parts) >= 3 and parts[1] in unread_teams and is_id(parts[2], PERIOD_ID_RE)
        )
        periods, unknown = site_periods(self.config, folder_periods)
        # a calendar period folder ('2026-Q4') and a declared period differing only in
        # case ('2026-q4') would be one page on a case-insensitive file system
        declared = {p.id.casefold(): p.id for p in self.config.periods}
        period_clash: dict[str, str] = {}
        for pid in list(periods):
            other = declared.get(pid.casefold())
            if other is not None and other != pid:
                del periods[pid]
                period_clash[pid] = other
        reported_unknown: set[str] = set()
        org = Org(title=self.config.title)
        teams: dict[str, Team] = {}
        backlogs: dict[str, str] = {}
        objectives: dict[str, Objective] = {}
        checkins: list[Checkin] = []
        retros: dict[tuple[str, str], Retro] = {}
        for f, c in classified:
            if c.period in period_clash:
                if c.period not in reported_unknown:
                    reported_unknown.add(c.period)
                    self.diags.error(
                        f.path,
                        1,
                        f"period folder '{c.period}' differs only in case from the period "
                        f"'{period_clash[c.period]}' declared in {self.config.path}: on a case-insensitive "
                        "file system they are the same; rename the folder (ignored)",
                    )
                continue
            if c.period in unknown:
                if c.period not in reported_unknown:
                    reported_unknown.add(c.period)
                    self.diags.error(
                        f.path,
                        1,
                        f"unknown period '{c.period}': declare it under 'periods:' in {self.config.path} with its start and end (only YYYY, YYYY-Qn and YYYY-Hn are known without it)",
                    )
                continue
            if c.kind == "org":
                org = self.org(f)
            elif c.kind == "team":
                teams[c.team] = self.team(f, c.team)
            elif c.kind == "backlog":
                backlogs[c.team] = self.body_only(f)
            elif c.kind == "retro":
                retros[(c.team, c.period)] = Retro(c.team, c.period, f.path, self.body_only(f))
            elif c.kind == "objective":
                obj = self.objective(f, c)
                if obj is not None:
                    objectives[obj.ref] = obj
            elif c.kind == "checkin":
                ci = self.checkin(f, c, periods[c.period])
                if ci is not None:
                    checkins.append(ci)

        # teams that have folders but no _index.md still exist
        for _, c in classified:
            if c.team and c.team not in teams:
                teams[c.team] = Team(id=c.team, name=default_name(c.team), path=f"{prefix}teams/{c.team}")
        for parts in unread:
            if len(parts) >= 2 and parts[1] in unread_teams:
                team = teams.setdefault(
                    parts[1], Team(id=parts[1], name=default_name(parts[1]), path=f"{prefix}teams/{parts[1]}")
                )
                team.unread_folder = True
                team.incomplete = team.incomplete or len(parts) == 2  # its _index.md was not read either
        for team_id, html in backlogs.items():
            teams[team_id].backlog_html = html

        checkins.sort(key=lambda ci: (ci.team, ci.period, ci.date, ci.name))
        return Site(
            config=self.config,
            as_of=self.as_of,
            org=org,
            periods=periods,
            current_period=current_period(periods, self.as_of),
            teams=dict(sorted(teams.items())),
            objectives=dict(sorted(objectives.items())),
            checkins=checkins,
            retros=dict(sorted(retros.items())),
            unplaced=sorted(self.unplaced, key=lambda ci: (ci.team, ci.period, ci.name)),
        )

    # ------------------------------------------------------------------ helpers
    def case_clash(self, path: str, rel: str, folded: dict[str, str], clashed: set[str]) -> bool:
        """Whether a folder or file of ``rel`` differs only in case from one seen before
        (``2026-Q4/`` and ``2026-q4/``, ``late.md`` and ``Late.md``): on a case-insensitive
        file system (macOS, Windows) they are one, and their pages would overwrite each
        other. The first (in path order) is kept; the other is an error, reported once."""
        parts = rel.split("/")
        for i in range(1, len(parts) + 1):
            here = "/".join(parts[:i])
            first = folded.setdefault(here.casefold(), here)
            if first != here:
                if here not in clashed:
                    clashed.add(here)
                    what = "file" if i == len(parts) else "folder"
                    self.diags.error(
                        path,
                        1,
                        f"this {what} differs only in case from '{first}': on a case-insensitive "
                        "file system they are the same, and their pages would overwrite each other; rename one "
                        "(ignored)",
                    )
                return True
        return False

    def parse(self, f: SourceFile) -> ParsedFile:
        limits = self.config.limits
        if problem := not_read(f, limits):
            # the file's only diagnostic, and the objective still exists
            self.diags.error(f.path, 1, problem)
            return ParsedFile(Parsed(None, "", 1, [(1, "error", problem)]), "")
        entry = self.parsed.get(f.path) or parse_file(f.data, limits, self.md)
        parsed = entry.parsed
        for line, severity, message in parsed.problems:
            self.diags.add(f.path, line, severity, message)
        if problem := html_too_deep(parsed.body, self.config.allow_html):
            self.diags.warning(f.path, parsed.body_line, problem)
        return entry

    def body_only(self, f: SourceFile) -> str:
        entry = self.parse(f)
        if entry.parsed.meta is not None:
            Reader(self.diags, f.path, entry.parsed.meta, BODY_ONLY_KEYS)
        return entry.html

    # ------------------------------------------------------------------ kinds
    def org(self, f: SourceFile) -> Org:
        entry = self.parse(f)
        parsed = entry.parsed
        org = Org(title=self.config.title, path=f.path, body_html=entry.html)
        org.incomplete = unreadable(parsed)
        if parsed.meta is None:
            return org
        r = Reader(self.diags, f.path, parsed.meta, ORG_KEYS)
        org.title = r.text("title", default="") or self.config.title
        org.vision = r.text("vision")
        org.mission = r.text("mission")
        seen: dict[str, int] = {}
        for item in r.mapping_list("strategy"):
            s = Reader(self.diags, f.path, item, STRATEGY_KEYS, "a strategic choice")
            sid, title = s.text("id", required=True), s.text("title", required=True)
            if sid is None or not check_id(self.diags, f.path, s.line("id"), sid, "strategic choice"):
                continue
            if sid in seen:
                self.diags.error(
                    f.path, s.line("id"), f"duplicate strategic choice id '{sid}' (first at line {seen[sid]})"
                )
                continue
            seen[sid] = s.line("id")
            org.strategy.append(Strategy(sid, title or sid, s.text("description"), s.line("id")))
        return org

    def team(self, f: SourceFile, team_id: str) -> Team:
        entry = self.parse(f)
        parsed = entry.parsed
        team = Team(id=team_id, name=default_name(team_id), path=f.path, body_html=entry.html)
        team.incomplete = unreadable(parsed)
        if parsed.meta is None:
            return team
        r = Reader(self.diags, f.path, parsed.meta, TEAM_KEYS)
        team.name = r.text("name") or team.name
        parent = r.text("parent", default=None)
        if parent is not None and check_id(self.diags, f.path, r.line("parent"), parent, "parent team"):
            team.parent = parent
            team.parent_line = r.line("parent")
        team.lead = r.person("lead")
        team.members = r.people("members")
        team.maintainers = [m for m, _ in r.text_list("maintainers")]
        team.mission = r.text("mission")
        seen: dict[str, int] = {}
        for item in r.mapping_list("kpis"):
            k = Reader(self.diags, f.path, item, KPI_KEYS, "a KPI")
            kid, name = k.text("id", required=True), k.text("name", required=True)
            above, below = k.number("healthy_above"), k.number("healthy_below")
            if above is not None and below is not None:
                self.diags.error(
                    f.path, k.line("healthy_below"), "a KPI has either healthy_above or healthy_below, not both"
                )
                below = None
            if kid is None or not check_id(self.diags, f.path, k.line("id"), kid, "KPI"):
                continue
            if kid in seen:
                self.diags.error(f.path, k.line("id"), f"duplicate KPI id '{kid}' (first at line {seen[kid]})")
                continue
            seen[kid] = k.line("id")
            team.kpis.append(Kpi(kid, name or kid, k.text("unit"), above, below, k.line("id")))
        return team

    def refs(self, r: Reader, key: str, path: str) -> list[Ref]:
        return [Ref(raw, path, line) for raw, line in r.text_list(key, one_allowed=True)]

    def initiatives(self, r: Reader, path: str) -> list[Initiative]:
        out = []
        for item in r.mapping_list("initiatives"):
            i = Reader(self.diags, path, item, INITIATIVE_KEYS, "an initiative")
            title = i.text("title", required=True)
            status = i.choice("status", INITIATIVE_STATUSES, what="initiative status")
            link = i.text("link", default=None) or None
            if link is not None and safe_link(link) is None:
                self.diags.error(
                    path,
                    i.line("link"),
                    f"unsafe link {link!r}: only http, https, mailto and relative links are allowed",
                )
                link = None
            if title:
                out.append(Initiative(title, status, link))
        return out

    def objective(self, f: SourceFile, c: Classified) -> Objective | None:
        entry = self.parse(f)
        parsed = entry.parsed
        obj = Objective(
            team=c.team, period=c.period, id=c.name, title=default_name(c.name), path=f.path, body_html=entry.html
        )
        if parsed.meta is None:
            if not parsed.problems:  # unreadable files are reported once, by parse
                self.diags.error(
                    f.path,
                    1,
                    "front matter missing: an objective starts with '---', its title and key_results, then '---'",
                )
            obj.incomplete = True
            return obj
        m = parsed.meta
        if not m and parsed.problems:
            obj.incomplete = True  # invalid YAML, already reported: the objective still exists
            return obj
        r = Reader(self.diags, f.path, m, OBJECTIVE_KEYS)
        obj.lines = dict(m.key_lines)
        obj.title = r.text("title", required=True) or obj.title
        obj.owner = r.person("owner")
        if not obj.owner and not (r.has("owner") and not isinstance(m["owner"], str)):
            self.diags.warning(
                f.path,
                r.line("owner") if "owner" in m else 1,
                "no owner: name one accountable person, role or team with 'owner:'",
            )
        obj.commitment = r.choice("commitment", COMMITMENTS, "aspirational", "commitment")
        obj.aligns_to = self.refs(r, "aligns_to", f.path)
        obj.depends_on = self.refs(r, "depends_on", f.path)
        theme = r.text("theme", default=None)
        if theme:
            obj.theme = theme
        obj.tags = [t for t, _ in r.text_list("tags")]
        obj.initiatives = self.initiatives(r, f.path)
        items = r.mapping_list("key_results", required=True)
        if "key_results" in m and isinstance(m["key_results"], list) and not m["key_results"]:
            self.diags.error(
                f.path,
                r.line("key_results"),
                "'key_results' must not be empty: an objective needs measurable key results",
            )
        obj.key_results_written = len(items)
        written = m.get("key_results")
        # key results that cannot be read make the objective incomplete: a check-in or a
        # ref naming one of them gets no second diagnostic ("unknown key result")
        obj.incomplete = len(items) < (len(written) if isinstance(written, list) else int(written is not None))
        cap = self.config.limits.max_key_results
        if len(items) > cap:
            self.diags.error(
                f.path,
                items[cap].line,
                f"too many key results ({len(items):,}): only the first {cap} are "
                f"read (limits.max_key_results in {self.config.path}); an objective needs a few, not hundreds",
            )
            items = items[:cap]
        seen: dict[str, int] = {}
        for index, item in enumerate(items, start=1):
            kr = self.key_result(f.path, item, index, obj)
            if kr is None:
                obj.incomplete = True
                continue
            if kr.id in seen:
                line = item.line_of("id", item.line)
                how = "" if "id" in item else f" (the default id of item {index})"
                self.diags.error(
                    f.path,
                    line,
                    f"duplicate key result id '{kr.id}'{how} (first at line {seen[kr.id]}): give each key result its own 'id:'",
                )
                continue
            seen[kr.id] = item.line_of("id", item.line)
            obj.key_results.append(kr)
        return obj

    def key_result(self, path: str, item: LineDict, index: int, obj: Objective) -> KeyResult | None:
        r = Reader(self.diags, path, item, KR_KEYS, "a key result")
        kr_id = r.text("id", default=f"kr{index}") or f"kr{index}"
        if not check_id(self.diags, path, r.line("id"), kr_id, "key result"):
            return None
        title = r.text("title", required=True)
        start, target = r.number("start"), r.number("target")
        kr_type = r.choice("type", KR_TYPES, None, "key result type")
        if kr_type is None and "type" in item and item["type"] is not None:
            kr_type = "metric" if target is not None else "milestone"  # wrong type already reported
        elif kr_type is None:
            if "target" in item:
                kr_type = "metric"
            else:
                kr_type = "milestone"
                if "start" not in item:
                    self.diags.warning(
                        path,
                        item.line,
                        f"key result '{title or kr_id}' has no numbers and no type: it looks like a task. A task (\"Launch the webinar\") is an initiative; a key result says what it changes (\"120 teams attend\"). Add start and target, or 'type: milestone' if it really is done-or-not",
                    )
                else:
                    self.diags.warning(
                        path,
                        r.line("start"),
                        "key result has a start but no target: add a target, or 'type: milestone'",
                    )
        if kr_type == "metric":
            if "target" not in item or item["target"] is None:
                self.diags.error(path, item.line, "missing required key 'target' in a metric key result")
            elif target is not None:
                if "start" not in item or item["start"] is None:
                    self.diags.warning(
                        path, item.line, "metric key result has no baseline: add 'start:' (it is taken as 0)"
                    )
                elif start is not None and target == start:
                    self.diags.error(
                        path,
                        r.line("target"),
                        f"'target' equals 'start' ({target}): a metric must move from its start to its target",
                    )
        elif kr_type in ("stay_above", "stay_below") and ("target" not in item or item["target"] is None):
            self.diags.error(
                path, item.line, f"missing required key 'target' in a {kr_type} key result (the line to hold)"
            )
        commitment = r.choice("commitment", COMMITMENTS, None, "commitment") or obj.commitment
        weight = r.number("weight", default=1.0, positive=True)
        contributors = []
        for team_id, line in r.text_list("contributors"):
            if check_id(self.diags, path, line, team_id, "contributor team"):
                contributors.append((team_id, line))
        kr = KeyResult(
            objective=obj.ref,
            id=kr_id,
            title=title or kr_id,
            type=kr_type,
            start=start,
            target=target,
            unit=r.text("unit"),
            owner=r.person("owner"),
            partner=r.person("partner"),
            commitment=commitment,
            weight=float(weight),
            contributors=[t for t, _ in contributors],
            aligns_to=self.refs(r, "aligns_to", path),
            initiatives=self.initiatives(r, path),
            line=item.line,
        )
        kr.contributor_lines = [line for _, line in contributors]
        return kr

    def checkin(self, f: SourceFile, c: Classified, period: Period) -> Checkin | None:
        entry = self.parse(f)
        parsed = entry.parsed
        if parsed.meta is None:
            if not parsed.problems:
                self.diags.error(
                    f.path, 1, "front matter missing: a check-in starts with '---', its date and updates, then '---'"
                )
            return None
        m = parsed.meta
        if not m and parsed.problems:
            return None  # invalid YAML, reported: nothing more to check
        r = Reader(self.diags, f.path, m, CHECKIN_KEYS)
        when = r.date("date", required=True)
        # a check-in without a date in its period is not placed (reported), but the rest
        # of it is still checked: one mistake does not hide the others
        placed = when is not None
        name_date = parse_date(c.name)
        if when is None:
            when = name_date if isinstance(name_date, date) else period.start
        elif isinstance(name_date, date) and name_date != when:
            self.diags.warning(
                f.path,
                r.line("date"),
                f"the file name says {c.name} but 'date' is {when}: rename the file or fix the date",
            )
        try:
            last_day = period.end + timedelta(days=self.config.grading_window_days)
        except OverflowError:  # a period ending near the year 9999
            last_day = date.max
        if placed and when < period.start:
            self.diags.error(
                f.path, r.line("date"), f"check-in dated {when}, before period {period.id} starts ({period.start})"
            )
            placed = False
        if placed and when > last_day:
            self.diags.error(
                f.path,
                r.line("date"),
                f"check-in dated {when}, after period {period.id} ends ({period.end}) and its {self.config.grading_window_days}-day grading window",
            )
            placed = False
        counted = when <= self.as_of
        if placed and not counted:
            self.diags.warning(
                f.path,
                r.line("date"),
                f"check-in dated {when}, after the as-of date {self.as_of}: ignored for status until then",
            )
        ci = Checkin(
            team=c.team,
            period=c.period,
            name=c.name,
            date=when,
            path=f.path,
            author=r.person("author"),
            body_html=entry.html,
            counted=counted,
        )
        if (krs := r.mapping("key_results")) is not None:
            for key, value in krs.items():
                line = krs.line_of(key)
                if not isinstance(key, str) or key.count("/") != 1 or not all(key.split("/")):
                    self.diags.error(
                        f.path,
                        line,
                        f"key results are updated as '<objective>/<kr>' (e.g. reliability/p99), not {key!r}",
                    )
                    continue
                update = self.update(f.path, key, value, krs, ci)
                if update is not None:
                    ci.key_results[key] = update
                    ci.lines[("kr", key)] = line
        if (objs := r.mapping("objectives")) is not None:
            for key, value in objs.items():
                line = objs.line_of(key)
                status = value
                if isinstance(value, LineDict):
                    o = Reader(self.diags, f.path, value, ("status",), "an objective's status")
                    status = o.choice("status", STATUSES, None, "status")
                    if status is None:
                        continue
                elif not isinstance(value, str) or value not in STATUSES:
                    self.diags.error(
                        f.path,
                        line,
                        f"unknown status {value!r} for objective '{key}': use one of {', '.join(STATUSES)}",
                    )
                    continue
                ci.objectives[str(key)] = status
                ci.lines[("objective", str(key))] = line
        if (kpis := r.mapping("kpis")) is not None:
            for key, value in kpis.items():
                line = kpis.line_of(key)
                if not is_number(value):
                    self.diags.error(
                        f.path,
                        line,
                        f"KPI '{key}' must be {number_problem(value) or 'a number, not ' + type_name(value)}",
                    )
                    continue
                ci.kpis[str(key)] = value
                ci.lines[("kpi", str(key))] = line
        ci.help = [h for h, _ in r.text_list("help", one_allowed=True)]
        if not placed:
            self.unplaced.append(ci)
            return None
        return ci

    def update(self, path: str, key: str, value: Any, krs: LineDict, ci: Checkin) -> Update | None:
        line = krs.line_of(key)
        if is_number(value):
            return Update(checkin=ci.key, date=ci.date, line=line, value=value)
        if problem := number_problem(value):
            self.diags.error(path, line, f"the value of '{key}' must be {problem}")
            return None
        if not isinstance(value, LineDict):
            self.diags.error(
                path,
                line,
                f"update of '{key}' must be a number or a mapping (value, progress, done, confidence, status, score, note), not {type_name(value)}",
            )
            return None
        u = Reader(self.diags, path, value, UPDATE_KEYS, f"the update of '{key}'")
        return Update(
            checkin=ci.key,
            date=ci.date,
            line=line,
            value=u.number("value"),
            progress=u.fraction("progress"),
            done=u.boolean("done"),
            confidence=u.fraction("confidence"),
            status=u.choice("status", STATUSES, None, "status"),
            score=u.fraction("score"),
            note=u.text("note"),
        )


def attach_bodies(site: Site, html: Mapping[str, str]) -> None:
    """Put bodies rendered apart from loading (the build renders them while it loads:
    ``parallel.render_bodies``) where :func:`load` puts the bodies it is given: ``html``
    is by file path, for the files ``parse_all`` parsed without their bodies."""
    site.org.body_html = html.get(site.org.path, site.org.body_html)
    prefix = content_prefix(site.config)
    for team_id, team in site.teams.items():
        team.body_html = html.get(team.path, team.body_html)
        team.backlog_html = html.get(f"{prefix}teams/{team_id}/backlog.md", team.backlog_html)
    for o in site.objectives.values():
        o.body_html = html.get(o.path, o.body_html)
    for ci in (*site.checkins, *site.unplaced):
        ci.body_html = html.get(ci.path, ci.body_html)
    for retro in site.retros.values():
        retro.body_html = html.get(retro.path, retro.body_html)


def unreadable(parsed: Parsed) -> bool:
    """Whether a file's front matter could not be read (its problem is reported)."""
    return not parsed.meta and bool(parsed.problems)


def too_large(size: int, max_kb: int) -> str:
    """The diagnostic of a file over ``limits.max_file_kb``."""
    shown = f"{size / 1024 / 1024:,.1f} MB" if size >= 1024 * 1024 else f"{-(-size // 1024):,} KB"
    return f"file too large ({shown}; the limit is {max_kb:,} KB, limits.max_file_kb in okrsite.yaml): not read"


def not_read(f: SourceFile, limits: LimitsConfig) -> str:
    """Why a file is not parsed, or '': it could not be read, or it is over
    ``limits.max_file_kb`` (gather checks the size before reading; files given in memory
    are checked here)."""
    if f.problem:
        return f.problem
    if len(f.data) > limits.max_file_kb * 1024:
        return too_large(len(f.data), limits.max_file_kb)
    return ""


def in_content(path: str, prefix: str) -> str:
    """A content file's path inside the content folder (``prefix``: ``content_prefix``)."""
    return path[len(prefix) :] if path.startswith(prefix) else path


def content_prefix(config: Config) -> str:
    """How content paths start, as gather writes them: 'content/' or '../shared/content/'."""
    root = config.root.replace("\\", "/")
    return posixpath.relpath(posixpath.join(root, config.content_dir.replace("\\", "/")), root) + "/"


def default_name(identifier: str) -> str:
    """'platform-team' -> 'Platform Team'."""
    return " ".join(w.capitalize() for w in identifier.split("-") if w) or identifier


def load(
    files: list[SourceFile],
    config: Config,
    as_of: date,
    diags: Diagnostics,
    markdown: Markdown | None = None,
    parsed: Mapping[str, ParsedFile] | None = None,
    bodies: bool = True,
) -> Site:
    """``parsed``: the files already parsed, by path (the builder's ``parse_all``);
    ``bodies=False`` skips rendering Markdown bodies (``check`` shows none)."""
    return Loader(config, as_of, diags, markdown, parsed, bodies).load(files)
