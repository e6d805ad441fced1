"""Diff: what a change to the content does to the site, for a pull request. Pure.

``compare`` takes two sides, each the ``export.export_data`` of a computed site and its
diagnostics, and lists: objectives and key results added or removed, every status and
progress change (``platform/2026-Q4/reliability/p99: behind -> on-track, 41% -> 58%``),
new check-ins, new requests for help, and new errors and warnings. ``markdown`` writes it
for a pull request's comment or job summary, ``text`` for a terminal.

Both sides should be computed for the same as-of date, so that only the content differs.
Diagnostics are compared without their line numbers (an edit above a problem moves it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.model import Diagnostic

MAX_LINES = 200  # per section, so that a summary stays readable (and under GitHub's size limit)

EMPTY: dict[str, list[Any]] = {"objectives": [], "checkins": [], "teams": [], "periods": []}


@dataclass
class Item:
    """An objective or key result, added or removed."""

    ref: str
    kind: str  # "objective" | "key result"
    title: str
    detail: str = ""


@dataclass
class StatusChange:
    ref: str
    kind: str
    title: str
    status_before: str
    status_after: str
    progress_before: str  # as shown: "41%", "—"
    progress_after: str
    value_before: str = ""
    value_after: str = ""

    def words(self, escape: Callable[[str], str] = lambda text: text) -> str:
        """'behind -> on-track, 41% -> 58%' (each part only as far as it changed), then the
        values when they changed. ``escape``: for the values, whose units are free text."""
        status = (
            self.status_before
            if self.status_before == self.status_after
            else f"{self.status_before} -> {self.status_after}"
        )
        progress = (
            self.progress_after
            if self.progress_before == self.progress_after
            else f"{self.progress_before} -> {self.progress_after}"
        )
        out = f"{status}, {progress}"
        if self.value_before != self.value_after:
            out += f" ({escape(self.value_before or '—')} -> {escape(self.value_after or '—')})"
        return out


@dataclass
class CheckinInfo:
    team: str
    period: str
    date: str
    author: str
    url: str
    help: list[str] = field(default_factory=list)


@dataclass
class Changes:
    added: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    status: list[StatusChange] = field(default_factory=list)
    checkins: list[CheckinInfo] = field(default_factory=list)
    help: list[tuple[CheckinInfo, str]] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    fixed_errors: int = 0
    notes: list[str] = field(default_factory=list)
    team_names: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.status
            or self.checkins
            or self.help
            or self.errors
            or self.warnings
            or self.fixed_errors
        )


# --------------------------------------------------------------------------- comparing


def _pct(value: float | None) -> str:
    from ..site.formatting import fmt_percent

    return fmt_percent(value)


def _status(item: dict) -> str:
    if item.get("status") == "graded":
        return f"graded {_pct(item.get('score'))}" if item.get("score") is not None else "not scored"
    return item.get("status") or "no-data"


def _value(kr: dict) -> str:
    from ..site.formatting import fmt_quantity

    if kr.get("current") is None:
        return ""
    return fmt_quantity(kr["current"], kr.get("unit") or "").replace("\u00a0", " ")


def _items(data: dict) -> dict[str, tuple[str, dict]]:
    out: dict[str, tuple[str, dict]] = {}
    for obj in data.get("objectives", []):
        out[obj["ref"]] = ("objective", obj)
        for kr in obj.get("key_results", []):
            out[kr["ref"]] = ("key result", kr)
    return out


def _checkins(data: dict) -> dict[str, CheckinInfo]:
    return {
        c["url"]: CheckinInfo(
            c["team"], c["period"], c["date"], c.get("author") or "", c["url"], list(c.get("help") or [])
        )
        for c in data.get("checkins", [])
    }


def _diag_key(d: Diagnostic) -> tuple[str, str, str]:
    return (d.path, d.severity, d.message)


def compare(
    base: dict, head: dict, base_diagnostics: Sequence[Diagnostic] = (), head_diagnostics: Sequence[Diagnostic] = ()
) -> Changes:
    """What changes from ``base`` to ``head`` (each ``export.export_data``)."""
    changes = Changes()
    changes.team_names = {t["id"]: t["name"] for t in base.get("teams", [])}
    changes.team_names.update({t["id"]: t["name"] for t in head.get("teams", [])})
    before, after = _items(base), _items(head)

    def added_or_removed(refs: set[str], side: dict[str, tuple[str, dict[str, Any]]], target: list[Item]) -> None:
        for ref in sorted(refs):
            kind, item = side[ref]
            parent = ref.rsplit("/", 1)[0]
            if kind == "key result" and parent in refs:
                continue  # listed with its objective
            detail = ""
            if kind == "objective":
                n = len(item.get("key_results", []))
                detail = f"{n} key result{'s' if n != 1 else ''}"
            target.append(Item(ref, kind, item.get("title", ""), detail))

    added_or_removed(set(after) - set(before), after, changes.added)
    added_or_removed(set(before) - set(after), before, changes.removed)

    for ref in sorted(set(before) & set(after)):
        kind, old = before[ref]
        _, new = after[ref]
        change = StatusChange(
            ref,
            kind,
            new.get("title", ""),
            _status(old),
            _status(new),
            _pct(old.get("progress")),
            _pct(new.get("progress")),
            _value(old) if kind == "key result" else "",
            _value(new) if kind == "key result" else "",
        )
        if (change.status_before, change.progress_before, change.value_before) != (
            change.status_after,
            change.progress_after,
            change.value_after,
        ):
            changes.status.append(change)

    old_checkins, new_checkins = _checkins(base), _checkins(head)
    for url, ci in sorted(new_checkins.items(), key=lambda kv: (kv[1].team, kv[1].period, kv[1].date, kv[0])):
        previous = old_checkins.get(url)
        if previous is None:
            changes.checkins.append(ci)
        for text in ci.help:
            if previous is None or text not in previous.help:
                changes.help.append((ci, text))

    old_diags = Counter(_diag_key(d) for d in base_diagnostics)
    new_diags = Counter(_diag_key(d) for d in head_diagnostics)
    remaining = Counter(old_diags)
    for d in sorted(head_diagnostics, key=lambda d: (d.path, d.line)):
        key = _diag_key(d)
        if remaining[key] > 0:
            remaining[key] -= 1
            continue
        (changes.errors if d.severity == "error" else changes.warnings).append(d)
    changes.fixed_errors = sum(max(0, n - new_diags[k]) for k, n in old_diags.items() if k[1] == "error")
    return changes


# --------------------------------------------------------------------------- writing


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def headline(changes: Changes) -> str:
    """'2 status changes · 1 check-in added · 1 new error'."""
    parts = []
    if changes.errors:
        parts.append(_plural(len(changes.errors), "new error"))
    if changes.fixed_errors:
        parts.append(_plural(changes.fixed_errors, "error") + " fixed")
    if changes.status:
        parts.append(_plural(len(changes.status), "status or progress change"))
    if changes.added:
        parts.append(f"{len(changes.added)} added")
    if changes.removed:
        parts.append(f"{len(changes.removed)} removed")
    if changes.checkins:
        parts.append(_plural(len(changes.checkins), "new check-in"))
    if changes.help:
        parts.append(_plural(len(changes.help), "new request") + " for help")
    if changes.warnings:
        parts.append(_plural(len(changes.warnings), "new warning"))
    return " · ".join(parts) if parts else "No change to objectives, key results, statuses or check-ins."


def _md_text(text: str) -> str:
    """Free text inside Markdown: one line, with Markdown's and HTML's special characters escaped."""
    text = " ".join(str(text).split())
    for ch in "\\`*_[]<>|~#":
        text = text.replace(ch, "\\" + ch)
    return text


def _md_code(text: str) -> str:
    text = " ".join(str(text).split())
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LINES:
        return lines
    return lines[:MAX_LINES] + [f"- … and {len(lines) - MAX_LINES} more"]


def _team(changes: Changes, team_id: str) -> str:
    return changes.team_names.get(team_id, team_id)


def markdown(changes: Changes, title: str = "OKR changes") -> str:
    out = [f"### {_md_text(title)}", "", headline(changes), ""]
    for note in changes.notes:
        out += [f"> {_md_text(note)}", ""]

    def section(name: str, lines: list[str]) -> None:
        if lines:
            out.extend([f"**{name}**", ""] + _capped(lines) + [""])

    section(
        "New errors (the site is not published until they are fixed)",
        [f"- {_md_code(f'{d.path}:{d.line}')}: {_md_text(d.message)}" for d in changes.errors],
    )
    section(
        "Status and progress",
        [f"- {_md_code(c.ref)}: {c.words(_md_text)} — {_md_text(c.title)}" for c in changes.status],
    )
    section(
        "Added",
        [
            f"- {i.kind} {_md_code(i.ref)}: {_md_text(i.title)}" + (f" ({i.detail})" if i.detail else "")
            for i in changes.added
        ],
    )
    section("Removed", [f"- {i.kind} {_md_code(i.ref)}: {_md_text(i.title)}" for i in changes.removed])
    section(
        "New check-ins",
        [
            f"- {_md_text(_team(changes, c.team))}, {c.period}: {c.date}"
            + (f" by {_md_text(c.author)}" if c.author else "")
            for c in changes.checkins
        ],
    )
    section(
        "New requests for help",
        [f"- {_md_text(_team(changes, ci.team))} ({ci.date}): {_md_text(text)}" for ci, text in changes.help],
    )
    section("New warnings", [f"- {_md_code(f'{d.path}:{d.line}')}: {_md_text(d.message)}" for d in changes.warnings])
    return "\n".join(out).rstrip("\n") + "\n"


def text(changes: Changes, title: str = "OKR changes") -> str:
    out = [f"{title}: {headline(changes)}"]
    out += [f"note: {n}" for n in changes.notes]

    def section(name: str, lines: list[str]) -> None:
        if lines:
            out.extend(
                ["", f"{name}:"] + [f"  {line.removeprefix('- ')}" for line in _capped([f"- {x}" for x in lines])]
            )

    section("New errors", [f"{d.path}:{d.line}: {d.message}" for d in changes.errors])
    section("Status and progress", [f"{c.ref}: {c.words()}" for c in changes.status])
    section("Added", [f"{i.kind} {i.ref}: {i.title}" + (f" ({i.detail})" if i.detail else "") for i in changes.added])
    section("Removed", [f"{i.kind} {i.ref}: {i.title}" for i in changes.removed])
    section(
        "New check-ins",
        [
            f"{_team(changes, c.team)}, {c.period}: {c.date}" + (f" by {c.author}" if c.author else "")
            for c in changes.checkins
        ],
    )
    section(
        "New requests for help",
        [f"{_team(changes, ci.team)} ({ci.date}): {' '.join(t.split())}" for ci, t in changes.help],
    )
    section("New warnings", [f"{d.path}:{d.line}: {d.message}" for d in changes.warnings])
    return "\n".join(out) + "\n"
