"""The sample organisation in content/: it builds with zero warnings, every page type
exists and is reachable by links from the home page, every link works, and the output
is deterministic."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import REPO, SAMPLE_CONFIG, run_okrsite
from linkcheck import check_links, parse_page, read_output, resolve_link
from pagekinds import page_kinds


def test_sample_checks_with_zero_warnings():
    proc = run_okrsite("check", "--strict", "--config", SAMPLE_CONFIG)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == ""
    assert "0 errors, 0 warnings" in proc.stderr


@pytest.fixture(scope="module")
def files(sample_site):
    return read_output(sample_site)


def test_every_link_resolves(files):
    assert check_links(files) == []


def crawl(files: dict[str, bytes], start: str = "index.html") -> set[str]:
    seen, todo = set(), [start]
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        for tag, href in parse_page(files[page]).links:
            if tag not in ("a", "form"):  # a GET form (the header search box) navigates too
                continue
            target, _, problem = resolve_link(page, href, files)
            if target and not problem and target.endswith(".html") and target not in seen:
                todo.append(target)
    return seen


def test_every_page_type_exists_and_every_page_is_reachable_from_home(files):
    kinds = page_kinds(files)
    for kind in (
        "home",
        "404",
        "period",
        "alignment",
        "alignment-team",
        "glance",
        "this-week",
        "teams",
        "team",
        "team-period",
        "objective",
        "checkin",
        "people",
        "person",
    ):
        assert kinds.get(kind), f"no {kind} page"
    reachable = crawl(files)
    pages = {p for p in files if p.endswith(".html")} - {"404.html"}
    assert pages - reachable == set()


def test_sample_covers_the_cases_it_exists_to_show(files):
    data = json.loads(files["okrs.json"])
    assert data["current_period"] == "2026-Q4"
    krs = [kr for o in data["objectives"] for kr in o["key_results"]]
    q4 = [kr for kr in krs if "/2026-Q4/" in kr["ref"]]
    assert {kr["colour"] for kr in q4} == {"green", "amber", "red", "grey"}
    assert any(kr["stale"] for kr in q4)
    assert {kr["type"] for kr in krs} == {"metric", "milestone", "stay_above", "stay_below"}
    assert any(kr["type"] == "metric" and kr["target"] < kr["start"] for kr in krs)  # lower is better
    q3 = [o for o in data["objectives"] if o["period"] == "2026-Q3"]
    assert q3 and all(o["status"] == "graded" for o in q3)
    assert {kr["colour"] for o in q3 for kr in o["key_results"]} >= {"green", "amber", "red"}
    assert any(kr["aligns_to"] for kr in krs)  # KR -> KR / KR -> objective alignment
    assert any(o["depends_on"] for o in data["objectives"])
    assert any(kr["contributors"] for kr in krs)
    assert any(c["help"] for c in data["checkins"])
    assert len(data["teams"]) >= 12
    depth = {t["id"]: 0 for t in data["teams"] if t["parent"] is None}
    parents = {t["id"]: t["parent"] for t in data["teams"]}

    def level(team):
        return 0 if parents[team] is None else 1 + level(parents[team])

    assert max(level(t) for t in parents) >= 2  # at least 3 levels
    assert depth


def test_json_export_shape(files):
    data = json.loads(files["okrs.json"])
    assert list(data) == ["as_of", "current_period", "periods", "teams", "objectives", "checkins"]
    assert set(data["periods"][0]) == {"id", "start", "end", "label"}
    assert set(data["teams"][0]) == {"id", "name", "parent", "url", "counts", "kr_counts"}
    obj = data["objectives"][0]
    assert list(obj) == [
        "ref",
        "team",
        "period",
        "id",
        "title",
        "owner",
        "commitment",
        "url",
        "aligns_to",
        "depends_on",
        "progress",
        "status",
        "colour",
        "score",
        "key_results",
    ]
    assert list(obj["key_results"][0]) == [
        "ref",
        "id",
        "title",
        "type",
        "start",
        "target",
        "unit",
        "current",
        "commitment",
        "progress",
        "status",
        "colour",
        "stale",
        "score",
        "last_update",
        "aligns_to",
        "contributors",
    ]
    assert set(data["checkins"][0]) == {"team", "period", "date", "author", "url", "help"}
    assert [t["id"] for t in data["teams"]] == sorted(t["id"] for t in data["teams"])
    assert [o["ref"] for o in data["objectives"]] == sorted(o["ref"] for o in data["objectives"])
    keys = [(c["team"], c["period"], c["date"]) for c in data["checkins"]]
    assert keys == sorted(keys)
    for o in data["objectives"]:
        assert f"{o['url']}index.html" in files
        assert all(set(c) == {"green", "amber", "red", "grey"} for t in data["teams"] for c in t["counts"].values())
        if o["period"] == "2026-Q3":
            assert o["status"] == "graded"


def test_same_content_same_bytes_in_another_folder(files, tmp_path):
    """Deterministic: a second build, from a copy of the content elsewhere, is identical."""
    copy = tmp_path / "copy"
    shutil.copytree(REPO / "content", copy / "content")
    shutil.copy(SAMPLE_CONFIG, copy / "okrsite.yaml")
    run_okrsite("build", "--config", copy / "okrsite.yaml", check=True)
    again = read_output(copy / "public")
    assert sorted(again) == sorted(files)
    different = [p for p in files if files[p] != again[p]]
    assert different == []


def test_status_is_never_colour_alone(files):
    """Every element carrying a status colour class also carries the status in words."""
    import re

    for path, data in files.items():
        if not path.endswith(".html"):
            continue
        html = data.decode()
        for m in re.finditer(
            r'<(span|td|li|div|a)[^>]*class="[^"]*\bstatus-(green|amber|red|grey)\b[^"]*"[^>]*>(.*?)</\1>', html, re.S
        ):
            text = re.sub(r"<[^>]+>", "", m.group(3))
            assert re.search(r"[A-Za-z]{3,}|\d+%", text), f"{path}: colour without words: {m.group(0)[:200]}"
