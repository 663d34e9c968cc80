"""Tables of scheduling and notifications (issue 6, migration 0008): rooms, the specialists' availability,
appointments with their booking locks, notifications sent, deadline escalations. Part of the one `metadata` of
tables.py, which imports this module at its end — import the tables from `mse.adapters.db.tables`, not from here."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, UniqueConstraint

from mse.adapters.db.tables import TS, metadata

# Rooms of a bureau where the citizen is received (адм. регламент п.33–36: wheelchair access of the premises).
rooms: Table = Table(
    "rooms",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey("org_units.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("accessible", Boolean, nullable=False, default=False),  # wheelchair access (п.36)
    Column("active", Boolean, nullable=False, default=True),
    UniqueConstraint("unit_id", "name", name="uq_rooms_unit_name"),
)

# A specialist's availability on one day, in minutes from local midnight (portable: no TIME type on SQLite).
staff_availability: Table = Table(
    "staff_availability",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=False, index=True),
    Column("day", Date, nullable=False, index=True),
    Column("from_minute", Integer, nullable=False),
    Column("to_minute", Integer, nullable=False),
    UniqueConstraint("staff_id", "day", "from_minute", name="uq_staff_availability_slot"),
)

# One appointment of a case; rescheduling and non-appearance keep the old row (status + reason) and link the new one.
appointments: Table = Table(
    "appointments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),  # scheduled | held | rescheduled | no_show | cancelled
    Column("procedure", String(16), nullable=False),  # primary | reexam | appeal | control | consultation
    Column("form_code", String(8), nullable=False),  # 389н прил.2 п.20.x
    Column("place_code", String(8), nullable=True),  # 389н прил.2 п.21.x
    Column("place_text", String(500), nullable=True),
    Column("conclusion_ref", String(300), nullable=True),  # заключение врачебной комиссии (21.2)
    Column("room_id", Integer, ForeignKey("rooms.id"), nullable=True),
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=True),
    Column("starts_at", TS, nullable=True, index=True),
    Column("ends_at", TS, nullable=True),
    Column("arrived_at", TS, nullable=True),  # протокол п.3.2 «прибыл»
    Column("started_at", TS, nullable=True),  # протокол п.3.3 «начало»
    Column("reason", String(1000), nullable=True),
    Column("replaces_id", Integer, ForeignKey("appointments.id"), nullable=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("changed_at", TS, nullable=True),
    Column("changed_by", Integer, ForeignKey("users.id"), nullable=True),
)

# No double booking: one row per occupied grid cell of a room or a specialist; the unique key is the guard.
appointment_locks: Table = Table(
    "appointment_locks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("resource", String(32), nullable=False),  # "room:12" | "staff:5"
    Column("cell_start", TS, nullable=False),
    Column("appointment_id", Integer, ForeignKey("appointments.id"), nullable=False, index=True),
    UniqueConstraint("resource", "cell_start", name="uq_appointment_locks_cell"),
)

# Every notification of a case, as the case history shows it (the address masked; the text lives in the outbox row).
notifications: Table = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("event", String(32), nullable=False),
    Column("channel", String(16), nullable=False),  # email | sms | epgu
    Column("address_masked", String(200), nullable=True),
    Column("outbox_id", Integer, ForeignKey("outbox.id"), nullable=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
)

# Overdue deadlines escalated to the head: once per case, deadline and day (the unique key makes it so).
deadline_escalations: Table = Table(
    "deadline_escalations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),  # DL-04 | DL-01 | …
    Column("on_day", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("unit_id", Integer, ForeignKey("org_units.id"), nullable=False),
    Column("outbox_id", Integer, ForeignKey("outbox.id"), nullable=True),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("case_id", "kind", "on_day", name="uq_deadline_escalations_item_day"),
)
