"""The OKR model: plain data shared by every step of the build.

Loading (``load``) fills the declared fields from content files; link resolution
(``resolve``) fills ``Ref.target`` and the reverse links; ``status`` fills the
computed fields of key results, objectives and teams. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SEVERITIES = ("error", "warning")

COMMITMENTS = ("aspirational", "committed", "experimental")
KR_TYPES = ("metric", "milestone", "stay_above", "stay_below")
STATUSES = ("on-track", "behind", "at-risk")
INITIATIVE_STATUSES = ("planned", "in-progress", "done", "dropped")

# status -> colour; "graded" objectives/KRs take their colour from the score.
COLOURS = {"on-track": "green", "behind": "amber", "at-risk": "red", "no-data": "grey"}
COLOUR_ORDER = ("green", "amber", "red", "grey")
STATUS_WORDS = {
    "on-track": "On track",
    "behind": "Behind",
    "at-risk": "At risk",
    "no-data": "No data",
    "graded": "Graded",
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, reported as ``PATH:LINE: SEVERITY: MESSAGE``."""

    path: str
    line: int
    severity: str
    message: str

    def __post_init__(self) -> None:
        # one line each, whatever a file is named or contains: newlines, terminal
        # escapes, bidi overrides and lone surrogates are shown escaped (\n, \x1b, \u202e)
        for name in ("path", "message"):
            value = getattr(self, name)
            if isinstance(value, str) and not value.isprintable():
                object.__setattr__(self, name, printable(value))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def printable(text: str) -> str:
    """``text`` with every non-printable character (controls, line and paragraph
    separators, format characters such as bidi overrides, lone surrogates) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True)
class SourceFile:
    """A content file as read from disk: path relative to the site root (posix).
    ``problem``: why it could not be read (too large, unreadable); its ``data`` is then
    empty, and the loader reports the problem once, at line 1, as the file's only one."""

    path: str
    data: bytes
    problem: str = ""
    folder: bool = False  # a folder that could not be read (its ``problem`` says why)


@dataclass
class Period:
    id: str
    start: date
    end: date
    label: str
    declared: bool = False

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def contains(self, other: "Period") -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass
class StatusConfig:
    confidence_on_track: float = 0.7
    confidence_behind: float = 0.4
    pace_on_track: float = 0.10
    pace_behind: float = 0.25
    stale_after_days: int = 14


@dataclass
class LintConfig:
    max_objectives: int = 5
    min_key_results: int = 2
    max_key_results: int = 5


@dataclass
class LimitsConfig:
    """Bounds on what one content file may cost (``limits:`` in okrsite.yaml), so that
    no file, however written, makes a build slow or huge."""

    max_file_kb: int = 1024  # a bigger file is an error at line 1, and is not read
    max_key_results: int = 50  # per objective: beyond it an error, and the rest are ignored
    max_yaml_depth: int = 50  # nesting levels of front matter
    max_yaml_nodes: int = 20_000  # values in one file's front matter, aliases expanded
    max_period_days: int = 3700  # a longer period is a warning (a typo in a year?)


@dataclass
class Config:
    root: str = "."  # folder holding okrsite.yaml (absolute, set by the CLI)
    path: str = "okrsite.yaml"  # config file name relative to root, for diagnostics
    title: str = "OKRs"
    base_url: str = "/"
    content_dir: str = "content"
    output_dir: str = "public"
    theme: str | None = None
    as_of: date | None = None
    periods: list[Period] = field(default_factory=list)
    status: StatusConfig = field(default_factory=StatusConfig)
    lint: LintConfig = field(default_factory=LintConfig)
    grading_window_days: int = 30
    allow_html: bool = False
    search: bool = True
    # owners of content no team maintains, in the generated CODEOWNERS (``okrsite codeowners``)
    codeowners_fallback: list[str] = field(default_factory=list)
    # the public address of the site ("https://okrs.example.com/"): absolute links and ids in feeds
    site_url: str | None = None
    limits: LimitsConfig = field(default_factory=LimitsConfig)


@dataclass
class Strategy:
    id: str
    title: str
    description: str = ""
    line: int = 1


@dataclass
class Org:
    title: str = ""
    vision: str = ""
    mission: str = ""
    strategy: list[Strategy] = field(default_factory=list)
    body_html: str = ""
    path: str = ""
    incomplete: bool = False  # its front matter could not be read: no follow-on diagnostics


@dataclass(slots=True)
class Kpi:
    id: str
    name: str
    unit: str = ""
    healthy_above: float | None = None
    healthy_below: float | None = None
    line: int = 1
    # computed: latest reported value and its date, health ("healthy"/"unhealthy"/None)
    value: float | None = None
    value_date: date | None = None
    healthy: bool | None = None
    history: list[tuple[date, float]] = field(default_factory=list)


@dataclass(slots=True)
class Team:
    id: str
    name: str
    parent: str | None = None
    lead: str = ""
    members: list[str] = field(default_factory=list)
    maintainers: list[str] = field(default_factory=list)
    mission: str = ""
    kpis: list[Kpi] = field(default_factory=list)
    body_html: str = ""
    backlog_html: str = ""
    path: str = ""  # the _index.md (or the folder, when there is none)
    parent_line: int = 1
    # its _index.md could not be read (its KPIs are not known), or one of its folders
    # (its objectives are not all known): what names them is not reported unknown
    incomplete: bool = False
    unread_folder: bool = False
    # computed
    children: list[str] = field(default_factory=list)
    depth: int = 0
    # period id -> {"green": n, "amber": n, "red": n, "grey": n}
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    kr_counts: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(slots=True)
class Initiative:
    title: str
    status: str | None = None
    link: str | None = None


@dataclass(slots=True)
class Ref:
    """A reference as written (``raw``) and, once resolved, the full ref it names."""

    raw: str
    path: str
    line: int
    target: str | None = None


@dataclass(slots=True)
class Update:
    """One check-in's update of one key result."""

    checkin: str  # the check-in's key (see Checkin.key)
    date: date
    line: int
    value: float | None = None
    progress: float | None = None
    done: bool | None = None
    confidence: float | None = None
    status: str | None = None
    score: float | None = None
    note: str = ""


@dataclass(slots=True)
class KeyResult:
    objective: str  # the objective's full ref
    id: str
    title: str
    type: str
    start: float | None = None
    target: float | None = None
    unit: str = ""
    owner: str = ""
    partner: str = ""
    commitment: str = "aspirational"  # effective: its own, else the objective's
    weight: float = 1.0
    contributors: list[str] = field(default_factory=list)
    aligns_to: list[Ref] = field(default_factory=list)
    initiatives: list[Initiative] = field(default_factory=list)
    line: int = 1
    contributor_lines: list[int] = field(default_factory=list)
    # filled by status
    updates: list[Update] = field(default_factory=list)  # counted updates, oldest first
    current: float | None = None
    progress: float | None = None
    status: str = "no-data"  # on-track, behind, at-risk, no-data, graded
    colour: str = "grey"
    stale: bool = False
    score: float | None = None
    last_update: date | None = None

    @property
    def ref(self) -> str:
        return f"{self.objective}/{self.id}"


@dataclass(slots=True)
class Objective:
    team: str
    period: str
    id: str
    title: str
    path: str
    owner: str = ""
    commitment: str = "aspirational"
    aligns_to: list[Ref] = field(default_factory=list)
    depends_on: list[Ref] = field(default_factory=list)
    theme: str | None = None
    tags: list[str] = field(default_factory=list)
    initiatives: list[Initiative] = field(default_factory=list)
    key_results: list[KeyResult] = field(default_factory=list)
    body_html: str = ""
    incomplete: bool = False  # its front matter could not be read: no follow-on diagnostics
    lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line
    key_results_written: int = 0  # items under key_results, valid or not (for lint)
    # computed
    progress: float = 0.0
    status: str = "no-data"
    colour: str = "grey"
    score: float | None = None
    status_call: str | None = None  # the team's own call from a check-in, if any

    @property
    def ref(self) -> str:
        return f"{self.team}/{self.period}/{self.id}"


@dataclass(slots=True)
class Checkin:
    team: str
    period: str
    name: str  # the file name without .md: its date (YYYY-MM-DD), with a suffix if any
    date: date
    path: str
    author: str = ""
    key_results: dict[str, Update] = field(default_factory=dict)  # "<objective>/<kr>"
    objectives: dict[str, str] = field(default_factory=dict)  # objective id -> status
    kpis: dict[str, float] = field(default_factory=dict)
    help: list[str] = field(default_factory=list)
    body_html: str = ""
    counted: bool = True  # False when dated after as_of (ignored for status)
    # where each entry was written, for diagnostics: ("kr"|"objective"|"kpi", key) -> line
    lines: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.team}/{self.period}/{self.name}"


@dataclass(slots=True)
class Retro:
    team: str
    period: str
    path: str
    body_html: str


@dataclass
class Site:
    """Everything loaded, resolved and computed: the input of rendering and export."""

    config: Config
    as_of: date
    org: Org
    periods: dict[str, Period]  # sorted by (start, end, id)
    current_period: str | None
    teams: dict[str, Team]  # sorted by id
    objectives: dict[str, Objective]  # by full ref, sorted by ref
    checkins: list[Checkin]  # sorted by team, period, date, name
    retros: dict[tuple[str, str], Retro] = field(default_factory=dict)
    # reverse links: full ref -> list of full refs pointing at it
    aligned_from: dict[str, list[str]] = field(default_factory=dict)
    depended_on_by: dict[str, list[str]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # check-ins whose date is missing, impossible or outside their period: checked like
    # the others (so that the rest of their mistakes are reported), never shown or counted
    unplaced: list[Checkin] = field(default_factory=list)

    def key_result(self, ref: str) -> KeyResult | None:
        obj_ref, _, kr_id = ref.rpartition("/")
        obj = self.objectives.get(obj_ref)
        if obj is None:
            return None
        for kr in obj.key_results:
            if kr.id == kr_id:
                return kr
        return None

    def item(self, ref: str) -> Objective | KeyResult | None:
        """The objective or key result a full ref names."""
        return self.objectives.get(ref) or self.key_result(ref)

    def team_name(self, team_id: str | None) -> str:
        """A team's name as the site shows it: its id when no such team is known."""
        t = self.teams.get(team_id) if team_id else None
        return t.name if t else (team_id or "")

    def period_label(self, period_id: str | None) -> str:
        """A period's label as the site shows it (its id when it has none, or when no
        such period is known)."""
        p = self.periods.get(period_id) if period_id else None
        return (p.label or p.id) if p else (period_id or "")
