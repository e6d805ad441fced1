"""Exports for other tools: Atom feeds of check-ins (site-wide and per team) that parse as
Atom with valid dates and ids, and per-period CSV that round-trips to the JSON export."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from pathlib import Path

import pytest

from okrsite.builder.pipeline import build
from okrsite.core import urls
from okrsite.core.config import parse_config, read_config
from okrsite.core.model import SourceFile
from okrsite.site import feeds
from okrsite.site.export import export_data

REPO = Path(__file__).resolve().parent.parent
A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(scope="module")
def sample():
    config, _ = read_config(REPO / "okrsite.yaml")
    return build(config, config.as_of, render_pages=False).site


def check_atom(data: bytes) -> ET.Element:
    """RFC 4287's required elements, dates and ids."""
    feed = ET.fromstring(data)
    assert feed.tag == f"{A}feed"
    for tag in ("id", "title", "updated"):
        assert len(feed.findall(f"{A}{tag}")) == 1, tag
    assert RFC3339.match(feed.findtext(f"{A}updated"))
    assert feed.find(f"{A}author/{A}name").text  # so entries need none of their own
    assert feed.find(f"{A}link[@rel='self']") is not None
    ids = [feed.findtext(f"{A}id")]
    for entry in feed.findall(f"{A}entry"):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{tag}")) == 1, tag
        assert RFC3339.match(entry.findtext(f"{A}updated"))
        assert entry.find(f"{A}link[@rel='alternate']") is not None or entry.find(f"{A}content") is not None
        ids.append(entry.findtext(f"{A}id"))
    for i in ids:
        assert re.match(r"^(urn:uuid:[0-9a-f-]{36}|https?://\S+)$", i), i
    assert len(set(ids)) == len(ids)
    return feed


def test_site_feed_is_atom_newest_first(sample):
    feed = check_atom(feeds.site_feed(sample))
    entries = feed.findall(f"{A}entry")
    assert len(entries) == min(feeds.MAX_ENTRIES, len(sample.checkins))
    dates = [e.findtext(f"{A}updated") for e in entries]
    assert dates == sorted(dates, reverse=True)
    latest = max(c.date for c in sample.checkins)
    assert feed.findtext(f"{A}updated") == f"{latest.isoformat()}T00:00:00Z"  # from content, not the clock
    first = entries[0]
    assert first.find(f"{A}link").get("href").startswith("teams/") and first.find(f"{A}link").get("href").endswith("/")


def test_team_feed(sample):
    feed = check_atom(feeds.team_feed(sample, "platform"))
    entries = feed.findall(f"{A}entry")
    platform = [c for c in sample.checkins if c.team == "platform"]
    assert len(entries) == len(platform)
    top = entries[0]
    assert top.findtext(f"{A}title") == "Platform: check-in of 2026-11-20 (Q4 2026)"
    assert top.find(f"{A}author/{A}name").text == "Mei Lin"
    assert top.find(f"{A}category").get("term") == "platform"
    # relative to the feed file at teams/platform/feed.xml
    assert top.find(f"{A}link").get("href") == "../../teams/platform/2026-Q4/checkins/2026-11-20/"
    content = top.findtext(f"{A}content")
    assert "1,480" in content and "Where we need help" in content
    assert "<script" not in content


def test_feeds_are_deterministic_and_use_site_url(sample):
    assert feeds.site_feed(sample) == feeds.site_feed(sample)
    sample.config.site_url = "https://okrs.example.com/"
    try:
        feed = check_atom(feeds.team_feed(sample, "platform"))
        assert feed.findtext(f"{A}id") == "https://okrs.example.com/teams/platform/feed.xml"
        entry = feed.find(f"{A}entry")
        assert entry.findtext(f"{A}id") == "https://okrs.example.com/teams/platform/2026-Q4/checkins/2026-11-20/"
        assert entry.find(f"{A}link").get("href") == entry.findtext(f"{A}id")
    finally:
        sample.config.site_url = None


def test_a_team_without_checkins_has_a_valid_feed():
    config, _ = parse_config(b"as_of: 2026-11-20\n")
    site = build(
        config,
        date(2026, 11, 20),
        render_pages=False,
        sources=[
            SourceFile(
                "content/teams/solo/2026-Q4/one.md",
                b"---\ntitle: One\nowner: A\nkey_results:\n  - {title: a, start: 0, target: 1}\n  - {title: b, type: milestone}\n---\n",
            )
        ],
    ).site
    feed = check_atom(feeds.team_feed(site, "solo"))
    assert feed.findall(f"{A}entry") == []
    assert feed.findtext(f"{A}updated") == "2026-10-01T00:00:00Z"


def test_feed_escapes_content():
    config, _ = parse_config(b"as_of: 2026-11-20\n")
    files = {
        "content/teams/solo/2026-Q4/one.md": '---\ntitle: One\nowner: A\nkey_results:\n  - {id: a, title: "<b>a</b> & b", start: 0, target: 1}\n  - {title: b, type: milestone}\n---\n',
        "content/teams/solo/2026-Q4/checkins/2026-11-13.md": '---\ndate: 2026-11-13\nauthor: "<script>x</script>"\nkey_results:\n  one/a: 0.5\nhelp: "]]> & <i>"\n---\n',
    }
    site = build(
        config, date(2026, 11, 20), render_pages=False, sources=[SourceFile(p, t.encode()) for p, t in files.items()]
    ).site
    feed = check_atom(feeds.site_feed(site))
    entry = feed.find(f"{A}entry")
    assert entry.find(f"{A}author/{A}name").text == "<script>x</script>"  # text, escaped in the XML
    content = entry.findtext(f"{A}content")  # HTML, escaped once more inside the XML
    assert "&lt;b&gt;a&lt;/b&gt; &amp; b" in content and "]]&gt; &amp; &lt;i&gt;" in content


def test_feed_leaves_out_what_xml_forbids_in_every_part_of_an_entry():
    """Control characters (YAML's "\\x01" escapes) in a key result's title, an update's
    note, the team's call and a request for help: the entry's content is escaped for HTML
    part by part and then, as a whole, for XML, which is where they are left out."""
    config, _ = parse_config(b"as_of: 2026-11-20\n")
    files = {
        "content/teams/solo/2026-Q4/one.md": '---\ntitle: "On\\x01e"\nowner: A\nkey_results:\n  - {id: a, title: "<b>a\\x02</b> & b", start: 0, target: 1}\n  - {title: b, type: milestone}\n---\n',
        "content/teams/solo/2026-Q4/checkins/2026-11-13.md": (
            '---\ndate: 2026-11-13\nkey_results:\n  one/a: {value: 0.5, note: "n\\x0bote <i>"}\n'
            'objectives:\n  one: at-risk\nhelp: "he\\x1flp & more"\n---\n'
        ),
    }
    site = build(
        config, date(2026, 11, 20), render_pages=False, sources=[SourceFile(p, t.encode()) for p, t in files.items()]
    ).site
    data = feeds.team_feed(site, "solo")
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data)
    content = check_atom(data).find(f"{A}entry").findtext(f"{A}content")  # the HTML, unescaped once
    assert "<li>&lt;b&gt;a&lt;/b&gt; &amp; b: 0.5 (note &lt;i&gt;)</li>" in content
    assert "<li>One: at risk</li>" in content and "<li>help &amp; more</li>" in content


def parse_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def number(text: str):
    return None if text == "" else float(text)


def test_period_csv_round_trips_to_the_json_export(sample):
    data = export_data(sample)
    rows = parse_csv(feeds.period_csv(sample, "2026-Q4"))
    objectives = [o for o in data["objectives"] if o["period"] == "2026-Q4"]
    assert len(rows) == len(objectives) + sum(len(o["key_results"]) for o in objectives)
    assert list(rows[0]) == list(feeds.CSV_COLUMNS)
    by_ref = {r["ref"]: r for r in rows}
    for obj in objectives:
        row = by_ref[obj["ref"]]
        assert row["kind"] == "objective" and row["title"] == obj["title"] and row["owner"] == (obj["owner"] or "")
        assert row["status"] == obj["status"] and row["colour"] == obj["colour"]
        assert number(row["progress"]) == obj["progress"] and number(row["score"]) == obj["score"]
        assert row["url"] == obj["url"]
        for kr in obj["key_results"]:
            row = by_ref[kr["ref"]]
            assert row["kind"] == "key-result" and row["objective"] == obj["id"] and row["id"] == kr["id"]
            for key in ("title", "type", "unit", "status", "colour", "commitment"):
                assert row[key] == (kr[key] or ""), key  # an absent unit: null in JSON, an empty cell
            for key in ("start", "target", "current", "progress", "score"):
                assert number(row[key]) == kr[key], key
            assert row["stale"] == ("true" if kr["stale"] else "false")
            assert row["last_update"] == (kr["last_update"] or "")
            assert row["url"] == obj["url"] + "#kr-" + kr["id"]
    # written again from what was read, it is the same file
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=feeds.CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    assert out.getvalue().encode() == feeds.period_csv(sample, "2026-Q4")


def test_graded_period_csv_has_scores(sample):
    rows = parse_csv(feeds.period_csv(sample, "2026-Q3"))
    assert rows and all(r["status"] == "graded" for r in rows)
    assert all(r["score"] != "" for r in rows if r["kind"] == "objective")


def test_csv_cells_never_start_a_formula():
    config, _ = parse_config(b"as_of: 2026-11-20\n")
    site = build(
        config,
        date(2026, 11, 20),
        render_pages=False,
        sources=[
            SourceFile(
                "content/teams/solo/2026-Q4/one.md",
                b'---\ntitle: "=HYPERLINK(1)"\nowner: "@boss"\nkey_results:\n  - {title: "+1 more", start: 0, target: 1}\n'
                b"  - {title: b, type: milestone}\n---\n",
            )
        ],
    ).site
    rows = parse_csv(feeds.period_csv(site, "2026-Q4"))
    assert rows[0]["title"] == "'=HYPERLINK(1)" and rows[0]["owner"] == "'@boss" and rows[1]["title"] == "'+1 more"


def test_outputs_cover_every_team_and_period(sample):
    files = feeds.outputs(sample)
    assert urls.FEED_FILE in files
    for team in sample.teams:
        assert urls.team_feed(team) in files
    for period in sample.periods:
        assert urls.period_csv(period) in files


def test_built_site_links_the_feeds(sample_site):
    """The feeds and CSVs are part of the built site, linked from the pages' heads."""
    assert (sample_site / "feed.xml").is_file() and (sample_site / "teams/platform/feed.xml").is_file()
    check_atom((sample_site / "feed.xml").read_bytes())
    assert parse_csv((sample_site / "periods/2026-Q4/okrs.csv").read_bytes())
    home = (sample_site / "index.html").read_text()
    assert '<link rel="alternate" type="application/atom+xml"' in home and 'href="feed.xml"' in home
    team = (sample_site / "teams/platform/index.html").read_text()
    assert 'type="application/atom+xml" title="Check-ins of Platform" href="../../teams/platform/feed.xml"' in team
    period = (sample_site / "periods/2026-Q4/index.html").read_text()
    assert '<a href="../../periods/2026-Q4/okrs.csv" download>Download as CSV</a>' in period


def test_feed_dates_are_valid_dates(sample):
    for data in (feeds.site_feed(sample), feeds.team_feed(sample, "data")):
        feed = ET.fromstring(data)
        for el in feed.iter():
            if el.tag in (f"{A}updated", f"{A}published"):
                datetime.fromisoformat(el.text.replace("Z", "+00:00"))


def test_period_csv_writes_the_cells_of_period_rows(sample):
    """period_csv hands most values to the csv module unconverted (None, strings and
    numbers are written as ``_cell`` would write them): the bytes must be those of
    writing ``period_rows``' cells."""
    data = export_data(sample)
    for period in sample.periods:
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=feeds.CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(feeds.period_rows(sample, data, period))
        assert feeds.period_csv(sample, period) == out.getvalue().encode("utf-8"), period
    assert feeds._cell(0.1 + 0.2, "start") == "0.30000000000000004" and feeds._cell(True, "stale") == "true"


def test_outputs_made_from_the_export_data_of_okrs_json_are_the_same(sample):
    """The build makes ``export_data`` once, for okrs.json and the CSV files."""
    from okrsite.site.export import export_json

    site = sample
    data = export_data(site)
    assert feeds.outputs(site, data) == feeds.outputs(site)
    assert export_json(site, data) == export_json(site)


def test_team_names_and_period_labels_read_the_same_in_feeds_search_and_pages():
    """One meaning (issue 27): a team's name, or its id when the team is unknown; a
    period's label, or its id. The feeds, the search records and the pages ask the site."""
    from okrsite.site import search
    from okrsite.site.people import people
    from okrsite.site.views import SiteView

    config, _ = parse_config(
        b"as_of: 2026-11-20\nperiods:\n  - {id: 2026-Q4, start: 2026-10-01, end: 2026-12-31, label: Autumn 2026}\n"
    )
    files = {
        "content/teams/solo/_index.md": "---\nname: Solo Team\n---\n",
        "content/teams/solo/2026-Q4/one.md": "---\ntitle: One\nowner: A\nkey_results:\n  - {id: a, title: a, start: 0, target: 1}\n  - {title: b, type: milestone}\n---\n",
        "content/teams/solo/2026-Q4/checkins/2026-11-13.md": "---\ndate: 2026-11-13\nkey_results:\n  one/a: 0.5\n---\n",
    }
    result = build(config, date(2026, 11, 20), sources=[SourceFile(p, t.encode()) for p, t in files.items()])
    site = result.site
    assert (site.team_name("solo"), site.team_name("ghost"), site.team_name(None)) == ("Solo Team", "ghost", "")
    assert (site.period_label("2026-Q4"), site.period_label("2027-Q1"), site.period_label(None)) == (
        "Autumn 2026",
        "2027-Q1",
        "",
    )
    view = SiteView(site, people(site))
    assert (view.team_name("ghost"), view.period_label("2026-Q4")) == ("ghost", "Autumn 2026")
    entry = check_atom(feeds.team_feed(site, "solo")).find(f"{A}entry")
    assert entry.findtext(f"{A}title") == "Solo Team: check-in of 2026-11-13 (Autumn 2026)"
    titles = {r.title for r in search.records(site)}
    assert "Check-ins, Solo Team, Autumn 2026" in titles
    page = result.files[urls.checkin("solo", "2026-Q4", "2026-11-13") + "index.html"].decode()
    assert "Solo Team" in page and "Autumn 2026" in page
