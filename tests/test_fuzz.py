"""Property-based fuzzing of the loader and validator (issue 8, hardening).

Whatever a team types, pastes or commits (random bytes, YAML of any shape, wrong types at
every key, deep nesting, huge numbers, NaN and infinities, empty strings, right-to-left
text and lone surrogates, duplicate keys) ends in well-formed diagnostics or a clean
build, never an uncaught exception; and a clean build always renders.

The pure pipeline runs in-process (``okrsite.builder.pipeline.compute_site`` then
``build.render_output``), so thousands of examples take seconds. The number of examples
comes from ``OKRSITE_FUZZ_EXAMPLES``; ``OKRSITE_LONG_TESTS=1`` multiplies the defaults by
ten. Hypothesis keeps failing examples in ``.hypothesis/`` and replays them first.
"""

from __future__ import annotations

import json
import math
import os
import re
from datetime import date

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from okrsite.builder import pipeline as build_mod
from okrsite.core.config import CONFIG_KEYS, ConfigError, parse_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.core.load import (
    CHECKIN_KEYS,
    INITIATIVE_KEYS,
    KPI_KEYS,
    KR_KEYS,
    OBJECTIVE_KEYS,
    ORG_KEYS,
    STRATEGY_KEYS,
    TEAM_KEYS,
    UPDATE_KEYS,
)
from okrsite.core.model import Diagnostic, SourceFile, printable
from okrsite.core.parse import parse
from okrsite.site.environment import make_environment
from okrsite.site.themes import theme_dirs

LONG = os.environ.get("OKRSITE_LONG_TESTS") == "1"


def examples(default: int) -> int:
    """Examples per test: OKRSITE_FUZZ_EXAMPLES, else the default (x10 for long runs)."""
    if os.environ.get("OKRSITE_FUZZ_EXAMPLES"):
        return max(1, int(os.environ["OKRSITE_FUZZ_EXAMPLES"]))
    return default * (10 if LONG else 1)


FUZZ = dict(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
)
AS_OF = date(2026, 11, 20)

# --------------------------------------------------------------------------- strategies

# right-to-left text, bidi controls, zero-width and combining characters, emoji, NUL-ish
# controls, HTML and template syntax: the text people paste
NASTY = [
    "",
    " ",
    "\t",
    "مرحبا بالعالم",
    "שלום",
    "\u202eevil\u202c",
    "\u2066x\u2069",
    "\u200b",
    "e\u0301",
    "👩‍👩‍👧",
    "\x07\x1b[31m",
    "a\u2028b",
    "line\nbreak",
    "\\",
    "'",
    '"',
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "{% raw %}",
    "${x}",
    "../../etc/passwd",
    "/abs/path",
    "C:\\x",
    "%00",
    "nan",
    ".inf",
    "2026-11-31",
    "2026-02-29",
    "0000-01-01",
    "9999-12-31",
    "2026-11-20",
    "70%",
    "-5%",
    "1e309%",
    "on-track",
    "at-risk",
    "milestone",
    "committed",
    "company/growth",
    "t/2026-Q4/o/k1",
    "yes",
    "~",
]

text = st.one_of(st.text(max_size=30), st.sampled_from(NASTY))
huge_ints = st.one_of(
    st.integers(), st.integers(-(10**400), 10**400), st.sampled_from([2**63, -(2**63), 10**308, 2**1024])
)
floats = st.one_of(st.floats(), st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, 0.0, -0.0]))
dates = st.one_of(st.dates().map(str), st.dates())
scalars = st.one_of(st.none(), st.booleans(), huge_ints, floats, text, dates)
keys_any = st.one_of(text, st.integers(-3, 3), st.booleans(), st.none())


def values():
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys_any, inner, max_size=4)),
        max_leaves=12,
    )


anything = values()


def mapping_of(known, special=None):
    """A mapping with some of the real ``known`` keys (their value plausible or anything)
    and some random ones."""
    special = special or {}

    def value_for(key):
        plausible = special.get(key, scalars)
        return st.one_of(plausible, plausible, anything)

    real = st.lists(st.sampled_from(list(known)), unique=True, max_size=len(known)).flatmap(
        lambda ks: st.fixed_dictionaries({k: value_for(k) for k in ks})
    )
    extra = st.dictionaries(keys_any, anything, max_size=2)
    return st.tuples(real, extra).map(lambda t: {**t[1], **t[0]})


numbers = st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6), huge_ints, floats)
fractions = st.one_of(st.floats(0, 1), st.sampled_from(["70%", "0%", "100%", "150%", "-1", "%"]), numbers, text)
ids = st.one_of(st.sampled_from(["k1", "k2", "kr1", "o", "growth", "Bad Id", "", "k1\n", "é"]), text)
refs = st.one_of(
    st.sampled_from(["t/o", "t/2026-Q4/o", "t/o/k1", "company/growth", "t/2026/o/k2", "x/y/z/w/v", "t//o", "/"]), text
)
ref_lists = st.one_of(refs, st.lists(refs, max_size=3))
initiatives = st.lists(
    mapping_of(
        INITIATIVE_KEYS,
        {
            "status": st.sampled_from(["planned", "in-progress", "done", "dropped", "nope"]),
            "link": st.sampled_from(
                [
                    "https://example.com/x",
                    "javascript:alert(1)",
                    "JaVaScRiPt:alert(1)",
                    "data:text/html,x",
                    " java\tscript:alert(1)",
                    "/relative",
                    "mailto:a@b.c",
                    "//evil.example",
                    "\x00:x",
                ]
            ),
        },
    ),
    max_size=3,
)
key_results = st.lists(
    mapping_of(
        KR_KEYS,
        {
            "id": ids,
            "title": text,
            "type": st.sampled_from(["metric", "milestone", "stay_above", "stay_below", "task"]),
            "start": numbers,
            "target": numbers,
            "weight": numbers,
            "unit": text,
            "contributors": st.lists(ids, max_size=3),
            "aligns_to": ref_lists,
            "initiatives": initiatives,
            "commitment": st.sampled_from(["committed", "aspirational", "x"]),
        },
    ),
    max_size=6,
)
updates = st.one_of(
    numbers,
    mapping_of(
        UPDATE_KEYS,
        {
            "value": numbers,
            "progress": fractions,
            "done": st.booleans(),
            "confidence": fractions,
            "score": fractions,
            "status": st.sampled_from(["on-track", "behind", "at-risk", "green"]),
            "note": text,
        },
    ),
)

KINDS = {
    "org": (
        "content/_index.md",
        mapping_of(
            ORG_KEYS,
            {
                "title": text,
                "vision": text,
                "mission": text,
                "strategy": st.lists(
                    mapping_of(STRATEGY_KEYS, {"id": ids, "title": text, "description": text}), max_size=3
                ),
            },
        ),
    ),
    "team": (
        "content/teams/t/_index.md",
        mapping_of(
            TEAM_KEYS,
            {
                "name": text,
                "parent": st.sampled_from(["company", "t", "nope", "Bad", ""]),
                "lead": text,
                "members": st.lists(text, max_size=3),
                "maintainers": st.lists(st.sampled_from(["@org/t", "@a", "a@b.c", "@x\n* @y"]), max_size=2),
                "mission": text,
                "kpis": st.lists(
                    mapping_of(
                        KPI_KEYS,
                        {"id": ids, "name": text, "unit": text, "healthy_above": numbers, "healthy_below": numbers},
                    ),
                    max_size=3,
                ),
            },
        ),
    ),
    "objective": (
        "content/teams/t/2026-Q4/o.md",
        mapping_of(
            OBJECTIVE_KEYS,
            {
                "title": text,
                "owner": text,
                "commitment": st.sampled_from(["committed", "aspirational", "experimental", "nope"]),
                "aligns_to": ref_lists,
                "depends_on": ref_lists,
                "theme": st.sampled_from(["growth", "nope", ""]),
                "tags": st.lists(text, max_size=3),
                "initiatives": initiatives,
                "key_results": key_results,
            },
        ),
    ),
    "checkin": (
        "content/teams/t/2026-Q4/checkins/2026-11-13.md",
        mapping_of(
            CHECKIN_KEYS,
            {
                "date": st.one_of(
                    st.sampled_from(["2026-11-13", "2026-11-31", "2026-13-01", "1900-01-01", "9999-12-31"]), dates
                ),
                "author": text,
                "help": st.one_of(text, st.lists(text, max_size=2)),
                "key_results": st.dictionaries(
                    st.one_of(st.sampled_from(["o/k1", "o/k2", "o/kr1", "o", "o/k1/x", "x/y"]), keys_any),
                    updates,
                    max_size=4,
                ),
                "objectives": st.dictionaries(
                    st.one_of(st.sampled_from(["o", "x"]), keys_any),
                    st.one_of(st.sampled_from(["on-track", "behind", "at-risk"]), anything),
                    max_size=2,
                ),
                "kpis": st.dictionaries(st.one_of(st.sampled_from(["uptime", "x"]), keys_any), numbers, max_size=2),
            },
        ),
    ),
    "retro": ("content/teams/t/2026-Q4/retro.md", mapping_of(("title",), {"title": text})),
    "backlog": ("content/teams/t/backlog.md", mapping_of(("title",), {"title": text})),
}

PERIOD_ITEM = mapping_of(
    ("id", "start", "end", "label"),
    {
        "id": st.sampled_from(["FY27-Q1", "fy27-q1", "2026-Q4", "2026", "Bad Id", "x\n"]),
        "start": st.one_of(st.sampled_from(["2026-11-01", "0001-01-01", "2026-02-30"]), dates),
        "end": st.one_of(st.sampled_from(["2027-01-31", "9999-12-31", "2026-10-01"]), dates),
        "label": text,
    },
)
CONFIG = mapping_of(
    CONFIG_KEYS,
    {
        "title": text,
        "base_url": st.sampled_from(["/", "/okrs/", "okrs", "https://x.example/okrs", "", "//evil", "/a b/"]),
        "as_of": st.one_of(st.sampled_from(["2026-11-20", "9999-12-31", "0001-01-01", "2026-11-31"]), dates),
        "periods": st.lists(PERIOD_ITEM, max_size=3),
        "status": mapping_of(
            ("confidence_on_track", "confidence_behind", "pace_on_track", "pace_behind", "stale_after_days"),
            {"stale_after_days": huge_ints},
        ),
        "lint": mapping_of(("max_objectives", "min_key_results", "max_key_results"), {"max_key_results": huge_ints}),
        "limits": mapping_of(
            ("max_file_kb", "max_key_results", "max_yaml_depth", "max_yaml_nodes", "max_period_days"),
            {"max_yaml_depth": st.integers(-5, 600)},
        ),
        "grading_window_days": huge_ints,
        "markdown": st.one_of(st.fixed_dictionaries({"allow_html": st.booleans()}), anything),
        "search": st.just(False),
        "codeowners_fallback": st.one_of(text, st.lists(text, max_size=2)),
        "site_url": st.sampled_from(["https://okrs.example.com", "javascript:alert(1)", "http://x", ""]),
        "content_dir": st.just("content"),
        "output_dir": st.sampled_from(["public", "../../x", "/tmp/x"]),
        "theme": st.none(),  # themes are trusted code, read from disk: not fuzzed here
    },
)

BODIES = st.one_of(
    st.just(""),
    text,
    st.sampled_from(
        [
            "# Title\n\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n[x](javascript:alert(1))",
            "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "- [ ] task\n- [x] done\n\n| a | b |\n|---|---|\n| 1 | 2 |",
            "> " * 200 + "deep",
            "*" * 500,
            "[" * 300 + "]" * 300,
            "```\n</script>\n```",
            "<!-- comment --><details open ontoggle=alert(1)>",
            "---\nnot: front matter\n---",
        ]
    ),
)


def dump(doc, flow: bool, unicode: bool) -> str:
    return yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=unicode, sort_keys=False, width=60)


@st.composite
def documents(draw, kind: str) -> bytes:
    """A content file of ``kind``: generated front matter, sometimes mutated line by line
    (duplicate keys, broken indentation, junk), or raw text or bytes."""
    how = draw(st.sampled_from(["yaml", "yaml", "yaml", "mutated", "raw-text", "raw-bytes", "deep", "escapes"]))
    body = draw(BODIES)
    if how == "raw-bytes":
        return draw(st.binary(max_size=300))
    if how == "raw-text":
        return draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")
    if how == "deep":
        n = draw(st.integers(0, 120))
        opener = draw(st.sampled_from(["[", "{a: ", "- "]))
        if opener == "- ":
            fm = "".join("  " * i + "- \n" for i in range(n)) + "  " * n + "- x\n"
        else:
            fm = "title: " + opener * n + "1" + ("]" if opener == "[" else "}") * n + "\n"
        return f"---\n{fm}---\n{body}".encode()
    if how == "escapes":  # lone surrogates and odd escapes, only writable as YAML escapes
        esc = draw(
            st.lists(
                st.sampled_from(
                    [
                        "\\ud800",
                        "\\udfff",
                        "\\x00",
                        "\\u202e",
                        "\\N",
                        "\\_",
                        "\\L",
                        "\\P",
                        "\\e",
                        "\\U0010ffff",
                        "\\t",
                        "abc",
                    ]
                ),
                min_size=1,
                max_size=5,
            )
        )
        key = draw(st.sampled_from(["title", "owner", "author", "name", "help", "note", "lead", "mission"]))
        return f'---\n{key}: "{"".join(esc)}"\nkey_results: [{{title: "{"".join(esc)}", unit: "{esc[0]}", target: 1}}]\n---\n{body}'.encode()
    doc = draw(KINDS[kind][1])
    fm = dump(doc, draw(st.booleans()), draw(st.booleans()))
    if how == "mutated":
        lines = fm.splitlines()
        for _ in range(draw(st.integers(1, 3))):
            if not lines:
                break
            i = draw(st.integers(0, len(lines) - 1))
            op = draw(st.sampled_from(["dup", "del", "junk", "indent", "tab"]))
            if op == "dup":
                lines.insert(i, lines[i])
            elif op == "del":
                del lines[i]
            elif op == "junk":
                lines.insert(
                    i,
                    draw(
                        st.sampled_from(
                            [
                                ": :",
                                "- - -",
                                "&a [*a]",
                                "*nope",
                                "!!binary AAAA",
                                "!!python/object:os.system x",
                                "key: 'unclosed",
                                "? complex",
                                "<<: *nope",
                                "---",
                                "...",
                                "%YAML 1.1",
                                "  bad: indent",
                            ]
                        )
                    ),
                )
            elif op == "indent":
                lines[i] = "   " + lines[i]
            else:
                lines[i] = "\t" + lines[i]
        fm = "\n".join(lines) + "\n"
    framing = draw(
        st.sampled_from(
            ["---\n{fm}---\n", "---\r\n{fm}---\r\n", "\ufeff---\n{fm}---\n", "---\n{fm}", "{fm}", "---\n{fm}...\n"]
        )
    )
    return (framing.format(fm=fm) + body).encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------------- the site

BASE = {
    "content/_index.md": b"---\ntitle: Org\nstrategy:\n  - {id: growth, title: Grow}\n---\nHello.\n",
    "content/teams/company/_index.md": b"---\nname: Company\n---\n",
    "content/teams/company/2026-Q4/growth.md": b"---\ntitle: Grow\nowner: CEO\ntheme: growth\nkey_results:\n"
    b"  - {id: k1, title: Revenue, start: 0, target: 10}\n  - {id: k2, title: Launch, type: milestone}\n---\n",
    "content/teams/t/_index.md": b"---\nname: T\nparent: company\nkpis:\n  - {id: uptime, name: Uptime, healthy_above: 99}\n---\n",
    "content/teams/t/2026-Q4/o.md": b"---\ntitle: O\nowner: Ana\naligns_to: company/growth\nkey_results:\n"
    b"  - {id: k1, title: A, start: 0, target: 10}\n  - {id: k2, title: B, type: milestone}\n---\n",
    "content/teams/t/2026-Q4/checkins/2026-11-13.md": b"---\ndate: 2026-11-13\nkey_results:\n  o/k1: 5\n---\n",
}
BASE_CONFIG = b"title: Fuzz\nas_of: 2026-11-20\nsearch: false\n"

_ENV = {}


def environment(config):
    dirs = tuple(theme_dirs(config))
    if dirs not in _ENV:
        _ENV[dirs] = make_environment(list(dirs))
    return list(dirs), _ENV[dirs]


DIAG_LINE = re.compile(r"^[^\n\r]+?:\d+: (error|warning): [^\n\r]+$")
SAFE_OUTPUT = re.compile(r"^(?!/)(?!.*(^|/)\.\.?(/|$))[^\\\x00-\x1f\x7f]+$")


def check_diagnostics(diagnostics, files: dict[str, bytes]) -> None:
    for d in diagnostics:
        assert isinstance(d, Diagnostic), d
        assert d.severity in ("error", "warning"), d
        assert isinstance(d.line, int) and d.line >= 1, d
        assert isinstance(d.message, str) and d.message.strip(), d
        assert DIAG_LINE.match(str(d)), repr(str(d))
        paths = {printable(p): p for p in files}
        assert d.path in paths, d
        n_lines = files[paths[d.path]].count(b"\n") + 1
        assert d.line <= n_lines + 1, f"{d} is past the end of the file ({n_lines} lines)"


def run_pipeline(files: dict[str, bytes], render: bool = True):
    """The pure pipeline, as ``okrsite build`` runs it, on in-memory files. Returns the
    diagnostics (config errors included) and the output files (when it rendered)."""
    config_bytes = files["okrsite.yaml"]
    try:
        config, warnings = parse_config(config_bytes, root="/nonexistent-site", path="okrsite.yaml")
    except ConfigError as exc:
        check_diagnostics(exc.diagnostics, files)
        assert any(d.severity == "error" for d in exc.diagnostics)
        return exc.diagnostics, {}
    config.search = False
    sources = [SourceFile(p, data) for p, data in files.items() if p != "okrsite.yaml"]
    diags = Diagnostics()
    site = build_mod.compute_site(config, sources, config.as_of or AS_OF, diags)
    diagnostics = list(warnings) + diags.sorted()
    check_diagnostics(diagnostics, files)
    out: dict[str, bytes] = {}
    if render and not diags.errors:
        dirs, env = environment(config)
        rdiags = Diagnostics()
        out = build_mod.render_output(site, dirs, rdiags, env)
        assert not rdiags.errors, rdiags.errors  # a clean load renders
        for path, data in out.items():
            assert SAFE_OUTPUT.match(path), path  # nothing outside the output folder
            if path.endswith((".html", ".json", ".xml", ".csv")):
                data.decode("utf-8")  # always valid UTF-8 (lone surrogates never get out)
        json.loads(out["okrs.json"])
    return diagnostics, out


# --------------------------------------------------------------------------- the tests


@st.composite
def sites(draw):
    files = dict(BASE)
    files["okrsite.yaml"] = BASE_CONFIG
    chosen = draw(st.lists(st.sampled_from(sorted(KINDS) + ["config"]), min_size=1, max_size=3, unique=True))
    for kind in chosen:
        if kind == "config":
            doc = draw(CONFIG)
            doc.setdefault("as_of", "2026-11-20")
            doc["search"] = False
            doc.pop("theme", None)
            files["okrsite.yaml"] = dump(doc, draw(st.booleans()), True).encode("utf-8", "surrogatepass")
        else:
            files[KINDS[kind][0]] = draw(documents(kind))
    return files


@settings(max_examples=examples(1500), **FUZZ)
@given(sites())
@example({**BASE, "okrsite.yaml": BASE_CONFIG})
@example(
    {
        **BASE,
        "okrsite.yaml": BASE_CONFIG + b"periods:\n  - {id: FAR, start: 9999-01-01, end: 9999-12-31}\n",
        "content/teams/t/FAR/checkins/9999-12-31.md": b"---\ndate: 9999-12-31\n---\n",
    }
)
@example(
    {
        **BASE,
        "okrsite.yaml": BASE_CONFIG,
        "content/teams/t/2026-Q4/o.md": b"---\ntitle: O\nkey_results:\n  - {id: k1, title: A, start: 0, target: 1"
        + b"0" * 400
        + b"}\n---\n",
    }
)
@example(
    {
        **BASE,
        "okrsite.yaml": BASE_CONFIG,
        "content/teams/t/2026-Q4/o.md": b"---\ntitle: 0x"
        + b"f" * 5000
        + b"\nkey_results: [{title: a, start: 0, target: 1}]\n---\n",
    }
)
@example(
    {
        **BASE,
        "okrsite.yaml": BASE_CONFIG,
        "content/teams/t/2026-Q4/o.md": b"---\ntitle: O\nowner: A\nkey_results:\n  - {id: k1, title: A, start: 0, target: 5.0e-324}\n  - {id: k2, title: B, start: -1.0e+308, target: 1.0e+308}\n---\n",
        "content/teams/t/2026-Q4/checkins/2026-11-13.md": b"---\ndate: 2026-11-13\nkey_results:\n  o/k1: 1.0e+308\n  o/k2: -1.0e+308\n---\n",
    }
)
@example(
    {
        **BASE,
        "okrsite.yaml": BASE_CONFIG,
        "content/teams/t/2026-Q4/o.md": b'---\ntitle: "\\ud800"\nowner: "\\udfff"\nkey_results: [{title: "x\\ud800", target: 1}]\n---\n\\ud800',
    }
)
def test_any_content_gives_diagnostics_or_a_clean_build(files):
    run_pipeline(files)


@settings(max_examples=examples(500), **FUZZ)
@given(st.sampled_from(sorted(KINDS)).flatmap(lambda k: st.tuples(st.just(k), documents(k))))
def test_parse_never_raises_and_keeps_its_bounds(kind_and_data):
    """The parse step alone, under tight limits too: problems are returned, never raised."""
    _, data = kind_and_data
    for depth, nodes in ((50, 20_000), (3, 20)):
        parsed = parse(data, True, depth, nodes)
        for line, severity, message in parsed.problems:
            assert line >= 1 and severity in ("error", "warning") and message


@settings(max_examples=examples(500), **FUZZ)
@given(
    st.one_of(
        CONFIG.map(lambda d: dump(d, False, True).encode("utf-8", "surrogatepass")),
        st.binary(max_size=200),
        anything.map(lambda d: dump(d, True, False).encode()),
    )
)
def test_config_raises_only_config_error(data):
    try:
        config, warnings = parse_config(data, root="/x", path="okrsite.yaml")
    except ConfigError as exc:
        assert exc.diagnostics and all(DIAG_LINE.match(str(d)) for d in exc.diagnostics)
        return
    for d in warnings:
        assert DIAG_LINE.match(str(d)) and d.severity == "warning"
    limits = config.limits
    assert limits.max_file_kb >= 1 and limits.max_key_results >= 1 and limits.max_yaml_depth >= 2
    assert 0 <= config.grading_window_days <= 3660


@settings(max_examples=examples(200), **FUZZ)
@given(
    st.lists(
        st.tuples(
            st.lists(
                st.one_of(
                    st.sampled_from(
                        [
                            "teams",
                            "t",
                            "T",
                            "2026-Q4",
                            "2026-q4",
                            "checkins",
                            "..",
                            ".",
                            "",
                            "_index.md",
                            "o.md",
                            "O.md",
                            "retro.md",
                            "backlog.md",
                            "2026-11-13.md",
                            "Late.md",
                            "late.md",
                            "a\nb.md",
                            "é.md",
                            "-x.md",
                            "x y.md",
                            "con.md",
                        ]
                    ),
                    st.text(max_size=8),
                ),
                min_size=1,
                max_size=5,
            ).map(lambda parts: "content/" + "/".join(parts)),
            st.sampled_from(list(BASE.values())),
        ),
        max_size=6,
    )
)
def test_any_file_names(paths):
    """Files anywhere, named anything (in memory: what gather could give): diagnostics,
    and nothing rendered outside the output folder."""
    files = dict(BASE)
    files["okrsite.yaml"] = BASE_CONFIG
    for path, data in paths:
        files.setdefault(path, data)
    run_pipeline(files)
