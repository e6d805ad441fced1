"""Markdown bodies: the plain subset (``markdown.plain_html``) writes exactly what
markdown-it writes for every body it takes, so a body renders the same whichever way it
goes, and the bodies people write mostly take it.

Every comparison is of the HTML before sanitising (a stronger check than after it), and
against both parsers (``markdown.allow_html`` off and on). Bodies come from the sample
site, both real OKR sets, a synthetic organisation, and seeded random bodies, built line
by line from pieces that are and are not in the subset, then mutated a character at a
time. ``OKRSITE_LONG_TESTS=1`` runs ten times as many random bodies.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from okrsite.markdown import Markdown, _parser, plain_html, sanitise
from okrsite.parse import parse

from conftest import REPO, real_okr_params

LONG = os.environ.get("OKRSITE_LONG_TESTS") == "1"
ROUNDS = 100_000 if LONG else 10_000

STRICT, WITH_HTML = _parser(False), _parser(True)


def fast(body: str) -> str | None:
    return plain_html(body, STRICT.normalizeLink, STRICT.validateLink)


def same_as_markdown_it(body: str) -> bool | None:
    """None when the plain subset does not take the body; otherwise whether its HTML is
    markdown-it's, with raw HTML on and off."""
    got = fast(body)
    if got is None:
        return None
    return got == STRICT.render(body) == WITH_HTML.render(body)


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


def check_all(found: list[str]) -> int:
    """Assert that every body the subset takes renders as markdown-it renders it;
    returns how many it took."""
    taken = 0
    for body in found:
        same = same_as_markdown_it(body)
        if same is not None:
            taken += 1
            assert same, f"the plain subset and markdown-it differ on {body!r}"
    return taken


# --------------------------------------------------------------------------- real bodies


def test_every_synthetic_body_is_plain_and_rendered_as_markdown_it_renders_it(synthetic):
    # the benchmark's organisations (bench/README.md says so, with the shares below)
    assert check_all(synthetic) == len(synthetic) > 500


def test_the_sample_sites_bodies_render_as_markdown_it_renders_them():
    found = bodies(REPO / "content")
    assert check_all(found) >= len(found) * 2 // 3  # 138 of 180 in December 2026


@pytest.mark.parametrize("folder", real_okr_params())
def test_the_real_okr_sets_bodies_render_as_markdown_it_renders_them(folder):
    found = bodies(folder)
    assert check_all(found) >= len(found) // 2  # 206 of 288 for both sets in December 2026


# --------------------------------------------------------------------------- what it takes


@pytest.mark.parametrize("body", [
    "Para\n- item",  # a list interrupts a paragraph
    "- item\n## Heading",  # a heading ends a list
    "## What changed?\n\n- Shipped [the API](https://example.com/api?a=1&b=2).\n- Fixed `x<y`.\n\nNothing else.",
    "- a\n\npara",
    "a\n\n\n- b",
    "(see) \"quoted\" 'single' => 100% é ü",
    "Source (verbatim):\n\n```text\n1. **Sales** <b> \\\n   * x\n\n```\n",
    "```\nplain code\n```\nafter",
    "[label (with parens)](/path#frag)",
    "x [a](b) y [c](d) z",
    "[é](/ü)",
    "`a` `b`",
    "lone \udc80 surrogate",
    "content/goals/2021_q1.md and snake_case_name",
])
def test_common_bodies_take_the_plain_subset(body):
    assert same_as_markdown_it(body) is True


@pytest.mark.parametrize("body", [
    "- a\n\n- b",  # a loose list
    "- a\n- b\npara",  # the lazy continuation of an item
    "*emphasis*", "__strong__", "_x_", "a _b", "é_b", "~~gone~~", "a | b", "<b>raw</b>", "a\\*b", "![image](a.png)",
    "1. ordered", "> quote", "    indented code", "a  \nhard break", "tab\there",
    "- [ ] task", "[ref]: /url", "[a](javascript:alert(1))", "[a](b \"title\")", "[a](<b>)", "&amp;",
    "## closed ##", "####### seven", "Setext\n===", "```\nleft open", "text\n```\ncode\n```",
    "```\n````\n```", "`` double ``", "a\rb", "para\u2028line",
])
def test_anything_else_is_left_to_markdown_it(body):
    assert fast(body) is None
    assert Markdown().render(body) == sanitise(STRICT.render(body))


# --------------------------------------------------------------------------- random bodies

WORDS = ["snake_case", "a__b", "_x", "x_", "é_x", "1_2", "word", "Word", "9", "10", "1.", "2)", "(see)", "'q'", '"q"', "é", "ü", "\udc80", "x#y", "#", "a-b", "!", "?",
         ":", "%", "=", "+", "@", "=>", ">", "a>b", "```", "*x*", "<b>", "\\", "\t", "&", "&amp;", "\u00a0",
         "[a](http://x.y/z)", "[b c](/p?q=1&amp;r=2)", "[x](javascript:alert(1))", "`code`", "` c `", "``", "[a]",
         "[ ] ", "[x] t", "[é](/ü)", "[a](HTTP://X.Y)", "[a](mailto:x@y)", "[a](data:text/html,x)",
         "[a](data:image/png;base64,AA)", "[a](b%20c)", "[a](%zz)", "[a](b#c)", "[a](b(c))", "[a]()", " ", "  ",
         "`a&amp;b`", "`<b>`", "`*x*`", "`a\\b`", "`[a](b)`", "`a`b`", "`_x_`", "!`c`", "![a](b)"]
STARTS = ["", "", "", "", "", "", "- ", "- ", "## ", "- ", "## ", "# ", "###### ", "####### ", "1. ", " ", "    ",
          "-", "[", "`", "(", '"', "- [ ] ", "- [x] ", "=", "---", "* ", "> ", "```", "```text", "``` text",
          "````", "~~~", "  ```"]


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
    found = [random_body(rng) for _ in range(ROUNDS)]
    assert check_all(found) > ROUNDS // 50  # enough of them are taken for this to mean something


MUTATIONS = ["\n```\n", "\n```text\n", "```", "\n````\n", "\n~~~\n", "=>", "> ", "\n> ", "\n", "\n\n", "- ", "## ",
             "1. ", "[a](b)", "`c`", "    ", "\n- ", "\n\n- ", *"abc019 .,;:?!()'\"-#[]`/%$=+@^{}é\u00a0*_<>&~|\\\t\r"]


@pytest.mark.parametrize("folder", [pytest.param(REPO / "content", id="sample"), *real_okr_params()])
def test_mutated_bodies_render_as_markdown_it_renders_them(synthetic, folder):
    rng = random.Random(11)
    start = synthetic + bodies(folder)
    found = []
    for _ in range(ROUNDS):
        body = rng.choice(start)
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(body))
            body = body[:at] + rng.choice(MUTATIONS) + body[at + rng.choice([0, 0, 1, 2]):]
        found.append(body)
    assert check_all(found) > ROUNDS // 4
