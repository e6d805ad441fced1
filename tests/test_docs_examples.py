"""The worked examples of docs/status.md, run through the real pipeline (load, resolve,
status) on in-memory content."""

from __future__ import annotations

from datetime import date

import pytest

from okrsite.builder.pipeline import compute_site
from okrsite.core.config import parse_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.core.model import SourceFile

OBJECTIVE = """---
title: Make every page feel instant
owner: Kofi
commitment: {commitment}
key_results:
  - id: p99
    title: p99 page latency
    start: 450
    target: 200
    unit: ms
  - id: runbook
    title: Every paging alert has a runbook
    type: milestone
---
"""


def run(checkins: dict[str, str], period="2026-Q4", as_of=date(2026, 11, 20), commitment="aspirational"):
    cfg, _ = parse_config(b"")
    files = [
        SourceFile(f"content/teams/platform/{period}/reliability.md", OBJECTIVE.format(commitment=commitment).encode())
    ]
    for day, updates in checkins.items():
        files.append(
            SourceFile(
                f"content/teams/platform/{period}/checkins/{day}.md", f"---\ndate: {day}\n{updates}\n---\n".encode()
            )
        )
    diags = Diagnostics()
    site = compute_site(cfg, files, as_of, diags)
    assert not diags.errors, diags.items
    return site, site.objectives[f"platform/{period}/reliability"]


@pytest.mark.parametrize(
    "update, status, progress",
    [
        ("320", "on-track", 0.52),  # example 1
        ("360", "behind", 0.36),  # example 2
        ("400", "at-risk", 0.20),  # example 3
        ("{value: 400, confidence: 0.75}", "on-track", 0.20),  # example 4
        ("{value: 400, confidence: 0.5}", "behind", 0.20),
        ("{value: 320, confidence: 0.75, status: at-risk}", "at-risk", 0.52),
        ("150", "on-track", 1.2),  # example 5
    ],
)
def test_examples_1_to_5(update, status, progress):
    _, obj = run({"2026-11-20": f"key_results:\n  reliability/p99: {update}"})
    kr = obj.key_results[0]
    assert kr.status == status
    assert kr.progress == pytest.approx(progress)
    assert not kr.stale


def test_example_5_objective_counts_over_achievement_as_100_percent():
    _, obj = run({"2026-11-20": "key_results:\n  reliability/p99: 150\n  reliability/runbook: {done: true}"})
    assert obj.progress == pytest.approx(1.0)


def test_example_6_stale():
    _, obj = run({"2026-11-05": "key_results:\n  reliability/p99: 320"})
    kr = obj.key_results[0]
    assert kr.stale and kr.status == "on-track"
    _, obj = run({"2026-11-06": "key_results:\n  reliability/p99: 320"})
    assert not obj.key_results[0].stale  # exactly 14 days


def test_example_7_milestone_pace_at_latest_update():
    _, obj = run(
        {
            "2026-10-30": 'key_results:\n  reliability/runbook: {progress: "40%"}',
            "2026-11-06": "key_results:\n  reliability/runbook: {note: blocked on access}",
        }
    )
    kr = obj.key_results[1]
    assert kr.progress == pytest.approx(0.4)
    assert kr.status == "on-track"
    assert kr.last_update == date(2026, 11, 6)


@pytest.mark.parametrize("commitment, colour", [("committed", "amber"), ("aspirational", "green")])
def test_example_8_grading(commitment, colour):
    _, obj = run({"2026-09-30": "key_results:\n  reliability/p99: 250"}, period="2026-Q3", commitment=commitment)
    kr = obj.key_results[0]
    assert kr.status == "graded" and kr.score == pytest.approx(0.8) and kr.colour == colour


def test_example_9_team_call():
    _, obj = run({"2026-11-20": "key_results:\n  reliability/p99: 400\n  reliability/runbook: {progress: 0.6}"})
    assert [k.colour for k in obj.key_results] == ["red", "green"]
    assert obj.status == "at-risk"
    _, obj = run(
        {
            "2026-11-20": "key_results:\n  reliability/p99: 400\n  reliability/runbook: {progress: 0.6}\n"
            "objectives:\n  reliability: behind"
        }
    )
    assert obj.status == "behind" and obj.colour == "amber"
