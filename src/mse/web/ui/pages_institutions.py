"""The institution directory: the tree of bureaus and a unit card with its staff."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mse.domain.organisation import Position
from mse.services import organisation
from mse.web.deps import ClockDep, Uow
from mse.web.ui.common import UiActor, render, text_param
from mse.web.ui.orgview import ancestors, staff_visible, summarise, tree_rows

router = APIRouter()


@router.get("/institutions")
def institutions(request: Request, actor: UiActor, uow: Uow) -> Response:
    region = text_param(request.query_params, "region", 2)
    with uow:
        items = organisation.institution_tree(uow, actor)
        regions = uow.orgs.regions()
    rows = tree_rows(items, {r.code: r.name for r in regions}, actor)
    if region:
        # A region keeps its main bureau and branches; the federal level stays as the root of the view.
        rows = [r for r in rows if r.depth == 0 or r.unit.region_code == region]
    used = {it.unit.region_code for it in items if it.unit.region_code}
    ctx = {"rows": rows, "summary": summarise(items), "regions": [r for r in regions if r.code in used],
           "region": region}
    return render(request, "institutions/tree.html", ctx, section="institutions")


@router.get("/institutions/{unit_id:int}")
def unit_card(request: Request, unit_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    with uow:
        unit, members = organisation.unit_staff(uow, actor, unit_id, clock)
        items = organisation.institution_tree(uow, actor)
        region = uow.orgs.region(unit.region_code) if unit.region_code else None
    regions = {region.code: region.name} if region else {}
    children = [row for row in tree_rows(items, regions, actor) if row.unit.parent_id == unit.id]
    rank = {position: i for i, position in enumerate(Position)}  # the head first, then as the enum lists them
    members = sorted(members, key=lambda m: (rank[m.position], m.surname, m.name))
    ctx = {"unit": unit, "members": members, "parents": [(p, staff_visible(actor, p)) for p in ancestors(items, unit)], "children": children,
           "region_name": region.name if region else None}
    return render(request, "institutions/unit.html", ctx, section="institutions")
