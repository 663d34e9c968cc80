"""View models of the institution tree (pure functions over what the services return)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mse.domain.identity import Actor
from mse.domain.organisation import OrgUnit, UnitKind
from mse.domain.policy import Action, Kind, Scope, allowed
from mse.services.ports import UnitWithCounts


@dataclass(frozen=True)
class TreeRow:
    unit: OrgUnit
    depth: int
    staff_count: int
    subtree_staff: int  # the unit and everything under it
    region_name: str | None
    staff_visible: bool  # whether the actor may open the staff list (else no link)


@dataclass(frozen=True)
class TreeSummary:
    main_bureaus: int
    bureaus: int
    compositions: int
    staff: int


def _path_ids(path: str) -> list[int]:
    return [int(x) for x in path.strip("/").split("/") if x]


_KIND_ORDER = {UnitKind.FEDERAL: 0, UnitKind.MAIN: 1, UnitKind.BUREAU: 2, UnitKind.COMPOSITION: 3}
_NUMBER = re.compile(r"(\d+)")


def _natural(text: str) -> tuple[object, ...]:
    """«Бюро № 2» before «Бюро № 10»."""
    return tuple(int(p) if p.isdigit() else p.casefold() for p in _NUMBER.split(text))


def in_tree_order(items: list[UnitWithCounts]) -> list[UnitWithCounts]:
    """Presentation order: depth-first, siblings by kind (main bureaus, bureaus, compositions), then by name with
    numbers in order. The repository already gives depth-first order by id; this adds the reading order people expect.
    """
    ids = {it.unit.id for it in items}
    children: dict[int | None, list[UnitWithCounts]] = {}
    for it in items:
        parent = it.unit.parent_id if it.unit.parent_id in ids else None
        children.setdefault(parent, []).append(it)
    for group in children.values():
        group.sort(key=lambda it: (_KIND_ORDER[it.unit.kind], _natural(it.unit.short_name)))
    out: list[UnitWithCounts] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        it = stack.pop()
        out.append(it)
        stack.extend(reversed(children.get(it.unit.id, [])))
    return out


def tree_rows(items: list[UnitWithCounts], regions: dict[str, str], actor: Actor) -> list[TreeRow]:
    items = in_tree_order(items)
    totals: dict[int, int] = {}
    for it in items:
        for unit_id in _path_ids(it.unit.path):
            totals[unit_id] = totals.get(unit_id, 0) + it.staff_count
    return [
        TreeRow(it.unit, max(it.depth, 0), it.staff_count, totals.get(it.unit.id, 0),
                regions.get(it.unit.region_code or ""),
                staff_visible(actor, it.unit))
        for it in items
    ]


def staff_visible(actor: Actor, unit: OrgUnit) -> bool:
    return allowed(actor, Kind.STAFF, Action.READ, Scope(unit_path=unit.path))


def summarise(items: list[UnitWithCounts]) -> TreeSummary:
    kinds = [it.unit.kind for it in items]
    return TreeSummary(
        main_bureaus=kinds.count(UnitKind.MAIN), bureaus=kinds.count(UnitKind.BUREAU),
        compositions=kinds.count(UnitKind.COMPOSITION), staff=sum(it.staff_count for it in items),
    )


def ancestors(items: list[UnitWithCounts], unit: OrgUnit) -> list[OrgUnit]:
    """The chain from the federal bureau down to the unit's parent."""
    by_id = {it.unit.id: it.unit for it in items}
    return [by_id[i] for i in _path_ids(unit.path)[:-1] if i in by_id]
