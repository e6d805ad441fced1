"""Reading content (issue 24's smaller findings, issue 25's YAML messages): every
mistake is one diagnostic, ``PATH:LINE: SEVERITY: MESSAGE``, at the line of the
mistake, from ``okrsite check`` on a small site in a temporary folder."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from okrsite.cli import main

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


KRS = ("key_results:", "  - id: users", "    title: Users", "    start: 0", "    target: 10",
       "  - id: revenue", "    title: Revenue", "    start: 0", "    target: 5")

YAML_MISTAKES = [
    pytest.param(front("title: [Grow", "owner: Ana", *KRS), 2,
                 "invalid YAML: the '[' on this line is not closed: end the list with ']' on the same line, "
                 "or put the value in quotes if the '[' is part of the text", id="unclosed ["),
    pytest.param(front("title: Grow", "owner: {name: Ana", *KRS), 3,
                 "invalid YAML: the '{' on this line is not closed: end the mapping with '}' on the same line, "
                 "or put the value in quotes if the '{' is part of the text", id="unclosed {"),
    pytest.param(front('title: "Grow', "owner: Ana", *KRS), 2,
                 'invalid YAML: the quote " on this line is not closed: add the closing " at the end of the value',
                 id="unclosed double quote"),
    pytest.param(front("title: 'Grow", "owner: Ana", *KRS), 2,
                 "invalid YAML: the quote ' on this line is not closed: add the closing ' at the end of the value",
                 id="unclosed single quote"),
    pytest.param(front("title: Grow: phase 2", "owner: Ana", *KRS), 2,
                 "invalid YAML: a colon followed by a space inside the value of 'title' starts a new key: "
                 'put the value in quotes, like title: "Grow: phase 2"', id="unquoted colon"),
    pytest.param(front("title: Grow", "owner: Ana", "key_results:", "  - id: users",
                       "    title: Latency: p99  # the slow one", "    start: 0", "    target: 10"), 6,
                 "invalid YAML: a colon followed by a space inside the value of 'title' starts a new key: "
                 'put the value in quotes, like title: "Latency: p99"', id="unquoted colon in a list"),
    pytest.param(front("title: Grow", "owner: Ana", "key_results:", "\t- id: users", "    title: Users"), 5,
                 "invalid YAML: a tab in the indentation: YAML indents with spaces only; replace the tab with spaces",
                 id="tab"),
    pytest.param(front("title: Grow", "owner: Ana", "key_results:", "  - id: users", "    title: Users",
                       "   start: 0", "    target: 10"), 7,
                 "invalid YAML: this line is not lined up with the list above it: start each item with '- ' at the "
                 "same indentation, and line up the keys of an item with its first key", id="list item indentation"),
    pytest.param(front("title: Grow", "  owner: Ana", *KRS), 3,
                 "invalid YAML: this line is indented more than the key above it, which already has a value: "
                 "line it up with the other keys of its mapping", id="key indented too far"),
    pytest.param(front("title: Grow", "owner Ana", *KRS), 3,
                 "invalid YAML: this line is not 'key: value': add ': ' after the key, or if it goes on from the "
                 "value above, put that value in quotes", id="no colon"),
    pytest.param(front('title: "Grow" fast', "owner: Ana", *KRS), 2,
                 "invalid YAML: text after the end of a value: a value that starts with a quote or a bracket ends "
                 "where it closes; put the whole value in quotes", id="text after a quote"),
    pytest.param(front("title: Grow", "owner: @ana", *KRS), 3,
                 "invalid YAML: a value cannot start with '@': put the value in quotes", id="at sign"),
    pytest.param(front("title: *bold* growth", "owner: Ana", *KRS), 2,
                 "invalid YAML: a value cannot start with '*': put the value in quotes", id="asterisk"),
    pytest.param(front('title: "C:\\path"', "owner: Ana", *KRS), 2,
                 "invalid YAML: unknown escape '\\p' in a value in double quotes: write '\\\\' for a backslash, "
                 "or use single quotes, which take backslashes as they are", id="unknown escape"),
    pytest.param(front("title: |Grow", "owner: Ana", *KRS), 2,
                 "invalid YAML: after '|' or '>' nothing but a comment may follow on the line: write the text on "
                 "the lines below, indented, or put a value starting with '|' or '>' in quotes", id="block scalar"),
    pytest.param(front("title: Grow", "owner: Ana", "title: Again", *KRS), 4,
                 "duplicate key 'title' (first at line 2); the last one is used", id="duplicate key"),
    pytest.param(front("title: Grow", "owner: A\x07na", *KRS), 3,
                 "the control character U+0007 on this line: only text is allowed (is this a binary file, or text "
                 "pasted with it?)", id="control character"),
    pytest.param(front("title: Grow", "owner: A\x00na", *KRS), 3,
                 "binary file (contains NUL bytes): expected UTF-8 Markdown", id="NUL byte"),
]


@pytest.mark.parametrize("text, line, message", YAML_MISTAKES)
def test_yaml_mistakes_are_explained_at_their_line(tmp_path, capsys, text, line, message):
    write_site(tmp_path, {OBJ: text})
    code, lines = check(tmp_path, capsys)
    assert code == 1
    assert lines == [f"{OBJ}:{line}: error: {message}"]


def test_yaml_mistakes_in_the_config_are_explained_too(tmp_path, capsys):
    write_site(tmp_path, {}, config="title: OKRs\nas_of: [2026-11-20\nsearch: true\n")
    assert check(tmp_path, capsys) == (2, [
        "okrsite.yaml:2: error: invalid YAML: the '[' on this line is not closed: end the list with ']' on the same "
        "line, or put the value in quotes if the '[' is part of the text"])
    write_site(tmp_path, {}, config="title: OKRs: 2026\n")
    assert check(tmp_path, capsys) == (2, [
        "okrsite.yaml:1: error: invalid YAML: a colon followed by a space inside the value of 'title' starts a new "
        'key: put the value in quotes, like title: "OKRs: 2026"'])


# ----------------------------------------------------------------------- okrsite.yaml's limits


def test_limits_hit_in_the_config_are_worded_for_the_config(tmp_path, capsys):
    write_site(tmp_path, {}, config="title: T\nx: " + "[" * 60 + "]" * 60 + "\n")
    assert check(tmp_path, capsys) == (2, ["okrsite.yaml:2: error: okrsite.yaml is nested too deeply: more than 50 levels"])
    write_site(tmp_path, {}, config="title: T\nx: [" + ", ".join(["a"] * 30_000) + "]\n")
    assert check(tmp_path, capsys) == (2, [
        "okrsite.yaml:2: error: okrsite.yaml is too large: more than 20,000 values, aliases counted each time they are used"])


def test_a_nul_byte_in_the_config_is_reported_on_its_line(tmp_path, capsys):
    write_site(tmp_path, {}, config=b"title: T\nas_of: 2026-11-20\nsearch: tr\x00ue\n")
    assert check(tmp_path, capsys) == (2, [
        "okrsite.yaml:3: error: a NUL byte on this line: only text is allowed (is this a binary file, or text pasted "
        "with it?)"])
