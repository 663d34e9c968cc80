"""/api/v1/protocols — the protocol of MSE (389н) for machine clients: open for a case, read, edit a draft, check."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel, Field

from mse.domain.protocols import ProtocolRecord, ProtocolStatus
from mse.services import protocols
from mse.web.deps import ClockDep, CurrentActor, PathId, Uow
from mse.web.protocol_wiring import ProtocolWiring
from mse.web.responses import ERRORS

router = APIRouter(tags=["протоколы МСЭ"], responses=ERRORS)


class SignatureOut(BaseModel):
    role: str
    full_name: str
    position: str
    signed_at: datetime


class ProtocolOut(BaseModel):
    id: int
    case_id: int
    form: str
    version: str = Field(description="Редакция формы (дата начала действия)")
    number: str = Field(description="Номер протокола = регистрационный номер дела (389н прил.2 п.8(2))")
    date: date
    status: ProtocolStatus
    revision: int = Field(description="Версия для оптимистической блокировки (передаётся в PATCH)")
    data: dict[str, Any] = Field(description="Пункты протокола по кодам формы (GET /api/v1/forms/protocol-389n)")
    prefilled: dict[str, str] = Field(description="Пункты, заполненные автоматически, и источник")
    signatures: list[SignatureOut]

    @classmethod
    def of(cls, r: ProtocolRecord) -> ProtocolOut:
        return cls(id=r.id, case_id=r.case_id, form=r.form, version=r.form_version, number=r.number, date=r.protocol_date,
                   status=r.status, revision=r.revision, data=r.data, prefilled=r.prefilled,
                   signatures=[SignatureOut(role=s.role.value, full_name=s.full_name, position=s.position, signed_at=s.signed_at)
                               for s in r.signatures])


class Problem(BaseModel):
    field: str
    message: str
    code: str


class Finding(BaseModel):
    rule_id: str
    item: str
    message: str
    severity: str
    citation: str


class CheckOut(BaseModel):
    ready: bool = Field(description="Можно подписывать: нет незаполненных обязательных пунктов и ошибок")
    problems: list[Problem]
    findings: list[Finding]


class DraftIn(BaseModel):
    revision: int = Field(ge=1, le=2_000_000_000, description="Версия, с которой сделаны изменения")
    changes: dict[str, Any] = Field(max_length=1000, description="Изменённые пункты по кодам; null очищает пункт")


class DraftOut(BaseModel):
    protocol: ProtocolOut
    cleared: list[str] = Field(description="Пункты, очищенные как неприменимые после изменений")
    problems: list[Problem] = Field(description="Замечания черновика (не препятствуют сохранению)")


def _icd(request: Request) -> Any:
    wiring: ProtocolWiring = request.app.state.protocols
    return wiring.icd_exists


@router.post("/cases/{case_id}/protocol", response_model=ProtocolOut, summary="Открыть протокол дела (создаётся при первом открытии)")
def open_protocol(case_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep, response: Response) -> ProtocolOut:
    record = protocols.open_for_case(lambda: uow, actor, case_id, clock)
    response.headers["Location"] = f"/api/v1/protocols/{record.id}"
    return ProtocolOut.of(record)


@router.get("/protocols/{protocol_id}", response_model=ProtocolOut, summary="Протокол проведения МСЭ")
def get_protocol(protocol_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep) -> ProtocolOut:
    with uow:
        record = protocols.access_protocol(uow, actor, protocol_id, clock)
        uow.commit()
    return ProtocolOut.of(record)


@router.patch("/protocols/{protocol_id}", response_model=DraftOut, summary="Изменить черновик протокола",
              description="Изменения применяются к версии `revision`; при несовпадении — 409. Нечитаемые значения отклоняются "
                          "(422, ничего не сохраняется). Подписанный протокол изменить нельзя (409).")
def patch_protocol(protocol_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep,
                   body: Annotated[DraftIn, Body()]) -> DraftOut:
    saved = protocols.save_draft(lambda: uow, actor, protocol_id, body.changes, expected_revision=body.revision, clock=clock)
    return DraftOut(protocol=ProtocolOut.of(saved.record), cleared=saved.cleared,
                    problems=[Problem(field=p.field, message=p.message, code=p.code) for p in saved.problems])


@router.get("/protocols/{protocol_id}/check", response_model=CheckOut, summary="Проверка протокола перед подписанием")
def check_protocol(request: Request, protocol_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep) -> CheckOut:
    with uow:
        record = protocols.access_protocol(uow, actor, protocol_id, clock)
        uow.commit()
    checked = protocols.check(record, icd_exists=_icd(request))
    return CheckOut(ready=checked.ready, problems=[Problem(field=p.field, message=p.message, code=p.code) for p in checked.problems],
                    findings=[Finding(**f.__dict__) for f in checked.findings])
