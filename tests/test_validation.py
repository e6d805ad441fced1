"""Contract section 9: one content tree with one mistake of each kind. Every mistake
gives exactly one diagnostic, on the right file and line, all in one run.

Expected diagnostics are written into the content itself: a YAML comment
``#!E text`` (error) or ``#!W text`` (warning) on a line means "a diagnostic of that
severity, containing that text, at this line"."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = """\
title: Broken on purpose
as_of: 2026-11-20
titel: typo  #!W did you mean 'title'
periods:
  - id: FY27-Q1
    start: 2026-11-01
    end: 2027-01-31
"""

GOOD_KRS = """\
key_results:
  - id: k1
    title: Weekly active teams
    start: 10
    target: 40
  - id: k2
    title: Median time to first value
    start: 10
    target: 2
    unit: days
"""

FILES: dict[str, str | bytes] = {
    "content/_index.md": """\
---
title: Org
strategy:
  - id: growth
    title: Grow
---
Hello.
""",
    "content/teams/company/_index.md": "---\nname: Company\n---\n",
    "content/teams/company/2026-Q4/grow.md": "---\ntitle: Grow\nowner: CEO\ntheme: nope  #!E unknown strategic theme 'nope'\n"
    + GOOD_KRS
    + "---\n",
    "content/teams/company/2027-Q1/later.md": "---\ntitle: Later\nowner: CEO\n" + GOOD_KRS + "---\n",
    "content/teams/alpha/_index.md": """\
---
name: Alpha
parent: nowhere  #!E unknown parent team 'nowhere'
kpis:
  - id: uptime
    name: Uptime
    healthy_above: 99.5
---
""",
    "content/teams/cyc-a/_index.md": "---\nparent: cyc-b  #!E team parents form a cycle\n---\n",
    "content/teams/cyc-b/_index.md": "---\nparent: cyc-a\n---\n",
    # -- objectives ------------------------------------------------------------------
    "content/teams/alpha/2026-Q4/good.md": "---\ntitle: Good\nowner: Ana\naligns_to: company/grow\n"
    + GOOD_KRS
    + "---\n",
    "content/teams/alpha/2026-Q4/types.md": """\
---
title: Wrong types
owner: [Ana, Bo]  #!E 'owner' must be text
key_results:
  - title: Heavy
    start: 0
    target: 10
    weight: heavy  #!E 'weight' must be a number
  - title: Flat
    start: 5
    target: 5  #!E 'target' equals 'start'
---
""",
    "content/teams/alpha/2026-Q4/refs.md": """\
---
title: Refs
owner: Ana
aligns_to:
  - nobody/x  #!E unknown team 'nobody'
  - company/missing  #!E unknown objective 'missing'
  - company/grow/zz  #!E unknown key result 'zz'
  - alpha/refs  #!E points to itself
  - company/2027-Q1/later  #!W aligning to a later period
key_results:
  - id: k1
    title: One
    start: 0
    target: 1
    aligns_to: alpha/refs  #!E points to its own objective
  - id: k2
    title: Two
    start: 0
    target: 1
---
""",
    "content/teams/alpha/2026-Q4/cyc1.md": "---\ntitle: Cycle one\nowner: Ana\naligns_to: alpha/cyc2  #!E 'aligns_to' forms a cycle\n"
    + GOOD_KRS
    + "---\n",
    "content/teams/alpha/2026-Q4/cyc2.md": "---\ntitle: Cycle two\nowner: Ana\naligns_to: alpha/cyc1\n"
    + GOOD_KRS
    + "---\n",
    "content/teams/alpha/2026-Q4/dup.md": """\
---
title: Duplicates
owner: Ana
key_results:
  - id: kr2
    title: Explicit kr2
    start: 0
    target: 1
  - title: Default id is kr2 too  #!E duplicate key result id 'kr2'
    start: 0
    target: 1
---
""",
    "content/teams/alpha/2026-Q4/Bad.md": "---\ntitle: Bad id\n---\n",
    "content/teams/alpha/2026-Q4/badid.md": """\
---
title: Bad KR id
owner: Ana
key_results:
  - id: Bad_ID  #!E invalid key result id
    title: x
    start: 0
    target: 1
  - id: ok
    title: y
    start: 0
    target: 1
---
""",
    "content/teams/alpha/2026-Q4/nofm.md": "Just a body, no front matter.\n",
    "content/teams/alpha/2026-Q4/notitle.md": """\
---
owner: Ana
key_results:
  - id: a
    title: A
    start: 0
    target: 1
  - id: b  #!E missing required key 'title'
    start: 0
    target: 1
---
""",
    "content/teams/alpha/2026-Q4/yaml.md": "---\ntitle: [oops  #!E the '[' on this line is not closed\nowner: Ana\n---\n",
    "content/teams/alpha/2026-Q4/initiative.md": """\
---
title: Initiatives
owner: Ana
initiatives:
  - title: Webinar
    status: someday  #!E unknown initiative status 'someday'
"""
    + GOOD_KRS
    + "---\n",
    "content/teams/alpha/2026-Q4/range.md": """\
---
title: Range
owner: Ana
key_results:
  - title: Negative weight
    start: 0
    target: 1
    weight: -1  #!E greater than 0
  - title: Fine
    start: 0
    target: 1
---
""",
    "content/teams/alpha/2026-Q4/warn.md": """\
---
titel: typo  #!W did you mean 'title'
title: Warnings
key_results:  #!W 1 key result
  - title: Launch the webinar  #!W looks like a task
""",
    "content/teams/alpha/2026-Q4/zmany.md": """\
---
title: Many
owner: Ana
key_results:  #!W 6 key results
  - {title: a, type: milestone}
  - {title: b, type: milestone}
  - {title: c, type: milestone}
  - {title: d, type: milestone}
  - {title: e, type: milestone}
  - {title: f, target: 3}  #!W no baseline
---
""",
    # -- check-ins -------------------------------------------------------------------
    "content/teams/alpha/2026-Q4/checkins/2026-11-13.md": """\
---
date: 2026-11-13
author: Ana
key_results:
  good/k1: 12
  nothing/k1: 3  #!E unknown objective 'nothing'
  good/zz: 1  #!E unknown key result 'zz'
  good/k2: {confidence: 1.5}  #!E between 0 and 1
kpis:
  uptime: 99.9
  nope: 3  #!E unknown KPI 'nope'
help: We need a reviewer from payments.
---
## What changed
""",
    "content/teams/alpha/2026-Q4/checkins/2026-11-12.md": "---\ndate: 2026-11-11  #!W the file name says 2026-11-12\n---\n",
    "content/teams/alpha/2026-Q4/checkins/2026-12-01.md": "---\ndate: 2026-12-01  #!W after the as-of date\n---\n",
    "content/teams/alpha/2026-Q4/checkins/2026-09-01.md": "---\ndate: 2026-09-01  #!E before period 2026-Q4 starts\n---\n",
    "content/teams/alpha/2026-Q4/checkins/2027-02-15.md": "---\ndate: 2027-02-15  #!E grading window\n---\n",
    "content/teams/alpha/2026-Q4/checkins/2026-11-31.md": "---\ndate: 2026-11-31  #!E impossible date\n---\n",
    "content/teams/alpha/2026-Q4/checkins/2026-11-14.md": b"---\ndate: \xff\xfe\n---\n",
    "content/teams/alpha/FY99-Q9/x.md": "---\ntitle: Unknown period\n---\n",
}

# Diagnostics at line 1 of files that cannot hold a marker comment there.
EXTRA = [
    ("content/teams/alpha/2026-Q4/Bad.md", 1, "error", "invalid objective id 'Bad'"),
    ("content/teams/alpha/2026-Q4/nofm.md", 1, "error", "front matter missing"),
    ("content/teams/alpha/2026-Q4/notitle.md", 1, "error", "missing required key 'title'"),
    ("content/teams/alpha/2026-Q4/warn.md", 1, "warning", "no owner"),
    ("content/teams/alpha/2026-Q4/warn.md", 5, "error", "front matter is not closed"),
    ("content/teams/alpha/2026-Q4/checkins/2026-11-14.md", 1, "error", "not valid UTF-8"),
    ("content/teams/alpha/FY99-Q9/x.md", 1, "error", "unknown period 'FY99-Q9'"),
    ("content/teams/alpha/2026-Q4/initiative.md", 1, "warning", "team 'alpha' has 15 objectives in 2026-Q4"),
]

MARK = re.compile(r"#!([EW]) (.*)$")


def write_tree(root: Path, files) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())


def expected_diagnostics(files, config_text) -> list[tuple[str, int, str, str]]:
    out = []
    for rel, text in list(files.items()) + [("okrsite.yaml", config_text)]:
        if isinstance(text, bytes):
            continue
        for n, line in enumerate(text.splitlines(), start=1):
            if m := MARK.search(line):
                out.append((rel, n, "error" if m[1] == "E" else "warning", m[2].strip()))
    return out


@pytest.fixture
def broken_site(tmp_path):
    # warn.md's front matter is deliberately left unclosed: that is itself an error,
    # and then the file has no title, owner or key results to warn about. Close it so
    # the warnings can be seen, and keep the unclosed case in its own file.
    files = dict(FILES)
    files["content/teams/alpha/2026-Q4/warn.md"] = FILES["content/teams/alpha/2026-Q4/warn.md"] + "---\n"
    files["content/teams/alpha/2026-Q4/unclosed.md"] = "---\ntitle: Never closed\nowner: Ana\n"
    write_tree(tmp_path, files)
    (tmp_path / "okrsite.yaml").write_text(CONFIG)
    return tmp_path, files


def run_check(site: Path, *args):
    return subprocess.run(
        [sys.executable, "-m", "okrsite", "check", "--config", str(site / "okrsite.yaml"), *args],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
    )


def test_every_mistake_reported_once_on_its_line(broken_site):
    site, files = broken_site
    proc = run_check(site)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert_marked_diagnostics(proc.stdout.splitlines(), files)


def assert_marked_diagnostics(lines: list[str], files) -> None:
    """``lines`` (PATH:LINE: SEVERITY: MESSAGE) are exactly the broken site's mistakes."""
    actual = []
    for line in lines:
        m = re.match(r"^(.+?):(\d+): (error|warning): (.*)$", line)
        assert m, f"not PATH:LINE: SEVERITY: MESSAGE: {line!r}"
        actual.append((m[1], int(m[2]), m[3], m[4]))
    expected = expected_diagnostics(files, CONFIG)
    extra = [e for e in EXTRA if "warn.md" not in e[0] or e[3] != "front matter is not closed"]
    extra.append(("content/teams/alpha/2026-Q4/unclosed.md", 3, "error", "front matter is not closed"))
    expected += [e for e in extra]
    # the 14 objectives warning names the sixth objective by id; recompute it
    unmatched = list(actual)
    missing = []
    for path, line, severity, fragment in expected:
        hit = next(
            (a for a in unmatched if a[0] == path and a[1] == line and a[2] == severity and fragment in a[3]), None
        )
        if hit is None:
            missing.append((path, line, severity, fragment))
        else:
            unmatched.remove(hit)
    assert not missing, (
        "expected but not reported:\n" + "\n".join(map(str, missing)) + "\n\nreported:\n" + "\n".join(lines)
    )
    assert not unmatched, "reported but not expected (a cascade?):\n" + "\n".join(map(str, unmatched))


def test_build_with_errors_leaves_previous_site(broken_site, tmp_path):
    site, _ = broken_site
    out = tmp_path / "public"
    out.mkdir()
    (out / "index.html").write_text("previous site")
    (out / ".okrsite-output").write_text("okrsite wrote it")
    proc = subprocess.run(
        [sys.executable, "-m", "okrsite", "build", "--config", str(site / "okrsite.yaml"), "--output", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert (out / "index.html").read_text() == "previous site"
    assert sorted(p.name for p in out.iterdir()) == [".okrsite-output", "index.html"]
    assert "left untouched" in proc.stderr


@pytest.mark.parametrize(
    "config, message",
    [
        ("title: [unclosed\n", "invalid YAML"),
        ("periods:\n  - id: X1\n    start: 2026-02-01\n    end: 2026-01-01\n", "ends (2026-01-01) before it starts"),
        ("as_of: 2026-02-30\n", "impossible date"),
        ("status: {pace_on_track: high}\n", "must be a number"),
        ("- a list\n", "must be a mapping"),
    ],
)
def test_malformed_config_exits_2(tmp_path, config, message):
    (tmp_path / "okrsite.yaml").write_text(config)
    (tmp_path / "content").mkdir()
    proc = run_check(tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(r"^okrsite\.yaml:\d+: error: ", proc.stderr, re.M)


def test_missing_config_and_bad_arguments_exit_2(tmp_path):
    assert run_check(tmp_path).returncode == 2
    proc = subprocess.run(
        [sys.executable, "-m", "okrsite", "check", "--as-of", "yesterday"], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "not a date" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "okrsite", "frobnicate"], capture_output=True, text=True)
    assert proc.returncode == 2


def test_strict_turns_warnings_into_failure(tmp_path):
    write_tree(
        tmp_path,
        {
            "content/teams/solo/2026-Q4/one.md": "---\ntitle: One\nowner: A\nkey_results:\n  - {title: a, start: 0, target: 1}\n---\n",
        },
    )
    (tmp_path / "okrsite.yaml").write_text("as_of: 2026-11-20\n")
    assert run_check(tmp_path).returncode == 0
    proc = run_check(tmp_path, "--strict")
    assert proc.returncode == 1 and "1 key result" in proc.stdout


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01\x02",
        b"---\n",
        b"---\n---\n",
        b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\n",
        b"---\n: :\n---\n",
        b"---\n[1, 2]\n---\n",
        b"---\ntitle: !!python/object:os.system x\n---\n",
        b"---\na: &a [*a]\n---\n",
        b"---\nkey_results: 7\n---\n",
        b"---\nkey_results: [1, [2], null]\n---\n",
        b"---\ntitle: .nan\nkey_results:\n  - {title: x, start: .inf, target: .nan}\n---\n",
    ],
)
def test_no_input_produces_a_traceback(tmp_path, data):
    write_tree(
        tmp_path,
        {
            "content/teams/t/2026-Q4/o.md": data,
            "content/teams/t/2026-Q4/checkins/2026-11-01.md": data,
            "content/teams/t/_index.md": data,
            "content/_index.md": data,
        },
    )
    (tmp_path / "okrsite.yaml").write_text("as_of: 2026-11-20\n")
    proc = run_check(tmp_path)
    assert proc.returncode in (0, 1)
    assert "Traceback" not in proc.stdout + proc.stderr
    for line in proc.stdout.splitlines():
        assert re.match(r"^.+?:\d+: (error|warning): ", line), line


@pytest.mark.parametrize(
    "template, line, message",
    [
        ('{% extends "base.html" %}{% block content %}\n{{ %% }}', 2, "unexpected '%'"),
        ('{% extends "base.html" %}{% block content %}\n\n{{ nope.nothing }}{% endblock %}', 3, "'nope' is undefined"),
    ],
)
def test_broken_user_template_is_a_diagnostic_at_its_line(tmp_path, template, line, message):
    write_tree(
        tmp_path,
        {
            "content/teams/solo/2026-Q4/one.md": "---\ntitle: One\nowner: A\nkey_results:\n  - {title: a, start: 0, target: 1}\n  - {title: b, type: milestone}\n---\n",
            "themes/mine/templates/home.html": template,
        },
    )
    (tmp_path / "okrsite.yaml").write_text("as_of: 2026-11-20\ntheme: mine\n")
    proc = subprocess.run(
        [sys.executable, "-m", "okrsite", "build", "--config", str(tmp_path / "okrsite.yaml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith(f"themes/mine/templates/home.html:{line}: error: ") and message in proc.stdout
    assert not (tmp_path / "public").exists()


@pytest.mark.parametrize("absolute", [False, True])
def test_content_folder_outside_the_config_folder(tmp_path, absolute):
    write_tree(
        tmp_path,
        {
            "shared/content/teams/solo/2026-Q4/one.md": "---\ntitle: One\nkey_results:\n  - {title: a, start: 0, target: 1}\n  - {title: b, type: milestone}\n---\n",
        },
    )
    (tmp_path / "site").mkdir()
    content_dir = str(tmp_path / "shared" / "content") if absolute else "../shared/content"
    (tmp_path / "site" / "okrsite.yaml").write_text(f"as_of: 2026-11-20\ncontent_dir: {content_dir}\n")
    proc = run_check(tmp_path / "site")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert (
        proc.stdout
        == "../shared/content/teams/solo/2026-Q4/one.md:1: warning: no owner: name one accountable person, role or team with 'owner:'\n"
    )
