"""Paths (issue 8): ids with '..', absolute paths, names that differ only in case,
symbolic links that lead outside content/, non-UTF-8 files, files that cannot be read.
Each is a clear diagnostic naming the file, and a build writes nothing outside its
output folder."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from okrsite.builder.pipeline import compute_site
from okrsite.core.config import read_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.builder.gather import gather

from test_fuzz import BASE

REPO = Path(__file__).resolve().parent.parent
CONFIG = b"title: Paths\nas_of: 2026-11-20\nsearch: false\n"
OBJ = "content/teams/t/2026-Q4/o.md"


def okrsite(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "okrsite", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def write(root: Path, files: dict[str, bytes], config: bytes = CONFIG) -> Path:
    for rel, data in {**BASE, **files}.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (root / "okrsite.yaml").write_bytes(config)
    return root / "okrsite.yaml"


def snapshot(folder: Path, skip: Path) -> dict[str, tuple]:
    """Every file and folder under ``folder`` but inside ``skip`` and okrsite's own build
    cache (``.okrsite-cache/`` beside okrsite.yaml, see docs/security.md): files with
    their size and modification time, folders and links by name only."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        if Path(dirpath) == skip or skip in Path(dirpath).parents:
            continue
        dirnames[:] = [d for d in dirnames if d != ".okrsite-cache"]
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            regular = p.is_file() and not p.is_symlink()
            out[p.relative_to(folder).as_posix()] = (st.st_size, st.st_mtime_ns) if regular else ()
    return out


def lines(proc) -> list[str]:
    return proc.stdout.splitlines()


# --------------------------------------------------------------------------- one hostile tree


HOSTILE = {
    # ids and refs that try to climb out
    "content/teams/t/2026-Q4/climb.md": b"---\ntitle: Climb\nowner: A\naligns_to: ../../../etc/passwd\ndepends_on: /etc/passwd\n"
    b"key_results:\n  - {id: ../k, title: A, start: 0, target: 1}\n"
    b"  - {id: k2, title: B, type: milestone, contributors: [..]}\n---\n",
    "content/teams/u/_index.md": b"---\nname: U\nparent: ../t\n---\n",
    # check-in names that differ only in case
    "content/teams/t/2026-Q4/checkins/Late.md": b"---\ndate: 2026-11-14\n---\n",
    "content/teams/t/2026-Q4/checkins/late.md": b"---\ndate: 2026-11-14\n---\n",
    # a team folder in upper case, and its lower-case twin
    "content/teams/Web/_index.md": b"---\nname: Web\n---\n",
    "content/teams/web/_index.md": b"---\nname: web\n---\n",
    # not UTF-8
    "content/teams/t/2026-Q4/latin1.md": "---\ntitle: Caf\u00e9\n---\n".encode("latin-1"),
    "content/teams/t/2026-Q4/utf16.md": "---\ntitle: x\n---\n".encode("utf-16"),
    # a calendar folder and a declared period differing only in case
    "content/teams/t/2026-q3/o3.md": b"---\ntitle: Q3\nowner: A\nkey_results: [{title: a, type: milestone}]\n---\n",
    "content/teams/company/2026-Q3/o4.md": b"---\ntitle: Q3\nowner: A\nkey_results: [{title: a, type: milestone}]\n---\n",
}
HOSTILE_CONFIG = CONFIG + b"periods:\n  - {id: 2026-q3, start: 2026-07-01, end: 2026-09-30}\n"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir()
    (outside / "secret.md").write_bytes(b"---\ntitle: SECRET-OUTSIDE\n---\nSECRET-OUTSIDE\n")
    (outside / "teamdir").mkdir()
    (outside / "teamdir" / "_index.md").write_bytes(b"---\nname: SECRET-OUTSIDE\n---\n")
    config = write(root, HOSTILE, HOSTILE_CONFIG)
    (root / "content/teams/t/2026-Q4/2026-Q4").mkdir()  # harmless: too deep, a warning
    os.symlink(outside / "secret.md", root / "content/teams/t/2026-Q4/leak.md")
    os.symlink(outside / "teamdir", root / "content/teams/leak")
    os.symlink("/etc/hostname", root / "content/teams/t/2026-Q4/abs.md")
    os.symlink(root / "content/teams/t/2026-Q4/o.md", root / "content/teams/t/2026-Q4/alias.md")  # inside: read
    os.symlink("nowhere.md", root / "content/teams/t/2026-Q4/dangling.md")
    os.symlink("loop.md", root / "content/teams/t/2026-Q4/loop.md")
    os.mkfifo(root / "content/teams/t/2026-Q4/pipe.md")
    before = snapshot(root.parent, root / "public")
    proc = okrsite("build", "--config", config)
    after = snapshot(root.parent, root / "public")
    return root, proc, before, after


def test_hostile_tree_gives_clear_diagnostics(hostile):
    root, proc, _, _ = hostile
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    out = lines(proc)
    expected = [
        "content/teams/Web/_index.md:1: error: invalid team id 'Web'",
        "content/teams/leak:1: warning: symbolic link to a folder, or to nothing: ignored (okrsite follows links to "
        "Markdown files only)",
        "content/teams/t/2026-Q4/abs.md:1: warning: symbolic link to a file outside the content folder: ignored",
        "content/teams/t/2026-Q4/checkins/late.md:1: error: this file differs only in case from 'teams/t/2026-Q4/checkins/Late.md'",
        "content/teams/t/2026-Q4/climb.md:4: error: ",
        "content/teams/t/2026-Q4/climb.md:5: error: ",
        "content/teams/t/2026-Q4/climb.md:7: error: invalid key result id '../k'",
        "content/teams/t/2026-Q4/climb.md:8: error: invalid contributor team id '..'",
        "content/teams/t/2026-Q4/dangling.md:1: warning: symbolic link to a file that does not exist: ignored",
        "content/teams/t/2026-Q4/latin1.md:1: error: not valid UTF-8 text (byte 14): save the file as UTF-8",
        "content/teams/t/2026-Q4/leak.md:1: warning: symbolic link to a file outside the content folder: ignored",
        "content/teams/t/2026-Q4/loop.md:1: warning: symbolic link to a file that does not exist: ignored",
        "content/teams/t/2026-Q4/pipe.md:1: error: not a regular file (a named pipe or a device?): not read",
        "content/teams/t/2026-Q4/utf16.md:1: error: not valid UTF-8 text",
        "content/teams/company/2026-Q3/o4.md:1: error: period folder '2026-Q3' differs only in case from the period "
        "'2026-q3' declared in okrsite.yaml: on a case-insensitive file system they are the same; rename the folder (ignored)",
        "content/teams/u/_index.md:3: error: invalid parent team id '../t'",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in out), f"missing {start!r} in:\n" + "\n".join(out)
    assert "SECRET-OUTSIDE" not in proc.stdout + proc.stderr
    # the link inside content is read like any file: same objective, another id
    assert not any(line.startswith("content/teams/t/2026-Q4/alias.md") and "error" in line for line in out)


def test_case_clashes_each_reported_once(hostile):
    _, proc, _, _ = hostile
    clash = [line.split(": error: ")[0] for line in lines(proc) if "differs only in case" in line]
    # the two check-ins, and the two 2026-Q3s; 'Web' is an invalid id already
    assert clash == ["content/teams/company/2026-Q3/o4.md:1", "content/teams/t/2026-Q4/checkins/late.md:1"]


def test_nothing_written_outside_the_output_folder(hostile, tmp_path):
    root, proc, before, after = hostile
    assert before == after  # a failed build writes nothing, not even beside its output
    # a build that succeeds, from a tree with links out, writes only its output (and its lock)
    site = tmp_path / "ok"
    config = write(site, {})
    os.symlink(root.parent / f"{root.name}-outside" / "secret.md", site / "content/teams/t/2026-Q4/leak.md")
    before = snapshot(tmp_path, site / "public")
    proc = okrsite("build", "--config", config)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = snapshot(tmp_path, site / "public")
    assert set(after) - set(before) == {"ok/public", "ok/.public.lock"}
    assert all(after[k] == before[k] for k in before)
    built = b"".join(p.read_bytes() for p in (site / "public").rglob("*") if p.is_file())
    assert b"SECRET-OUTSIDE" not in built


@pytest.mark.parametrize("output", ["content", "content/teams", "."])
def test_output_over_the_site_or_content_is_refused(tmp_path, output):
    config = write(tmp_path, {})
    proc = okrsite("build", "--config", config, "--output", tmp_path / output)
    assert proc.returncode == 2 and "refusing to write the site" in proc.stderr
    assert (tmp_path / OBJ).read_bytes() == BASE[OBJ]


def test_an_unreadable_file_is_an_error_and_causes_no_cascade(tmp_path, monkeypatch):
    """Tests run as root, where file permissions are not enforced: the read itself is
    made to fail (monkeypatching os.open while gathering)."""
    import os

    config_path = write(tmp_path, {})
    real_open = os.open

    def failing_open(path, *args, **kwargs):
        if str(path).endswith("/o.md"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_open)
    config, _ = read_config(config_path)
    diags = Diagnostics()
    sources = gather(config, diags)
    compute_site(config, sources, date(2026, 11, 20), diags)
    errors = [str(d) for d in diags.items if d.severity == "error"]
    # one error for the file; the check-in updating o/k1 gets no "unknown objective"
    assert errors == [f"{OBJ}:1: error: cannot read the file: Permission denied"]


def test_declared_periods_differing_only_in_case_are_a_config_error(tmp_path):
    config = write(
        tmp_path,
        {},
        CONFIG + b"periods:\n  - {id: FY27-Q1, start: 2026-11-01, end: 2027-01-31}\n"
        b"  - {id: fy27-q1, start: 2026-11-01, end: 2027-01-31}\n",
    )
    proc = okrsite("check", "--config", config)
    assert proc.returncode == 2
    assert (
        "okrsite.yaml:6: error: period 'fy27-q1' differs only in case from 'FY27-Q1' (line 5)"
        in proc.stdout + proc.stderr
    )


def test_file_names_with_newlines_and_controls_stay_one_line(tmp_path):
    config = write(
        tmp_path,
        {
            "content/teams/t/2026-Q4/we\nird\u202e.md": b"---\ntitle: x\n---\n",
            "content/teams/t/2026-Q4/o\x1b[31m.md": b"---\ntitle: x\n---\n",
        },
    )
    proc = okrsite("check", "--config", config)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    bad = [line for line in lines(proc) if "2026-Q4/we" in line or "2026-Q4/o\\x1b" in line]
    assert len(bad) == 2 and "\x1b" not in proc.stdout and "\u202e" not in proc.stdout, proc.stdout
    assert all(":1: error: invalid objective id" in line for line in bad)
