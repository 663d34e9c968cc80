"""«Кабинеты и график приёма» of a bureau (head: his bureau; administrator: any, by `?unit=`): the rooms, the hours of
each specialist for two weeks, forms to add a room and to set hours for a range of days; errors inline, input kept."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mse.domain.errors import DomainError, Forbidden, NotFound
from mse.domain.organisation import POSITION_LABELS
from mse.services import bureau_setup
from mse.services.ports import UnitOfWork
from mse.web.deps import ClockDep, Uow
from mse.web.ui.common import Form, UiActor, render, text_param
from mse.web.ui.pages_deadlines import calendar_of

router = APIRouter()
FIELDS = ("room_name", "accessible", "staff_id", "first", "last", "from", "to")


def _int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _unit_id(actor: UiActor, params: Mapping[str, Any]) -> int:
    unit = _int(str(params.get("unit") or "").strip()) or actor.unit_id
    if unit is None:
        raise NotFound("unit", "Выберите учреждение в разделе «Учреждения»: у администратора нет своего бюро")
    return unit


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _minute(raw: str) -> int | None:
    hh, _, mm = raw.partition(":")
    if not (hh.isdigit() and mm.isdigit()) or int(mm) > 59:
        return None
    return int(hh) * 60 + int(mm)


def _page(request: Request, actor: UiActor, uow: UnitOfWork, clock: ClockDep, unit_id: int, values: dict[str, str], *,
          errors: dict[str, list[str]] | None = None, status: int = 200) -> Response:
    first = _date(text_param(request.query_params, "from", 10)) or clock.today()
    setup = bureau_setup.view(uow, actor, unit_id, first, clock)
    uow.commit()
    ctx = {"setup": setup, "values": values, "errors": errors or {}, "position_labels": POSITION_LABELS,
           "staff_options": [(str(m.id), f"{m.full_name} — {POSITION_LABELS[m.position]}") for m in setup.staff],
           "prev": first - timedelta(days=14), "next": first + timedelta(days=14),
           "done": text_param(request.query_params, "done", 200)}
    return render(request, "schedule/setup.html", ctx, section="schedule", status=status)


def _values(source: Mapping[str, Any], today: date) -> dict[str, str]:
    v = {k: str(source.get(k) or "").strip()[:100] for k in FIELDS}
    v["first"] = v["first"] or today.isoformat()
    v["last"] = v["last"] or (today + timedelta(days=13)).isoformat()
    v["from"], v["to"] = v["from"] or "09:00", v["to"] or "16:00"
    return v


@router.get("/bureau/setup")
def setup_page(request: Request, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    if not bureau_setup.may_set_up(actor):
        raise Forbidden(bureau_setup.NO_ACCESS)
    with uow:
        return _page(request, actor, uow, clock, _unit_id(actor, request.query_params), _values({}, clock.today()))


def _failed(request: Request, actor: UiActor, uow: UnitOfWork, clock: ClockDep, unit_id: int, values: dict[str, str],
            e: DomainError) -> Response:
    uow.rollback()
    errors: dict[str, list[str]] = {}
    for p in e.problems:
        errors.setdefault(p.field, []).append(p.message)
    errors = errors or {"form": [e.message]}
    return _page(request, actor, uow, clock, unit_id, values, errors=errors, status=422)


@router.post("/bureau/setup/rooms")
def add_room(request: Request, form: Form, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    if not bureau_setup.may_set_up(actor):
        raise Forbidden(bureau_setup.NO_ACCESS)
    unit_id = _unit_id(actor, form)
    values = _values(form, clock.today())
    with uow:
        try:
            bureau_setup.add_room(uow, actor, clock, unit_id=unit_id, name=values["room_name"], accessible=values["accessible"] == "1")
        except DomainError as e:
            if isinstance(e, (NotFound, Forbidden)):
                raise
            return _failed(request, actor, uow, clock, unit_id, values, e)
        uow.commit()
    done = f"Кабинет «{' '.join(values['room_name'].split())}» добавлен"
    return RedirectResponse(f"/bureau/setup?{urlencode({'unit': unit_id, 'done': done})}", status_code=303)


@router.post("/bureau/setup/hours")
def set_hours(request: Request, form: Form, actor: UiActor, uow: Uow, clock: ClockDep) -> Response:
    if not bureau_setup.may_set_up(actor):
        raise Forbidden(bureau_setup.NO_ACCESS)
    unit_id = _unit_id(actor, form)
    values = _values(form, clock.today())
    staff_id, first, last = _int(values["staff_id"]), _date(values["first"]), _date(values["last"])
    start, end = _minute(values["from"]), _minute(values["to"])
    calendar = calendar_of(request, uow)
    with uow:
        parsed = {"staff_id": staff_id, "first": first, "last": last, "from": start, "to": end}
        missing = {k: ["Заполните поле" if not values[k] else "Значение указано неверно"] for k, v in parsed.items() if v is None}
        if missing or staff_id is None or first is None or last is None or start is None or end is None:
            return _page(request, actor, uow, clock, unit_id, values, errors=missing, status=422)
        try:
            result = bureau_setup.set_hours(uow, actor, clock, calendar, unit_id=unit_id, staff_id=staff_id, first=first, last=last,
                                            from_minute=start, to_minute=end)
        except DomainError as e:
            if isinstance(e, (NotFound, Forbidden)):
                raise
            return _failed(request, actor, uow, clock, unit_id, values, e)
        uow.commit()
    done = (f"График задан на {len(result.created)} дн.; пропущено выходных и нерабочих дней: {len(result.skipped_days_off)}"
            + (f"; дней, где приём уже назначен в это время: {len(result.skipped_overlap)}" if result.skipped_overlap else ""))
    return RedirectResponse(f"/bureau/setup?{urlencode({'unit': unit_id, 'done': done, 'from': values['first']})}", status_code=303)
