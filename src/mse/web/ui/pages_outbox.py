"""«Отправка результатов»: outgoing messages of the actor's part of the tree (metadata only), resending dead letters."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mse.domain.errors import Conflict, Forbidden
from mse.services import delivery
from mse.services.delivery_labels import RECIPIENT_LABELS, STATUS_LABELS
from mse.services.delivery_ports import DeliveryStatus
from mse.web.deps import ClockDep, PathId, Uow
from mse.web.ui.common import Form, Pager, UiActor, page_param, query_url, render, text_param

router = APIRouter()

PER_PAGE = 25
STATUS_FILTERS = {s.value: s for s in DeliveryStatus}


def _require(actor: UiActor) -> None:
    if not delivery.may_view_deliveries(actor):
        raise Forbidden(delivery.NO_ACCESS)


def _page(request: Request, actor: UiActor, uow: Uow, clock: ClockDep, *, error: str | None = None, status: int = 200) -> Response:
    params = request.query_params
    values = {
        "status": text_param(params, "status", 20) if text_param(params, "status", 20) in STATUS_FILTERS else "",
        "recipient": text_param(params, "recipient", 20) if text_param(params, "recipient", 20) in RECIPIENT_LABELS else "",
        "late": "1" if params.get("late") == "1" else "",
        "case": text_param(params, "case", 10) if text_param(params, "case", 10).isdigit() else "",
    }
    page = page_param(params)
    with uow:
        result = delivery.messages(
            uow, actor, clock, status=STATUS_FILTERS.get(values["status"]), recipient=values["recipient"] or None,
            aggregate="case" if values["case"] else None, aggregate_id=int(values["case"]) if values["case"] else None,
            late_only=bool(values["late"]), limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    done = text_param(params, "done", 10)
    ctx = {
        "values": values, "rows": result.rows, "counts": [(s, STATUS_LABELS[s], result.counts[s]) for s in DeliveryStatus],
        "late_count": result.late, "pager": Pager(page, PER_PAGE, result.total, "/outbox", tuple(values.items())),
        "status_options": [(s.value, STATUS_LABELS[s]) for s in DeliveryStatus],
        "recipient_options": list(RECIPIENT_LABELS.items()),
        "filtered": any(values.values()), "error": error, "done": done if done.isdigit() else None,
        "back": query_url("/outbox", values.items(), page),
    }
    return render(request, "outbox/list.html", ctx, section="outbox", status=status)


@router.get("/outbox")
def outbox_page(request: Request, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require(actor)
    return _page(request, actor, uow, clock)


def _safe_back(raw: str) -> str:
    """Only a path of this page (no open redirect through the form field)."""
    return raw if raw.startswith("/outbox") and "//" not in raw and "\\" not in raw else "/outbox"


@router.post("/outbox/{message_id}/retry")
def retry_message(request: Request, message_id: PathId, form: Form, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    _require(actor)
    back = _safe_back(str(form.get("back") or "/outbox"))
    error: str | None = None
    with uow:
        try:
            delivery.retry(uow, actor, message_id, clock)
        except Conflict as e:
            error = e.message
    if error is not None:
        return _page(request, actor, uow, clock, error=error, status=409)
    separator = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{separator}done={message_id}#m-{message_id}", status_code=303)
