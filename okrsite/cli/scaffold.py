"""Scaffolding: the texts of new files, from the computed Site. Pure.

* ``checkin``: a check-in listing every key result of the team's period and every KPI of
  the team, each on a commented-out line showing its last value and date and what it
  measures: a line left as it is is not a measurement, so a saved scaffold changes no
  status; the writer uncomments the lines they measured and changes the numbers. The three
  questions as headings.
* ``objective``: a new objective with its required keys and the refs it could align to.
* ``carry_over``: the quarter rollover: the team's unfinished aspirational objectives,
  copied into the next period with their key results starting where they ended.
* ``init_files``: the starter repository of ``okrsite init``.

The command line (``commands.py``) decides the dates, checks nothing is overwritten and
writes the files; everything here returns text. Every generated file passes
``okrsite check`` as it is.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import yaml

from ..core import urls
from ..core.config import calendar_period
from ..core.fields import MAX_YEAR
from ..core.model import Config, KeyResult, Objective, Period, Ref, Site
from ..core.parse import parse


class ScaffoldError(Exception):
    """The file cannot be made as asked (unknown team or period, a date outside the
    period...): the command line exits with code 2."""


# --------------------------------------------------------------------------- YAML text

_YAML_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\x85]"
)


def yaml_str(text: str) -> str:
    """A YAML double-quoted string (JSON's syntax, which YAML shares), with the characters
    YAML would refuse or read as line breaks escaped."""
    out = json.dumps(str(text), ensure_ascii=False)
    return _YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}" if ord(m[0]) < 0x10000 else m[0], out)


def yaml_key(key: str) -> str:
    """A mapping key, quoted only when YAML would not read it back as the same text
    (``yes``, ``1e3``, ``null``...)."""
    try:
        if yaml.safe_load(f"{key}: 0") == {key: 0}:
            return key
    except yaml.YAMLError:
        pass
    return yaml_str(key)


def yaml_number(value: float | int) -> str:
    """450.0 -> '450', 0.1 -> '0.1'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value}")
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def one_line(text: str) -> str:
    """Text for a comment: one line, no surprises."""
    return " ".join(str(text).split())


def pct(value: float) -> str:
    """0.4 -> '40%', 0.125 -> '12.5%'."""
    number = round(value * 100, 4)
    return f"{yaml_number(float(number))}%"


def _num_words(value: float | None, unit: str) -> str:
    if value is None:
        return "?"
    from ..site.formatting import fmt_quantity

    return fmt_quantity(value, unit).replace("\u00a0", " ")


# --------------------------------------------------------------------------- periods


def team_periods(site: Site, team_id: str) -> list[Period]:
    """The periods in which a team has objectives, in site order."""
    ids = {o.period for o in site.objectives.values() if o.team == team_id}
    return [p for p in site.periods.values() if p.id in ids]


def require_team(site: Site, team_id: str) -> None:
    if team_id not in site.teams:
        from ..core.diagnostics import did_you_mean

        known = ", ".join(sorted(site.teams)) or "none yet"
        raise ScaffoldError(
            f"unknown team '{team_id}'{did_you_mean(team_id, site.teams)}: "
            f"the teams are the folders under teams/ ({known})"
        )


def checkin_period(site: Site, team_id: str, day: date, period_id: str | None = None) -> Period:
    """The period a check-in of ``day`` belongs to: ``period_id`` if given (and known to
    the team), else the shortest of the team's periods containing the day, else the
    latest one whose grading window contains it."""
    require_team(site, team_id)
    periods = team_periods(site, team_id)
    window = timedelta(days=site.config.grading_window_days)
    if period_id is not None:
        period = next((p for p in periods if p.id == period_id), None)
        if period is None:
            known = ", ".join(p.id for p in periods) or "none"
            raise ScaffoldError(
                f"team '{team_id}' has no objectives in period '{period_id}' "
                f"(its periods: {known}); add one with `okrsite new objective {team_id} --period {period_id}`"
            )
        if not period.start <= day <= period.end + window:
            raise ScaffoldError(
                f"{day} is outside period {period.id} ({period.start} to {period.end}, "
                f"and {site.config.grading_window_days} days after it for grading): pass --date"
            )
        return period
    containing = [p for p in periods if p.start <= day <= p.end]
    if containing:
        return min(containing, key=lambda p: (p.days, p.id))
    grading = [p for p in periods if p.end < day <= p.end + window]
    if grading:
        return max(grading, key=lambda p: (p.end, p.id))
    known = ", ".join(f"{p.id} ({p.start} to {p.end})" for p in periods) or "none"
    raise ScaffoldError(
        f"team '{team_id}' has no period containing {day} (its periods: {known}): "
        f"pass --period and --date, or add objectives for the period first"
    )


def objective_period(site: Site, team_id: str, day: date) -> str:
    """Default period for a new objective: the team's period containing the day, else the
    site's current period when it contains the day, else the calendar quarter."""
    containing = [p for p in team_periods(site, team_id) if p.start <= day <= p.end]
    if containing:
        return min(containing, key=lambda p: (p.days, p.id)).id
    cur = site.periods.get(site.current_period or "")
    if cur and cur.start <= day <= cur.end:
        return cur.id
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def known_period(site: Site, config: Config, period_id: str) -> Period:
    """A period of the site, a declared one, or a calendar id."""
    if period_id in site.periods:
        return site.periods[period_id]
    declared = next((p for p in config.periods if p.id == period_id), None)
    if declared is not None:
        return declared
    cal = calendar_period(period_id)
    if cal is None:
        raise ScaffoldError(
            f"unknown period '{period_id}': use YYYY, YYYY-Qn or YYYY-Hn, or declare it under "
            f"'periods:' in {config.path}"
        )
    return cal


def next_period(site: Site, period: Period) -> Period:
    """The period after ``period``, of the same kind: 2026-Q4 -> 2027-Q1, 2026-H2 ->
    2027-H1, 2026 -> 2027; a declared period -> the declared period starting the day after
    it ends (else the first starting after it)."""
    if m := re.match(r"^(\d{4})-Q([1-4])$", period.id):
        y, q = int(m[1]), int(m[2])
        return _calendar(f"{y + 1}-Q1" if q == 4 else f"{y}-Q{q + 1}")
    if m := re.match(r"^(\d{4})-H([12])$", period.id):
        y, h = int(m[1]), int(m[2])
        return _calendar(f"{y + 1}-H1" if h == 2 else f"{y}-H2")
    if re.match(r"^\d{4}$", period.id):
        return _calendar(str(int(period.id) + 1))
    declared = [p for p in site.config.periods if p.start > period.end]
    exact = [p for p in declared if p.start == period.end + timedelta(days=1)]
    candidates = exact or declared
    if not candidates:
        raise ScaffoldError(f"no period is declared after {period.id} in {site.config.path}: declare it, or pass --to")
    return min(candidates, key=lambda p: (p.start, p.days, p.id))


def _calendar(period_id: str) -> Period:
    """The calendar period ``period_id`` (a well-formed year, quarter or half), which
    exists unless its year is past the last one dates may have."""
    period = calendar_period(period_id)
    if period is None:
        raise ScaffoldError(f"there is no period {period_id}: dates end in the year {MAX_YEAR}")
    return period


# --------------------------------------------------------------------------- check-in


def checkin_path(config: Config, team_id: str, period_id: str, name: str) -> str:
    return f"{config.content_dir.strip('/')}/teams/{team_id}/{period_id}/checkins/{name}.md"


def _last_milestone(kr: KeyResult) -> tuple[bool | None, float | None, date | None]:
    for u in reversed(kr.updates):
        if u.done is not None or u.progress is not None:
            return u.done, u.progress, u.date
    return None, None, None


def _last_value(kr: KeyResult) -> tuple[float | None, date | None]:
    """The latest measured value of a metric or stay_* key result, and its date."""
    for u in reversed(kr.updates):
        if u.value is not None:
            return u.value, u.date
    return kr.current, kr.last_update


def _offered(key: str, value: str, when: date | None, comment: str) -> str:
    """A commented-out update line: deleting its leading "# " makes it a measurement."""
    said = f"last value, {when.isoformat()}; " if when is not None else "last value; "
    return f"#   {key}: {value}  # {said}{comment}"


def _not_yet(key: str, value: str, comment: str) -> str:
    return f"#   {key}: {value}  # {comment}; no value yet"


def _kr_comment(kr: KeyResult) -> str:
    what = one_line(kr.title)
    unit = one_line(kr.unit)
    if kr.type == "metric":
        start = kr.start if kr.start is not None else 0
        detail = f"{_num_words(start, unit)} → {_num_words(kr.target, unit)}"
    elif kr.type == "stay_above":
        detail = f"stay above {_num_words(kr.target, unit)}"
    elif kr.type == "stay_below":
        detail = f"stay below {_num_words(kr.target, unit)}"
    else:
        detail = "milestone: progress as a percentage, or done: true"
    return f"{what} ({detail})"


def _latest_call(kr: KeyResult) -> str:
    """What the team said last time besides numbers (it is not carried forward)."""
    if not kr.updates:
        return ""
    u = kr.updates[-1]
    said = []
    if u.confidence is not None:
        said.append(f"confidence {pct(u.confidence)}")
    if u.status:
        said.append(f"status {u.status}")
    return f"; last time {', '.join(said)}" if said else ""


def checkin(site: Site, team_id: str, period_id: str | None, day: date, author: str | None = None) -> tuple[str, str]:
    """(path, text) of a new check-in of ``team_id`` dated ``day``."""
    period = checkin_period(site, team_id, day, period_id)
    team = site.teams[team_id]
    objectives = [o for o in site.objectives.values() if o.team == team_id and o.period == period.id]
    author = author if author is not None else team.lead
    graded = day > period.end
    lines = [
        "---",
        f"# Check-in of {one_line(team.name)} for {one_line(period.label or period.id)}.",
        "# Every key result and KPI below is commented out with its last value: a line left",
        '# commented is not a measurement. For each one you measured, delete the "# " that',
        "# starts its line and change the number; then answer the three questions below.",
        "# An update can say more than a number:",
        '#   objective/kr: {value: 42, confidence: 0.7, note: "why"}   (or status: on-track | behind | at-risk)',
    ]
    if graded:
        lines.append("# The period has ended: give each key result its final grade, e.g. {value: 42, score: 0.7}.")
    lines.append(f"date: {day.isoformat()}")
    if author:
        lines.append(f"author: {yaml_str(author)}")
    entries: list[str] = []
    calls: list[str] = []
    for obj in objectives:
        if not obj.key_results:
            continue
        entries.append(f"  # {obj.id}: {one_line(obj.title)}")
        for kr in obj.key_results:
            key = yaml_key(f"{obj.id}/{kr.id}")
            comment = _kr_comment(kr) + _latest_call(kr)
            if kr.type == "milestone":
                done, progress, when = _last_milestone(kr)
                if done:
                    entries.append(_offered(key, "{done: true}", when, comment))
                elif progress is not None:
                    entries.append(_offered(key, f"{{progress: {yaml_str(pct(progress))}}}", when, comment))
                else:
                    entries.append(_not_yet(key, '{progress: "0%"}', comment))
                continue
            value, when = _last_value(kr)
            if value is not None:
                entries.append(_offered(key, yaml_number(value), when, comment))
            else:
                example = kr.start if kr.type == "metric" and kr.start is not None else kr.target
                entries.append(_not_yet(key, yaml_number(example) if example is not None else "0", comment))
        calls.append(
            f"#   {yaml_key(obj.id)}: on-track  # {one_line(obj.title)}"
            + (f" (now: {obj.status})" if obj.status not in ("no-data", "graded") else "")
        )
    if entries:
        lines.append("key_results:")
        lines.extend(entries)
    else:
        lines.append(f"# key_results: team '{team_id}' has no key results in {period.id} yet")
    if calls:
        lines.append("# The team's overall call on an objective, when it differs from its key results:")
        lines.append("# objectives:")
        lines.extend(calls)
    kpi_lines = []
    for kpi in team.kpis:
        side = (
            f"healthy above {_num_words(kpi.healthy_above, kpi.unit)}"
            if kpi.healthy_above is not None
            else f"healthy below {_num_words(kpi.healthy_below, kpi.unit)}"
            if kpi.healthy_below is not None
            else one_line(kpi.unit) or "a number"
        )
        comment = f"{one_line(kpi.name)} ({side})"
        if kpi.value is not None:
            kpi_lines.append(_offered(yaml_key(kpi.id), yaml_number(kpi.value), kpi.value_date, comment))
        else:
            kpi_lines.append(_not_yet(yaml_key(kpi.id), "0", comment))
    if kpi_lines:
        lines.append("kpis:")
        lines.extend(kpi_lines)
    lines.append('# help: "What would unblock us, and from whom"   (a request, or a list of them)')
    lines.append("---")
    lines += ["", "## What changed", "", "", "## What are we learning", "", "", "## Where do we need help", "", ""]
    return checkin_path(site.config, team_id, period.id, day.isoformat()), "\n".join(lines)


# --------------------------------------------------------------------------- objective


def objective_path(config: Config, team_id: str, period_id: str, objective_id: str) -> str:
    return f"{config.content_dir.strip('/')}/teams/{team_id}/{period_id}/{objective_id}.md"


def _containing(site: Site, period: Period) -> list[str]:
    """The period itself and the periods containing it, shortest first."""
    others = [p for p in site.periods.values() if p.id != period.id and p.contains(period)]
    return [period.id] + [p.id for p in sorted(others, key=lambda p: (p.days, p.id))]


def alignment_candidates(site: Site, team_id: str, period: Period) -> list[tuple[str, str]]:
    """(ref, title) of the objectives a new objective of the team could align to: its
    parent's, then the root teams', in its period or the periods containing it."""
    team = site.teams.get(team_id)
    owners = []
    if team and team.parent and team.parent in site.teams:
        owners.append(team.parent)
    owners += [t.id for t in site.teams.values() if t.parent is None and t.id != team_id and t.id not in owners]
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for owner in owners:
        for pid in _containing(site, period):
            for obj in site.objectives.values():
                if obj.team == owner and obj.period == pid:
                    ref = f"{owner}/{obj.id}"
                    if ref not in seen:
                        seen.add(ref)
                        out.append((ref, obj.title))
    return out


def objective(site: Site, team_id: str, period_id: str, objective_id: str, today: date) -> tuple[str, str]:
    """(path, text) of a new objective. ``period_id`` may be any known or calendar period."""
    require_team(site, team_id)
    from ..core.fields import ID_RE

    if not ID_RE.match(objective_id) or objective_id == "checkins":
        raise ScaffoldError(
            f"invalid objective id {objective_id!r}: use lower-case letters, digits and '-' (it becomes the file name and the URL)"
        )
    period = known_period(site, site.config, period_id)
    team = site.teams[team_id]
    label = period.label or period.id
    lines = [
        "---",
        f"# A new objective of {one_line(team.name)} for {one_line(label)}. An objective is qualitative: where",
        "# you want to be. Its key results are the measurable evidence that you got there:",
        "# 2 to 5 of them, each with a baseline (start), a target and a unit.",
        f"title: {yaml_str(f'Where we want to be at the end of {label}')}",
        f"owner: {yaml_str(team.lead or team.name)}",
        "commitment: aspirational  # aspirational (green from 70%), committed (green only at 100%) or experimental",
    ]
    candidates = alignment_candidates(site, team_id, period)
    if candidates:
        lines.append("# What it contributes to (uncomment one or more):")
        lines.append("# aligns_to:")
        lines.extend(f"#   - {ref}  # {one_line(title)}" for ref, title in candidates)
    lines += [
        "key_results:",
        "  - id: first-result",
        f"    title: {yaml_str('A number that moves from its baseline to its target')}",
        "    start: 0",
        "    target: 100",
        f"    unit: {yaml_str('%')}",
        "  - id: second-result",
        f"    title: {yaml_str('Something that is done, or not, by the end of the period')}",
        "    type: milestone",
        "---",
        "",
        "Why this matters, the context, and the initiatives we bet on.",
        "",
    ]
    return objective_path(site.config, team_id, period.id, objective_id), "\n".join(lines)


# --------------------------------------------------------------------------- period rollover


@dataclass
class CarryOver:
    """What ``okrsite new period`` does: files to write, and what stays behind, why."""

    source: Period
    target: Period
    files: dict[str, str] = field(default_factory=dict)
    carried: list[tuple[str, str]] = field(default_factory=list)  # (ref, how far it got)
    left: list[tuple[str, str]] = field(default_factory=list)  # (ref, why it stays behind)


def _finished(kr: KeyResult) -> bool:
    """A metric or milestone that reached its target (stay_* are guard-rails: never done)."""
    if kr.type in ("stay_above", "stay_below"):
        return False
    value = kr.score if kr.score is not None and kr.status == "graded" else kr.progress
    return value is not None and round(value, 6) >= 1


def _ref_text(ref: Ref) -> str:
    """A ref, resolved to its full form so that it still names the same thing from the
    new period (a two-part ref is looked up in the referring file's own period first)."""
    return ref.target or ref.raw


def _refs_yaml(key: str, refs: list[Ref], indent: str) -> list[str]:
    if not refs:
        return []
    out = [f"{indent}{key}:"]
    for ref in refs:
        text = _ref_text(ref)
        note = f"  # was {ref.raw}" if text != ref.raw else ""
        out.append(f"{indent}  - {text}{note}")
    return out


def _initiatives_yaml(obj_or_kr: Objective | KeyResult, indent: str) -> list[str]:
    open_ones = [i for i in obj_or_kr.initiatives if i.status not in ("done", "dropped")]
    if not open_ones:
        return []
    out = [f"{indent}initiatives:"]
    for i in open_ones:
        out.append(f"{indent}  - title: {yaml_str(i.title)}")
        if i.status:
            out.append(f"{indent}    status: {i.status}")
        if i.link:
            out.append(f"{indent}    link: {yaml_str(i.link)}")
    return out


def _body(sources: dict[str, bytes], path: str) -> str:
    data = sources.get(path)
    if data is None:
        return ""
    return parse(data).body.strip("\n")


def _carried_text(site: Site, obj: Objective, target: Period, how_far: str, sources: dict[str, bytes]) -> str:
    krs = [kr for kr in obj.key_results if not _finished(kr)]
    done = [kr for kr in obj.key_results if _finished(kr)]
    lines = [
        "---",
        f"# Carried over from {obj.ref} ({how_far}) by `okrsite new period`.",
        "# Each metric now starts at its latest value; review the titles, targets and refs.",
        f"title: {yaml_str(obj.title)}",
    ]
    if obj.owner:
        lines.append(f"owner: {yaml_str(obj.owner)}")
    lines.append(f"commitment: {obj.commitment}")
    lines += _refs_yaml("aligns_to", obj.aligns_to, "")
    lines += _refs_yaml("depends_on", obj.depends_on, "")
    if obj.theme:
        lines.append(f"theme: {obj.theme}")
    if obj.tags:
        lines.append("tags: [" + ", ".join(yaml_str(t) for t in obj.tags) + "]")
    lines += _initiatives_yaml(obj, "")
    lines.append("key_results:")
    for kr in krs:
        lines.append(f"  - id: {kr.id}")
        lines.append(f"    title: {yaml_str(kr.title)}")
        if kr.type == "milestone" and kr.progress is not None:
            lines.append(f"    type: milestone  # {pct(kr.progress)} done in {obj.period}")
        else:
            lines.append(f"    type: {kr.type}")
        if kr.type == "metric":
            if kr.current is not None and kr.target is not None and kr.current != kr.target:
                was = f"  # {_num_words(kr.start if kr.start is not None else 0, '')} at the start of {obj.period}"
                lines.append(f"    start: {yaml_number(kr.current)}{was}")
            elif kr.start is not None:
                lines.append(f"    start: {yaml_number(kr.start)}")
        if kr.target is not None:
            lines.append(f"    target: {yaml_number(kr.target)}")
        if kr.unit:
            lines.append(f"    unit: {yaml_str(kr.unit)}")
        if kr.owner:
            lines.append(f"    owner: {yaml_str(kr.owner)}")
        if kr.partner:
            lines.append(f"    partner: {yaml_str(kr.partner)}")
        if kr.commitment != obj.commitment:
            lines.append(f"    commitment: {kr.commitment}")
        if kr.weight != 1:
            lines.append(f"    weight: {yaml_number(kr.weight)}")
        if kr.contributors:
            lines.append("    contributors: [" + ", ".join(kr.contributors) + "]")
        lines += _refs_yaml("aligns_to", kr.aligns_to, "    ")
        lines += _initiatives_yaml(kr, "    ")
    lines.append("---")
    old = urls.objective(obj.team, obj.period, obj.id)
    new = urls.objective(obj.team, target.id, obj.id)
    link = urls.relative(new, old)
    note = f"*Carried over from [{obj.ref}]({link}) ({how_far}).*"
    if done:
        note += " Finished there and left behind: " + "; ".join(one_line(kr.title) for kr in done) + "."
    lines += ["", note, ""]
    body = _body(sources, obj.path)
    if body:
        lines += [body, ""]
    return "\n".join(lines)


def carry_over(site: Site, team_id: str, from_id: str, to_id: str | None, sources: dict[str, bytes]) -> CarryOver:
    """The quarter rollover: every unfinished aspirational objective of ``team_id`` in
    period ``from_id`` (progress, or score once graded, below 100%) is copied into the
    next period; finished, committed and experimental ones stay behind. ``sources``: the
    content files' bytes by path, for the objectives' bodies."""
    require_team(site, team_id)
    periods = {p.id: p for p in team_periods(site, team_id)}
    if from_id not in periods:
        known = ", ".join(periods) or "none"
        raise ScaffoldError(f"team '{team_id}' has no objectives in period '{from_id}' (its periods: {known})")
    source = periods[from_id]
    target = known_period(site, site.config, to_id) if to_id else next_period(site, source)
    if target.id == source.id:
        raise ScaffoldError(f"--from and --to are the same period ({source.id})")
    if target.start <= source.start:
        raise ScaffoldError(f"period {target.id} does not come after {source.id}")
    from ..site.formatting import fmt_percent

    result = CarryOver(source, target)
    graded = site.as_of > source.end
    for obj in sorted(
        (o for o in site.objectives.values() if o.team == team_id and o.period == from_id), key=lambda o: o.id
    ):
        measure = obj.score if graded and obj.score is not None else obj.progress
        when = f"at the end of {source.id}" if graded else f"on {site.as_of.isoformat()}"
        how_far = f"{fmt_percent(measure)} {when}" if measure is not None else f"no progress {when}"
        if obj.incomplete:
            result.left.append((obj.ref, "its file has errors: fix them first"))
        elif obj.commitment != "aspirational":
            result.left.append((obj.ref, f"{obj.commitment}, not aspirational"))
        elif measure is not None and round(measure, 6) >= 1:
            result.left.append((obj.ref, f"finished ({fmt_percent(measure)})"))
        else:
            path = objective_path(site.config, team_id, target.id, obj.id)
            result.files[path] = _carried_text(site, obj, target, how_far, sources)
            result.carried.append((obj.ref, how_far))
    return result


# --------------------------------------------------------------------------- init


def git_requirement(url: str, ref: str | None = None) -> str:
    """The requirements.txt line installing okrsite from its git repository at ``ref``
    (a tag, branch or commit; None: the default branch): ``okrsite @ git+URL@REF``. An
    scp-like address (``git@host:org/okrsite.git``) becomes the ``ssh://`` URL pip needs."""
    url = url.strip()
    if url.startswith("git+"):
        url = url[4:]
    if m := re.fullmatch(r"([\w.-]+@[\w.-]+):(?!//)(.+)", url):
        url = f"ssh://{m[1]}/{m[2].lstrip('/')}"
    scheme = url.partition("://")[0] if "://" in url else ""
    if scheme not in ("https", "http", "ssh", "file") or not url.partition("://")[2].strip("/"):
        raise ScaffoldError(
            f"--from-git {url!r}: give the git repository's address, e.g. "
            f"https://github.com/your-org/okrsite or git@github.com:your-org/okrsite.git"
        )
    if ref is not None and not re.fullmatch(r"[\w.\-/]+", ref):
        raise ScaffoldError(f"--ref {ref!r}: give a tag, branch or commit")
    return f"okrsite @ git+{url}" + (f"@{ref}" if ref else "")


def installed_from_git(direct_url: str | None) -> tuple[str, str] | None:
    """(URL, commit) when okrsite itself was installed from a git repository that others can
    reach, from its ``direct_url.json`` (PEP 610); else None (a local folder, an index)."""
    try:
        info = json.loads(direct_url) if direct_url else None
    except ValueError:
        return None
    if not isinstance(info, dict) or not isinstance(info.get("vcs_info"), dict):
        return None
    url, vcs = info.get("url"), info["vcs_info"]
    if vcs.get("vcs") != "git" or not isinstance(url, str) or url.startswith("file:"):
        return None
    commit = vcs.get("commit_id")
    return (url, commit) if isinstance(commit, str) and commit else None


def _elapsed(period: Period, day: date) -> float:
    """How far through the period ``day`` is: 0 on its first day, 1 on its last."""
    return min(1.0, max(0.0, (day - period.start).days / max(1, (period.end - period.start).days)))


def init_files(title: str, today: date, install: str | None, version: str) -> dict[str, str]:
    """The starter repository of ``okrsite init``: {path: text}. It builds at once, with no
    warning, and looks healthy: a company objective for the year and one team with an
    objective for the current quarter, each with a check-in dated ``today`` whose values
    are a little ahead of the calendar, with the team's confidence. ``install``: the line
    of requirements.txt that installs okrsite; None writes a placeholder that pip refuses
    and the workflow's first step reports."""
    from . import starter

    year = today.year
    quarter = f"{year}-Q{(today.month - 1) // 3 + 1}"
    ahead = 0.05  # values a little ahead of pace, whatever the day
    q = min(1.0, _elapsed(_calendar(quarter), today) + ahead)
    y = min(1.0, _elapsed(_calendar(str(year)), today) + ahead)
    values = dict(starter.INIT_VALUES)
    values.update(
        {
            "title": one_line(title),
            "title_yaml": yaml_str(one_line(title)),
            "site_title_yaml": yaml_str(f"{one_line(title)} OKRs"),
            "year": str(year),
            "quarter": quarter,
            "today": today.isoformat(),
            "version": version,
            # the example values: see TEAM_OBJECTIVE and COMPANY_OBJECTIVE for start and target
            "time_to_value": str(math.floor(14 - 11 * q)),
            "self_serve_setups": str(math.ceil(40 + 40 * q)),
            "guided_tour": str(min(100, 5 * math.ceil(20 * q))),
            "active_customers": str(math.ceil(100 + 50 * y)),
            "nps": str(math.ceil(20 + 20 * y)),
        }
    )
    values["install"] = install if install is not None else starter.fill(starter.PLACEHOLDER, values)
    values["check_step"] = starter.fill(values["check_step"], values)
    return {starter.fill(path, values): starter.fill(text, values) for path, text in starter.INIT_FILES.items()}
