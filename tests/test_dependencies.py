"""Rendering only the pages a change can alter (okrsite/site/dependencies.py, issue 7): after
every kind of edit, a build that takes unchanged pages from the last one writes exactly
the bytes of a build from nothing, and it does take pages when only teams' period
folders changed."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path

import pytest

from okrsite.site import dependencies
from okrsite.builder.pipeline import build, publish
from okrsite.core.config import read_config

from conftest import REPO, real_okr_params
from test_speed import copy_sample, generate, read_tree

PAYMENTS_Q4 = Path("content/teams/payments/2026-Q4")


def _check(config_path: Path, tmp: Path) -> int:
    """Build over the last output, with the cache, and compare with the files of a build
    from nothing. Returns how many pages the build took from the last one (-1: it found
    nothing changed)."""
    config, _ = read_config(config_path)
    config.search = False
    incremental = publish(config, config.as_of, tmp / "public", jobs=1)
    assert incremental.errors == [] and (incremental.written or incremental.unchanged), incremental.errors
    fresh = build(config, config.as_of)
    assert fresh.errors == []
    got = read_tree(tmp / "public")
    assert sorted(got) == sorted(fresh.files)
    assert [p for p in fresh.files if got[p] != fresh.files[p]] == []
    return -1 if incremental.unchanged else incremental.reused


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_kind_of_edit_gives_the_bytes_of_a_build_from_nothing(tmp_path):
    config_path = copy_sample(tmp_path)
    root = tmp_path
    assert _check(config_path, tmp_path) == 0  # the first build renders everything
    q4 = root / PAYMENTS_Q4
    last_checkin = sorted((q4 / "checkins").glob("*.md"))[-1]
    billing, reliability = q4 / "usage-billing.md", q4 / "payment-reliability.md"
    company = root / "content/teams/company/2026/trusted-numbers.md"

    steps = [
        (
            "a check-in's value",
            lambda: _edit(last_checkin, "usage-billing/billing-accuracy: 1.7", "usage-billing/billing-accuracy: 2.9"),
        ),
        ("a check-in's body", lambda: _edit(last_checkin, "## What changed", "## What changed this week")),
        (
            "a new check-in",
            lambda: (q4 / "checkins" / "2026-11-19.md").write_text(
                '---\ndate: 2026-11-19\nauthor: "Sofie Janssen"\nkey_results:\n'
                '  usage-billing/billing-accuracy: 2.2\nhelp: "A second pair of eyes on the tax engine"\n---\n'
                "A short one.\n",
                encoding="utf-8",
            ),
        ),
        ("a check-in removed", lambda: (q4 / "checkins" / "2026-11-19.md").unlink()),
        ("a title other teams show", lambda: _edit(company, 'title: "', 'title: "Renamed: ')),
        ("a link removed", lambda: _edit(billing, "aligns_to: company/win-mid-market\n", "")),
        ("a link added", lambda: _edit(billing, "depends_on:", "aligns_to: company/trusted-numbers\ndepends_on:")),
        ("a dependency removed", lambda: _edit(billing, "depends_on: data/fresh-data\n", "")),
        ("a contributor changed", lambda: _edit(billing, "contributors: [support]", "contributors: [sales]")),
        ("an owner who is new", lambda: _edit(reliability, 'owner: "Yuki Sato"', 'owner: "Ada Newperson"')),
        ("an owner who was named", lambda: _edit(reliability, 'owner: "Ada Newperson"', 'owner: "Sofie Janssen"')),
        ("a retro", lambda: _edit(root / "content/teams/payments/2026-Q3/retro.md", "## Q3", "## The third quarter")),
        (
            "a new objective",
            lambda: (q4 / "new-objective.md").write_text(
                '---\ntitle: "Customers trust every invoice"\nowner: "Sofie Janssen"\n'
                "aligns_to: company/trusted-numbers\nkey_results:\n"
                '  - id: disputes\n    title: "Disputed invoices fall from 40 to 10 a month"\n'
                '    start: 40\n    target: 10\n  - id: audit\n    title: "Billing audit passed with no findings"\n'
                "    type: milestone\n---\n",
                encoding="utf-8",
            ),
        ),
        ("an objective removed", lambda: (q4 / "new-objective.md").unlink()),
    ]
    for what, step in steps:
        step()
        assert _check(config_path, tmp_path) > 0, what
    # outside the teams' period folders: every page is rendered again
    _edit(root / "content/teams/payments/_index.md", 'name: "Payments"', 'name: "Payments and billing"')
    assert _check(config_path, tmp_path) == 0


def _yearly(path: Path, title: str, aligns_to: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'---\ntitle: "{title}"\nowner: "Ada Lovelace"\n'
        + (f"aligns_to: {aligns_to}\n" if aligns_to else "")
        + 'key_results:\n  - id: one\n    title: "Churn falls from 9% to 6%"\n    start: 9\n    target: 6\n'
        '  - id: two\n    title: "Renewals rise from 80 to 90"\n    start: 80\n    target: 90\n---\n',
        encoding="utf-8",
    )


def test_alignment_pages_follow_links_from_other_periods_and_whole_chains(tmp_path):
    """Found by review: on an alignment page focused on a team, whether one of its
    objectives "stands on its own" depends on links to it from any period (here a Q4
    objective aligning to a Q3 one), and whether a chain other than the root teams' is
    shown depends on the whole chain, not only on the branches that involve the team."""
    config_path = copy_sample(tmp_path)
    root = tmp_path / "content" / "teams"
    mobile = root / "mobile" / "2026-Q4" / "app-store-rating.md"
    _check(config_path, tmp_path)
    # a link from another period makes sales' Q3 objective no longer stand on its own
    _edit(
        mobile,
        "aligns_to: company/confident-start",
        "aligns_to: [company/confident-start, sales/2026-Q3/sales-playbook]",
    )
    assert _check(config_path, tmp_path) > 0
    _edit(
        mobile,
        "aligns_to: [company/confident-start, sales/2026-Q3/sales-playbook]",
        "aligns_to: company/confident-start",
    )
    assert _check(config_path, tmp_path) > 0
    # a chain of yearly objectives that shows on Q4's pages only through mobile's link
    _yearly(root / "sales" / "2026" / "annual-w.md", "Keep every customer we win")
    _yearly(root / "support" / "2026" / "annual-x.md", "Answer every customer within a day", "sales/annual-w")
    _edit(mobile, "aligns_to: company/confident-start", "aligns_to: [company/confident-start, sales/annual-w]")
    _check(config_path, tmp_path)
    _edit(mobile, "aligns_to: [company/confident-start, sales/annual-w]", "aligns_to: company/confident-start")
    assert _check(config_path, tmp_path) > 0
    _edit(mobile, "aligns_to: company/confident-start", "aligns_to: [company/confident-start, sales/annual-w]")
    assert _check(config_path, tmp_path) > 0


def test_a_damaged_build_record_is_no_record(tmp_path):
    """A build record with entries of the wrong shape (a crash waiting in every later
    build) is ignored: the build renders every page, and says nothing but its summary."""
    config_path = copy_sample(tmp_path)
    _check(config_path, tmp_path)
    record = tmp_path / ".okrsite-cache" / "build.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    key = next(k for k in data["inputs"] if "/checkins/" in k)
    data["inputs"][key] = data["inputs"][key][:2]
    record.write_text(json.dumps(data), encoding="utf-8")
    checkin = sorted((tmp_path / PAYMENTS_Q4 / "checkins").glob("*.md"))[-1]
    _edit(checkin, "## What changed", "## What changed, first")
    assert _check(config_path, tmp_path) == 0
    data = json.loads(record.read_text(encoding="utf-8"))
    data["manifest"] = {"index.html": "not a list"}
    record.write_text(json.dumps(data), encoding="utf-8")
    _edit(checkin, "## What changed, first", "## What changed, second")
    assert _check(config_path, tmp_path) == 0


def test_pages_are_taken_only_from_the_untouched_output_of_the_last_build(tmp_path):
    """The last build's pages are linked only into the output folder that build made,
    with every file as it wrote it: a copied output folder (as a checkout would bring)
    or a page edited by hand renders every page again."""
    config_path = copy_sample(tmp_path)
    _check(config_path, tmp_path)
    checkin = sorted((tmp_path / PAYMENTS_Q4 / "checkins").glob("*.md"))[-1]
    public = tmp_path / "public"
    # the same files, another folder
    shutil.copytree(public, tmp_path / "copy", copy_function=shutil.copy2)
    shutil.rmtree(public)
    (tmp_path / "copy").rename(public)
    _edit(checkin, "## What changed", "## What changed, first")
    assert _check(config_path, tmp_path) == 0
    # a page edited by hand
    page = public / "teams" / "company" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"</main>", b"<p>edited</p></main>"))
    _edit(checkin, "## What changed, first", "## What changed, second")
    assert _check(config_path, tmp_path) == 0
    assert b"<p>edited</p>" not in page.read_bytes()
    # and then pages are taken again
    _edit(checkin, "## What changed, second", "## What changed, third")
    assert _check(config_path, tmp_path) > 0


def test_a_theme_with_templates_of_its_own_renders_every_page(tmp_path):
    """The pages' dependencies are those of the built-in templates: a theme's own
    templates may show anything, so every page is rendered; a theme of static files
    only (a stylesheet, a logo) changes nothing to that."""
    config_path = copy_sample(tmp_path)
    theme = tmp_path / "themes" / "mine"
    (theme / "static").mkdir(parents=True)
    (theme / "static" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    with open(config_path, "a", encoding="utf-8") as fh:
        fh.write("\ntheme: mine\n")
    _check(config_path, tmp_path)
    checkin = sorted((tmp_path / PAYMENTS_Q4 / "checkins").glob("*.md"))[-1]
    _edit(checkin, "## What changed", "## What changed, first")
    assert _check(config_path, tmp_path) > 0
    (theme / "templates").mkdir()
    base = (REPO / "themes" / "default" / "templates" / "base.html").read_text(encoding="utf-8")
    (theme / "templates" / "base.html").write_text(
        base.replace("</footer>", "{{ v.team_order|length }}</footer>"), encoding="utf-8"
    )
    _check(config_path, tmp_path)
    _edit(checkin, "## What changed, first", "## What changed, second")
    assert _check(config_path, tmp_path) == 0


LONG = os.environ.get("OKRSITE_LONG_TESTS") == "1"


class _RandomEdits:
    """Edits a team could make to its period folders, at random: check-in values,
    check-ins added and removed, objectives added and removed, titles, owners (new and
    known), contributors, and links to any objective or key result of any team and
    period (aligns to, depends on), or none."""

    def __init__(self, root: Path, seed: int) -> None:
        self.teams_dir = root / "content" / "teams"
        self.rng = random.Random(seed)

    def _objectives(self) -> list[Path]:
        return sorted(
            p
            for p in self.teams_dir.rglob("*.md")
            if p.parent.name != "checkins" and p.name not in ("_index.md", "retro.md", "backlog.md")
        )

    def _checkins(self) -> list[Path]:
        return sorted(self.teams_dir.rglob("checkins/*.md"))

    def _front(self, path: Path, change) -> None:
        text = path.read_text(encoding="utf-8")
        head, sep, body = text[4:].partition("\n---\n")
        path.write_text("---\n" + change(head) + sep + body, encoding="utf-8")

    def _ref(self, path: Path) -> str:
        ref = path.relative_to(self.teams_dir).with_suffix("").as_posix()
        kr = re.search(r"- id: (\S+)", path.read_text(encoding="utf-8"))
        return f"{ref}/{kr.group(1)}" if kr and self.rng.random() < 0.3 else ref

    def value(self) -> None:
        f = self.rng.choice(self._checkins())
        text = re.sub(
            r"(: )(\d+(\.\d+)?)\n",
            lambda m: f"{m.group(1)}{float(m.group(2)) * 1.5 + 1}\n",
            f.read_text(encoding="utf-8"),
            count=1,
        )
        f.write_text(text.replace("---\n\n", "---\n\nEdited.\n", 1), encoding="utf-8")

    def link(self) -> None:
        key = self.rng.choice(["aligns_to", "depends_on"])
        target = self._ref(self.rng.choice(self._objectives()))
        if key == "depends_on":
            target = "/".join(target.split("/")[:3])
        self._front(
            self.rng.choice(self._objectives()),
            lambda h: re.sub(rf"\n{key}:.*", "", "\n" + h)[1:] + f"\n{key}: {target}",
        )

    def unlink(self) -> None:
        self._front(self.rng.choice(self._objectives()), lambda h: re.sub(r"\naligns_to:.*", "", "\n" + h)[1:])

    def title(self) -> None:
        self._front(self.rng.choice(self._objectives()), lambda h: h.replace("title: ", "title: Edited ", 1))

    def owner(self) -> None:
        name = self.rng.choice(["Zed Newman", "Ada Lovelace", "Bo Ng"])
        self._front(self.rng.choice(self._objectives()), lambda h: re.sub(r"owner: .*", f'owner: "{name}"', h, count=1))

    def contributor(self) -> None:
        team = self.rng.choice(sorted(d.name for d in self.teams_dir.iterdir()))
        self._front(
            self.rng.choice(self._objectives()),
            lambda h: h.replace("\n    title: ", f"\n    contributors: [{team}]\n    title: ", 1),
        )

    def checkin_removed(self) -> None:
        self.rng.choice(self._checkins()).unlink()

    def checkin_added(self) -> None:
        f = self.rng.choice(self._checkins())
        day = f"{int(f.stem[-2:]) % 27 + 1:02d}"
        new = f.with_name(f.stem[:-2] + day + ".md")
        if not new.exists():
            new.write_text(
                re.sub(r"date: \S+", f"date: {new.stem}", f.read_text(encoding="utf-8"), count=1), encoding="utf-8"
            )

    def objective_added(self) -> None:
        f = self.rng.choice(self._objectives())
        shutil.copy(f, f.with_name(f"added-{self.rng.randint(0, 9999)}.md"))

    def objective_removed(self) -> None:
        added = [f for f in self._objectives() if f.name.startswith("added-")]
        if added:
            self.rng.choice(added).unlink()

    def some(self) -> list[str]:
        edits = [
            self.value,
            self.value,
            self.link,
            self.link,
            self.unlink,
            self.title,
            self.owner,
            self.contributor,
            self.checkin_removed,
            self.checkin_added,
            self.objective_added,
            self.objective_removed,
        ]
        done = []
        for _ in range(self.rng.randint(1, 2)):
            edit = self.rng.choice(edits)
            edit()
            done.append(edit.__name__)
        return done


def test_random_edits_of_a_synthetic_organisation(tmp_path):
    """Random edits (_RandomEdits), one or two at a time, of a 10-team organisation
    (bench/generate.py); an edit that makes the content fail (a link cycle, say) is
    undone. ``OKRSITE_LONG_TESTS=1``: 60 rounds instead of 6. (The same edits, 164 rounds
    on 12 teams and 88 on 16, with two rendering processes, found nothing.)"""
    generate.generate(10, str(tmp_path / "org"))
    config_path = tmp_path / "org" / "okrsite.yaml"
    _check(config_path, tmp_path)
    content = tmp_path / "org" / "content"
    edits = _RandomEdits(tmp_path / "org", seed=7)
    rounds, reused = 60 if LONG else 6, []
    while len(reused) < rounds:
        before = {p: p.read_bytes() for p in content.rglob("*.md")}
        done = edits.some()
        config, _ = read_config(config_path)
        config.search = False
        if build(config, config.as_of, render_pages=False).errors:
            for p in set(content.rglob("*.md")) - set(before):
                p.unlink()
            for p, data in before.items():
                p.write_bytes(data)
            continue
        reused.append((done, _check(config_path, tmp_path)))
    # pages were taken whenever something changed (-1: the edits changed nothing, say a
    # value set to what it was)
    assert all(n != 0 for _, n in reused), reused


# --------------------------------------------------------------------------- the rules


def test_only_files_of_period_folders_name_a_team():
    assert dependencies.team_of_input("content/teams/ops/2026-Q4/ship.md", "content") == "ops"
    assert dependencies.team_of_input("content/teams/ops/2026-Q4/checkins/2026-11-20.md", "content") == "ops"
    assert dependencies.team_of_input("content/teams/ops/2026-Q4/retro.md", "content") == "ops"
    for other in (
        "content/teams/ops/_index.md",
        "content/teams/ops/backlog.md",
        "content/_index.md",
        "okrsite.yaml",
        "<theme /x>/templates/base.html",
        "content/teams/ops/2026-Q4/a/b/c.md",
        "other/teams/ops/2026-Q4/ship.md",
    ):
        assert dependencies.team_of_input(other, "content") is None, other


def test_changed_teams():
    old = {
        "content/teams/a/2026-Q4/x.md": [1, 0, 0, 0, "d1"],
        "content/teams/b/2026-Q4/y.md": [1, 0, 0, 0, "d2"],
        "okrsite.yaml": [1, 0, 0, 0, "c"],
    }
    assert dependencies.changed_teams(old, dict(old), "content") == set()
    new = dict(old, **{"content/teams/a/2026-Q4/x.md": [2, 5, 5, 9, "d9"]})
    assert dependencies.changed_teams(old, new, "content") == {"a"}
    new = dict(old, **{"content/teams/c/2026-Q4/checkins/2026-11-20.md": [1, 0, 0, 0, "d3"]})
    assert dependencies.changed_teams(old, new, "content") == {"c"}  # added
    new = {k: v for k, v in old.items() if "/b/" not in k}
    assert dependencies.changed_teams(old, new, "content") == {"b"}  # removed
    # a touched file with the same bytes is no change
    new = dict(old, **{"content/teams/a/2026-Q4/x.md": [1, 7, 7, 0, "d1"]})
    assert dependencies.changed_teams(old, new, "content") == set()
    for key in ("okrsite.yaml", "content/teams/a/_index.md"):
        assert dependencies.changed_teams(old, dict(old, **{key: [1, 0, 0, 0, "other"]}), "content") is None


def test_which_pages_are_rendered():
    paths = ["home", "a", "b", "new", "gone-from-manifest", "was-b"]
    teams = [None, ("a",), ("b",), ("b",), ("b",), ("a",)]
    old = {"a": ("a",), "b": ("b",), "gone-from-manifest": ("b",), "was-b": ("b",)}
    manifest = {p: [0, 0, ""] for p in ("home", "a", "b", "new", "was-b")}
    assert dependencies.pages_to_render(paths, teams, old, {"a"}, manifest) == [True, True, False, True, True, True]
    assert dependencies.pages_to_render(paths, teams, old, set(), manifest) == [True, False, False, True, True, False]


def test_teams_of_pages_survive_the_record():
    deps = [("p1", ("a", "b")), ("p2", None), ("p3", ("b",))]
    encoded = dependencies.encode_teams(deps)
    assert encoded == {"teams": ["a", "b"], "pages": {"p1": [0, 1], "p3": [1]}}
    assert dependencies.decode_teams(encoded) == {"p1": ("a", "b"), "p3": ("b",)}
    for bad in (
        None,
        {},
        {"teams": ["a"], "pages": {"p": [3]}},
        {"teams": 1, "pages": []},
        {"teams": [["a"]], "pages": {"p": [0]}},
        {"teams": ["a"], "pages": {"p": ["0"]}},
        {"teams": ["a", "b"], "pages": {"p": [-1]}},
        {"teams": ["a", "b"], "pages": {"p": [True]}},
    ):
        assert dependencies.decode_teams(bad) == {}


def test_people_whose_page_moves_are_a_change():
    assert not dependencies.people_changed({"Ann": "ann"}, {"Ann": "ann", "Bo": "bo"})
    assert not dependencies.people_changed({"Ann": "ann", "Bo": "bo"}, {"Ann": "ann"})
    assert dependencies.people_changed({"Ann": "ann"}, {"Ann": "ann-2"})


@pytest.mark.parametrize("src", real_okr_params())
def test_real_okr_sets_edited_give_the_same_bytes(src, tmp_path):
    shutil.copytree(src, tmp_path / "site")
    config_path = tmp_path / "site" / "okrsite.yaml"
    _check(config_path, tmp_path)
    checkin = sorted((tmp_path / "site").rglob("checkins/*.md"))[-1]
    checkin.write_text(checkin.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert _check(config_path, tmp_path) > 0
