"""The Russian production calendar: 2025 and 2026 transfers day by day, names, overrides, and the explanation text."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mse.adapters.calendar_ru import RussianCalendar
from mse.domain.ports import DayKind
from mse.rules.calendar_terms import TermUnit, due, working_days_between
from mse.services.calendar_ports import CalendarOverride, OverrideKind

CAL = RussianCalendar()


def _month(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    return [first + timedelta(days=k) for k in range(31) if (first + timedelta(days=k)).month == month]


# Постановление Правительства РФ о переносе выходных дней в 2025 г. (реквизиты по памяти, [K]): 1–4, 8–11 мая нерабочие.
MAY_2025_OFF = {1, 2, 3, 4, 8, 9, 10, 11, 17, 18, 24, 25, 31}
# 2026: 1–11 января нерабочие (3 января перенесено на 9 января).
JANUARY_2026_OFF = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 17, 18, 24, 25, 31}


@pytest.mark.parametrize("day", _month(2025, 5), ids=lambda d: d.isoformat())
def test_may_2025_day_by_day(day: date) -> None:
    assert CAL.is_working_day(day) is (day.day not in MAY_2025_OFF)


@pytest.mark.parametrize("day", _month(2026, 1), ids=lambda d: d.isoformat())
def test_january_2026_day_by_day(day: date) -> None:
    assert CAL.is_working_day(day) is (day.day not in JANUARY_2026_OFF)


@pytest.mark.parametrize(("day", "kind"), [
    (date(2025, 5, 2), DayKind.TRANSFERRED), (date(2025, 5, 8), DayKind.TRANSFERRED), (date(2025, 6, 13), DayKind.TRANSFERRED),
    (date(2025, 11, 3), DayKind.TRANSFERRED), (date(2025, 12, 31), DayKind.TRANSFERRED), (date(2026, 1, 9), DayKind.TRANSFERRED),
    (date(2026, 12, 31), DayKind.TRANSFERRED),
    # ТК РФ ст. 112 ч. 2: a holiday on a day off moves to the next working day.
    (date(2026, 3, 9), DayKind.TRANSFERRED), (date(2026, 5, 11), DayKind.TRANSFERRED),
    # Working Saturdays by decree.
    (date(2025, 11, 1), DayKind.WORKING_WEEKEND), (date(2024, 12, 28), DayKind.WORKING_WEEKEND),
    (date(2025, 5, 9), DayKind.HOLIDAY), (date(2025, 5, 10), DayKind.WEEKEND), (date(2025, 5, 12), DayKind.WORKING),
])
def test_transfers_and_kinds(day: date, kind: DayKind) -> None:
    assert CAL.day_kind(day) is kind
    assert CAL.is_working_day(day) is kind.working


@pytest.mark.parametrize(("day", "name"), [
    (date(2025, 1, 2), "Новогодние каникулы"), (date(2025, 1, 7), "Рождество Христово"),
    (date(2024, 2, 23), "День защитника Отечества"), (date(2024, 3, 8), "Международный женский день"),
    (date(2025, 5, 1), "Праздник Весны и Труда"), (date(2025, 5, 9), "День Победы"), (date(2025, 6, 12), "День России"),
    (date(2025, 11, 4), "День народного единства"),
])
def test_holiday_names_are_the_official_russian_ones(day: date, name: str) -> None:
    assert CAL.reason(day) == name


def test_transfer_reason_names_the_decree_and_the_moved_day() -> None:
    assert CAL.reason(date(2025, 5, 2)) == ("Перенос выходного дня (постановление Правительства РФ): выходной день "
                                            "04.01.2025 перенесён на 02.05.2025")
    assert "перенесён на 03.11.2025" in CAL.reason(date(2025, 11, 1))
    assert CAL.reason(date(2025, 5, 10)) == "Выходной день (суббота)"


@pytest.mark.parametrize(("year", "working_days"), [(2024, 248), (2025, 247)])
def test_yearly_working_day_count_matches_the_production_calendar(year: int, working_days: int) -> None:
    days = [date(year, 1, 1) + timedelta(days=k) for k in range(366)]
    assert sum(CAL.is_working_day(d) for d in days if d.year == year) == working_days


def test_the_explanation_of_the_brief_example() -> None:
    result = due(date(2025, 4, 28), 10, TermUnit.WORKING, CAL)
    assert result.due == date(2025, 5, 16)
    assert result.explanation == "+10 рабочих дней от 28.04.2025; 1–4 и 8–11 мая — выходные → 16.05.2025"
    assert working_days_between(date(2025, 4, 28), date(2025, 5, 16), CAL) == 10


def test_calendar_term_ending_on_a_day_off_is_said_and_moved_only_when_asked() -> None:
    plain = due(date(2025, 4, 28), 5, TermUnit.CALENDAR, CAL)
    assert plain.due == date(2025, 5, 3)
    assert plain.ends_on_day_off
    assert not plain.rolled
    assert "срок истекает в нерабочий день (03.05.2025: Выходной день (суббота))" in plain.explanation
    rolled = due(date(2025, 4, 28), 5, TermUnit.CALENDAR, CAL, roll_to_working_day=True)
    assert rolled.due == date(2025, 5, 5)
    assert rolled.nominal == date(2025, 5, 3)
    assert rolled.explanation == ("+5 календарных дней от 28.04.2025 = 03.05.2025; 3–4 мая — выходные; окончание срока "
                                  "переносится на ближайший рабочий день (ГК РФ ст. 193) → 05.05.2025")


def test_new_year_range_across_years_is_grouped() -> None:
    result = due(date(2025, 12, 25), 10, TermUnit.WORKING, CAL)
    assert result.due == date(2026, 1, 20)
    assert "31 декабря – 11 января 2026 г." in result.explanation


def test_month_terms_end_on_the_last_day_when_the_date_is_missing() -> None:
    assert due(date(2025, 1, 31), 1, TermUnit.MONTHS, CAL).due == date(2025, 2, 28)
    assert due(date(2024, 1, 31), 1, TermUnit.MONTHS, CAL).due == date(2024, 2, 29)
    assert due(date(2025, 4, 28), 2, TermUnit.WEEKS, CAL).due == date(2025, 5, 12)


def test_an_override_wins_over_the_library() -> None:
    cal = RussianCalendar([
        CalendarOverride(date(2027, 1, 9), OverrideKind.WORKDAY, "Рабочая суббота", "Постановление (пример)"),
        CalendarOverride(date(2025, 5, 12), OverrideKind.HOLIDAY, "Региональный нерабочий день", "Указ (пример)"),
    ])
    assert cal.is_working_day(date(2027, 1, 9))
    assert cal.day_kind(date(2027, 1, 9)) is DayKind.WORKING_WEEKEND
    assert not cal.is_working_day(date(2025, 5, 12))
    assert cal.describe(date(2025, 5, 12)).overridden
    assert due(date(2025, 4, 28), 10, TermUnit.WORKING, cal).due == date(2025, 5, 19)


def test_bad_terms_are_refused() -> None:
    with pytest.raises(ValueError, match="отрицательным"):
        due(date(2025, 1, 1), -1, TermUnit.CALENDAR, CAL)
