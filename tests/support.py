"""Small test doubles at the ports (fakes, not mocks)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


class FixedClock:
    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.date()

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)
