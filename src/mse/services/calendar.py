"""Use cases of the production calendar: the administrator's overrides (audited) and the calendar of a transaction.

The `holidays` package carries the decrees known at its release; a new decree on moving days off (ТК РФ ст. 112 ч. 5)
is entered here by the administrator, and it wins over the library (process.md §0.3, production calendar table).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from mse.domain.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from mse.domain.identity import Actor, Role
from mse.domain.ports import Clock, WorkingCalendar
from mse.services import audit
from mse.services.calendar_ports import CalendarOverride, OverrideKind
from mse.services.ports import UnitOfWork

# Builds the calendar from the overrides (adapters/calendar_ru.RussianCalendar); injected so services stay pure.
CalendarBuilder = Callable[[Iterable[CalendarOverride]], WorkingCalendar]

OBJECT_KIND = "calendar_override"
# The production calendar is reference data kept by the administrator (DESIGN.md §1: «учётные записи и справочники»).
EDITORS = frozenset({Role.ADMIN})
MAX_TEXT = 500
EARLIEST, LATEST = date(1991, 1, 1), date(2100, 12, 31)


def working_calendar(uow: UnitOfWork, build: CalendarBuilder) -> WorkingCalendar:
    """The calendar in force for this transaction: the library plus every override stored."""
    return build(uow.calendar.overrides())


def list_overrides(uow: UnitOfWork, *, year: int | None = None) -> list[CalendarOverride]:
    """Public reference data (the production calendar): no personal data, so reading is not audited."""
    return uow.calendar.overrides(year=year)


def _may_edit(uow: UnitOfWork, actor: Actor, clock: Clock, action: str, day: date) -> None:
    if actor.role not in EDITORS:
        audit.record(uow, actor, f"{action}.denied", OBJECT_KIND, day.isoformat(), clock)
        uow.commit()
        raise Forbidden("Производственный календарь изменяет только администратор")


def _validate(day: date, reason: str, source: str) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not EARLIEST <= day <= LATEST:
        problems.append(FieldProblem("day", f"Дата вне допустимого диапазона ({EARLIEST:%d.%m.%Y}–{LATEST:%d.%m.%Y})", "out_of_range"))
    for name, value, what in (("reason", reason, "Причина"), ("source", source, "Основание (постановление, приказ)")):
        if not value.strip():
            problems.append(FieldProblem(name, f"{what}: обязательное поле", "required"))
        elif len(value.strip()) > MAX_TEXT:
            problems.append(FieldProblem(name, f"{what}: не более {MAX_TEXT} знаков", "too_long"))
    return problems


def add_override(uow: UnitOfWork, actor: Actor, clock: Clock, *, day: date, kind: OverrideKind | str, reason: str,
                 source: str) -> CalendarOverride:
    """Set ``day`` as a working day or a day off, citing the decree; one override per day."""
    _may_edit(uow, actor, clock, "calendar.override.add", day)
    try:
        kind = OverrideKind(kind)
    except ValueError:
        raise ValidationFailed([FieldProblem("kind", "Вид дня: holiday (нерабочий) или workday (рабочий)", "invalid_choice")]) from None
    if problems := _validate(day, reason, source):
        raise ValidationFailed(problems)
    existing = uow.calendar.get(day)
    if existing is not None:
        raise Conflict("calendar_override_exists", f"Для {day:%d.%m.%Y} уже задано исключение ({existing.reason}); "
                                                   "удалите его, прежде чем задать новое")
    saved = uow.calendar.add(CalendarOverride(day=day, kind=kind, reason=reason.strip(), source=source.strip()),
                             now=clock.now(), user_id=actor.user_id or None)
    audit.record(uow, actor, "calendar.override.add", OBJECT_KIND, day.isoformat(), clock,
                 details={"kind": kind.value, "reason": saved.reason, "source": saved.source})
    uow.commit()
    return saved


def remove_override(uow: UnitOfWork, actor: Actor, clock: Clock, *, day: date) -> CalendarOverride:
    _may_edit(uow, actor, clock, "calendar.override.remove", day)
    existing = uow.calendar.get(day)
    if existing is None:
        raise NotFound("calendar_override", f"Для {day:%d.%m.%Y} исключение в производственном календаре не задано")
    uow.calendar.remove(day)
    audit.record(uow, actor, "calendar.override.remove", OBJECT_KIND, day.isoformat(), clock,
                 details={"kind": existing.kind.value, "reason": existing.reason, "source": existing.source})
    uow.commit()
    return existing
