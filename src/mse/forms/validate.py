"""Validates a filled form (a JSON object keyed by item keys) against its schema.

Structural validation only: types, required items, option codes, dictionary membership of ICD-10
codes, table rows. Legal content checks (is the anamnesis sufficient, are the examinations those the
list requires) are rules in ``mse.rules`` and produce return reasons, not validation errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date

from mse.domain.errors import FieldProblem
from mse.domain.values import Ogrn, Snils

from .compiled import PLAIN, empty, plan, top_key
from .conditions import is_empty
from .model import FormSchema, Item, ItemType

IcdLookup = Callable[[str], bool]
"""True when the code exists in the ICD-10 dictionary (and is in use)."""

ICD10_PATTERN = re.compile(r"^[A-Z]\d\d(\.\d{1,2})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_PHONE = re.compile(r"^[0-9+()\-\s,;]{5,100}$")
DEFAULT_TEXT_LIMIT = 500
DEFAULT_LONGTEXT_LIMIT = 20_000


FORMAT_CODES = frozenset({"type", "unknown_field", "invalid_option"})
"""Problems that make a document unreadable (rejected at the door); others are content defects (return reasons)."""


def validate_document(
    schema: FormSchema,
    data: Mapping[str, object],
    *,
    icd_exists: IcdLookup | None = None,
    check_required: bool = True,
    only: frozenset[str] | None = None,
) -> list[FieldProblem]:
    """Problems of a filled form, each naming its item.

    ``check_required=False`` is the draft mode: a protocol being filled is checked for what is there
    (types, options, items filled where the procedure says they stay empty) but not for what is
    still missing; signing runs the full check.

    ``only``: the problems whose field, up to its first dot, is in the set — exactly those of the whole check, in
    the same order, without checking the other items (conditions still read the whole document).
    """
    compiled = plan(schema)  # built once per schema: known keys, items in order, fast predicates, compiled conditions
    steps = compiled.steps if only is None else compiled.steps_of(only)
    problems: list[FieldProblem] = []
    if not compiled.known.issuperset(data):
        for key in data:
            if key not in compiled.known and (only is None or top_key(key) in only):
                problems.append(FieldProblem(key, f"Поле «{key}» отсутствует в форме {schema.form_number or schema.form} (редакция {schema.version})", "unknown_field"))
    plain = dict(data)
    facts = compiled.facts(plain)
    get = plain.get
    conditions = compiled.conditions
    memo: list[bool | None] = [None] * len(conditions)  # each distinct condition evaluated at most once per document
    for key, it, shown_slot, required, required_slot, ok, inline in steps:
        value = get(key)
        if value is None:
            blank = True
        else:
            t = type(value)  # the emptiness of ``_empty``, decided inline for JSON's own types (the hot path)
            blank = (t is str and not value.strip()) or ((t is list or t is dict) and not value) or (t not in PLAIN and empty(value))  # type: ignore[attr-defined]
        if blank and not (check_required and (required or required_slot >= 0)):
            continue
        shown = True
        if shown_slot >= 0:
            shown = memo[shown_slot]  # type: ignore[assignment]
            if shown is None:
                shown = memo[shown_slot] = conditions[shown_slot](plain, facts)
        if blank:
            if not shown:
                continue
            if not required:
                needed = memo[required_slot]
                if needed is None:
                    needed = memo[required_slot] = conditions[required_slot](plain, facts)
                if not needed:
                    continue
            problems.append(FieldProblem(it.key, f"Не заполнен обязательный пункт {it.code} «{_short(it.label)}»", "required"))
            continue
        if not shown:
            assert it.shown_if is not None
            problems.append(
                FieldProblem(it.key, f"Пункт {it.code} заполняется, только если {it.shown_if.describe()}", "not_applicable")
            )
            continue
        if inline is not None and type(value) is str and (len(value) <= inline if type(inline) is int else value in inline):  # type: ignore[operator]
            continue  # a plain text within its limit, a choice among its codes: certainly valid
        if not ok(value, icd_exists):  # the fast predicate only accepts; the original check words the problems
            problems.extend(_check_value(it, value, key, icd_exists))
    return problems


def _empty(value: object) -> bool:
    """Missing; an explicit ``false`` is a value (a checkbox answered "no"), unlike in conditions."""
    return value is not False and is_empty(value)


def _short(label: str) -> str:
    return label if len(label) <= 80 else label[:77] + "…"


def _check_value(it: Item, value: object, path: str, icd_exists: IcdLookup | None) -> list[FieldProblem]:
    def bad(message: str, code: str = "invalid") -> list[FieldProblem]:
        return [FieldProblem(path, f"Пункт {it.code}: {message}", code)]

    kind = it.type
    if kind in (ItemType.TEXT, ItemType.LONGTEXT, ItemType.EMAIL, ItemType.PHONE):
        if not isinstance(value, str):
            return bad("ожидается текст", "type")
        limit = it.max_length or (DEFAULT_LONGTEXT_LIMIT if kind is ItemType.LONGTEXT else DEFAULT_TEXT_LIMIT)
        if len(value) > limit:
            return bad(f"не длиннее {limit} символов", "too_long")
        if kind is ItemType.EMAIL and not _EMAIL.match(value):
            return bad("неверный адрес электронной почты")
        if kind is ItemType.PHONE and not _PHONE.match(value):
            return bad("номер телефона содержит недопустимые символы")
        return []
    if kind is ItemType.DATE:
        if not isinstance(value, str):
            return bad("ожидается дата в формате ГГГГ-ММ-ДД", "type")
        try:
            date.fromisoformat(value)
        except ValueError:
            return bad("ожидается дата в формате ГГГГ-ММ-ДД", "type")
        return []
    if kind in (ItemType.YEAR, ItemType.INTEGER, ItemType.DECIMAL):
        number_ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not number_ok or (kind is not ItemType.DECIMAL and not isinstance(value, int)):
            return bad("ожидается число" if kind is not ItemType.YEAR else "ожидается год (четыре цифры)", "type")
        assert isinstance(value, int | float)
        low = it.minimum if it.minimum is not None else (1900 if kind is ItemType.YEAR else None)
        high = it.maximum if it.maximum is not None else (2100 if kind is ItemType.YEAR else None)
        if (low is not None and value < low) or (high is not None and value > high):
            return bad(f"значение вне допустимого диапазона {low:g}–{high:g}" if low is not None and high is not None else "значение вне диапазона")
        return []
    if kind is ItemType.BOOLEAN:
        return [] if isinstance(value, bool) else bad("ожидается да/нет (true/false)", "type")
    if kind is ItemType.TIME:
        if not isinstance(value, str) or not _TIME.match(value):
            return bad("ожидается время в формате ЧЧ:ММ (00:00–23:59)", "type")
        return []
    if kind is ItemType.PERCENT:
        return _percent(value, bad)
    if kind is ItemType.SCORE:
        if not isinstance(value, dict) or set(value) - {"option", "percent"}:
            return bad("ожидается отметка степени и процент: {\"option\": код, \"percent\": число}", "type")
        option = value.get("option")
        if not isinstance(option, str) or it.option(option) is None:
            return bad(f"недопустимая отметка; допустимо: {', '.join(o.code for o in it.options)}", "invalid_option")
        if value.get("percent") is None:
            return bad("не указан процент для отмеченной степени", "required")
        return _percent(value.get("percent"), bad)
    if kind is ItemType.CHOICE:
        if not isinstance(value, str):
            return bad("ожидается код значения (строка)", "type")
        if it.option(value) is None:
            return bad(f"недопустимое значение; допустимо: {', '.join(o.code for o in it.options)}", "invalid_option")
        return []
    if kind is ItemType.MULTICHOICE:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return bad("ожидается список кодов", "type")
        wrong = [v for v in value if isinstance(v, str) and it.option(v) is None]
        if wrong:
            return bad(f"недопустимые значения: {', '.join(map(str, wrong))}", "invalid_option")
        if len(set(value)) != len(value):
            return bad("значения повторяются")
        lone = [o for o in it.options if o.exclusive and o.code in value]
        if lone and len(value) > 1:
            return bad(f"вариант {lone[0].code} «{_short(lone[0].label)}» исключает остальные", "exclusive_option")
        return []
    if kind in (ItemType.ICD10, ItemType.ICD10_LIST):
        codes = value if kind is ItemType.ICD10_LIST else [value]
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            return bad("ожидается код МКБ-10" if kind is ItemType.ICD10 else "ожидается список кодов МКБ-10", "type")
        out: list[FieldProblem] = []
        for code in codes:
            assert isinstance(code, str)
            if not ICD10_PATTERN.match(code):
                out += bad(f"«{code}» не похож на код МКБ-10 (например, I63.5)", "icd10_format")
            elif icd_exists is not None and not icd_exists(code):
                out += bad(f"код «{code}» отсутствует в справочнике МКБ-10 (ФНСИ 1.2.643.5.1.13.13.11.1005)", "icd10_unknown")
        return out
    if kind is ItemType.SNILS:
        return _parsed(value, Snils.parse, bad)
    if kind is ItemType.OGRN:
        return _parsed(value, Ogrn.parse, bad)
    if kind is ItemType.TABLE:
        return _check_table(it, value, path, icd_exists)
    return bad("неизвестный тип поля")  # pragma: no cover - ItemType is closed


def _percent(value: object, bad: Callable[..., list[FieldProblem]]) -> list[FieldProblem]:
    if not isinstance(value, int) or isinstance(value, bool):
        return bad("ожидается целое число процентов", "type")
    if not 0 <= value <= 100:
        return bad("процент должен быть от 0 до 100")
    return []


def _parsed(value: object, parse: Callable[[str], object], bad: Callable[..., list[FieldProblem]]) -> list[FieldProblem]:
    if not isinstance(value, str):
        return bad("ожидается строка", "type")
    try:
        parse(value)
    except ValueError as exc:
        return bad(str(exc))
    return []


def _check_table(it: Item, value: object, path: str, icd_exists: IcdLookup | None) -> list[FieldProblem]:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        return [FieldProblem(path, f"Пункт {it.code}: ожидается таблица (список строк)", "type")]
    if it.max_rows is not None and len(value) > it.max_rows:
        return [FieldProblem(path, f"Пункт {it.code}: не более {it.max_rows} строк", "too_many_rows")]
    problems: list[FieldProblem] = []
    names = {c.key for c in it.columns} | ({"row"} if it.rows else set())
    fixed = {r.code for r in it.rows}
    for n, row in enumerate(value):
        assert isinstance(row, dict)
        if fixed and row.get("row") not in fixed:
            problems.append(FieldProblem(f"{path}.{n}.row", f"Пункт {it.code}, строка {n + 1}: укажите строку таблицы из бланка", "invalid_option"))
        for key in row:
            if key not in names:
                problems.append(FieldProblem(f"{path}.{n}.{key}", f"Пункт {it.code}: неизвестный столбец «{key}»", "unknown_field"))
        for col in it.columns:
            cell = row.get(col.key)
            if _empty(cell):
                if col.required:
                    problems.append(
                        FieldProblem(f"{path}.{n}.{col.key}", f"Пункт {it.code}, строка {n + 1}: не заполнено «{col.label}»", "required")
                    )
                continue
            problems.extend(_check_value(col, cell, f"{path}.{n}.{col.key}", icd_exists))
    return problems
