"""What scheduling, notifications and deadline control need from storage (adapters/db/repositories/scheduling.py,
notices.py implement it) and from the neighbouring parts built elsewhere (case life-cycle, working-day calendar)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mse.domain.identity import Actor
from mse.domain.organisation import UnitKind
from mse.domain.ports import Clock
from mse.domain.scheduling import AppointmentStatus, Availability, Procedure, Room


@dataclass(frozen=True)
class CaseInfo:
    id: int
    number: str
    state: str
    registered_on: date
    bureau_id: int
    unit_path: str
    unit_kind: UnitKind
    unit_name: str
    unit_address: str | None
    person_id: int | None
    purposes: tuple[str, ...]
    due_invitation: date | None
    due_decision: date | None


@dataclass(frozen=True)
class PersonContact:
    full_name: str
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class AppointmentRecord:
    id: int
    case_id: int
    status: AppointmentStatus
    procedure: Procedure
    form_code: str
    place_code: str | None
    place_text: str | None
    conclusion_ref: str | None
    room_id: int | None
    room_name: str | None
    staff_id: int | None
    staff_name: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    arrived_at: datetime | None
    started_at: datetime | None
    reason: str | None
    replaces_id: int | None
    created_at: datetime
    changed_at: datetime | None


@dataclass(frozen=True)
class NewAppointment:
    case_id: int
    procedure: Procedure
    form_code: str
    place_code: str | None
    place_text: str | None
    conclusion_ref: str | None
    room_id: int | None
    staff_id: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    replaces_id: int | None
    created_at: datetime
    created_by: int | None


@dataclass(frozen=True)
class NotificationRecord:
    id: int
    case_id: int
    event: str
    channel: str
    address_masked: str | None
    outbox_id: int | None
    created_at: datetime
    delivered_at: datetime | None
    dead: bool


@dataclass(frozen=True)
class OpenCase:
    """A case whose deadlines still run, with what is already done (from this module's own tables)."""

    id: int
    number: str
    state: str
    bureau_id: int
    bureau_name: str
    unit_path: str
    unit_kind: UnitKind
    due_invitation: date | None
    due_decision: date | None
    invited: bool  # an invitation notification was written or an appointment exists
    decided: bool  # the decision is issued


@dataclass(frozen=True)
class DueWindow:
    """Which running terms a due-items query reads (issue 7, P9): the open cases' DL-04 and DL-01 terms due on or
    before `horizon` (the last at-risk day), classified by the database against `today` — overdue, due today, at risk.
    `prefix` limits it to a part of the bureau tree; `kind` / `bureau_id` / `status` are the dashboard's filters."""

    today: date
    horizon: date
    closed_states: frozenset[str]
    prefix: str | None = None
    kind: str | None = None
    bureau_id: int | None = None
    status: str | None = None  # "overdue" | "due_today" | "at_risk"


@dataclass(frozen=True)
class DueCount:
    bureau_id: int
    bureau_name: str
    kind: str
    status: str
    count: int


@dataclass(frozen=True)
class DueRow:
    case_id: int
    number: str
    state: str
    bureau_id: int
    bureau_name: str
    unit_path: str
    kind: str
    due_on: date
    escalated_on: date | None  # the last day this item was escalated


class SchedulingRepo(Protocol):
    def case_info(self, case_id: int) -> CaseInfo | None: ...
    def contact(self, person_id: int) -> PersonContact | None: ...
    def add_room(self, *, unit_id: int, name: str, accessible: bool) -> int: ...
    def rooms(self, unit_id: int) -> list[Room]: ...
    def add_availability(self, a: Availability) -> int: ...
    def availability(self, unit_id: int, day: date) -> list[Availability]: ...
    def staff_names(self, unit_id: int) -> dict[int, str]: ...
    def busy_cells(self, since: datetime, until: datetime) -> set[str]: ...
    def add_appointment(self, a: NewAppointment) -> int: ...
    def lock(self, appointment_id: int, keys: list[tuple[str, datetime]]) -> bool: ...
    def release(self, appointment_id: int) -> None: ...
    def appointment(self, appointment_id: int) -> AppointmentRecord | None: ...
    def appointments_of(self, case_id: int) -> list[AppointmentRecord]: ...
    def close(self, appointment_id: int, *, status: AppointmentStatus, reason: str | None, at: datetime, by: int | None) -> bool: ...
    def set_times(self, appointment_id: int, *, arrived_at: datetime | None = None, started_at: datetime | None = None) -> None: ...
    def appointments_between(self, unit_path_prefix: str, since: datetime, until: datetime) -> list[tuple[AppointmentRecord, str]]: ...


class NoticeRepo(Protocol):
    def add_notification(self, *, case_id: int, event: str, channel: str, address_masked: str | None, outbox_id: int | None,
                         now: datetime, by: int | None) -> int: ...
    def notifications_of(self, case_id: int) -> list[NotificationRecord]: ...
    def open_cases(self, unit_path_prefix: str | None, closed_states: frozenset[str], due_by: date | None = None) -> list[OpenCase]: ...
    def add_escalation(self, *, case_id: int, kind: str, on_day: date, due_on: date, unit_id: int, now: datetime) -> int | None: ...
    def set_escalation_outbox(self, escalation_id: int, outbox_id: int) -> None: ...
    def escalated(self, case_ids: list[int]) -> dict[tuple[int, str], date]: ...
    def due_counts(self, window: DueWindow) -> list[DueCount]: ...
    def due_rows(self, window: DueWindow, *, sort: str = "due", limit: int | None = None, offset: int = 0,
                 not_escalated_on: date | None = None) -> list[DueRow]:
        """`not_escalated_on`: only the items without an escalation on that day (the sweep's work)."""
        ...
    def head_of(self, unit_id: int) -> str | None: ...
    def head_email(self, unit_id: int) -> str | None: ...


# ---- neighbours built by other parts (the lead wires the real ones) ---------------------------------------------


class WorkingDays(Protocol):
    """The working-day calendar (adapters/calendar_ru.py): Mon–Fri minus public holidays (process.md §0.3)."""

    def is_working_day(self, day: date) -> bool: ...


class WeekdayCalendar:
    """Fallback until the production calendar is wired: Monday–Friday (адм. регламент п.43), no holidays — shown
    as unverified where it matters."""

    verified = False

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5


class CaseTransitions(Protocol):
    """The case state machine (services/cases.py `transition`): scheduling fires T-«scheduled» (process.md §3.5)."""

    def __call__(self, uow: object, actor: Actor, case_id: int, event: str, clock: Clock, *, reason: str | None = None) -> None: ...
