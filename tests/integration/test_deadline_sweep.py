"""The deadline sweep with a FixedClock moved forward: at risk, due today, overdue; escalation to the head once per
item and day; an invitation written stops the DL-04 clock; the CLI reports JSON."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select, update
from typer.testing import CliRunner

from mse.adapters.db.tables import audit_events, deadline_escalations, outbox, staff
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.jobs.deadline_sweep import run_sweep
from mse.services.deadline_control import DeadlineStatus, collect
from mse.services.scheduling_ports import WeekdayCalendar
from tests.audit_support import seal
from tests.builders import World, build_world
from tests.scheduling_support import add_case
from tests.support import FixedClock

MONDAY = date(2026, 3, 2)  # the FixedClock's day


@pytest.fixture
def world(engine: Engine, clock: FixedClock) -> World:
    return build_world(engine, clock)


def statuses(engine: Engine, clock: FixedClock) -> dict[tuple[str, str], DeadlineStatus]:
    with SqlAlchemyUnitOfWork(engine) as uow:
        return {(i.number, i.kind): i.status for i in collect(uow, None, clock.today(), WeekdayCalendar(), 1)}


def escalations(engine: Engine) -> list[tuple[int, str, date]]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(select(deadline_escalations.c.case_id, deadline_escalations.c.kind,
                                                   deadline_escalations.c.on_day).order_by(deadline_escalations.c.id))]  # type: ignore[misc]


def test_at_risk_then_due_today_then_overdue_and_escalated_once_a_day(engine: Engine, clock: FixedClock, world: World) -> None:
    # Invitation due Wednesday: on Monday 2 working days are left (on track), on Tuesday 1 (at risk).
    case_id = add_case(engine, clock, world.units["A1"], "77-1-0001/2026", due_invitation=MONDAY + timedelta(days=2),
                       due_decision=MONDAY + timedelta(days=30))
    emails = {str(world.units["A1"]): "head.a1@mse.example"}
    assert statuses(engine, clock)[("77-1-0001/2026", "DL-04")] is DeadlineStatus.ON_TRACK
    clock.advance(days=1)
    report = run_sweep(engine, clock=clock, escalation_emails=emails)
    assert report.by_bureau["A1"] == {"overdue": 0, "due_today": 0, "at_risk": 1}
    clock.advance(days=1)
    assert statuses(engine, clock)[("77-1-0001/2026", "DL-04")] is DeadlineStatus.DUE_TODAY
    assert run_sweep(engine, clock=clock).escalated == []
    clock.advance(days=1)  # Thursday: overdue
    report = run_sweep(engine, clock=clock, escalation_emails=emails)
    assert report.by_bureau["A1"]["overdue"] == 1
    assert [e["kind"] for e in report.escalated] == ["DL-04"]
    assert report.escalated[0]["head"] == "Сотрудников head"
    # The same day again (a second run, a second worker): nothing new.
    clock.advance(hours=3)
    assert run_sweep(engine, clock=clock, escalation_emails=emails).escalated == []
    assert escalations(engine) == [(case_id, "DL-04", MONDAY + timedelta(days=3))]
    # Next day: escalated again, once.
    clock.advance(days=1)
    run_sweep(engine, clock=clock, escalation_emails=emails)
    run_sweep(engine, clock=clock, escalation_emails=emails)
    assert [e[2] for e in escalations(engine)] == [MONDAY + timedelta(days=3), MONDAY + timedelta(days=4)]
    seal(engine)  # events are chained after commit (ADR 0005)
    with engine.connect() as c:
        mails = c.execute(select(outbox.c.recipient, outbox.c.payload).where(outbox.c.topic == "notify.email")).all()
        audited = c.execute(select(func.count()).select_from(audit_events).where(audit_events.c.action == "deadline.escalate")).scalar_one()
    assert len(mails) == 2
    assert all(m.recipient == "email" and m.payload["to"] == "head.a1@mse.example" for m in mails)
    assert "Просрочен срок по делу № 77-1-0001/2026" in mails[0].payload["subject"]
    assert audited == 2


def test_an_invitation_stops_dl04_and_closed_cases_are_not_watched(engine: Engine, clock: FixedClock, world: World) -> None:
    invited = add_case(engine, clock, world.units["A1"], "77-1-0001/2026", due_invitation=MONDAY - timedelta(days=1),
                       due_decision=MONDAY + timedelta(days=1))
    add_case(engine, clock, world.units["B1"], "50-1-0001/2026", state="returned_to_mo", due_decision=MONDAY - timedelta(days=5))
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.notices.add_notification(case_id=invited, event="invitation", channel="email", address_masked="x***@y.ru",
                                     outbox_id=None, now=clock.now(), by=None)
        uow.commit()
    s = statuses(engine, clock)
    assert ("77-1-0001/2026", "DL-04") not in s
    assert s[("77-1-0001/2026", "DL-01")] is DeadlineStatus.AT_RISK
    assert not any(number == "50-1-0001/2026" for number, _ in s)
    report = run_sweep(engine, clock=clock)
    assert report.escalated == []
    assert report.calendar_verified is True  # by default the Russian production calendar with the overrides


def test_an_escalation_without_an_address_is_recorded_but_not_mailed(engine: Engine, clock: FixedClock, world: World) -> None:
    add_case(engine, clock, world.units["B1"], "50-1-0001/2026", due_decision=MONDAY - timedelta(days=2))
    report = run_sweep(engine, clock=clock)
    assert report.escalated[0]["sent_to_email"] is False
    assert len(escalations(engine)) == 1
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(outbox)).scalar_one() == 0


def test_the_cli_reports_json(engine: Engine, clock: FixedClock, world: World, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from mse.cli import app
    from mse.settings import get_settings

    add_case(engine, clock, world.units["A1"], "77-1-0001/2026", due_decision=date(2000, 1, 1))
    monkeypatch.setenv("MSE_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["deadlines", "sweep", "--format", "json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["bureaus"]["A1"]["overdue"] == 1
    assert data["escalated"][0]["case"] == "77-1-0001/2026"


def test_the_heads_work_email_receives_the_escalation_when_no_address_is_configured(engine: Engine, clock: FixedClock,
                                                                                     world: World) -> None:
    add_case(engine, clock, world.units["A1"], "77-1-0002/2026", due_invitation=MONDAY - timedelta(days=1),
             due_decision=MONDAY + timedelta(days=30))
    with engine.begin() as c:
        c.execute(update(staff).where(staff.c.unit_id == world.units["A1"], staff.c.position == "head")
                  .values(email="rukovoditel@bureau1.example"))
    report = run_sweep(engine, clock=clock)
    assert [e["sent_to_email"] for e in report.escalated] == [True]
    with engine.connect() as c:
        mails = c.execute(select(outbox.c.payload).where(outbox.c.topic == "notify.email")).scalars().all()
    assert [m["to"] for m in mails] == ["rukovoditel@bureau1.example"]
