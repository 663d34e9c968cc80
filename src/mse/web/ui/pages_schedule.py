"""«Запись на освидетельствование» of one case (registrar, head): form 20.x, place 21.x, day, free slot; errors inline
with the input kept; the history of appointments and notifications below."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mse.domain.errors import DomainError, Forbidden
from mse.domain.ports import MOSCOW
from mse.domain.scheduling import (
    APPOINTMENT_STATUS_LABELS,
    FORM_LABELS,
    PLACE_LABELS,
    PROCEDURE_LABELS,
    ROOM_PLACES,
    Procedure,
    Slot,
)
from mse.services import bureau_setup, notifications, scheduling
from mse.services.ports import UnitOfWork
from mse.services.scheduling import ScheduleInput
from mse.web.deps import ClockDep, PathId, Uow
from mse.web.ui.common import Form, UiActor, render, text_param

router = APIRouter()

FIELDS = ("procedure", "form_code", "place_code", "place_text", "conclusion_ref", "day", "slot", "accessible")


def _values(source: Mapping[str, Any], today: date) -> dict[str, str]:
    v = {k: str(source.get(k) or "").strip()[:300] for k in FIELDS}
    v["procedure"] = v["procedure"] if v["procedure"] in {p.value for p in Procedure} else Procedure.PRIMARY.value
    v["form_code"] = v["form_code"] or "20.2"
    v["place_code"] = v["place_code"] or "21.1"
    v["day"] = v["day"] or (today + timedelta(days=1)).isoformat()
    return v


def _day(raw: str, today: date) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return today


def _slot_label(slot: Slot, rooms: dict[int, str], staff: dict[int, str]) -> str:
    local = slot.starts_at.astimezone(MOSCOW)
    room = f", кабинет {rooms.get(slot.room_id, '—')}" if slot.room_id else ""
    return f"{local:%H:%M}–{slot.ends_at.astimezone(MOSCOW):%H:%M}{room}, {staff.get(slot.staff_id, '—')}"


def _page(request: Request, actor: UiActor, uow: UnitOfWork, clock: ClockDep, case_id: int, values: dict[str, str], *,
          errors: dict[str, str] | None = None, error: str | None = None, status: int = 200) -> Response:
    today = clock.today()
    day = _day(values["day"], today)
    case = scheduling.case_for(uow, actor, case_id)
    with_room = values["place_code"] in ROOM_PLACES
    slots = scheduling.free_slots(uow, actor, case_id, day, with_room=with_room, accessible_only=values["accessible"] == "1")
    rooms = {r.id: r.name for r in uow.scheduling.rooms(case.bureau_id)}
    staff = uow.scheduling.staff_names(case.bureau_id)
    history = scheduling.appointments_of(uow, actor, case_id, clock)
    sent = notifications.history(uow, actor, case_id, clock)
    uow.commit()
    ctx = {
        "case": case, "values": values, "errors": errors or {}, "error": error,
        "procedure_options": [(p.value, label) for p, label in PROCEDURE_LABELS.items()],
        "form_options": list(FORM_LABELS.items()), "place_options": [(k, f"{k} — {v}") for k, v in PLACE_LABELS.items()],
        "slot_options": [(s.key, _slot_label(s, rooms, staff)) for s in slots], "day": day,
        "history": history, "status_labels": APPOINTMENT_STATUS_LABELS, "form_labels": FORM_LABELS, "place_labels": PLACE_LABELS,
        "notifications": sent, "event_labels": notifications.EVENT_LABELS, "channel_labels": notifications.CHANNEL_LABELS,
        "done": text_param(request.query_params, "done", 10) == "1",
    }
    return render(request, "schedule/form.html", ctx, section="schedule", status=status)


@router.get("/cases/{case_id}/schedule")
def schedule_page(request: Request, case_id: PathId, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    if not scheduling.may_schedule(actor):
        raise Forbidden(scheduling.NO_ACCESS)
    with uow:
        return _page(request, actor, uow, clock, case_id, _values(request.query_params, clock.today()))


@router.post("/cases/{case_id}/schedule")
def schedule_submit(request: Request, case_id: PathId, form: Form, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    if not scheduling.may_schedule(actor):
        raise Forbidden(scheduling.NO_ACCESS)
    values = _values(form, clock.today())
    data = ScheduleInput(form_code=values["form_code"], place_code=values["place_code"] or None, slot_key=values["slot"] or None,
                         procedure=Procedure(values["procedure"]), conclusion_ref=values["conclusion_ref"] or None,
                         place_text=values["place_text"] or None)
    with uow:
        try:
            scheduling.schedule(uow, actor, case_id, data, clock)
        except DomainError as e:
            if e.code.endswith("_not_found") or isinstance(e, Forbidden):
                raise
            uow.rollback()
            errors = {("slot" if p.field in ("slot", "starts_at") else p.field): p.message for p in e.problems}
            if not errors:
                errors["slot"] = e.message
            return _page(request, actor, uow, clock, case_id, values, errors=errors, error=e.message,
                         status=409 if e.code not in ("validation_failed",) else 422)
    return RedirectResponse(f"/cases/{case_id}/schedule?done=1", status_code=303)


@router.get("/schedule")
def day_page(request: Request, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    """«Расписание»: the appointments of a day; a wait over 30 minutes from the arrival is flagged (DL-07)."""
    if not scheduling.may_schedule(actor):
        raise Forbidden(scheduling.NO_ACCESS)
    day = _day(text_param(request.query_params, "day", 10), clock.today())
    with uow:
        rows = scheduling.day_schedule(uow, actor, day, clock)
    return render(request, "schedule/day.html", {"rows": rows, "day": day, "status_labels": APPOINTMENT_STATUS_LABELS,
                                                 "prev": day - timedelta(days=1), "next": day + timedelta(days=1),
                                                 "may_set_up": bureau_setup.may_set_up(actor)},
                  section="schedule")
