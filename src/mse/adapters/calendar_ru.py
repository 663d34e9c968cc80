"""The Russian production calendar: the `holidays` package plus the administrator's override table.

Saturday and Sunday are days off (АР п.43; process.md §0.3); non-working holidays are ТК РФ ст. 112; a holiday on a
day off moves to the next working day (ТК РФ ст. 112 ч. 2) and the Government moves days off by decree (ч. 5) — the
library carries those decrees up to its release. A decree it lacks (or a working Saturday it lacks) is entered by
the administrator in `calendar_overrides` (migration 0006), and an override always wins.
"""

from __future__ import annotations

import calendar as _cal
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version

from holidays import HolidayBase, country_holidays

from mse.domain.ports import DayKind
from mse.services.calendar_ports import CalendarOverride, OverrideKind

LIBRARY = f"holidays {version('holidays')}"
TRANSFER = "Перенос выходного дня (постановление Правительства РФ)"

# The library's English names → the names of ТК РФ ст. 112 (the library's own Russian locale differs in wording).
RU_NAMES: dict[str, str] = {
    "New Year Holidays": "Новогодние каникулы",
    "Christmas Day": "Рождество Христово",
    "Defender of the Fatherland Day": "День защитника Отечества",
    "International Women's Day": "Международный женский день",
    "Holiday of Spring and Labor": "Праздник Весны и Труда",
    "Victory Day": "День Победы",
    "Russia Day": "День России",
    "Unity Day": "День народного единства",
}
WEEKDAY_NAMES = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
_SUBSTITUTED = re.compile(r"Day off \(substituted from (\d\d)/(\d\d)/(\d{4})\)")
_OBSERVED = " (observed)"


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: DayKind
    reason: str
    source: str  # where the fact comes from: the library and its version, or the override's decree
    overridden: bool = False

    @property
    def working(self) -> bool:
        return self.kind.working


@dataclass(frozen=True)
class _Year:
    off: dict[date, tuple[DayKind, str]]
    workdays: dict[date, str]


def _d(text_day: str, text_month: str, text_year: str) -> date:
    return date(int(text_year), int(text_month), int(text_day))


def _build_year(year: int) -> _Year:
    lib = country_holidays("RU", years=year, language="en_US")
    ru_lib: HolidayBase | None = None
    off: dict[date, tuple[DayKind, str]] = {}
    moved_to: dict[date, date] = {}
    for day, name in sorted(lib.items()):
        first = name.split(";")[0].strip()
        if m := _SUBSTITUTED.fullmatch(first):
            source_day = _d(m.group(2), m.group(1), m.group(3))
            moved_to[source_day] = day
            off[day] = (DayKind.TRANSFERRED, f"{TRANSFER}: выходной день {source_day:%d.%m.%Y} перенесён на {day:%d.%m.%Y}")
        elif first.endswith(_OBSERVED):
            holiday = RU_NAMES.get(first.removesuffix(_OBSERVED), first.removesuffix(_OBSERVED))
            off[day] = (DayKind.TRANSFERRED, f"Перенос выходного дня (ТК РФ ст. 112 ч. 2): «{holiday}» совпал с выходным днём")
        elif first in RU_NAMES:
            off[day] = (DayKind.HOLIDAY, RU_NAMES[first])
        else:  # an old or new name the table lacks: the library's Russian locale, never English in the UI
            if ru_lib is None:
                ru_lib = country_holidays("RU", years=year, language="ru")
            off[day] = (DayKind.HOLIDAY, str(ru_lib.get(day) or "Нерабочий праздничный день"))
    workdays: dict[date, str] = {}
    for day in sorted(d for d in lib.weekend_workdays if d.year == year):
        target = moved_to.get(day)
        to = f" перенесён на {target:%d.%m.%Y}" if target else ""
        workdays[day] = f"Рабочий день ({WEEKDAY_NAMES[day.weekday()]}): выходной{to}, постановление Правительства РФ о переносе"
    return _Year(off, workdays)


class RussianCalendar:
    """WorkingCalendar (domain/ports.py) over `holidays.Russia` and the administrator's overrides."""

    def __init__(self, overrides: Iterable[CalendarOverride] = ()) -> None:
        self._overrides: Mapping[date, CalendarOverride] = {o.day: o for o in overrides}
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()

    def _year(self, year: int) -> _Year:
        data = self._years.get(year)
        if data is None:
            with self._lock:
                data = self._years.get(year) or _build_year(year)
                self._years[year] = data
        return data

    def describe(self, day: date) -> CalendarDay:
        override = self._overrides.get(day)
        if override is not None:
            weekend = day.weekday() >= 5
            if override.kind is OverrideKind.WORKDAY:
                kind = DayKind.WORKING_WEEKEND if weekend else DayKind.WORKING
            else:
                kind = DayKind.HOLIDAY
            return CalendarDay(day, kind, override.reason, f"{override.source} (указано администратором)", overridden=True)
        data = self._year(day.year)
        if day in data.workdays:
            return CalendarDay(day, DayKind.WORKING_WEEKEND, data.workdays[day], LIBRARY)
        if day in data.off:
            kind, reason = data.off[day]
            return CalendarDay(day, kind, reason, LIBRARY)
        if day.weekday() >= 5:
            return CalendarDay(day, DayKind.WEEKEND, f"Выходной день ({WEEKDAY_NAMES[day.weekday()]})", "АР п.43; ТК РФ ст. 111")
        return CalendarDay(day, DayKind.WORKING, f"Рабочий день ({WEEKDAY_NAMES[day.weekday()]})", "ТК РФ ст. 111")

    # ---- WorkingCalendar ----------------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        return self.describe(day).kind.working

    def day_kind(self, day: date) -> DayKind:
        return self.describe(day).kind

    def reason(self, day: date) -> str:
        return self.describe(day).reason

    # ---- listings -----------------------------------------------------------------------------------------------

    def month(self, year: int, month: int) -> list[CalendarDay]:
        return [self.describe(date(year, month, n)) for n in range(1, _cal.monthrange(year, month)[1] + 1)]

    def days_off(self, year: int, month: int) -> list[CalendarDay]:
        return [d for d in self.month(year, month) if not d.working]

    def exceptions(self, year: int, month: int) -> list[CalendarDay]:
        """The days that differ from a plain Monday–Friday week: holidays, transfers, working weekends, overrides."""
        return [d for d in self.month(year, month) if d.kind not in (DayKind.WORKING, DayKind.WEEKEND) or d.overridden]

