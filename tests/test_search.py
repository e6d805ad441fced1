"""Search (issue 4): the records the index is built from, the index bundle, turning it
off, and in Chromium the search box and page of the sample site served under /okrs/."""

from __future__ import annotations

import gzip
import json

import html
import re
import shutil
from datetime import date
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import SAMPLE_CONFIG, require_pagefind, run_okrsite
from okrsite.builder import searchindex
from okrsite.site import search
from okrsite.site.people import people
from okrsite.core import urls
from okrsite.builder.pipeline import build
from okrsite.core.config import read_config

HELP_PHRASE = "Spark cluster order"  # only in the help of data's 2026-11-20 check-in
KR_TITLE = "p99 dashboard load time falls from 2,400 ms to 800 ms"
KR_URL = "teams/platform/2026-Q4/fast-dashboards/#kr-p99-latency"


# --------------------------------------------------------------------------- records


@pytest.fixture(scope="module")
def site(sample_model):
    return sample_model


@pytest.fixture(scope="module")
def recs(site):
    return search.records(site)


@pytest.fixture(scope="module")
def items(recs):
    """Every item once: without the contributing teams' records, which repeat key results
    (see tests/test_search_words.py)."""
    return [i for r in recs if not r.contributor for i in r.items]


def by_url(items):
    return {i.url: i for i in items}


def test_one_item_per_objective_kr_team_person_and_checkin(site, items):
    kinds = {k: [i for i in items if i.kind == k] for k in search.KINDS}
    assert len(kinds["objective"]) == len(site.objectives)
    assert len(kinds["key-result"]) == sum(len(o.key_results) for o in site.objectives.values())
    assert len(kinds["team"]) == len(site.teams)
    assert len(kinds["checkin"]) == len(site.checkins)
    assert len(kinds["person"]) == len(people(site))
    assert len(by_url(items)) == len(items), "one item per URL"


def test_few_records_key_results_and_checkins_are_parts(site, recs):
    """Pagefind's memory grows with records: an objective's key results are parts of its
    record, and a team's check-ins of a period are the parts of one record."""
    team_periods = {(c.team, c.period) for c in site.checkins}
    recs = [r for r in recs if not r.contributor]  # tested in tests/test_search_words.py
    assert len(recs) == len(site.teams) + len(site.objectives) + len(team_periods) + len(people(site))
    assert len({r.url for r in recs}) == len(recs), "one record per URL"
    for r in recs:
        if r.own:
            assert r.own.url == r.url and r.own.kind in ("objective", "team", "person")
            assert all(p.kind == "key-result" and p.url.startswith(r.url + "#") for p in r.parts)
        else:
            assert r.parts and all(p.kind == "checkin" for p in r.parts)
            team, period = r.parts[0].filters["team"], r.parts[0].filters["period"]
            assert r.url == urls.team_period(team[0], period[0])
            assert all(p.filters["team"] == team and p.filters["period"] == period for p in r.parts)


def test_record_html_is_escaped_and_marks_each_part(recs):
    rec = next(r for r in recs if r.url == urls.objective("platform", "2026-Q4", "fast-dashboards"))
    doc = rec.html()
    assert doc.count('<h2 id="p') == len(rec.parts) and "<main data-pagefind-body>" in doc
    ids = re.findall(r'<h2 id="(p\d+)\.([^"]+)">([^<]*)</h2>', doc)
    assert [i for i, _, _ in ids] == [f"p{n}" for n in range(len(rec.parts))]
    import json
    from urllib.parse import unquote

    first = json.loads(unquote(ids[0][1]))
    assert first == [KR_URL, "key-result", "Key result", KR_TITLE, rec.parts[0].status, rec.parts[0].colour]
    assert html.unescape(ids[0][2]) == KR_TITLE  # the heading: the KR's title, indexed
    assert "parts" not in rec.meta  # metadata is indexed by Pagefind: the parts' data are not in it
    hostile = search.Item(
        url="x/", kind="team", title="<script>alert(1)</script>", content='<img src=x onerror=alert(1)> & "q"'
    )
    doc = search.Record(url="x/", title=hostile.title, own=hostile, parts=(hostile,)).html()
    assert "<script>" not in doc and "<img" not in doc and "&lt;script&gt;" in doc


def test_record_filters_pair_kind_and_status(site, recs):
    rec = next(r for r in recs if r.url == urls.objective("platform", "2026-Q4", "fast-dashboards"))
    f = rec.filters
    assert f["kind"] == ["key-result", "objective"] and f["team"] == ["platform"] and f["period"] == ["2026-Q4"]
    assert set(f["status"]) == {f"{i.kind}:{i.colour}" for i in rec.items}
    checkins = next(r for r in recs if not r.own and not r.contributor)
    assert "status" not in checkins.filters and checkins.filters["kind"] == ["checkin"]


def test_urls_are_relative_to_the_site_root_and_name_real_pages(recs, items, sample_site):
    for r in list(recs) + items:
        assert not r.url.startswith("/") and "://" not in r.url, r.url
        page, _, anchor = r.url.partition("#")
        html = (sample_site / urls.output_file(page)).read_text()
        if anchor:
            assert f'id="{anchor}"' in html, r.url


def test_key_results_link_to_their_anchor_on_the_objective_page(site, recs, items):
    kr = by_url(items)[KR_URL]
    assert kr in next(r for r in recs if r.url == KR_URL.split("#")[0]).parts
    assert kr.kind == "key-result" and kr.title == KR_TITLE
    assert kr.url == urls.objective("platform", "2026-Q4", "fast-dashboards") + "#" + urls.kr_anchor("p99-latency")
    assert kr.team == "Platform" and kr.period == "Q4 2026"
    assert kr.meta["kind"] == "Key result" and kr.filters["kind"] == ["key-result"]
    assert "Kwame Mensah" in kr.content  # its owner


def test_filters_and_status_words(site, items):
    recs = items
    for r in recs:
        assert r.filters["kind"] == [r.kind]
        assert set(r.filters) <= {"kind", "team", "period", "status"}
        if r.kind in ("objective", "key-result"):
            item = site.item(
                r.url.split("#")[0].removeprefix("teams/").rstrip("/")
                + ("/" + r.url.split("#kr-")[1] if "#kr-" in r.url else "")
            )
            assert r.filters["status"] == [item.colour] and r.colour == item.colour
            assert r.filters["team"] == [item.ref.split("/")[0]] and r.filters["period"] == [item.ref.split("/")[1]]
            if item.status == "graded":
                assert re.fullmatch(r"Graded \d+%|Not scored", r.status), r.status
            else:
                assert r.status in ("On track", "Behind", "At risk", "No data")
        else:
            assert "status" not in r.filters and r.status == "" and "status" not in r.meta
    red_q4 = [r for r in recs if r.filters.get("status") == ["red"] and r.filters["period"] == ["2026-Q4"]]
    assert red_q4 and all(r.status == "At risk" for r in red_q4)


def test_checkins_carry_their_help_text_and_body(items):
    recs = items
    ci = by_url(recs)[urls.checkin("data", "2026-Q4", "2026-11-20")]
    assert ci.kind == "checkin" and ci.title == "Check-in 2026-11-20, Data"
    assert HELP_PHRASE in ci.content and "Where we need help" in ci.content
    assert [r.url for r in recs if HELP_PHRASE in r.content] == [ci.url]
    assert "What changed" not in ci.content  # the three weekly questions are not indexed


def test_people_records_use_the_people_pages(site, items):
    recs = items
    persons = {p.url: p for p in people(site)}
    mei = by_url(recs)[urls.person("mei-lin")]
    assert mei.kind == "person" and mei.title == "Mei Lin" and mei.url in persons
    assert "platform" in mei.filters["team"]
    owned = [r for r in recs if r.kind == "objective" and "Owner: Mei Lin" in r.content]
    assert owned, "what a person owns is found by their name"


def test_content_is_plain_text(items):
    for r in items:
        assert not re.search(r"<[a-zA-Z/!]", r.content), (r.url, r.content[:200])
        assert "&amp;" not in r.content and "&lt;" not in r.content


def test_html_to_text():
    html = (
        "<h2>What changed</h2><p>Tom &amp; Jerry wrote <code>&lt;script&gt;</code></p><ul><li>one</li><li>two</li></ul>"
    )
    assert search.html_to_text(html) == "What changed Tom & Jerry wrote <script> one two"
    assert search.html_to_text(html, headings=False) == "Tom & Jerry wrote <script> one two"


def test_records_are_deterministic(site, recs):
    assert search.records(site) == recs


# --------------------------------------------------------------------------- index


def test_records_are_in_parts_by_period(site, recs):
    """Teams and people in a part of their own; everything else in its period's part,
    the parts in the site's order of periods."""
    parts = search.partition(recs, site.periods)
    assert list(parts)[0] == search.ORG_PART
    assert list(parts)[1:] == [p for p in site.periods if p in parts]
    assert {r.own.kind for r in parts[search.ORG_PART]} == {"team", "person"}
    assert sum(len(v) for v in parts.values()) == len(recs)
    for pid, part in list(parts.items())[1:]:
        assert {p for r in part for i in r.items for p in i.filters["period"]} == {pid}
    q4 = parts["2026-Q4"]
    assert {i.kind for r in q4 for i in r.items} == {"objective", "key-result", "checkin"}
    assert any(r.contributor for r in q4)
    assert [r for r in recs if r in q4] == q4, "in the records' order"


@pytest.fixture(scope="module")
def bundle(site, recs):
    require_pagefind()
    return searchindex.build_index(recs, periods=site.periods)


def test_index_bundle_is_deterministic(site, recs, bundle):
    """Pagefind writes filter values in hash-map order; build_index sorts them, so the
    same records give the same bytes."""
    again = searchindex.build_index(recs, periods=site.periods)
    assert sorted(again) == sorted(bundle)
    assert [p for p in bundle if bundle[p] != again[p]] == []


def test_index_bundle_has_only_what_the_search_page_needs(site, recs, bundle):
    import json

    assert all(p.startswith("pagefind/") for p in bundle)
    names = {p.removeprefix("pagefind/") for p in bundle}
    assert {
        "pagefind.js",
        "pagefind-worker.js",
        "pagefind-entry.json",
        "wasm.en.pagefind",
        searchindex.BUNDLES_FILE,
        searchindex.PARTS_FILE,
    } <= names
    periods = [p for p in search.partition(recs, site.periods) if p != search.ORG_PART]
    assert len(periods) > 1
    merge = json.loads(bundle[f"pagefind/{searchindex.BUNDLES_FILE}"])["merge"]
    assert merge == [f"periods/{p}/" for p in periods], "one bundle per period, merged into the first"
    parts = json.loads(bundle[f"pagefind/{searchindex.PARTS_FILE}"])["parts"]
    assert list(parts) == ["", *merge]
    for folder in merge:
        own = {p.removeprefix(f"pagefind/{folder}") for p in bundle if p.startswith(f"pagefind/{folder}")}
        assert "pagefind-entry.json" in own and any(n.startswith("fragment/") for n in own)
        assert not {"pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"} & own, "code and WebAssembly once"
    assert not any("-ui." in n for n in names), "Pagefind's own UIs are not shipped"
    assert any(n.startswith("filter/") for n in names) and any(n.startswith("fragment/") for n in names)


SPLIT_RUN = 20  # records per Pagefind run of split_bundle


@pytest.fixture(scope="module")
def split_bundle(site, recs):
    """The sample's index with its larger parts in several Pagefind runs, as a large
    site's (RUN_RECORDS)."""
    require_pagefind()
    return searchindex.build_index(recs, run_records=SPLIT_RUN, periods=site.periods)


def test_a_large_part_is_built_in_several_runs_merged_by_the_page(site, recs, split_bundle):
    import json

    parts = search.partition(recs, site.periods)
    assert len(parts[search.ORG_PART]) > SPLIT_RUN and len(parts["2026-Q4"]) > 2 * SPLIT_RUN
    merge = json.loads(split_bundle[f"pagefind/{searchindex.BUNDLES_FILE}"])["merge"]
    assert "1/" in merge and ["periods/2026-Q4/", "periods/2026-Q4/1/", "periods/2026-Q4/2/"] == [
        m for m in merge if m.startswith("periods/2026-Q4/")
    ]
    for folder in ("1/", "periods/2026-Q4/2/"):
        names = {p.removeprefix(f"pagefind/{folder}") for p in split_bundle if p.startswith(f"pagefind/{folder}")}
        assert "pagefind-entry.json" in names and any(n.startswith("fragment/") for n in names)
        assert not {"pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"} & names, "code and WebAssembly once"
    pages = sum(
        json.loads(split_bundle[p])["languages"]["en"]["page_count"]
        for p in split_bundle
        if p.endswith("pagefind-entry.json")
    )
    assert pages == len(recs)
    assert searchindex.build_index(recs, run_records=SPLIT_RUN, periods=site.periods) == split_bundle


def test_only_the_parts_that_changed_are_indexed_again(site, recs, bundle, indexed_parts):
    """Given the last index, a part whose records are the same is taken from it: one
    changed check-in indexes its period again, and the index is the one made from nothing."""
    indexed = indexed_parts
    assert searchindex.build_index(recs, periods=site.periods, previous=searchindex.LastFiles(bundle)) == bundle
    assert indexed == []
    at = next(
        i
        for i, r in enumerate(recs)
        if r.own is None and r.parts[0].kind == "checkin" and r.parts[0].filters["period"] == ["2026-Q4"]
    )
    ci = recs[at].parts[0]
    changed = list(recs)
    changed[at] = replace(recs[at], parts=(replace(ci, content=ci.content + " quokka"), *recs[at].parts[1:]))
    got = searchindex.build_index(changed, periods=site.periods, previous=searchindex.LastFiles(bundle))
    assert indexed == ["periods/2026-Q4/"]
    indexed.clear()
    assert got == searchindex.build_index(changed, periods=site.periods)
    assert indexed == list(json.loads(bundle[f"pagefind/{searchindex.PARTS_FILE}"])["parts"])
    # a last index whose list of parts is missing or from another format is not used
    for broken in (b"", b'{"format":0,"parts":{}}'):
        indexed.clear()
        last = {**bundle, f"pagefind/{searchindex.PARTS_FILE}": broken}
        assert searchindex.build_index(recs, periods=site.periods, previous=searchindex.LastFiles(last)) == bundle
        assert len(indexed) == len(search.partition(recs, site.periods))


def test_canonical_filters_keep_a_working_metadata(bundle):
    import json

    entry = json.loads(bundle["pagefind/periods/2026-Q4/pagefind-entry.json"])
    meta_name = f"pagefind/periods/2026-Q4/pagefind.{entry['languages']['en']['hash']}.pf_meta"
    meta = searchindex._decode_dcd(bundle[meta_name])
    filters = dict(next(x for x in meta if isinstance(x, list) and x and x[0] and x[0][0] == "kind"))
    assert sorted(filters) == ["kind", "period", "status", "team", "via"]
    for name, h in filters.items():
        decoded = searchindex._decode_dcd(bundle[f"pagefind/periods/2026-Q4/filter/{h}.pf_filter"])
        assert decoded[0] == name
        values = [v[0] for v in decoded[1]]
        assert values == sorted(values)


def test_a_data_file_round_trips_and_one_cbor2_cannot_rewrite_is_left_alone():
    value = ["x", [0, 23, 24, 255, 256, 65536, 2**32, -1, -25], ["é", b"\x00"], []]
    encoded = searchindex._encode_dcd(value)
    assert searchindex._decode_dcd(encoded) == value
    raw = gzip.decompress(encoded)
    assert searchindex._decode_dcd(raw + b"\x00") is None  # something after the value
    assert searchindex._decode_dcd(b"pagefind_dcd\x9f\x01\xff") is None  # indefinite length
    assert searchindex._decode_dcd(b"pagefind_dcd\x18\x05") is None  # 5 not in its shortest form
    assert searchindex._decode_dcd(b"pagefind_dcd\x62\xff\xfe") is None  # not UTF-8
    assert searchindex._decode_dcd(b"not pagefind") is None


def test_a_broken_pagefind_is_a_build_error(site, monkeypatch):
    def broken(*args, **kwargs):
        raise searchindex.SearchError("the Pagefind binary exited unexpectedly")

    monkeypatch.setattr(searchindex, "build_index", broken)
    result = build(site.config, site.as_of, search=True)
    assert result.failed()
    assert any("cannot build the search index" in d.message and "--no-search" in d.message for d in result.errors)


# --------------------------------------------------------------------------- build


def test_the_build_writes_the_index_search_page_and_header_box(sample_site):
    assert (sample_site / "pagefind" / "pagefind.js").is_file()
    assert (sample_site / "search" / "index.html").is_file()
    home = (sample_site / "index.html").read_text()
    assert '<form class="site-search" role="search" action="search/" method="get">' in home
    assert '<input type="search" id="site-search-q" name="q"' in home
    assert 'src="assets/keys.js"' in home
    page = (sample_site / "search" / "index.html").read_text()
    assert 'data-root="../"' in page and 'src="../assets/search.js"' in page
    assert "<script>" not in page and " style=" not in page, "no inline script or style (CSP)"
    assert '<option value="platform">Platform</option>' in page
    assert '<option value="red">' in page and '<option value="2026-Q4">Q4 2026</option>' in page


def test_no_search_flag_and_config_turn_it_off(tmp_path, sample_config):
    out = tmp_path / "flag"
    run_okrsite("build", "--config", sample_config, "--output", out, "--no-search", check=True)
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    home = (out / "index.html").read_text()
    assert "site-search" not in home and "keys.js" not in home

    site_dir = tmp_path / "site"
    shutil.copytree(SAMPLE_CONFIG.parent / "content", site_dir / "content")
    (site_dir / "okrsite.yaml").write_text(SAMPLE_CONFIG.read_text() + "\nsearch: false\n")
    out2 = tmp_path / "config"
    run_okrsite("build", "--config", site_dir / "okrsite.yaml", "--output", out2, check=True)
    assert not (out2 / "pagefind").exists() and not (out2 / "search").exists()
    assert (out / "index.html").read_bytes() == (out2 / "index.html").read_bytes()


def test_index_files_is_what_the_build_writes(site, sample_site):
    """``searchindex.index_files(site)`` (for the preview server) gives the bytes the build writes."""
    files = searchindex.index_files(site)
    written = {
        p.relative_to(sample_site).as_posix(): p.read_bytes()
        for p in (sample_site / "pagefind").rglob("*")
        if p.is_file()
    }
    assert files == written


def test_build_api_leaves_search_to_its_caller(site):
    config, _ = read_config(SAMPLE_CONFIG)
    result = build(config, date(2026, 11, 20))
    assert not any(p.startswith("pagefind/") for p in result.files)
    assert "search/index.html" in result.files  # the page is there; serve adds the index


# --------------------------------------------------------------------------- browser

browser = pytest.mark.browser


@pytest.fixture
def base(sample_site, static_server):
    return static_server(sample_site, "/okrs/")


def results(page):
    from playwright.sync_api import expect

    expect(page.locator("#search-message")).to_contain_text(re.compile(r"results?\b|No results"))
    return page.locator(".search-result")


@browser
def test_a_kr_title_finds_the_kr_and_opens_its_objective_at_the_kr(watched, base):
    from playwright.sync_api import expect

    page = watched
    page.goto(base)
    page.get_by_role("search").get_by_label("Search").fill(KR_TITLE)
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"search/\?q=p99"))
    first = results(page).first  # the objective's record; its best match is the KR
    title = first.locator(".search-result-title a")
    expect(title).to_have_text(KR_TITLE)
    expect(first).to_contain_text("Key result")
    expect(first).to_contain_text("Platform")
    expect(first).to_contain_text("Q4 2026")
    expect(first.locator(".search-result-meta .status")).to_have_text(re.compile("On track|Behind|At risk|No data"))
    assert title.get_attribute("href") == "../" + KR_URL
    title.click()
    expect(page).to_have_url(base + KR_URL)
    expect(page.locator("#kr-p99-latency")).to_be_in_viewport()


@browser
def test_filtering_by_red_shows_only_at_risk_items(watched, base):
    from playwright.sync_api import expect

    page = watched
    page.goto(base + "search/")
    page.get_by_label("Status", exact=True).select_option("red")
    items = results(page)
    expect(items.first).to_be_visible()
    assert parse_qs(urlsplit(page.url).query) == {"status": ["red"]}
    assert page.locator(".search-result-meta .status").count() == items.count()
    badges = page.locator(".search-result .status")  # other matching items of a result too
    assert all("status-red" in b.get_attribute("class") for b in badges.all())

    page.get_by_label("Period", exact=True).select_option("2026-Q4")
    expect(page.locator("#search-message")).to_contain_text("Q4 2026")
    texts = [b.inner_text() for b in page.locator(".search-result .status").all()]
    assert texts and set(texts) == {"At risk"}
    assert parse_qs(urlsplit(page.url).query) == {"status": ["red"], "period": ["2026-Q4"]}


@browser
def test_filtering_by_team_shows_only_that_team(watched, base):
    from playwright.sync_api import expect

    page = watched
    page.goto(base + "search/?q=dashboard")
    expect(results(page).first).to_be_visible()
    teams_before = {t.inner_text() for t in page.locator(".search-team").all()}
    assert len(teams_before) > 1
    page.get_by_label("Team", exact=True).select_option("platform")
    expect(page.locator("#search-message")).to_contain_text("Platform")
    teams = [t.inner_text() for t in page.locator(".search-result .search-team").all()]
    assert teams and set(teams) == {"Platform"}
    assert parse_qs(urlsplit(page.url).query) == {"q": ["dashboard"], "team": ["platform"]}


@browser
def test_a_help_request_phrase_finds_that_checkin(watched, base):
    from playwright.sync_api import expect

    page = watched
    page.goto(base + "search/")
    box = page.get_by_label("Search objectives")
    box.fill(HELP_PHRASE)  # the words: the check-in comes first (a KR's note has them too)
    box.press("Enter")
    items = results(page)
    expect(items.first.locator(".search-result-title a")).to_have_text("Check-in 2026-11-20, Data")
    box.fill(f'"{HELP_PHRASE}"')  # the exact phrase: only the check-in
    box.press("Enter")
    expect(page.locator("#search-message")).to_have_text(re.compile("^1 result "))
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Check-in")
    expect(items.first.locator("mark").first).to_be_visible()
    items.first.locator(".search-result-title a").click()
    expect(page).to_have_url(base + "teams/data/2026-Q4/checkins/2026-11-20/")
    expect(page.locator(".help-callout")).to_contain_text(HELP_PHRASE)


@browser
def test_a_persons_name_finds_their_page_and_what_they_own(watched, base):
    from playwright.sync_api import expect

    page = watched
    page.goto(base + "search/?q=Mei%20Lin")
    items = results(page)
    expect(items.first).to_be_visible()
    person = items.filter(has=page.locator(".search-kind", has_text="Person"))
    expect(person).to_have_count(1)
    expect(person.locator(".search-result-title a")).to_have_text("Mei Lin")
    owned = items.filter(has=page.get_by_role("link", name="Move every dashboard onto the new query engine"))
    expect(owned).to_have_count(1)
    expect(owned).to_contain_text("Objective")
    person.locator(".search-result-title a").click()
    expect(page).to_have_url(base + "people/mei-lin/")


@browser
def test_search_over_a_split_index(watched, sample_site, split_bundle, static_server, tmp_path):
    """A large site's index is several bundles: the page merges them, and finds the same."""
    from playwright.sync_api import expect

    site = tmp_path / "public"
    shutil.copytree(sample_site, site, ignore=shutil.ignore_patterns("pagefind"))
    for path, data in split_bundle.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)
    base = static_server(site, "/okrs/")
    page = watched
    page.goto(base + "search/?q=" + KR_TITLE.replace(" ", "+"))
    first = results(page).first.locator(".search-result-title a")
    expect(first).to_have_text(KR_TITLE)
    assert first.get_attribute("href") == "../" + KR_URL
    page.goto(base + f'search/?q="{HELP_PHRASE}"')
    expect(page.locator("#search-message")).to_have_text(re.compile("^1 result "))
    expect(results(page).first.locator(".search-result-title a")).to_have_text("Check-in 2026-11-20, Data")
    page.goto(base + "search/?status=red&period=2026-Q4")
    expect(results(page).first).to_be_visible()
    texts = [b.inner_text() for b in page.locator(".search-result .status").all()]
    assert texts and set(texts) == {"At risk"}
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(base + "search/?q=dashboard")
    expect(results(page).first).to_be_visible()
    assert any("/pagefind/periods/2026-Q4/2/" in u for u in requested) and any("/pagefind/1/" in u for u in requested)
    assert sum("wasm" in u for u in requested) == 1


@browser
def test_a_word_in_two_periods_finds_both_and_a_period_loads_only_its_bundle(watched, base):
    """Each period is a bundle of its own: a word of two periods' check-ins finds both,
    and a search of one period downloads none of the other periods' bundles."""
    from playwright.sync_api import expect

    q3, q4 = "teams/people/2026-Q3/checkins/2026-08-14/", "teams/people/2026-Q4/checkins/2026-10-23/"
    page = watched
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(base + "search/?q=conversations&kind=checkin")
    expect(results(page).first).to_be_visible()
    links = [a.get_attribute("href") for a in page.locator(".search-result a").all()]
    assert {"../" + q3, "../" + q4} <= set(links)
    assert any("/pagefind/periods/2026-Q3/" in u for u in requested)
    assert any("/pagefind/periods/2026-Q4/" in u for u in requested)
    page2 = page.context.new_page()  # a new visit: nothing merged yet
    requested.clear()
    page2.on("request", lambda r: requested.append(r.url))
    page2.goto(base + "search/?q=conversations&kind=checkin&period=2026-Q3")
    expect(results(page2).first).to_be_visible()
    links = [a.get_attribute("href") for a in page2.locator(".search-result a").all()]
    assert "../" + q3 in links and "../" + q4 not in links
    assert any("/pagefind/periods/2026-Q3/" in u for u in requested)
    assert not any("/pagefind/periods/2026-Q4/" in u or "/pagefind/periods/2026/" in u for u in requested)
    page2.close()


@browser
def test_slash_focuses_the_header_search_box(watched, base):
    from playwright.sync_api import expect

    page = watched
    page.goto(base + "teams/")
    box = page.locator("#site-search-q")
    expect(box).not_to_be_focused()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    expect(box).to_have_value("")  # the slash was not typed into it
    page.keyboard.type("a/b")
    expect(box).to_have_value("a/b")  # typing a slash in a field types it


@browser
def test_a_shared_url_restores_the_query_and_the_filter(watched, base):
    from playwright.sync_api import expect

    page = watched
    page.goto(base + "search/?q=checkout&status=red")
    expect(page.get_by_label("Search objectives")).to_have_value("checkout")
    expect(page.get_by_label("Status", exact=True)).to_have_value("red")
    items = results(page)
    expect(items.first).to_be_visible()
    assert all("status-red" in b.get_attribute("class") for b in page.locator(".search-result .status").all())
    expect(page.get_by_role("link", name="Never let a checkout fail because of us")).to_be_visible()
    expect(page.locator("#search-message")).to_have_attribute("aria-live", "polite")


# --------------------------------------------------------------------------- a long list of teams


def _team_options(page: str) -> list[tuple[str, str]]:
    select = re.search(r'<select id="search-team"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    return [(v, html.unescape(w)) for v, w in re.findall(r'<option value="([^"]+)">([^<]*)</option>', select.group(1))]


def test_a_long_team_list_is_a_file_the_search_page_names(monkeypatch):
    """Above summary.SEARCH_TEAMS_MAX teams, the team filter's options leave the search
    page (which would grow with the organisation) for search/teams.json, the same
    options in the same order; at or below it (the sample), they stay in the page."""
    from okrsite.site import summary

    config, _ = read_config(SAMPLE_CONFIG)
    inline = build(config, date(2026, 11, 20)).files
    options = _team_options(inline["search/index.html"].decode())
    assert len(options) == len(config_teams(inline)) and ("platform", "Platform") in options
    assert urls.SEARCH_TEAMS_FILE not in inline
    monkeypatch.setattr(summary, "SEARCH_TEAMS_MAX", len(options) - 1)
    apart = build(config, date(2026, 11, 20)).files
    page = apart["search/index.html"].decode()
    assert '<select id="search-team" name="team" data-options="../search/teams.json">' in page
    assert _team_options(page) == []
    assert [tuple(o) for o in json.loads(apart[urls.SEARCH_TEAMS_FILE])] == options
    assert len(page) < len(inline["search/index.html"].decode())
    for path in inline:  # nothing else changes
        if path != "search/index.html":
            assert apart[path] == inline[path], path


def config_teams(files: dict[str, bytes]) -> set[str]:
    return {
        p.split("/")[1] for p in files if p.startswith("teams/") and p.count("/") == 2 and p.endswith("/index.html")
    }


@pytest.fixture(scope="module")
def teams_apart(tmp_path_factory):
    """The sample built with search, its team filter's options in search/teams.json."""
    from okrsite.builder.pipeline import publish
    from okrsite.site import summary

    require_pagefind()
    config, _ = read_config(SAMPLE_CONFIG)
    out = tmp_path_factory.mktemp("teams-apart") / "public"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(summary, "SEARCH_TEAMS_MAX", 3)
        result = publish(config, config.as_of, out, search=True, jobs=1, use_cache=False)
    assert result.errors == [] and (out / urls.SEARCH_TEAMS_FILE).is_file()
    return out


@browser
def test_a_team_filter_fetched_when_used_filters_as_the_one_in_the_page(watched, teams_apart, static_server):
    """The options arrive when the filter is about to be used (focus, or a pointer over
    it), or at once when the URL chooses a team; a team chosen either way filters the
    results as the list in the page does."""
    from playwright.sync_api import expect

    base = static_server(teams_apart, "/okrs/")
    page = watched
    fetched: list[str] = []
    page.on("request", lambda r: r.url.endswith("/" + urls.SEARCH_TEAMS_FILE) and fetched.append(r.url))
    team = page.get_by_label("Team", exact=True)

    page.goto(base + "search/?q=dashboard&team=platform")
    expect(page.locator("#search-message")).to_contain_text("(Platform)")
    expect(team).to_have_value("platform")
    teams = [t.inner_text() for t in page.locator(".search-result .search-team").all()]
    assert teams and set(teams) == {"Platform"}
    assert len(fetched) == 1

    fetched.clear()
    page.goto(base + "search/?q=dashboard")
    expect(results(page).first).to_be_visible()
    assert fetched == [] and team.locator("option").count() == 1  # "All teams" only, until used
    team.focus()
    expect(team.locator('option[value="platform"]')).to_have_count(1)
    team.select_option("platform")
    expect(page.locator("#search-message")).to_contain_text("(Platform)")
    assert parse_qs(urlsplit(page.url).query) == {"q": ["dashboard"], "team": ["platform"]}
    assert len(fetched) == 1

    page.goto(base + "search/")
    page.locator(".search-filters").hover()  # the pointer on its way to the team filter
    page.get_by_label("Status", exact=True).hover()
    team.hover()
    expect(team.locator('option[value="platform"]')).to_have_count(1)

    page.goto(base + "search/")
    team.click()  # a click first: the list opens once its options are in
    expect(team.locator('option[value="platform"]')).to_have_count(1)
    expect(team).to_be_focused()


@browser
def test_a_link_keeps_its_team_when_the_list_of_teams_cannot_be_fetched(watched, teams_apart, static_server):
    """The list of teams fails to come: the link's team still filters, named by its id,
    and stays in the URL."""
    from playwright.sync_api import expect

    base = static_server(teams_apart, "/okrs/")
    page = watched
    page.route("**/" + urls.SEARCH_TEAMS_FILE, lambda route: route.fulfill(status=503, body="busy"))
    page.goto(base + "search/?q=dashboard&team=platform")
    expect(page.locator("#search-message")).to_contain_text("(platform)")
    expect(page.get_by_label("Team", exact=True)).to_have_value("platform")
    teams = [t.inner_text() for t in page.locator(".search-result .search-team").all()]
    assert teams and set(teams) == {"Platform"}
    assert parse_qs(urlsplit(page.url).query) == {"q": ["dashboard"], "team": ["platform"]}
    page.expected_problems = {p for p in page.problems if "503" in p}


@browser
def test_a_change_made_while_the_list_of_teams_comes_is_kept(watched, teams_apart, static_server):
    """A link with a team, the list slow to come, the reader chooses a status meanwhile:
    their search stands; the link's team is not put back over it when the list arrives."""
    from playwright.sync_api import expect

    base = static_server(teams_apart, "/okrs/")
    page = watched
    held = []
    page.route("**/" + urls.SEARCH_TEAMS_FILE, lambda route: held.append(route))
    page.goto(base + "search/?team=platform")
    while not held:
        page.wait_for_timeout(20)
    page.get_by_label("Status", exact=True).select_option("red")
    expect(page.locator("#search-message")).to_contain_text("At risk")
    held[0].fulfill(path=str(teams_apart / urls.SEARCH_TEAMS_FILE), content_type="application/json")
    team = page.get_by_label("Team", exact=True)
    expect(team.locator('option[value="platform"]')).to_have_count(1)
    expect(team).to_have_value("")
    expect(page.get_by_label("Status", exact=True)).to_have_value("red")
    assert parse_qs(urlsplit(page.url).query) == {"status": ["red"]}
