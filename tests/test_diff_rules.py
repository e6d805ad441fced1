"""What ``okrsite diff`` says about a change, word for word: the whole Markdown comment
and terminal text of one change that touches every section, and the rules behind each
line (what counts as a change, which check-ins and help requests are new, which
diagnostics are new or fixed, how long a section may grow). Pure: small export dicts."""

from __future__ import annotations

from okrsite.cli import diff
from okrsite.core.model import Diagnostic


def kr(ref, title="KR", status="on-track", progress=0.5, current=None, unit=""):
    return {"ref": ref, "title": title, "status": status, "progress": progress, "current": current, "unit": unit}


def obj(ref, title="Objective", status="on-track", progress=0.5, score=None, krs=()):
    return {
        "ref": ref,
        "title": title,
        "status": status,
        "progress": progress,
        "score": score,
        "key_results": list(krs),
    }


def checkin(date, team="web", period="2026-Q4", author="", help=()):
    return {
        "team": team,
        "period": period,
        "date": date,
        "author": author,
        "url": f"teams/{team}/{period}/checkins/{date}/",
        "help": list(help),
    }


def side(objectives=(), checkins=(), teams=({"id": "web", "name": "Web <team>"},)):
    return {"objectives": list(objectives), "checkins": list(checkins), "teams": list(teams), "periods": []}


BASE = side(
    [
        obj(
            "web/2026-Q4/fast",
            "Fast pages",
            krs=[kr("web/2026-Q4/fast/p99", "p99", "behind", 0.41, 1480, "ms"), kr("web/2026-Q4/fast/same", "Same")],
        ),
        obj("web/2026-Q4/old", "Old one", krs=[kr("web/2026-Q4/old/k1")]),
        obj("web/2026-Q3/done", "Graded", "graded", 0.8, 0.65),
    ],
    [checkin("2026-11-06", help=["need a reviewer"])],
)
HEAD = side(
    [
        obj(
            "web/2026-Q4/fast",
            "Fast pages",
            krs=[
                kr("web/2026-Q4/fast/p99", "p99", "on-track", 0.58, 1500, "ms"),
                kr("web/2026-Q4/fast/same", "Same"),
                kr("web/2026-Q4/fast/new", "New *KR*"),
            ],
        ),
        obj("web/2026-Q4/brand-new", "Brand new", krs=[kr("web/2026-Q4/brand-new/a"), kr("web/2026-Q4/brand-new/b")]),
        obj("web/2026-Q4/one", "One KR", krs=[kr("web/2026-Q4/one/a")]),
        obj("web/2026-Q3/done", "Graded", "graded", 0.8, 0.7),
    ],
    [
        checkin("2026-11-06", help=["need a reviewer", "and a designer"]),
        checkin("2026-11-13", author="Ana", help=["budget"]),
        checkin("2026-11-13", team="api", help=[]),
    ],
)
BASE_DIAGS = [
    Diagnostic("a.md", 3, "error", "bad"),
    Diagnostic("a.md", 9, "error", "bad"),
    Diagnostic("b.md", 1, "warning", "meh"),
]
HEAD_DIAGS = [
    Diagnostic("a.md", 5, "error", "bad"),
    Diagnostic("c.md", 2, "error", "worse"),
    Diagnostic("b.md", 1, "warning", "meh"),
    Diagnostic("d.md", 4, "warning", "hm | <x>"),
]


def test_the_whole_markdown_of_a_change():
    changes = diff.compare(BASE, HEAD, BASE_DIAGS, HEAD_DIAGS)
    changes.notes.append("base built *without* cache")
    assert (
        diff.markdown(changes, title="OKR changes in #12")
        == """\
### OKR changes in \\#12

1 new error · 1 error fixed · 2 status or progress changes · 3 added · 1 removed · 2 new check-ins · 2 new requests for help · 1 new warning

> base built \\*without\\* cache

**New errors (the site is not published until they are fixed)**

- `c.md:2`: worse

**Status and progress**

- `web/2026-Q3/done`: graded 65% -> graded 70%, 80% — Graded
- `web/2026-Q4/fast/p99`: behind -> on-track, 41% -> 58% (1,480 ms -> 1,500 ms) — p99

**Added**

- objective `web/2026-Q4/brand-new`: Brand new (2 key results)
- key result `web/2026-Q4/fast/new`: New \\*KR\\*
- objective `web/2026-Q4/one`: One KR (1 key result)

**Removed**

- objective `web/2026-Q4/old`: Old one

**New check-ins**

- api, 2026-Q4: 2026-11-13
- Web \\<team\\>, 2026-Q4: 2026-11-13 by Ana

**New requests for help**

- Web \\<team\\> (2026-11-06): and a designer
- Web \\<team\\> (2026-11-13): budget

**New warnings**

- `d.md:4`: hm \\| \\<x\\>
"""
    )


def test_the_whole_text_of_a_change():
    changes = diff.compare(BASE, HEAD, BASE_DIAGS, HEAD_DIAGS)
    changes.notes.append("a note")
    assert (
        diff.text(changes)
        == """\
OKR changes: 1 new error · 1 error fixed · 2 status or progress changes · 3 added · 1 removed · 2 new check-ins · 2 new requests for help · 1 new warning
note: a note

New errors:
  c.md:2: worse

Status and progress:
  web/2026-Q3/done: graded 65% -> graded 70%, 80%
  web/2026-Q4/fast/p99: behind -> on-track, 41% -> 58% (1,480 ms -> 1,500 ms)

Added:
  objective web/2026-Q4/brand-new: Brand new (2 key results)
  key result web/2026-Q4/fast/new: New *KR*
  objective web/2026-Q4/one: One KR (1 key result)

Removed:
  objective web/2026-Q4/old: Old one

New check-ins:
  api, 2026-Q4: 2026-11-13
  Web <team>, 2026-Q4: 2026-11-13 by Ana

New requests for help:
  Web <team> (2026-11-06): and a designer
  Web <team> (2026-11-13): budget

New warnings:
  d.md:4: hm | <x>
"""
    )


def test_the_changes_themselves():
    changes = diff.compare(BASE, HEAD, BASE_DIAGS, HEAD_DIAGS)
    assert not changes.empty
    assert changes.team_names == {"web": "Web <team>"}
    assert [
        (
            c.ref,
            c.kind,
            c.status_before,
            c.status_after,
            c.progress_before,
            c.progress_after,
            c.value_before,
            c.value_after,
        )
        for c in changes.status
    ] == [
        ("web/2026-Q3/done", "objective", "graded 65%", "graded 70%", "80%", "80%", "", ""),
        ("web/2026-Q4/fast/p99", "key result", "behind", "on-track", "41%", "58%", "1,480 ms", "1,500 ms"),
    ]
    assert [(i.kind, i.ref, i.title, i.detail) for i in changes.removed] == [
        ("objective", "web/2026-Q4/old", "Old one", "1 key result")
    ]
    assert [(c.team, c.date, c.author, c.url) for c in changes.checkins] == [
        ("api", "2026-11-13", "", "teams/api/2026-Q4/checkins/2026-11-13/"),
        ("web", "2026-11-13", "Ana", "teams/web/2026-Q4/checkins/2026-11-13/"),
    ]
    assert [(ci.date, text) for ci, text in changes.help] == [
        ("2026-11-06", "and a designer"),
        ("2026-11-13", "budget"),
    ]
    assert [(d.path, d.line, d.message) for d in changes.errors] == [("c.md", 2, "worse")]
    assert [(d.path, d.line) for d in changes.warnings] == [("d.md", 4)]
    assert changes.fixed_errors == 1


def test_each_kind_of_change_alone_makes_a_change():
    assert diff.compare(diff.EMPTY, diff.EMPTY).empty
    only_value = side([obj("w/P/o", krs=[kr("w/P/o/k", current=1)])])
    moved = side([obj("w/P/o", krs=[kr("w/P/o/k", current=2)])])
    [change] = diff.compare(only_value, moved).status
    assert change.words() == "on-track, 50% (1 -> 2)"
    unknown = side([obj("w/P/o", krs=[kr("w/P/o/k", current=None)])])
    assert diff.compare(only_value, unknown).status[0].words() == "on-track, 50% (1 -> —)"
    for before, after in (({"status": "behind"}, {"status": "at-risk"}), ({"progress": 0.1}, {"progress": 0.2})):
        [change] = diff.compare(side([obj("w/P/o", **before)]), side([obj("w/P/o", **after)])).status
        assert change.kind == "objective" and change.value_before == change.value_after == ""
    assert not diff.compare(side(checkins=[checkin("2026-11-06")]), side(checkins=[checkin("2026-11-06")])).checkins
    assert not diff.compare(diff.EMPTY, diff.EMPTY, [], [Diagnostic("a", 1, "warning", "w")]).empty
    assert not diff.compare(diff.EMPTY, diff.EMPTY, [Diagnostic("a", 1, "error", "e")], []).empty


def test_status_words_of_missing_and_unscored_items():
    a = {"objectives": [{"ref": "w/P/o", "status": None, "progress": None, "key_results": []}]}
    b = {"objectives": [{"ref": "w/P/o", "status": "graded", "score": None, "progress": None, "key_results": []}]}
    [change] = diff.compare(a, b).status
    assert (change.status_before, change.status_after, change.progress_before) == ("no-data", "not scored", "—")
    assert change.title == ""


def test_an_edited_help_request_is_new_and_a_repeated_one_is_not():
    base = side(checkins=[checkin("2026-11-06", help=["need a reviewer"])])
    head = side(checkins=[checkin("2026-11-06", help=["need a reviewer", "need a reviewer!"])])
    changes = diff.compare(base, head)
    assert changes.checkins == []
    assert [text for _, text in changes.help] == ["need a reviewer!"]
    assert diff.headline(changes) == "1 new request for help"


def test_diagnostics_are_counted_not_just_compared():
    twice = [Diagnostic("a.md", 1, "error", "bad"), Diagnostic("a.md", 7, "error", "bad")]
    once = twice[:1]
    more = diff.compare(diff.EMPTY, diff.EMPTY, once, twice)
    assert [d.line for d in more.errors] == [7] and more.fixed_errors == 0
    fewer = diff.compare(diff.EMPTY, diff.EMPTY, twice, once)
    assert fewer.errors == [] and fewer.fixed_errors == 1
    assert diff.headline(fewer) == "1 error fixed"
    warnings_go = diff.compare(diff.EMPTY, diff.EMPTY, [Diagnostic("a.md", 1, "warning", "w")], [])
    assert warnings_go.fixed_errors == 0 and warnings_go.empty
    many = diff.compare(diff.EMPTY, diff.EMPTY, [], twice + [Diagnostic("b", 1, "warning", "x")] * 2)
    assert diff.headline(many) == "2 new errors · 2 new warnings"


def test_headline_counts_in_singular_and_plural():
    one = diff.compare(side(), side([obj("w/P/a", krs=[])], [checkin("2026-11-06", help=["x"])]))
    assert diff.headline(one) == "1 added · 1 new check-in · 1 new request for help"
    gone = diff.compare(side([obj("w/P/a"), obj("w/P/b")]), side())
    assert diff.headline(gone) == "2 removed"
    assert [i.detail for i in one.added] == ["0 key results"]


def test_a_long_section_is_cut_with_a_count_of_the_rest():
    many = side([obj(f"w/P/o{i:03}", f"O{i}") for i in range(diff.MAX_LINES + 3)])
    changes = diff.compare(diff.EMPTY, many)
    md = diff.markdown(changes).splitlines()
    assert md.count("- … and 3 more") == 1
    assert sum(line.startswith("- objective") for line in md) == diff.MAX_LINES
    text = diff.text(changes).splitlines()
    assert text[-1] == "  … and 3 more"
    assert sum(line.startswith("  objective") for line in text) == diff.MAX_LINES
    exact = diff.compare(diff.EMPTY, side([obj(f"w/P/o{i:03}") for i in range(diff.MAX_LINES)]))
    assert "more" not in diff.text(exact)


def test_code_spans_hold_any_backticks():
    d = Diagnostic("`odd` name.md", 3, "warning", "w")
    md = diff.markdown(diff.compare(diff.EMPTY, diff.EMPTY, [], [d]))
    assert "- `` `odd` name.md:3 ``: w" in md
    d = Diagnostic("a``b.md", 3, "warning", "w")
    assert "- ```a``b.md:3```: w" in diff.markdown(diff.compare(diff.EMPTY, diff.EMPTY, [], [d]))


def test_markdown_of_no_change_and_free_text_on_one_line():
    assert diff.markdown(diff.compare(diff.EMPTY, diff.EMPTY)) == (
        "### OKR changes\n\nNo change to objectives, key results, statuses or check-ins.\n"
    )
    head = side([obj("w/P/o", "two\nlines  and\\ ~strike~ [link](x) _u_ |")])
    assert (
        "- objective `w/P/o`: two lines and\\\\ \\~strike\\~ \\[link\\](x) \\_u\\_ \\| (0 key results)"
        in diff.markdown(diff.compare(diff.EMPTY, head))
    )


def test_a_value_appearing_and_details_of_added_key_results():
    before = side([obj("w/P/o", krs=[kr("w/P/o/k", current=None)])])
    after = side([obj("w/P/o", krs=[kr("w/P/o/k", current=3, unit="%"), kr("w/P/o/new", "New")])])
    changes = diff.compare(before, after)
    assert [c.words() for c in changes.status] == ["on-track, 50% (— -> 3%)"]
    assert [(i.kind, i.ref, i.title, i.detail) for i in changes.added] == [("key result", "w/P/o/new", "New", "")]


def test_sides_with_missing_keys_still_compare():
    head = {"objectives": [{"ref": "w/P/o"}, {"ref": "w/P/p", "key_results": [{"ref": "w/P/p/k"}]}]}
    changes = diff.compare({}, head)
    assert [(i.kind, i.ref, i.title, i.detail) for i in changes.added] == [
        ("objective", "w/P/o", "", "0 key results"),
        ("objective", "w/P/p", "", "1 key result"),
    ]
    assert diff.compare(head, {}).removed[0].title == ""


def test_team_names_come_from_the_head_then_the_base():
    base = side(teams=[{"id": "web", "name": "Old name"}, {"id": "gone", "name": "Gone team"}])
    head = side(
        checkins=[checkin("2026-11-13"), checkin("2026-11-13", team="gone")], teams=[{"id": "web", "name": "New name"}]
    )
    changes = diff.compare(base, head)
    assert changes.team_names == {"web": "New name", "gone": "Gone team"}
    assert diff.text(changes).splitlines()[-2:] == [
        "  Gone team, 2026-Q4: 2026-11-13",
        "  New name, 2026-Q4: 2026-11-13",
    ]


def test_new_checkins_are_listed_by_team_period_date_then_address():
    head = side(
        checkins=[
            {**checkin("2026-11-13", team="web"), "url": "teams/web/2026-Q4/checkins/2026-11-13-b/"},
            {**checkin("2026-11-13", team="web"), "url": "teams/web/2026-Q4/checkins/2026-11-13-a/"},
            checkin("2026-11-06", team="web-2"),
            checkin("2026-11-06", team="web", period="2026-Q3"),
        ]
    )
    assert [(c.team, c.period, c.url.rsplit("/", 2)[-2]) for c in diff.compare(diff.EMPTY, head).checkins] == [
        ("web", "2026-Q3", "2026-11-06"),
        ("web", "2026-Q4", "2026-11-13-a"),
        ("web", "2026-Q4", "2026-11-13-b"),
        ("web-2", "2026-Q4", "2026-11-06"),
    ]


def test_a_diagnostic_present_twice_on_both_sides_is_not_new():
    twice = [Diagnostic("a.md", 1, "error", "bad"), Diagnostic("a.md", 8, "error", "bad")]
    changes = diff.compare(diff.EMPTY, diff.EMPTY, twice, list(reversed(twice)))
    assert changes.errors == [] and changes.fixed_errors == 0 and changes.empty


def test_markdown_escapes_only_what_markdown_needs():
    head = side([obj("w/P/o", "X-ray XXL")])
    md = diff.markdown(diff.compare(diff.EMPTY, head, [], [Diagnostic("tick`", 2, "warning", "fix X")]))
    assert "- objective `w/P/o`: X-ray XXL (0 key results)" in md
    assert md.endswith("- ``tick`:2``: fix X\n")
