"""Storage of the production-calendar overrides (table calendar_overrides, migration 0006)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, extract, insert, select

from mse.adapters.db.tables import calendar_overrides as t
from mse.services.calendar_ports import CalendarOverride, OverrideKind


def _row(r: Any) -> CalendarOverride:
    return CalendarOverride(day=r.day, kind=OverrideKind(r.kind), reason=r.reason, source=r.source,
                            created_at=r.created_at, created_by=r.created_by, id=r.id)


class CalendarRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def overrides(self, *, year: int | None = None) -> list[CalendarOverride]:
        q = select(t).order_by(t.c.day)
        if year is not None:
            q = q.where(extract("year", t.c.day) == year)
        return [_row(r) for r in self.conn.execute(q)]

    def get(self, day: date) -> CalendarOverride | None:
        r = self.conn.execute(select(t).where(t.c.day == day)).first()
        return _row(r) if r is not None else None

    def add(self, override: CalendarOverride, *, now: datetime, user_id: int | None) -> CalendarOverride:
        new_id = self.conn.execute(insert(t).values(
            day=override.day, kind=override.kind.value, reason=override.reason[:500], source=override.source[:500],
            created_at=now, created_by=user_id,
        ).returning(t.c.id)).scalar_one()
        return CalendarOverride(day=override.day, kind=override.kind, reason=override.reason[:500],
                                source=override.source[:500], created_at=now, created_by=user_id, id=new_id)

    def remove(self, day: date) -> bool:
        return bool(self.conn.execute(delete(t).where(t.c.day == day)).rowcount)
