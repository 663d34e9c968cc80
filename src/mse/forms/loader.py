"""Loads form schemas from the package's data files and picks the version in force on a date."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from mse.domain.errors import NotFound

from .model import Condition, FormSchema, Item, ItemType, Option, Section

_DATA = "mse.forms.data"


class SchemaError(ValueError):
    """A form data file is itself malformed (a packaging bug, caught by the tests)."""


def available_forms() -> dict[str, list[str]]:
    """Form name → its versions (file stems, i.e. the valid_from dates), oldest first."""
    out: dict[str, list[str]] = {}
    for entry in resources.files(_DATA).iterdir():
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            versions = sorted(f.name.removesuffix(".json") for f in entry.iterdir() if f.name.endswith(".json"))
            if versions:
                out[entry.name] = versions
    return out


@cache
def load_form(name: str, version: str) -> FormSchema:
    try:
        raw = resources.files(_DATA).joinpath(name, f"{version}.json").read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise NotFound("form", f"Форма «{name}» версии {version} не найдена") from exc
    return parse_form(json.loads(raw))


def form_in_force(name: str, on: date) -> FormSchema:
    versions = available_forms().get(name)
    if not versions:
        raise NotFound("form", f"Форма «{name}» не найдена")
    for version in reversed(versions):
        schema = load_form(name, version)
        if schema.in_force_on(on):
            return schema
    raise NotFound("form", f"Нет версии формы «{name}», действующей на {on:%d.%m.%Y}")


def parse_form(raw: dict[str, Any]) -> FormSchema:
    sections = tuple(
        Section(code=str(s["code"]), title=str(s["title"]), items=tuple(_item(i) for i in s["items"])) for s in raw["sections"]
    )
    schema = FormSchema(
        form=raw["form"],
        version=raw["version"],
        title=raw["title"],
        form_number=raw.get("form_number"),
        act=raw["act"],
        valid_from=date.fromisoformat(raw["valid_from"]),
        valid_to=date.fromisoformat(raw["valid_to"]) if raw.get("valid_to") else None,
        sections=sections,
        notes=tuple(raw.get("notes", ())),
    )
    _check(schema)
    return schema


def _item(raw: dict[str, Any]) -> Item:
    cond = raw.get("required_if")
    try:
        kind = ItemType(raw["type"])
    except ValueError as exc:
        raise SchemaError(f"{raw.get('key')}: unknown type {raw.get('type')!r}") from exc
    return Item(
        key=raw["key"],
        code=str(raw["code"]),
        label=raw["label"],
        type=kind,
        required=bool(raw.get("required", False)),
        required_if=Condition(key=cond["key"], in_=tuple(str(v) for v in cond.get("in", ()))) if cond else None,
        dictionary=raw.get("dictionary"),
        options=tuple(Option(code=str(o["code"]), label=o["label"], point=o.get("point")) for o in raw.get("options", ())),
        columns=tuple(_item(c) for c in raw.get("columns", ())),
        max_length=raw.get("max_length"),
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
        max_rows=raw.get("max_rows"),
        hint=raw.get("hint"),
        source=tuple(raw.get("source", ())),
    )


def _check(schema: FormSchema) -> None:
    keys: set[str] = set()
    for it in schema.items():
        if it.key in keys:
            raise SchemaError(f"{schema.form}: duplicate key {it.key}")
        keys.add(it.key)
        if it.type in (ItemType.CHOICE, ItemType.MULTICHOICE) and not it.options:
            raise SchemaError(f"{schema.form}: {it.key} has no options")
        if it.type is ItemType.TABLE and not it.columns:
            raise SchemaError(f"{schema.form}: {it.key} has no columns")
        codes = [o.code for o in it.options]
        if len(codes) != len(set(codes)):
            raise SchemaError(f"{schema.form}: {it.key} repeats an option code")
    for it in schema.items():
        if it.required_if and it.required_if.key not in keys:
            raise SchemaError(f"{schema.form}: {it.key} depends on unknown {it.required_if.key}")
