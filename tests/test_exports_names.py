"""Exports and names (issue 25): okrs.json writes null for an absent value, check-ins of
one date follow their file names, and people's page slugs are transliterated and unique.
Each builds a small site in a temporary folder."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from okrsite.builder.pipeline import build
from okrsite.core import urls
from okrsite.core.config import read_config

AS_OF = date(2026, 11, 20)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = root / "okrsite.yaml"
    config.write_text(f"as_of: {AS_OF.isoformat()}\n", encoding="utf-8")
    return config


def objective(owner: str | None = "Mei Lin", unit: str | None = "ms", kr_owner: str = "") -> str:
    lines = ["---", 'title: "Make dashboards fast"']
    if owner is not None:
        lines.append(f'owner: "{owner}"')
    lines += [
        "key_results:",
        "  - id: p99",
        '    title: "p99 load time falls to 800 ms"',
        "    start: 2400",
        "    target: 800",
    ]
    if unit is not None:
        lines.append(f'    unit: "{unit}"')
    if kr_owner:
        lines.append(f'    owner: "{kr_owner}"')
    return "\n".join(lines + ["---", "", "Why it matters.", ""])


def checkin(day: str, value: int, author: str | None = None) -> str:
    lines = ["---", f"date: {day}"]
    if author is not None:
        lines.append(f'author: "{author}"')
    return "\n".join(lines + ["key_results:", f"  fast/p99: {value}", "---", "", "Notes.", ""])


def built(tmp_path: Path, files: dict[str, str]):
    config, diags = read_config(
        write(tmp_path / "site", {"content/teams/platform/_index.md": "---\nname: Platform\n---\n", **files})
    )
    assert not diags
    result = build(config, AS_OF)
    assert not [d for d in result.diagnostics if d.severity == "error"], result.diagnostics
    return result


def export(result) -> dict:
    return json.loads(result.files["okrs.json"])


# --------------------------------------------------------------------------- null for absent


def test_absent_unit_owner_and_author_are_null_in_okrs_json(tmp_path):
    result = built(
        tmp_path,
        {
            "content/teams/platform/2026-Q4/fast.md": objective(owner=None, unit=None),
            "content/teams/platform/2026-Q4/checkins/2026-11-13.md": checkin("2026-11-13", 1500),
        },
    )
    data = export(result)
    (obj,) = data["objectives"]
    assert obj["owner"] is None and obj["key_results"][0]["unit"] is None
    assert data["checkins"][0]["author"] is None
    text = result.files["okrs.json"].decode()
    assert '"owner": null' in text and '"unit": null' in text and '"author": null' in text
    assert ': ""' not in text  # no other absent value written as an empty string
    # every value the contract (section 10) allows to be absent is null, never ""
    assert data["teams"][0]["parent"] is None
    kr = obj["key_results"][0]
    assert kr["score"] is None and obj["score"] is None


def test_present_unit_owner_and_author_are_written(tmp_path):
    data = export(
        built(
            tmp_path,
            {
                "content/teams/platform/2026-Q4/fast.md": objective(owner="Mei Lin", unit="ms"),
                "content/teams/platform/2026-Q4/checkins/2026-11-13.md": checkin(
                    "2026-11-13", 1500, author="Kwame Mensah"
                ),
            },
        )
    )
    assert data["objectives"][0]["owner"] == "Mei Lin" and data["objectives"][0]["key_results"][0]["unit"] == "ms"
    assert data["checkins"][0]["author"] == "Kwame Mensah"


def test_the_period_csv_writes_an_absent_owner_and_unit_as_empty_cells(tmp_path):
    result = built(tmp_path, {"content/teams/platform/2026-Q4/fast.md": objective(owner=None, unit=None)})
    rows = result.files[urls.period_csv("2026-Q4")].decode().splitlines()
    header = rows[0].split(",")
    for row in rows[1:]:
        cells = dict(zip(header, row.split(",")))
        assert cells["owner"] == "" and cells["unit"] == "" and "None" not in row


# --------------------------------------------------------------------------- same-date check-ins


def test_checkins_of_one_date_follow_their_file_names(tmp_path):
    folder = "content/teams/platform/2026-Q4/checkins/"
    result = built(
        tmp_path,
        {
            "content/teams/platform/2026-Q4/fast.md": objective(),
            folder + "2026-11-20-late.md": checkin("2026-11-20", 1300),  # written second, named second
            folder + "2026-11-20.md": checkin("2026-11-20", 1500),
            folder + "2026-11-13.md": checkin("2026-11-13", 1700),
        },
    )
    data = export(result)
    assert [c["url"].split("/")[-2] for c in data["checkins"]] == ["2026-11-13", "2026-11-20", "2026-11-20-late"]
    assert data["objectives"][0]["key_results"][0]["current"] == 1300  # the later name is the newer check-in
    page = result.files[urls.team_period("platform", "2026-Q4") + "index.html"].decode()
    listed = re.findall(r'href="[./]*teams/platform/2026-Q4/checkins/([^/"]+)/"', page)
    assert listed == ["2026-11-20-late", "2026-11-20", "2026-11-13"]  # newest first
    page = result.files[urls.checkin("platform", "2026-Q4", "2026-11-20") + "index.html"].decode()
    around = re.findall(r'href="[./]*teams/platform/2026-Q4/checkins/([^/"]+)/"', page)
    assert around[1:] == ["2026-11-13", "2026-11-20-late"]  # the previous and the next check-in


def test_the_docs_state_the_order_next_to_the_naming():
    text = (Path(__file__).resolve().parent.parent / "docs" / "content.md").read_text()
    section = text[text.index("## A check-in") :]
    section = section[: section.index("\n## ", 3)]
    assert "`2026-11-20-late.md`" in section and "`2026-11-20.md` comes before `2026-11-20-late.md`" in section


# --------------------------------------------------------------------------- people's slugs


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Søren Kristensen", "soren-kristensen"),
        ("Jürgen Weiß", "jurgen-weiss"),
        ("Ægir Łukasz", "aegir-lukasz"),
        ("Đorđe Đukić", "dorde-dukic"),
        ("Ana García", "ana-garcia"),
        ("O'Brien", "o-brien"),
        ("!!!", "person"),
    ],
)
def test_slugs_transliterate_letters_outside_ascii(name, slug):
    assert urls.slugify(name) == slug


def test_people_whose_names_transliterate_alike_get_distinct_deterministic_pages(tmp_path):
    files = {
        "content/teams/platform/2026-Q4/fast.md": objective(owner="Søren Kristensen", kr_owner="Soren Kristensen"),
    }
    first = built(tmp_path / "a", files)
    again = built(tmp_path / "b", files)
    people = sorted(p for p in first.files if p.startswith("people/") and p.count("/") == 2)
    assert people == ["people/soren-kristensen-2/index.html", "people/soren-kristensen/index.html"]
    assert "Soren Kristensen" in first.files["people/soren-kristensen/index.html"].decode()
    assert "Søren Kristensen" in first.files["people/soren-kristensen-2/index.html"].decode()
    assert {p: first.files[p] for p in people} == {p: again.files[p] for p in people}
