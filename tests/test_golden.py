"""Golden files: okrs.json and one page of every type of the sample must not drift
unnoticed.

The golden files are stored pretty-printed, so that a change reads as a short diff:
HTML is re-indented by ``pretty_html`` below (one tag or text per line, indented by
depth), which the test applies to the built page before comparing; JSON, CSV and the
Atom feeds are already one value per line and are compared as they are.

After an intended change, refresh them (one command; it refuses to run when ``CI`` is
set, so CI can never bless its own output) and review the diff like code:

    OKRSITE_UPDATE_GOLDEN=1 ./test.sh tests/test_golden.py

See docs/testing.md, "Goldens"."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("OKRSITE_UPDATE_GOLDEN") == "1"

# one output of every type, by what it is
PAGES = {
    "export: JSON": "okrs.json",
    "export: CSV of a period": "periods/2026-Q4/okrs.csv",
    "feed: the site's check-ins": "feed.xml",
    "feed: a team's check-ins": "teams/platform/feed.xml",
    "home": "index.html",
    "404": "404.html",
    "search": "search/index.html",
    "this week": "this-week/index.html",
    "teams": "teams/index.html",
    "team": "teams/platform/index.html",
    "team in a period": "teams/platform/2026-Q4/index.html",
    "objective": "teams/platform/2026-Q4/fast-dashboards/index.html",
    "graded objective": "teams/platform/2026-Q3/query-engine-v2/index.html",
    "check-in": "teams/platform/2026-Q4/checkins/2026-11-20/index.html",
    "period": "periods/2026-Q4/index.html",
    "glance": "periods/2026-Q4/glance/index.html",
    "alignment": "periods/2026-Q4/alignment/index.html",
    "alignment focused on a team": "periods/2026-Q4/alignment/platform/index.html",
    "people": "people/index.html",
    "person": "people/mei-lin/index.html",
}

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
TOKEN = re.compile(r"<!--.*?-->|<![^>]*>|<[^>]*>|[^<]+", re.S)


def pretty_html(html: str) -> str:
    """One tag or piece of text per line, indented two spaces a level. Whitespace
    between tags that holds a line break is layout and left out; any other text is
    kept exactly (a line break in it is written ``\\n``)."""
    lines, depth = [], 0
    for token in TOKEN.findall(html):
        if token.startswith("</"):
            depth = max(0, depth - 1)
            lines.append("  " * depth + token)
        elif token.startswith("<!") or (token.startswith("<") and len(token) > 1 and not token[1].isspace()):
            lines.append("  " * depth + token.replace("\n", "\\n"))
            name = re.match(r"<([A-Za-z][\w:-]*)", token)
            if name and name[1].lower() not in VOID and not token.endswith("/>"):
                depth += 1
        elif token.strip() or "\n" not in token:
            lines.append("  " * depth + token.replace("\\", "\\\\").replace("\n", "\\n"))
    return "\n".join(lines) + "\n"


def pretty(path: str, data: bytes) -> bytes:
    return pretty_html(data.decode("utf-8")).encode("utf-8") if path.endswith(".html") else data


def refresh(golden: Path, data: bytes) -> None:
    """The update mode's write, refused in CI."""
    if os.environ.get("CI"):
        pytest.fail("OKRSITE_UPDATE_GOLDEN=1 refuses to run in CI: refresh the golden files locally and commit them")
    golden.write_bytes(data)


def golden_file(path: str) -> Path:
    return GOLDEN / path.replace("/", "__")


@pytest.mark.parametrize("path", list(PAGES.values()), ids=list(PAGES))
def test_golden(sample_site, path):
    actual = pretty(path, (sample_site / path).read_bytes())
    golden = golden_file(path)
    if UPDATE:
        refresh(golden, actual)
    assert golden.exists(), f"no golden file for {path}: run  OKRSITE_UPDATE_GOLDEN=1 ./test.sh tests/test_golden.py"
    expected = golden.read_bytes()
    if actual != expected:
        import difflib

        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.decode().splitlines(True),
                    actual.decode().splitlines(True),
                    f"golden/{golden.name}",
                    "built",
                    n=2,
                )
            )[:80]
        )
        pytest.fail(
            f"{path} differs from its golden file (first lines of the diff below); if intended, refresh "
            f"with  OKRSITE_UPDATE_GOLDEN=1 ./test.sh tests/test_golden.py\n{diff}"
        )


def test_no_golden_file_is_left_over():
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(golden_file(p).name for p in PAGES.values())


def test_pretty_html_is_one_element_a_line_and_keeps_the_text():
    html = '<!DOCTYPE html>\n<html><body>\n<p class="x">Hello <a href="/">home</a> and\nmore</p><br><img src="a"/></body></html>'
    assert pretty_html(html) == (
        '<!DOCTYPE html>\n<html>\n  <body>\n    <p class="x">\n      Hello \n      <a href="/">\n        home\n'
        '      </a>\n       and\\nmore\n    </p>\n    <br>\n    <img src="a"/>\n  </body>\n</html>\n'
    )


def test_the_update_mode_refuses_to_run_in_ci(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="refuses to run in CI"):
        refresh(tmp_path / "page.html", b"new")
    assert not (tmp_path / "page.html").exists()
    monkeypatch.delenv("CI")
    refresh(tmp_path / "page.html", b"new")
    assert (tmp_path / "page.html").read_bytes() == b"new"
