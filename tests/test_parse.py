"""The parse step's fast paths give exactly what the slow ones give.

YAML: the C composer (``parse._CLoader``, used when libyaml bounds nesting itself)
against PyYAML's composer in Python with okrsite's depth bound (``parse._Loader``).
Loading ahead: ``load.parse_ahead`` fills the parse cache with every entry ``load``
asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrsite import parse as parse_mod
from okrsite.config import read_config
from okrsite.diagnostics import Diagnostics
from okrsite.gather import gather
from okrsite.load import ParseCache, load, parse_ahead
from okrsite.parse import LineDict, LineList, parse

from test_fuzz import BASE, BASE_CONFIG, KINDS, documents

REPO = Path(__file__).resolve().parent.parent
SITES = [REPO / "okrsite.yaml", *sorted((REPO.parent / "shared" / "real-okrs").glob("*/okrsite.yaml"))]


def shape(value):
    """A parsed value with every line number in it, for comparing two parses."""
    if isinstance(value, LineDict):
        return ("D", value.line, dict(value.key_lines), dict(value.value_lines),
                [(k, type(k).__name__, shape(v)) for k, v in value.items()])
    if isinstance(value, LineList):
        return ("L", value.line, list(value.item_lines), [shape(v) for v in value])
    return (type(value).__name__, value)


def both(data: bytes, monkeypatch, **bounds):
    """(parse with the C composer, parse with the Python composer)."""
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


@pytest.mark.parametrize("config", SITES, ids=lambda p: p.parent.name)
def test_both_composers_parse_real_content_alike(config, monkeypatch):
    cfg, _ = read_config(config)
    sources = gather(cfg, Diagnostics())
    assert len(sources) > 20
    for source in sources:
        same(*both(source.data, monkeypatch))


@pytest.mark.parametrize("text", [
    "a: [" * 60 + "1" + "]" * 60,  # too deep: the same node and line either way
    "a:\n" + "".join("  " * i + "- \n" for i in range(60)) + "  " * 60 + "- x\n",
    "a: " + "[" * 100_000,  # libyaml's own bound, before either composer
    "a: &x [1, 2]\nb: *x\nc: {<<: {d: 1}, e: 2}\nd: 1\nd: 2\n",  # aliases, merge keys, duplicates
    "a: 1\n  b: 2\n",  # a syntax error
    "a: 2026-11-20\nb: 0x1F\nc: .inf\nd: ~\ne: yes\nf: '1'\ng: !!str 3\nh: 1_000\n",  # implicit types
    "x" * 150 + ": 1\n" + "y: " + "1" * 150 + "\n",  # values too long to memoise their tag
])
def test_both_composers_agree_on_hard_cases(text, monkeypatch):
    same(*both(f"---\n{text}---\nbody\n".encode(), monkeypatch))
    same(*both(f"---\n{text}---\n".encode(), monkeypatch, max_depth=3, max_nodes=5))


@pytest.mark.parametrize("text, max_depth", [
    ("title: t\n<<: [" + "{x: " * 49 + "1" + "}" * 49 + "]\n", 50),
    ("<<: [{a: 1}]\n", 2),
])
def test_merged_lists_are_as_deep_as_they_are_written(text, max_depth, monkeypatch):
    """In ``<<: [{...}]`` the converter takes the merged mappings one level up from
    where they are written; such documents are composed in Python, which counts the
    levels as written: too deep for both composers' paths."""
    fast, slow = both(f"---\n{text}---\n".encode(), monkeypatch, max_depth=max_depth)
    same(fast, slow)
    assert [p[2].split(":")[0] for p in fast.problems] == ["front matter nested too deeply"]


YAML_11_EDGES = ["", "~", "null", "Null", "NULL", "true", "True", "TRUE", "yes", "Yes", "on", "Off", "n", "y", "0", "-0",
                 "+12", "0o17", "017", "0x1F", "0b101", "1_000", "190:20:30", "1.5", "-.5", "1e3", "1.0e+3", ".inf",
                 "-.Inf", ".NaN", "6.8523015e+5", "685.230_15e+03", "2026-11-20", "2026-11-20T10:00:00Z",
                 "2026-1-2 3:04:05", "=", "<<", "1 2", "0.", "._", "12:30", "1:2:3.5", "x" * 100, "1" * 101]


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.sampled_from(YAML_11_EDGES), st.text(max_size=12),
                 st.from_regex(r"[-+]?[0-9_.:eE]{1,10}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", fullmatch=True)))
def test_memoised_tags_are_pyyamls(value):
    """The memo of implicit tags (``parse._plain_tag``) gives what PyYAML's resolver gives."""
    expected = yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))
    assert parse_mod._MemoResolver().resolve(yaml.ScalarNode, value, (True, False)) == expected
    assert parse_mod._MemoResolver().resolve(yaml.ScalarNode, value, (False, True)) == yaml.resolver.Resolver.DEFAULT_SCALAR_TAG


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(KINDS)), data=st.data())
def test_both_composers_agree_on_fuzzed_files(kind, data, monkeypatch):
    same(*both(data.draw(documents(kind)), monkeypatch))


class Recording(ParseCache):
    """A parse cache that records what it was asked for and did not hold."""

    def __init__(self, ahead: ParseCache):
        super().__init__()
        self.parsed, self.html = dict(ahead.parsed), dict(ahead.html)
        self.missed: list = []

    def parse(self, data, front_matter, limits=None):
        before = len(self.parsed)
        parsed = super().parse(data, front_matter, limits)
        if len(self.parsed) != before:
            self.missed.append(data[:60])
        return parsed

    def render(self, md, text):
        before = len(self.html)
        html = super().render(md, text)
        if len(self.html) != before:
            self.missed.append(text[:60])
        return html


@pytest.mark.parametrize("config", SITES, ids=lambda p: p.parent.name)
def test_parse_ahead_holds_every_parse_load_asks_for(config):
    cfg, _ = read_config(config)
    sources = gather(cfg, Diagnostics())
    ahead = ParseCache()
    parse_ahead(sources, cfg, ahead)
    recording = Recording(ahead)
    diags = Diagnostics()
    load(sources, cfg, cfg.as_of, diags, cache=recording)
    assert recording.missed == []
    # and nothing it parsed was left unused (these sites have no skipped files)
    assert len(recording.parsed) == len(ahead.parsed) and len(recording.html) == len(ahead.html)


def test_parse_ahead_on_files_with_problems(tmp_path):
    """Files outside the layout, too large or unreadable are skipped as load skips them."""
    from okrsite.config import parse_config
    from okrsite.model import SourceFile

    config, _ = parse_config(BASE_CONFIG + b"limits: {max_file_kb: 1}\n", root=str(tmp_path))
    files = dict(BASE)
    files["content/teams/t/2026-Q4/big.md"] = b"---\ntitle: " + b"x" * 2000 + b"\n---\n"
    files["content/elsewhere.md"] = b"---\ntitle: not in the layout\n---\n"
    files["content/teams/t/2026-Q4/bad.md"] = b"---\ntitle: [\n---\n"
    sources = [SourceFile(path, data) for path, data in sorted(files.items())]
    sources.append(SourceFile("content/teams/t/2026-Q4/gone.md", b"", problem="cannot read"))
    ahead = ParseCache()
    parse_ahead(sources, config, ahead)
    recording = Recording(ahead)
    load(sources, config, config.as_of, Diagnostics(), cache=recording)
    assert recording.missed == []
    assert len(ahead.parsed) == len(BASE) + 1  # the broken file is parsed (its error is a result)
