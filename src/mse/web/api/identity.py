"""/api/v1/me, /api-tokens, /audit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from mse.domain.identity import ROLE_LABELS
from mse.services import audit, auth
from mse.services.ports import AuditQuery
from mse.web.api.schemas import AuditOut, MeOut, Page, TokenIn, TokenOut
from mse.web.deps import ClockDep, CurrentActor, Uow
from mse.web.responses import ERRORS

router = APIRouter(tags=["доступ и аудит"], responses=ERRORS)


@router.get("/me", summary="Текущий пользователь", response_model=MeOut)
def me(actor: CurrentActor) -> MeOut:
    return MeOut(user_id=actor.user_id, login=actor.login, role=actor.role, role_label=ROLE_LABELS[actor.role],
                 display_name=actor.display_name, unit_id=actor.unit_id, medical_org_id=actor.medical_org_id,
                 person_id=actor.person_id)


@router.post("/api-tokens", status_code=201, summary="Выпустить токен для МИС медицинской организации", response_model=TokenOut)
def create_token(body: TokenIn, actor: CurrentActor, uow: Uow, clock: ClockDep) -> TokenOut:
    with uow:
        issued = auth.issue_api_token(uow, actor, clock, user_id=body.user_id, name=body.name, days=body.days)
    return TokenOut(id=issued.id, token=issued.token, prefix=issued.prefix)


@router.get("/audit", summary="Журнал аудита (аудитор)", response_model=Page[AuditOut])
def audit_log(
    actor: CurrentActor, uow: Uow, clock: ClockDep,
    actor_login: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_kind: Annotated[str | None, Query(max_length=32)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Page[AuditOut]:
    q = AuditQuery(actor_login, action, object_kind, object_id, since, until)
    with uow:
        rows, total = audit.browse(uow, actor, q, clock, limit=limit, offset=offset)
    items = [AuditOut(seq=r.seq, at=r.entry.at, actor_login=r.entry.actor_login, actor_role=r.entry.actor_role,
                      action=r.entry.action, object_kind=r.entry.object_kind, object_id=r.entry.object_id, ip=r.entry.ip,
                      reason=r.entry.reason, details=r.entry.details, hash=r.hash) for r in rows]
    return Page[AuditOut](items=items, total=total, limit=limit, offset=offset)
