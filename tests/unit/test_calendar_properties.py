"""Properties of the term arithmetic over the real Russian calendar (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mse.adapters.calendar_ru import RussianCalendar
from mse.rules.calendar_terms import TermUnit, due, next_working_day, working_days_between

CAL = RussianCalendar()
days = st.dates(min_value=date(2019, 1, 1), max_value=date(2027, 12, 31))
terms = st.integers(min_value=1, max_value=120)


@settings(max_examples=300, deadline=None)
@given(days, terms)
def test_no_working_day_due_date_falls_on_a_day_off(start: date, n: int) -> None:
    result = due(start, n, TermUnit.WORKING, CAL)
    assert CAL.is_working_day(result.due)
    assert all(not CAL.is_working_day(d) for d in result.skipped)
    assert all(start < d < result.due for d in result.skipped)


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=0, max_value=120))
def test_adding_n_working_days_then_counting_back_gives_n(start: date, n: int) -> None:
    result = due(start, n, TermUnit.WORKING, CAL)
    assert working_days_between(start, result.due, CAL) == n
    assert working_days_between(result.due, start, CAL) == -n
    # exactly the calendar days in between minus the days off passed over
    assert (result.due - start).days == n + len(result.skipped)


@settings(max_examples=200, deadline=None)
@given(days, st.integers(min_value=0, max_value=119), st.sampled_from(list(TermUnit)))
def test_due_is_monotone_in_n(start: date, n: int, unit: TermUnit) -> None:
    a, b = due(start, n, unit, CAL).due, due(start, n + 1, unit, CAL).due
    if unit is TermUnit.WORKING:
        assert a < b
    else:
        assert a <= b


@settings(max_examples=200, deadline=None)
@given(days, st.integers(min_value=0, max_value=400))
def test_rolled_calendar_terms_end_on_the_first_working_day_on_or_after_the_nominal_end(start: date, n: int) -> None:
    result = due(start, n, TermUnit.CALENDAR, CAL, roll_to_working_day=True)
    nominal = start + timedelta(days=n)
    assert CAL.is_working_day(result.due)
    assert result.due == next_working_day(nominal, CAL)[0]
    assert all(not CAL.is_working_day(d) for d in result.skipped)
    plain = due(start, n, TermUnit.CALENDAR, CAL)
    assert plain.due == nominal
    assert plain.ends_on_day_off is (not CAL.is_working_day(nominal))


@settings(max_examples=200, deadline=None)
@given(days, days)
def test_working_days_between_is_additive(a: date, b: date) -> None:
    mid = a + (b - a) / 2
    assert working_days_between(a, b, CAL) == working_days_between(a, mid, CAL) + working_days_between(mid, b, CAL)
