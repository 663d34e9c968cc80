"""Completed age (ГК РФ ст.192 п.3): one rule for the protocol's facts, its checks and the criteria."""

from __future__ import annotations

from datetime import date

import pytest

from mse.forms.conditions import completed_age


@pytest.mark.parametrize(("born", "on", "years", "months"), [
    (date(2008, 2, 29), date(2026, 2, 27), 17, 215),
    (date(2008, 2, 29), date(2026, 2, 28), 18, 216),  # no 29 February in 2026: the year ends on the 28th
    (date(2008, 2, 29), date(2028, 2, 28), 19, 239),  # a leap year has the 29th: not yet 20
    (date(2008, 2, 29), date(2028, 2, 29), 20, 240),
    (date(2000, 1, 31), date(2000, 2, 28), 0, 0),
    (date(2000, 1, 31), date(2000, 2, 29), 0, 1),  # the last day of a month without the 31st
    (date(2007, 5, 14), date(2025, 5, 13), 17, 215),
    (date(2007, 5, 14), date(2025, 5, 14), 18, 216),
    (date(2025, 5, 14), date(2025, 5, 14), 0, 0),
])
def test_completed_age(born: date, on: date, years: int, months: int) -> None:
    assert completed_age(born, on) == (years, months)
