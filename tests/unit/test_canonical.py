"""Canonical JSON: the bytes that signatures of JSON documents (the protocol of МСЭ) are made over."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mse.domain.canonical import canonical_json

_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)
_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _text
json_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_text, children, max_size=5),
    max_leaves=30,
)


@given(json_values)
def test_canonical_form_is_a_fixed_point_of_parsing(value: Any) -> None:
    once = canonical_json(value)
    assert canonical_json(json.loads(once)) == once


@given(st.dictionaries(_text, json_values, max_size=8), st.randoms(use_true_random=False))
def test_key_order_does_not_matter(obj: dict[str, Any], rnd: Any) -> None:
    items = list(obj.items())
    rnd.shuffle(items)
    assert canonical_json(dict(items)) == canonical_json(obj)


def test_exact_bytes() -> None:
    doc = {"б": [1, 2.5, True, None], "a": {"z": "Ёлкин\n\"П\"", "y": -0.0}, "A": 1.0}
    assert canonical_json(doc) == '{"A":1.0,"a":{"y":-0.0,"z":"Ёлкин\\n\\"П\\""},"б":[1,2.5,true,null]}'.encode()


def test_nested_key_order_is_sorted_at_every_level() -> None:
    assert canonical_json({"b": {"d": 1, "c": 2}, "a": [{"f": 1, "e": 2}]}) == b'{"a":[{"e":2,"f":1}],"b":{"c":2,"d":1}}'


def test_tuples_are_arrays() -> None:
    assert canonical_json((1, "x")) == canonical_json([1, "x"]) == b'[1,"x"]'


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, {"x": [1, math.nan]}])
def test_rejects_nan_and_infinities(bad: Any) -> None:
    with pytest.raises(ValueError, match="NaN and infinities"):
        canonical_json(bad)


@pytest.mark.parametrize("bad", [{1: "a"}, {None: 1}, {"x": {("t",): 1}}])
def test_rejects_non_string_keys(bad: Any) -> None:
    with pytest.raises(ValueError, match="not a string"):
        canonical_json(bad)


@pytest.mark.parametrize("bad", [{"x": b"bytes"}, {1, 2}, object(), [1, 2j]])
def test_rejects_values_that_are_not_json(bad: Any) -> None:
    with pytest.raises(ValueError, match="not a JSON value"):
        canonical_json(bad)


def test_rejects_lone_surrogates() -> None:
    with pytest.raises(ValueError, match="lone surrogate"):
        canonical_json({"name": "a\ud800b"})
    with pytest.raises(ValueError, match="lone surrogate"):
        canonical_json({"a\udfff": 1})


def test_rejects_cycles() -> None:
    looped: list[Any] = [1]
    looped.append(looped)
    with pytest.raises(ValueError, match="cycle"):
        canonical_json({"x": looped})


def test_shared_subtrees_are_not_cycles() -> None:
    shared = {"k": 1}
    assert canonical_json([shared, shared]) == b'[{"k":1},{"k":1}]'
