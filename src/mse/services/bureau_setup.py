"""«Кабинеты и график приёма»: the rooms of a bureau and the reception hours of its specialists, from which the free
slots of a booking are cut (domain/scheduling.py: service hours ∩ a specialist's hours × a free room).

Kept by the head of the bureau for his own bureau and by the administrator for any (least privilege: a head of one
bureau cannot touch another's rooms or staff). Hours are set for a range of days at once and only on working days of
the production calendar within the bureau's service hours (process.md §4.5, DL-41/DL-42); a day where the specialist
already has hours that overlap is skipped and reported, never silently doubled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mse.domain.errors import DomainError, FieldProblem, Forbidden, NotFound
from mse.domain.identity import Actor, Role
from mse.domain.organisation import OrgUnit, StaffMember
from mse.domain.ports import Clock
from mse.domain.scheduling import Availability, Room, working_intervals
from mse.services import audit
from mse.services.notifications import in_tree
from mse.services.ports import UnitOfWork
from mse.services.scheduling_ports import WorkingDays

SETUP_ROLES = frozenset({Role.HEAD, Role.ADMIN})
NO_ACCESS = "Кабинеты и график приёма ведёт руководитель бюро или администратор"
UNIT_NOT_FOUND = "Учреждение не найдено или у вас нет доступа к нему"
MAX_RANGE_DAYS = 62  # two months at once: a longer range is almost always a typo in the year


def may_set_up(actor: Actor) -> bool:
    return actor.role in SETUP_ROLES


def _unit(uow: UnitOfWork, actor: Actor, unit_id: int) -> OrgUnit:
    if not may_set_up(actor):
        raise Forbidden(NO_ACCESS)
    unit = uow.orgs.get_unit(unit_id)
    if unit is None or not (actor.role is Role.ADMIN or in_tree(actor, unit.path)):
        raise NotFound("unit", UNIT_NOT_FOUND)
    return unit


@dataclass(frozen=True)
class SetupView:
    unit: OrgUnit
    rooms: list[Room]
    staff: list[StaffMember]
    days: list[date]
    hours: dict[tuple[int, date], list[tuple[int, int]]]  # (staff id, day) -> [(from minute, to minute)]


def view(uow: UnitOfWork, actor: Actor, unit_id: int, first: date, clock: Clock, *, days: int = 14) -> SetupView:
    """Rooms, staff and their hours for `days` days from `first` (staff names are personal data: the read is audited)."""
    unit = _unit(uow, actor, unit_id)
    shown = [first + timedelta(days=i) for i in range(days)]
    hours: dict[tuple[int, date], list[tuple[int, int]]] = {}
    for day in shown:
        for a in uow.scheduling.availability(unit_id, day):
            hours.setdefault((a.staff_id, day), []).append((a.from_minute, a.to_minute))
    staff = uow.orgs.staff_of_unit(unit_id)
    audit.record(uow, actor, "bureau_setup.read", "unit", unit_id, clock, details={"staff": len(staff)})
    return SetupView(unit, uow.scheduling.rooms(unit_id), staff, shown, hours)


def add_room(uow: UnitOfWork, actor: Actor, clock: Clock, *, unit_id: int, name: str, accessible: bool) -> int:
    """A room of the bureau (no commit). `accessible`: usable from a wheelchair (ФЗ-181 ст.15, process.md §7.6)."""
    _unit(uow, actor, unit_id)
    label = " ".join(name.split())[:100]
    if not label:
        raise DomainError("validation_failed", "Укажите номер или название кабинета",
                          [FieldProblem("room_name", "Укажите номер или название кабинета", "required")])
    if any(r.name.casefold() == label.casefold() for r in uow.scheduling.rooms(unit_id)):
        raise DomainError("validation_failed", f"Кабинет «{label}» уже есть в этом бюро",
                          [FieldProblem("room_name", f"Кабинет «{label}» уже есть в этом бюро", "duplicate")])
    room_id = uow.scheduling.add_room(unit_id=unit_id, name=label, accessible=accessible)
    audit.record(uow, actor, "room.create", "unit", unit_id, clock, details={"room_id": room_id, "accessible": accessible})
    return room_id


@dataclass(frozen=True)
class HoursResult:
    created: list[date]
    skipped_days_off: list[date]
    skipped_overlap: list[date]


def _problem(field: str, message: str) -> DomainError:
    return DomainError("validation_failed", message, [FieldProblem(field, message, "invalid")])


def set_hours(uow: UnitOfWork, actor: Actor, clock: Clock, calendar: WorkingDays, *, unit_id: int, staff_id: int,
              first: date, last: date, from_minute: int, to_minute: int) -> HoursResult:
    """Reception hours of one specialist on every working day of [first, last] (no commit)."""
    unit = _unit(uow, actor, unit_id)
    if staff_id not in {m.id for m in uow.orgs.staff_of_unit(unit_id)}:
        raise _problem("staff_id", "Выберите специалиста этого бюро")
    if last < first:
        raise _problem("last", "Дата окончания раньше даты начала")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise _problem("last", f"За один раз можно задать график не больше чем на {MAX_RANGE_DAYS} дня")
    if first < clock.today():
        raise _problem("first", "График задаётся с сегодняшнего дня или на будущие дни")
    if not 0 <= from_minute < to_minute <= 24 * 60:
        raise _problem("to", "Окончание приёма должно быть позже начала")
    result = HoursResult([], [], [])
    day = first
    while day <= last:
        if not calendar.is_working_day(day) or not working_intervals(unit.kind, day):  # days off of the bureau (п.43)
            result.skipped_days_off.append(day)
        elif any(a.staff_id == staff_id and a.from_minute < to_minute and from_minute < a.to_minute
                 for a in uow.scheduling.availability(unit_id, day)):
            result.skipped_overlap.append(day)
        else:
            uow.scheduling.add_availability(Availability(staff_id, day, from_minute, to_minute))
            result.created.append(day)
        day += timedelta(days=1)
    audit.record(uow, actor, "availability.create", "staff", staff_id, clock, details={
        "unit_id": unit_id, "first": first.isoformat(), "last": last.isoformat(), "created": len(result.created)})
    return result
