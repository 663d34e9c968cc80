"""What the calendar services need from storage: the administrator's overrides of the production calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol


class OverrideKind(StrEnum):
    HOLIDAY = "holiday"  # нерабочий день (новое постановление, которого нет в библиотеке)
    WORKDAY = "workday"  # рабочий день (например, рабочая суббота по постановлению о переносе)


OVERRIDE_KIND_LABELS: dict[OverrideKind, str] = {
    OverrideKind.HOLIDAY: "нерабочий день",
    OverrideKind.WORKDAY: "рабочий день",
}


@dataclass(frozen=True)
class CalendarOverride:
    """One day the administrator set by hand; it wins over the library (process.md §0.3, production calendar table)."""

    day: date
    kind: OverrideKind
    reason: str
    source: str  # постановление / приказ, e.g. «Постановление Правительства РФ от … № …»
    created_at: datetime | None = None
    created_by: int | None = None
    id: int | None = None


class CalendarRepo(Protocol):
    def overrides(self, *, year: int | None = None) -> list[CalendarOverride]: ...
    def get(self, day: date) -> CalendarOverride | None: ...
    def add(self, override: CalendarOverride, *, now: datetime, user_id: int | None) -> CalendarOverride: ...
    def remove(self, day: date) -> bool: ...
