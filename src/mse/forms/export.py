"""Exports a form schema: as plain data (``mse forms export``) and as JSON Schema for the API."""

from __future__ import annotations

from typing import Any

from .conditions import condition_as_data
from .model import FormSchema, Item, ItemType, Option
from .validate import DEFAULT_LONGTEXT_LIMIT, DEFAULT_TEXT_LIMIT, ICD10_PATTERN


def schema_as_data(schema: FormSchema) -> dict[str, Any]:
    return {
        "form": schema.form,
        "version": schema.version,
        "title": schema.title,
        "form_number": schema.form_number,
        "act": schema.act,
        "valid_from": schema.valid_from.isoformat(),
        "valid_to": schema.valid_to.isoformat() if schema.valid_to else None,
        "notes": list(schema.notes),
        "verified": schema.verified,
        "facts": [{"name": f.name, "birth": f.birth, "on": f.on, "unit": f.unit} for f in schema.facts],
        "item_count": sum(1 for _ in schema.items()),
        "sections": [{"code": s.code, "title": s.title, "items": [_item_data(i) for i in s.items]} for s in schema.sections],
    }


def _item_data(it: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"key": it.key, "code": it.code, "label": it.label, "type": it.type.value, "required": it.required}
    if it.required_if:
        out["required_if"] = condition_as_data(it.required_if)
    if it.shown_if:
        out["shown_if"] = condition_as_data(it.shown_if)
    if it.dictionary:
        out["dictionary"] = it.dictionary
    if it.options:
        out["options"] = [_option_data(o) for o in it.options]
    if it.rows:
        out["rows"] = [_option_data(o) for o in it.rows]
    if it.columns:
        out["columns"] = [_item_data(c) for c in it.columns]
    for name in ("max_length", "minimum", "maximum", "max_rows", "hint", "cite", "prefill"):
        value = getattr(it, name)
        if value is not None:
            out[name] = value
    if it.source:
        out["source"] = list(it.source)
    return out


def _option_data(o: Option) -> dict[str, Any]:
    out: dict[str, Any] = {"code": o.code, "label": o.label, "point": o.point}
    if o.exclusive:
        out["exclusive"] = True
    return out


def json_schema(schema: FormSchema) -> dict[str, Any]:
    """JSON Schema (2020-12) of a filled form; conditional requirements are checked by the validator."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{schema.title} ({schema.form_number or schema.form}, {schema.act})",
        "type": "object",
        "additionalProperties": False,
        "required": [it.key for it in schema.items() if it.required],
        "properties": {it.key: _property(it) for it in schema.items() if it.holds_value},
    }


def _property(it: Item) -> dict[str, Any]:
    base: dict[str, Any] = {"title": f"{it.code}. {it.label}"}
    kind = it.type
    if kind in (ItemType.TEXT, ItemType.LONGTEXT, ItemType.PHONE):
        limit = it.max_length or (DEFAULT_LONGTEXT_LIMIT if kind is ItemType.LONGTEXT else DEFAULT_TEXT_LIMIT)
        return base | {"type": "string", "maxLength": limit}
    if kind is ItemType.EMAIL:
        return base | {"type": "string", "format": "email"}
    if kind is ItemType.DATE:
        return base | {"type": "string", "format": "date"}
    if kind in (ItemType.YEAR, ItemType.INTEGER):
        return base | {"type": "integer"} | _range(it)
    if kind is ItemType.DECIMAL:
        return base | {"type": "number"} | _range(it)
    if kind is ItemType.BOOLEAN:
        return base | {"type": "boolean"}
    if kind is ItemType.TIME:
        return base | {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"}
    if kind is ItemType.PERCENT:
        return base | _PERCENT
    if kind is ItemType.SCORE:
        option = {"type": "string", "enum": [o.code for o in it.options]}
        props = {"option": option, "percent": _PERCENT}
        return base | {"type": "object", "additionalProperties": False, "required": ["option", "percent"], "properties": props}
    if kind is ItemType.CHOICE:
        return base | {"type": "string", "enum": [o.code for o in it.options]}
    if kind is ItemType.MULTICHOICE:
        return base | {"type": "array", "uniqueItems": True, "items": {"type": "string", "enum": [o.code for o in it.options]}}
    if kind is ItemType.ICD10:
        return base | {"type": "string", "pattern": ICD10_PATTERN.pattern}
    if kind is ItemType.ICD10_LIST:
        return base | {"type": "array", "items": {"type": "string", "pattern": ICD10_PATTERN.pattern}}
    if kind is ItemType.SNILS:
        return base | {"type": "string", "pattern": r"^\d{3}-?\d{3}-?\d{3}[ -]?\d{2}$"}
    if kind is ItemType.OGRN:
        return base | {"type": "string", "pattern": r"^\d{13}(\d{2})?$"}
    columns = {c.key: _property(c) for c in it.columns}
    if it.rows:
        columns["row"] = {"type": "string", "enum": [r.code for r in it.rows]}
    table: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": columns}
    table["required"] = [c.key for c in it.columns if c.required]
    return base | {"type": "array", "items": table} | ({"maxItems": it.max_rows} if it.max_rows else {})


_PERCENT: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": 100}


def _range(it: Item) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if it.minimum is not None:
        out["minimum"] = it.minimum
    if it.maximum is not None:
        out["maximum"] = it.maximum
    return out
