"""The pictures in the pages: charts with their numbers, the heat map, the focused
alignment tree and "This week", in the sample and in the hand-built site of
test_render (its XSS team included)."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from linkcheck import read_output
from okrsite.site.environment import make_environment
from okrsite.site.pages import render_site
from okrsite.core import urls
from test_render import BUILTIN, XSS, XSS_ESCAPED, make_site


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.refs: list[tuple[str, str]] = []
        self.svgs: list[dict] = []

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if d.get("id"):
            self.ids[d["id"]] += 1
        for attr in ("aria-labelledby", "aria-describedby", "for"):
            for ref in (d.get(attr) or "").split():
                self.refs.append((attr, ref))
        if tag == "svg":
            self.svgs.append(d)

    handle_startendtag = handle_starttag


@pytest.fixture(scope="module")
def sample(sample_site) -> dict[str, bytes]:
    return read_output(sample_site)


@pytest.fixture(scope="module")
def hand_built() -> dict[str, bytes]:
    site = make_site()
    return render_site(site, make_environment([BUILTIN]))


def page(files, url: str) -> str:
    return files[urls.output_file(url)].decode("utf-8")


def test_ids_are_unique_and_every_aria_reference_resolves(sample):
    for path, data in sample.items():
        if not path.endswith(".html"):
            continue
        p = _Ids()
        p.feed(data.decode("utf-8"))
        assert [i for i, n in p.ids.items() if n > 1] == [], path
        assert [r for r in p.refs if r[1] not in p.ids] == [], path
        for svg in p.svgs:
            assert svg.get("role") == "img" and svg.get("aria-labelledby") and svg.get("aria-describedby"), path


def test_every_chart_comes_with_its_numbers_in_text(sample):
    obj = page(sample, urls.objective("platform", "2026-Q4", "fast-dashboards"))
    assert obj.count('<svg class="chart chart-kr"') == 3  # each key result has values
    assert obj.count('<svg class="chart chart-objective"') == 1
    numbers = obj.split('id="progress-title"', 1)[1].split("</section>", 1)[0]
    assert "The numbers: progress at each check-in" in numbers
    assert numbers.count('<th scope="row"><time datetime="2026-1') == 8  # one row per check-in
    assert "Check-in history" in obj.split('id="kr-p99-latency"', 1)[1]  # a KR's values
    tp = page(sample, urls.team_period("platform", "2026-Q4"))
    assert '<svg class="chart chart-colours"' in tp and "The numbers: key results by status, week by week" in tp
    graded = page(sample, urls.team_period("platform", "2026-Q3"))
    assert ">Grades</th>" in graded and "graded green" in graded
    team = page(sample, urls.team("platform"))
    assert team.count('<svg class="chart chart-spark"') == 2 and team.count("The numbers<span") == 2


def test_charts_escape_content_and_use_no_inline_style(hand_built):
    obj = page(hand_built, urls.objective("xss", "2026-Q4", "evil"))
    assert '<svg class="chart chart-kr"' in obj
    title = re.search(r'<title id="chart-kr-k1-t">(.*?)</title>', obj).group(1)
    assert title.startswith(XSS_ESCAPED)
    for path, data in hand_built.items():
        assert XSS.encode() not in data and b" style=" not in data, path


def test_the_heat_map_is_a_table_of_teams_in_organisation_order(sample):
    glance = page(sample, urls.glance("2026-Q4"))
    table = glance.split("<table", 1)[1].split("</table>", 1)[0]
    assert "<caption" in table and '<th scope="col">Team</th>' in table
    rows = re.findall(r'<th scope="row" class="heat-team depth-(\d)"><a href="[^"]*">([^<]+)</a>', table)
    names = [n for _, n in rows]
    assert names[:4] == ["Kestrel Analytics", "Engineering", "Data", "Mobile"]  # the organisation chart's order
    assert ("2", "Platform") in rows and ("3", "Site Reliability") in rows  # indented under Platform
    cells = re.findall(r'<a class="heat-link status status-(\w+)" href="([^"]+)">(.*?)</a>', table)
    # every Q4 objective, and the company's 4 objectives for the year 2026, each a link
    assert len(cells) == 36
    assert sum(1 for _, href, _ in cells if href.startswith("../../../teams/company/2026/")) == 4
    for colour, href, inner in cells:
        text = re.sub(r"<[^>]+>", "", inner)
        assert re.match(r"(On track|Behind|At risk|No data) -?\d+%", text), text  # words, not colour alone
        assert href.startswith("../../../teams/") and href.endswith("/")
    graded = page(sample, urls.glance("2026-Q3"))
    assert re.search(r'status-\w+" href="[^"]+"><span class="heat-status">Graded \d+%', graded)


def test_the_heat_map_shows_teams_with_objectives_and_those_above_them(hand_built):
    glance = page(hand_built, urls.glance("2026-Q4"))
    names = re.findall(r'<th scope="row" class="heat-team depth-\d"><a href="[^"]*">([^<]+)</a>', glance)
    assert names == ["Acme", "Engineering", "Platform", XSS_ESCAPED]
    annual = page(hand_built, urls.glance("2026"))
    assert re.findall(r'<th scope="row" class="heat-team depth-\d"><a href="[^"]*">([^<]+)</a>', annual) == ["Acme"]


def test_pictures_are_linked_from_home_period_and_alignment(sample):
    glance = 'periods/2026-Q4/glance/"'
    assert glance in page(sample, urls.HOME) and 'this-week/"' in page(sample, urls.HOME)
    assert 'href="../../periods/2026-Q4/glance/"' in page(sample, urls.period("2026-Q4"))
    assert 'href="../../../periods/2026-Q4/glance/"' in page(sample, urls.alignment("2026-Q4"))
    for path, data in sample.items():  # "This week" is in the main navigation of every page
        if path.endswith(".html"):
            nav = data.decode().split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
            assert ">This week</a>" in nav, path


def test_alignment_tree_shows_owners_and_progress_and_focuses_each_team(sample, hand_built):
    full = page(sample, urls.alignment("2026-Q4"))
    assert re.search(r"\d+% progress · owner <a class=\"person\"", full)
    assert 'data-team="platform"' in full and "data-tree-focus" in full
    focusable = re.findall(r'href="../../../periods/2026-Q4/alignment/([a-z0-9-]+)/" data-team="\1"', full)
    assert len(focusable) >= 10
    for tid in focusable:
        focused = page(sample, urls.alignment_team("2026-Q4", tid))
        teams = set(re.findall(r'data-team="([a-z0-9-]+)"', focused.split("data-tree-section", 1)[1]))
        assert tid in teams
        assert '<strong aria-current="page">' in focused
    # each team's pages link to its branch of the tree
    assert 'href="../../periods/2026-Q4/alignment/platform/"' in page(sample, urls.team("platform"))
    assert 'href="../../../periods/2026-Q4/alignment/platform/"' in page(
        sample, urls.team_period("platform", "2026-Q4")
    )
    # in the hand-built site: Platform's KR aligns to the company's NPS KR; Engineering stands alone
    focused = page(hand_built, urls.alignment_team("2026-Q4", "platform"))
    assert "Customers trust us with their day" in focused and "Hire well" not in focused
    alone = page(hand_built, urls.alignment_team("2026-Q4", "engineering"))
    assert "Hire well" in alone and "Customers trust us" not in alone


def test_this_week_page(sample, hand_built):
    week = page(sample, urls.THIS_WEEK)
    assert "2026-11-13" in week and "2026-11-20" in week
    changes = week.split('id="changes-title"', 1)[1].split("</section>", 1)[0]
    assert re.search(
        r'<span class="status status-\w+">[^<]+</span> <span class="arrow" aria-hidden="true">→</span>'
        r'<span class="visually-hidden"> became </span> <span class="status status-\w+">',
        changes,
    )
    assert "Could one engineer pair with Dmitri".lower() in week.lower()  # Platform's new request
    assert 'href="../teams/platform/2026-Q4/checkins/2026-11-20/"' in week
    hb = page(hand_built, urls.THIS_WEEK)  # as of 2026-11-23: check-ins after 2026-11-16
    checkins = hb.split('id="checkins-title"', 1)[1]
    assert "2026-11-20" in checkins and "2026-11-21" in checkins and "2026-11-06" not in checkins
    assert "2026-12-01" not in checkins  # dated after the as-of date: not counted
    assert "Need a DBA for a week" in hb
