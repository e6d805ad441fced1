"""What a reader sees (issue 25, "The reader"): which rule decided a status, older
requests for help, grade bands, check-in tables, the glance page's longer periods and
milestones without ``done``. Pure functions first, then pages of the sample site and of
small variations of it built in temporary folders."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest

from conftest import REPO, run_okrsite
from okrsite.core import status
from okrsite.core.model import Checkin, StatusConfig
from test_status import PERIOD, day, make_kr, make_obj, upd

CONFIG = StatusConfig()


def words(html: str) -> str:
    """The text of some HTML, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace("&#39;", "'")


def between(html: str, start: str, end: str) -> str:
    assert start in html, start
    return html.split(start, 1)[1].split(end, 1)[0]


# --------------------------------------------------------------------------- status: which rule decided


@pytest.mark.parametrize(
    "kr, updates, expected",
    [
        (make_kr(), [], ("no-data", status.RULE_NO_UPDATE)),
        (make_kr(), [upd(day(50), value=1.0, status="on-track")], ("on-track", status.RULE_TEAM_STATUS)),
        (make_kr(), [upd(day(50), value=9.0, confidence=0.5)], ("behind", status.RULE_CONFIDENCE)),
        (make_kr(), [upd(day(50), note="nothing to report")], ("no-data", status.RULE_NO_PROGRESS)),
        (make_kr(type="stay_above", target=5.0), [upd(day(50), value=4.0)], ("at-risk", status.RULE_LINE)),
        (make_kr(), [upd(day(50), value=3.5)], ("behind", status.RULE_PACE)),
    ],
)
def test_kr_status_rule_names_the_rule_that_decided(kr, updates, expected):
    assert status.kr_status_rule(kr, updates, PERIOD, CONFIG) == expected
    assert status.kr_status(kr, updates, PERIOD, CONFIG) == expected[0]


def test_kr_reason_carries_the_figures_of_its_rule():
    kr = make_kr()
    status.compute_kr(kr, [upd(day(40), value=2.0)], PERIOD, day(60), CONFIG)
    reason = status.kr_reason(kr, PERIOD, day(60), CONFIG)
    assert reason.rule == status.RULE_PACE and reason.date == day(40)
    assert reason.progress == pytest.approx(0.2) and reason.expected == pytest.approx(0.4)
    status.compute_kr(kr, [upd(day(40), value=9.0, confidence=0.3)], PERIOD, day(60), CONFIG)
    assert status.kr_reason(kr, PERIOD, day(60), CONFIG) == status.Reason(
        status.RULE_CONFIDENCE, day(40), confidence=0.3
    )
    # after the end: the band of the key result's commitment
    graded = make_kr(commitment="committed")
    status.compute_kr(graded, [upd(day(90), value=8.0)], PERIOD, day(120), CONFIG)
    assert status.kr_reason(graded, PERIOD, day(120), CONFIG) == status.Reason(status.RULE_GRADE, bands=(1.0, 0.7))


def test_objective_reason_is_the_teams_call_or_its_weakest_key_result():
    good, weak = make_kr("good"), make_kr("weak")
    obj = make_obj([good, weak])
    status.compute_kr(good, [upd(day(50), value=5.0)], PERIOD, day(50), CONFIG)
    status.compute_kr(weak, [upd(day(50), value=3.0)], PERIOD, day(50), CONFIG)
    status.compute_objective(obj, PERIOD, day(50), None)
    assert obj.status == "behind"
    assert status.objective_reason(obj) == status.Reason(status.RULE_WEAKEST, key_result=weak.ref)
    status.compute_objective(obj, PERIOD, day(50), "on-track")
    assert status.objective_reason(obj) == status.Reason(status.RULE_TEAM_CALL)
    empty = make_obj([make_kr()])
    status.compute_objective(empty, PERIOD, day(50), None)
    assert status.objective_reason(empty).rule == status.RULE_NO_DATA
    assert status.grade_bands("experimental") == (0.7, 0.4) and status.grade_bands("unknown") == (0.7, 0.4)


# --------------------------------------------------------------------------- status: older requests for help


def _ci(name: str, d: date, help: list[str], counted: bool = True) -> Checkin:
    return Checkin(team="t", period="P", name=name, date=d, path=f"{name}.md", help=help, counted=counted)


def test_help_state_is_open_only_in_the_latest_recent_check_in():
    as_of = date(2026, 11, 20)
    old = _ci("2026-11-06", date(2026, 11, 6), ["a DBA", "a designer"])
    latest = _ci("2026-11-13", date(2026, 11, 13), ["a DBA"])
    assert status.help_state(latest, "a DBA", latest, as_of, 14) == status.HELP_OPEN
    assert status.help_state(old, "a DBA", latest, as_of, 14) == status.HELP_REPEATED
    assert status.help_state(old, "a designer", latest, as_of, 14) == status.HELP_NOT_REPEATED
    # the stale limit: 14 days is still current, 15 is older
    assert status.help_state(old, "a DBA", old, date(2026, 11, 20), 14) == status.HELP_OPEN
    assert status.help_state(old, "a DBA", old, date(2026, 11, 21), 14) == status.HELP_STALE
    future = _ci("2026-12-01", date(2026, 12, 1), ["later"], counted=False)
    assert status.help_state(future, "later", latest, as_of, 14) == status.HELP_NOT_COUNTED


# --------------------------------------------------------------------------- pages of the sample


@pytest.fixture(scope="module")
def site_page(sample_site):
    def read(url: str) -> str:
        return (sample_site / url / "index.html").read_text(encoding="utf-8")

    return read


def test_home_leads_with_attention_then_company_objectives_then_direction(site_page):
    home = site_page("")
    order = [
        home.index(marker)
        for marker in (
            'class="as-of"',
            'class="attention-counts"',
            'id="help-title"',
            'id="risk-title"',
            'id="company-title"',
            'class="vision"',
            'id="strategy-title"',
        )
    ]
    assert order == sorted(order)
    attention = between(home, 'id="attention-title"', 'id="company-title"')
    # bounded: at most three of each, and a link to the complete lists on This week
    assert attention.count('class="help-item"') == 3 and attention.count('class="risk-item"') == 3
    assert 'href="this-week/#open-help-title"' in attention and 'href="this-week/#at-risk-title"' in attention
    assert "All 8 requests for help, and 1 older" in words(attention)
    assert "Red is information, not failure" in attention
    # each request links to its check-in
    assert 'href="teams/data/2026-Q4/checkins/2026-11-20/">Procurement: could the Spark' in attention


def test_old_requests_for_help_are_dated_greyed_and_apart(site_page):
    week = site_page("this-week")
    every = between(week, 'id="open-help-title"', "</section>")
    current, older = every.split('id="older-help-title"', 1)
    assert "teams/marketing/" not in current  # its check-in of 2026-10-30 is 21 days old
    assert "Retail Tech Summit stand" in older
    assert "asked 21 days ago, on 2026-10-30; no check-in since" in older
    assert 'class="help-older"' in every
    team = between(site_page("teams/marketing"), 'id="help-title"', "</section>")
    assert 'class="help-older"' in team and "asked 21 days ago" in team
    # checked in since without repeating it
    ci = between(site_page("teams/support/2026-Q4/checkins/2026-11-13"), 'id="help-title"', "</section>")
    assert 'class="help-older"' in ci and "not repeated in the check-in of" in words(ci)
    timeline = site_page("teams/support/2026-Q4")
    assert "not repeated in the check-in of" in words(timeline)


def test_status_changes_and_objectives_say_why(site_page):
    week = site_page("this-week")
    changes = between(week, 'id="changes-title"', "</section>")
    assert changes.count("<li>") == changes.count('class="why"') > 0
    text = words(changes)
    assert "On track → became Behind progress 55% → 61% Why: Its weakest key result, “Full history backfill" in text
    assert "Why: The team's own call in its check-in on 2026-11-20." in text
    assert "Why: The team's confidence on 2026-11-20: 80% (on track from 70%, behind from 40%)." in text
    obj = words(site_page("teams/platform/2026-Q4/fast-dashboards"))
    assert "Why: Its weakest key result, “Query cache hit rate rises from 61% to 85%”, is behind." in obj
    assert "17 points behind the calendar's 55%" in obj


def test_grades_say_which_band_coloured_them(site_page):
    obj = words(site_page("teams/platform/2026-Q3/query-engine-v2"))
    assert "Graded 80%: amber. Grade bands for committed: green from 100%, amber from 70%." in obj
    glance = words(site_page("periods/2026-Q3/glance"))
    assert (
        "Grade bands: committed: green from 100%, amber from 70%; aspirational: green from 70%, "
        "amber from 40%; experimental: green from 70%, amber from 40%."
    ) in glance


def test_checkin_table_shows_computed_status_and_only_columns_with_data(site_page):
    table = between(site_page("teams/platform/2026-Q4/checkins/2026-11-20"), 'class="table updates-table"', "</table>")
    head = between(table, "<thead>", "</thead>")
    assert words(head) == "Key result Reported Status Confidence Note"  # nobody gave a status: no "Team's call"
    rows = table.split("<tr>")[2:]
    assert len(rows) == 8 and all('<td data-label="Status"><span class="status status-' in r for r in rows)
    assert "—" not in table


def test_glance_shows_the_years_objectives_in_a_quarter(site_page):
    glance = site_page("periods/2026-Q4/glance")
    company = between(glance, 'href="../../../teams/company/"', "</tr>")
    assert "No objectives" not in company
    assert company.count('class="heat-link') >= 3 and '<span class="heat-period">2026</span>' in company


# --------------------------------------------------------------------------- variations built in tmp_path


def test_a_graded_milestone_without_done_has_no_empty_done_entry(tmp_path):
    """Like every milestone of the GitLab set: graded, and no check-in said done."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "okrsite.yaml", site / "okrsite.yaml")
    objective = site / "content/teams/people/2026-Q3/career-framework.md"
    objective.write_text(
        objective.read_text(encoding="utf-8").replace(
            "key_results:\n",
            'key_results:\n  - id: never-reported\n    title: "Mentoring scheme launched"\n    type: milestone\n',
            1,
        ),
        encoding="utf-8",
    )
    run_okrsite("build", "--config", site / "okrsite.yaml", "--output", tmp_path / "public", check=True)
    html = (tmp_path / "public/teams/people/2026-Q3/career-framework/index.html").read_text(encoding="utf-8")
    milestone = between(html, 'id="kr-never-reported"', "</section>")
    facts = between(milestone, '<dl class="facts kr-facts">', "</dl>")
    assert "<dt>Type</dt><dd>Milestone</dd>" in facts
    assert "<dt>Done</dt>" not in facts and not re.search(r"<dd>\s*</dd>", facts)
