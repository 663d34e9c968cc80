"""Term arithmetic over a WorkingCalendar, with a Russian explanation of every due date.

process.md §0.3: the day of the triggering event is day 0 and the term expires at the end of day N; month terms end
on the same-numbered date of the month, or on its last day where there is no such date (ГК РФ ст. 192 п. 3).
A term of calendar days that ends on a day off is moved to the next working day only where the deadline entry says so
(`roll_to_working_day`, ГК РФ ст. 193) — the АР sets terms for an institution, so the default is not to move it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from mse.domain.ports import WorkingCalendar
from mse.rules.criteria.dates import add_months

MAX_TERM = 100_000  # a guard against runaway loops on bad input (days); no legal term comes close


class TermUnit(StrEnum):
    CALENDAR = "calendar"  # календарные дни
    WORKING = "working"  # рабочие дни
    WEEKS = "weeks"  # недели
    MONTHS = "months"  # месяцы
    YEARS = "years"  # годы (периодичность переосвидетельствования, проверок)
    MINUTES = "minutes"  # минуты (время ожидания приёма, АР п.13)
    SAME_DAY = "same_day"  # в тот же день


_FORMS: dict[TermUnit, tuple[str, str, str]] = {
    TermUnit.CALENDAR: ("календарный день", "календарных дня", "календарных дней"),
    TermUnit.WORKING: ("рабочий день", "рабочих дня", "рабочих дней"),
    TermUnit.WEEKS: ("неделя", "недели", "недель"),
    TermUnit.MONTHS: ("месяц", "месяца", "месяцев"),
    TermUnit.YEARS: ("год", "года", "лет"),
    TermUnit.MINUTES: ("минута", "минуты", "минут"),
    TermUnit.SAME_DAY: ("день", "дня", "дней"),
}
MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
                   "ноября", "декабря")


def plural(n: int, forms: tuple[str, str, str]) -> str:
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def term_text(n: int, unit: TermUnit) -> str:
    return f"{n} {plural(n, _FORMS[unit])}"


@dataclass(frozen=True)
class Due:
    start: date
    value: int
    unit: TermUnit
    due: date
    explanation: str
    skipped: tuple[date, ...] = field(default=())  # days off passed over (working-day terms) or rolled over
    nominal: date | None = None  # the end before moving to a working day (ГК РФ ст. 193), if it was moved
    ends_on_day_off: bool = False  # a calendar-type term that ends on a day off and was not moved

    @property
    def rolled(self) -> bool:
        return self.nominal is not None and self.nominal != self.due


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for d in sorted(days):
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def days_text(days: list[date] | tuple[date, ...], base_year: int) -> str:
    """«1–4 и 8–11 мая», «31 декабря – 11 января 2026 г.»: consecutive days grouped; the month is said once per run."""
    ranges = _ranges(list(days))
    parts: list[str] = []
    for i, (a, b) in enumerate(ranges):
        nxt = ranges[i + 1][0] if i + 1 < len(ranges) else None
        year = f" {b.year} г." if b.year != base_year else ""
        if (a.year, a.month) != (b.year, b.month):
            a_year = f" {a.year} г." if a.year not in (b.year, base_year) else ""
            parts.append(f"{a.day} {MONTHS_GENITIVE[a.month - 1]}{a_year} – {b.day} {MONTHS_GENITIVE[b.month - 1]}{year}")
            continue
        body = f"{a.day}" if a == b else f"{a.day}–{b.day}"
        same_month_next = nxt is not None and (nxt.year, nxt.month) == (b.year, b.month) == (ranges[i + 1][1].year,
                                                                                             ranges[i + 1][1].month)
        parts.append(body if same_month_next else f"{body} {MONTHS_GENITIVE[b.month - 1]}{year}")
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " и " + parts[-1]


def _off_clause(days: list[date], base_year: int) -> str:
    return f"{days_text(days, base_year)} — {'выходной' if len(days) == 1 else 'выходные'}"


def add_working_days(start: date, n: int, calendar: WorkingCalendar) -> tuple[date, list[date]]:
    """The n-th working day after ``start`` (n ≥ 0) and the days off passed over on the way."""
    day, counted, skipped = start, 0, []
    while counted < n:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
        else:
            skipped.append(day)
        if (day - start).days > MAX_TERM:
            raise ValueError("срок слишком велик")
    return day, skipped


def next_working_day(day: date, calendar: WorkingCalendar) -> tuple[date, list[date]]:
    """``day`` itself if it is a working day, else the first working day after it, and the days off passed over."""
    skipped: list[date] = []
    while not calendar.is_working_day(day):
        skipped.append(day)
        day += timedelta(days=1)
        if len(skipped) > MAX_TERM:
            raise ValueError("в календаре нет рабочих дней")
    return day, skipped


def working_days_between(a: date, b: date, calendar: WorkingCalendar) -> int:
    """Working days d with a < d ≤ b (day a is day 0, §0.3); negative when b is before a."""
    if b < a:
        return -working_days_between(b, a, calendar)
    if (b - a).days > MAX_TERM:
        raise ValueError("интервал слишком велик")
    return sum(1 for k in range(1, (b - a).days + 1) if calendar.is_working_day(a + timedelta(days=k)))


def _nominal(start: date, n: int, unit: TermUnit) -> date:
    if unit is TermUnit.CALENDAR:
        return start + timedelta(days=n)
    if unit is TermUnit.WEEKS:
        return start + timedelta(weeks=n)
    if unit is TermUnit.MONTHS:
        return add_months(start, n)
    if unit is TermUnit.YEARS:
        return add_months(start, 12 * n)
    return start  # SAME_DAY, MINUTES: the term ends within the day of the event


def due(start: date, n: int, unit: TermUnit | str, calendar: WorkingCalendar, *, roll_to_working_day: bool = False) -> Due:
    """The last day of a term of ``n`` ``unit`` counted from ``start`` (day 0), with a Russian explanation."""
    unit = TermUnit(unit)
    if n < 0:
        raise ValueError("срок не может быть отрицательным")
    if n > MAX_TERM:
        raise ValueError("срок слишком велик")
    head = f"+{term_text(n, unit)} от {start:%d.%m.%Y}"
    if unit is TermUnit.WORKING:
        end, skipped = add_working_days(start, n, calendar)
        clause = _off_clause(skipped, start.year) if skipped else "выходных в сроке нет"
        return Due(start, n, unit, end, f"{head}; {clause} → {end:%d.%m.%Y}", tuple(skipped))
    if unit is TermUnit.MINUTES:
        return Due(start, n, unit, start, f"{term_text(n, unit)} от назначенного времени, в пределах дня {start:%d.%m.%Y}")
    if unit is TermUnit.SAME_DAY:
        return Due(start, 0, unit, start, f"в тот же день: {start:%d.%m.%Y}")
    end = _nominal(start, n, unit)
    if calendar.is_working_day(end):
        return Due(start, n, unit, end, f"{head} → {end:%d.%m.%Y}")
    what = f"{end:%d.%m.%Y}: {calendar.reason(end)}"
    if not roll_to_working_day:
        return Due(start, n, unit, end, f"{head} → {end:%d.%m.%Y}; срок истекает в нерабочий день ({what}); "
                                        "перенос на рабочий день для этого срока не предусмотрен", ends_on_day_off=True)
    moved, skipped = next_working_day(end, calendar)
    return Due(start, n, unit, moved, f"{head} = {end:%d.%m.%Y}; {_off_clause(skipped, start.year)}; окончание срока "
                                      f"переносится на ближайший рабочий день (ГК РФ ст. 193) → {moved:%d.%m.%Y}",
               tuple(skipped), nominal=end)
