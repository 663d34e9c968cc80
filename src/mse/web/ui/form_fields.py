"""A form schema as an HTML form, for any form of the engine: parsing the posted fields into a document.

The workbench template renders every item from its type (forms/model.py), never per item; this
module is the inverse: it reads the browser's fields back into a document keyed by item key.
Field names: the item key; ``<key>.option`` / ``<key>.percent`` for a scored item;
``<key>.<row>.<column>`` for table cells. A value the browser cannot have produced correctly (a
number with letters) is kept as typed, so the validator names the item and the page keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData

from mse.forms import FormSchema, Item, ItemType

_INT_TYPES = (ItemType.INTEGER, ItemType.PERCENT, ItemType.YEAR)
_ROW_FIELD = re.compile(r"^(?P<row>\d+)\.(?P<col>.+)$")


def _number(raw: str) -> object:
    text = raw.strip()
    if not text:
        return None
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _scalar(item: Item, raw: str) -> object:
    text = raw.strip()
    if not text:
        return None
    if item.type in _INT_TYPES:
        return _number(text)
    if item.type is ItemType.DECIMAL:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return text
    if item.type is ItemType.ICD10_LIST:
        return [c.strip().upper() for c in re.split(r"[,;\s]+", text) if c.strip()]
    if item.type is ItemType.ICD10:
        return text.upper()
    return raw.strip() if item.type is not ItemType.LONGTEXT else raw.rstrip()


def _table(item: Item, form: FormData) -> list[dict[str, object]]:
    prefix = f"{item.key}."
    rows: dict[int, dict[str, object]] = {}
    columns = {c.key: c for c in item.columns}
    for name, raw in form.multi_items():
        if not name.startswith(prefix) or not isinstance(raw, str):
            continue
        m = _ROW_FIELD.match(name[len(prefix):])
        if m is None:
            continue
        col = m.group("col")
        if col == "row":
            rows.setdefault(int(m.group("row")), {})["row"] = raw
        elif col in columns:
            value = _value(columns[col], raw)
            if value is not None:
                rows.setdefault(int(m.group("row")), {})[col] = value
    # A fixed row with nothing but its own name is an unfilled line of the printed table.
    return [r for _, r in sorted(rows.items()) if set(r) - {"row"}]


def _value(item: Item, raw: str) -> object:
    if item.type is ItemType.BOOLEAN:
        return True if raw else None
    if item.type is ItemType.CHOICE:
        return raw or None
    return _scalar(item, raw)


def parse_fields(schema: FormSchema, form: FormData) -> dict[str, object]:
    """The whole document as posted (every item of the form is on the page, so an absent one is empty)."""
    data: dict[str, object] = {}
    for it in schema.items():
        key = it.key
        value: object
        if not it.holds_value:
            continue
        if it.type is ItemType.MULTICHOICE:
            value = [v for v in form.getlist(key) if isinstance(v, str) and v]
        elif it.type is ItemType.BOOLEAN:
            value = True if form.get(key) else None
        elif it.type is ItemType.SCORE:
            option, percent = form.get(f"{key}.option"), form.get(f"{key}.percent")
            value = None
            if isinstance(option, str) and option:
                value = {"option": option, "percent": _number(percent) if isinstance(percent, str) else None}
                if value["percent"] is None:
                    del value["percent"]
        elif it.type is ItemType.TABLE:
            value = _table(it, form)
        else:
            raw = form.get(key)
            value = _value(it, raw) if isinstance(raw, str) else None
        if value not in (None, [], {}):
            data[key] = value
    return data


def display_value(value: object) -> str:
    """The text an input shows for a stored value (lists of ICD codes joined)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def table_rows(item: Item, value: object) -> list[dict[str, Any]]:
    """Rows to render: the fixed rows of the printed table, or the filled rows plus one blank row."""
    filled = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
    if item.rows:
        by_row: Mapping[str, dict[str, Any]] = {str(r.get("row")): r for r in filled}
        return [{"row": r.code, "label": r.label, **by_row.get(r.code, {})} for r in item.rows]
    return [*filled, {}]
