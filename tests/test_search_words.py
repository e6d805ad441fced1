"""Search finds the words asked for (issue 25): ids are indexed as words, a word no page
has finds nothing (not a shorter word that begins it), and the team filter finds the key
results a team contributes to. Records, then the search page in Chromium over the real
Pagefind index of the sample site."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from okrsite.site import search
from okrsite.core import urls
from test_search import KR_TITLE, KR_URL  # the key result p99-latency, which Data contributes to
from test_search import base, recs, results, site  # noqa: F401 - the sample's site, records, served pages


def test_ids_are_in_the_searched_text(recs):
    rec = next(
        r for r in recs if r.url == urls.objective("platform", "2026-Q4", "fast-dashboards") and not r.contributor
    )
    assert "Id: fast-dashboards" in rec.own.content.split("\n")
    kr = next(p for p in rec.parts if p.url == KR_URL)
    assert kr.content.split("\n")[:2] == [KR_TITLE, "Id: p99-latency"]  # the title stays the heading
    team = next(r for r in recs if r.url == urls.team("data"))
    assert "Id: data" in team.own.content.split("\n")


def test_a_contributing_team_has_a_record_of_the_key_results_it_contributes_to(site, recs):
    contributed = [
        (c, urls.objective_ref(kr.ref))
        for o in site.objectives.values()
        for kr in o.key_results
        for c in kr.contributors
    ]
    theirs = [r for r in recs if r.contributor]
    assert sorted((r.contributor, r.parts[0].url) for r in theirs) == sorted(contributed)
    assert len({r.url for r in recs}) == len(recs), "Pagefind keeps one record per URL"
    data = next(r for r in theirs if r.contributor == "data" and r.parts[0].url == KR_URL)
    assert data.url == "teams/data/#contributes-platform-2026-Q4-fast-dashboards-p99-latency"
    assert data.own is None and len(data.parts) == 1
    f = data.filters
    assert f["team"] == ["data"] and f["via"] == [search.VIA_CONTRIBUTION] and f["kind"] == ["key-result"]
    kr = data.parts[0]
    assert f["status"] == [f"key-result:{kr.colour}"] and f["period"] == ["2026-Q4"]
    assert kr.team == "Platform" and kr.title == KR_TITLE  # shown as the owning team's key result
    own = next(r for r in recs if r.url == KR_URL.split("#")[0] and not r.contributor)
    assert own.filters["team"] == ["platform"] and "via" not in own.filters
    assert kr.content == next(p for p in own.parts if p.url == KR_URL).content


# --------------------------------------------------------------------------- browser

browser = pytest.mark.browser


def the_kr_alone(page, base, query, message):
    """Open the search page at ``query``: its message starts with ``message`` and its
    first result is the key result, linked to its anchor. Returns the results."""
    from playwright.sync_api import expect

    page.goto(base + "search/?" + query)
    items = results(page)
    expect(page.locator("#search-message")).to_have_text(re.compile("^" + re.escape(message)))
    title = items.first.locator(".search-result-title a")
    expect(title).to_have_text(KR_TITLE)
    assert title.get_attribute("href") == "../" + KR_URL
    return items


def raw_pagefind(page, term):
    """What Pagefind's own search answers, with no help from the search page: the URLs
    and matched words of its results."""
    return page.evaluate(
        """async (term) => {
          const pf = await import(new URL("../pagefind/pagefind.js", location.href).href);
          const s = await pf.search(term);
          const out = [];
          for (const r of s.results) {
            const d = await r.data();
            const words = d.content.split(/\\s+/);
            out.push([d.url, d.weighted_locations.map((l) => words[l.location])]);
          }
          return out;
        }""",
        term,
    )


@browser
def test_latency_finds_the_key_result_by_its_id_and_not_late_checkins(watched, base):
    from playwright.sync_api import expect

    page = watched
    items = the_kr_alone(page, base, "q=latency", "1 result for “latency”")
    expect(items.first.locator("mark")).to_have_text(["p99-latency."])
    assert "Check-in" not in page.locator("#search-results").inner_text()
    page.goto(base + "search/?q=p99-latency")  # the id as written
    expect(results(page).first.locator(".search-result-title a")).to_have_text(KR_TITLE)


@browser
def test_a_word_no_page_has_finds_nothing_not_a_shorter_word(watched, base):
    """Pagefind answers a word no indexed word begins with by the longest indexed word that
    begins it: "onboardee" finds "onboard…". The page shows no results instead."""
    from playwright.sync_api import expect

    page = watched
    page.goto(base + "search/")
    raw = raw_pagefind(page, "onboardee")
    assert raw and all(w.lower().startswith("onboard") for _, words in raw for w in words)
    box = page.get_by_label("Search objectives")
    box.fill("onboardee")
    box.press("Enter")
    expect(page.locator("#search-message")).to_have_text("No results for “onboardee”.")
    expect(page.locator(".search-result")).to_have_count(0)
    box.fill("dashboard onboardee")  # one unknown word: every word must appear
    box.press("Enter")
    expect(page.locator("#search-message")).to_have_text("No results for “dashboard onboardee”.")
    # what a reader types on the way to a word still finds it, and English forms still match
    for term, word in (
        ("onboardin", "onboarding"),
        ("dashb", "dashboard"),
        ("onboarded", "onboard"),
        ("latencies", "latency"),
    ):
        box.fill(term)
        box.press("Enter")
        items = results(page)
        expect(items.first).to_be_visible()
        marks = [m.lower() for m in page.locator(".search-result mark").all_inner_texts()]
        odd = [m for m in marks if not any(w.startswith(word) for w in re.split(r"\W+", m))]
        assert marks and not odd, (term, odd)


@browser
def test_the_team_filter_finds_key_results_the_team_contributes_to(watched, base, site):
    from playwright.sync_api import expect

    page = watched
    items = the_kr_alone(page, base, "q=p99&team=data", "1 result for “p99” (Data)")
    expect(items.first).to_contain_text("Key result")
    expect(items.first).to_contain_text("Platform")  # the team that owns it
    items.first.locator(".search-result-title a").click()
    expect(page).to_have_url(base + KR_URL)

    # without a team the key result is found once, in its objective's result
    page.goto(base + "search/?q=" + quote(KR_TITLE))
    links = page.locator(f'.search-result a[href="../{KR_URL}"]')
    expect(results(page).first).to_be_visible()
    expect(links).to_have_count(1)

    # the team and a filter without words: Data's own key results and the ones it helps with
    page.goto(base + "search/?team=data&kind=key-result&period=2026-Q4")
    expect(results(page).first).to_be_visible()
    shown = page.locator(".search-result a").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))")
    helped = {
        "../" + urls.objective(o.team, o.period, o.id) + "#" + urls.kr_anchor(kr.id)
        for o in site.objectives.values()
        if o.period == "2026-Q4"
        for kr in o.key_results
        if "data" in kr.contributors
    }
    assert "../" + KR_URL in helped and helped <= set(shown)
    assert all(h.startswith("../teams/data/") or h in helped for h in shown), shown
    count = int(re.match(r"(\d+) results?", page.locator("#search-message").inner_text()).group(1))
    assert count == page.locator(".search-result").count()  # every counted result is shown
