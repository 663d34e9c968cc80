"""The auditor's journal of personal-data access, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mse.domain.errors import Forbidden
from mse.domain.policy import Action, Kind, may_ever
from mse.services import audit
from mse.services.ports import AuditQuery
from mse.web.deps import ClockDep, Uow
from mse.web.ui.audit_labels import ACTION_LABELS, KIND_LABELS, action_label, object_label, role_label
from mse.web.ui.common import Pager, UiActor, page_param, render, text_param

router = APIRouter()

PER_PAGE = 50
FILTERS = (("actor_login", 100), ("action", 64), ("object_kind", 32), ("object_id", 64))


@router.get("/audit")
def journal(request: Request, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    if not may_ever(actor, Kind.AUDIT, Action.READ):
        raise Forbidden("Журнал аудита доступен только аудитору")
    params = request.query_params
    values = {name: text_param(params, name, size) for name, size in FILTERS}
    page = page_param(params)
    query = AuditQuery(values["actor_login"] or None, values["action"] or None, values["object_kind"] or None,
                       values["object_id"] or None)
    with uow:
        rows, total = audit.browse(uow, actor, query, clock, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    ctx = {
        "values": values, "rows": rows, "pager": Pager(page, PER_PAGE, total, "/audit", tuple(values.items())),
        "actions": sorted(ACTION_LABELS.items(), key=lambda kv: kv[1]), "kinds": sorted(KIND_LABELS.items()),
        "action_label": action_label, "object_label": object_label, "role_label": role_label,
        "filtered": any(values.values()),
    }
    return render(request, "audit/journal.html", ctx, section="audit")
