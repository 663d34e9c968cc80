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
