"""Scheduling storage: rooms, specialists' availability, appointments and their booking locks.

No double booking: each appointment holds one `appointment_locks` row per grid cell of its room and of its
specialist; the unique key (resource, cell_start) makes a second booking of the same cell fail inside the database,
whatever the services checked before (two registrars pressing «Записать» at once).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from mse.adapters.db.tables import appointment_locks, appointments, cases, org_units, persons, rooms, staff, staff_availability
from mse.domain.organisation import UnitKind
from mse.domain.ports import MOSCOW
from mse.domain.scheduling import AppointmentStatus, Availability, Procedure, Room
from mse.services.scheduling_ports import AppointmentRecord, CaseInfo, NewAppointment, PersonContact

_a = appointments.c


def _full_name(surname: str, name: str, patronymic: str | None) -> str:
    return " ".join(p for p in (surname, name, patronymic) if p)


class SchedulingRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------ case and person
    def case_info(self, case_id: int) -> CaseInfo | None:
        q = (select(cases, org_units.c.path, org_units.c.kind, org_units.c.name.label("unit_name"), org_units.c.address)
             .join(org_units, org_units.c.id == cases.c.bureau_id).where(cases.c.id == case_id))
        r = self.conn.execute(q).first()
        if r is None:
            return None
        return CaseInfo(id=r.id, number=r.number, state=r.state, registered_on=r.registered_on, bureau_id=r.bureau_id,
                        unit_path=r.path, unit_kind=UnitKind(r.kind), unit_name=r.unit_name, unit_address=r.address,
                        person_id=r.person_id, purposes=tuple(str(p) for p in (r.purposes or [])),
                        due_invitation=r.due_invitation, due_decision=r.due_decision)

    def contact(self, person_id: int) -> PersonContact | None:
        r = self.conn.execute(select(persons.c.surname, persons.c.name, persons.c.patronymic, persons.c.email,
                                     persons.c.phone_mobile).where(persons.c.id == person_id)).first()
        if r is None:
            return None
        return PersonContact(_full_name(r.surname, r.name, r.patronymic), r.email or None, r.phone_mobile or None)

    # ------------------------------------------------------------ rooms and availability
    def add_room(self, *, unit_id: int, name: str, accessible: bool) -> int:
        new_id: int = self.conn.execute(insert(rooms).values(unit_id=unit_id, name=name, accessible=accessible, active=True)
                                        ).inserted_primary_key[0]  # type: ignore[index]
        return new_id

    def rooms(self, unit_id: int) -> list[Room]:
        q = select(rooms).where(rooms.c.unit_id == unit_id, rooms.c.active.is_(True)).order_by(rooms.c.name)
        return [Room(r.id, r.unit_id, r.name, r.accessible) for r in self.conn.execute(q)]

    def add_availability(self, a: Availability) -> int:
        new_id: int = self.conn.execute(insert(staff_availability).values(
            staff_id=a.staff_id, day=a.day, from_minute=a.from_minute, to_minute=a.to_minute)).inserted_primary_key[0]  # type: ignore[index]
        return new_id

    def availability(self, unit_id: int, day: date) -> list[Availability]:
        q = (select(staff_availability).join(staff, staff.c.id == staff_availability.c.staff_id)
             .where(staff.c.unit_id == unit_id, staff_availability.c.day == day)
             .order_by(staff_availability.c.from_minute, staff_availability.c.staff_id))
        return [Availability(r.staff_id, r.day, r.from_minute, r.to_minute) for r in self.conn.execute(q)]

    def staff_names(self, unit_id: int) -> dict[int, str]:
        q = select(staff).where(staff.c.unit_id == unit_id)
        return {r.id: _full_name(r.surname, r.name, r.patronymic) for r in self.conn.execute(q)}

    # ------------------------------------------------------------ appointments
    def busy_cells(self, since: datetime, until: datetime) -> set[str]:
        q = select(appointment_locks.c.resource, appointment_locks.c.cell_start).where(
            appointment_locks.c.cell_start >= since, appointment_locks.c.cell_start < until)
        return {f"{r.resource}@{r.cell_start.isoformat()}" for r in self.conn.execute(q)}

    def add_appointment(self, a: NewAppointment) -> int:
        new_id: int = self.conn.execute(insert(appointments).values(
            case_id=a.case_id, status=AppointmentStatus.SCHEDULED.value, procedure=a.procedure.value, form_code=a.form_code,
            place_code=a.place_code, place_text=a.place_text, conclusion_ref=a.conclusion_ref, room_id=a.room_id,
            staff_id=a.staff_id, starts_at=a.starts_at, ends_at=a.ends_at, replaces_id=a.replaces_id,
            created_at=a.created_at, created_by=a.created_by)).inserted_primary_key[0]  # type: ignore[index]
        # DL-04 is met once the citizen is booked: the marker the deadline sweep reads (migration 0012).
        self.conn.execute(update(cases).where(cases.c.id == a.case_id, cases.c.invited_on.is_(None))
                          .values(invited_on=a.created_at.astimezone(MOSCOW).date()))
        return new_id

    def lock(self, appointment_id: int, keys: list[tuple[str, datetime]]) -> bool:
        if not keys:
            return True
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(appointment_locks), [
                    {"resource": res, "cell_start": cell, "appointment_id": appointment_id} for res, cell in keys])
        except IntegrityError:
            return False
        return True

    def release(self, appointment_id: int) -> None:
        self.conn.execute(delete(appointment_locks).where(appointment_locks.c.appointment_id == appointment_id))

    def _select(self) -> Any:
        return (select(appointments, rooms.c.name.label("room_name"), staff.c.surname, staff.c.name.label("staff_first"),
                       staff.c.patronymic)
                .outerjoin(rooms, rooms.c.id == _a.room_id).outerjoin(staff, staff.c.id == _a.staff_id))

    @staticmethod
    def _record(r: Any) -> AppointmentRecord:
        return AppointmentRecord(
            id=r.id, case_id=r.case_id, status=AppointmentStatus(r.status), procedure=Procedure(r.procedure),
            form_code=r.form_code, place_code=r.place_code, place_text=r.place_text, conclusion_ref=r.conclusion_ref,
            room_id=r.room_id, room_name=r.room_name, staff_id=r.staff_id,
            staff_name=_full_name(r.surname, r.staff_first, r.patronymic) if r.surname else None,
            starts_at=r.starts_at, ends_at=r.ends_at, arrived_at=r.arrived_at, started_at=r.started_at, reason=r.reason,
            replaces_id=r.replaces_id, created_at=r.created_at, changed_at=r.changed_at)

    def appointment(self, appointment_id: int) -> AppointmentRecord | None:
        r = self.conn.execute(self._select().where(_a.id == appointment_id)).first()
        return self._record(r) if r is not None else None

    def appointments_of(self, case_id: int) -> list[AppointmentRecord]:
        return [self._record(r) for r in self.conn.execute(self._select().where(_a.case_id == case_id).order_by(_a.id))]

    def close(self, appointment_id: int, *, status: AppointmentStatus, reason: str | None, at: datetime, by: int | None) -> bool:
        # Compare-and-set on the status: two concurrent closings cannot both win.
        res = self.conn.execute(update(appointments).where(
            _a.id == appointment_id, _a.status == AppointmentStatus.SCHEDULED.value).values(
            status=status.value, reason=reason[:1000] if reason else None, changed_at=at, changed_by=by))
        return res.rowcount == 1

    def set_times(self, appointment_id: int, *, arrived_at: datetime | None = None, started_at: datetime | None = None) -> None:
        values: dict[str, datetime] = {}
        if arrived_at is not None:
            values["arrived_at"] = arrived_at
        if started_at is not None:
            values["started_at"] = started_at
        if values:
            self.conn.execute(update(appointments).where(_a.id == appointment_id).values(**values))

    def appointments_between(self, unit_path_prefix: str, since: datetime, until: datetime) -> list[tuple[AppointmentRecord, str]]:
        """The day's appointments of a part of the tree, with the case number (the «Расписание» page)."""
        q = (self._select().add_columns(cases.c.number.label("case_number"))
             .join(cases, cases.c.id == _a.case_id).join(org_units, org_units.c.id == cases.c.bureau_id)
             .where(_a.starts_at >= since, _a.starts_at < until,
                    org_units.c.path.startswith(unit_path_prefix, autoescape=True)).order_by(_a.starts_at, _a.id))
        return [(self._record(r), r.case_number) for r in self.conn.execute(q)]
