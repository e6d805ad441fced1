"""Lint step: the "few of them" rules of contract section 9 (warnings only).

At most ``lint.max_objectives`` objectives per team and period, and between
``lint.min_key_results`` and ``lint.max_key_results`` key results per objective. Pure."""

from __future__ import annotations

from .diagnostics import Diagnostics
from .model import Objective, Site


def lint(site: Site, diags: Diagnostics) -> None:
    limits = site.config.lint
    per_team_period: dict[tuple[str, str], list[Objective]] = {}
    for obj in site.objectives.values():
        per_team_period.setdefault((obj.team, obj.period), []).append(obj)
        if obj.incomplete:
            continue
        n = obj.key_results_written
        line = obj.lines.get("key_results", 1)
        if 0 < n < limits.min_key_results:
            diags.warning(
                obj.path,
                line,
                f"{n} key result{'s' if n != 1 else ''}: an objective is usually measured by {limits.min_key_results} to {limits.max_key_results}",
            )
        elif n > limits.max_key_results:
            diags.warning(
                obj.path,
                line,
                f"{n} key results: more than {limits.max_key_results} dilutes focus; keep the few that matter most",
            )
    for (team, period), objs in sorted(per_team_period.items()):
        if len(objs) > limits.max_objectives:
            extra = sorted(objs, key=lambda o: o.id)[limits.max_objectives]
            diags.warning(
                extra.path,
                1,
                f"team '{team}' has {len(objs)} objectives in {period}: more than {limits.max_objectives} dilutes focus",
            )
