"""Every deadline of process.md §4 as a dated entry: its citation and a computed due date, per regime."""

from __future__ import annotations

from datetime import date

import pytest

from mse.adapters.calendar_ru import RussianCalendar
from mse.rules.calendar_terms import TermUnit
from mse.rules.deadline_policy import EVENTS, NO_FIXED_TERM, DeadlineEntry, Regime, Suspension, elapsed, regime_on
from mse.rules.deadline_table import DEADLINES, LEGACY_ONLY, deadline, deadlines_for, deadlines_in_force

CAL = RussianCalendar()
START = date(2025, 4, 28)  # a Monday before the May holidays of 2025: 1–4 and 8–11 May are days off

# id → (citation, due from 28.04.2025). Hand-computed: day 0 = 28.04; calendar-day terms of the institution are not moved
# off a day off (DL-04 → Saturday 03.05), citizen terms are (DL-05: 08.05 → 12.05, ГК РФ ст. 193).
EXPECTED: dict[str, tuple[str, date]] = {
    "DL-01": ("АР п.10", date(2025, 5, 28)),
    "DL-02": ("АР п.50", date(2025, 5, 28)),
    "DL-03": ("АР п.10, п.51, п.73, п.88", START),
    "DL-04": ("АР п.11", date(2025, 5, 3)),
    "DL-05": ("АР п.12", date(2025, 5, 12)),
    "DL-06": ("АР п.24б", date(2025, 5, 12)),
    "DL-07": ("АР п.13", START),
    "DL-08": ("АР п.14, п.56", START),
    "DL-09": ("АР п.15", date(2025, 5, 7)),
    "DL-10": ("АР п.49", START),
    "DL-11": ("АР п.50", START),
    "DL-12": ("АР п.50", date(2025, 5, 1)),
    "DL-13": ("АР п.54", START),
    "DL-14": ("АР п.61", START),
    "DL-15": ("АР п.63", START),
    "DL-16": ("АР п.16, п.64", date(2025, 5, 1)),
    "DL-17": ("АР п.17, п.82", date(2025, 5, 1)),
    "DL-18": ("АР п.79", date(2025, 5, 28)),
    "DL-19": ("АР п.18, п.66", date(2025, 5, 12)),
    "DL-20": ("АР п.93", date(2025, 5, 1)),
    "DL-21": ("АР п.105", date(2025, 5, 28)),
    "DL-22": ("АР п.19, п.105", date(2025, 5, 1)),
    "DL-23": ("АР п.20; АР п.106", date(2025, 5, 28)),
    "DL-24": ("АР п.108", date(2025, 5, 28)),
    "DL-25": ("АР п.21", date(2025, 5, 1)),
    "DL-26": ("АР п.22; АР п.108", date(2025, 5, 28)),
    "DL-27": ("АР п.68", date(2027, 4, 28)),
    "DL-28": ("АР п.68", date(2026, 4, 28)),
    "DL-30": ("АР п.69", date(2025, 2, 28)),
    "DL-31/6м": ("АР п.84", date(2025, 10, 28)),
    "DL-31/1г": ("АР п.84", date(2026, 4, 28)),
    "DL-31/2г": ("АР п.84", date(2027, 4, 28)),
    "DL-32": ("АР п.98", date(2028, 4, 28)),
    "DL-34": ("АР п.112", date(2025, 5, 28)),
    "DL-35": ("АР п.112", date(2025, 5, 28)),
    "DL-36": ("АР п.114", date(2025, 5, 3)),
    "DL-37": ("АР п.114", date(2025, 5, 3)),
    "DL-38": ("АР п.117", date(2025, 5, 5)),
    "DL-39": ("АР п.119", date(2025, 5, 5)),
}


@pytest.mark.parametrize("entry", DEADLINES, ids=lambda e: f"{e.id}-{e.regime.value}")
def test_every_entry_cites_its_point_and_computes_its_due_date(entry: DeadlineEntry) -> None:
    source, expected = EXPECTED[entry.id]
    assert entry.source == source
    result = entry.compute(START, CAL)
    assert result.due == expected, result.explanation
    assert result.explanation
    assert entry.title
    assert entry.start_event in EVENTS
    assert all(e in EVENTS for e in (*entry.stop_events, *entry.suspend_events, *entry.alt_start_events))


def test_the_table_covers_every_term_with_a_limit_in_both_regimes() -> None:
    numbered = {f"DL-{n:02d}" for n in range(1, 40)}
    legacy = {e.id.split("/")[0] for e in deadlines_for(Regime.LEGACY)}
    current = {e.id.split("/")[0] for e in deadlines_for(Regime.CURRENT)}
    assert legacy | set(NO_FIXED_TERM) == numbered
    assert current == legacy - LEGACY_ONLY
    assert set(EXPECTED) == {e.id for e in DEADLINES}
    assert len({(e.id, e.regime) for e in DEADLINES}) == len(DEADLINES)


def test_unit_not_stated_is_flagged_and_configurable() -> None:
    unstated = {e.id for e in deadlines_for(Regime.LEGACY) if not e.unit_stated}
    assert unstated == {"DL-12", "DL-16", "DL-17", "DL-20", "DL-22", "DL-25", "DL-34", "DL-35", "DL-36", "DL-37", "DL-38", "DL-39"}
    dl16 = deadline("DL-16", Regime.LEGACY)
    assert dl16.effective_unit is TermUnit.CALENDAR
    assert "единица не указана" in dl16.limit_text()
    assert "process.md §0.3" in dl16.compute(START, CAL).explanation
    # read as working days instead: 29.04, 30.04, then 05.05 after the 1–4 May days off
    assert dl16.with_unstated_as(TermUnit.WORKING).compute(START, CAL).due == date(2025, 5, 5)
    assert deadline("DL-01", Regime.LEGACY).with_unstated_as(TermUnit.WORKING).compute(START, CAL).due == date(2025, 5, 28)


def test_regimes_and_conflict_resolutions() -> None:
    assert regime_on(date(2022, 6, 30)) is Regime.LEGACY
    assert regime_on(date(2022, 7, 1)) is Regime.CURRENT
    with pytest.raises(ValueError, match="нет действующего порядка"):
        regime_on(date(2000, 1, 1))
    legacy, current = deadline("DL-01", Regime.LEGACY), deadline("DL-01", Regime.CURRENT)
    assert legacy.start_event == "application.filed"
    assert legacy.verified
    assert current.start_event == "case.registered"
    assert {"C-1", "C-2"} <= set(current.conflicts)
    assert current.suspend_events == ("case.postponed",)
    assert not current.verified
    assert "G-15" in current.notes
    assert all(not e.verified for e in deadlines_for(Regime.CURRENT))
    dl23 = deadline("DL-23", Regime.LEGACY)
    assert dl23.start_event == "appeal.filed"
    assert dl23.alt_start_events == ("appeal.received",)
    assert "C-3" in dl23.conflicts
    assert [e.id for e in deadlines_in_force(date(2025, 4, 28))] == [e.id for e in deadlines_for(Regime.CURRENT)]
    assert "DL-06" not in {e.id for e in deadlines_in_force(date(2025, 4, 28))}


def test_citizen_terms_roll_to_a_working_day_and_institution_terms_do_not() -> None:
    # 09.04.2025 + 1 month = 09.05.2025, День Победы; the appeal window moves past 8–11 May to 12.05.2025
    appeal = deadline("DL-21", Regime.CURRENT).compute(date(2025, 4, 9), CAL)
    assert appeal.due == date(2025, 5, 12)
    assert appeal.nominal == date(2025, 5, 9)
    decide = deadline("DL-23", Regime.CURRENT).compute(date(2025, 4, 9), CAL)
    assert decide.due == date(2025, 5, 9)
    assert decide.ends_on_day_off
    assert deadline("DL-23", Regime.CURRENT).compute(date(2025, 1, 31), CAL).due == date(2025, 2, 28)  # ГК РФ ст. 192


def test_elapsed_reports_raw_and_adjusted_days() -> None:
    # registered 28.04; postponed 05.05, documents in on 12.05 → 6..12 May paused (7 days); on 28.05: 30 raw, 23 adjusted
    e = elapsed(START, date(2025, 5, 28), [Suspension(date(2025, 5, 5), date(2025, 5, 12))])
    assert (e.raw_days, e.suspended_days, e.adjusted_days) == (30, 7, 23)
    assert "6–12 мая" in e.explanation
    assert "C-2" in e.explanation
    # an open postponement runs up to today; overlapping ones are counted once
    e = elapsed(START, date(2025, 5, 10), [Suspension(date(2025, 5, 5)), Suspension(date(2025, 5, 7), date(2025, 5, 8))])
    assert (e.raw_days, e.suspended_days, e.adjusted_days) == (12, 5, 7)
    assert elapsed(START, START).raw_days == 0
