"""The compiled validator (forms/compiled.py, issue 7 P2) reports exactly what the plain walk of the schema reports.

``reference_problems`` is the validator as it was before the schema was compiled: every item in form order, its
conditions through ``Condition.holds``, every value through ``validate._check_value``. The compiled path may only be
faster: the same problems — fields, codes, Russian messages — in the same order, for valid documents (the 088/у of the
tests and of the benchmark, the benchmark's full 389н protocol, generated protocols), for documents broken in the
drawn ways of the validator's property tests, and for any JSON value put in place of an item or a table cell.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

import pytest
from bench.p02_validation import big_referral
from bench.protocol.run import full_protocol
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mse.adapters.refdata.icd10 import icd10
from mse.domain.errors import FieldProblem
from mse.forms import FormSchema, Item, ItemType, form_in_force, load_form, validate_document
from mse.forms.compiled import top_key
from mse.forms.conditions import compute_facts
from mse.forms.validate import _check_value, _empty, _short
from mse.rules.intake import PERSON_KEYS
from tests.intake_support import rich_referral
from tests.unit.test_protocol_validator_properties import EDITIONS, FORM, WAYS, breakings, valid_protocols

Doc = dict[str, Any]
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example, HealthCheck.filter_too_much]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=_SLOW, phases=[Phase.explicit, Phase.reuse, Phase.generate])


def reference_problems(schema: FormSchema, data: Doc, *, icd_exists: Any = None, check_required: bool = True) -> list[FieldProblem]:
    """The uncompiled validator (validate_document before issue 7), kept here as the specification of the fast one."""
    problems: list[FieldProblem] = []
    known = {it.key for it in schema.items() if it.holds_value}
    for key in data:
        if key not in known:
            problems.append(FieldProblem(key, f"Поле «{key}» отсутствует в форме {schema.form_number or schema.form} (редакция {schema.version})", "unknown_field"))
    plain = dict(data)
    facts = compute_facts(schema.facts, plain)
    for it in schema.items():
        if not it.holds_value:
            continue
        value = data.get(it.key)
        shown = it.shown_if is None or it.shown_if.holds(plain, facts)
        if _empty(value):
            if check_required and shown and (it.required or (it.required_if is not None and it.required_if.holds(plain, facts))):
                problems.append(FieldProblem(it.key, f"Не заполнен обязательный пункт {it.code} «{_short(it.label)}»", "required"))
            continue
        if not shown:
            assert it.shown_if is not None
            problems.append(FieldProblem(it.key, f"Пункт {it.code} заполняется, только если {it.shown_if.describe()}", "not_applicable"))
            continue
        problems.extend(_check_value(it, value, it.key, icd_exists))
    return problems


def assert_same(schema: FormSchema, doc: Doc) -> list[FieldProblem]:
    icd = icd10().exists
    for kwargs in ({"icd_exists": icd}, {"icd_exists": None}, {"icd_exists": icd, "check_required": False}):
        fast = validate_document(schema, doc, **kwargs)
        assert fast == reference_problems(schema, doc, **kwargs), kwargs
    return fast


# Values that are not what an item expects, or are on the edge of it: every JSON shape, blanks, limits, bad codes.
ODD_VALUES: tuple[object, ...] = (
    None, "", "   ", "\n", [], {}, False, True, 0, -1, 101, 1.5, "x", "я" * 501, "я" * 20_001, "2024-02-30", "2024-02-29",
    "01.06.2023", "25:00", "09:30", ["x"], ["x", "x"], [1], [[]], [{}], [None], {"option": "x"}, {"option": "x", "percent": 10},
    {"zz": 1}, "I63.5", "I63", "Я63.5", ["I63.5", "Z99.99"], "112-233-445 95", "1027700132195", [{"zz": "x"}], [{"row": "no"}],
)


def json_values() -> st.SearchStrategy[object]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 120), st.floats(allow_nan=False, allow_infinity=False),
                        st.text(max_size=8), st.sampled_from(ODD_VALUES))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                        max_leaves=6)


@cache
def referral_schema() -> FormSchema:
    return form_in_force("referral-088u", date(2026, 3, 2))


@cache
def protocol_schema() -> FormSchema:
    return form_in_force(FORM, date(2026, 3, 10))


@cache
def bench_protocol() -> Doc:
    return full_protocol(protocol_schema(), icd10().exists)


def test_the_valid_documents_of_the_tests_and_the_benchmark() -> None:
    assert assert_same(referral_schema(), rich_referral()) == []
    assert assert_same(referral_schema(), big_referral()) == []
    assert assert_same(protocol_schema(), bench_protocol()) == []


def own_values(it: Item) -> tuple[object, ...]:
    """Values made of the item's own codes: repeated, an exclusive one with another, a score off its band or not an int."""
    codes = [o.code for o in it.options]
    if not codes:
        return ()
    lone = [o.code for o in it.options if o.exclusive]
    return (codes[0], [codes[0]], [codes[0], codes[0]], codes[:2], [*lone[:1], codes[-1]], {"option": codes[0], "percent": 55},
            {"option": codes[0], "percent": True}, {"option": codes[0]}, {"option": codes[0], "percent": 30, "x": 1})


def same_problems(schema: FormSchema, doc: Doc) -> list[FieldProblem]:
    fast = validate_document(schema, doc, icd_exists=icd10().exists)
    assert fast == reference_problems(schema, doc, icd_exists=icd10().exists)
    return fast


@pytest.mark.parametrize(("form", "stride"), [("referral", 2), ("protocol", 6)])
def test_every_item_and_cell_with_odd_values(form: str, stride: int) -> None:
    """Item (or first-row cell) n gets the odd values j with (n + j) % stride == 0: every value in every kind of item."""
    schema, doc = (referral_schema(), big_referral()) if form == "referral" else (protocol_schema(), bench_protocol())
    places: list[tuple[str, str | None]] = []
    for it in schema.items():
        if it.holds_value:
            places.append((it.key, None))
            if it.type is ItemType.TABLE and doc.get(it.key):
                places += [(it.key, col.key) for col in it.columns]
    reported = 0
    for n, (key, column) in enumerate(places):
        it = schema.item(key) if column is None else next(c for c in schema.item(key).columns if c.key == column)
        for value in (*ODD_VALUES[n % stride::stride], *own_values(it)):
            if column is None:
                changed = {**doc, key: value}
            else:
                first, *rest = doc[key]
                changed = {**doc, key: [{**first, column: value}, *rest]}
            reported += bool(same_problems(schema, changed))
    assert reported > len(places) * len(ODD_VALUES) // stride // 2  # most odd values are wrong: the slow path words them


@pytest.mark.parametrize("form", ["referral", "protocol"])
@SETTINGS
@given(data=st.data())
def test_drawn_values_in_drawn_items(form: str, data: st.DataObject) -> None:
    schema, doc = (referral_schema(), big_referral()) if form == "referral" else (protocol_schema(), bench_protocol())
    keys = [it.key for it in schema.items() if it.holds_value] + ["zz", "5.death.x"]
    changes = data.draw(st.dictionaries(st.sampled_from(keys), json_values(), min_size=1, max_size=4), label="changes")
    assert_same(schema, {**doc, **changes})


@pytest.mark.parametrize("version", EDITIONS)
@SETTINGS
@given(data=st.data())
def test_generated_and_broken_protocols(version: str, data: st.DataObject) -> None:
    schema = load_form(FORM, version)
    doc = data.draw(valid_protocols(schema), label="protocol")  # valid but for drawn ICD-10 codes not in the dictionary
    assert not [p for p in assert_same(schema, doc) if p.code != "icd10_unknown"]
    ways = breakings(schema, doc)
    way = data.draw(st.sampled_from(sorted(set(WAYS) & set(ways))), label="way")
    assert_same(schema, ways[way](data.draw).doc)


@SETTINGS
@given(data=st.data())
def test_only_a_part_is_the_part_of_the_whole(data: st.DataObject) -> None:
    schema = referral_schema()
    keys = [it.key for it in schema.items() if it.holds_value] + ["zz", "snils.x"]
    doc = {**big_referral(), **data.draw(st.dictionaries(st.sampled_from(keys), json_values(), max_size=4), label="changes")}
    whole = validate_document(schema, doc)
    assert validate_document(schema, doc, only=PERSON_KEYS) == [p for p in whole if top_key(p.field) in PERSON_KEYS]
