"""/api/v1/regions, /units, /medical-orgs — the institution directory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from mse.services import organisation
from mse.web.api.schemas import Created, MedicalOrgIn, MedicalOrgOut, Page, RegionOut, StaffOut, UnitIn, UnitOut
from mse.web.deps import ClockDep, CurrentActor, PathId, Uow
from mse.web.responses import ERRORS

router = APIRouter(tags=["учреждения"], responses=ERRORS)


@router.get("/regions", summary="Субъекты Российской Федерации", response_model=list[RegionOut])
def list_regions(actor: CurrentActor, uow: Uow) -> list[RegionOut]:
    with uow:
        return [RegionOut(code=r.code, name=r.name) for r in uow.orgs.regions()]


@router.get("/units", summary="Дерево учреждений МСЭ с численностью сотрудников", response_model=list[UnitOut])
def list_units(actor: CurrentActor, uow: Uow) -> list[UnitOut]:
    with uow:
        tree = organisation.institution_tree(uow, actor)
    return [UnitOut(id=u.unit.id, kind=u.unit.kind, name=u.unit.name, short_name=u.unit.short_name,
                    region_code=u.unit.region_code, parent_id=u.unit.parent_id, profile=u.unit.profile,
                    address=u.unit.address, staff_count=u.staff_count, depth=u.depth) for u in tree]


@router.post("/units", status_code=201, summary="Создать учреждение (администратор)", response_model=Created)
def create_unit(body: UnitIn, actor: CurrentActor, uow: Uow, clock: ClockDep) -> Created:
    with uow:
        unit = organisation.create_unit(uow, actor, clock, kind=body.kind, name=body.name, short_name=body.short_name,
                                        parent_id=body.parent_id, region_code=body.region_code, profile=body.profile,
                                        address=body.address)
        uow.commit()
    return Created(id=unit.id)


@router.get("/units/{unit_id}/staff", summary="Сотрудники учреждения", response_model=list[StaffOut])
def unit_staff(unit_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep) -> list[StaffOut]:
    with uow:
        _, members = organisation.unit_staff(uow, actor, unit_id, clock)
    return [StaffOut(id=m.id, position=m.position, full_name=m.full_name, email=m.email) for m in members]


@router.get("/medical-orgs", summary="Медицинские организации", response_model=Page[MedicalOrgOut])
def list_medical_orgs(
    actor: CurrentActor, uow: Uow,
    region_code: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Page[MedicalOrgOut]:
    with uow:
        rows, total = uow.orgs.medical_orgs(region_code, limit=limit, offset=offset)
    return Page[MedicalOrgOut](items=[MedicalOrgOut(**vars(m)) for m in rows], total=total, limit=limit, offset=offset)


@router.post("/medical-orgs", status_code=201, summary="Добавить медицинскую организацию (администратор)", response_model=Created)
def create_medical_org(body: MedicalOrgIn, actor: CurrentActor, uow: Uow, clock: ClockDep) -> Created:
    with uow:
        mo = organisation.create_medical_org(uow, actor, clock, name=body.name, ogrn=body.ogrn,
                                             region_code=body.region_code, address=body.address)
        uow.commit()
    return Created(id=mo.id)

