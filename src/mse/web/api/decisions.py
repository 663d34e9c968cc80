"""/api/v1/cases/{id}/decision and /api/v1/documents — the expert decision for machine clients: the suggestion and
its rationale, the departures, the votes, the issued documents (exact bytes, hash, the head's CMS signature)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from mse.domain.decisions import DecisionStatus, Majority, Vote
from mse.services import decisions
from mse.services.decisions import Panel
from mse.web.deps import ClockDep, CurrentActor, PathId, Uow
from mse.web.protocol_wiring import ProtocolWiring
from mse.web.responses import ERRORS

router = APIRouter(tags=["решения МСЭ"], responses=ERRORS)


class VoteOut(BaseModel):
    full_name: str
    role: str
    vote: Vote
    opinion: str | None
    voted_at: datetime


class DocumentOut(BaseModel):
    id: int
    kind: str = Field(description="act | certificate | ipra | extract_sfr | semd_results")
    format: str = Field(description="pdf | json | xml")
    media_type: str
    filename: str
    sha256: str
    snapshot_sha256: str = Field(description="SHA-256 снимка решения, из которого документ построен")
    created_at: datetime


class DecisionOut(BaseModel):
    case_id: int
    protocol_id: int
    protocol_status: str
    suggestion: dict[str, Any] = Field(description="Расчёт по классификациям и критериям с обоснованием по шагам (steps)")
    departures: list[str] = Field(description="Расхождения решения в протоколе с расчётом (требуют обоснования в п.102)")
    status: DecisionStatus | None = Field(description="Состояние решения; null — голосование не начато")
    decision_date: date | None
    majority: Majority
    votes: list[VoteOut]
    documents: list[DocumentOut]

    @classmethod
    def of(cls, p: Panel) -> DecisionOut:
        d = p.decision
        return cls(
            case_id=p.record.case_id, protocol_id=p.record.id, protocol_status=p.record.status.value,
            suggestion=p.suggested.suggestion, departures=list(p.suggested.departures), status=d.status if d else None,
            decision_date=d.decision_date if d else None, majority=p.majority,
            votes=[VoteOut(full_name=v.full_name, role=v.role, vote=v.vote, opinion=v.opinion, voted_at=v.voted_at)
                   for v in (d.votes if d else ())],
            documents=[DocumentOut(id=x.id, kind=x.kind, format=x.format, media_type=x.media_type, filename=x.filename,
                                   sha256=x.sha256, snapshot_sha256=x.snapshot_sha256, created_at=x.created_at)
                       for x in p.documents],
        )


@router.get("/cases/{case_id}/decision", response_model=DecisionOut, summary="Решение по делу: расчёт, голоса, документы")
def get_decision(case_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep) -> DecisionOut:
    return DecisionOut.of(decisions.panel(lambda: uow, actor, case_id, clock))


class DocumentCheckOut(BaseModel):
    id: int
    reproducible: bool = Field(description="Документ заново построен из сохранённого снимка и совпал побайтно")


@router.get("/documents/{document_id}", summary="Выданный документ (точные байты)",
            responses={200: {"content": {"application/pdf": {}, "application/json": {}, "application/xml": {}}}})
def get_document(document_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep) -> Response:
    meta, content, _ = decisions.document(lambda: uow, actor, document_id, clock)
    return Response(content, media_type=meta.media_type, headers={
        "Content-Disposition": f'attachment; filename="{meta.filename}"', "X-Content-SHA256": meta.sha256,
        "Cache-Control": "no-store"})


@router.get("/documents/{document_id}/reproduce", response_model=DocumentCheckOut,
            summary="Проверка воспроизводимости документа из снимка решения")
def reproduce_document(request: Request, document_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep) -> DocumentCheckOut:
    wiring: ProtocolWiring = request.app.state.protocols
    return DocumentCheckOut(id=document_id, reproducible=decisions.reproduce(lambda: uow, actor, document_id, clock,
                                                                             wiring.documents))
