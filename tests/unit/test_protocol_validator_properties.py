"""Property tests of the form validator on the 389н protocol schema.

Valid protocols are generated from the schema itself: a value of the item's type for a random part of
the items, then, to a fixed point, items whose ``shown_if`` does not hold are dropped and items that
are required (``required`` or ``required_if``) and shown are added. Such a document must validate
cleanly; breaking exactly one item of it in a drawn way must produce a problem naming that item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st

from mse.domain.errors import FieldProblem
from mse.forms import FormSchema, Item, ItemType, available_forms, load_form, validate_document
from mse.forms.conditions import compute_facts

FORM = "protocol-389n"
VERSIONS = available_forms()[FORM]
EDITIONS = (VERSIONS[-1], VERSIONS[0])  # the latest (685н) and the first edition
MAX_ROUNDS = 25  # the fixed point of shown/required; the protocol's conditions settle in a few rounds

_SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example, HealthCheck.filter_too_much]
# No shrinking: a protocol is a few hundred draws and shrinking one takes minutes; the assertion messages
# name the way, the item and the problems, and the falsifying protocol is printed as drawn.
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
# Sized so that the file runs in well under 20 s.
PROPERTY_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=_SLOW_DATA, phases=_PHASES)
BREAK_SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=_SLOW_DATA, phases=_PHASES)  # per way and edition

# The drawn ways of breaking one item (see ``breakings``); each is a test case of its own.
WAYS = (
    "wrong_type", "option_not_in_list", "percent_101", "time_25", "malformed_date", "malformed_date_in_table",
    "unknown_table_row", "unknown_column", "wrong_check_digit", "exclusive_with_others", "too_long", "below_minimum",
    "unknown_key", "filled_when_not_shown", "emptied",
)

Doc = dict[str, Any]

# ------------------------------------------------------------------------------------------------ values

_LETTERS = "абвгдежзиклмнопрстуфхцчшщэюяАБВГДЕЖЗИКЛМНОПРСТУФЭЮЯ"
_TEXT = _LETTERS + " 0123456789,.-()№"


def _text(limit: int) -> st.SearchStrategy[str]:
    """Non-blank text within the limit (a leading letter, so never whitespace only)."""
    return st.builds(lambda head, tail: (head + tail)[:limit], st.sampled_from(_LETTERS), st.text(_TEXT, max_size=min(limit, 12)))


def snils_checksum(first9: str) -> int:
    """The ПФР control number, computed here independently of the domain's own code."""
    total = sum(int(d) * (9 - n) for n, d in enumerate(first9))
    while total > 101:
        total %= 101
    return 0 if total in (100, 101) else total


def _snils() -> st.SearchStrategy[str]:
    def build(n: int) -> str:
        first9 = f"{n:09d}"
        return f"{first9[:3]}-{first9[3:6]}-{first9[6:]} {snils_checksum(first9):02d}"

    return st.integers(1_001_999, 999_999_999).map(build)


def _ogrn() -> st.SearchStrategy[str]:
    legal = st.integers(10**11, 10**12 - 1).map(lambda n: f"{n}{n % 11 % 10}")  # ОГРН: 13 digits
    sole = st.integers(10**13, 10**14 - 1).map(lambda n: f"{n}{n % 13 % 10}")  # ОГРНИП: 15 digits
    return st.one_of(legal, sole)


_DATES = st.dates(min_value=date(1930, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat)
_ICD10 = st.from_regex(r"[A-Z][0-9]{2}(\.[0-9]{1,2})?", fullmatch=True)
_PERCENT = st.integers(0, 100)


@cache  # one strategy object per item: building (and validating) strategies anew for every draw is the slow part
def value_of(it: Item) -> st.SearchStrategy[Any]:
    """A valid value of an item, by its type and limits."""
    kind = it.type
    codes = [o.code for o in it.options]
    if kind is ItemType.TEXT:
        return _text(it.max_length or 500)
    if kind is ItemType.LONGTEXT:
        return _text(it.max_length or 20_000)
    if kind is ItemType.EMAIL:
        return st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.(ru|com)", fullmatch=True)
    if kind is ItemType.PHONE:
        return st.from_regex(r"\+7 [0-9]{3} [0-9]{3}-[0-9]{2}-[0-9]{2}", fullmatch=True)
    if kind is ItemType.DATE:
        return _DATES
    if kind is ItemType.TIME:
        return st.times().map(lambda t: f"{t.hour:02d}:{t.minute:02d}")
    if kind is ItemType.YEAR:
        return st.integers(int(it.minimum if it.minimum is not None else 1900), int(it.maximum if it.maximum is not None else 2100))
    if kind is ItemType.INTEGER:
        low = int(it.minimum) if it.minimum is not None else -1000
        return st.integers(low, int(it.maximum) if it.maximum is not None else low + 10_000)
    if kind is ItemType.DECIMAL:
        low = it.minimum if it.minimum is not None else -1000.0
        return st.floats(low, it.maximum if it.maximum is not None else low + 10_000, allow_nan=False, allow_infinity=False)
    if kind is ItemType.BOOLEAN:
        return st.booleans()
    if kind is ItemType.PERCENT:
        return _PERCENT
    if kind is ItemType.CHOICE:
        return st.sampled_from(codes)
    if kind is ItemType.MULTICHOICE:
        lone = [o.code for o in it.options if o.exclusive]
        many = [o.code for o in it.options if not o.exclusive]
        both = [st.lists(st.sampled_from(many), min_size=1, max_size=4, unique=True)] if many else []
        return st.one_of(*both, *([st.sampled_from(lone).map(lambda c: [c])] if lone else []))
    if kind is ItemType.SCORE:
        return st.fixed_dictionaries({"option": st.sampled_from(codes), "percent": _PERCENT})
    if kind is ItemType.ICD10:
        return _ICD10
    if kind is ItemType.ICD10_LIST:
        return st.lists(_ICD10, min_size=1, max_size=3)
    if kind is ItemType.SNILS:
        return _snils()
    if kind is ItemType.OGRN:
        return _ogrn()
    if kind is ItemType.TABLE:
        return st.lists(_row(it), min_size=1, max_size=min(it.max_rows or 3, 3))
    raise AssertionError(f"no value strategy for {it.key} ({kind})")  # pragma: no cover - a new ItemType


def _row(it: Item) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def row(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {"row": draw(st.sampled_from([r.code for r in it.rows]))} if it.rows else {}
        for col in it.columns:
            if col.required or draw(st.booleans()):
                out[col.key] = draw(value_of(col))
        return out

    return row()


# ------------------------------------------------------------------------------------------------ valid protocols

def shown(it: Item, doc: Doc, facts: dict[str, float | None]) -> bool:
    return it.shown_if is None or it.shown_if.holds(doc, facts)


def required_now(it: Item, doc: Doc, facts: dict[str, float | None]) -> bool:
    return shown(it, doc, facts) and (it.required or (it.required_if is not None and it.required_if.holds(doc, facts)))


def value_items(schema: FormSchema) -> list[Item]:
    return [it for it in schema.items() if it.holds_value]


@st.composite
def valid_protocols(draw: st.DrawFn, schema: FormSchema) -> Doc:
    items = value_items(schema)
    # Which items get a value: one bit per item, drawn as one byte string (not hundreds of draws; shrinks to none).
    chosen = int.from_bytes(draw(st.binary(min_size=len(items) // 8 + 1, max_size=len(items) // 8 + 1), label="items filled"))
    doc: Doc = {it.key: draw(value_of(it)) for n, it in enumerate(items) if chosen >> n & 1}
    for _ in range(MAX_ROUNDS):
        facts = compute_facts(schema.facts, doc)
        before = dict(doc)
        for it in items:
            if it.key in doc and not shown(it, doc, facts):
                del doc[it.key]
            elif it.key not in doc and required_now(it, doc, facts):
                doc[it.key] = draw(value_of(it))
        if doc == before:
            return doc
    raise AssertionError(f"shown_if/required_if of {schema.form} {schema.version} do not settle in {MAX_ROUNDS} rounds")


# ------------------------------------------------------------------------------------------------ breaking one item


@dataclass(frozen=True)
class Break:
    how: str  # the drawn way of breaking
    key: str  # the item broken
    doc: Doc  # the broken document
    codes: frozenset[str]  # FieldProblem codes any of which must be reported for the item


def _wrong_type(it: Item) -> object:
    kind = it.type
    if kind in (ItemType.TEXT, ItemType.LONGTEXT, ItemType.EMAIL, ItemType.PHONE, ItemType.TIME, ItemType.SNILS, ItemType.OGRN):
        return 12345
    if kind is ItemType.DATE:
        return 20240101
    if kind in (ItemType.YEAR, ItemType.INTEGER, ItemType.DECIMAL, ItemType.PERCENT):
        return "12"
    if kind is ItemType.BOOLEAN:
        return "да"
    if kind is ItemType.CHOICE:
        return 1
    if kind is ItemType.MULTICHOICE:
        return it.options[0].code  # a code, not a list of codes
    if kind is ItemType.SCORE:
        return it.options[0].code  # a code without its percent
    if kind is ItemType.ICD10:
        return 63
    if kind is ItemType.ICD10_LIST:
        return "I63.5"  # a code, not a list
    return "таблица"  # TABLE: not a list of rows


def _bad_option(it: Item) -> object:
    wrong = "zz.99"
    if it.type is ItemType.MULTICHOICE:
        return [wrong]
    if it.type is ItemType.SCORE:
        return {"option": wrong, "percent": 10}
    return wrong


def _with(doc: Doc, key: str, value: object) -> Doc:
    return {**doc, key: value}


def breakings(schema: FormSchema, doc: Doc) -> dict[str, Callable[[st.DrawFn], Break]]:
    """Every way of breaking exactly one item of ``doc`` that applies to it, by name (each draws its item and details)."""
    facts = compute_facts(schema.facts, doc)
    items = {it.key: it for it in value_items(schema)}
    present = [items[k] for k in doc]
    out: dict[str, Callable[[st.DrawFn], Break]] = {}

    def pick(candidates: list[Item]) -> Callable[[Callable[[st.DrawFn, Item], Break]], None]:
        def register(make: Callable[[st.DrawFn, Item], Break]) -> None:
            if candidates:
                out[make.__name__] = lambda draw: make(draw, draw(st.sampled_from(candidates)))

        return register

    @pick(present)
    def wrong_type(draw: st.DrawFn, it: Item) -> Break:
        return Break("wrong type", it.key, _with(doc, it.key, _wrong_type(it)), frozenset({"type"}))

    @pick([it for it in present if it.type in (ItemType.CHOICE, ItemType.MULTICHOICE, ItemType.SCORE)])
    def option_not_in_list(draw: st.DrawFn, it: Item) -> Break:
        return Break("option not in the list", it.key, _with(doc, it.key, _bad_option(it)), frozenset({"invalid_option"}))

    @pick([it for it in present if it.type in (ItemType.PERCENT, ItemType.SCORE)])
    def percent_101(draw: st.DrawFn, it: Item) -> Break:
        value: object = 101 if it.type is ItemType.PERCENT else {"option": it.options[0].code, "percent": 101}
        return Break("percent 101", it.key, _with(doc, it.key, value), frozenset({"invalid"}))

    @pick([it for it in present if it.type is ItemType.TIME])
    def time_25(draw: st.DrawFn, it: Item) -> Break:
        return Break("time out of range", it.key, _with(doc, it.key, draw(st.sampled_from(["25:00", "24:00", "9:30", "12:60"]))), frozenset({"type"}))

    @pick([it for it in present if it.type is ItemType.DATE])
    def malformed_date(draw: st.DrawFn, it: Item) -> Break:
        bad = draw(st.sampled_from(["2024-02-30", "2024-13-01", "01.06.2023", "вчера"]))
        return Break("malformed date", it.key, _with(doc, it.key, bad), frozenset({"type"}))

    @pick([it for it in present if it.type is ItemType.TABLE and any(c.type is ItemType.DATE for c in it.columns)])
    def malformed_date_in_table(draw: st.DrawFn, it: Item) -> Break:
        col = next(c for c in it.columns if c.type is ItemType.DATE)
        rows = [dict(r) for r in doc[it.key]]
        rows[0][col.key] = "2024-02-30"
        return Break("malformed date in a table cell", it.key, _with(doc, it.key, rows), frozenset({"type"}))

    @pick([it for it in present if it.type is ItemType.TABLE and it.rows])
    def unknown_table_row(draw: st.DrawFn, it: Item) -> Break:
        rows = [dict(r) for r in doc[it.key]]
        rows[-1]["row"] = "no_such_row"
        return Break("a row not printed in the table", it.key, _with(doc, it.key, rows), frozenset({"invalid_option"}))

    @pick([it for it in present if it.type is ItemType.TABLE])
    def unknown_column(draw: st.DrawFn, it: Item) -> Break:
        rows = [dict(r) for r in doc[it.key]]
        rows[0]["zz"] = "x"
        return Break("an unknown column", it.key, _with(doc, it.key, rows), frozenset({"unknown_field"}))

    @pick([it for it in present if it.type in (ItemType.SNILS, ItemType.OGRN)])
    def wrong_check_digit(draw: st.DrawFn, it: Item) -> Break:
        value = str(doc[it.key])
        bad = value[:-1] + str((int(value[-1]) + draw(st.integers(1, 9))) % 10)
        return Break("wrong check digit", it.key, _with(doc, it.key, bad), frozenset({"invalid"}))

    @pick([it for it in present if it.type is ItemType.MULTICHOICE and any(o.exclusive for o in it.options) and len(it.options) > 1])
    def exclusive_with_others(draw: st.DrawFn, it: Item) -> Break:
        lone = next(o.code for o in it.options if o.exclusive)
        other = next(o.code for o in it.options if o.code != lone)
        return Break("an exclusive option with another", it.key, _with(doc, it.key, [lone, other]), frozenset({"exclusive_option"}))

    @pick([it for it in present if it.type in (ItemType.TEXT, ItemType.LONGTEXT)])
    def too_long(draw: st.DrawFn, it: Item) -> Break:
        limit = it.max_length or (20_000 if it.type is ItemType.LONGTEXT else 500)
        return Break("too long", it.key, _with(doc, it.key, "я" * (limit + 1)), frozenset({"too_long"}))

    @pick([it for it in present if it.type in (ItemType.INTEGER, ItemType.DECIMAL) and it.minimum is not None])
    def below_minimum(draw: st.DrawFn, it: Item) -> Break:
        assert it.minimum is not None
        return Break("below the minimum", it.key, _with(doc, it.key, int(it.minimum) - 1), frozenset({"invalid"}))

    # A key the edition does not hold: unknown to the form, or a printed heading (it holds no value).
    strangers = ["zz", "62.3", "T.9", *(it.key for it in schema.items() if not it.holds_value)]

    def unknown_key(draw: st.DrawFn) -> Break:
        key = draw(st.sampled_from(strangers))
        return Break("unknown key", key, _with(doc, key, "x"), frozenset({"unknown_field"}))

    out["unknown_key"] = unknown_key

    # An item not applicable here (its shown_if does not hold and giving it a value cannot change that).
    hidden = [it for it in items.values() if it.key not in doc and not shown(it, doc, facts)
              and it.shown_if is not None and it.key not in it.shown_if.keys() | {f.birth for f in schema.facts} | {f.on for f in schema.facts}]

    @pick(hidden)
    def filled_when_not_shown(draw: st.DrawFn, it: Item) -> Break:
        return Break("a value where shown_if is false", it.key, _with(doc, it.key, draw(value_of(it))), frozenset({"not_applicable"}))

    # An item required here, emptied (any of the empty shapes, or left out).
    needed = [items[k] for k in doc if required_now(items[k], doc, facts)
              and k not in {c for x in (items[k].shown_if, items[k].required_if) if x is not None for c in x.keys()}]

    @pick(needed)
    def emptied(draw: st.DrawFn, it: Item) -> Break:
        empty = draw(st.sampled_from(["omitted", None, "", "   ", [], {}]))
        broken = {k: v for k, v in doc.items() if k != it.key} if empty == "omitted" else _with(doc, it.key, empty)
        return Break("a required item left empty", it.key, broken, frozenset({"required"}))

    return out


def names_item(problem: FieldProblem, it_key: str, schema: FormSchema) -> bool:
    """The problem is about the item: its key, or a cell of it when it is a table ("24.9.0.percent")."""
    if problem.field == it_key:
        return True
    holds_cells = any(it.key == it_key and it.type is ItemType.TABLE for it in schema.items())
    return holds_cells and problem.field.startswith(it_key + ".")


# ------------------------------------------------------------------------------------------------ properties

@pytest.mark.parametrize("version", EDITIONS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_generated_protocols_are_valid(version: str, data: st.DataObject) -> None:
    schema = load_form(FORM, version)
    doc = data.draw(valid_protocols(schema), label="protocol")
    event("conditional items filled", str(sum(1 for k in doc if _conditional(schema, k)) // 10 * 10) + "+")
    assert validate_document(schema, doc) == []
    assert validate_document(schema, doc, check_required=False) == []


@pytest.mark.parametrize("version", EDITIONS)
@pytest.mark.parametrize("way", WAYS)
@BREAK_SETTINGS
@given(data=st.data())
def test_one_broken_item_is_reported_by_name(way: str, version: str, data: st.DataObject) -> None:
    schema = load_form(FORM, version)
    doc = data.draw(valid_protocols(schema), label="protocol")
    ways = breakings(schema, doc)
    assert set(ways) <= set(WAYS)
    assume(way in ways)  # e.g. no table filled in this protocol
    broken = ways[way](data.draw)
    problems = validate_document(schema, broken.doc)
    named = [p for p in problems if names_item(p, broken.key, schema)]
    assert named, f"{broken.how} of {broken.key}: no problem names the item; problems: {problems}"
    assert {p.code for p in named} & broken.codes, f"{broken.how} of {broken.key}: expected {set(broken.codes)}, got {named}"
    if way == "unknown_key":  # an unknown key changes no condition: it is the only problem
        assert [(p.field, p.code) for p in problems] == [(broken.key, "unknown_field")]


def _conditional(schema: FormSchema, key: str) -> bool:
    it = schema.item(key)
    return it.shown_if is not None or it.required_if is not None
