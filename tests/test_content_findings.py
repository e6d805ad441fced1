"""Reading content (issue 24's smaller findings, issue 25's YAML messages): every
mistake is one diagnostic, ``PATH:LINE: SEVERITY: MESSAGE``, at the line of the
mistake, from ``okrsite check`` on a small site in a temporary folder."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from okrsite.cli.main import main

CONFIG = "title: T\nas_of: 2026-11-20\n"

OBJECTIVE = """\
---
title: Grow
owner: Ana
key_results:
  - id: users
    title: Users
    start: 0
    target: 10
  - id: revenue
    title: Revenue
    start: 0
    target: 5
---
"""

CHECKIN = """\
---
date: 2026-11-10
key_results:
  grow/users: 5
---
"""

BASE = {
    "content/teams/alpha/_index.md": "---\nname: Alpha\nlead: Ana\n---\n",
    "content/teams/alpha/2026-Q4/grow.md": OBJECTIVE,
    "content/teams/alpha/2026-Q4/checkins/2026-11-10.md": CHECKIN,
}


def write_site(root: Path, files: dict[str, str | bytes], config: str | bytes = CONFIG, base: bool = True) -> Path:
    for rel, text in ({**BASE, **files} if base else files).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    (root / "okrsite.yaml").write_bytes(config if isinstance(config, bytes) else config.encode())
    return root / "okrsite.yaml"


def check(root: Path, capsys) -> tuple[int, list[str]]:
    """``okrsite check`` on the site at ``root``: exit code and the diagnostics, with
    the paths relative to the site (as the CLI prints them)."""
    code = main(["check", "--config", str(root / "okrsite.yaml")])
    captured = capsys.readouterr()
    lines = [line for line in (captured.out + captured.err).splitlines() if not line.startswith("okrsite: ")]
    return code, lines


def test_the_base_site_is_clean(tmp_path, capsys):
    write_site(tmp_path, {})
    assert check(tmp_path, capsys) == (0, [])


# ----------------------------------------------------------------------- YAML syntax (issue 25)

OBJ = "content/teams/alpha/2026-Q4/grow.md"


def front(*lines: str) -> str:
    return "---\n" + "\n".join(lines) + "\n---\n"


KRS = (
    "key_results:",
    "  - id: users",
    "    title: Users",
    "    start: 0",
    "    target: 10",
    "  - id: revenue",
    "    title: Revenue",
    "    start: 0",
    "    target: 5",
)

YAML_MISTAKES = [
    pytest.param(
        front("title: [Grow", "owner: Ana", *KRS),
        2,
        "invalid YAML: the '[' on this line is not closed: end the list with ']' on the same line, "
        "or put the value in quotes if the '[' is part of the text",
        id="unclosed [",
    ),
    pytest.param(
        front("title: Grow", "owner: {name: Ana", *KRS),
        3,
        "invalid YAML: the '{' on this line is not closed: end the mapping with '}' on the same line, "
        "or put the value in quotes if the '{' is part of the text",
        id="unclosed {",
    ),
    pytest.param(
        front('title: "Grow', "owner: Ana", *KRS),
        2,
        'invalid YAML: the quote " on this line is not closed: add the closing " at the end of the value',
        id="unclosed double quote",
    ),
    pytest.param(
        front("title: 'Grow", "owner: Ana", *KRS),
        2,
        "invalid YAML: the quote ' on this line is not closed: add the closing ' at the end of the value",
        id="unclosed single quote",
    ),
    pytest.param(
        front("title: Grow: phase 2", "owner: Ana", *KRS),
        2,
        "invalid YAML: a colon followed by a space inside the value of 'title' starts a new key: "
        'put the value in quotes, like title: "Grow: phase 2"',
        id="unquoted colon",
    ),
    pytest.param(
        front(
            "title: Grow",
            "owner: Ana",
            "key_results:",
            "  - id: users",
            "    title: Latency: p99  # the slow one",
            "    start: 0",
            "    target: 10",
        ),
        6,
        "invalid YAML: a colon followed by a space inside the value of 'title' starts a new key: "
        'put the value in quotes, like title: "Latency: p99"',
        id="unquoted colon in a list",
    ),
    pytest.param(
        front("title: Grow", "owner: Ana", "key_results:", "\t- id: users", "    title: Users"),
        5,
        "invalid YAML: a tab in the indentation: YAML indents with spaces only; replace the tab with spaces",
        id="tab",
    ),
    pytest.param(
        front(
            "title: Grow",
            "owner: Ana",
            "key_results:",
            "  - id: users",
            "    title: Users",
            "   start: 0",
            "    target: 10",
        ),
        7,
        "invalid YAML: this line is not lined up with the list above it: start each item with '- ' at the "
        "same indentation, and line up the keys of an item with its first key",
        id="list item indentation",
    ),
    pytest.param(
        front("title: Grow", "  owner: Ana", *KRS),
        3,
        "invalid YAML: this line is indented more than the key above it, which already has a value: "
        "line it up with the other keys of its mapping",
        id="key indented too far",
    ),
    pytest.param(
        front("title: Grow", "owner Ana", *KRS),
        3,
        "invalid YAML: this line is not 'key: value': add ': ' after the key, or if it goes on from the "
        "value above, put that value in quotes",
        id="no colon",
    ),
    pytest.param(
        front('title: "Grow" fast', "owner: Ana", *KRS),
        2,
        "invalid YAML: text after the end of a value: a value that starts with a quote or a bracket ends "
        "where it closes; put the whole value in quotes",
        id="text after a quote",
    ),
    pytest.param(
        front("title: Grow", "owner: @ana", *KRS),
        3,
        "invalid YAML: a value cannot start with '@': put the value in quotes",
        id="at sign",
    ),
    pytest.param(
        front("title: *bold* growth", "owner: Ana", *KRS),
        2,
        "invalid YAML: a value cannot start with '*': put the value in quotes",
        id="asterisk",
    ),
    pytest.param(
        front('title: "C:\\path"', "owner: Ana", *KRS),
        2,
        "invalid YAML: unknown escape '\\p' in a value in double quotes: write '\\\\' for a backslash, "
        "or use single quotes, which take backslashes as they are",
        id="unknown escape",
    ),
    pytest.param(
        front("title: |Grow", "owner: Ana", *KRS),
        2,
        "invalid YAML: after '|' or '>' nothing but a comment may follow on the line: write the text on "
        "the lines below, indented, or put a value starting with '|' or '>' in quotes",
        id="block scalar",
    ),
    pytest.param(
        front("title: Grow", "owner: Ana", "title: Again", *KRS),
        4,
        "duplicate key 'title' (first at line 2); the last one is used",
        id="duplicate key",
    ),
    pytest.param(
        front("title: Grow", "owner: A\x07na", *KRS),
        3,
        "the control character U+0007 on this line: only text is allowed (is this a binary file, or text "
        "pasted with it?)",
        id="control character",
    ),
    pytest.param(
        front("title: Grow", "owner: A\x00na", *KRS),
        3,
        "binary file (contains NUL bytes): expected UTF-8 Markdown",
        id="NUL byte",
    ),
]


@pytest.mark.parametrize("text, line, message", YAML_MISTAKES)
def test_yaml_mistakes_are_explained_at_their_line(tmp_path, capsys, text, line, message):
    write_site(tmp_path, {OBJ: text})
    code, lines = check(tmp_path, capsys)
    assert code == 1
    assert lines == [f"{OBJ}:{line}: error: {message}"]


def test_yaml_mistakes_in_the_config_are_explained_too(tmp_path, capsys):
    write_site(tmp_path, {}, config="title: OKRs\nas_of: [2026-11-20\nsearch: true\n")
    assert check(tmp_path, capsys) == (
        2,
        [
            "okrsite.yaml:2: error: invalid YAML: the '[' on this line is not closed: end the list with ']' on the same "
            "line, or put the value in quotes if the '[' is part of the text"
        ],
    )
    write_site(tmp_path, {}, config="title: OKRs: 2026\n")
    assert check(tmp_path, capsys) == (
        2,
        [
            "okrsite.yaml:1: error: invalid YAML: a colon followed by a space inside the value of 'title' starts a new "
            'key: put the value in quotes, like title: "OKRs: 2026"'
        ],
    )


# ----------------------------------------------------------------------- okrsite.yaml's limits


def test_limits_hit_in_the_config_are_worded_for_the_config(tmp_path, capsys):
    write_site(tmp_path, {}, config="title: T\nx: " + "[" * 60 + "]" * 60 + "\n")
    assert check(tmp_path, capsys) == (
        2,
        ["okrsite.yaml:2: error: okrsite.yaml is nested too deeply: more than 50 levels"],
    )
    write_site(tmp_path, {}, config="title: T\nx: [" + ", ".join(["a"] * 30_000) + "]\n")
    assert check(tmp_path, capsys) == (
        2,
        [
            "okrsite.yaml:2: error: okrsite.yaml is too large: more than 20,000 values, aliases counted each time they are used"
        ],
    )


def test_a_nul_byte_in_the_config_is_reported_on_its_line(tmp_path, capsys):
    write_site(tmp_path, {}, config=b"title: T\nas_of: 2026-11-20\nsearch: tr\x00ue\n")
    assert check(tmp_path, capsys) == (
        2,
        [
            "okrsite.yaml:3: error: a NUL byte on this line: only text is allowed (is this a binary file, or text pasted "
            "with it?)"
        ],
    )


# ----------------------------------------------------------------------- unreadable folders


def unreadable(monkeypatch, root: Path, *folders: str) -> None:
    """Make these folders unreadable to the scan. (Tests run as root, for whom chmod 000
    stops nothing: the scan's os.scandir raises PermissionError for them instead.)"""
    import okrsite.builder.gather

    refused = {str(root / folder) for folder in folders}
    real = os.scandir

    def scandir(path="."):
        if str(path) in refused:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(okrsite.builder.gather.os, "scandir", scandir)


ALIGNED = """\
---
title: Help
owner: Bo
aligns_to: alpha/grow
key_results:
  - id: one
    title: One
    start: 0
    target: 1
    contributors: [alpha]
  - id: two
    title: Two
    start: 0
    target: 1
    aligns_to: alpha/2026-Q4/grow/users
---
"""

BETA = {
    "content/teams/beta/_index.md": "---\nname: Beta\nparent: alpha\n---\n",
    "content/teams/beta/2026-Q4/help.md": ALIGNED,
}


@pytest.mark.parametrize("folder", ["content/teams/alpha", "content/teams/alpha/2026-Q4"])
def test_an_unreadable_team_or_period_folder_is_an_error_there_and_nothing_else(tmp_path, capsys, monkeypatch, folder):
    write_site(tmp_path, BETA)
    unreadable(monkeypatch, tmp_path, folder)
    assert check(tmp_path, capsys) == (
        1,
        [f"{folder}:1: error: cannot read this folder (Permission denied): the files in it are not read"],
    )


def test_an_unreadable_checkins_folder_is_an_error_there(tmp_path, capsys, monkeypatch):
    write_site(tmp_path, BETA)
    unreadable(monkeypatch, tmp_path, "content/teams/alpha/2026-Q4/checkins")
    assert check(tmp_path, capsys) == (
        1,
        [
            "content/teams/alpha/2026-Q4/checkins:1: error: cannot read this folder (Permission denied): the files in it "
            "are not read"
        ],
    )


def test_the_same_site_readable_is_clean(tmp_path, capsys):
    write_site(tmp_path, BETA)
    assert check(tmp_path, capsys) == (0, [])


# ----------------------------------------------------------------------- names and paths

LONG = "a" * 120


@pytest.mark.parametrize(
    "files, expected",
    [
        (
            {f"content/teams/alpha/2026-Q4/{LONG}.md": OBJECTIVE},
            [
                f"content/teams/alpha/2026-Q4/{LONG}.md:1: error: objective id 'aaaaaaaaaaaaaaaaaaaa...' is 120 characters "
                "long: ids are at most 100 (they name folders and pages of the site)"
            ],
        ),
        (
            {f"content/teams/alpha/2026-Q4/checkins/2026-11-12-{LONG}.md": CHECKIN.replace("2026-11-10", "2026-11-12")},
            [
                f"content/teams/alpha/2026-Q4/checkins/2026-11-12-{LONG}.md:1: error: check-in name '2026-11-12-aaaaaaaaa...' "
                "is 131 characters long: ids are at most 100 (they name folders and pages of the site)"
            ],
        ),
        (
            {
                "content/teams/alpha/2026-Q4/grow.md": OBJECTIVE.replace("id: users", f"id: {LONG}").replace(
                    "grow/users", "grow/revenue"
                )
            },
            [
                "content/teams/alpha/2026-Q4/grow.md:5: error: key result id 'aaaaaaaaaaaaaaaaaaaa...' is 120 characters "
                "long: ids are at most 100 (they name folders and pages of the site)"
            ],
        ),
        (
            {"content/teams/alpha/_index.md": "---\nname: Alpha\nlead: " + "Ana Maria " * 30 + "\n---\n"},
            [
                "content/teams/alpha/_index.md:3: error: the name in 'lead' is too long: its person page would be named with "
                "299 characters, and page names are at most 100; shorten it"
            ],
        ),
        (
            {"content/teams/alpha/_index.md": "---\nname: Alpha\nmembers:\n  - Bo\n  - " + "b" * 300 + "\n---\n"},
            [
                "content/teams/alpha/_index.md:5: error: the name in 'members' is too long: its person page would be named "
                "with 300 characters, and page names are at most 100; shorten it"
            ],
        ),
        (
            {
                "content/teams/alpha/2026-Q4/checkins/2026-11-10.md": CHECKIN.replace(
                    "date:", "author: " + "C" * 256 + "\ndate:"
                )
            },
            [
                "content/teams/alpha/2026-Q4/checkins/2026-11-10.md:2: error: the name in 'author' is too long: its person "
                "page would be named with 256 characters, and page names are at most 100; shorten it"
            ],
        ),
        (
            {"content/teams/alpha/2026-Q4/grow.md": OBJECTIVE.replace("owner: Ana", "owner: " + "O" * 256)},
            [
                "content/teams/alpha/2026-Q4/grow.md:3: error: the name in 'owner' is too long: its person page would be "
                "named with 256 characters, and page names are at most 100; shorten it"
            ],
        ),
    ],
    ids=["objective file", "check-in file", "key result id", "lead", "member", "author", "owner"],
)
def test_names_too_long_for_a_file_system_are_errors_at_their_line(tmp_path, capsys, files, expected):
    write_site(tmp_path, files)
    assert check(tmp_path, capsys) == (1, expected)


def test_a_long_name_builds_nothing_and_names_its_line(tmp_path, capsys):
    """Before: the build failed with 'File name too long' and no file named."""
    write_site(tmp_path, {"content/teams/alpha/_index.md": "---\nname: Alpha\nlead: " + "x" * 300 + "\n---\n"})
    code = main(["build", "-q", "--config", str(tmp_path / "okrsite.yaml"), "--output", str(tmp_path / "public")])
    out = capsys.readouterr()
    assert code == 1 and not (tmp_path / "public").exists()
    assert out.out.splitlines() == [
        "content/teams/alpha/_index.md:3: error: the name in 'lead' is too long: its person page would be named with "
        "300 characters, and page names are at most 100; shorten it"
    ]


WINDOWS = "is a device name on Windows (CON, PRN, AUX, NUL, COM0-9, LPT0-9): no file or folder can have it there; choose another"


@pytest.mark.parametrize(
    "files, expected",
    [
        (
            {"content/teams/con/_index.md": "---\nname: Con\n---\n", "content/teams/con/2026-Q4/grow.md": OBJECTIVE},
            ["content/teams/con/2026-Q4/grow.md:1: error: team id 'con' " + WINDOWS],
        ),
        (
            {"content/teams/alpha/2026-Q4/aux.md": OBJECTIVE},
            ["content/teams/alpha/2026-Q4/aux.md:1: error: objective id 'aux' " + WINDOWS],
        ),
        (
            {"content/teams/alpha/2026-Q4/checkins/NUL.md": CHECKIN},
            ["content/teams/alpha/2026-Q4/checkins/NUL.md:1: error: check-in name 'NUL' " + WINDOWS],
        ),
        (
            {"content/teams/alpha/COM1/grow.md": OBJECTIVE, "content/teams/alpha/COM1/other.md": OBJECTIVE},
            ["content/teams/alpha/COM1/grow.md:1: error: period id 'COM1' " + WINDOWS],
        ),
        (
            {
                "content/teams/alpha/2026-Q4/grow.md": OBJECTIVE.replace("id: users", "id: lpt9").replace(
                    "grow/users", "grow/revenue"
                )
            },
            ["content/teams/alpha/2026-Q4/grow.md:5: error: key result id 'lpt9' " + WINDOWS],
        ),
    ],
    ids=["team folder", "objective file", "check-in file", "period folder", "key result id"],
)
def test_windows_device_names_are_refused(tmp_path, capsys, files, expected):
    write_site(tmp_path, files)
    assert check(tmp_path, capsys) == (1, expected)


def test_windows_device_names_in_the_config_are_refused(tmp_path, capsys):
    write_site(tmp_path, {}, config=CONFIG + "periods:\n  - id: Prn\n    start: 2026-01-01\n    end: 2026-12-31\n")
    assert check(tmp_path, capsys) == (2, ["okrsite.yaml:4: error: period id 'Prn' " + WINDOWS])


def test_a_person_called_con_gets_a_page_windows_can_hold():
    from okrsite.core.urls import slugify

    assert [slugify(n) for n in ("Con", "nul", "Ana", "Com 1")] == ["con-person", "nul-person", "ana", "com-1"]


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(max_size=12),
        st.builds(
            lambda head, tail: head + tail,
            st.sampled_from(["con", "PRN", "Aux", "clock$", "nul", "COM", "lpt", "com\N{SUPERSCRIPT TWO}", " con"]),
            st.text(max_size=6),
        ),
    )
)
def test_windows_reserved_asks_pathvalidate_whenever_a_name_could_be_reserved(name):
    """The quick refusal by a name's first letters decides as pathvalidate itself does."""
    from pathvalidate import ErrorReason, ValidationError, validate_filename

    from okrsite.core.urls import windows_reserved

    try:
        validate_filename(name, platform="windows")
        expected = False
    except ValidationError as exc:
        expected = exc.reason == ErrorReason.RESERVED_NAME
    assert windows_reserved(name) == expected


# ----------------------------------------------------------------------- symbolic links to folders

FOLDER_LINK = (
    "warning: symbolic link to a folder, or to nothing: ignored (okrsite follows links to Markdown files only)"
)


def test_links_to_folders_are_reported_alike_wherever_they_point(tmp_path, capsys):
    site = tmp_path / "site"
    write_site(site, {})
    outside = tmp_path / "outside"
    (outside / "2026-Q4").mkdir(parents=True)
    (outside / "2026-Q4" / "x.md").write_text(OBJECTIVE)
    teams = site / "content/teams"
    os.symlink(outside, teams / "outside")  # outside the content
    os.symlink("alpha", teams / "inside")  # inside it
    os.symlink("gone", teams / "dangling")  # to nothing
    os.symlink("loop", teams / "loop")  # to itself
    os.symlink(outside / "2026-Q4", teams / "alpha/2026-Q1")
    assert check(site, capsys) == (
        0,
        [
            f"content/teams/alpha/2026-Q1:1: {FOLDER_LINK}",
            f"content/teams/dangling:1: {FOLDER_LINK}",
            f"content/teams/inside:1: {FOLDER_LINK}",
            f"content/teams/loop:1: {FOLDER_LINK}",
            f"content/teams/outside:1: {FOLDER_LINK}",
        ],
    )


# ----------------------------------------------------------------------- one mistake, one diagnostic


@pytest.mark.parametrize(
    "path, text, expected",
    [
        (
            "content/teams/alpha/_index.md",
            "---\nname: [Alpha\nkpis:\n  - id: uptime\n    name: Uptime\n---\n",
            "content/teams/alpha/_index.md:2: error: invalid YAML: the '[' on this line is not closed: end the list with ']' "
            "on the same line, or put the value in quotes if the '[' is part of the text",
        ),
        (
            "content/teams/alpha/_index.md",
            b"---\nname: Alpha\x00\n---\n",
            "content/teams/alpha/_index.md:2: error: binary file (contains NUL bytes): expected UTF-8 Markdown",
        ),
        (
            "content/_index.md",
            "---\ntitle: [Org\nstrategy:\n  - id: growth\n    title: Grow\n---\n",
            "content/_index.md:2: error: invalid YAML: the '[' on this line is not closed: end the list with ']' on the same "
            "line, or put the value in quotes if the '[' is part of the text",
        ),
        (
            "content/teams/alpha/2026-Q4/grow.md",
            "---\ntitle: Grow\nowner: Ana\nkey_results: users, revenue\n---\n",
            "content/teams/alpha/2026-Q4/grow.md:4: error: 'key_results' must be a list, not text",
        ),
        (
            "content/teams/alpha/2026-Q4/grow.md",
            OBJECTIVE.replace("id: users", "id: Users"),
            "content/teams/alpha/2026-Q4/grow.md:5: error: invalid key result id 'Users': use lower-case letters, digits and "
            "'-', starting with a letter or digit",
        ),
        (
            "content/teams/alpha/2026-Q4/grow.md",
            OBJECTIVE.replace("  - id: users", "  - users\n  - id: other"),
            "content/teams/alpha/2026-Q4/grow.md:5: error: each item of 'key_results' must be a mapping of keys to values, "
            "not text",
        ),
    ],
    ids=["team YAML", "team NUL", "org YAML", "key results not a list", "key result id", "key result not a mapping"],
)
def test_one_broken_file_gives_one_diagnostic(tmp_path, capsys, path, text, expected):
    """The check-in names the team's KPI and the objective's key result; the objective
    names the organisation's strategic theme: none of them is reported unknown."""
    files = {
        path: text,
        "content/teams/alpha/2026-Q4/checkins/2026-11-10.md": CHECKIN.replace(
            "key_results:", "kpis:\n  uptime: 99.9\nkey_results:"
        ),
    }
    if path != "content/teams/alpha/_index.md":
        files.setdefault(
            "content/teams/alpha/_index.md", "---\nname: Alpha\nkpis:\n  - id: uptime\n    name: Uptime\n---\n"
        )
    if path != "content/_index.md":
        files.setdefault("content/_index.md", "---\ntitle: Org\nstrategy:\n  - id: growth\n    title: Grow\n---\n")
    if path != "content/teams/alpha/2026-Q4/grow.md":
        files["content/teams/alpha/2026-Q4/grow.md"] = OBJECTIVE.replace("owner: Ana", "owner: Ana\ntheme: growth")
    write_site(tmp_path, files)
    assert check(tmp_path, capsys) == (1, [expected])


def test_an_impossible_date_does_not_hide_the_other_problems(tmp_path, capsys):
    path = "content/teams/alpha/2026-Q4/checkins/2026-11-10.md"
    write_site(
        tmp_path,
        {
            path: textwrap.dedent("""\
        ---
        date: 2026-11-31
        autor: Ana
        key_results:
          grow/users: lots
          grow/nope: 3
          grow/revenue: {confidence: 2}
        ---
        """)
        },
    )
    assert check(tmp_path, capsys) == (
        1,
        [
            f"{path}:2: error: impossible date '2026-11-31'",
            f"{path}:3: warning: unknown key 'autor' (did you mean 'author'?)",
            f"{path}:5: error: update of 'grow/users' must be a number or a mapping (value, progress, done, confidence, "
            "status, score, note), not text",
            f"{path}:6: error: unknown key result 'nope' in objective 'grow'",
            f"{path}:7: error: 'confidence' must be between 0 and 1 (0% and 100%), not 2",
        ],
    )


@pytest.mark.parametrize(
    "date, message",
    [
        ("2026-09-30", "check-in dated 2026-09-30, before period 2026-Q4 starts (2026-10-01)"),
        ("", "missing required key 'date'"),
    ],
)
def test_a_check_in_outside_its_period_is_still_checked(tmp_path, capsys, date, message):
    path = f"content/teams/alpha/2026-Q4/checkins/{date or '2026-11-12'}.md"
    write_site(
        tmp_path,
        {
            path: f"---\ndate: {date}\nkey_results:\n  grow/nope: 3\n---\n"
            if date
            else "---\nkey_results:\n  grow/nope: 3\n---\n"
        },
    )
    code, lines = check(tmp_path, capsys)
    assert code == 1
    assert lines == [
        f"{path}:{2 if date else 1}: error: {message}",
        f"{path}:{4 if date else 3}: error: unknown key result 'nope' in objective 'grow'",
    ]
