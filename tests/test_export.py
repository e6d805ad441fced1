"""okrs.json is encoded by ``export.dumps``: orjson, with json where orjson would write
other characters. The bytes must be exactly ``json.dumps(indent=2, ensure_ascii=False)``'s,
whatever the data with finite numbers (the golden file covers the sample's bytes; this
covers the rest)."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import REPO
from okrsite.builder.pipeline import build
from okrsite.core.config import read_config
from okrsite.site.export import dumps, export_data, export_json


def reference(value) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


class Level(enum.IntEnum):
    LOW = 1


class Tagged(dict):
    pass


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
)
keys = (
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
    | st.integers()
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.none()
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(keys, inner, max_size=5)
        | st.dictionaries(st.text(), inner, max_size=3).map(Tagged)
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(values)
@example({"a": [], "b": {}, "c": [[]], "d": [{}], "e": [1, [2, [3]]]})
@example([-0.0, 1e300, 5e-324, 0.1 + 0.2, 1e16, 1e-4, 5.2e-05, 1e-07, 1e-10, 2**64, -(2**63) - 1])
@example({'quote " and \\ and \n': "é, ✓, \u2028, \x00, \x7f, 0.0000 and 1e-7 in text"})
@example({1: "one", 1.5: "x", False: "f", None: "n"})
@example({'k\\": ': [1.5e-06, "a: 1e-5", "\n 1e-5", "0.0000"], "0.0000": -2e-7, "e-1": [[7e-05]]})
@example([Level.LOW, OrderedDict([("z", 1), ("a", [Level.LOW])]), Tagged(x=[Tagged(y=2)])])
def test_dumps_writes_exactly_what_json_dumps_writes(value):
    assert dumps(value) == reference(value)


@pytest.mark.parametrize("bad", [{1, 2}, {"a": object()}, [b"bytes"], {(1, 2): "tuple key"}])
def test_what_json_cannot_encode_raises_type_error_as_json_does(bad):
    with pytest.raises(TypeError):
        reference(bad)
    with pytest.raises(TypeError):
        dumps(bad)


@pytest.fixture(scope="module")
def sample():
    config, _ = read_config(REPO / "okrsite.yaml")
    return build(config, config.as_of, render_pages=False).site


def test_the_sample_export_is_json_dumps_of_the_data(sample):
    data = export_data(sample)
    assert data["objectives"] and data["checkins"]
    assert export_json(sample) == reference(data)


def test_the_sample_export_is_written_by_orjson(sample, monkeypatch):
    expected, calls = reference(export_data(sample)), []
    monkeypatch.setattr("okrsite.site.export.json.dumps", lambda *a, **k: calls.append(a) or "")
    assert export_json(sample) == expected and calls == []


def test_a_lone_surrogate_cannot_be_written_as_utf8_as_before():
    with pytest.raises(UnicodeEncodeError):
        dumps({"title": "\ud800"})
