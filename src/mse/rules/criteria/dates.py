"""Calendar arithmetic of the criteria: age in completed years and terms in years/months.

ГК РФ ст. 192 п. 3: a term counted in months (years) that ends in a month without the matching day ends on the
last day of that month — so a person born on 29 February reaches an age on 28 February of a non-leap year,
and a term of one year from 29.02.2024 ends on 28.02.2025.
"""

from __future__ import annotations

import calendar
from datetime import date

from mse.forms.conditions import completed_age


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months; the day is clamped to the month's last day (ГК РФ ст. 192 п. 3)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def birthday(born: date, age: int) -> date:
    """The day the person reaches ``age`` (29 February → 28 February in a non-leap year, ГК РФ ст. 192 п. 3)."""
    return add_years(born, age)


def completed_years(born: date, on: date) -> int:
    """Age in completed years on ``on`` (the one rule of the forms, ГК РФ ст. 192 п. 3)."""
    return completed_age(born, on)[0]


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def first_of_next_month(day: date) -> date:
    return add_months(first_of_month(day), 1)
