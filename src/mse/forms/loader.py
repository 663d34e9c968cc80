"""Loads form schemas from the package's data files and picks the version in force on a date."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from mse.domain.errors import NotFound

from .conditions import AgeFact, parse_condition
from .model import FormSchema, Item, ItemType, Option, Section

_DATA = "mse.forms.data"
_EDITIONS = "form.json"


class SchemaError(ValueError):
    """A form data file is itself malformed (a packaging bug, caught by the tests)."""


def available_forms() -> dict[str, list[str]]:
    """Form name → its versions (the valid_from dates), oldest first.

    A form directory holds either one file per version (``<valid_from>.json``) or, for a form
    amended item by item (389н by 203н and 685н), one ``form.json`` listing its editions and its
    section files; each item and option then carries its own valid_from/valid_to and an edition is
    the form as it stood on the edition's first day.
    """
    out: dict[str, list[str]] = {}
    for entry in resources.files(_DATA).iterdir():
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            if entry.joinpath(_EDITIONS).is_file():
                versions = [e["version"] for e in _editions_file(entry.name)["editions"]]
            else:
                versions = [f.name.removesuffix(".json") for f in entry.iterdir() if f.name.endswith(".json")]
            if versions:
                out[entry.name] = sorted(versions)
    return out


@cache
def _editions_file(name: str) -> dict[str, Any]:
    root = resources.files(_DATA).joinpath(name)
    raw: dict[str, Any] = json.loads(root.joinpath(_EDITIONS).read_text(encoding="utf-8"))
    raw["sections"] = [json.loads(root.joinpath(f).read_text(encoding="utf-8")) for f in raw["section_files"]]
    return raw


@cache
def load_form(name: str, version: str) -> FormSchema:
    root = resources.files(_DATA).joinpath(name)
    if root.is_dir() and root.joinpath(_EDITIONS).is_file():
        return _edition(_editions_file(name), version)
    try:
        raw = root.joinpath(f"{version}.json").read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise NotFound("form", f"Форма «{name}» версии {version} не найдена") from exc
    return parse_form(json.loads(raw))


def _edition(raw: dict[str, Any], version: str) -> FormSchema:
    editions = sorted(raw["editions"], key=lambda e: e["valid_from"])
    for n, ed in enumerate(editions):
        if ed["version"] == version:
            nxt = editions[n + 1]["valid_from"] if n + 1 < len(editions) else None
            valid_to = (date.fromisoformat(nxt) - timedelta(days=1)).isoformat() if nxt else None
            base = {k: v for k, v in raw.items() if k not in ("editions", "section_files")}
            notes = [*raw.get("notes", ()), *([ed["note"]] if ed.get("note") else [])]
            full = base | {"version": version, "valid_from": ed["valid_from"], "valid_to": valid_to, "notes": notes}
            full |= {"act": f"{raw['act']}; {ed['act']}" if ed.get("act") else raw["act"], "verified": ed.get("verified", True)}
            return parse_form(full, on=date.fromisoformat(ed["valid_from"]))
    raise NotFound("form", f"Форма «{raw['form']}» версии {version} не найдена")


def form_in_force(name: str, on: date) -> FormSchema:
    versions = available_forms().get(name)
    if not versions:
        raise NotFound("form", f"Форма «{name}» не найдена")
    for version in reversed(versions):
        schema = load_form(name, version)
        if schema.in_force_on(on):
            return schema
    raise NotFound("form", f"Нет версии формы «{name}», действующей на {on:%d.%m.%Y}")


def parse_form(raw: dict[str, Any], *, on: date | None = None) -> FormSchema:
    """``on``: keep only the items and options in force on that day (an edition of an amended form)."""
    sections = tuple(
        Section(code=str(s["code"]), title=str(s["title"]), items=tuple(_in_force((_item(i) for i in s["items"]), on)))
        for s in raw["sections"]
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
        facts=tuple(AgeFact(name=f["name"], birth=f["birth"], on=f["on"], unit=f.get("unit", "years")) for f in raw.get("facts", ())),
        verified=bool(raw.get("verified", True)),
    )
    _check(schema)
    return schema


def _in_force(items: Iterable[Item], on: date | None) -> Iterator[Item]:
    for it in items:
        if on is None:
            yield it
        elif it.in_force_on(on):
            yield replace(it, options=tuple(o for o in it.options if o.in_force_on(on)), valid_from=None, valid_to=None)


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _option(o: dict[str, Any]) -> Option:
    return Option(
        code=str(o["code"]),
        label=o["label"],
        point=o.get("point"),
        valid_from=_day(o.get("valid_from")),
        valid_to=_day(o.get("valid_to")),
        exclusive=bool(o.get("exclusive", False)),
    )


def _item(raw: dict[str, Any]) -> Item:
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
        required_if=parse_condition(raw.get("required_if")),
        shown_if=parse_condition(raw.get("shown_if")),
        dictionary=raw.get("dictionary"),
        options=tuple(_option(o) for o in raw.get("options", ())),
        rows=tuple(_option(o) for o in raw.get("rows", ())),
        columns=tuple(_item(c) for c in raw.get("columns", ())),
        max_length=raw.get("max_length"),
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
        max_rows=raw.get("max_rows"),
        hint=raw.get("hint"),
        source=tuple(raw.get("source", ())),
        valid_from=_day(raw.get("valid_from")),
        valid_to=_day(raw.get("valid_to")),
        cite=raw.get("cite"),
        prefill=raw.get("prefill"),
    )


def _check(schema: FormSchema) -> None:
    keys: set[str] = set()
    for it in schema.items():
        if it.key in keys:
            raise SchemaError(f"{schema.form}: duplicate key {it.key}")
        keys.add(it.key)
        if it.type in (ItemType.CHOICE, ItemType.MULTICHOICE, ItemType.SCORE) and not it.options:
            raise SchemaError(f"{schema.form}: {it.key} has no options")
        if it.type is ItemType.TABLE and not it.columns:
            raise SchemaError(f"{schema.form}: {it.key} has no columns")
        codes = [o.code for o in it.options]
        if len(codes) != len(set(codes)):
            raise SchemaError(f"{schema.form}: {it.key} repeats an option code")
    facts = {f.name for f in schema.facts}
    for it in schema.items():
        for cond in (it.required_if, it.shown_if):
            if cond is None:
                continue
            if unknown := cond.keys() - keys:
                raise SchemaError(f"{schema.form} {schema.version}: {it.key} depends on unknown {sorted(unknown)}")
            if unknown := cond.facts() - facts:
                raise SchemaError(f"{schema.form} {schema.version}: {it.key} uses undeclared facts {sorted(unknown)}")
