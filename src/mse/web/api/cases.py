"""/api/v1/cases/{id}/… — the case life-cycle: the status the citizen and the МО see, the history, transitions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from mse.domain.case_lifecycle import CaseFacts, Form, Purpose, State
from mse.services import cases
from mse.web.deps import ClockDep, CurrentActor, PathId, Uow
from mse.web.responses import ERRORS

router = APIRouter(tags=["дела МСЭ: жизненный цикл"], responses=ERRORS)


class StatusFieldOut(BaseModel):
    code: str
    label: str
    value: str | None = Field(description="null — сведения ещё не известны")


class StatusOut(BaseModel):
    case_id: int
    number: str
    code: str = Field(description="Код статуса для гражданина (process.md §7.4)")
    label: str
    must_show: list[StatusFieldOut]
    proposal: bool = Field(description="Перечень статусов — предложение (источники устанавливают документы, а не статусы)")
    state: State | None = Field(None, description="Внутреннее состояние дела — только для сотрудников бюро")


class HistoryItemOut(BaseModel):
    at: datetime
    from_state: str | None
    to_state: str
    to_label: str
    event: str | None
    transition: str | None = Field(description="Идентификатор перехода таблицы (T01…)")
    event_label: str | None
    actor_name: str | None
    actor_role: str | None
    reason: str | None
    details: dict[str, Any] | None


class HistoryOut(BaseModel):
    items: list[HistoryItemOut]
    total: int
    limit: int
    offset: int


class FactsIn(BaseModel):
    """What the actor states about the case when triggering an event; what the system knows itself (the referral, the
    actor's level, today, the vote) is taken from storage and cannot be claimed here."""

    model_config = ConfigDict(extra="forbid")

    reason_code: str | None = Field(None, max_length=40)
    purpose: Purpose = Purpose.DISABILITY
    return_reasons: list[str] = Field(default_factory=list, max_length=5)
    missing_documents: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list, max_length=30)
    documents_complete: bool = False
    form_of_conducting: Form | None = None
    home_conclusion: bool = False
    citizen_consent: bool = False
    appointed_on: date | None = None
    panel_size: int = Field(0, ge=0, le=50)
    pdo_items: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list, max_length=30)
    pdo_has_consultation: bool = False
    pdo_results_attached: bool = False
    conclusion_received: bool = False
    refusal_statement_filed: bool = False
    citizen_present: bool = False
    dispatches_done: bool = False
    linked_case_id: int | None = Field(None, ge=1, le=2_147_483_647)
    duplicate_of: int | None = Field(None, ge=1, le=2_147_483_647)
    paper_twin_decided: bool = False
    signature_invalid: bool = False
    other_region: bool = False
    reexam_window_open: bool = False
    citizen_participation: bool = False

    def facts(self) -> CaseFacts:
        d = self.model_dump()
        for key in ("return_reasons", "missing_documents", "pdo_items"):
            d[key] = tuple(d[key])
        return CaseFacts(**d)


class TransitionIn(BaseModel):
    event: str = Field(min_length=1, max_length=64, pattern=r"^[a-z_]+$", description="Событие из таблицы переходов")
    reason: str | None = Field(None, max_length=500, description="Основание (почему)")
    expected_state: State | None = Field(None, description="Состояние, которое видел пользователь (иначе — 409)")
    facts: FactsIn = Field(default_factory=FactsIn)


class CaseOut(BaseModel):
    id: int
    number: str
    state: State
    state_label: str
    registered_on: date
    regime: str | None = Field(description="Режим регулирования на дату регистрации: legacy | current (process.md §0.2)")
    form_of_conducting: str | None
    transition: str | None = Field(description="Выполненный переход (T01…)")


@router.get("/cases/{case_id}/status", response_model=StatusOut, summary="Статус дела для гражданина и медицинской организации")
def get_status(case_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep) -> StatusOut:
    with uow:
        view = cases.case_status(uow, actor, case_id, clock)
        uow.commit()
    s = view.status
    return StatusOut(case_id=view.case_id, number=view.number, code=s.code, label=s.label, proposal=s.proposal, state=view.state,
                     must_show=[StatusFieldOut(code=f.code, label=f.label, value=f.value) for f in s.must_show])


@router.get("/cases/{case_id}/history", response_model=HistoryOut, summary="История дела (кто, когда, из какого состояния, почему)")
def get_history(case_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep,
                limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> HistoryOut:
    with uow:
        rows, total = cases.history(uow, actor, case_id, clock, limit=limit, offset=offset)
        uow.commit()
    return HistoryOut(total=total, limit=limit, offset=offset, items=[HistoryItemOut(
        at=h.row.at, from_state=h.row.from_state, to_state=h.row.to_state, to_label=h.to_label, event=h.row.event,
        transition=h.transition_id, event_label=h.event_label, actor_name=h.row.actor_name, actor_role=h.row.actor_role,
        reason=h.row.reason, details=h.row.details) for h in rows])


@router.post("/cases/{case_id}/transitions", response_model=CaseOut, summary="Выполнить действие с делом (переход состояния)",
             description="Переход по таблице состояний: 403 `transition_role_forbidden`, 409 `transition_not_allowed`, "
                         "`transition_guard_failed:<условие>`, `transition_stale_state`; 422 `validation_failed`.")
def post_transition(case_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep,
                    body: Annotated[TransitionIn, Body()]) -> CaseOut:
    view = cases.transition(lambda: uow, actor, case_id, body.event, clock, reason=body.reason, facts=body.facts.facts(),
                            expected_state=body.expected_state.value if body.expected_state else None)
    return CaseOut(id=view.id, number=view.number, state=view.state, state_label=view.state_label,
                   registered_on=view.registered_on, regime=view.regime, form_of_conducting=view.form_of_conducting,
                   transition=view.fired.id if view.fired else None)
