"""A schema compiled once into a flat plan of per-item checks (issue 7, P2: validation at ≤ 3× a JSON parse).

``validate_document`` walked the schema's sections for every document, looked options up by a linear scan, built the
set of known keys and evaluated every condition through the generic ``Condition.holds``. The plan does that work
once per schema: the known keys, the value-holding items in order, and for each item a *fast acceptance* predicate
built from its type, limits and option set (frozensets, precompiled patterns) plus compiled conditions.

The fast predicate only says "certainly valid". When it says anything else, the validator calls the original
per-type check (``validate._check_value``), so the problems reported — their order, codes and Russian messages —
are exactly those of the uncompiled path; the plan cannot make a document pass that the original check would fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from mse.domain.values import Ogrn, Snils

from .conditions import Condition, compute_facts
from .model import FormSchema, Item, ItemType

IcdLookup = Callable[[str], bool]
Facts = Mapping[str, float | None]
Predicate = Callable[[object, IcdLookup | None], bool]
CompiledCondition = Callable[[Mapping[str, object], Facts], bool]

DEFAULT_TEXT_LIMIT = 500
DEFAULT_LONGTEXT_LIMIT = 20_000
ICD10_PATTERN = re.compile(r"^[A-Z]\d\d(\.\d{1,2})?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
PHONE = re.compile(r"^[0-9+()\-\s,;]{5,100}$")


PLAIN = frozenset({str, list, dict, int, float, bool})
"""JSON value types whose emptiness the hot loops decide inline (``str``: blank; ``list``/``dict``: no elements)."""
SCORE_KEYS = frozenset({"option", "percent"})


def empty(value: object) -> bool:
    """``validate._empty``: missing; an explicit ``false`` is a value (a checkbox answered "no")."""
    if value is None:
        return True
    t = type(value)
    if t is str:
        return not value.strip()  # type: ignore[attr-defined]
    if t is list or t is dict or t is tuple:
        return not value
    if value is False:
        return False
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict | tuple):
        return len(value) == 0
    return False


def cond_empty(value: object) -> bool:
    """``conditions.is_empty``: unlike ``empty``, ``false`` counts as not filled."""
    if value is None or value is False:
        return True
    t = type(value)
    if t is str:
        return not value.strip()  # type: ignore[attr-defined]
    if t is list or t is dict:
        return not value
    return t not in PLAIN and empty(value)


def _all(parts: tuple[CompiledCondition, ...]) -> CompiledCondition:
    if len(parts) == 2:
        a, b = parts
        return lambda d, f: a(d, f) and b(d, f)
    if len(parts) == 3:
        a, b, c = parts
        return lambda d, f: a(d, f) and b(d, f) and c(d, f)
    return lambda d, f: all(p(d, f) for p in parts)


def _any(parts: tuple[CompiledCondition, ...]) -> CompiledCondition:
    if len(parts) == 2:
        a, b = parts
        return lambda d, f: a(d, f) or b(d, f)
    if len(parts) == 3:
        a, b, c = parts
        return lambda d, f: a(d, f) or b(d, f) or c(d, f)
    return lambda d, f: any(p(d, f) for p in parts)


def compile_condition(c: Condition) -> CompiledCondition:
    """The same truth as ``Condition.holds``, without re-dispatching on the node's shape at every call."""
    if c.all_:
        parts = tuple(compile_condition(x) for x in c.all_)
        return parts[0] if len(parts) == 1 else _all(parts)
    if c.any_:
        parts = tuple(compile_condition(x) for x in c.any_)
        return parts[0] if len(parts) == 1 else _any(parts)
    if c.not_ is not None:
        inner = compile_condition(c.not_)
        return lambda d, f: not inner(d, f)
    if c.fact is not None:
        name, lt, ge = c.fact, c.lt, c.ge

        def fact(d: Mapping[str, object], f: Facts) -> bool:
            v = f.get(name)
            return v is not None and (lt is None or v < lt) and (ge is None or v >= ge)
        return fact
    if c.count:
        keys, need = c.count, (c.ge or 1)

        def count(d: Mapping[str, object], f: Facts) -> bool:
            filled = 0
            for k in keys:  # 389н п.79.13: twelve scored items; a score ({"option", "percent"}) is filled when not {}
                v = d.get(k)
                if v is None or v is False:
                    continue
                t = type(v)
                if t is dict or t is list:
                    filled += 1 if v else 0
                elif not cond_empty(v):
                    filled += 1
            return filled >= need
        return count
    key = c.key
    assert key is not None
    if not c.in_:
        return lambda d, f: not cond_empty(d.get(key))
    codes = frozenset(c.in_)

    def member(d: Mapping[str, object], f: Facts) -> bool:
        v = d.get(key)
        if v is None:
            return False
        t = type(v)
        if t is str:
            return v in codes
        if t is list:
            for x in v:  # type: ignore[attr-defined]
                if (x if type(x) is str else str(x)) in codes:
                    return True
            return False
        if isinstance(v, list):
            return any(str(x) in codes for x in v)
        if isinstance(v, dict):
            return str(v.get("option")) in codes
        return str(v) in codes
    return member


def _iso_date(v: object, icd: IcdLookup | None) -> bool:
    if type(v) is not str:
        return False
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _parses(parse: Callable[[str], object]) -> Predicate:
    @lru_cache(maxsize=4096)  # the same СНИЛС / ОГРН recurs across a document's tables (representatives, members)
    def valid(v: str) -> bool:
        try:
            parse(v)
        except ValueError:
            return False
        return True

    return lambda v, icd: type(v) is str and valid(v)


def _percent(v: object) -> bool:
    return type(v) is int and 0 <= v <= 100


def predicate(it: Item) -> Predicate:  # one branch per item type, as validate._check_value
    """True only when ``validate._check_value(it, value, …)`` certainly returns no problem."""
    kind = it.type
    codes = frozenset(o.code for o in it.options)
    if kind in (ItemType.TEXT, ItemType.LONGTEXT, ItemType.EMAIL, ItemType.PHONE):
        limit = it.max_length or (DEFAULT_LONGTEXT_LIMIT if kind is ItemType.LONGTEXT else DEFAULT_TEXT_LIMIT)
        pattern = EMAIL if kind is ItemType.EMAIL else PHONE if kind is ItemType.PHONE else None
        if pattern is None:
            return lambda v, icd: type(v) is str and len(v) <= limit
        return lambda v, icd: type(v) is str and len(v) <= limit and pattern.match(v) is not None
    if kind is ItemType.DATE:
        return _iso_date
    if kind in (ItemType.YEAR, ItemType.INTEGER, ItemType.DECIMAL):
        low = it.minimum if it.minimum is not None else (1900 if kind is ItemType.YEAR else None)
        high = it.maximum if it.maximum is not None else (2100 if kind is ItemType.YEAR else None)
        types = (int, float) if kind is ItemType.DECIMAL else (int,)

        def number(v: object, icd: IcdLookup | None) -> bool:
            return type(v) in types and (low is None or v >= low) and (high is None or v <= high)  # type: ignore[operator]
        return number
    if kind is ItemType.BOOLEAN:
        return lambda v, icd: type(v) is bool
    if kind is ItemType.TIME:
        return lambda v, icd: type(v) is str and TIME.match(v) is not None
    if kind is ItemType.PERCENT:
        return lambda v, icd: _percent(v)
    if kind is ItemType.SCORE:
        def score(v: object, icd: IcdLookup | None) -> bool:
            if type(v) is not dict or not v.keys() <= SCORE_KEYS:
                return False
            option, percent = v.get("option"), v.get("percent")
            return type(option) is str and option in codes and type(percent) is int and 0 <= percent <= 100
        return score
    if kind is ItemType.CHOICE:
        return lambda v, icd: type(v) is str and v in codes
    if kind is ItemType.MULTICHOICE:
        exclusive = frozenset(o.code for o in it.options if o.exclusive)

        def multi(v: object, icd: IcdLookup | None) -> bool:
            if type(v) is not list:
                return False
            try:
                distinct = set(v)
            except TypeError:  # a list or an object among the codes: the slow path words it
                return False
            # Set operations in C instead of a generator per code (issue 7, P2). Only strings equal the (string)
            # codes among JSON values, so ``distinct <= codes`` is the slow path's "every element a known code".
            return len(distinct) == len(v) and distinct <= codes and (len(v) == 1 or not distinct & exclusive)
        return multi
    if kind in (ItemType.ICD10, ItemType.ICD10_LIST):
        def icd_ok(c: object, icd: IcdLookup | None) -> bool:
            return type(c) is str and ICD10_PATTERN.match(c) is not None and (icd is None or icd(c))
        if kind is ItemType.ICD10:
            return icd_ok
        return lambda v, icd: type(v) is list and all(icd_ok(c, icd) for c in v)
    if kind is ItemType.SNILS:
        return _parses(Snils.parse)
    if kind is ItemType.OGRN:
        return _parses(Ogrn.parse)
    if kind is ItemType.TABLE:
        return _table(it)
    return lambda v, icd: False  # pragma: no cover - ItemType is closed: the slow path reports


def _text_limit(it: Item) -> int | None:
    """The length limit of a plain text column (checked inline in tables), None for any other type."""
    if it.type is ItemType.TEXT or it.type is ItemType.LONGTEXT:
        return it.max_length or (DEFAULT_LONGTEXT_LIMIT if it.type is ItemType.LONGTEXT else DEFAULT_TEXT_LIMIT)
    return None


def _table(it: Item) -> Predicate:
    """Accepts a table whose every row and cell is certainly valid.

    issue 7, P2: the tables are most of a 40 KiB document (088/у: 59 examinations × 4 columns; 389н: the appendices,
    35 rows × 9 columns), so the cells are checked by column kind — plain text and dates inline, without a call per
    cell — and the other columns through their predicate. Whatever is not accepted here goes to the slow path.
    """
    names = frozenset({c.key for c in it.columns} | ({"row"} if it.rows else set()))
    fixed = frozenset(r.code for r in it.rows)
    texts = tuple((c.key, c.required, limit) for c in it.columns if (limit := _text_limit(c)) is not None)
    dates = tuple((c.key, c.required) for c in it.columns if c.type is ItemType.DATE)
    others = tuple((c.key, c.required, predicate(c)) for c in it.columns
                   if _text_limit(c) is None and c.type is not ItemType.DATE)
    max_rows = it.max_rows
    fromisoformat = date.fromisoformat

    def table(v: object, icd: IcdLookup | None) -> bool:
        if type(v) is not list or (max_rows is not None and len(v) > max_rows):
            return False
        for row in v:
            if type(row) is not dict or not row.keys() <= names or (fixed and row.get("row") not in fixed):
                return False
            get = row.get
            for key, required, limit in texts:  # a text: within its limit; a required one also not blank
                cell = get(key)
                if cell is None:
                    if required:
                        return False
                elif type(cell) is not str or len(cell) > limit or (required and not cell.strip()):
                    return False
            for key, required in dates:  # a date: ISO (a blank optional date is left to the slow path)
                cell = get(key)
                if cell is None:
                    if required:
                        return False
                    continue
                if type(cell) is not str:
                    return False
                try:
                    fromisoformat(cell)
                except ValueError:
                    return False
            for key, required, ok in others:
                cell = get(key)
                if cell is None:
                    if required:
                        return False
                    continue
                t = type(cell)
                if (t is str and not cell.strip()) or ((t is list or t is dict) and not cell) or (t not in PLAIN and empty(cell)):
                    if required:
                        return False
                    continue
                if not ok(cell, icd):
                    return False
        return True
    return table


Step = tuple[str, Item, int, bool, int, Predicate, "int | frozenset[str] | None"]
"""(key, item, shown_if slot, required, required_if slot, fast predicate, inline check): a plain tuple, unpacked in the
validator's loop. The inline check spares a call for the commonest items: a text's length limit, a choice's codes. A slot indexes ``Plan.conditions`` (-1: none); equal conditions share a slot, so a document evaluates each
distinct condition once (the protocol of 389н: 152 shown-conditions, 56 distinct)."""


@dataclass(frozen=True, slots=True)
class Plan:
    schema: FormSchema
    known: frozenset[str]
    steps: tuple[Step, ...]
    conditions: tuple[CompiledCondition, ...]
    parts: dict[frozenset[str], tuple[Step, ...]] = field(default_factory=dict, compare=False, hash=False)

    def facts(self, data: Mapping[str, object]) -> dict[str, float | None]:
        return compute_facts(self.schema.facts, data)

    def steps_of(self, only: frozenset[str]) -> tuple[Step, ...]:
        """The steps of the items whose key, up to its first dot, is in ``only`` (in form order), built once per set.

        issue 7, P2: the intake rule RR1 checks the citizen's ~30 items; walking the other ~90 (the examinations
        table above all) a second time only to drop their problems doubled the referral's rule time.
        """
        cached = self.parts.get(only)
        if cached is None:
            cached = self.parts[only] = tuple(s for s in self.steps if top_key(s[0]) in only)
        return cached


def top_key(path: str) -> str:
    """The first dotted segment of a key or of a problem's field ("examinations.3.date" → "examinations")."""
    return path.split(".", 1)[0]


_PLANS: dict[int, Plan] = {}


def plan(schema: FormSchema) -> Plan:
    """The compiled plan of a schema, built once (schemas are loaded once and kept: loader's @cache)."""
    cached = _PLANS.get(id(schema))
    if cached is not None and cached.schema is schema:
        return cached
    slots: dict[Condition, int] = {}

    def slot(c: Condition | None) -> int:
        return -1 if c is None else slots.setdefault(c, len(slots))

    def inline(it: Item) -> int | frozenset[str] | None:
        if it.type is ItemType.CHOICE:
            return frozenset(o.code for o in it.options)
        return _text_limit(it)

    steps = tuple((it.key, it, slot(it.shown_if), it.required, slot(it.required_if), predicate(it), inline(it))
                  for it in schema.items() if it.holds_value)
    built = Plan(schema, frozenset(s[0] for s in steps), steps, tuple(compile_condition(c) for c in slots))
    if len(_PLANS) > 256:  # schemas built ad hoc (tests): keep the cache bounded
        _PLANS.clear()
    _PLANS[id(schema)] = built  # the plan holds the schema, so its id is not reused while cached
    return built
