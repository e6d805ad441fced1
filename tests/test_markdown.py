"""Markdown bodies: ``markdown.Markdown`` is the one renderer, and it renders every body
as markdown-it-py (CommonMark, tables, strikethrough, mdit-py-plugins' task lists) renders
it, sanitised.

markdown-it-py is built here on its own, as the reference: a change of engine, options or
plugins in okrsite/core/markdown.py shows up as a difference. Bodies come from the sample site,
both real OKR sets, a synthetic organisation, and seeded random bodies, built line by line
from pieces of every kind of Markdown, then real bodies mutated a character at a time.
Both settings of ``markdown.allow_html`` are compared. ``OKRSITE_LONG_TESTS=1`` runs
fifty times as many random bodies.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

from okrsite.core.markdown import Markdown, sanitise
from okrsite.core.parse import parse

from conftest import REPO, real_okr_params

LONG = os.environ.get("OKRSITE_LONG_TESTS") == "1"
ROUNDS = 100_000 if LONG else 2_000


def reference(allow_html: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(tasklists_plugin)
    return md


STRICT, WITH_HTML = reference(False), reference(True)
RENDERERS = Markdown(False), Markdown(True)


def different(found: list[str]) -> list[str]:
    """The bodies okrsite renders otherwise than markdown-it-py, with raw HTML off or on."""
    out = []
    for body in found:
        want = sanitise(STRICT.render(body)) if body.strip() else ""
        want_html = sanitise(WITH_HTML.render(body)) if body.strip() else ""
        if RENDERERS[0].render(body) != want or RENDERERS[1].render(body) != want_html:
            out.append(body)
    return out


def bodies(folder: Path) -> list[str]:
    out = []
    for path in sorted(folder.rglob("*.md")):
        body = parse(path.read_bytes()).body
        if body.strip():
            out.append(body)
    return out


@pytest.fixture(scope="module")
def synthetic(synthetic_content) -> list[str]:
    return bodies(synthetic_content)


# --------------------------------------------------------------------------- real bodies


def test_every_synthetic_body_renders_as_markdown_it_renders_it(synthetic):
    assert len(synthetic) > 500
    assert different(synthetic) == []


def test_the_sample_sites_bodies_render_as_markdown_it_renders_them():
    found = bodies(REPO / "content")
    assert len(found) > 100
    assert different(found) == []


@pytest.mark.parametrize("folder", real_okr_params())
def test_the_real_okr_sets_bodies_render_as_markdown_it_renders_them(folder):
    found = bodies(folder)
    assert found
    assert different(found) == []


# --------------------------------------------------------------------------- what the plugins write


def test_task_lists_are_disabled_check_boxes():
    html = Markdown().render("- [ ] open\n- [x] done\n")
    assert html == (
        '<ul class="contains-task-list">\n'
        '<li class="task-list-item"><input disabled="disabled" type="checkbox"> open</li>\n'
        '<li class="task-list-item"><input checked="checked" disabled="disabled" type="checkbox"> done</li>\n'
        "</ul>\n"
    )


def test_tables_strikethrough_and_raw_html():
    assert Markdown().render("|a|b|\n|-|-|\n|1|~~2~~|") == (
        "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>1</td>\n<td><s>2</s></td>\n</tr>\n</tbody>\n</table>\n"
    )
    assert Markdown(False).render("a <b>bold</b>") == "<p>a &lt;b&gt;bold&lt;/b&gt;</p>\n"
    assert Markdown(True).render("a <b>bold</b> <script>x()</script>") == "<p>a <b>bold</b> </p>\n"
    assert Markdown().render("  \n\t\n") == ""


@pytest.mark.parametrize(
    "body",
    [
        "[`",
        "see [`x` here",
        "```\nleft open",
        "[](http://é)",
        "[](http://@e)",
        ">",
        "\u00a0",
    ],
)
def test_bodies_a_faster_engine_got_wrong_render_as_markdown_it_renders_them(body):
    # markdown-it-pyrs raised a Rust panic on the first two and wrote other HTML for the
    # rest (docs/decisions.md, Libraries)
    assert different([body]) == []


def test_deep_nesting_renders_in_a_process_that_survives():
    """What crashed a faster engine's process (100,000 nested quotes: a segmentation
    fault) renders here: markdown-it stops nesting at its limit. In a subprocess, so a
    crash fails this test instead of ending the run."""
    script = (
        "from okrsite.core.markdown import Markdown\n"
        "for md in (Markdown(False), Markdown(True)):\n"
        "    for body in ['>' * 100_000 + ' x', '> ' * 100_000, '- ' * 50_000 + 'x', '*' * 100_000 + 'x',\n"
        "                 '[' * 100_000 + 'x', '<div>' * 100_000, '1. ' * 50_000 + 'x']:\n"
        "        assert md.render(body)\n"
        "print('rendered')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert (done.returncode, done.stdout) == (0, "rendered\n"), done.stderr[-2000:]


# --------------------------------------------------------------------------- random bodies

WORDS = [
    "snake_case",
    "a__b",
    "_x",
    "x_",
    "é_x",
    "1_2",
    "word",
    "Word",
    "9",
    "10",
    "1.",
    "2)",
    "(see)",
    "'q'",
    '"q"',
    "é",
    "ü",
    "x#y",
    "#",
    "a-b",
    "!",
    "?",
    ":",
    "%",
    "=",
    "+",
    "@",
    "=>",
    ">",
    "a>b",
    "```",
    "*x*",
    "<b>",
    "\\",
    "\t",
    "&",
    "&amp;",
    "\u00a0",
    "[a](http://x.y/z)",
    "[b c](/p?q=1&amp;r=2)",
    "[x](javascript:alert(1))",
    "`code`",
    "` c `",
    "``",
    "[a]",
    "[ ] ",
    "[x] t",
    "[é](/ü)",
    "[a](HTTP://X.Y)",
    "[a](mailto:x@y)",
    "[a](data:text/html,x)",
    "[a](data:image/png;base64,AA)",
    "[a](b%20c)",
    "[a](%zz)",
    "[a](b#c)",
    "[a](b(c))",
    "[a]()",
    " ",
    "  ",
    "`a&amp;b`",
    "`<b>`",
    "`*x*`",
    "`a\\b`",
    "`[a](b)`",
    "`a`b`",
    "`_x_`",
    "!`c`",
    "![a](b)",
    "~~s~~",
    "|a|",
]
STARTS = [
    "",
    "",
    "",
    "",
    "",
    "",
    "- ",
    "- ",
    "## ",
    "- ",
    "## ",
    "# ",
    "###### ",
    "####### ",
    "1. ",
    " ",
    "    ",
    "-",
    "[",
    "`",
    "(",
    '"',
    "- [ ] ",
    "- [x] ",
    "=",
    "---",
    "* ",
    "> ",
    "```",
    "```text",
    "``` text",
    "````",
    "~~~",
    "  ```",
    "|-|",
    "[ref]: /url ",
]


def random_body(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 9)):
        if rng.random() < 0.25:
            lines.append(rng.choice(["", "", "", "", "", " ", "\u00a0"]))
            continue
        sep = rng.choice([" ", " ", " ", " ", " ", " ", "", "  "])
        lines.append(rng.choice(STARTS) + sep.join(rng.choice(WORDS) for _ in range(rng.randint(1, 5))))
    return "\n".join(lines) + rng.choice(["", "\n", "\n\n"])


def test_random_bodies_render_as_markdown_it_renders_them():
    rng = random.Random(2026)
    assert different([random_body(rng) for _ in range(ROUNDS)]) == []


MUTATIONS = [
    "\n```\n",
    "\n```text\n",
    "```",
    "\n````\n",
    "\n~~~\n",
    "=>",
    "> ",
    "\n> ",
    "\n",
    "\n\n",
    "- ",
    "## ",
    "1. ",
    "[a](b)",
    "`c`",
    "    ",
    "\n- ",
    "\n\n- ",
    *"abc019 .,;:?!()'\"-#[]`/%$=+@^{}é\u00a0*_<>&~|\\\t\r",
]


@pytest.mark.parametrize("folder", [pytest.param(REPO / "content", id="sample"), *real_okr_params()])
def test_mutated_bodies_render_as_markdown_it_renders_them(synthetic, folder):
    rng = random.Random(11)
    start = synthetic + bodies(folder)
    found = []
    for _ in range(ROUNDS):
        body = rng.choice(start)
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(body))
            body = body[:at] + rng.choice(MUTATIONS) + body[at + rng.choice([0, 0, 1, 2]) :]
        found.append(body)
    assert different(found) == []
