"""The rule-set files of the criteria: shipped sets load; malformed data is rejected by the loader."""

from __future__ import annotations

import copy
import json
from datetime import date
from importlib import resources
from typing import Any

import pytest

from mse.rules.criteria import RuleSetError, ruleset_in_force, rulesets
from mse.rules.criteria.rulesets import parse_ruleset, validate_rulesets


def raw(set_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("mse.rules.criteria.data").joinpath(f"{set_id}.json").read_text(encoding="utf-8"))
    return data


def test_shipped_sets() -> None:
    sets = rulesets()
    assert [s.id for s in sets] == ["585n", "374n"]
    assert (sets[0].valid_from, sets[0].valid_to, sets[1].valid_from) == (date(2020, 1, 1), date(2025, 2, 28), date(2025, 3, 1))
    assert sets[1].has("crg.appendix")
    assert not sets[0].has("crg.appendix")
    assert sets[1].entry("outcome.adult_limitations").verified is False  # [K]: only a warning
    assert ruleset_in_force(date(2019, 12, 31)) is None


def _mutate(set_id: str, fn: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw(set_id))
    fn(data)
    return data


def _drop(suffix: str) -> Any:
    return lambda d: d.__setitem__("entries", [e for e in d["entries"] if not e["id"].endswith(suffix)])


def _entry(suffix: str, **changes: Any) -> Any:
    def fn(d: dict[str, Any]) -> None:
        for e in d["entries"]:
            if e["id"].endswith(suffix):
                e.update(changes)
    return fn


@pytest.mark.parametrize("mutation", [
    lambda d: d.__setitem__("extra", 1),  # unknown key of a set
    _entry("scale", colour="red"),  # unknown key of an entry
    _entry("scale", verified="yes"),  # verified must be a boolean
    _entry("scale", id="374n.scale"),  # id of another set
    _drop("degree.III"),  # a required entry missing
    _entry("degree.III", value={"min": 80, "max": 80, "label": "x", "option": 3}),  # a gap: 70 % belongs to no degree
    _entry("outcome.adult", value={"I": "80.5", "II": "80.3", "III": "80.2"}),  # IV missing
    _entry("term.child", value={"options": [{"fnsi": "1", "years": 1}], "default": "9"}),
    lambda d: d.__setitem__("valid_to", "2019-01-01"),  # valid_to before valid_from
    lambda d: d["entries"].append(dict(d["entries"][0])),  # duplicate entry
    lambda d: d["entries"].append({**d["entries"][0], "id": "585n.unknown.rule"}),  # unknown entry
])
def test_bad_set_rejected(mutation: Any) -> None:
    with pytest.raises(RuleSetError):
        parse_ruleset(_mutate("585n", mutation))


def test_overlapping_validity_rejected() -> None:
    later = _mutate("374n", lambda d: d.__setitem__("valid_from", "2025-02-28"))
    with pytest.raises(RuleSetError, match="overlaps"):
        validate_rulesets([raw("585n"), later])
    open_ended = _mutate("585n", lambda d: d.__setitem__("valid_to", None))
    with pytest.raises(RuleSetError, match="overlaps"):
        validate_rulesets([open_ended, raw("374n")])
    with pytest.raises(RuleSetError, match="duplicate"):
        validate_rulesets([raw("585n"), _mutate("585n", lambda d: d.update(valid_from="2030-01-01", valid_to=None))])
    assert [s.id for s in validate_rulesets([raw("374n"), raw("585n")])] == ["585n", "374n"]
