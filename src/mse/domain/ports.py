"""Ports the domain and services depend on; adapters implement them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

# Legal dates and printed times are in Moscow time until per-region time zones arrive (one zone for the whole system).
MOSCOW = ZoneInfo("Europe/Moscow")


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(MOSCOW).date()


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, hashed: str, password: str) -> bool: ...


class DayKind(StrEnum):
    """What a date is in the production calendar (ТК РФ ст. 111–112; process.md §0.3)."""

    WORKING = "working"  # рабочий день (понедельник–пятница)
    WORKING_WEEKEND = "working_weekend"  # суббота или воскресенье, объявленные рабочими (перенос по постановлению)
    WEEKEND = "weekend"  # суббота, воскресенье (АР п.43)
    HOLIDAY = "holiday"  # нерабочий праздничный день (ТК РФ ст. 112)
    TRANSFERRED = "transferred"  # выходной день, перенесённый постановлением Правительства РФ или по ТК РФ ст. 112

    @property
    def working(self) -> bool:
        return self in (DayKind.WORKING, DayKind.WORKING_WEEKEND)


class WorkingCalendar(Protocol):
    """The Russian working-day calendar: weekends, holidays, decree transfers and administrator overrides."""

    def is_working_day(self, day: date) -> bool: ...

    def day_kind(self, day: date) -> DayKind: ...

    def reason(self, day: date) -> str:
        """Russian text why the day is what it is, e.g. «День Победы», «суббота», «рабочий день»."""
        ...
