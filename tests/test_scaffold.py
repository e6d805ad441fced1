"""`okrsite new checkin|objective|period` and `okrsite init`: every generated file passes
`okrsite check` as it is; the writer of a check-in only changes numbers."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from okrsite.builder.pipeline import build
from okrsite.cli import scaffold
from okrsite.core.config import calendar_period, parse_config, read_config
from okrsite.core.model import SourceFile

REPO = Path(__file__).resolve().parent.parent
ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}


def run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "okrsite", *map(str, args)], cwd=cwd, capture_output=True, text=True, env=ENV
    )


@pytest.fixture
def sample(tmp_path) -> Path:
    """A copy of the sample organisation (as_of 2026-11-20) to write into."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copy(REPO / "okrsite.yaml", tmp_path / "okrsite.yaml")
    return tmp_path


@pytest.fixture(scope="module")
def sample_site():
    config, _ = read_config(REPO / "okrsite.yaml")
    return build(config, config.as_of, render_pages=False).site


# --------------------------------------------------------------------------- YAML helpers


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        'Björn "BJ" Aasen',
        "a: b # c",
        "tab\there",
        "line\nbreak",
        "\u2028sep",
        "\x85nel\x7f",
        "emoji 🚀",
        "",
        "yes",
        "100%",
    ],
)
def test_yaml_str_round_trips(text):
    assert yaml.safe_load(f"k: {scaffold.yaml_str(text)}") == {"k": text}


@pytest.mark.parametrize("key", ["availability", "yes", "no", "null", "123", "1e3", "on", "a-b", "x/y"])
def test_yaml_key_round_trips(key):
    assert yaml.safe_load(f"{scaffold.yaml_key(key)}: 1") == {key: 1}


def test_numbers_and_percentages():
    assert (
        scaffold.yaml_number(450.0) == "450" and scaffold.yaml_number(0.1) == "0.1" and scaffold.yaml_number(3) == "3"
    )
    assert scaffold.pct(0.4) == "40%" and scaffold.pct(0.125) == "12.5%"


# --------------------------------------------------------------------------- new checkin


def test_checkin_prefills_every_key_result(sample_site):
    path, text = scaffold.checkin(sample_site, "platform", None, date(2026, 11, 27))
    assert path == "content/teams/platform/2026-Q4/checkins/2026-11-27.md"
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["date"] == date(2026, 11, 27) and front["author"] == "Mei Lin"
    assert front["key_results"] is None and front["kpis"] is None  # offered, commented: not measurements
    # uncommented, every line is a valid update at its last value
    front = yaml.safe_load(re.sub(r"^# (  \S+: .*# last value)", r"\1", text.split("---\n")[1], flags=re.M))
    platform = [o for o in sample_site.objectives.values() if o.team == "platform" and o.period == "2026-Q4"]
    assert set(front["key_results"]) == {f"{o.id}/{kr.id}" for o in platform for kr in o.key_results}
    kr = front["key_results"]
    assert kr["fast-dashboards/p99-latency"] == 1480  # the last known values
    assert kr["paved-road/ci-duration"] == 16
    assert kr["paved-road/preview-envs"] == {"progress": "40%"}
    assert kr["cloud-cost/presto-off"] == {"done": True}
    assert front["kpis"] == {"availability": 99.94, "deploys-per-week": 34}
    assert "objectives" not in front and "help" not in front  # offered, commented
    # each line says what it measures, so that the writer only changes the number
    assert re.search(
        r"^#   fast-dashboards/p99-latency: 1480  # last value, 2026-11-20; p99 dashboard load time "
        r".*\(2,400 ms → 800 ms\)$",
        text,
        re.M,
    )
    assert "last time confidence 30%" in text
    body = text.split("---\n", 2)[2]
    assert [line for line in body.splitlines() if line.startswith("## ")] == [
        "## What changed",
        "## What are we learning",
        "## Where do we need help",
    ]


def test_checkin_period_choice(sample_site):
    p = scaffold.checkin_period
    assert p(sample_site, "platform", date(2026, 11, 27)).id == "2026-Q4"
    assert p(sample_site, "platform", date(2026, 8, 1)).id == "2026-Q3"
    assert p(sample_site, "company", date(2026, 11, 27)).id == "2026"
    assert p(sample_site, "platform", date(2027, 1, 10)).id == "2026-Q4"  # grading window
    with pytest.raises(scaffold.ScaffoldError, match="unknown team 'platfrom'.*did you mean 'platform'"):
        p(sample_site, "platfrom", date(2026, 11, 27))
    with pytest.raises(scaffold.ScaffoldError, match="no objectives in period '2027-Q1'"):
        p(sample_site, "platform", date(2026, 11, 27), "2027-Q1")
    with pytest.raises(scaffold.ScaffoldError, match="outside period 2026-Q3"):
        p(sample_site, "platform", date(2026, 11, 27), "2026-Q3")  # after Q3 and its 30-day grading window
    with pytest.raises(scaffold.ScaffoldError, match="no period containing 2027-03-01"):
        p(sample_site, "platform", date(2027, 3, 1))


def test_new_checkin_passes_check_unchanged_and_an_edit_shows_on_the_site(sample, tmp_path):
    before = run("check", cwd=sample)
    assert before.returncode == 0 and before.stdout == ""
    proc = run("new", "checkin", "engineering", cwd=sample)  # dated as_of (2026-11-20)
    assert proc.returncode == 0, proc.stderr
    path = sample / "content/teams/engineering/2026-Q4/checkins/2026-11-20.md"
    assert proc.stdout.strip() == "content/teams/engineering/2026-Q4/checkins/2026-11-20.md"
    assert path.is_file()
    after = run("check", "--strict", cwd=sample)
    assert after.returncode == 0 and after.stdout == "", after.stdout  # no new warning as generated

    text = path.read_text()
    assert "#   ship-small/lead-time: 14  #" in text
    path.write_text(text.replace("#   ship-small/lead-time: 14  #", "  ship-small/lead-time: 9  #"))
    out = tmp_path / "public"
    proc = run("build", "--output", out, cwd=sample)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (out / "teams/engineering/2026-Q4/ship-small/index.html").read_text()
    assert re.search(r"9\u00a0hours|9&nbsp;hours|9 hours", page)
    checkin_page = (out / "teams/engineering/2026-Q4/checkins/2026-11-20/index.html").read_text()
    assert "9" in checkin_page and "What changed" in checkin_page


@pytest.mark.parametrize(
    "args, message",
    [
        (["nobody"], "unknown team 'nobody'"),
        (["platform", "--period", "2031-Q1"], "no objectives in period '2031-Q1'"),
        (["platform", "--date", "2026-11-20"], "already exists"),
        (["platform", "--date", "2026-09-15", "--period", "2026-Q4"], "outside period 2026-Q4"),
        (["platform", "--date", "2026-13-01"], "not a date"),
    ],
)
def test_new_checkin_usage_errors(sample, args, message):
    before = sorted(p for p in (sample / "content").rglob("*"))
    proc = run("new", "checkin", *args, cwd=sample)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p for p in (sample / "content").rglob("*")) == before


def test_new_checkin_of_a_team_with_milestones_never_reported(tmp_path):
    (tmp_path / "okrsite.yaml").write_text("as_of: 2026-11-20\n")
    obj = tmp_path / "content/teams/solo/2026-Q4/one.md"
    obj.parent.mkdir(parents=True)
    obj.write_text(
        "---\ntitle: One\nowner: A\nkey_results:\n  - {id: a, title: A, start: 10, target: 20}\n"
        "  - {id: b, title: B, type: milestone}\n  - {id: c, title: C, type: stay_above, target: 3}\n---\n"
    )
    proc = run("new", "checkin", "solo", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "content/teams/solo/2026-Q4/checkins/2026-11-20.md").read_text()
    assert "#   one/a: 10  #" in text and '#   one/b: {progress: "0%"}' in text and "#   one/c: 3  #" in text
    check = run("check", "--strict", cwd=tmp_path)
    assert check.returncode == 0 and check.stdout == ""


# --------------------------------------------------------------------------- new objective


def test_new_objective_passes_check(sample):
    proc = run("new", "objective", "platform", "faster-ci", cwd=sample)
    assert proc.returncode == 0, proc.stderr
    path = sample / "content/teams/platform/2026-Q4/faster-ci.md"
    text = path.read_text()
    assert "#   - engineering/boring-reliability  # Make reliability boring" in text  # the parent's objectives
    assert "#   - company/trusted-numbers" in text  # and the company's, from the year
    check = run("check", "--strict", cwd=sample)
    assert check.returncode == 0 and check.stdout == "", check.stdout
    # uncommenting an offered ref works as it is
    path.write_text(
        text.replace(
            "# aligns_to:\n#   - engineering/boring-reliability", "aligns_to:\n  - engineering/boring-reliability"
        )
    )
    check = run("check", "--strict", cwd=sample)
    assert check.returncode == 0 and check.stdout == "", check.stdout
    assert run("new", "objective", "platform", "faster-ci", cwd=sample).returncode == 2  # never overwrites
    proc = run("new", "objective", "platform", "Bad_Id", cwd=sample)
    assert proc.returncode == 2 and "invalid objective id" in proc.stderr


def test_new_objective_in_a_new_period(sample):
    proc = run("new", "objective", "design", "--period", "2027-Q1", cwd=sample)
    assert proc.returncode == 0, proc.stderr
    assert (sample / "content/teams/design/2027-Q1/new-objective.md").is_file()
    assert run("check", "--strict", cwd=sample).stdout == ""
    proc = run("new", "objective", "design", "--period", "someday", cwd=sample)
    assert proc.returncode == 2 and "unknown period 'someday'" in proc.stderr


# --------------------------------------------------------------------------- new period


def test_next_period(sample_site):
    nxt = lambda pid: scaffold.next_period(sample_site, scaffold.known_period(sample_site, sample_site.config, pid)).id  # noqa: E731
    assert nxt("2026-Q4") == "2027-Q1" and nxt("2026-Q1") == "2026-Q2"
    assert nxt("2026-H2") == "2027-H1" and nxt("2026") == "2027"


def test_no_next_period_past_the_last_year(sample_site):
    """Dates end in 2999: the period after its last quarter, half or the year itself is
    a ScaffoldError (the command reports it), not a missing period."""
    for pid in ("2999-Q4", "2999-H2", "2999"):
        with pytest.raises(scaffold.ScaffoldError, match="there is no period 3000.*dates end in the year 2999"):
            scaffold.next_period(sample_site, calendar_period(pid))


def test_declared_next_period():
    config, _ = parse_config(
        b"periods:\n  - {id: FY27-Q1, start: 2026-02-01, end: 2026-04-30}\n"
        b"  - {id: FY27-Q2, start: 2026-05-01, end: 2026-07-31}\n"
    )
    site = build(config, date(2026, 3, 1), render_pages=False, sources=[]).site
    assert scaffold.next_period(site, config.periods[0]).id == "FY27-Q2"
    with pytest.raises(scaffold.ScaffoldError, match="no period is declared after FY27-Q2"):
        scaffold.next_period(site, config.periods[1])


def test_new_period_carries_unfinished_aspirational_objectives(sample):
    proc = run("new", "period", "growth", "--from", "2026-Q3", "--to", "2026-Q4", cwd=sample)
    assert proc.returncode == 0, proc.stderr
    # guided-setup: aspirational, 89% at the end: carried. trial-experiments: experimental: left.
    assert proc.stdout.split() == ["content/teams/growth/2026-Q4/guided-setup.md"]
    assert "carried over growth/2026-Q3/guided-setup (89% at the end of 2026-Q3)" in proc.stderr
    assert "left growth/2026-Q3/trial-experiments behind: experimental, not aspirational" in proc.stderr
    text = (sample / "content/teams/growth/2026-Q4/guided-setup.md").read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    # the finished key result stays behind; the other starts where it ended
    assert [kr["id"] for kr in front["key_results"]] == ["ttfd"]
    old = yaml.safe_load((sample / "content/teams/growth/2026-Q3/guided-setup.md").read_text().split("---\n")[1])
    old_ttfd = next(kr for kr in old["key_results"] if kr["id"] == "ttfd")
    assert front["key_results"][0]["target"] == old_ttfd["target"]
    assert front["key_results"][0]["start"] != old_ttfd["start"]
    body = text.split("---\n", 2)[2]
    assert (
        "Carried over from [growth/2026-Q3/guided-setup](../../../../teams/growth/2026-Q3/guided-setup/) (89% at the end of 2026-Q3)"
        in body
    )
    check = run("check", cwd=sample)
    assert check.returncode == 0, check.stdout
    assert "error" not in check.stdout


def test_new_period_leaves_finished_and_committed_behind(sample):
    proc = run("new", "period", "platform", "--from", "2026-Q3", "--to", "2026-Q4", cwd=sample)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "left platform/2026-Q3/developer-self-service behind: finished (100%)" in proc.stderr
    assert "left platform/2026-Q3/query-engine-v2 behind: committed, not aspirational" in proc.stderr
    assert "nothing to carry over into 2026-Q4" in proc.stderr


def test_new_period_to_the_next_quarter_by_default(sample):
    proc = run("new", "period", "platform", "--from", "2026-Q4", cwd=sample)
    assert proc.returncode == 0, proc.stderr
    written = sorted(proc.stdout.split())
    assert written == [
        f"content/teams/platform/2027-Q1/{o}.md" for o in ("cloud-cost", "fast-dashboards", "paved-road")
    ]
    cloud = (sample / "content/teams/platform/2027-Q1/cloud-cost.md").read_text()
    assert "  - company/2026/win-mid-market  # was company/win-mid-market" in cloud  # still names the same objective
    assert "Finished there and left behind: Legacy Presto cluster switched off." in cloud
    check = run("check", cwd=sample)
    assert check.returncode == 0 and "error" not in check.stdout, check.stdout
    again = run("new", "period", "platform", "--from", "2026-Q4", cwd=sample)
    assert again.returncode == 2 and "already exists" in again.stderr
    proc = run("new", "period", "platform", "--from", "2025-Q4", cwd=sample)
    assert proc.returncode == 2 and "no objectives in period '2025-Q4'" in proc.stderr


# --------------------------------------------------------------------------- init


def test_init_files_build_with_no_warning(tmp_path):
    files = scaffold.init_files("Northwind Traders", date(2026, 11, 23), "okrsite==0.1.0", "0.1.0")
    assert {
        "okrsite.yaml",
        "netlify.toml",
        ".github/workflows/okrs.yml",
        "README.md",
        "requirements.txt",
        "content/_index.md",
        "content/teams/first-team/2026-Q4/checkins/2026-11-23.md",
    } <= set(files)
    sources = [SourceFile(p, t.encode()) for p, t in files.items() if p.startswith("content/")]
    config, warnings = parse_config(files["okrsite.yaml"].encode())
    assert warnings == [] and config.title == "Northwind Traders OKRs"
    result = build(config, date(2026, 11, 23), sources=sources, render_pages=False)
    assert result.diagnostics == []
    team = result.site.objectives["first-team/2026-Q4/self-serve-onboarding"]
    assert team.aligns_to[0].target == "company/2026/customer-success"
    assert team.status != "no-data"  # the first check-in counts


def test_init_command(tmp_path):
    target = tmp_path / "acme-okrs"
    proc = run("init", target, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (target / "okrsite.yaml").read_text().startswith("# okrsite configuration")
    assert 'title: "Acme Okrs OKRs"' in (target / "okrsite.yaml").read_text()
    assert (target / "requirements.txt").read_text().splitlines()[-1].startswith("REPLACE THIS LINE")
    build_proc = run("build", "--strict", cwd=target)
    assert build_proc.returncode == 0, build_proc.stdout + build_proc.stderr
    assert build_proc.stdout == ""  # no warning at all
    assert (target / "public/index.html").is_file() and (target / "public/feed.xml").is_file()
    again = run("init", target, cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
