"""/api/v1/referrals — receiving referrals to МСЭ (088/у) from medical organisations, and the registrar's decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from mse.domain.referrals import STATE_LABELS, ReferralState, ReturnReason
from mse.services import intake, referral_queries, registration
from mse.services.intake_ports import DocumentReader, QueueQuery, ReferralRecord, Submission
from mse.web.deps import ClockDep, CurrentActor, PathId, Uow, get_uow
from mse.web.intake_wiring import IntakeWiring
from mse.web.responses import ERRORS

router = APIRouter(prefix="/referrals", tags=["направления на МСЭ"], responses=ERRORS)


class Reason(BaseModel):
    code: str = Field(description="RR1…RR5 (process.md §6.5)", max_length=8)
    text: str = Field(description="Пояснение на русском языке", max_length=2000)


class ReferralStatus(BaseModel):
    id: int
    document_id: str
    state: ReferralState
    state_label: str
    received_at: datetime
    sender: str
    bureau: str
    priorities: list[str]
    registration_number: str | None
    registration_date: date | None
    case_id: int | None
    receipt_reasons: list[Reason] = Field(description="Причины непринятия (NA1–NA4)")
    return_reasons: list[Reason] = Field(description="Причины возврата в МО (RR1–RR5)")
    findings: list[dict[str, Any]] = Field(description="Результаты автоматических проверок")
    notes: list[dict[str, Any]]

    @classmethod
    def of(cls, r: ReferralRecord) -> ReferralStatus:
        findings = r.checks.get("findings", [])
        return cls(
            id=r.id, document_id=r.document_id, state=r.state, state_label=STATE_LABELS[r.state], received_at=r.received_at,
            sender=r.sender_name, bureau=r.bureau_name, priorities=r.priorities, registration_number=r.registration_number,
            registration_date=r.registration_date, case_id=r.case_id,
            receipt_reasons=[Reason(code=f["rule_id"], text=f"{f['title']}. {f['message']}") for f in findings if f["stage"] == "receipt"],
            return_reasons=[Reason(code=x["code"], text=x["text"]) for x in r.return_reasons],
            findings=findings, notes=r.checks.get("notes", []))


class ReturnIn(BaseModel):
    reasons: list[Reason] = Field(min_length=1, max_length=5)


class DecisionOut(BaseModel):
    referral_id: int
    state: ReferralState
    registration_number: str
    registration_date: date
    case_id: int
    due_invitation: date | None = None
    due_decision: date | None = None


class QueuePage(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def _wiring(request: Request) -> IntakeWiring:
    wiring: IntakeWiring = request.app.state.intake
    return wiring


async def _receive(request: Request, actor: CurrentActor, clock: ClockDep, reader: DocumentReader, document: UploadFile,
                   signature: UploadFile | None, response: Response) -> ReferralStatus:
    body = await document.read()
    sig = await signature.read() if signature is not None else None
    wiring = _wiring(request)

    def factory() -> Any:
        return get_uow(request)

    # The pipeline is blocking (database, openssl children): in the threadpool, so the event loop keeps serving
    # other requests meanwhile and concurrent referrals overlap their signature checks (issue 7, P1).
    result = await run_in_threadpool(
        intake.receive_referral, factory, actor, Submission(body=body, signature=sig or None, filename=document.filename),
        reader=reader, verifier=wiring.verifier, clock=clock, refs=wiring.references())
    response.status_code = 200 if result.replayed else 201
    response.headers["Location"] = f"/api/v1/referrals/{result.referral.id}"
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ReferralStatus.of(result.referral)


DocumentPart = Annotated[UploadFile, File(description="Документ: JSON по схеме формы 088/у в конверте или СЭМД (CDA XML)")]
SignaturePart = Annotated[UploadFile | None, File(description="Открепленная подпись CMS (CAdES-BES, ГОСТ Р 34.10-2012), DER или PEM")]


@router.post("", status_code=201, response_model=ReferralStatus, summary="Принять направление (JSON по схеме формы 088/у)",
             description="multipart/form-data: `document` — JSON `{document_id, sender_ogrn, bureau_id?, referral: {…}}` "
                         "(ключи referral — из `GET /api/v1/forms/referral-088u`), `signature` — открепленная УКЭП. "
                         "Повторная отправка того же document_id возвращает первый результат (200, Idempotent-Replayed).")
async def receive_json(request: Request, actor: CurrentActor, clock: ClockDep, response: Response, document: DocumentPart,
                       signature: SignaturePart = None) -> ReferralStatus:
    return await _receive(request, actor, clock, _wiring(request).json_reader, document, signature, response)


@router.post("/semd", status_code=201, response_model=ReferralStatus,
             summary="Принять направление — СЭМД «Направление на МСЭ» (CDA) ред.6",
             description="multipart/form-data: `document` — XML СЭМД (проверяется официальными XSD и Schematron; внешние сущности и DOCTYPE "
                         "запрещены), `signature` — открепленная УКЭП МО. Идемпотентно по ClinicalDocument/id.")
async def receive_semd(request: Request, actor: CurrentActor, clock: ClockDep, response: Response, document: DocumentPart,
                       signature: SignaturePart = None) -> ReferralStatus:
    return await _receive(request, actor, clock, _wiring(request).semd_reader, document, signature, response)


@router.get("", response_model=QueuePage, summary="Направления: очередь бюро или отправленные медицинской организацией")
def list_referrals(actor: CurrentActor, uow: Uow, clock: ClockDep,
                   state: Annotated[list[ReferralState] | None, Query(description="Состояния")] = None,
                   q: Annotated[str | None, Query(max_length=100, description="Номер, идентификатор документа, фамилия или СНИЛС")] = None,
                   limit: Annotated[int, Query(ge=1, le=100)] = 20,
                   offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> QueuePage:
    query = QueueQuery(states=tuple(state) if state else tuple(ReferralState), text=q)
    with uow:
        page = referral_queries.referral_queue(uow, actor, query, clock, limit=limit, offset=offset)
    return QueuePage(items=[{**row.__dict__, "state_label": STATE_LABELS[row.state]} for row in page.rows],
                     total=page.total, limit=limit, offset=offset)


@router.get("/{referral_id}", response_model=ReferralStatus, summary="Состояние направления (для МИС — опрос статуса)")
def get_referral(referral_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep) -> ReferralStatus:
    with uow:
        return ReferralStatus.of(referral_queries.read_referral(uow, actor, referral_id, clock))


@router.post("/{referral_id}/register", response_model=DecisionOut, summary="Зарегистрировать направление (открыть дело)")
def register(referral_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep) -> DecisionOut:
    with uow:
        d = registration.register_referral(uow, actor, referral_id, clock)
    return DecisionOut(**d.__dict__)


@router.post("/{referral_id}/return", response_model=DecisionOut, summary="Вернуть направление в медицинскую организацию с указанием причин")
def return_to_mo(referral_id: PathId, body: ReturnIn, request: Request, actor: CurrentActor, uow: Uow, clock: ClockDep) -> DecisionOut:
    wiring = _wiring(request)
    with uow:
        d = registration.return_referral(uow, actor, referral_id, [ReturnReason(r.code, r.text) for r in body.reasons], clock,
                                         notices=wiring.notices, signer=wiring.signer)
    return DecisionOut(**d.__dict__)


@router.get("/{referral_id}/return-notice", summary="Уведомление о причинах возврата (XML) — подпись: ?part=signature",
            responses={200: {"content": {"application/xml": {}, "application/pkcs7-signature": {}}}})
def get_return_notice(referral_id: PathId, actor: CurrentActor, uow: Uow, clock: ClockDep,
                      part: Annotated[str, Query(pattern="^(document|signature)$")] = "document") -> Response:
    with uow:
        notice, signature = referral_queries.return_notice(uow, actor, referral_id, clock)
    if part == "signature":
        if signature is None:
            return Response(status_code=204)
        return Response(signature, media_type="application/pkcs7-signature",
                        headers={"Content-Disposition": f'attachment; filename="return-{referral_id}.xml.sig"'})
    return Response(notice, media_type="application/xml", headers={"Content-Disposition": f'attachment; filename="return-{referral_id}.xml"'})


