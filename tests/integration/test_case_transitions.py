"""A transition on a real database: state, history, outbox event and audit in one transaction; stale states refused;
the citizen sees only his own case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select

from mse.adapters.db.tables import audit_events, case_history, cases, outbox
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.case_lifecycle import CaseFacts, Form, State
from mse.domain.errors import Conflict, Forbidden, NotFound
from mse.domain.identity import SYSTEM_ACTOR, Actor, Role
from mse.services import cases as case_service
from mse.services.case_ports import CaseRecord
from tests.audit_support import seal
from tests.builders import World, build_world
from tests.support import FixedClock

SCHEDULE = CaseFacts(documents_complete=True, form_of_conducting=Form.AT_BUREAU)


@pytest.fixture
def world(engine: Engine, clock: FixedClock) -> World:
    return build_world(engine, clock)


def _case(engine: Engine, world: World, clock: FixedClock, *, bureau: str = "A1", person: str = "own",
          registered_on: date = date(2026, 3, 2)) -> int:
    with SqlAlchemyUnitOfWork(engine) as uow:
        case_id = uow.intake.add_case(
            number=f"77-{bureau}-{person}-{registered_on.isoformat()}", registered_on=registered_on, bureau_id=world.units[bureau],
            person_id=world.persons[person], state="registered", channel="paper", purposes=["23.1"], priority_rank=0,
            due_invitation=None, due_decision=None, now=clock.now(), actor_user_id=None, reason="регистрация заявления")
        uow.commit()
    return case_id


def _actor(world: World, role: Role, unit: str | None = "A1") -> Actor:
    return Actor(user_id=world.accounts[role], login=role.value, role=role, display_name=f"Пользователь {role.value}",
                 unit_id=world.units[unit] if unit else None, scope_path=world.unit_paths[unit] if unit else "",
                 person_id=world.persons["own"] if role is Role.CITIZEN else None)


def _factory(engine: Engine) -> Callable[[], SqlAlchemyUnitOfWork]:
    return lambda: SqlAlchemyUnitOfWork(engine)


def test_transition_writes_state_history_outbox_and_audit(engine: Engine, world: World, clock: FixedClock) -> None:
    case_id = _case(engine, world, clock)
    expert = _actor(world, Role.EXPERT)
    view = case_service.transition(_factory(engine), expert, case_id, "scheduled", clock, reason="комплект полный", facts=SCHEDULE)
    assert view.state is State.SCHEDULED
    assert view.fired is not None
    assert view.fired.id == "T14"
    seal(engine)  # audit events are chained after commit (ADR 0005)
    with engine.connect() as conn:
        row = conn.execute(select(cases.c.state, cases.c.form_of_conducting, cases.c.regime).where(cases.c.id == case_id)).one()
        assert tuple(row) == ("scheduled", "at_bureau", "current")
        history = conn.execute(select(case_history).where(case_history.c.case_id == case_id).order_by(case_history.c.id)).all()
        last = history[-1]
        assert (last.from_state, last.to_state, last.event, last.actor_role, last.actor_user_id, last.reason) == (
            "registered", "scheduled", "scheduled", "expert", world.accounts[Role.EXPERT], "комплект полный")
        assert last.details == {"transition": "T14"}
        event = conn.execute(select(outbox).where(outbox.c.aggregate == "case", outbox.c.aggregate_id == case_id)).one()
        assert (event.topic, event.recipient) == ("case.scheduled", "internal")
        assert event.delivered_at is not None  # settled at once: the HTTP worker never claims it
        assert event.payload["transition"] == "T14"
        assert event.payload["effects"] == ["stop:DL-04", "doc:D05", "notify:citizen"]
        trail = conn.execute(select(audit_events.c.action, audit_events.c.details)
                             .where(audit_events.c.object_kind == "case", audit_events.c.object_id == str(case_id))).all()
        assert ("case.transition", {"transition": "T14", "event": "scheduled", "from": "registered", "to": "scheduled"}) in [
            tuple(t) for t in trail]


class _BrokenOutbox:
    """The real outbox whose write fails: whatever the transition wrote before it must be rolled back."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def enqueue(self, *args: Any, **kwargs: Any) -> int:
        raise RuntimeError("диск заполнен")


def test_all_or_nothing(engine: Engine, world: World, clock: FixedClock) -> None:
    case_id = _case(engine, world, clock)

    class Broken(SqlAlchemyUnitOfWork):
        def __enter__(self) -> SqlAlchemyUnitOfWork:
            entered = super().__enter__()
            entered.outbox = _BrokenOutbox(entered.outbox)  # type: ignore[assignment]
            return entered

    def broken() -> SqlAlchemyUnitOfWork:
        return Broken(engine)

    with pytest.raises(RuntimeError):
        case_service.transition(broken, _actor(world, Role.EXPERT), case_id, "scheduled", clock, facts=SCHEDULE)
    with engine.connect() as conn:
        assert conn.execute(select(cases.c.state).where(cases.c.id == case_id)).scalar_one() == "registered"
        assert conn.execute(select(case_history.c.event).where(case_history.c.case_id == case_id)).scalars().all() == ["registered"]
        assert conn.execute(select(outbox.c.id).where(outbox.c.aggregate_id == case_id, outbox.c.aggregate == "case")).all() == []


def test_a_transition_from_a_stale_state_is_refused(engine: Engine, world: World, clock: FixedClock) -> None:
    case_id = _case(engine, world, clock)
    expert, head = _actor(world, Role.EXPERT), _actor(world, Role.HEAD)
    # The head saw «registered» on the card; meanwhile the expert invited the citizen.
    case_service.transition(_factory(engine), expert, case_id, "scheduled", clock, facts=SCHEDULE)
    with pytest.raises(Conflict) as err:
        case_service.transition(_factory(engine), head, case_id, "postponed", clock, facts=CaseFacts(missing_documents=("паспорт",)),
                                expected_state="registered")
    assert err.value.code == "transition_stale_state"


def test_compare_and_set_catches_a_concurrent_change(engine: Engine, world: World, clock: FixedClock) -> None:
    """The service read the case in «registered», another transaction moved it before the write: the write is refused
    and nothing of the late transition is kept."""
    case_id = _case(engine, world, clock)

    class Racing(SqlAlchemyUnitOfWork):
        def __enter__(self) -> SqlAlchemyUnitOfWork:
            entered = super().__enter__()
            real_get = entered.cases.get

            def stale_get(cid: int) -> CaseRecord | None:
                record = real_get(cid)
                assert record is not None
                return replace(record, state="registered")  # what it read before the other transaction committed

            entered.cases.get = stale_get  # type: ignore[method-assign]
            return entered

    def racing() -> SqlAlchemyUnitOfWork:
        return Racing(engine)

    case_service.transition(_factory(engine), _actor(world, Role.EXPERT), case_id, "postponed", clock,
                            facts=CaseFacts(missing_documents=("паспорт",)))
    with pytest.raises(Conflict) as err:
        case_service.transition(racing, _actor(world, Role.HEAD), case_id, "scheduled", clock, facts=SCHEDULE)
    assert err.value.code == "transition_stale_state"
    with engine.connect() as conn:
        assert conn.execute(select(cases.c.state).where(cases.c.id == case_id)).scalar_one() == "awaiting_documents"
        events = conn.execute(select(case_history.c.event).where(case_history.c.case_id == case_id)).scalars().all()
        assert events == ["registered", "postponed"]


def test_refusals_change_nothing_and_are_audited(engine: Engine, world: World, clock: FixedClock) -> None:
    case_id = _case(engine, world, clock)
    with pytest.raises(Forbidden):  # termination is the head's (the registrar may book, T14, but not end a case)
        case_service.transition(_factory(engine), _actor(world, Role.REGISTRAR), case_id, "terminated", clock, reason="x")
    with pytest.raises(Conflict) as err:
        case_service.transition(_factory(engine), _actor(world, Role.EXPERT), case_id, "scheduled", clock)
    assert err.value.code == "transition_guard_failed:documents_complete"
    with pytest.raises(NotFound):  # the bureau B1 expert does not see an A1 case at all
        case_service.transition(_factory(engine), _actor(world, Role.EXPERT, "B1"), case_id, "scheduled", clock, facts=SCHEDULE)
    seal(engine)
    with engine.connect() as conn:
        assert conn.execute(select(cases.c.state).where(cases.c.id == case_id)).scalar_one() == "registered"
        actions = conn.execute(select(audit_events.c.action).where(audit_events.c.object_kind == "case",
                                                                   audit_events.c.object_id == str(case_id))).scalars().all()
    assert actions == ["case.transition.refused", "case.transition.refused", "case.update.denied"]


def test_the_system_fires_system_events_and_people_cannot(engine: Engine, world: World, clock: FixedClock) -> None:
    case_id = _case(engine, world, clock)
    with pytest.raises(Conflict) as err:  # a paper case has no referral to check (T09 guard)
        case_service.transition(_factory(engine), SYSTEM_ACTOR, case_id, "content_check_started", clock)
    assert err.value.code == "transition_guard_failed:has_referral"
    with pytest.raises(Forbidden):
        case_service.transition(_factory(engine), _actor(world, Role.HEAD), case_id, "content_check_started", clock)


def test_a_citizen_sees_only_his_own_case(engine: Engine, world: World, clock: FixedClock) -> None:
    own = _case(engine, world, clock)
    other = _case(engine, world, clock, bureau="A2", person="sibling")
    citizen = _actor(world, Role.CITIZEN, None)
    with SqlAlchemyUnitOfWork(engine) as uow:
        status = case_service.case_status(uow, citizen, own, clock)
        uow.commit()
    assert status.status.code == "registered"
    assert status.state is None  # the internal state is for staff
    assert {f.code: f.value for f in status.status.must_show}["number"] == "77-A1-own-2026-03-02"
    with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(NotFound):
        case_service.case_status(uow, citizen, other, clock)
    with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(NotFound):
        case_service.history(uow, citizen, own, clock)


def test_history_is_paginated_labelled_and_audited(engine: Engine, world: World, clock: FixedClock) -> None:
    case_id = _case(engine, world, clock, registered_on=date(2022, 6, 30))
    head = _actor(world, Role.HEAD)
    case_service.transition(_factory(engine), head, case_id, "postponed", clock, reason="нет паспорта",
                            facts=CaseFacts(missing_documents=("паспорт",)))
    clock.advance(days=3)
    case_service.transition(_factory(engine), head, case_id, "terminated", clock, reason="заявление об отзыве",
                            facts=CaseFacts(reason_code="withdrawn"))
    with SqlAlchemyUnitOfWork(engine) as uow:
        rows, total = case_service.history(uow, head, case_id, clock, limit=2, offset=1)
        status = case_service.case_status(uow, head, case_id, clock)
        uow.commit()
    assert total == 3
    assert [(h.transition_id, h.row.to_state, h.role_label) for h in rows] == [
        ("T11", "awaiting_documents", "Руководитель бюро"), ("T40", "terminated", "Руководитель бюро")]
    assert rows[1].row.details == {"transition": "T40", "reason_code": "withdrawn"}
    assert status.state is State.TERMINATED
    assert status.status.must_show[0].value == "Отзыв заявления (согласия) гражданином"
    seal(engine)
    with engine.connect() as conn:
        assert conn.execute(select(cases.c.regime).where(cases.c.id == case_id)).scalar_one() == "legacy"
        assert "case.history.read" in conn.execute(select(audit_events.c.action)).scalars().all()
