"""«Контроль сроков»: due today, at risk and overdue items of the actor's part of the tree (heads and upper roles)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mse.adapters.calendar_ru import RussianCalendar
from mse.domain.errors import Forbidden
from mse.services import deadline_control
from mse.services.calendar import working_calendar
from mse.services.deadline_control import KIND_LABELS, SHOWN, STATUS_LABELS, DashboardQuery, DeadlineStatus
from mse.services.scheduling_ports import WorkingDays
from mse.web.deps import ClockDep, SettingsDep, Uow
from mse.web.ui.common import Pager, UiActor, page_param, render, text_param

router = APIRouter()

PER_PAGE = 25
SORT_LABELS = {"due": "по сроку", "bureau": "по бюро", "kind": "по виду срока", "case": "по номеру дела"}


def calendar_of(request: Request, uow: Uow) -> WorkingDays:
    """The Russian production calendar with the administrator's overrides (a test may wire another one)."""
    wired: WorkingDays | None = getattr(request.app.state, "working_calendar", None)
    if wired is not None:
        return wired
    with uow:
        return working_calendar(uow, RussianCalendar)


@router.get("/deadlines")
def deadlines_page(request: Request, actor: UiActor, uow: Uow, clock: ClockDep, settings: SettingsDep) -> Response:
    if not deadline_control.may_view(actor):
        raise Forbidden(deadline_control.NO_ACCESS)
    params = request.query_params
    statuses = {s.value: s for s in SHOWN}
    raw_bureau = text_param(params, "bureau", 10)
    values = {
        "status": text_param(params, "status", 20) if text_param(params, "status", 20) in statuses else "",
        "kind": text_param(params, "kind", 10) if text_param(params, "kind", 10) in KIND_LABELS else "",
        "bureau": raw_bureau if raw_bureau.isdigit() else "",
        "sort": text_param(params, "sort", 10) if text_param(params, "sort", 10) in SORT_LABELS else "",
    }
    page = page_param(params)
    calendar = calendar_of(request, uow)
    query = DashboardQuery(status=statuses.get(values["status"]), kind=values["kind"] or None,
                           bureau_id=int(values["bureau"]) if values["bureau"] else None, sort=values["sort"] or "due",
                           limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    with uow:
        result = deadline_control.dashboard(uow, actor, clock, calendar, query,
                                            risk_working_days=settings.deadline_risk_working_days)
    ctx = {
        "values": values, "rows": result.rows, "today": result.today,
        "counts": [(s, STATUS_LABELS[s], result.counts[s]) for s in SHOWN],
        "pager": Pager(page, PER_PAGE, result.total, "/deadlines", tuple(values.items())),
        "status_options": [(s.value, STATUS_LABELS[s]) for s in SHOWN],
        "kind_options": [(k, f"{k} — {KIND_LABELS.get(k, k)}") for k in result.kinds],
        "bureau_options": [(str(b), name) for b, name in result.bureaus],
        "sort_options": list(SORT_LABELS.items()),
        "filtered": any(v for k, v in values.items() if k != "sort"),
        "risk_days": settings.deadline_risk_working_days,
        "calendar_verified": bool(getattr(calendar, "verified", True)),
        "OVERDUE": DeadlineStatus.OVERDUE,
    }
    return render(request, "deadlines/list.html", ctx, section="deadlines")
