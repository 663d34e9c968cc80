"""The case card: number, state, the citizen's status, the actions the actor's role may take now (from the transition
table), the history, and the way to the protocol and the decision."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mse.domain.case_lifecycle import FORM_LABELS, GUARDS, TERMINATION_REASONS, CaseFacts, Form
from mse.domain.errors import DomainError, Forbidden, ValidationFailed
from mse.domain.identity import Actor
from mse.domain.policy import Action, Kind, may_ever
from mse.services import cases
from mse.web.deps import ClockDep, Uow
from mse.web.ui.common import Form as FormDep
from mse.web.ui.common import UiActor, page_param, render

router = APIRouter()
PER_PAGE = 50
DONE = "Действие выполнено: «{}»"


def _require(actor: Actor) -> None:
    if not may_ever(actor, Kind.CASE, Action.READ):
        raise Forbidden("Карточка дела доступна сотрудникам бюро, гражданину и направившей медицинской организации")


def _page(request: Request, actor: Actor, uow: Uow, clock: Any, case_id: int, *, message: str | None = None,
          error: bool = False, status: int = 200, typed: dict[str, str] | None = None) -> Response:
    page = page_param(request.query_params)
    with uow:
        card = cases.card(uow, actor, case_id, clock, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        uow.commit()
    ctx = {"card": card, "v": card.view, "message": message, "error": error, "typed": typed or {}, "page": page,
           "per_page": PER_PAGE, "FORM_LABELS": FORM_LABELS, "GUARDS": GUARDS, "TERMINATION_REASONS": TERMINATION_REASONS,
           "protocol_access": may_ever(actor, Kind.PROTOCOL, Action.READ)}
    return render(request, "cases/card.html", ctx, status=status, section="protocols")


@router.get("/cases/{case_id:int}")
def case_card(request: Request, case_id: int, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require(actor)
    done = request.query_params.get("done", "")[:100]
    return _page(request, actor, uow, clock, case_id, message=DONE.format(done) if done else None)


@router.post("/cases/{case_id:int}/transitions")
def case_transition(request: Request, case_id: int, actor: UiActor, uow: Uow, clock: ClockDep, form: FormDep) -> Response:
    _require(actor)
    typed = {k: str(form.get(k) or "")[:500] for k in ("event", "reason", "reason_code", "expected_state", "form_of_conducting")}
    form_code = typed["form_of_conducting"]
    facts = CaseFacts(reason_code=typed["reason_code"] or None,
                      form_of_conducting=Form(form_code) if form_code in {f.value for f in Form} else None)
    try:
        view = cases.transition(lambda: uow, actor, case_id, typed["event"], clock, reason=typed["reason"].strip() or None,
                                facts=facts, expected_state=typed["expected_state"] or None)
    except DomainError as exc:
        if exc.code == "case_not_found":
            raise
        detail = exc.message + "".join(f" {p.message}" for p in exc.problems)
        status = 403 if isinstance(exc, Forbidden) else 422 if isinstance(exc, ValidationFailed) else 409
        return _page(request, actor, uow, clock, case_id, message=detail, error=True, status=status, typed=typed)
    label = view.fired.label if view.fired else ""
    return RedirectResponse(f"/cases/{case_id}?done={label}", status_code=303)
