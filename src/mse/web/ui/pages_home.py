"""The home page: what each role works with, from real data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mse.domain.identity import STAFF_ROLES, Actor, Role
from mse.domain.policy import Action, Kind, allowed, may_ever
from mse.domain.ports import Clock
from mse.services import audit, organisation, persons
from mse.services.ports import AuditQuery, UnitOfWork
from mse.web.deps import ClockDep, Uow
from mse.web.ui.audit_labels import action_label, object_label, role_label
from mse.web.ui.common import UiActor, age_text, render
from mse.web.ui.orgview import ancestors, summarise, tree_rows

router = APIRouter()

HOME_AUDIT_ROWS = 20


def _staff_home(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    items = organisation.institution_tree(uow, actor)
    regions = {r.code: r.name for r in uow.orgs.regions()}
    unit = next((it.unit for it in items if it.unit.id == actor.unit_id), None)
    return {
        "unit": unit, "unit_region": regions.get(unit.region_code or "") if unit else None,
        "unit_parents": ancestors(items, unit) if unit else [],
        "summary": summarise(items), "may_register": may_ever(actor, Kind.PERSON, Action.CREATE),
    }


def _auditor_home(uow: UnitOfWork, actor: Actor, clock: Clock) -> dict[str, Any]:
    rows, total = audit.browse(uow, actor, AuditQuery(), clock, limit=HOME_AUDIT_ROWS, offset=0)
    return {"events": rows, "total": total, "action_label": action_label, "object_label": object_label,
            "role_label": role_label}


def _admin_home(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    items = organisation.institution_tree(uow, actor)
    regions = {r.code: r.name for r in uow.orgs.regions()}
    top = [row for row in tree_rows(items, regions, actor) if row.depth <= 1]
    accounts = uow.identity.accounts(limit=1, offset=0)[1] if allowed(actor, Kind.ACCOUNT, Action.READ) else None
    return {"summary": summarise(items), "top": top, "accounts": accounts}


def _medical_org_home(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    org = uow.orgs.get_medical_org(actor.medical_org_id) if actor.medical_org_id is not None else None
    region = uow.orgs.region(org.region_code) if org else None
    return {"org": org, "org_region": region.name if region else None,
            "may_register": may_ever(actor, Kind.PERSON, Action.CREATE)}


def _citizen_home(uow: UnitOfWork, actor: Actor, clock: Clock) -> dict[str, Any]:
    if actor.person_id is None:
        return {"person": None}
    person = persons.read_person(uow, actor, actor.person_id, clock)
    return {"person": person, "age": age_text(person.data.birth_date, clock.today())}


@router.get("/")
def home(request: Request, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    with uow:
        if actor.role in STAFF_ROLES:
            template, ctx = "home/staff.html", _staff_home(uow, actor)
        elif actor.role is Role.AUDITOR:
            template, ctx = "home/auditor.html", _auditor_home(uow, actor, clock)
        elif actor.role is Role.ADMIN:
            template, ctx = "home/admin.html", _admin_home(uow, actor)
        elif actor.role is Role.MEDICAL_ORG:
            template, ctx = "home/medical_org.html", _medical_org_home(uow, actor)
        else:
            template, ctx = "home/citizen.html", _citizen_home(uow, actor, clock)
    return render(request, template, ctx, section="home")
