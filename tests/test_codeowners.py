"""CODEOWNERS from each team's maintainers: only the team's own maintainers approve changes
to its folder; `okrsite check` warns when the committed file is out of date."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from okrsite.builder.pipeline import build
from okrsite.core import codeowners
from okrsite.core.config import parse_config, read_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.core.model import SourceFile

REPO = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 20)

FILES = {
    "content/teams/company/_index.md": "---\nname: Company\nmaintainers: [ceo, '@acme/leads']\n---\n",
    "content/teams/web/_index.md": "---\nname: Web\nparent: company\nmaintainers: [ana, ana, bo@example.com]\n---\n",
    "content/teams/ops/_index.md": "---\nname: Ops\nparent: company\n---\n",
}


def site_of(config_text: str = 'codeowners_fallback: "@acme/okr-admins"\n', files=FILES):
    config, _ = parse_config(config_text.encode())
    sources = [SourceFile(p, t.encode()) for p, t in files.items()]
    return build(config, AS_OF, render_pages=False, sources=sources).site


def test_section_owns_each_team_folder_by_its_maintainers():
    assert codeowners.section(site_of()) == (
        codeowners.BEGIN + "\n"
        "/okrsite.yaml @acme/okr-admins\n"
        "/content/ @acme/okr-admins\n"
        "/content/teams/company/ @ceo @acme/leads\n"
        "/content/teams/web/ @ana bo@example.com\n"
        "# END okrsite\n"
    )


def test_without_fallback_only_team_folders_are_owned():
    text = codeowners.section(site_of(""))
    assert "/content/ " not in text and "# No fallback owner" in text
    assert "/content/teams/web/ @ana bo@example.com" in text


@pytest.mark.parametrize(
    "handle, expected",
    [
        ("meilin", "@meilin"),
        ("@meilin", "@meilin"),
        ("@org/team-x", "@org/team-x"),
        ("a@b.org", "a@b.org"),
        ("", None),
        ("two words", None),
        ("@-bad", None),
        ("@org/", None),
    ],
)
def test_owner_handles(handle, expected):
    assert codeowners.owner(handle) == expected


def test_update_keeps_the_organisations_own_lines():
    section = codeowners.section(site_of())
    assert codeowners.update(None, section) == section
    own = "# our rules\n*.py @acme/devs\n"
    appended = codeowners.update(own, section)
    assert appended == own + "\n" + section
    changed = codeowners.update(appended.replace("@ana", "@zed") + "/docs/ @acme/writers\n", section)
    assert changed == own + "\n" + section + "/docs/ @acme/writers\n"
    assert codeowners.update(changed, section) == changed


def test_check_warns_when_stale_at_the_sections_first_line():
    site = site_of()
    good = "# ours\n\n" + codeowners.section(site)
    diags = Diagnostics()
    codeowners.check(site, good, ".github/CODEOWNERS", diags)
    assert diags.items == []
    codeowners.check(site, good.replace("@ana", "@someone-else"), ".github/CODEOWNERS", diags)
    [d] = diags.items
    assert (d.path, d.line, d.severity) == (".github/CODEOWNERS", 3, "warning")
    assert "out of date" in d.message and "okrsite codeowners" in d.message


def test_check_warns_when_the_file_has_no_section():
    diags = Diagnostics()
    codeowners.check(site_of(), "* @someone\n", "CODEOWNERS", diags)
    [d] = diags.items
    assert (d.path, d.line) == ("CODEOWNERS", 1) and "no okrsite section" in d.message
    diags = Diagnostics()  # nothing to own: a hand-written file is none of our business
    codeowners.check(
        site_of("", {"content/teams/x/_index.md": "---\nname: X\n---\n"}), "* @someone\n", "CODEOWNERS", diags
    )
    assert diags.items == []


def test_bad_handle_is_a_warning_on_the_team():
    site = site_of("", {"content/teams/x/_index.md": '---\nmaintainers: ["two words"]\n---\n'})
    diags = Diagnostics()
    codeowners.check(site, None, ".github/CODEOWNERS", diags)
    [d] = diags.items
    assert d.path == "content/teams/x/_index.md" and "not a git-host handle" in d.message


def run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "okrsite", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )


def test_codeowners_command_and_check(tmp_path):
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "okrsite.yaml").write_text('as_of: 2026-11-20\ncodeowners_fallback: "@acme/okr-admins"\n')
    # no CODEOWNERS yet: nothing to compare
    assert run("check", cwd=tmp_path).stdout == ""
    proc = run("codeowners", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    written = tmp_path / ".github" / "CODEOWNERS"
    assert proc.stdout.strip() == ".github/CODEOWNERS"
    config, _ = read_config(tmp_path / "okrsite.yaml")
    assert written.read_text() == codeowners.section(site_of('codeowners_fallback: "@acme/okr-admins"\n'))
    assert run("check", "--strict", cwd=tmp_path).returncode == 0
    assert "up to date" in run("codeowners", cwd=tmp_path).stderr
    assert run("codeowners", "--output", "-", cwd=tmp_path).stdout == written.read_text()

    # a new maintainer joins: the committed file is now stale
    (tmp_path / "content/teams/ops/_index.md").write_text("---\nname: Ops\nparent: company\nmaintainers: [olu]\n---\n")
    proc = run("check", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith(".github/CODEOWNERS:1: warning: CODEOWNERS is out of date")
    proc = run("check", "--format", "github", cwd=tmp_path)
    assert proc.stdout.startswith("::warning file=.github/CODEOWNERS,line=1,")
    run("codeowners", cwd=tmp_path)
    assert "/content/teams/ops/ @olu" in written.read_text()
    assert run("check", cwd=tmp_path).stdout == ""


def test_the_sample_has_maintainers_for_every_team():
    config, _ = read_config(REPO / "okrsite.yaml")
    site = build(config, AS_OF, render_pages=False).site
    text = codeowners.section(site)
    for team in site.teams:
        assert f"/content/teams/{team}/ @" in text
