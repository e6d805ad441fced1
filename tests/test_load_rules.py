"""Loading and typed fields (contract sections 3 to 5 and 9), in-process.

test_validation.py runs ``okrsite check`` on a content tree with one mistake of each kind;
here the same tree goes through the same step (``build`` without rendering) in this
process, so that a change to the loader or to the field readers fails a test the mutation
run can see (bench/mutation.py). Then the field readers' own rules, value by value."""

from __future__ import annotations

from datetime import date

import pytest

from okrsite.core import fields
from okrsite.builder.pipeline import build
from okrsite.core.config import read_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.core.parse import parse, type_name
from test_validation import assert_marked_diagnostics, broken_site  # noqa: F401  (a fixture)


def test_every_mistake_of_the_broken_site_in_process(broken_site):  # noqa: F811
    site, files = broken_site
    config, warnings = read_config(site / "okrsite.yaml")
    result = build(config, config.as_of, render_pages=False)
    assert_marked_diagnostics([str(d) for d in [*warnings, *result.diagnostics]], files)
    assert result.files == {}


# --------------------------------------------------------------------------- field readers


BOOL = type_name(True)  # its wording belongs to the parser


def reader(yaml_text: str, known=("a", "b", "c"), what=""):
    parsed = parse(f"---\n{yaml_text}---\n".encode())
    diags = Diagnostics()
    if what:
        return fields.Reader(diags, "f.md", parsed.meta, known, what), diags
    return fields.Reader(diags, "f.md", parsed.meta, known), diags


def messages(diags) -> list[str]:
    return [f"{d.line}: {d.severity}: {d.message}" for d in diags.sorted()]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-11-20", date(2026, 11, 20)),
        (" 2026-11-20 ", date(2026, 11, 20)),
        (date(1900, 1, 1), date(1900, 1, 1)),
        (date(2999, 12, 31), date(2999, 12, 31)),
        (date(1899, 12, 31), "date 1899-12-31 out of range (years 1900 to 2999)"),
        (date(3000, 1, 1), "date 3000-01-01 out of range (years 1900 to 2999)"),
        ("1899-12-31", "date 1899-12-31 out of range (years 1900 to 2999)"),
        ("3000-01-01", "date 3000-01-01 out of range (years 1900 to 2999)"),
        ("1900-01-01", date(1900, 1, 1)),
        ("2999-12-31", date(2999, 12, 31)),
        ("2026-02-30", "impossible date '2026-02-30'"),
        ("2026-11-20\n", date(2026, 11, 20)),
        ("2026-1-20", None),
        ("20261120", None),
        ("2026-11-20x", None),
        (20261120, None),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert fields.parse_date(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.7, 0.7),
        (1, 1.0),
        (0, 0.0),
        ("70%", 0.7),
        (" 70 % ", 0.7),
        ("0%", 0.0),
        ("150%", 1.5),
        (True, None),
        (False, None),
        ("70", None),
        ("x%", None),
        ("inf%", None),
        ("nan%", None),
        (float("inf"), None),
        (10**16, None),
        (None, None),
        ([70], None),
    ],
)
def test_parse_fraction(value, expected):
    assert fields.parse_fraction(value) == (pytest.approx(expected) if expected is not None else None)


def test_numbers_content_may_use():
    limit = fields.MAX_MAGNITUDE
    for ok in (0, -1, 2.5, limit, -limit, float(limit)):
        assert fields.is_number(ok) and fields.number_problem(ok) == ""
    for bad in (True, False, None, "1", float("nan"), float("inf"), limit + 1, -limit - 1, 1e16):
        assert not fields.is_number(bad)
    assert fields.number_problem(float("inf")) == "a finite number, not inf"
    assert fields.number_problem(float("-inf")) == "a finite number, not -inf"
    assert fields.number_problem(10**16) == "at most 10^15 in size (use a larger unit), not 1e+16"
    assert fields.number_problem(-2.5e20) == "at most 10^15 in size (use a larger unit), not -2.5e+20"
    assert fields.number_problem("1") == fields.number_problem(True) == ""


def test_unknown_keys_are_warned_about_with_a_suggestion_and_where():
    _, diags = reader("a: 1\nbb: 2\nzzz: 3\n", what="a key result")
    assert messages(diags) == [
        "3: warning: unknown key 'bb' (did you mean 'b'?) in a key result",
        "4: warning: unknown key 'zzz' in a key result",
    ]
    _, diags = reader("zzz: 3\n")
    assert messages(diags) == ["2: warning: unknown key 'zzz'"]


def test_text():
    r, diags = reader("a: ' hello '\nb: 42\nc: [x]\n")
    assert r.text("a") == "hello"
    assert r.text("b") == "42"
    assert r.text("c", default="d") == "d"
    assert r.text("missing", default="d") == "d"
    assert r.text("missing", required=True) is None
    assert messages(diags) == ["1: error: missing required key 'missing'", "4: error: 'c' must be text, not a list"]
    r, diags = reader("a: '  '\nb: true\n", what="x")
    assert r.text("a", required=True) is None
    assert r.text("b", required=True) is None
    assert r.text("a") == ""
    assert r.text("zz", required=True) is None
    assert messages(diags) == [
        "1: error: missing required key 'zz' in x",
        "2: error: 'a' must not be empty",
        f"3: error: 'b' must be text, not {BOOL}",
    ]


def test_number():
    r, diags = reader("a: 3\nb: 0\nc: .inf\n", known=("a", "b", "c", "d"))
    assert r.number("a", positive=True) == 3
    assert r.number("b", positive=True, default=-1) == -1
    assert r.number("b") == 0
    assert r.number("c", default=7) == 7
    assert r.number("d", default=8) == 8
    assert r.number("d", required=True, default=9) == 9
    r2, diags2 = reader("a: '3'\nb: -2\n")
    assert r2.number("a") is None
    assert r2.number("b", positive=True) is None
    assert messages(diags) == [
        "1: error: missing required key 'd'",
        "3: error: 'b' must be greater than 0, not 0",
        "4: error: 'c' must be a finite number, not inf",
    ]
    assert messages(diags2) == [
        "2: error: 'a' must be a number, not text",
        "3: error: 'b' must be greater than 0, not -2",
    ]


def test_integer():
    r, diags = reader("a: 5\nb: 2.5\nc: -1\n", known=("a", "b", "c", "d", "e"))
    assert r.integer("a", 1) == 5
    assert r.integer("a", 1, minimum=5, maximum=5) == 5
    assert r.integer("a", 1, maximum=4) == 1
    assert r.integer("b", 1) == 1
    assert r.integer("c", 1) == 1
    assert r.integer("c", 1, minimum=-1) == -1
    assert r.integer("missing", 9) == 9
    assert messages(diags) == [
        "2: error: 'a' must be at most 4, not 5",
        "3: error: 'b' must be a whole number, not a number",
        "4: error: 'c' must be at least 0, not -1",
    ]
    r, diags = reader("a: 12345\nb: 100000000000000000000000000000000\nc: true\n")
    assert r.integer("a", 0, maximum=1000) == 0
    assert r.integer("b", 0, maximum=1000) == 0
    assert r.integer("c", 0) == 0
    assert messages(diags) == [
        "2: error: 'a' must be at most 1,000, not 12,345",
        "3: error: 'b' must be at most 1,000, not a number that large",
        f"4: error: 'c' must be a whole number, not {BOOL}",
    ]


def test_fraction_boolean_date_choice():
    r, diags = reader("a: 70%\nb: 1.5\nc: x\n")
    assert r.fraction("a") == pytest.approx(0.7)
    assert r.fraction("b", default=0.1) == 0.1
    assert r.fraction("c") is None
    assert r.fraction("missing", default=0.2) == 0.2
    assert messages(diags) == [
        "3: error: 'b' must be between 0 and 1 (0% and 100%), not 1.5",
        "4: error: 'c' must be a number from 0 to 1 or a percentage like \"70%\", not 'x'",
    ]
    r, diags = reader("a: true\nb: yes please\nc: 2026-11-31\n")
    assert r.boolean("a") is True
    assert r.boolean("b", default=False) is False
    assert r.boolean("missing", default=None) is None
    assert r.date("c") is None
    assert r.date("b") is None
    assert r.date("missing", required=True) is None
    assert messages(diags) == [
        "1: error: missing required key 'missing'",
        "3: error: 'b' must be true or false, not text",
        "3: error: 'b' must be a date like 2026-11-20, not 'yes please'",
        "4: error: impossible date '2026-11-31'",
    ]
    r, diags = reader("a: metric\nb: 3\nc: Metric\n")
    assert r.choice("a", ("metric", "milestone")) == "metric"
    assert r.choice("b", ("metric",), default="d") == "d"
    assert r.choice("c", ("metric", "milestone"), what="type") is None
    assert r.choice("missing", ("metric",), default="m") == "m"
    assert messages(diags) == [
        "3: error: unknown value 3 for 'b': use one of metric",
        "4: error: unknown type 'Metric' for 'c': use one of metric, milestone",
    ]


def test_lists_and_mappings():
    r, diags = reader("a: [x, ' ', 3, true, [y], null]\nb: one\nc: {k: v}\n")
    assert r.text_list("a") == [("x", 2), ("3", 2)]
    assert r.text_list("b", one_allowed=True) == [("one", 3)]
    assert r.text_list("b") == []
    assert r.text_list("missing") == []
    assert r.mapping("c") == {"k": "v"}
    assert r.mapping("b") is None
    assert r.mapping("missing") is None
    assert messages(diags) == [
        f"2: error: each item of 'a' must be text, not {BOOL}",
        "2: error: each item of 'a' must be text, not a list",
        f"2: error: each item of 'a' must be text, not {type_name(None)}",
        "3: error: 'b' must be a list, not text",
        "3: error: 'b' must be a mapping of keys to values, not text",
    ]
    r, diags = reader("a:\n  - {k: 1}\n  - 2\nb: x\nc: ''\n")
    assert r.mapping_list("a") == [{"k": 1}]
    assert r.mapping_list("b") == []
    assert r.mapping_list("missing", required=True) == []
    assert r.text_list("c", one_allowed=True) == []
    assert r.text_list("b", one_allowed=False) == []
    assert messages(diags) == [
        "1: error: missing required key 'missing'",
        "4: error: each item of 'a' must be a mapping of keys to values, not a number",
        "5: error: 'b' must be a list, not text",
    ]  # asked twice, said once


def test_ids():
    diags = Diagnostics()
    assert fields.check_id(diags, "f.md", 3, "web-2", "team")
    assert not fields.check_id(diags, "f.md", 3, "Web", "team")
    assert not fields.check_id(diags, "f.md", 4, "-web", "team")
    assert not fields.check_id(diags, "f.md", 5, "web\n", "team")
    assert not fields.check_id(diags, "f.md", 6, 7, "team")
    assert fields.check_id(diags, "f.md", 7, "FY27-Q1", "period", fields.PERIOD_ID_RE)
    assert not fields.check_id(diags, "f.md", 8, "FY 27", "period", fields.PERIOD_ID_RE)
    hint = "use lower-case letters, digits and '-', starting with a letter or digit"
    assert messages(diags) == [
        f"3: error: invalid team id 'Web': {hint}",
        f"4: error: invalid team id '-web': {hint}",
        f"5: error: invalid team id 'web\\n': {hint}",
        f"6: error: invalid team id 7: {hint}",
        "8: error: invalid period id 'FY 27': use letters, digits and '-'",
    ]


# --------------------------------------------------------------------------- the model


def load_files(files: dict[str, str], config: str = "as_of: 2026-11-20\n"):
    from okrsite.core.config import parse_config
    from okrsite.core.load import load
    from okrsite.core.model import SourceFile

    cfg, _ = parse_config(config.encode())
    diags = Diagnostics()
    site = load(
        [SourceFile(f"content/{p}", t.encode()) for p, t in files.items()], cfg, date(2026, 11, 20), diags, bodies=False
    )
    return site, [str(d) for d in diags.sorted()]


EVERYTHING = {
    "_index.md": """---
title: Acme
vision: Everyone knows
mission: Publish OKRs
strategy:
  - {id: growth, title: Grow, description: More teams}
  - {id: trust}
---
""",
    "teams/web-platform/_index.md": """---
name: Web
parent: company
lead: Ana
members: [Bo, ' Cy ']
maintainers: [Ana]
mission: Fast pages
kpis:
  - {id: uptime, name: Uptime, unit: '%', healthy_above: 99.5}
  - {id: p99, name: p99, healthy_below: 300}
---
""",
    "teams/web-platform/backlog.md": "---\ntitle: Later\n---\nIdeas\n",
    "teams/web-platform/2026-Q4/retro.md": "What went well\n",
    "teams/web-platform/2026-Q4/fast.md": """---
title: Fast pages
owner: Ana
commitment: committed
aligns_to: company/growth
depends_on: [api/solid, api/other]
theme: growth
tags: [speed, ux]
initiatives:
  - {title: CDN, status: in-progress, link: 'https://example.com/cdn'}
  - {title: Cache}
key_results:
  - id: p99
    title: p99 latency
    start: 900
    target: 300
    unit: ms
    owner: Bo
    partner: Cy
    weight: 2
    contributors: [api]
    aligns_to: company/growth/k1
    initiatives: [{title: Profiling, status: done}]
  - title: Launch
    type: milestone
    commitment: aspirational
  - {id: avail, title: Availability, type: stay_above, target: 99.9}
  - {id: implicit, title: Users, start: 0, target: 5}
---
""",
    "teams/web-platform/2026-Q4/checkins/2026-11-13.md": """---
date: 2026-11-13
author: Ana
key_results:
  fast/p99: 610
  fast/kr2: {progress: 40%, note: half way}
  fast/avail: {value: 99.95, confidence: 0.8, status: on-track, score: 0.9}
  fast/implicit: {done: false}
objectives:
  fast: {status: behind}
kpis:
  uptime: 99.7
help: [a reviewer]
---
Body
""",
    "teams/web-platform/2026-Q4/checkins/2026-11-27.md": "---\ndate: 2026-11-27\nhelp: later\n---\n",
}


def test_everything_a_team_can_write_is_loaded():
    site, diags = load_files(EVERYTHING)
    assert diags == [
        "content/_index.md:7: error: missing required key 'title' in a strategic choice",
        "content/teams/web-platform/2026-Q4/checkins/2026-11-27.md:2: warning: check-in dated 2026-11-27, "
        "after the as-of date 2026-11-20: ignored for status until then",
    ]
    org = site.org
    assert (org.title, org.vision, org.mission, org.path) == (
        "Acme",
        "Everyone knows",
        "Publish OKRs",
        "content/_index.md",
    )
    assert [(s.id, s.title, s.description, s.line) for s in org.strategy] == [
        ("growth", "Grow", "More teams", 6),
        ("trust", "trust", "", 7),
    ]
    assert list(site.teams) == ["web-platform"]  # a parent named but never written is resolve's to report
    web = site.teams["web-platform"]
    assert (web.name, web.parent, web.parent_line, web.lead, web.members, web.maintainers, web.mission) == (
        "Web",
        "company",
        3,
        "Ana",
        ["Bo", "Cy"],
        ["Ana"],
        "Fast pages",
    )
    assert [(k.id, k.name, k.unit, k.healthy_above, k.healthy_below, k.line) for k in web.kpis] == [
        ("uptime", "Uptime", "%", 99.5, None, 9),
        ("p99", "p99", "", None, 300, 10),
    ]
    assert site.retros[("web-platform", "2026-Q4")].path == "content/teams/web-platform/2026-Q4/retro.md"
    assert list(site.periods) == ["2026-Q4"] and site.current_period == "2026-Q4"

    obj = site.objectives["web-platform/2026-Q4/fast"]
    assert (obj.title, obj.owner, obj.commitment, obj.theme, obj.tags, obj.incomplete, obj.key_results_written) == (
        "Fast pages",
        "Ana",
        "committed",
        "growth",
        ["speed", "ux"],
        False,
        4,
    )
    assert [(r.raw, r.line) for r in obj.aligns_to] == [("company/growth", 5)]
    assert [(r.raw, r.line) for r in obj.depends_on] == [("api/solid", 6), ("api/other", 6)]
    assert [(i.title, i.status, i.link) for i in obj.initiatives] == [
        ("CDN", "in-progress", "https://example.com/cdn"),
        ("Cache", None, None),
    ]
    assert obj.lines["theme"] == 7
    p99, launch, avail, implicit = obj.key_results
    assert (
        p99.ref,
        p99.title,
        p99.type,
        p99.start,
        p99.target,
        p99.unit,
        p99.owner,
        p99.partner,
        p99.commitment,
        p99.weight,
        p99.contributors,
        p99.contributor_lines,
        p99.line,
    ) == (
        "web-platform/2026-Q4/fast/p99",
        "p99 latency",
        "metric",
        900,
        300,
        "ms",
        "Bo",
        "Cy",
        "committed",
        2.0,
        ["api"],
        [21],
        13,
    )
    assert [(r.raw, r.line) for r in p99.aligns_to] == [("company/growth/k1", 22)]
    assert [(i.title, i.status) for i in p99.initiatives] == [("Profiling", "done")]
    assert (launch.id, launch.type, launch.commitment, launch.weight) == ("kr2", "milestone", "aspirational", 1.0)
    assert (avail.type, avail.target, avail.start) == ("stay_above", 99.9, None)
    assert implicit.type == "metric"

    first, later = site.checkins
    assert (first.key, first.author, first.counted, first.help, first.objectives, first.kpis) == (
        "web-platform/2026-Q4/2026-11-13",
        "Ana",
        True,
        ["a reviewer"],
        {"fast": "behind"},
        {"uptime": 99.7},
    )
    u = first.key_results
    assert (u["fast/p99"].value, u["fast/p99"].line, u["fast/p99"].date) == (610, 5, date(2026, 11, 13))
    assert (u["fast/kr2"].progress, u["fast/kr2"].note, u["fast/kr2"].value) == (0.4, "half way", None)
    assert (u["fast/avail"].value, u["fast/avail"].confidence, u["fast/avail"].status, u["fast/avail"].score) == (
        99.95,
        0.8,
        "on-track",
        0.9,
    )
    assert u["fast/implicit"].done is False
    assert first.lines == {
        ("kr", "fast/p99"): 5,
        ("kr", "fast/kr2"): 6,
        ("kr", "fast/avail"): 7,
        ("kr", "fast/implicit"): 8,
        ("objective", "fast"): 10,
        ("kpi", "uptime"): 12,
    }
    assert (later.counted, later.help, later.author) == (False, ["later"], "")


def test_field_readers_at_their_boundaries():
    r, diags = reader("a: 0.5\nb: 0%\nc: 100%\n")
    assert r.number("a", positive=True) == 0.5
    assert r.fraction("b") == 0.0
    assert r.fraction("c") == 1.0
    assert r.date("missing") is None  # not required unless asked
    r2, diags2 = reader("a: 1000000000000000000000000000000\nb: 5000000000000000000000000000000\nc: 999\n")
    assert r2.integer("a", 0, maximum=1000) == 0
    assert r2.integer("b", 0, maximum=1000) == 0
    assert r2.integer("c", 0, maximum=998) == 0
    assert messages(diags) == []
    assert messages(diags2) == [
        "2: error: 'a' must be at most 1,000, not a number that large",
        "3: error: 'b' must be at most 1,000, not a number that large",
        "4: error: 'c' must be at most 998, not 999",
    ]


def test_list_readers_say_what_they_take_and_where():
    r, diags = reader("a:\n  one\nb: [2, {k: 1}, 3, {k: 2}]\nc: {k: v}\n")
    assert r.text_list("a", one_allowed=True) == [("one", 3)]  # the value's own line
    assert r.mapping_list("b") == [{"k": 1}, {"k": 2}]
    assert r.text_list("c", one_allowed=True) == []
    assert messages(diags) == [
        "4: error: each item of 'b' must be a mapping of keys to values, not a number",
        "5: error: 'c' must be a list or a single value, not a mapping",
    ]


def test_team_and_org_mistakes_each_give_one_diagnostic():
    site, diags = load_files(
        {
            "_index.md": "---\nstrategy:\n  - {id: Growth, title: G}\n  - {id: trust, title: T}\n  - {id: trust, title: T2}\n"
            "  - {title: no id}\n---\n",
            "teams/web/_index.md": "---\nparent: Bad_Parent\nkpis:\n  - {id: up, name: Up, healthy_above: 1, healthy_below: 2}\n"
            "  - {id: up, name: Again}\n  - {id: Bad, name: Bad}\n  - {name: no id}\n  - 7\n---\n",
        },
        config="title: From config\nas_of: 2026-11-20\n",
    )
    hint = "use lower-case letters, digits and '-', starting with a letter or digit"
    assert diags == [
        f"content/_index.md:3: error: invalid strategic choice id 'Growth': {hint}",
        "content/_index.md:5: error: duplicate strategic choice id 'trust' (first at line 4)",
        "content/_index.md:6: error: missing required key 'id' in a strategic choice",
        f"content/teams/web/_index.md:2: error: invalid parent team id 'Bad_Parent': {hint}",
        "content/teams/web/_index.md:4: error: a KPI has either healthy_above or healthy_below, not both",
        "content/teams/web/_index.md:5: error: duplicate KPI id 'up' (first at line 4)",
        f"content/teams/web/_index.md:6: error: invalid KPI id 'Bad': {hint}",
        "content/teams/web/_index.md:7: error: missing required key 'id' in a KPI",
        "content/teams/web/_index.md:8: error: each item of 'kpis' must be a mapping of keys to values, not a number",
    ]
    assert site.org.title == "From config"  # the org file gives none
    assert [s.id for s in site.org.strategy] == ["trust"]
    web = site.teams["web"]
    assert (web.name, web.parent) == ("Web", None)
    assert [(k.id, k.healthy_above, k.healthy_below) for k in web.kpis] == [("up", 1, None)]


def test_bodies_are_rendered_for_every_kind_of_file():
    from okrsite.core.config import parse_config
    from okrsite.core.load import load
    from okrsite.core.model import SourceFile

    files = {
        "_index.md": "---\ntitle: Org\n---\nOrg *body*\n",
        "teams/web-team/_index.md": "Team *body*\n",
        "teams/web-team/backlog.md": "Backlog *body*\n",
        "teams/web-team/2026-Q4/retro.md": "Retro *body*\n",
        "teams/web-team/2026-Q4/fast.md": "---\ntitle: Fast\nowner: A\nkey_results:\n  - {id: k, title: K, start: 0, target: 1}\n---\nObjective *body*\n",
        "teams/web-team/2026-Q4/checkins/2026-11-13.md": "---\ndate: 2026-11-13\n---\nCheck-in *body*\n",
    }
    cfg, _ = parse_config(b"as_of: 2026-11-20\n")
    diags = Diagnostics()
    site = load([SourceFile(f"content/{p}", t.encode()) for p, t in files.items()], cfg, date(2026, 11, 20), diags)
    assert [str(d) for d in diags.sorted()] == []
    team = site.teams["web-team"]
    assert team.name == "Web Team"  # from its id: the file gives no name
    html = {
        "org": site.org.body_html,
        "team": team.body_html,
        "backlog": team.backlog_html,
        "retro": site.retros[("web-team", "2026-Q4")].body_html,
        "objective": site.objectives["web-team/2026-Q4/fast"].body_html,
        "check-in": site.checkins[0].body_html,
    }
    for what, text in html.items():
        assert "<em>body</em>" in text, what
    # check does not render bodies
    quiet = load(
        [SourceFile(f"content/{p}", t.encode()) for p, t in files.items()],
        cfg,
        date(2026, 11, 20),
        Diagnostics(),
        bodies=False,
    )
    assert quiet.org.body_html == quiet.objectives["web-team/2026-Q4/fast"].body_html == ""


def test_parse_all_parses_and_renders_once_and_forgets_what_is_gone():
    from okrsite.builder.parallel import parse_all
    from okrsite.builder.parsecache import ParseCache, parse_key
    from okrsite.core.config import parse_config
    from okrsite.core.markdown import Markdown
    from okrsite.core.model import LimitsConfig, SourceFile

    cfg, _ = parse_config(b"as_of: 2026-11-20\n")
    a, b = b"---\ntitle: A\n---\nA *body*\n", b"---\ntitle: B\n---\nB body\n"
    fa, fb = SourceFile("content/teams/t/_index.md", a), SourceFile("content/teams/u/_index.md", b)
    cache = ParseCache()
    first = parse_all([fa], cfg, cache=cache)[fa.path]
    assert first.parsed.meta["title"] == "A" and first.html == Markdown().render(first.parsed.body)
    assert "<em>body</em>" in first.html
    again = parse_all([fa], cfg, cache=cache)[fa.path]
    assert again.parsed is first.parsed and again.html is first.html  # taken from the cache
    assert parse_key(a, LimitsConfig()) in cache.parsed and parse_key(b, LimitsConfig()) not in cache.parsed
    assert parse_key(a, LimitsConfig(max_yaml_depth=1)) != parse_key(a, LimitsConfig())
    assert parse_all([fa], cfg, cache=cache, bodies=False)[fa.path].html == ""
    parse_all([fb], cfg, cache=cache)
    cache.prune([b])
    assert parse_key(a, LimitsConfig()) not in cache.parsed and parse_key(b, LimitsConfig()) in cache.parsed
    assert len(cache.html) == 1


def test_parse_all_parses_what_load_reads():
    from okrsite.builder.parallel import parse_all
    from okrsite.core.load import load
    from okrsite.core.config import parse_config
    from okrsite.core.model import SourceFile

    cfg, _ = parse_config(b"as_of: 2026-11-20\nlimits:\n  max_file_kb: 1\n")
    files = [
        SourceFile("content/teams/web/2026-Q4/fast.md", b"---\ntitle: F\n---\nBody\n"),
        SourceFile("content/notes.txt", b"not content"),
        SourceFile("content/teams/web/2026-Q4/big.md", b"x" * 2048),
        SourceFile("content/teams/web/2026-Q4/gone.md", b"", problem="cannot read it"),
    ]
    parsed = parse_all(files, cfg)
    assert list(parsed) == [files[0].path] and parsed[files[0].path].html == "<p>Body</p>\n"
    diags, alone = Diagnostics(), Diagnostics()
    site = load(files, cfg, date(2026, 11, 20), diags, parsed=parsed)
    by_itself = load(files, cfg, date(2026, 11, 20), alone)
    assert diags.sorted() == alone.sorted() and site == by_itself
    assert [str(d) for d in diags.sorted() if d.severity == "error" and "fast.md" not in d.path] == [
        "content/teams/web/2026-Q4/big.md:1: error: file too large (2 KB; the limit is 1 KB, limits.max_file_kb in "
        "okrsite.yaml): not read",
        "content/teams/web/2026-Q4/gone.md:1: error: cannot read it",
    ]


def test_parse_all_in_a_pool_beside_other_threads_parses_as_one_process(monkeypatch):
    """serve parses in a pool while its HTTP and watcher threads run: its processes then
    start from a fork server (a fork would copy locks those threads hold), and the
    result is the one of a single process."""
    import threading

    from okrsite.builder import parallel
    from okrsite.core.config import parse_config
    from okrsite.core.model import SourceFile

    monkeypatch.setattr(parallel, "POOL_MIN", 4)
    cfg, _ = parse_config(b"as_of: 2026-11-20\n")
    files = [
        SourceFile(f"content/teams/t{i}/_index.md", f"---\nname: T{i}\n---\nTeam *{i}*\n".encode()) for i in range(40)
    ]
    alone = parallel.parse_all(files, cfg)
    started: list[str] = []
    real = parallel._pool_start

    def spy():
        got = real()
        started.append(got[0].get_start_method())
        return got

    monkeypatch.setattr(parallel, "_pool_start", spy)
    with monkeypatch.context() as alone_here:  # as in okrsite build (other tests may leave threads here)
        alone_here.setattr(parallel.threading, "active_count", lambda: 1)
        assert parallel.parse_all(files, cfg, 2) == alone and started == ["fork"]  # one pool: parsing, bodies
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert parallel.parse_all(files, cfg, 2) == alone and started[1:] == ["forkserver"]
    finally:
        stop.set()
        other.join()


def test_bodies_rendered_in_a_pool_while_loading_give_the_loaded_site(monkeypatch, sample_model):
    """okrsite build parses without bodies, renders them in a pool while it loads, then
    attaches them: the site is the one loaded with its bodies, and the cache has them."""
    from okrsite.builder import parallel
    from okrsite.builder.gather import gather
    from okrsite.builder.parsecache import ParseCache, html_key
    from okrsite.builder.pipeline import compute_site
    from okrsite.core.load import attach_bodies

    from conftest import SAMPLE_CONFIG

    monkeypatch.setattr(parallel, "POOL_MIN", 4)
    config, _ = read_config(SAMPLE_CONFIG)
    diags = Diagnostics()
    sources = gather(config, diags)
    cache = ParseCache()
    parsed = parallel.parse_all(sources, config, 2, cache, bodies=False)
    assert {entry.html for entry in parsed.values()} == {""}
    bodies = parallel.render_bodies(parsed, config, 2, cache)
    assert bodies.pool is not None and bodies.pool.executor is not None  # rendering while the site loads
    site = compute_site(config, sources, config.as_of, diags, parsed=parsed)
    try:
        html = bodies.result()
    finally:
        bodies.close()
    assert site != sample_model  # no bodies yet
    attach_bodies(site, html)
    assert site == sample_model and site.org.body_html and any(ci.body_html for ci in site.checkins)
    assert all(cache.get_html(html_key(e.parsed.body, False)) == html[p] for p, e in parsed.items() if html[p])


def test_bodies_left_unrendered_stop_with_the_build(monkeypatch):
    """A build that stops while loading (an error, Ctrl-C) stops the bodies' pool too."""
    from okrsite.builder import parallel
    from okrsite.core.config import parse_config
    from okrsite.core.model import SourceFile

    monkeypatch.setattr(parallel, "POOL_MIN", 4)
    cfg, _ = parse_config(b"as_of: 2026-11-20\n")
    files = [SourceFile(f"content/teams/t{i}/_index.md", f"---\nname: T\n---\n*{i}*\n".encode()) for i in range(400)]
    bodies = parallel.render_bodies(parallel.parse_all(files, cfg, bodies=False), cfg, 2)
    assert bodies.pool is not None and bodies.pool.executor is not None
    processes = list(bodies.pool.executor._processes.values())  # started with the first batches
    bodies.close()
    assert bodies.pool is None and processes and not any(p.is_alive() for p in processes)


def test_file_too_large_messages():
    from okrsite.core.load import too_large

    assert too_large(1, 1) == "file too large (1 KB; the limit is 1 KB, limits.max_file_kb in okrsite.yaml): not read"
    assert too_large(1025, 1).startswith("file too large (2 KB;")
    assert too_large(1024 * 1024 - 1, 2048).startswith("file too large (1,024 KB; the limit is 2,048 KB")
    assert too_large(1024 * 1024, 1).startswith("file too large (1.0 MB;")
    assert too_large(5 * 1024 * 1024 + 600 * 1024, 1).startswith("file too large (5.6 MB;")


def test_checkin_mistakes_each_give_one_diagnostic():
    obj = "---\ntitle: F\nowner: A\nkey_results:\n  - {id: k, title: K, start: 0, target: 1}\n---\n"
    c = "teams/web/2026-Q4/checkins/"
    site, diags = load_files(
        {
            "teams/web/2026-Q4/fast.md": obj,
            c + "2026-10-02.md": "no front matter\n",
            c + "2026-10-09.md": "---\ndate: 2026-10-09\nkey_results:\n  fast: 1\n  fast/k/x: 2\n  /k: 3\n  fast/k: 4\n"
            "objectives:\n  fast: {status: behind}\n  other: {status: maybe}\n  third: great\n  fourth: 5\n---\n",
            c
            + "2026-10-16.md": "---\ndate: 2026-10-16\nkey_results:\n  fast/k: .inf\n  fast/j: [1]\n  fast/i: {value: x}\n"
            "kpis:\n  up: '5'\n  down: .nan\n  ok: 3\n---\n",
            c + "2026-10-01.md": "---\ndate: 2026-10-01\n---\n",  # the first day of the period
            c + "2026-09-30.md": "---\ndate: 2026-09-30\n---\n",  # the day before
            c + "2026-11-20.md": "---\ndate: 2026-11-20\n---\n",  # the as-of date: counted
            c + "2027-01-30.md": "---\ndate: 2027-01-30\n---\n",  # the last day of the grading window
            c + "2027-01-31.md": "---\ndate: 2027-01-31\n---\n",
            c + "2026-10-23.md": "---\nauthor: Ana\n---\n",
        }
    )
    p = "content/" + c
    assert diags == [
        f"{p}2026-09-30.md:2: error: check-in dated 2026-09-30, before period 2026-Q4 starts (2026-10-01)",
        f"{p}2026-10-02.md:1: error: front matter missing: a check-in starts with '---', its date and updates, then '---'",
        f"{p}2026-10-09.md:4: error: key results are updated as '<objective>/<kr>' (e.g. reliability/p99), not 'fast'",
        f"{p}2026-10-09.md:5: error: key results are updated as '<objective>/<kr>' (e.g. reliability/p99), not 'fast/k/x'",
        f"{p}2026-10-09.md:6: error: key results are updated as '<objective>/<kr>' (e.g. reliability/p99), not '/k'",
        f"{p}2026-10-09.md:10: error: unknown status 'maybe' for 'status': use one of on-track, behind, at-risk",
        f"{p}2026-10-09.md:11: error: unknown status 'great' for objective 'third': use one of on-track, behind, at-risk",
        f"{p}2026-10-09.md:12: error: unknown status 5 for objective 'fourth': use one of on-track, behind, at-risk",
        f"{p}2026-10-16.md:4: error: the value of 'fast/k' must be a finite number, not inf",
        f"{p}2026-10-16.md:5: error: update of 'fast/j' must be a number or a mapping (value, progress, done, "
        f"confidence, status, score, note), not {type_name([1])}",
        f"{p}2026-10-16.md:6: error: 'value' must be a number, not text",
        f"{p}2026-10-16.md:8: error: KPI 'up' must be a number, not text",
        f"{p}2026-10-16.md:9: error: KPI 'down' must be a finite number, not nan",
        f"{p}2026-10-23.md:1: error: missing required key 'date'",
        f"{p}2027-01-30.md:2: warning: check-in dated 2027-01-30, after the as-of date 2026-11-20: ignored for "
        "status until then",
        f"{p}2027-01-31.md:2: error: check-in dated 2027-01-31, after period 2026-Q4 ends (2026-12-31) and its "
        "30-day grading window",
    ]
    by_name = {ci.name: ci for ci in site.checkins}
    assert sorted(by_name) == ["2026-10-01", "2026-10-09", "2026-10-16", "2026-11-20", "2027-01-30"]
    assert by_name["2026-11-20"].counted and not by_name["2027-01-30"].counted
    assert list(by_name["2026-10-09"].key_results) == ["fast/k"]
    assert by_name["2026-10-09"].objectives == {"fast": "behind"}
    assert by_name["2026-10-16"].kpis == {"ok": 3}
    assert by_name["2026-10-16"].key_results["fast/i"].value is None


def test_files_in_the_wrong_place_each_give_one_diagnostic():
    obj = "---\ntitle: F\nowner: A\nkey_results:\n  - {id: k, title: K, start: 0, target: 1}\n---\n"
    site, diags = load_files(
        {
            "notes.md": "x",
            "teams/web/notes.md": "x",
            "teams/web/2026-Q4/_index.md": "x",
            "teams/web/2026-Q4/checkins/deep/x.md": "x",
            "teams/web/readme.txt": "not markdown: skipped",
            "teams/Web_2/2026-Q4/a.md": obj,
            "teams/web/2026_Q4/a.md": obj,
            "teams/web/2026-Q4/checkins.md": obj,
            "teams/web/2026-Q4/checkins/13_nov.md": "---\ndate: 2026-11-13\n---\n",
            "teams/web/2026-Q4/fast.md": obj,
            "teams/web/2026-Q4/checkins/2026-11-13-a.md": "---\ndate: 2026-11-13\n---\n",
            "teams/web/2026-Q4/checkins/2026-11-13-A.md": "---\ndate: 2026-11-13\n---\n",
            "teams/web/2026-H2/a.md": obj,
            "teams/web/FY99/a.md": obj,
            "teams/web/FY99/b.md": obj,
            "teams/web/2026-Q4/retro.md": "went well\n",
        },
        config="as_of: 2026-11-20\nperiods:\n  - {id: 2026-h2, start: 2026-07-01, end: 2026-12-31}\n",
    )
    hint = "use lower-case letters, digits and '-', starting with a letter or digit"
    assert diags == [
        "content/notes.md:1: warning: not part of the content layout (expected _index.md or teams/<team>/...): ignored",
        f"content/teams/Web_2/2026-Q4/a.md:1: error: invalid team id 'Web_2': {hint}",
        "content/teams/web/2026-H2/a.md:1: error: period folder '2026-H2' differs only in case from the period "
        "'2026-h2' declared in okrsite.yaml: on a case-insensitive file system they are the same; rename the folder "
        "(ignored)",
        "content/teams/web/2026-Q4/_index.md:1: warning: a period folder has no _index.md (the team-period page is "
        "generated): ignored",
        "content/teams/web/2026-Q4/checkins.md:1: error: an objective cannot be called 'checkins': that name is the "
        "check-ins folder",
        "content/teams/web/2026-Q4/checkins/13_nov.md:1: error: invalid check-in file name '13_nov': name it after its "
        "date, like 2026-11-20.md",
        "content/teams/web/2026-Q4/checkins/2026-11-13-a.md:1: error: this file differs only in case from "
        "'teams/web/2026-Q4/checkins/2026-11-13-A.md': "
        "on a case-insensitive file system they are the same, and their pages would overwrite each other; rename one "
        "(ignored)",
        "content/teams/web/2026-Q4/checkins/deep/x.md:1: warning: not part of the content layout (too deep): ignored",
        "content/teams/web/2026_Q4/a.md:1: error: invalid period id '2026_Q4': use letters, digits and '-'",
        "content/teams/web/FY99/a.md:1: error: unknown period 'FY99': declare it under 'periods:' in okrsite.yaml "
        "with its start and end (only YYYY, YYYY-Qn and YYYY-Hn are known without it)",
        "content/teams/web/notes.md:1: warning: a team folder holds only _index.md, backlog.md and period folders: "
        "ignored",
    ]
    assert list(site.objectives) == ["web/2026-Q4/fast"]
    assert list(site.periods) == ["2026-h2", "2026-Q4"]
    assert list(site.retros) == [("web", "2026-Q4")]


def test_objective_mistakes_each_give_one_diagnostic():
    kr = "key_results:\n  - {id: k, title: K, start: 0, target: 1}\n"
    q = "teams/web/2026-Q4/"
    site, diags = load_files(
        {
            q + "bare.md": "no front matter\n",
            q + "broken.md": "---\ntitle: [unclosed\n---\n",
            q + "no-owner.md": "---\ntitle: No owner\n" + kr + "---\n",
            q + "blank-owner.md": "---\ntitle: Blank owner\nowner: ''\n" + kr + "---\n",
            q + "list-owner.md": "---\ntitle: List owner\nowner: [A, B]\n" + kr + "---\n",
            q + "empty.md": "---\ntitle: Empty\nowner: A\nkey_results: []\n---\n",
            q + "none.md": "---\ntitle: None\nowner: A\n---\n",
            q + "untitled.md": "---\nowner: A\n" + kr + "---\n",
            q + "twice.md": "---\ntitle: Twice\nowner: A\nkey_results:\n  - {id: k, title: K, start: 0, target: 1}\n"
            "  - {id: k, title: Again, start: 0, target: 1}\n  - {title: Two, start: 0, target: 1}\n"
            "  - {id: kr3, title: Dup of default, start: 0, target: 1}\n---\n",
            q
            + "defaults.md": "---\ntitle: Defaults\nowner: A\nkey_results:\n  - {id: kr2, title: First, start: 0, target: 1}\n"
            "  - {title: Second, start: 0, target: 1}\n---\n",
            q
            + "bad-kr.md": "---\ntitle: Bad KR\nowner: A\nkey_results:\n  - {id: Bad, title: B, start: 0, target: 1}\n"
            "  - 7\n  - {id: ok, title: Ok, start: 0, target: 1}\n---\n",
            q + "wrong.md": "---\ntitle: Wrong\nowner: A\ncommitment: maybe\nkey_results: 3\n---\n",
            q + "themed.md": "---\ntitle: Themed\nowner: A\ntheme: ''\ntags: growth\n" + kr + "---\n",
        },
        config="as_of: 2026-11-20\n",
    )
    p = "content/" + q
    hint = "use lower-case letters, digits and '-', starting with a letter or digit"
    assert diags == [
        f"{p}bad-kr.md:5: error: invalid key result id 'Bad': {hint}",
        f"{p}bad-kr.md:6: error: each item of 'key_results' must be a mapping of keys to values, not a number",
        f"{p}bare.md:1: error: front matter missing: an objective starts with '---', its title and key_results, then '---'",
        f"{p}blank-owner.md:3: warning: no owner: name one accountable person, role or team with 'owner:'",
        f"{p}broken.md:2: error: invalid YAML: the '[' on this line is not closed: end the list with ']' on the same "
        "line, or put the value in quotes if the '[' is part of the text",
        f"{p}defaults.md:6: error: duplicate key result id 'kr2' (the default id of item 2) (first at line 5): "
        "give each key result its own 'id:'",
        f"{p}empty.md:4: error: 'key_results' must not be empty: an objective needs measurable key results",
        f"{p}list-owner.md:3: error: 'owner' must be text, not a list",
        f"{p}no-owner.md:1: warning: no owner: name one accountable person, role or team with 'owner:'",
        f"{p}none.md:1: error: missing required key 'key_results'",
        f"{p}themed.md:5: error: 'tags' must be a list, not text",
        f"{p}twice.md:6: error: duplicate key result id 'k' (first at line 5): give each key result its own 'id:'",
        f"{p}twice.md:8: error: duplicate key result id 'kr3' (first at line 7): give each key result its own 'id:'",
        f"{p}untitled.md:1: error: missing required key 'title'",
        f"{p}wrong.md:4: error: unknown commitment 'maybe' for 'commitment': use one of aspirational, committed, experimental",
        f"{p}wrong.md:5: error: 'key_results' must be a list, not a number",
    ]
    objs = {ref.rsplit("/", 1)[1]: o for ref, o in site.objectives.items()}
    assert sorted(objs) == [
        "bad-kr",
        "bare",
        "blank-owner",
        "broken",
        "defaults",
        "empty",
        "list-owner",
        "no-owner",
        "none",
        "themed",
        "twice",
        "untitled",
        "wrong",
    ]
    incomplete = {name for name, o in objs.items() if o.incomplete}
    assert incomplete == {"bad-kr", "bare", "broken", "wrong"}
    assert (objs["bare"].title, objs["bare"].key_results, objs["bare"].path) == ("Bare", [], f"{p}bare.md")
    assert objs["untitled"].title == "Untitled"  # from its file name
    assert objs["list-owner"].owner == objs["no-owner"].owner == ""
    assert [k.id for k in objs["twice"].key_results] == ["k", "kr3"]
    assert [k.title for k in objs["twice"].key_results] == ["K", "Two"]
    assert [k.id for k in objs["defaults"].key_results] == ["kr2"]
    assert [k.id for k in objs["bad-kr"].key_results] == ["ok"]
    assert (
        objs["bad-kr"].key_results_written,
        objs["twice"].key_results_written,
        objs["empty"].key_results_written,
        objs["none"].key_results_written,
    ) == (2, 4, 0, 0)
    assert (objs["wrong"].commitment, objs["twice"].commitment) == ("aspirational", "aspirational")
    assert (objs["themed"].theme, objs["themed"].tags) == (None, [])
    assert objs["no-owner"].lines == {"title": 2, "key_results": 3}


def test_too_many_key_results_are_cut_at_the_limit():
    krs = "".join(f"  - {{id: k{i}, title: K{i}, start: 0, target: 1}}\n" for i in range(1, 5))
    site, diags = load_files(
        {"teams/web/2026-Q4/fast.md": "---\ntitle: F\nowner: A\nkey_results:\n" + krs + "---\n"},
        config="as_of: 2026-11-20\nlimits:\n  max_key_results: 3\n",
    )
    assert diags == [
        "content/teams/web/2026-Q4/fast.md:8: error: too many key results (4): only the first 3 are read "
        "(limits.max_key_results in okrsite.yaml); an objective needs a few, not hundreds"
    ]
    obj = site.objectives["web/2026-Q4/fast"]
    assert [k.id for k in obj.key_results] == ["k1", "k2", "k3"]
    assert (obj.key_results_written, obj.incomplete) == (4, False)
    site, diags = load_files(
        {"teams/web/2026-Q4/fast.md": "---\ntitle: F\nowner: A\nkey_results:\n" + krs + "---\n"},
        config="as_of: 2026-11-20\nlimits:\n  max_key_results: 4\n",
    )
    assert diags == [] and len(site.objectives["web/2026-Q4/fast"].key_results) == 4


def test_key_result_mistakes_each_give_one_diagnostic():
    krs = [
        "{id: task, title: Launch the webinar}",  # 5: no numbers, no type
        "{title: Untitled task}",  # 6: the same, named by its title
        "{id: half, title: Half, start: 3}",  # 7: a start, no target
        "{id: metric, title: M, type: metric, start: 0}",  # 8: a metric without target
        "{id: nulltarget, title: N, type: metric, target: null}",  # 9
        "{id: base, title: B, target: 10}",  # 10: no baseline
        "{id: flat, title: F, start: 5, target: 5}",  # 11: target equals start
        "{id: above, title: A, type: stay_above}",  # 12
        "{id: below, title: B, type: stay_below, target: null}",  # 13
        "{id: typo, title: T, type: Metric, target: 4, start: 0}",  # 14: wrong type, numbers: a metric
        "{id: typo2, title: T, type: task}",  # 15: wrong type, no target: a milestone
        "{id: heavy, title: H, start: 0, target: 1, weight: 0, commitment: sure}",  # 16
        "{id: teams, title: T, start: 0, target: 1, contributors: [api, Bad_Team, web]}",  # 17
        "{id: links, title: L, type: milestone, initiatives: [{title: Safe, link: 'docs/a.md', status: done},"
        " {title: Bad, link: 'javascript:alert(1)', status: later}, {link: 'https://x.org'}]}",  # 18
        "{title: No id, type: milestone, id: ''}",  # 19: an empty id is the default one
        "{id: null, title: Null id, type: milestone}",  # 20
        "{id: plain, type: milestone, start: 2}",  # 21: no title
    ]
    text = "---\ntitle: F\nowner: A\nkey_results:\n" + "".join(f"  - {k}\n" for k in krs) + "---\n"
    site, diags = load_files({"teams/web/2026-Q4/fast.md": text})
    p = "content/teams/web/2026-Q4/fast.md"
    hint = "use lower-case letters, digits and '-', starting with a letter or digit"
    task = (
        'has no numbers and no type: it looks like a task. A task ("Launch the webinar") is an initiative; '
        "a key result says what it changes (\"120 teams attend\"). Add start and target, or 'type: milestone' "
        "if it really is done-or-not"
    )
    assert diags == [
        f"{p}:5: warning: key result 'Launch the webinar' {task}",
        f"{p}:6: warning: key result 'Untitled task' {task}",
        f"{p}:7: warning: key result has a start but no target: add a target, or 'type: milestone'",
        f"{p}:8: error: missing required key 'target' in a metric key result",
        f"{p}:9: error: missing required key 'target' in a metric key result",
        f"{p}:10: warning: metric key result has no baseline: add 'start:' (it is taken as 0)",
        f"{p}:11: error: 'target' equals 'start' (5): a metric must move from its start to its target",
        f"{p}:12: error: missing required key 'target' in a stay_above key result (the line to hold)",
        f"{p}:13: error: missing required key 'target' in a stay_below key result (the line to hold)",
        f"{p}:14: error: unknown key result type 'Metric' for 'type': use one of metric, milestone, stay_above, "
        "stay_below",
        f"{p}:15: error: unknown key result type 'task' for 'type': use one of metric, milestone, stay_above, "
        "stay_below",
        f"{p}:16: error: unknown commitment 'sure' for 'commitment': use one of aspirational, committed, experimental",
        f"{p}:16: error: 'weight' must be greater than 0, not 0",
        f"{p}:17: error: invalid contributor team id 'Bad_Team': {hint}",
        f"{p}:18: error: unknown initiative status 'later' for 'status': use one of planned, in-progress, done, "
        "dropped",
        f"{p}:18: error: unsafe link 'javascript:alert(1)': only http, https, mailto and relative links are allowed",
        f"{p}:18: error: missing required key 'title' in an initiative",
        f"{p}:21: error: missing required key 'title' in a key result",
    ]
    obj = site.objectives["web/2026-Q4/fast"]
    krs_by_id = {k.id: k for k in obj.key_results}
    assert list(krs_by_id) == [
        "task",
        "kr2",
        "half",
        "metric",
        "nulltarget",
        "base",
        "flat",
        "above",
        "below",
        "typo",
        "typo2",
        "heavy",
        "teams",
        "links",
        "kr15",
        "kr16",
        "plain",
    ]
    types = {k.id: k.type for k in obj.key_results}
    assert types == {
        "task": "milestone",
        "kr2": "milestone",
        "half": "milestone",
        "metric": "metric",
        "nulltarget": "metric",
        "base": "metric",
        "flat": "metric",
        "above": "stay_above",
        "below": "stay_below",
        "typo": "metric",
        "typo2": "milestone",
        "heavy": "metric",
        "teams": "metric",
        "links": "milestone",
        "kr15": "milestone",
        "kr16": "milestone",
        "plain": "milestone",
    }
    assert (krs_by_id["kr2"].title, krs_by_id["plain"].title, krs_by_id["kr15"].title) == (
        "Untitled task",
        "plain",
        "No id",
    )
    assert (krs_by_id["half"].start, krs_by_id["half"].target) == (3, None)
    assert (krs_by_id["heavy"].weight, krs_by_id["heavy"].commitment) == (1.0, "aspirational")
    assert isinstance(krs_by_id["heavy"].weight, float)
    assert (krs_by_id["teams"].contributors, krs_by_id["teams"].contributor_lines) == (["api", "web"], [17, 17])
    assert [(i.title, i.status, i.link) for i in krs_by_id["links"].initiatives] == [
        ("Safe", "done", "docs/a.md"),
        ("Bad", None, None),
    ]
    assert [k.line for k in obj.key_results][:3] == [5, 6, 7]
    assert not obj.incomplete and obj.key_results_written == 17


def test_folders_that_could_not_be_read_still_name_their_team_and_period():
    from okrsite.core.config import parse_config
    from okrsite.core.load import load
    from okrsite.core.model import SourceFile

    cfg, _ = parse_config(b"as_of: 2026-11-20\n")
    diags = Diagnostics()
    files = [
        SourceFile("content/teams/api", b"", problem="cannot list this folder: permission denied", folder=True),
        SourceFile("content/teams/web/2026-Q3", b"", problem="cannot list 2026-Q3", folder=True),
        SourceFile("content/teams/Bad", b"", problem="cannot list Bad", folder=True),
        SourceFile("content/teams/web/_index.md", b"---\nname: Web\n---\n"),
        SourceFile("content/teams/ops/2026-Q2", b"", problem="cannot list 2026-Q2", folder=True),
        SourceFile(
            "content/teams/web/2026-Q4/fast.md",
            b"---\ntitle: F\nowner: A\nkey_results:\n  - {id: k, title: K, start: 0, target: 1}\n---\n",
        ),
    ]
    site = load(files, cfg, date(2026, 11, 20), diags, bodies=False)
    assert [str(d) for d in diags.sorted()] == [
        "content/teams/Bad:1: error: cannot list Bad",
        "content/teams/api:1: error: cannot list this folder: permission denied",
        "content/teams/ops/2026-Q2:1: error: cannot list 2026-Q2",
        "content/teams/web/2026-Q3:1: error: cannot list 2026-Q3",
    ]
    assert list(site.teams) == ["api", "ops", "web"]  # 'Bad' names no team
    api, ops, web = site.teams.values()
    assert (api.name, api.path, api.unread_folder, api.incomplete) == ("Api", "content/teams/api", True, True)
    assert (ops.unread_folder, ops.incomplete) == (True, False)
    assert (web.name, web.path, web.unread_folder, web.incomplete) == (
        "Web",
        "content/teams/web/_index.md",
        True,
        False,
    )
    assert list(site.periods) == ["2026-Q2", "2026-Q3", "2026-Q4"]


def test_content_prefix_and_default_names():
    from okrsite.core.load import content_prefix, default_name, in_content
    from okrsite.core.model import Config

    assert content_prefix(Config()) == "content/"
    assert content_prefix(Config(root="C:\\site", content_dir="..\\shared\\content")) == "../shared/content/"
    assert content_prefix(Config(root="/srv/site", content_dir="docs/okrs/")) == "docs/okrs/"
    assert in_content("content/teams/a.md", "content/") == "teams/a.md"
    assert in_content("other/teams/a.md", "content/") == "other/teams/a.md"
    assert default_name("platform-team") == "Platform Team"
    assert default_name("web--2") == "Web 2"
    assert default_name("-") == "-"


def test_block_style_items_report_the_line_of_their_id_and_unparsed_files_stay_incomplete():
    deep = "<div>" * 120 + "x" + "</div>" * 120
    site, diags = load_files(
        {
            "_index.md": "---\nstrategy:\n  - title: Grow\n    id: grow\n  - title: Again\n    id: grow\n"
            "  - title: Bad\n    id: Bad\n---\n",
            "teams/web/_index.md": "---\nkpis:\n  - name: Up\n    id: up\n  - name: Again\n    id: up\n  - unit: ms\n"
            "    healthy_above: 1\n    healthy_below: 2\n    id: Bad\n  - id: nameless\n---\n",
            "teams/api/_index.md": "---\nname: [unclosed\n---\n",
            "teams/web/2026-Q4/fast.md": "---\ntitle: F\nowner: A\nkey_results:\n  - title: K\n    id: k\n    start: 0\n"
            "    target: 1\n  - title: Again\n    id: k\n    type: milestone\n"
            "  - title: Bad\n    id: Bad\n  - title: Half\n    id: half\n    start: 2\n"
            "  - title: L\n    type: milestone\n    initiatives:\n      - title: I\n"
            "        link: 'javascript:x'\n---\n" + deep + "\n",
        },
        config="title: From config\nas_of: 2026-11-20\nmarkdown:\n  allow_html: true\n",
    )
    hint = "use lower-case letters, digits and '-', starting with a letter or digit"
    fast, web = "content/teams/web/2026-Q4/fast.md", "content/teams/web/_index.md"
    assert diags == [
        "content/_index.md:6: error: duplicate strategic choice id 'grow' (first at line 4)",
        f"content/_index.md:8: error: invalid strategic choice id 'Bad': {hint}",
        "content/teams/api/_index.md:2: error: invalid YAML: the '[' on this line is not closed: end the list with ']' "
        "on the same line, or put the value in quotes if the '[' is part of the text",
        f"{fast}:10: error: duplicate key result id 'k' (first at line 6): give each key result its own 'id:'",
        f"{fast}:13: error: invalid key result id 'Bad': {hint}",
        f"{fast}:16: warning: key result has a start but no target: add a target, or 'type: milestone'",
        f"{fast}:21: error: unsafe link 'javascript:x': only http, https, mailto and relative links are allowed",
        f"{fast}:23: warning: raw HTML nested more than 100 levels deep: the body's HTML is shown as text",
        f"{web}:6: error: duplicate KPI id 'up' (first at line 4)",
        f"{web}:7: error: missing required key 'name' in a KPI",
        f"{web}:9: error: a KPI has either healthy_above or healthy_below, not both",
        f"{web}:10: error: invalid KPI id 'Bad': {hint}",
        f"{web}:11: error: missing required key 'name' in a KPI",
    ]
    assert (site.org.title, [(s.id, s.line) for s in site.org.strategy]) == ("From config", [("grow", 4)])
    assert [(k.id, k.name, k.line) for k in site.teams["web"].kpis] == [("up", "Up", 4), ("nameless", "nameless", 11)]
    assert (site.teams["api"].incomplete, site.teams["web"].incomplete, site.org.incomplete) == (True, False, False)
    assert [k.id for k in site.objectives["web/2026-Q4/fast"].key_results] == ["k", "half", "kr5"]

    site, diags = load_files(
        {"_index.md": "Org body, no front matter\n", "teams/web/_index.md": "Team body\n"},
        config="title: From config\nas_of: 2026-11-20\n",
    )
    assert diags == []
    assert (site.org.title, site.org.path, site.org.incomplete) == ("From config", "content/_index.md", False)
    assert (site.teams["web"].name, site.teams["web"].incomplete) == ("Web", False)
    site, diags = load_files(
        {"_index.md": "---\ntitle: [unclosed\n---\n"}, config="title: From config\nas_of: 2026-11-20\n"
    )
    assert (site.org.title, site.org.incomplete, len(diags)) == ("From config", True, 1)
