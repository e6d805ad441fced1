"""The parse step's fast paths give exactly what the slow ones give.

YAML: the C composer (``parse._CLoader``, used when libyaml bounds nesting itself)
against PyYAML's composer in Python with okrsite's depth bound (``parse._Loader``):
values, their types, every line, and the problem found.
Parsing before loading: ``parse_all`` gives every parse ``load`` asks for."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrsite.core import parse as parse_mod
from okrsite.core.config import read_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.builder.gather import gather
from okrsite.builder.parallel import parse_all
from okrsite.core import load as load_mod
from okrsite.core.load import load
from okrsite.core.parse import LineDict, LineList, parse

from conftest import real_okr_params
from test_fuzz import BASE, BASE_CONFIG, KINDS, documents

REPO = Path(__file__).resolve().parent.parent
ROUNDS = 60_000 if os.environ.get("OKRSITE_LONG_TESTS") == "1" else 6_000
# The sample, and the real OKR sets beside the repository (skipped, with the reason, on a clone)
SITES = [pytest.param(REPO / "okrsite.yaml", id="sample"), *real_okr_params(path=lambda d: d / "okrsite.yaml")]


def shape(value):
    """A parsed value with every line number in it, for comparing two parses."""
    if isinstance(value, LineDict):
        return (
            "D",
            value.line,
            dict(value.key_lines),
            dict(value.value_lines),
            [(k, type(k).__name__, shape(v)) for k, v in value.items()],
        )
    if isinstance(value, LineList):
        return ("L", value.line, list(value.item_lines), [shape(v) for v in value])
    return (type(value).__name__, value)


def both(data: bytes, monkeypatch, **bounds):
    """(parse as okrsite does, with the C composer; parse with the Python composer alone)."""
    fast = parse(data, **bounds)
    with monkeypatch.context() as m:
        m.setattr(parse_mod, "_CLoader", parse_mod._Loader)
        slow = parse(data, **bounds)
    return fast, slow


def same(fast, slow) -> None:
    assert shape(fast.meta) == shape(slow.meta)
    assert (fast.body, fast.body_line, fast.problems) == (slow.body, slow.body_line, slow.problems)


def test_the_c_composer_is_used_here():
    """PyYAML 6.0.4 bundles libyaml 0.2.6, which stops at 1,000 levels of nesting."""
    assert parse_mod._CLoader is not parse_mod._Loader
    assert parse_mod._c_composer_is_bounded(yaml.cyaml.CParser)

    class Unbounded:  # a libyaml that composes any depth
        def __init__(self, text):
            pass

        def get_single_node(self):
            return None

        def dispose(self):
            pass

    assert not parse_mod._c_composer_is_bounded(Unbounded)


@pytest.mark.parametrize("config", SITES)
def test_both_composers_parse_real_content_alike(config, monkeypatch):
    cfg, _ = read_config(config)
    sources = gather(cfg, Diagnostics())
    assert len(sources) > 20
    for source in sources:
        same(*both(source.data, monkeypatch))


@pytest.mark.parametrize(
    "text",
    [
        "a: [" * 60 + "1" + "]" * 60,  # too deep: the same node and line either way
        "a:\n" + "".join("  " * i + "- \n" for i in range(60)) + "  " * 60 + "- x\n",
        "a: " + "[" * 100_000,  # libyaml's own bound, before either composer
        "a: &x [1, 2]\nb: *x\nc: {<<: {d: 1}, e: 2}\nd: 1\nd: 2\n",  # aliases, merge keys, duplicates
        "a: 1\n  b: 2\n",  # a syntax error
        "a: 2026-11-20\nb: 0x1F\nc: .inf\nd: ~\ne: yes\nf: '1'\ng: !!str 3\nh: 1_000\n",  # implicit types
        "x" * 150 + ": 1\n" + "y: " + "1" * 150 + "\n",  # values too long to memoise their tag
    ],
)
def test_both_composers_agree_on_hard_cases(text, monkeypatch):
    same(*both(f"---\n{text}---\nbody\n".encode(), monkeypatch))
    same(*both(f"---\n{text}---\n".encode(), monkeypatch, max_depth=3, max_nodes=5))


@pytest.mark.parametrize(
    "text, max_depth",
    [
        ("title: t\n<<: [" + "{x: " * 49 + "1" + "}" * 49 + "]\n", 50),
        ("<<: [{a: 1}]\n", 2),
    ],
)
def test_merged_lists_are_as_deep_as_they_are_written(text, max_depth, monkeypatch):
    """In ``<<: [{...}]`` the converter takes the merged mappings one level up from
    where they are written; such documents are composed in Python, which counts the
    levels as written: too deep for both composers' paths."""
    fast, slow = both(f"---\n{text}---\n".encode(), monkeypatch, max_depth=max_depth)
    same(fast, slow)
    assert [p[2].split(":")[0] for p in fast.problems] == ["front matter nested too deeply"]


YAML_11_EDGES = [
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "true",
    "True",
    "TRUE",
    "yes",
    "Yes",
    "on",
    "Off",
    "n",
    "y",
    "0",
    "-0",
    "+12",
    "0o17",
    "017",
    "0x1F",
    "0b101",
    "1_000",
    "190:20:30",
    "1.5",
    "-.5",
    "1e3",
    "1.0e+3",
    ".inf",
    "-.Inf",
    ".NaN",
    "6.8523015e+5",
    "685.230_15e+03",
    "2026-11-20",
    "2026-11-20T10:00:00Z",
    "2026-1-2 3:04:05",
    "=",
    "<<",
    "1 2",
    "0.",
    "._",
    "12:30",
    "1:2:3.5",
    "x" * 100,
    "1" * 101,
]


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.sampled_from(YAML_11_EDGES),
        st.text(max_size=12),
        st.from_regex(r"[-+]?[0-9_.:eE]{1,10}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", fullmatch=True),
    )
)
def test_memoised_tags_are_pyyamls(value):
    """The memo of implicit tags (``parse._plain_tag``) gives what PyYAML's resolver gives."""
    expected = yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))
    assert parse_mod._MemoResolver().resolve(yaml.ScalarNode, value, (True, False)) == expected
    assert (
        parse_mod._MemoResolver().resolve(yaml.ScalarNode, value, (False, True))
        == yaml.resolver.Resolver.DEFAULT_SCALAR_TAG
    )


@pytest.mark.parametrize("kind", [yaml.SequenceNode, yaml.MappingNode])
def test_collections_get_pyyamls_tags(kind):
    for implicit in (True, False):
        expected = yaml.resolver.Resolver().resolve(kind, None, implicit)
        assert parse_mod._MemoResolver().resolve(kind, None, implicit) == expected


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(kind=st.sampled_from(sorted(KINDS)), data=st.data())
def test_both_composers_agree_on_fuzzed_files(kind, data, monkeypatch):
    same(*both(data.draw(documents(kind)), monkeypatch))


# --------------------------------------------------------------------------- front matter alone


def composed(text: str, offset: int = 1, max_depth: int = parse_mod.MAX_DEPTH, max_nodes: int = parse_mod.MAX_NODES):
    """What ``loader`` (PyYAML's composer in Python unless told) gives, or the problem it finds."""
    return read_with(parse_mod._Loader, text, offset, max_depth, max_nodes)


def read_with(
    loader, text: str, offset: int = 1, max_depth: int = parse_mod.MAX_DEPTH, max_nodes: int = parse_mod.MAX_NODES
):
    try:
        data, duplicates = parse_mod._load_yaml(loader, text, offset, max_depth, max_nodes)
    except parse_mod.YamlProblem as exc:
        return ("problem", exc.line, exc.message)
    return shape(data), duplicates


def c_is_composed(text: str, **bounds) -> bool:
    """Whether okrsite's way (``load_yaml``: the C composer, the Python one for a
    problem) gives what the composer in Python gives: the same shape, lines and
    duplicate warnings, or the same problem at the same line."""
    try:
        data, duplicates = parse_mod.load_yaml(text, 1, **bounds)
        got = (shape(data), duplicates)
    except parse_mod.YamlProblem as exc:
        got = ("problem", exc.line, exc.message)
    return got == composed(text, 1, **bounds)


def front_matters(folder: Path) -> list[str]:
    out = []
    for path in sorted(folder.rglob("*.md")):
        fm = parse_mod.split_front_matter(parse_mod.decode(path.read_bytes()))[0]
        if fm is not None:
            out.append(fm)
    return out


def check_all(texts: list[str], **bounds) -> int:
    """How many of ``texts`` the C composer reads without a problem; each one as the
    composer in Python reads it."""
    clean = 0
    for text in texts:
        assert c_is_composed(text, **bounds), f"the C composer and the Python one differ on {text!r}"
        clean += read_with(parse_mod._CLoader, text)[0] != "problem"
    return clean


@pytest.fixture(scope="module")
def synthetic_front_matter(synthetic_content) -> list[str]:
    return front_matters(synthetic_content)


def test_every_synthetic_file_is_read_in_c(synthetic_front_matter):
    assert check_all(synthetic_front_matter) == len(synthetic_front_matter) > 500


@pytest.mark.parametrize("config", SITES)
def test_real_files_are_read_in_c_as_in_python(config):
    found = front_matters(config.parent / "content")
    assert check_all(found) == len(found)


@pytest.mark.parametrize(
    "text",
    [
        'date: 2026-10-02\nauthor: "Ines Duarte"\nkey_results:\n  a/b: 605\n  a/c:\n    value: 41.9\n'
        '    note: "New: dashboard # not a comment"\n  a/d: {progress: 0}\n',
        "title: 'Single # quoted'  # a comment\ntags: [customer, tech-debt]\nempty: []\nnone: {}\n",
        "key_results:\n  - id: a\n    start: -5\n    target: 1e3\n  -   id: b\n      type: stay_above\n",
        "list:\n- a\n- 1.5\n- ~\nnext: yes\n",  # a list at its key's indentation
        "# a comment first\n\na: 1  \n  # an indented comment\nb: C#\nc: http://x.y/z?a=1\nd: a, b\n",
        "a:\n    b:\n      - x\n      - y: 1\n        z: 0x1F\n",
        "when: 2026-11-20T10:00:00Z\ncount: 1_000\nratio: .inf\n",
        "a: &x 1\nb: *x\n",
        "<<: {a: 1}\n",
        "a: !!str 1\n",
        "a: |\n  text\n",
        "a: >\n  text\n",
        "a: 1\na: 2\n",  # duplicates: a warning each
        "a:\n",
        "a:\nb: 1\n",  # empty values
        "a: one\n  two\n",  # a plain value over two lines
        'a: "two\n  lines"\n',
        'a: "esc\\t"\n',
        "a: 'it''s'\n",
        'a: "x" y\n',
        "a: b: c\n",
        "a: b:\n",
        "a: [x, [y]]\n",
        "a: {b: {c: 1}}\n",
        "a: [x,]\n",
        "a: {b:1}\n",
        'a: ["q"]\n',
        "1: a\n",
        "yes: a\n",
        '"a": 1\n',
        "a b: 1\n",
        "é: 1\n",
        "a:1\n",
        "[a]: 1\n",
        "? {a: 1}\n: 2\n",
        "a:\n\tb: 1\n",
        "a: x\u2028y\n",
        "a: x\x07\n",
        "\ufeffa: 1\n",
        "- a\n",
        "  a: 1\n",
        "a: 1\n- b\n",
        "a:\n  - x\n  y: 1\n",
        "a:\n  b: 1\n c: 2\n",
        "a: %x\n",
        "a: @x\n",
        "a: `x\n",
        "a: ?x\n",
        "a: -\n",
        "a: - x\n",
        "...\n",
        "--- a\n",
        "a: 0x" + "F" * 300 + "\n",
        "a: !!int x\n",
        "a: !!foo x\n",  # scalars front matter cannot keep
    ],
)
def test_the_c_composer_reads_front_matter_as_python_does(text):
    assert c_is_composed(text)


def test_the_limits_stop_both_composers_at_the_same_value():
    deep = "".join("  " * i + f"k{i}:\n" for i in range(5)) + "  " * 5 + "k: 1\n"
    for max_depth in (4, 5, 6):
        assert c_is_composed(deep, max_depth=max_depth)
    assert composed(deep, max_depth=5)[0] == "problem" and composed(deep, max_depth=6)[1] == []
    wide = "".join(f"k{i}: {i}\n" for i in range(10))
    for max_nodes in (20, 21):
        assert c_is_composed(wide, max_nodes=max_nodes)
    assert composed(wide, 1, max_nodes=20)[0] == "problem" and composed(wide, 1, max_nodes=21)[1] == []


VALUES = [
    "v",
    "1",
    "-5",
    "1.5",
    "1e3",
    "0x1F",
    "0o17",
    "yes",
    "No",
    "~",
    "null",
    "2026-10-02",
    "'q'",
    '"q"',
    "{a: 1}",
    "{a: 1, b: x}",
    "{}",
    "[a, b]",
    "[]",
    "v # c",
    "v#c",
    "http://x.y",
    "C#",
    "a  b",
    ".inf",
    ".nan",
    "1_000",
    "190:20:30",
    "a, b",
    "é ü",
    '"a: #b"',
    "'x # y'",
    "-.inf",
    "0b101",
    "+12",
    "1:20",
]
KEYS = ["a", "b", "c", "key_results", "x-y/z", "id", "title", "value", "2026-10-02", "_k", "a.b"]
MUTATIONS = [
    *"ab01 :-#'\"{}[],&*!|>%@`?~.\\\t",
    "\n",
    "\n  ",
    "\n- ",
    "- ",
    ": ",
    "  ",
    "key: v\n",
    "\n    ",
    "yes",
    "null",
    "1.5",
    "<<: ",
    "\u2028",
    "\xa0",
    "é",
]  # no lone surrogate: decode() never gives one


def tree(rng: random.Random, indent: int, depth: int, out: list[str], first: str | None = None) -> None:
    """A random block mapping, as people indent them (2 or 4 spaces, lists at their
    key's indentation or under it, comments and blank lines here and there)."""
    for j, key in enumerate(rng.sample(KEYS, rng.randint(1, 4))):
        head = first if j == 0 and first is not None else " " * indent
        r = rng.random()
        if depth > 3 or r < 0.6:
            out.append(f"{head}{key}: {rng.choice(VALUES)}")
        elif r < 0.8:
            out.append(f"{head}{key}:")
            tree(rng, indent + rng.choice([2, 4]), depth + 1, out)
        else:
            out.append(f"{head}{key}:")
            at = indent + rng.choice([0, 2])
            for _ in range(rng.randint(1, 3)):
                if depth > 2 or rng.random() < 0.5:
                    out.append(" " * at + "- " + rng.choice(VALUES))
                else:
                    gap = rng.choice([1, 1, 1, 3])
                    tree(rng, at + 1 + gap, depth + 2, out, first=" " * at + "-" + " " * gap)
        if rng.random() < 0.1:
            out.append(" " * rng.choice([0, indent, indent + 2]) + "# comment")
        if rng.random() < 0.05:
            out.append("")


def mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(text))
        text = text[:at] + rng.choice(MUTATIONS) + text[at + rng.choice([0, 0, 1, 2]) :]
    return text


def test_random_front_matter_is_read_as_the_composer_reads_it():
    rng = random.Random(2026)
    texts = []
    for _ in range(ROUNDS):
        lines: list[str] = []
        tree(rng, 0, 0, lines)
        text = "\n".join(lines) + "\n"
        texts.append(mutate(rng, text) if rng.random() < 0.3 else text)
    assert check_all(texts) > ROUNDS // 2


@pytest.mark.parametrize("config", SITES)
def test_mutated_real_front_matter_is_read_as_the_composer_reads_it(synthetic_front_matter, config):
    rng = random.Random(7)
    start = synthetic_front_matter + front_matters(config.parent / "content")
    assert check_all([mutate(rng, rng.choice(start)) for _ in range(ROUNDS)]) > ROUNDS // 10


def load_missing(monkeypatch, sources, config) -> list:
    """Load ``sources`` with what ``parse_all`` gives; the files the loader had to parse
    itself (it found no parse of them)."""
    missed: list = []
    real = load_mod.parse_file

    def recording(data, limits, md):
        missed.append(data[:60])
        return real(data, limits, md)

    monkeypatch.setattr(load_mod, "parse_file", recording)
    parsed = parse_all(sources, config)
    missed.clear()  # parse_all itself calls it
    load(sources, config, config.as_of, Diagnostics(), parsed=parsed)
    return missed


@pytest.mark.parametrize("config", SITES)
def test_parse_all_holds_every_parse_load_asks_for(config, monkeypatch):
    cfg, _ = read_config(config)
    sources = gather(cfg, Diagnostics())
    assert load_missing(monkeypatch, sources, cfg) == []


def test_parse_all_on_files_with_problems(tmp_path, monkeypatch):
    """Files outside the layout, too large or unreadable are skipped as load skips them."""
    from okrsite.core.config import parse_config
    from okrsite.core.model import SourceFile

    config, _ = parse_config(BASE_CONFIG + b"limits: {max_file_kb: 1}\n", root=str(tmp_path))
    files = dict(BASE)
    files["content/teams/t/2026-Q4/big.md"] = b"---\ntitle: " + b"x" * 2000 + b"\n---\n"
    files["content/elsewhere.md"] = b"---\ntitle: not in the layout\n---\n"
    files["content/teams/t/2026-Q4/bad.md"] = b"---\ntitle: [\n---\n"
    sources = [SourceFile(path, data) for path, data in sorted(files.items())]
    sources.append(SourceFile("content/teams/t/2026-Q4/gone.md", b"", problem="cannot read"))
    assert load_missing(monkeypatch, sources, config) == []
    assert len(parse_all(sources, config)) == len(BASE) + 1  # the broken file is parsed (its error is a result)
