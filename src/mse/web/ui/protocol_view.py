"""The workbench's view of a protocol: per section, its items with value, problem and visibility, and the
completion state that the section navigation and the «before signing» summary show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mse.domain.errors import FieldProblem
from mse.forms import FormSchema, Item
from mse.forms.conditions import compute_facts, condition_as_data
from mse.rules.protocol_checks import Finding


@dataclass
class ItemView:
    item: Item
    value: Any
    shown: bool
    required: bool
    problems: list[str] = field(default_factory=list)
    prefilled: str | None = None
    depth: int = 0

    @property
    def shown_if_json(self) -> dict[str, Any] | None:
        return condition_as_data(self.item.shown_if) if self.item.shown_if else None

    @property
    def required_if_json(self) -> dict[str, Any] | None:
        return condition_as_data(self.item.required_if) if self.item.required_if else None


@dataclass
class SectionView:
    code: str
    title: str
    items: list[ItemView]

    @property
    def anchor(self) -> str:
        return f"section-{self.code}"

    @property
    def missing(self) -> int:
        return sum(1 for v in self.items if v.shown and v.required and _blank(v.value))

    @property
    def errors(self) -> int:
        return sum(1 for v in self.items if v.problems)

    @property
    def filled(self) -> int:
        return sum(1 for v in self.items if v.item.holds_value and not _blank(v.value))

    @property
    def state(self) -> str:
        if self.errors:
            return "errors"
        if self.missing:
            return "missing"
        return "complete" if self.filled else "empty"


def item_key_of(schema: FormSchema, field: str) -> str:
    """The item a problem's path points into: "appendix.3.0.2" (row 0, column 2) → "appendix.3"."""
    keys = {it.key for it in schema.items()}
    path = field
    while path not in keys and "." in path:
        path = path.rsplit(".", 1)[0]
    return path if path in keys else field


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _depth(code: str) -> int:
    return min(3, code.count(".") + code.count("("))


def build_sections(schema: FormSchema, data: Mapping[str, object], problems: list[FieldProblem], findings: list[Finding],
                   prefilled: Mapping[str, str], *, typed: Mapping[str, object] | None = None) -> list[SectionView]:
    """``typed``: what the user posted (kept on the page when the save was refused)."""
    values = dict(typed if typed is not None else data)
    facts = compute_facts(schema.facts, values)
    by_item: dict[str, list[str]] = {}
    for p in problems:
        if p.code != "required":
            by_item.setdefault(item_key_of(schema, p.field), []).append(p.message)
    for f in findings:
        by_item.setdefault(f.item, []).append(f"{f.message} ({f.rule_id})" if f.severity == "error" else f"Внимание: {f.message} ({f.rule_id})")
    sections: list[SectionView] = []
    for section in schema.sections:
        views = []
        for it in section.items:
            shown = it.shown_if is None or it.shown_if.holds(values, facts)
            required = it.required or (it.required_if is not None and it.required_if.holds(values, facts))
            views.append(ItemView(item=it, value=values.get(it.key), shown=shown, required=required,
                                  problems=by_item.get(it.key, []), prefilled=prefilled.get(it.key), depth=_depth(it.key)))
        sections.append(SectionView(section.code, section.title, views))
    return sections


@dataclass(frozen=True)
class Missing:
    section: str
    key: str
    code: str
    label: str


def missing_items(sections: list[SectionView]) -> list[Missing]:
    return [Missing(s.title, v.item.key, v.item.code, v.item.label) for s in sections for v in s.items
            if v.shown and v.required and _blank(v.value)]


def schema_facts(schema: FormSchema) -> list[dict[str, str]]:
    return [{"name": f.name, "birth": f.birth, "on": f.on, "unit": f.unit} for f in schema.facts]
