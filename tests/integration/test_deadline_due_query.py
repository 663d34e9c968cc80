"""The sweep's due-only query (issue 7, P9): it reads only the cases with a term up to the risk horizon, yet yields
exactly the due-today, at-risk and overdue items of the full classification — over weekends, invitations written,
decided and closed cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, insert

from mse.adapters.db.tables import notifications
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.services.deadline_control import SHOWN, collect, risk_horizon
from mse.services.scheduling_ports import WeekdayCalendar
from tests.builders import World, build_world
from tests.scheduling_support import add_case
from tests.support import FixedClock

MONDAY = date(2026, 3, 2)


def test_risk_horizon_counts_working_days() -> None:
    days = WeekdayCalendar()
    assert risk_horizon(MONDAY, days, 1) == MONDAY + timedelta(days=1)  # Tuesday: 1 working day left
    friday = MONDAY + timedelta(days=4)
    assert risk_horizon(friday, days, 1) == friday + timedelta(days=3)  # Saturday, Sunday and Monday: 1 working day
    assert risk_horizon(friday, days, 0) == friday + timedelta(days=2)  # only the weekend: 0 working days left


@pytest.fixture
def world(engine: Engine, clock: FixedClock) -> World:
    return build_world(engine, clock)


def test_due_only_yields_exactly_the_shown_items(engine: Engine, clock: FixedClock, world: World) -> None:
    unit = world.units["A1"]
    n = 0
    for offset in range(-8, 12):  # terms from overdue to well on track, every weekday and weekend
        for state in ("registered", "decided"):
            n += 1
            case_id = add_case(engine, clock, unit, f"77-1-{n:04d}/2026", state=state, due_invitation=MONDAY + timedelta(days=offset),
                               due_decision=MONDAY + timedelta(days=offset + 3))
            if offset % 3 == 0:  # an invitation written stops the DL-04 clock
                with engine.begin() as c:
                    c.execute(insert(notifications).values(case_id=case_id, event="invitation", channel="email",
                                                           created_at=clock.now()))
    calendar = WeekdayCalendar()
    for day in (MONDAY, MONDAY + timedelta(days=4), MONDAY + timedelta(days=5)):
        for risk in (0, 1, 3):
            with SqlAlchemyUnitOfWork(engine) as uow:
                full = [i for i in collect(uow, None, day, calendar, risk) if i.status in SHOWN]
                due = collect(uow, None, day, calendar, risk, due_only=True)
            assert sorted(map(repr, due)) == sorted(map(repr, full)), (day, risk)
            assert full, (day, risk)


def test_database_counts_and_pages_match_the_python_classification(engine: Engine, clock: FixedClock, world: World) -> None:
    """The sweep's counts and the dashboard's pages come from SQL (issue 7, P9): the same items, statuses and counts as
    classifying every open case in Python, for every filter, sort and page, over weekends and escalations."""
    from dataclasses import replace

    from mse.adapters.db.tables import deadline_escalations
    from mse.services.deadline_control import due_window

    n = 0
    for unit in ("A1", "A2"):
        for offset in range(-6, 8):
            n += 1
            case_id = add_case(engine, clock, world.units[unit], f"77-2-{n:04d}/2026", due_invitation=MONDAY + timedelta(days=offset),
                               due_decision=MONDAY + timedelta(days=offset + 2))
            if offset == -3:  # escalated on two days: the last day is what the dashboard shows
                with engine.begin() as c:
                    for day in (MONDAY - timedelta(days=1), MONDAY):
                        c.execute(insert(deadline_escalations).values(case_id=case_id, kind="DL-04", on_day=day,
                                                                       due_on=MONDAY + timedelta(days=offset),
                                                                       unit_id=world.units[unit], created_at=clock.now()))
    calendar = WeekdayCalendar()
    for day in (MONDAY, MONDAY + timedelta(days=4)):
        for risk in (0, 2):
            with SqlAlchemyUnitOfWork(engine) as uow:
                expected = collect(uow, None, day, calendar, risk, due_only=True)
                window = due_window(day, calendar, risk)
                counts = {(c.bureau_name, c.kind, c.status): c.count for c in uow.notices.due_counts(window)}
                tally: dict[tuple[str, str, str], int] = {}
                for i in expected:
                    key = (i.bureau_name, i.kind, i.status.value)
                    tally[key] = tally.get(key, 0) + 1
                assert counts == tally, (day, risk)
                rows = uow.notices.due_rows(window)
                assert sorted((r.case_id, r.kind, r.due_on, r.escalated_on) for r in rows) == sorted(
                    (i.case_id, i.kind, i.due_on, i.escalated_on) for i in expected)
                for status in ("overdue", "due_today", "at_risk"):
                    for kind in ("DL-01", "DL-04"):
                        part = uow.notices.due_rows(replace(window, status=status, kind=kind, bureau_id=world.units["A2"]))
                        assert sorted(r.case_id for r in part) == sorted(
                            i.case_id for i in expected
                            if i.status.value == status and i.kind == kind and i.bureau_id == world.units["A2"])
                paged = [r.case_id for o in range(0, len(rows), 5) for r in uow.notices.due_rows(window, limit=5, offset=o)]
                assert paged == [r.case_id for r in rows]  # a stable order: pages neither repeat nor skip an item
                unescalated = uow.notices.due_rows(replace(window, status="overdue"), not_escalated_on=MONDAY)
                assert {(r.case_id, r.kind) for r in unescalated} == {
                    (i.case_id, i.kind) for i in expected if i.status.value == "overdue" and i.escalated_on != MONDAY}
            assert rows, (day, risk)
