"""okrs.json is encoded by ``export.dumps``, a faster stand-in for
``json.dumps(indent=2, ensure_ascii=False)``: the characters must be exactly json's,
whatever the data (the golden file covers the sample's bytes; this covers the rest)."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import REPO
from okrsite.build import build
from okrsite.config import read_config
from okrsite.export import dumps, export_data, export_json


def reference(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


class Level(enum.IntEnum):
    LOW = 1


class Tagged(dict):
    pass


scalars = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text())
keys = st.text() | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
values = st.recursive(
    scalars,
    lambda inner: (st.lists(inner, max_size=5) | st.lists(inner, max_size=3).map(tuple)
                   | st.dictionaries(keys, inner, max_size=5)
                   | st.dictionaries(st.text(), inner, max_size=3).map(Tagged)),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(values)
@example({"a": [], "b": {}, "c": [[]], "d": [{}], "e": [1, [2, [3]]]})
@example([float("nan"), float("inf"), -float("inf"), -0.0, 1e300, 5e-324, 0.1 + 0.2])
@example({"quote \" and \\ and \n": "é, ✓, \u2028, \x00, \ud800"})
@example({1: "one", 1.5: "x", True: "t", None: "n"})
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
    assert export_json(sample) == (reference(data) + "\n").encode("utf-8")


def test_dumps_joins_its_parts_in_pieces_without_changing_a_character(sample, monkeypatch):
    data = export_data(sample)
    whole = dumps(data)
    monkeypatch.setattr("okrsite.export._FLUSH", 3)
    assert dumps(data) == whole == reference(data)
    assert dumps({"a": [1, {"b": [2, 3, {"c": "d"}]}], "e": {}}) == reference({"a": [1, {"b": [2, 3, {"c": "d"}]}], "e": {}})
