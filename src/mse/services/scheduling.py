"""Scheduling an examination: rooms, specialists' availability, free slots, appointments, the invitation, the wait.

Use cases (one function per intention; each commits its own transaction):
  free_slots, schedule, reschedule, record_no_show, cancel, mark_arrived, mark_started, appointments_of.
Rules live in domain/scheduling.py (hours DL-41/DL-42, 316н remote, 21.2 conclusion, 30-minute wait DL-07).
Rescheduling and non-appearance keep the history: the old appointment stays with its status and reason, the new one
points at it (process.md §10.2 G-1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mse.domain.case_model import CaseFacts, Form
from mse.domain.errors import Conflict, DomainError, FieldProblem, Forbidden, NotFound
from mse.domain.identity import Actor, Role
from mse.domain.ports import MOSCOW, Clock
from mse.domain.scheduling import (
    FORM_LABELS,
    PLACE_LABELS,
    SLOT_MINUTES,
    AppointmentStatus,
    Arrangement,
    Procedure,
    Slot,
    address_of,
    check_arrangement,
    ensure_open,
    generate_slots,
    lock_keys,
    minute_of,
    wait_exceeded,
    within_hours,
)
from mse.services import audit, notifications
from mse.services.cases import transition_in
from mse.services.ports import UnitOfWork
from mse.services.scheduling_ports import AppointmentRecord, CaseInfo, CaseTransitions, NewAppointment

SCHEDULING_ROLES = frozenset({Role.REGISTRAR, Role.HEAD})
# Case states in which nothing is scheduled any more (process.md §3.3; the life-cycle module owns the states).
# Appeal and control states follow a decision: their own (upper-level) case carries the new terms.
CLOSED_STATES = frozenset({"not_accepted", "returned_to_mo", "decided", "documents_issuing", "completed", "superseded",
                           "terminated", "under_appeal", "under_control", "appeal_at_origin", "forwarded_up"})
NO_ACCESS = "Записать на освидетельствование может регистратор или руководитель бюро"
CASE_NOT_FOUND = "Дело не найдено или у вас нет доступа к нему"
APPOINTMENT_NOT_FOUND = "Запись не найдена или у вас нет доступа к ней"


def may_schedule(actor: Actor) -> bool:
    return actor.role in SCHEDULING_ROLES


def _case(uow: UnitOfWork, actor: Actor, case_id: int) -> CaseInfo:
    if not may_schedule(actor):
        raise Forbidden(NO_ACCESS)
    case = uow.scheduling.case_info(case_id)
    if case is None or not notifications.in_tree(actor, case.unit_path):
        raise NotFound("case", CASE_NOT_FOUND)
    return case


def case_for(uow: UnitOfWork, actor: Actor, case_id: int) -> CaseInfo:
    """The case as scheduling sees it, for a registrar or head of its part of the tree."""
    return _case(uow, actor, case_id)


def _appointment(uow: UnitOfWork, actor: Actor, appointment_id: int) -> tuple[AppointmentRecord, CaseInfo]:
    if not may_schedule(actor):
        raise Forbidden(NO_ACCESS)
    record = uow.scheduling.appointment(appointment_id)
    case = uow.scheduling.case_info(record.case_id) if record else None
    if record is None or case is None or not notifications.in_tree(actor, case.unit_path):
        raise NotFound("appointment", APPOINTMENT_NOT_FOUND)
    return record, case


# ---------------------------------------------------------------------------------------------- slots

def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=MOSCOW)
    return start, start + timedelta(days=1)


def free_slots(uow: UnitOfWork, actor: Actor, case_id: int, day: date, *, with_room: bool = True,
               accessible_only: bool = False) -> list[Slot]:
    case = _case(uow, actor, case_id)
    since, until = _day_bounds(day)
    return generate_slots(case.unit_kind, day, uow.scheduling.rooms(case.bureau_id),
                          uow.scheduling.availability(case.bureau_id, day), uow.scheduling.busy_cells(since, until),
                          with_room=with_room, accessible_only=accessible_only)


@dataclass(frozen=True)
class ScheduleInput:
    form_code: str
    place_code: str | None
    slot_key: str | None  # Slot.key: "<starts_at ISO>|<staff_id>|<room_id or empty>"
    procedure: Procedure = Procedure.PRIMARY
    conclusion_ref: str | None = None
    place_text: str | None = None
    minutes: int = SLOT_MINUTES


def parse_slot(key: str | None) -> tuple[datetime, int, int | None]:
    try:
        raw_start, raw_staff, raw_room = (key or "").split("|")
        starts_at = datetime.fromisoformat(raw_start)
        if starts_at.tzinfo is None:
            raise ValueError("naive")
        return starts_at, int(raw_staff), int(raw_room) if raw_room else None
    except ValueError:
        raise DomainError("validation_failed", "Выберите время и кабинет из списка свободных",
                          [FieldProblem("slot", "Выберите время приёма из списка свободных", "required")]) from None


def _check_slot(uow: UnitOfWork, case: CaseInfo, a: Arrangement, starts_at: datetime, ends_at: datetime, staff_id: int,
                room_id: int | None, now: datetime) -> None:
    if starts_at < now:
        raise Conflict("slot_in_past", "Нельзя записать на прошедшее время")
    if not within_hours(case.unit_kind, starts_at, ends_at):
        raise Conflict("outside_service_hours", "Время вне часов приёма бюро (адм. регламент п.43)")
    local = starts_at.astimezone(MOSCOW)
    s, e = minute_of(local.time()), minute_of(ends_at.astimezone(MOSCOW).time()) or 24 * 60
    if not any(av.staff_id == staff_id and av.from_minute <= s and e <= av.to_minute
               for av in uow.scheduling.availability(case.bureau_id, local.date())):
        raise Conflict("specialist_unavailable", "Специалист не ведёт приём в это время")
    if a.needs_room and room_id not in {r.id for r in uow.scheduling.rooms(case.bureau_id)}:
        raise DomainError("validation_failed", "Выберите кабинет бюро", [FieldProblem("slot", "Выберите кабинет бюро", "required")])


def _book(uow: UnitOfWork, actor: Actor, case: CaseInfo, data: ScheduleInput, clock: Clock, replaces_id: int | None) -> int:
    when = parse_slot(data.slot_key) if data.form_code not in ("20.1", "20.4") else None
    arrangement = Arrangement(data.procedure, data.form_code, data.place_code,
                              when[0].astimezone(MOSCOW).date() if when else clock.today(),
                              data.conclusion_ref, data.place_text)
    check_arrangement(arrangement)
    if arrangement.needs_slot and when is None:
        parse_slot(None)
    starts_at = ends_at = None
    staff_id = room_id = None
    if when is not None and arrangement.needs_slot:
        starts_at, staff_id, room_id = when
        room_id = room_id if arrangement.needs_room else None
        ends_at = starts_at + timedelta(minutes=data.minutes)
        _check_slot(uow, case, arrangement, starts_at, ends_at, staff_id, room_id, clock.now())
    appointment_id = uow.scheduling.add_appointment(NewAppointment(
        case_id=case.id, procedure=data.procedure, form_code=data.form_code,
        place_code=data.place_code if arrangement.needs_slot else None, place_text=(data.place_text or "").strip() or None,
        conclusion_ref=(data.conclusion_ref or "").strip() or None, room_id=room_id, staff_id=staff_id, starts_at=starts_at,
        ends_at=ends_at, replaces_id=replaces_id, created_at=clock.now(), created_by=actor.user_id or None))
    if starts_at is not None and ends_at is not None and not uow.scheduling.lock(
            appointment_id, lock_keys(starts_at, ends_at, staff_id, room_id)):
        uow.rollback()
        raise Conflict("slot_taken", "Это время уже занято: кабинет или специалист записаны на другое дело. Выберите другое время")
    return appointment_id


def _invite(uow: UnitOfWork, actor: Actor, case: CaseInfo, appointment_id: int, clock: Clock) -> None:
    record = uow.scheduling.appointment(appointment_id)
    if record is None or record.starts_at is None:
        return  # absentee (20.1, 20.4): nobody is invited to come
    local = record.starts_at.astimezone(MOSCOW)
    place = PLACE_LABELS.get(record.place_code or "", "")
    address = address_of(record.place_code, record.place_text, case.unit_address)
    notifications.notify_case(uow, actor, case.id, "invitation", clock, date=f"{local:%d.%m.%Y}", time=f"{local:%H:%M}",
                              place=place, address=address, room=record.room_name or "—", form=FORM_LABELS[record.form_code])


# 389н п.20/21 → the form of conducting of process.md §3.2 (what the life-cycle's guards judge).
_FORM_OF: dict[str, Form] = {"20.1": Form.IN_ABSENTIA, "20.3": Form.REMOTE_ICT, "20.4": Form.DEPERSONALISED}
_PLACE_FORM: dict[str, Form] = {"21.1": Form.AT_BUREAU, "21.2": Form.AT_HOME, "21.3": Form.IN_HOSPITAL, "21.4": Form.AT_LOCATION,
                                "21.5": Form.AT_LOCATION, "21.6": Form.AT_LOCATION, "21.7": Form.AT_LOCATION,
                                "21.8": Form.REMOTE_ICT}


def _move_to_scheduled(uow: UnitOfWork, actor: Actor, case_id: int, data: ScheduleInput, clock: Clock) -> None:
    """T14 in the same transaction as the booking and the invitation: the case is «записано на МСЭ»."""
    form = _FORM_OF.get(data.form_code) or _PLACE_FORM.get(data.place_code or "", Form.AT_BUREAU)
    facts = CaseFacts(documents_complete=True, form_of_conducting=form, home_conclusion=bool(data.conclusion_ref),
                      citizen_consent=form is Form.REMOTE_ICT)
    transition_in(uow, actor, case_id, "scheduled", clock, facts=facts, reason="Запись на медико-социальную экспертизу")


def schedule(uow: UnitOfWork, actor: Actor, case_id: int, data: ScheduleInput, clock: Clock, *,
             transition: CaseTransitions | None = None) -> AppointmentRecord:
    """Book the examination of a case and write the invitation (DL-04) in the same transaction."""
    case = _case(uow, actor, case_id)
    if case.state in CLOSED_STATES:
        raise Conflict("case_closed", "По делу в этом состоянии запись на освидетельствование не проводится")
    if any(a.status is AppointmentStatus.SCHEDULED for a in uow.scheduling.appointments_of(case_id)):
        raise Conflict("already_scheduled", "Дело уже записано на освидетельствование: перенесите существующую запись")
    appointment_id = _book(uow, actor, case, data, clock, None)
    _invite(uow, actor, case, appointment_id, clock)
    if transition is not None:
        transition(uow, actor, case_id, "schedule", clock)
    else:
        _move_to_scheduled(uow, actor, case_id, data, clock)
    audit.record(uow, actor, "appointment.create", "case", case_id, clock,
                 details={"appointment_id": appointment_id, "form": data.form_code, "place": data.place_code})
    record = uow.scheduling.appointment(appointment_id)
    uow.commit()
    assert record is not None
    return record


def _require_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise DomainError("validation_failed", "Укажите причину",
                          [FieldProblem("reason", "Укажите причину", "required")])
    return text


def reschedule(uow: UnitOfWork, actor: Actor, appointment_id: int, reason: str, data: ScheduleInput, clock: Clock) -> AppointmentRecord:
    """The old appointment becomes «перенесено» with the reason; a new one is booked and a new invitation sent."""
    old, case = _appointment(uow, actor, appointment_id)
    ensure_open(old.status)
    text = _require_reason(reason)
    if not uow.scheduling.close(old.id, status=AppointmentStatus.RESCHEDULED, reason=text, at=clock.now(), by=actor.user_id):
        raise Conflict("appointment_changed", "Запись изменена другим пользователем: обновите страницу")
    uow.scheduling.release(old.id)
    new_id = _book(uow, actor, case, data, clock, old.id)
    _invite(uow, actor, case, new_id, clock)
    audit.record(uow, actor, "appointment.reschedule", "case", case.id, clock, reason=text,
                 details={"from": old.id, "to": new_id})
    record = uow.scheduling.appointment(new_id)
    uow.commit()
    assert record is not None
    return record


def _close(uow: UnitOfWork, actor: Actor, appointment_id: int, status: AppointmentStatus, reason: str, clock: Clock) -> None:
    record, case = _appointment(uow, actor, appointment_id)
    ensure_open(record.status)
    text = _require_reason(reason)
    if not uow.scheduling.close(record.id, status=status, reason=text, at=clock.now(), by=actor.user_id):
        raise Conflict("appointment_changed", "Запись изменена другим пользователем: обновите страницу")
    if status is AppointmentStatus.CANCELLED:
        uow.scheduling.release(record.id)  # the time is free again; a no-show keeps its time used
    audit.record(uow, actor, f"appointment.{status.value}", "case", case.id, clock, reason=text,
                 details={"appointment_id": record.id})
    uow.commit()


def record_no_show(uow: UnitOfWork, actor: Actor, appointment_id: int, reason: str, clock: Clock) -> None:
    _close(uow, actor, appointment_id, AppointmentStatus.NO_SHOW, reason, clock)


def cancel(uow: UnitOfWork, actor: Actor, appointment_id: int, reason: str, clock: Clock) -> None:
    _close(uow, actor, appointment_id, AppointmentStatus.CANCELLED, reason, clock)


# ---------------------------------------------------------------------------------------------- the day itself

@dataclass(frozen=True)
class AppointmentView:
    record: AppointmentRecord
    waited_too_long: bool  # DL-07: > 30 min from max(«назначено», «прибыл») to «начало» (or to now, not started)


def _view(record: AppointmentRecord, now: datetime) -> AppointmentView:
    flag = (record.starts_at is not None and record.status in (AppointmentStatus.SCHEDULED, AppointmentStatus.HELD)
            and (record.arrived_at is not None or record.started_at is not None)
            and wait_exceeded(record.starts_at, record.arrived_at, record.started_at, now=now))
    return AppointmentView(record, flag)


def mark_arrived(uow: UnitOfWork, actor: Actor, appointment_id: int, clock: Clock, at: datetime | None = None) -> AppointmentView:
    """Protocol item 3.2 «прибыл»."""
    record, case = _appointment(uow, actor, appointment_id)
    ensure_open(record.status)
    uow.scheduling.set_times(record.id, arrived_at=at or clock.now())
    audit.record(uow, actor, "appointment.arrived", "case", case.id, clock, details={"appointment_id": record.id})
    updated = uow.scheduling.appointment(record.id)
    uow.commit()
    assert updated is not None
    return _view(updated, clock.now())


def mark_started(uow: UnitOfWork, actor: Actor, appointment_id: int, clock: Clock, at: datetime | None = None) -> AppointmentView:
    """Protocol item 3.3 «начало»: the appointment is held; the view says whether the wait exceeded 30 minutes."""
    record, case = _appointment(uow, actor, appointment_id)
    ensure_open(record.status)
    uow.scheduling.set_times(record.id, started_at=at or clock.now())
    uow.scheduling.close(record.id, status=AppointmentStatus.HELD, reason=None, at=clock.now(), by=actor.user_id)
    updated = uow.scheduling.appointment(record.id)
    assert updated is not None
    view = _view(updated, clock.now())
    audit.record(uow, actor, "appointment.started", "case", case.id, clock,
                 details={"appointment_id": record.id, "wait_exceeded": view.waited_too_long})
    uow.commit()
    return view


def appointments_of(uow: UnitOfWork, actor: Actor, case_id: int, clock: Clock) -> list[AppointmentView]:
    """Every appointment of the case, oldest first: the history of rescheduling and non-appearance."""
    case = uow.scheduling.case_info(case_id)
    if case is None or not notifications.in_tree(actor, case.unit_path):
        raise NotFound("case", CASE_NOT_FOUND)
    rows = uow.scheduling.appointments_of(case_id)
    audit.record(uow, actor, "appointment.list", "case", case_id, clock, details={"count": len(rows)})
    uow.commit()
    now = clock.now()
    return [_view(r, now) for r in rows]


def day_schedule(uow: UnitOfWork, actor: Actor, day: date, clock: Clock) -> list[tuple[AppointmentView, str]]:
    """The appointments of one day in the actor's part of the tree (registrar, head), with the case numbers."""
    if not may_schedule(actor) or not actor.scope_path:
        raise Forbidden(NO_ACCESS)
    since, until = _day_bounds(day)
    rows = uow.scheduling.appointments_between(actor.scope_path, since, until)
    audit.record(uow, actor, "appointment.list", "unit", actor.unit_id, clock, details={"day": day.isoformat(), "count": len(rows)})
    uow.commit()
    now = clock.now()
    return [(_view(r, now), number) for r, number in rows]
