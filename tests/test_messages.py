"""Every error and warning okrsite can emit is named by a test.

``test_every_message_in_the_code_is_named_by_a_test`` reads the messages from the code
(tests/messages.py: the literal text passed to ``diags.error``/``diags.warning``/
``Diagnostic(...)``, by AST) and fails for each one that no test asserts: no string in
tests/*.py is a piece of it. A new message therefore needs a test. The quickest is a row
in ``ROWS`` below: the files of a small site (added to ``BASE``) and the exact line
okrsite prints, ``PATH:LINE: SEVERITY: MESSAGE``; the row's test builds that site and
checks that this line is printed, once. A message that only a running server or a broken
machine can emit gets its own test below the table.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import messages

REPO = Path(__file__).resolve().parent.parent

OBJECTIVE = """\
---
title: Good
owner: Ana
key_results:
  - {id: k1, title: Weekly active teams, start: 10, target: 40}
  - {id: k2, title: Time to value, start: 10, target: 2, unit: days}
---
"""
BASE = {
    "okrsite.yaml": "title: Messages\nas_of: 2026-11-20\n",
    "content/teams/t/_index.md": "---\nname: Team T\n---\n",
    "content/teams/t/2026-Q4/o.md": OBJECTIVE,
    "content/teams/u/_index.md": "---\nname: Team U\n---\n",
}


# (row id, files added to BASE (None deletes one; "->target" makes a symbolic link), the line printed)
ROWS = [
    (
        "period declared twice",
        {
            "okrsite.yaml": "as_of: 2026-11-20\nperiods:\n  - {id: X1, start: 2026-01-01, end: 2026-02-01}\n"
            "  - {id: X1, start: 2026-03-01, end: 2026-04-01}\n"
        },
        "okrsite.yaml:4: error: period 'X1' is declared twice (first at line 3)",
    ),
    (
        "text must not be empty",
        {"content/teams/t/2026-Q4/o.md": OBJECTIVE.replace("title: Good", "title: ''")},
        "content/teams/t/2026-Q4/o.md:2: error: 'title' must not be empty",
    ),
    (
        "integer at least",
        {"okrsite.yaml": "as_of: 2026-11-20\nlint:\n  max_objectives: 0\n"},
        "okrsite.yaml:3: error: 'max_objectives' must be at least 1, not 0",
    ),
    (
        "content folder missing",
        {"okrsite.yaml": "as_of: 2026-11-20\ncontent_dir: nowhere\n"},
        "okrsite.yaml:1: error: content folder 'nowhere' not found next to okrsite.yaml",
    ),
    (
        "objective named checkins",
        {"content/teams/t/2026-Q4/checkins.md": OBJECTIVE},
        "content/teams/t/2026-Q4/checkins.md:1: error: an objective cannot be called 'checkins': that name is the "
        "check-ins folder",
    ),
    (
        "duplicate strategic choice",
        {
            "content/_index.md": "---\ntitle: Org\nstrategy:\n  - {id: grow, title: Grow}\n  - {id: grow, title: Again}\n---\n"
        },
        "content/_index.md:5: error: duplicate strategic choice id 'grow' (first at line 4)",
    ),
    (
        "duplicate KPI",
        {
            "content/teams/t/_index.md": "---\nname: T\nkpis:\n  - {id: up, name: Uptime, healthy_above: 99}\n"
            "  - {id: up, name: Again, healthy_above: 98}\n---\n"
        },
        "content/teams/t/_index.md:5: error: duplicate KPI id 'up' (first at line 4)",
    ),
    (
        "unsafe initiative link",
        {
            "content/teams/t/2026-Q4/o.md": OBJECTIVE.replace(
                "key_results:", "initiatives:\n  - {title: Evil, link: 'javascript:alert(1)'}\nkey_results:"
            )
        },
        "content/teams/t/2026-Q4/o.md:5: error: unsafe link 'javascript:alert(1)': only http, https, mailto and "
        "relative links are allowed",
    ),
    (
        "unknown status for objective",
        {"content/teams/t/2026-Q4/checkins/2026-11-13.md": "---\ndate: 2026-11-13\nobjectives:\n  o: sideways\n---\n"},
        "content/teams/t/2026-Q4/checkins/2026-11-13.md:4: error: unknown status 'sideways' for objective 'o': "
        "use one of on-track, behind, at-risk",
    ),
    (
        "invalid ref",
        {
            "content/teams/u/2026-Q4/v.md": OBJECTIVE.replace(
                "key_results:", "aligns_to: t/2026-Q4/o/k1/extra\nkey_results:"
            )
        },
        "content/teams/u/2026-Q4/v.md:4: error: invalid ref 't/2026-Q4/o/k1/extra': write team/objective, "
        "team/objective/kr, team/period/objective or team/period/objective/kr",
    ),
    (
        "unknown contributor team",
        {"content/teams/t/2026-Q4/o.md": OBJECTIVE.replace("unit: days}", "unit: days, contributors: [nobody, u]}")},
        "content/teams/t/2026-Q4/o.md:6: error: unknown contributor team 'nobody'",
    ),
    (
        "theme not found",
        {"okrsite.yaml": "as_of: 2026-11-20\ntheme: nope\n"},
        "okrsite.yaml:1: error: theme 'nope' not found (looked for nope/ and themes/nope/)",
    ),
    (
        "two outputs write a path",
        {"okrsite.yaml": "as_of: 2026-11-20\ntheme: mine\n", "themes/mine/static/okrs.json": "{}"},
        "okrsite.yaml:1: error: two outputs write okrs.json: the theme's static files and the JSON export",
    ),
    (
        "broken template",
        {
            "okrsite.yaml": "as_of: 2026-11-20\ntheme: mine\n",
            "themes/mine/templates/home.html": '{% extends "base.html" %}{% block content %}\n{{ nope.nothing }}{% endblock %}',
        },
        "themes/mine/templates/home.html:2: error: cannot render the site: rendering index.html with template home.html: "
        "'nope' is undefined",
    ),
    # a link to a folder reads the same wherever it points (issue 24)
    (
        "symbolic link to a folder",
        {"content/teams/t/2026-Q4/linked": "->../../u"},
        "content/teams/t/2026-Q4/linked:1: warning: symbolic link to a folder, or to nothing: ignored "
        "(okrsite follows links to Markdown files only)",
    ),
    (
        "symbolic link to a folder outside",
        {"content/teams/t/2026-Q4/outside": "->../../../.."},
        "content/teams/t/2026-Q4/outside:1: warning: symbolic link to a folder, or to nothing: ignored "
        "(okrsite follows links to Markdown files only)",
    ),
    (
        "an id too long to be a folder",
        {"content/teams/t/2026-Q4/" + "o" * 101 + ".md": OBJECTIVE},
        "content/teams/t/2026-Q4/"
        + "o" * 101
        + ".md:1: error: objective id 'oooooooooooooooooooo...' is 101"
        + " characters long: ids are at most 100 (they name folders and pages of the site)",
    ),
    (
        "symbolic link to a file outside",
        {"content/teams/t/2026-Q4/x.md": "->../../../../okrsite.yaml"},
        "content/teams/t/2026-Q4/x.md:1: warning: symbolic link to a file outside the content folder: ignored",
    ),
    (
        "symbolic link to nothing",
        {"content/teams/t/2026-Q4/gone.md": "->nothing-here.md"},
        "content/teams/t/2026-Q4/gone.md:1: warning: symbolic link to a file that does not exist: ignored",
    ),
]


def make_site(root: Path, files: dict[str, str | None]) -> Path:
    for rel, text in {**BASE, **files}.items():
        path = root / rel
        if text is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if text.startswith("->"):
            os.symlink(text[2:], path)
        else:
            path.write_text(text, encoding="utf-8")
    return root / "okrsite.yaml"


@pytest.mark.parametrize("files, line", [pytest.param(f, line, id=name) for name, f, line in ROWS])
def test_each_message_is_printed_where_the_mistake_is(tmp_path, files, line):
    config = make_site(tmp_path / "site", files)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "okrsite",
            "build",
            "--config",
            str(config),
            "--no-search",
            "--no-cache",
            "--output",
            str(tmp_path / "public"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path / "site",
    )
    printed = (proc.stdout + proc.stderr).splitlines()
    assert "Traceback" not in proc.stderr, proc.stderr
    assert printed.count(line) == 1, "\n".join(printed)
    severity = line.split(": ")[1]
    assert proc.returncode == (0 if severity == "warning" else 1 if proc.stdout.strip() else 2), proc.stderr


def test_every_message_in_the_code_is_named_by_a_test():
    missing = messages.unnamed(messages.emitted(), messages.fragments())
    assert missing == [], "messages no test names (add a row to tests/test_messages.py ROWS):\n" + "\n".join(
        f"  {m.where}: {m.severity}: {m.shown}" for m in missing
    )


@pytest.mark.parametrize(
    "fragment, template, named",
    [
        ("unknown contributor team 'x'", "unknown contributor team '\x00'\x00", True),
        ("no owner", "no owner: name one accountable person\x00", True),  # the beginning of the message
        ("points to itself", "ref '\x00' points to \x00: an objective cannot \x00 itself", True),
        ("objective", "unknown status \x00 for objective '\x00'", False),  # a word, not a message
        ("unknown key result 'zz'", "unknown status \x00 for objective '\x00': use one of \x00", False),
        ("'weight' must be a number", "'\x00' must be \x00", True),
    ],
)
def test_what_names_a_message(fragment, template, named):
    assert messages.names(fragment, template) is named


# --------------------------------------------------------------------------- the preview server's own


EXPECTED_INTERNAL = "okrsite.yaml:1: error: internal error while building: RuntimeError('a bug')"
EXPECTED_LISTING = "okrsite.yaml:1: error: cannot list the templates: [Errno 13] Permission denied"


def _state(server) -> dict:
    from test_serve import get

    return json.loads(get(server, "/okrs/__okrsite/poll?build=0").body)


def test_a_bug_while_rebuilding_is_an_error_and_the_preview_goes_on(tmp_path, monkeypatch):
    from okrsite.serve.session import Server
    from test_serve import CHECKIN, checkin_text, content_event, get, make_site, write

    config = make_site(tmp_path / "site")
    with Server(config, port=0, watch=False, out=io.StringIO()) as server:

        def broken(self, plan):
            raise RuntimeError("a bug")

        monkeypatch.setattr(Server, "_build", broken)
        write(config.parent, CHECKIN, checkin_text(p99=300))
        server.rebuild([content_event(config, CHECKIN)])
        state = _state(server)
        assert state["ok"] is False
        assert [d for d in state["diagnostics"] if "internal error" in str(d)] == [EXPECTED_INTERNAL], state[
            "diagnostics"
        ]
        assert get(server, "/okrs/").status == 200  # the last good site is still served


def test_templates_that_cannot_be_listed_are_an_error(tmp_path, monkeypatch):
    import jinja2
    from okrsite.serve.session import Server
    from test_serve import make_site

    def unreadable(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(jinja2.Environment, "list_templates", unreadable)
    config = make_site(tmp_path / "site")
    with Server(config, port=0, watch=False, out=io.StringIO()) as server:
        assert EXPECTED_LISTING in _state(server)["diagnostics"], _state(server)
