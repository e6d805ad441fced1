"""The libraries that write okrsite's encoded outputs write them as before: the search
index's CBOR (cbor2) in the form Pagefind writes and reads, okrs.json (orjson or json)
and the Atom feeds (a theme template)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from markupsafe import Markup

from conftest import SAMPLE_CONFIG
from okrsite.builder import searchindex
from okrsite.site import feeds
from okrsite.site.environment import make_environment
from okrsite.core import urls
from okrsite.builder.pipeline import build, render_output
from okrsite.core.config import read_config
from okrsite.core.diagnostics import Diagnostics

# RFC 8949, appendix A: the encodings Pagefind's own writer (minicbor) gives these values
RFC_8949_EXAMPLES = [
    (0, "00"),
    (23, "17"),
    (24, "1818"),
    (100, "1864"),
    (1000, "1903e8"),
    (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"),
    (-1, "20"),
    (-10, "29"),
    (-100, "3863"),
    (-1000, "3903e7"),
    ("", "60"),
    ("a", "6161"),
    ("IETF", "6449455446"),
    ("\u00fc", "62c3bc"),
    ("\u6c34", "63e6b0b4"),
    (b"", "40"),
    (b"\x01\x02\x03\x04", "4401020304"),
    ([], "80"),
    ([1, 2, 3], "83010203"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
]


@pytest.mark.parametrize(("value", "cbor"), RFC_8949_EXAMPLES, ids=[c for _, c in RFC_8949_EXAMPLES])
def test_search_data_files_are_cbor_in_the_shortest_definite_form(value, cbor):
    data = searchindex._encode_dcd(value)
    assert gzip.decompress(data) == b"pagefind_dcd" + bytes.fromhex(cbor)
    assert searchindex._decode_dcd(data) == value


# --------------------------------------------------------------------------- Atom feeds

BUILTIN = Path(__file__).resolve().parent.parent / "themes" / "default"


@pytest.fixture(scope="module")
def sample():
    config, _ = read_config(SAMPLE_CONFIG)
    return build(config, config.as_of, render_pages=False).site


def test_the_feeds_come_from_the_built_in_themes_template(sample):
    assert (BUILTIN / "templates" / feeds.FEED_TEMPLATE).is_file()
    data = feeds.site_feed(sample)
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n")
    assert data.endswith(b"  </entry>\n</feed>\n")
    assert feeds.outputs(sample)[urls.FEED_FILE] == data


def test_a_theme_overrides_the_feed_template_and_its_values_are_escaped_for_xml(tmp_path, sample):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "feed.xml").write_text(
        '<feed title="{{ feed.title }}">{% for e in entries %}<e n="{{ e.checkin.name }}">{{ e.title }}</e>'
        '{% endfor %}{% set text = "<b>\x01&\'" %}{{ text }}{{ "<i>kept</i>"|safe }}</feed>\n'
    )
    env = make_environment([tmp_path, BUILTIN])
    files = feeds.outputs(sample, env=env)
    data = files[urls.team_feed("platform")].decode()
    assert data.startswith('<feed title="Platform: check-ins · ')
    assert data.endswith("&lt;b&gt;&amp;&#x27;<i>kept</i></feed>\n")  # \x01: not allowed in XML
    assert data.count("<e n=") == min(feeds.MAX_ENTRIES, sum(c.team == "platform" for c in sample.checkins))


def test_xml_text_escapes_text_and_keeps_markup_without_forbidden_characters():
    assert feeds.xml_text("a <b> & \"c\" 'd'\x00\ufffe") == "a &lt;b&gt; &amp; &quot;c&quot; &#x27;d&#x27;"
    assert feeds.xml_text(Markup("<b>x\x0b</b>")) == Markup("<b>x</b>")
    assert feeds.xml_text(3) == "3"


@pytest.mark.parametrize(
    ("template", "line"),
    [
        ("<feed>\n{% for e in entries %}\n</feed>\n", 3),  # where Jinja finds the end
        ("<feed>\n\n{{ no_such_name }}\n</feed>\n", 3),
    ],
)
def test_a_broken_feed_template_is_one_error_at_its_line_not_a_traceback(tmp_path, sample, template, line):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "feed.xml").write_text(template)
    diags = Diagnostics()
    files = render_output(sample, [tmp_path, BUILTIN], diags)
    assert urls.FEED_FILE not in files and "okrs.json" in files
    [error] = diags.errors
    assert error.path.endswith("templates/feed.xml") and error.line == line
    assert "cannot write the feeds: feed.xml" in error.message
