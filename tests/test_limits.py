"""Resource limits (issue 8): whatever a file holds, it costs a bounded time and memory,
and going over a limit is a clear diagnostic at its file and line.

The real assertion of each test is the diagnostic; the timings are generous safety nets
(a regression to exponential or quadratic behaviour would blow through them by far)."""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from okrsite.core.config import ConfigError, parse_config
from okrsite.builder.parsecache import ParseCache
from okrsite.core.markdown import MAX_HTML_DEPTH, Markdown
from okrsite.core.model import LimitsConfig, SourceFile
from okrsite.core.parse import parse

from test_fuzz import BASE, BASE_CONFIG, LONG, run_pipeline

REPO = Path(__file__).resolve().parent.parent
OBJ = "content/teams/t/2026-Q4/o.md"


class Bounded:
    """Times a block and records the peak of Python memory allocations during it."""

    def __init__(self, seconds: float, megabytes: float | None = None):
        self.seconds, self.megabytes = seconds, megabytes

    def __enter__(self):
        if self.megabytes is not None:
            tracemalloc.start()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.started
        if self.megabytes is not None:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            self.peak_mb = peak / 1e6
        if exc[0] is None:
            assert self.elapsed < self.seconds, f"took {self.elapsed:.1f} s (bound {self.seconds} s)"
            if self.megabytes is not None:
                assert self.peak_mb < self.megabytes, f"allocated {self.peak_mb:.0f} MB (bound {self.megabytes} MB)"


def site_with(files: dict[str, bytes], config: bytes = BASE_CONFIG) -> dict[str, bytes]:
    return {**BASE, "okrsite.yaml": config, **files}


def errors_of(diagnostics, path: str) -> list[str]:
    return [f"{d.line}: {d.message}" for d in diagnostics if d.path == path and d.severity == "error"]


# --------------------------------------------------------------------------- YAML bombs

BILLION_LAUGHS = (
    "---\ntitle: lol\n"
    + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10))
    + "key_results: *a9\n---\n"
)

MERGE_BOMB = (
    "---\ntitle: merge\nkey_results:\n  - "
    + (lambda inner: "{<<: [" + inner + ", *m19]}")(
        __import__("functools").reduce(
            lambda acc, i: f"&m{i} {{<<: [{acc}, *m{i - 1}], k{i}: {i}}}", range(1, 20), "&m0 {k0: 0}"
        )
    )
    + "\n---\n"
)


@pytest.mark.parametrize("text", [BILLION_LAUGHS, MERGE_BOMB], ids=["aliases", "merge-keys"])
def test_yaml_bombs_are_errors_in_bounded_time_and_memory(text):
    with Bounded(seconds=5, megabytes=60):
        diagnostics, out = run_pipeline(site_with({OBJ: text.encode()}))
    errors = errors_of(diagnostics, OBJ)
    assert len(errors) == 1 and "front matter too large: more than 20,000 values" in errors[0]
    assert 2 <= int(errors[0].split(":")[0]) <= text.count("\n")  # a line of the front matter
    assert not out  # an error: nothing is rendered


@pytest.mark.parametrize("opener, closer", [("[", "]"), ("{a: ", "}"), ("- ", "")])
def test_deep_nesting_is_an_error(opener, closer):
    """100 levels, and 100,000 (which crashed the C composer with a stack overflow)."""
    for levels in (100, 100_000):
        if opener == "- ":
            fm = "title:\n" + "- " * levels + "x\n"  # block sequences in sequences, on one line
        else:
            fm = "title: " + opener * levels + "1" + closer * levels + "\n"
        with Bounded(seconds=5):
            diagnostics, _ = run_pipeline(site_with({OBJ: f"---\n{fm}---\n".encode()}))
        errors = errors_of(diagnostics, OBJ)
        assert len(errors) == 1 and "nested too deeply: more than 50 levels (limits.max_yaml_depth" in errors[0], errors


def test_depth_and_node_limits_come_from_the_config():
    deep = (
        b"---\ntitle: O\nowner: A\nx: "
        + b"[" * 10
        + b"]" * 10
        + b"\n"
        + b"key_results:\n  - {id: k1, title: A, start: 0, target: 1}\n  - {id: k2, title: B, type: milestone}\n---\n"
    )
    diagnostics, _ = run_pipeline(site_with({OBJ: deep}))
    assert not errors_of(diagnostics, OBJ)  # 11 levels are fine by default
    diagnostics, _ = run_pipeline(site_with({OBJ: deep}, BASE_CONFIG + b"limits:\n  max_yaml_depth: 5\n"))
    assert errors_of(diagnostics, OBJ) == [
        "4: front matter nested too deeply: more than 5 levels (limits.max_yaml_depth in okrsite.yaml)"
    ]
    diagnostics, _ = run_pipeline(site_with({OBJ: deep}, BASE_CONFIG + b"limits:\n  max_yaml_nodes: 100\n"))
    assert errors_of(diagnostics, OBJ) == []
    diagnostics, _ = run_pipeline(
        site_with(
            {OBJ: deep.replace(b"x: ", b"x: [" + b"1, " * 100 + b"0]\ny: ", 1)},
            BASE_CONFIG + b"limits:\n  max_yaml_nodes: 100\n",
        )
    )
    assert len(errors_of(diagnostics, OBJ)) == 1 and "more than 100 values" in errors_of(diagnostics, OBJ)[0]


def test_the_parse_cache_is_per_limits():
    from okrsite.builder.parallel import parse_all
    from okrsite.core.config import parse_config

    cache = ParseCache()
    f = SourceFile("content/teams/t/_index.md", b"---\na: [[[[1]]]]\n---\n")
    loose, _ = parse_config(b"as_of: 2026-11-20\n")
    tight, _ = parse_config(b"as_of: 2026-11-20\nlimits:\n  max_yaml_depth: 2\n")
    assert not parse_all([f], loose, cache=cache)[f.path].parsed.problems
    assert parse_all([f], tight, cache=cache)[f.path].parsed.problems
    assert not parse_all([f], loose, cache=cache)[f.path].parsed.problems


def test_merge_keys_work_and_are_not_duplicates():
    parsed = parse(
        b"---\nd: &d {unit: ms, start: 0}\nkey_results:\n  - <<: *d\n    unit: s\n    title: <<\n"
        b"  - {<<: [{a: 1}, {a: 2, b: 3}], c: =}\n---\n"
    )
    assert parsed.problems == []
    assert parsed.meta["key_results"] == [{"start": 0, "unit": "s", "title": "<<"}, {"a": 1, "b": 3, "c": "="}]
    assert parse(b"---\n<<: 5\n---\n").problems == [
        (2, "error", "a merge key '<<' takes a mapping or a list of mappings")
    ]


# --------------------------------------------------------------------------- big files


def _sparse(path: Path, size: int, head: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)  # a sparse file: 50 MB on paper, nothing on disk


def write_site(root: Path, files: dict[str, bytes], config: bytes = BASE_CONFIG) -> Path:
    for rel, data in {**BASE, **files}.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (root / "okrsite.yaml").write_bytes(config)
    return root / "okrsite.yaml"


# okrsite in a child process that reports its own peak memory (VmHWM: the high-water mark
# of the memory mapped since exec, so not inflated by the forked parent's, as ru_maxrss is)
MEASURED = """
import runpy, sys
sys.argv = ["okrsite", *sys.argv[1:]]
try:
    runpy.run_module("okrsite", run_name="__main__")
finally:
    hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
    print("VmHWM", hwm, file=sys.stderr)
"""


def test_a_fifty_megabyte_file_is_not_read(tmp_path):
    config = write_site(tmp_path, {})
    _sparse(tmp_path / OBJ, 50 * 1024 * 1024, b"---\ntitle: huge\n")
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", MEASURED, "check", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    elapsed = time.perf_counter() - started
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # the file's only diagnostic; the check-in that updates it gets no "unknown objective"
    assert proc.stdout.splitlines() == [
        f"{OBJ}:1: error: file too large (50.0 MB; the limit is 1,024 KB, limits.max_file_kb in okrsite.yaml): not read"
    ]
    peak_mb = int(proc.stderr.split("VmHWM")[1].split()[0]) / 1024
    assert peak_mb < 100, f"{peak_mb:.0f} MB"  # the file was never read into memory
    assert elapsed < 20


def test_file_size_limit_from_the_config_and_in_memory(tmp_path):
    big = b"---\ntitle: O\n---\n" + b"x" * 3000
    config = write_site(tmp_path, {OBJ: big}, BASE_CONFIG + b"limits: {max_file_kb: 2}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "okrsite", "check", "--config", config], capture_output=True, text=True
    )
    assert (
        proc.stdout
        == f"{OBJ}:1: error: file too large (3 KB; the limit is 2 KB, limits.max_file_kb in okrsite.yaml): not read\n"
    )
    # the pure pipeline checks it too (sources given in memory, as the preview server has them)
    diagnostics, _ = run_pipeline(site_with({OBJ: big}, BASE_CONFIG + b"limits: {max_file_kb: 2}\n"))
    assert errors_of(diagnostics, OBJ) == [
        "1: file too large (3 KB; the limit is 2 KB, limits.max_file_kb in okrsite.yaml): not read"
    ]


def test_a_megabyte_of_pathological_markdown_renders_in_bounded_time():
    """Bodies are at most max_file_kb (1 MB): the worst Markdown we know of stays linear,
    and raw HTML nested too deeply (quadratic in the sanitiser) is shown as text."""
    md, md_html = Markdown(False), Markdown(True)
    bodies = [
        "*" * 1_000_000,
        "> " * 300_000,
        "`" * 500_000,
        "<div>" * 40_000,
        "<ul><li>" * 20_000,
        "<div></span>" * 40_000,
    ]  # end tags of other elements do not close a <div>
    if LONG:
        bodies += [
            "[" * 200_000,
            "<div>" * 200_000,
            "<ul><li>" * 100_000,
            "<http://a>" * 100_000,
            "|a|\n|-|\n" + "|x|\n" * 100_000,
        ]
    for body in bodies:
        for renderer in (md, md_html):
            with Bounded(seconds=15):
                renderer.render(body)
    nested = "<div>" * (MAX_HTML_DEPTH + 1) + "x"
    assert "&lt;div&gt;" in md_html.render(nested)
    assert "<div>" in md_html.render("<div>" * MAX_HTML_DEPTH + "x")
    diagnostics, _ = run_pipeline(
        site_with({OBJ: BASE[OBJ] + nested.encode()}, BASE_CONFIG + b"markdown: {allow_html: true}\n")
    )
    assert [d.message for d in diagnostics if d.path == OBJ] == [
        "raw HTML nested more than 100 levels deep: the body's HTML is shown as text"
    ]


# --------------------------------------------------------------------------- many key results


def test_ten_thousand_key_results():
    krs = "".join(f"  - {{id: k{i}, title: K{i}, type: milestone}}\n" for i in range(10_000))
    text = f"---\ntitle: Too many\nowner: A\nkey_results:\n{krs}---\n".encode()
    with Bounded(seconds=10):
        diagnostics, _ = run_pipeline(site_with({OBJ: text}))
    errors = errors_of(diagnostics, OBJ)  # over the YAML node limit first (70,000 values)
    assert len(errors) == 1 and "front matter too large: more than 20,000 values" in errors[0]

    with Bounded(seconds=15):
        diagnostics, _ = run_pipeline(site_with({OBJ: text}, BASE_CONFIG + b"limits: {max_yaml_nodes: 100000}\n"))
    mine = [(d.line, d.severity, d.message) for d in diagnostics if d.path == OBJ]
    assert (
        55,
        "error",
        "too many key results (10,000): only the first 50 are read (limits.max_key_results in "
        "okrsite.yaml); an objective needs a few, not hundreds",
    ) in mine
    assert any(sev == "warning" and "key results" in msg for _, sev, msg in mine)  # the lint warning stays
    assert sum(1 for _, sev, _m in mine if sev == "error") == 1


def test_key_result_cap_from_the_config():
    krs = "".join(f"  - {{id: k{i}, title: K{i}, type: milestone}}\n" for i in range(8))
    text = f"---\ntitle: Eight\nowner: A\nkey_results:\n{krs}---\n".encode()
    diagnostics, _ = run_pipeline(site_with({OBJ: text}))
    assert not errors_of(diagnostics, OBJ)
    diagnostics, _ = run_pipeline(site_with({OBJ: text}, BASE_CONFIG + b"limits: {max_key_results: 6}\n"))
    assert errors_of(diagnostics, OBJ) == [
        "11: too many key results (8): only the first 6 are read (limits.max_key_results "
        "in okrsite.yaml); an objective needs a few, not hundreds"
    ]


# --------------------------------------------------------------------------- long periods and far dates


def long_site(start: str, end: str, as_of: str, krs: int = 50, objectives: int = 2) -> dict[str, bytes]:
    config = (
        f"title: Long\nas_of: {as_of}\nsearch: false\nperiods:\n  - {{id: LONG, start: {start}, end: {end}}}\n"
        "limits: {max_key_results: 50}\n"
    ).encode()
    files = {"okrsite.yaml": config}
    kr_lines = "".join(f"  - {{id: k{i}, title: K{i}, start: 0, target: 100}}\n" for i in range(krs))
    for o in range(objectives):
        files[f"content/teams/t/LONG/o{o}.md"] = f"---\ntitle: O{o}\nowner: A\nkey_results:\n{kr_lines}---\n".encode()
    for y in range(int(start[:4]), int(start[:4]) + 3):
        files[f"content/teams/t/LONG/checkins/{y}-06-01.md"] = (
            f"---\ndate: {y}-06-01\nkey_results:\n  o0/k1: {y % 100}\n---\n".encode()
        )
    return {**BASE, **files}


@pytest.mark.parametrize(
    "start, end, as_of",
    [
        ("2000-01-01", "2027-05-19", "2027-05-19"),  # 10,001 days
        ("1900-01-01", "2999-12-31", "2999-12-31"),  # the longest possible period, fully elapsed
    ],
)
def test_a_very_long_period_is_a_warning_and_renders_in_bounded_time(start, end, as_of):
    with Bounded(seconds=30):
        diagnostics, out = run_pipeline(long_site(start, end, as_of))
    assert [d for d in diagnostics if d.severity == "error"] == []
    assert any(
        d.path == "okrsite.yaml"
        and "days long (more than limits.max_period_days, 3,700): is a year mistyped?" in d.message
        for d in diagnostics
    )
    assert "teams/t/LONG/index.html" in out and "teams/t/LONG/o0/index.html" in out
    assert sum(len(v) for v in out.values()) < 50_000_000


def test_a_checkin_ten_thousand_days_late_is_an_error():
    files = {
        **BASE,
        "okrsite.yaml": BASE_CONFIG,
        "content/teams/t/2026-Q4/checkins/2054-05-08.md": b"---\ndate: 2054-05-08\nkey_results:\n  o/k1: 5\n---\n",
    }
    diagnostics, _ = run_pipeline(files)
    assert errors_of(diagnostics, "content/teams/t/2026-Q4/checkins/2054-05-08.md") == [
        "2: check-in dated 2054-05-08, after period 2026-Q4 ends (2026-12-31) and its 30-day grading window"
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        (b"---\ndate: 9999-12-31\n---\n", "date 9999-12-31 out of range (years 1900 to 2999)"),
        (b"---\ndate: 0001-01-01\n---\n", "date 0001-01-01 out of range (years 1900 to 2999)"),
    ],
)
def test_dates_far_away_are_errors(text, message):
    path = "content/teams/t/2026-Q4/checkins/2026-11-14.md"
    diagnostics, _ = run_pipeline(site_with({path: text}))
    assert errors_of(diagnostics, path) == [f"2: {message}"]


def test_far_as_of_and_calendar_folders():
    for as_of in (b"1900-01-01", b"2999-12-31"):
        diagnostics, out = run_pipeline(site_with({}, b"title: x\nsearch: false\nas_of: " + as_of + b"\n"))
        assert not [d for d in diagnostics if d.severity == "error"] and out
    with pytest.raises(ConfigError, match="out of range"):
        parse_config(b"as_of: 9999-12-31\n")
    diagnostics, _ = run_pipeline(site_with({"content/teams/t/9999-Q4/o.md": BASE[OBJ]}))
    assert errors_of(diagnostics, "content/teams/t/9999-Q4/o.md")[0].startswith("1: unknown period '9999-Q4'")


@pytest.mark.parametrize(
    "number, message",
    [
        (b"1.0e+16", "'target' must be at most 10^15 in size (use a larger unit), not 1e+16"),
        (b"-20000000000000000", "'target' must be at most 10^15 in size (use a larger unit), not -2e+16"),
        (b".inf", "'target' must be a finite number, not inf"),
        (b"1" + b"0" * 400, "number too large: '10000000000000000000000000000000000000… (quote it if it is text)"),
    ],
)
def test_huge_numbers_are_errors(number, message):
    text = (
        b"---\ntitle: O\nowner: A\nkey_results:\n  - {id: k1, title: A, start: 0,\n     target: "
        + number
        + b"}\n  - {id: k2, title: B, type: milestone}\n---\n"
    )
    diagnostics, _ = run_pipeline(site_with({OBJ: text}))
    assert errors_of(diagnostics, OBJ) == [f"6: {message}"]


def test_tiny_ranges_and_extreme_values_render():
    """Values within the bounds but far apart, or a start and target a hair apart."""
    obj = (
        b"---\ntitle: O\nowner: A\nkey_results:\n  - {id: k1, title: A, start: 0, target: 5.0e-324}\n"
        b"  - {id: k2, title: B, start: -1000000000000000, target: 1000000000000000}\n---\n"
    )
    ci = b"---\ndate: 2026-11-13\nkey_results:\n  o/k1: 1000000000000000\n  o/k2: -1000000000000000\n---\n"
    diagnostics, out = run_pipeline(site_with({OBJ: obj, "content/teams/t/2026-Q4/checkins/2026-11-13.md": ci}))
    assert not [d for d in diagnostics if d.severity == "error"]
    page = out["teams/t/2026-Q4/o/index.html"].decode()
    assert "inf" not in page.lower().replace("info", "") and "nan%" not in page.lower()


# --------------------------------------------------------------------------- the limits mapping


def test_limits_config_defaults_and_did_you_mean():
    config, warnings = parse_config(b"as_of: 2026-11-20\n")
    assert config.limits == LimitsConfig(
        max_file_kb=1024, max_key_results=50, max_yaml_depth=50, max_yaml_nodes=20_000, max_period_days=3700
    )
    config, warnings = parse_config(b"limits:\n  max_file_k: 5\n  max_key_results: 7\n")
    assert [str(w) for w in warnings] == [
        "okrsite.yaml:2: warning: unknown key 'max_file_k' (did you mean 'max_file_kb'?) in limits"
    ]
    assert config.limits.max_key_results == 7 and config.limits.max_file_kb == 1024
    for bad, message in [
        (b"limits: 5", "'limits' must be a mapping"),
        (b"limits: {max_yaml_depth: 1000}", "at most 200"),
        (b"limits: {max_file_kb: 0}", "at least 1"),
        (b"limits: {max_yaml_nodes: x}", "a whole number"),
    ]:
        with pytest.raises(ConfigError, match=message):
            parse_config(bad)


def test_the_documented_defaults_match():
    doc = (REPO / "docs" / "content.md").read_text()
    row = next(line for line in doc.splitlines() if line.startswith("| `limits`"))
    d = LimitsConfig()
    for key, value in vars(d).items():
        assert f"`{key}` {value:,}" in row, (key, row)
