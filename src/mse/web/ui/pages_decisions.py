"""The decision panel beside the protocol: the suggestion with its rationale (and what the other rule set gives),
the departures from it, the specialists' votes (each vote signs the protocol), the head's signature that issues the
documents, the issued documents with preview and download, and the delivery status of each result."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mse.adapters.pdf.form_pdf import format_value as display_value
from mse.domain.decisions import STATUS_LABELS, VOTE_LABELS, Majority, Vote
from mse.domain.errors import Conflict, DomainError, ValidationFailed
from mse.domain.identity import Actor, Role
from mse.domain.protocols import SPECIALIST_ROLES
from mse.domain.protocols import STATUS_LABELS as PROTOCOL_STATUS_LABELS
from mse.services import decisions, protocols
from mse.services.delivery import may_view_deliveries, messages_for_case
from mse.web.deps import ClockDep, Uow
from mse.web.protocol_wiring import ProtocolWiring
from mse.web.ui.common import Form, UiActor, render
from mse.web.ui.pages_protocols import protocol_wiring, require_specialist, staff_position

router = APIRouter()

DECISION_ITEMS = ("79.13.1", "79.13.2", "79.13.4", "79.13.4.percent", "80", "81", "82", "83.1", "83.term", "83.2", "84", "86(1)",
                  "87.1", "92", "98", "100", "102")
DONE = {"voted": "Ваш голос учтён, протокол подписан", "issued": "Решение подписано, документы оформлены и отправлены",
        "escalated": "Дело передано в главное бюро"}
KIND_LABELS = {"act": "Акт медико-социальной экспертизы гражданина", "certificate": "Справка",
               "ipra": "Индивидуальная программа реабилитации или абилитации", "extract_sfr": "Выписка из акта для СФР",
               "semd_results": "СЭМД «Сведения о результатах проведенной МСЭ»"}
MAJORITY_LABELS = {Majority.NONE: "голосов нет", Majority.FOR: "большинство «за»", Majority.AGAINST: "большинство «против»",
                   Majority.TIE: "голоса разделились поровну"}


def _panel_page(request: Request, actor: Actor, uow: Uow, clock: Any, case_id: int, *, message: str | None = None,
                status: int = 200, typed: dict[str, str] | None = None) -> Response:
    panel = decisions.panel(lambda: uow, actor, case_id, clock)
    schema = protocols.schema_of(panel.record)
    messages = []
    if may_view_deliveries(actor):
        with uow:
            messages = messages_for_case(uow, actor, case_id, clock)
            uow.commit()
    voted = panel.decision is not None and any(v.user_id == actor.user_id for v in panel.decision.votes)
    items = [(schema.item(k), panel.record.data.get(k)) for k in DECISION_ITEMS if k in panel.record.data]
    ctx = {
        "panel": panel, "s": panel.suggested.suggestion, "alt": panel.suggested.suggestion.get("alternative"),
        "items": items, "display_value": display_value, "messages": messages,
        "may_vote": panel.may_vote and actor.role in SPECIALIST_ROLES and not voted,
        "is_head": actor.role is Role.HEAD, "can_sign": protocol_wiring(request).keys() is not None,
        "demo_keys": protocol_wiring(request).demo_keys, "STATUS_LABELS": STATUS_LABELS, "VOTE_LABELS": VOTE_LABELS,
        "PROTOCOL_STATUS_LABELS": PROTOCOL_STATUS_LABELS, "KIND_LABELS": KIND_LABELS,
        "majority_label": MAJORITY_LABELS[panel.majority], "Majority": Majority,
        "message": message or DONE.get(request.query_params.get("done", "")), "typed": typed or {},
    }
    return render(request, "decisions/panel.html", ctx, status=status, section="protocols")


@router.get("/cases/{case_id:int}/decision")
def decision_panel(request: Request, case_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    require_specialist(actor)
    return _panel_page(request, actor, uow, clock, case_id)


def _keys(wiring: ProtocolWiring) -> Any:
    keys = wiring.keys()
    if keys is None:
        raise Conflict("signing_not_configured", "Подписание на сервере не настроено: ключи специалистов не подключены")
    return keys


def _failed(request: Request, actor: Actor, uow: Uow, clock: Any, case_id: int, exc: DomainError,
            typed: dict[str, str] | None = None) -> Response:
    detail = exc.message + "".join(f" {p.message}" for p in exc.problems)
    return _panel_page(request, actor, uow, clock, case_id, message=detail, typed=typed,
                       status=422 if isinstance(exc, ValidationFailed) else 409)


@router.post("/cases/{case_id:int}/decision/vote")
def cast_vote(request: Request, case_id: int, actor: UiActor, uow: Uow, clock: ClockDep, form: Form) -> Response:
    require_specialist(actor)
    wiring = protocol_wiring(request)
    typed = {"vote": str(form.get("vote") or ""), "opinion": str(form.get("opinion") or ""),
             "departure_reason": str(form.get("departure_reason") or "")}
    try:
        choice = Vote(typed["vote"])
    except ValueError:
        return _failed(request, actor, uow, clock, case_id,
                       ValidationFailed([], "Выберите «за» или «против»"), typed)
    with uow:
        position = staff_position(uow, actor)
    try:
        decisions.vote(lambda: uow, actor, case_id, choice=choice, opinion=typed["opinion"], position=position,
                       keys=_keys(wiring), clock=clock, icd_exists=wiring.icd_exists,
                       departure_reason=typed["departure_reason"])
    except (ValidationFailed, Conflict) as exc:
        return _failed(request, actor, uow, clock, case_id, exc, typed)
    return RedirectResponse(f"/cases/{case_id}/decision?done=voted", status_code=303)


@router.post("/cases/{case_id:int}/decision/issue")
def issue(request: Request, case_id: int, actor: UiActor, uow: Uow, clock: ClockDep, form: Form) -> Response:
    require_specialist(actor)
    wiring = protocol_wiring(request)
    with uow:
        position = staff_position(uow, actor)
    try:
        decisions.issue(lambda: uow, actor, case_id, position=position, keys=_keys(wiring), clock=clock,
                        build=wiring.documents, icd_exists=wiring.icd_exists)
    except (ValidationFailed, Conflict) as exc:
        return _failed(request, actor, uow, clock, case_id, exc)
    return RedirectResponse(f"/cases/{case_id}/decision?done=issued", status_code=303)


@router.post("/cases/{case_id:int}/decision/escalate")
def escalate(request: Request, case_id: int, actor: UiActor, uow: Uow, clock: ClockDep, form: Form) -> Response:
    require_specialist(actor)
    try:
        decisions.escalate(lambda: uow, actor, case_id, clock)
    except Conflict as exc:
        return _failed(request, actor, uow, clock, case_id, exc)
    return RedirectResponse(f"/cases/{case_id}/decision?done=escalated", status_code=303)


def _send(meta: Any, body: bytes, *, inline: bool, suffix: str = "", media: str | None = None) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(body, media_type=media or meta.media_type, headers={
        "Content-Disposition": f'{disposition}; filename="{meta.filename}{suffix}"', "Cache-Control": "no-store",
        "X-Content-SHA256": meta.sha256})


@router.get("/documents/{document_id:int}")
def download(request: Request, document_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    require_specialist(actor)
    meta, content, _ = decisions.document(lambda: uow, actor, document_id, clock)
    return _send(meta, content, inline=request.query_params.get("inline") == "1")


@router.get("/documents/{document_id:int}/signature")
def signature(document_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    require_specialist(actor)
    meta, _, cms = decisions.document(lambda: uow, actor, document_id, clock)
    if cms is None:
        raise Conflict("document_not_signed", "Документ не подписан")
    return _send(meta, cms, inline=False, suffix=".sig", media="application/pkcs7-signature")
