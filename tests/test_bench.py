"""The issue-28 benchmarks run and print their tables (bench/pages.py, bench/deploy.py).
They are run as a user runs them, on a small synthetic organisation in a temporary
folder; what they measure is never asserted here (bench/README.md has the figures)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO, require_pagefind, run_okrsite

sys.path.insert(0, str(REPO / "bench"))
import pages  # noqa: E402  (bench/pages.py)


def bench(script: str, *args) -> str:
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def markdown_table(text: str, which: int = 0) -> list[dict[str, str]]:
    """The ``which``-th Markdown table in a script's output, as one dict per row."""
    tables: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    rows = tables[which]
    assert len(rows) >= 3 and set(rows[1]) <= set("|-:"), text
    cells = [[c.strip() for c in r.strip("|").split("|")] for r in rows]
    head = cells[0]
    assert all(len(c) == len(head) for c in cells), text
    return [dict(zip(head, c)) for c in cells[2:]]


# --------------------------------------------------------------------------- page types


@pytest.mark.parametrize(
    "path, kind",
    [
        ("index.html", "home"),
        ("this-week/index.html", "this-week"),
        ("periods/2026-Q4/index.html", "period"),
        ("periods/2026-Q4/glance/index.html", "glance"),
        ("periods/2026-Q4/alignment/index.html", "alignment"),
        ("periods/2026/alignment/index.html", "alignment"),
        ("periods/2026-Q4/alignment/payments-1/index.html", "focused alignment"),
        ("teams/index.html", "teams index"),
        ("teams/payments-1/index.html", "team"),
        ("teams/payments-1/2026-Q4/index.html", "team-period"),
        ("teams/payments-1/2026-Q4/reliability/index.html", "objective"),
        ("teams/payments-1/2026-Q4/checkins/2026-11-20/index.html", "check-in"),
        ("people/index.html", "people index"),
        ("people/ana-garcia/index.html", "person"),
        # pages no rule knows are named by their shape: new kinds show up on their own
        ("periods/2026-Q4/groups/payments-1/index.html", "periods/<period>/groups/<team>/"),
        ("this-week/page/2/index.html", "this-week/page/<n>/"),
        ("people/page/3/index.html", "people/page/<n>/"),
    ],
)
def test_every_page_gets_its_type_from_its_url(path, kind):
    assert pages.page_type(path, {"payments-1", "company"}, {"2026-Q4", "2026"}) == kind


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))
    assert [pages.percentile(values, p) for p in (50, 90, 99, 100)] == [50, 90, 99, 100]
    assert pages.percentile([7], 99) == 7


# --------------------------------------------------------------------------- the scripts


def test_pages_report_prints_sizes_for_every_page_type(tmp_path):
    """--teams N generates and builds; without the browser the table still has every
    page type with its distribution, all pages and the whole output."""
    out = bench("pages.py", "--teams", 3, "--work", tmp_path, "--no-browser")
    rows = {r["page type"]: r for r in markdown_table(out)}
    for kind in (
        "home",
        "this-week",
        "period",
        "glance",
        "alignment",
        "focused alignment",
        "team",
        "team-period",
        "objective",
        "check-in",
        "person",
        "people index",
    ):
        assert kind in rows, out
        assert int(rows[kind]["pages"].replace(",", "")) >= 1
        assert float(rows[kind]["largest KB"].replace(",", "")) >= float(rows[kind]["median KB"])
        assert rows[kind]["largest page"].startswith("`") and rows[kind]["load s"] == ""
    every = rows["**all HTML pages**"]
    typed = sum(int(r["pages"].replace(",", "")) for k, r in rows.items() if not k.startswith("**") and r["pages"])
    assert int(every["pages"].replace(",", "")) == typed
    assert every["> 300 KB"] == "0"
    whole = next(r for k, r in rows.items() if k.startswith("**whole output**"))
    assert float(whole["MB"]) >= float(every["MB"]) > 0
    goals = {r["goal (issue 28)"]: r for r in markdown_table(out, 1)}
    assert goals["largest HTML page"]["met?"] == "yes"
    assert goals["largest HTML page"]["figure"].startswith(f"{every['largest KB']} KB")
    assert goals["median HTML page"]["figure"] == f"{every['median KB']} KB"
    assert goals["total output"]["figure"] == f"{whole['MB']} MB" and goals["total output"]["met?"] == "yes"
    assert goals["peak memory of the build"]["figure"].endswith("MB (summed PSS)")
    assert "slowest load of a type's largest page" not in goals  # --no-browser


def test_compare_reads_the_preview_benchmarks_row():
    """bench/compare.py takes the first build and the median latency from
    bench/preview.py's row."""
    import compare

    row = "| 1,000 | 64,009 | 72,254 | 33.0 s | 0.100 s | 0.152 s | 9 | rebuild 0.05 s |"
    m = compare.PREVIEW_ROW.search("machine: x\n| teams | files |\n|---:|---:|\n" + row + "\n")
    assert (float(m[1]), float(m[2]), float(m[3])) == (33.0, 0.1, 0.152)


def test_deploy_measures_a_one_change_build_that_matches_a_cold_one(tmp_path):
    """bench/deploy.py: cold build, restored cache and output in a new checkout, one
    check-in added, the build timed; --verify compares it with a cold build."""
    require_pagefind()
    out = bench("deploy.py", "--teams", 2, "--work", tmp_path / "work", "--verify")
    (row,) = markdown_table(out)
    assert row["teams"] == "2"
    assert float(row["one-change deploy s (search)"]) > 0 and float(row["cold build s (search)"]) > 0
    assert row["same bytes as a cold build"] == "yes"
    assert "added content/teams/company/" in out
    assert sorted(p.name for p in (tmp_path / "work").iterdir() if p.is_dir()) == ["site-t2-s1-y2026"]


def test_deploy_takes_the_pages_a_check_in_cannot_alter_from_the_restored_output(tmp_path):
    """The two deploys are git checkouts and the restored cache and output stay
    untracked, as in CI: the one-change build trusts them and takes the pages a leaf
    team's check-in cannot alter, and still writes what a cold build writes."""
    require_pagefind()
    out = bench("deploy.py", "--teams", 3, "--team", "search-2", "--work", tmp_path / "work", "--verify")
    assert "added content/teams/search-2/" in out
    assert " unchanged pages taken from the last build" in out.split("one-change:")[1]
    (row,) = markdown_table(out)
    assert row["same bytes as a cold build"] == "yes"


@pytest.mark.browser
def test_pages_report_loads_each_type_in_chromium_and_measures_search(tmp_path):
    """--site: the largest page of each type is loaded in Chromium (load time, elements,
    bytes), and each search query's downloads are added up."""
    require_pagefind()
    import generate

    generate.generate(2, str(tmp_path / "org"))
    config = tmp_path / "org" / "okrsite.yaml"
    run_okrsite("build", "--config", config, "--output", tmp_path / "out", check=True)
    out = bench(
        "pages.py", "--site", tmp_path / "out", "--config", config, "--search", "--repeat", 1, "--query", "q=onboarding"
    )
    rows = markdown_table(out)
    typed = [r for r in rows if r["largest page"].startswith("`")]
    assert {r["page type"] for r in typed} >= {"home", "period", "alignment", "objective", "check-in"}
    for r in typed:
        assert 0 < float(r["load s"]) < 60 and int(r["elements"].replace(",", "")) > 10
        assert float(r["KB loaded"].replace(",", "")) >= float(r["largest KB"].replace(",", "")) * 0.9
    (query,) = [r for r in rows if r["page type"].startswith("search `")]
    loaded = re.fullmatch(r"([\d,.]+) \(([\d,.]+) gzip\)", query["KB loaded"])
    assert "results" in query["largest page"] and loaded, query["KB loaded"]
    raw, wire = (float(x.replace(",", "")) for x in loaded.groups())
    assert raw > 50 and 0 < wire < raw  # the page, scripts and styles compress; Pagefind's files are gzip already
