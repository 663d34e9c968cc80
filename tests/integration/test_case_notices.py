"""The citizen is told of each event of the case as it happens (process.md §7.4): the transition writes the notification
in its own transaction; T25 is fired by the worker when the last result message is delivered (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Engine, select, update

from mse.adapters.db.tables import case_history, notifications, outbox, persons
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.delivery import HttpDelivery
from mse.demo.peer import DemoPeer
from mse.domain.case_lifecycle import CaseFacts, Form, State
from mse.domain.identity import Actor, Role
from mse.services import cases as case_service
from mse.services.delivery import DeliveryPolicy, deliver_due
from tests.builders import World, build_world
from tests.support import FixedClock

EMAIL = "ivanov.p@example.ru"


@pytest.fixture
def world(engine: Engine, clock: FixedClock) -> World:
    built = build_world(engine, clock)
    with engine.begin() as conn:
        conn.execute(update(persons).where(persons.c.id == built.persons["own"]).values(email=EMAIL))
    return built


def _factory(engine: Engine) -> Callable[[], SqlAlchemyUnitOfWork]:
    return lambda: SqlAlchemyUnitOfWork(engine)


def _case(engine: Engine, world: World, clock: FixedClock, state: State = State.REGISTERED) -> int:
    with SqlAlchemyUnitOfWork(engine) as uow:
        case_id = uow.intake.add_case(
            number=f"77-N-{state.value}-{uuid4().hex[:6]}", registered_on=date(2026, 3, 2), bureau_id=world.units["A1"],
            person_id=world.persons["own"], state="registered", channel="paper", purposes=["23.1"], priority_rank=0,
            due_invitation=None, due_decision=None, now=clock.now(), actor_user_id=None, reason="регистрация заявления")
        if state is not State.REGISTERED:
            assert uow.cases.set_state(case_id, expected="registered", to=state.value, now=clock.now())
        uow.commit()
    return case_id


def _actor(world: World, role: Role) -> Actor:
    return Actor(user_id=world.accounts[role], login=role.value, role=role, display_name=role.value,
                 unit_id=world.units["A1"], scope_path=world.unit_paths["A1"])


def _notices(engine: Engine, case_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(select(notifications.c.event, notifications.c.channel, outbox.c.payload)
                            .join(outbox, outbox.c.id == notifications.c.outbox_id)
                            .where(notifications.c.case_id == case_id).order_by(notifications.c.id)).all()
    return [(r.event, r.channel, dict(r.payload)) for r in rows]


def test_postponement_tells_the_citizen_what_to_bring_and_by_when(engine: Engine, world: World, clock: FixedClock) -> None:
    case_id = _case(engine, world, clock)
    case_service.transition(_factory(engine), _actor(world, Role.EXPERT), case_id, "postponed", clock,
                            reason="нет выписки из истории болезни",
                            facts=CaseFacts(missing_documents=("выписка из истории болезни", "заключение психиатра")))
    sent = _notices(engine, case_id)
    assert [(e, c) for e, c, _ in sent] == [("postponement", "email"), ("postponement", "epgu")]
    letter = sent[0][2]
    assert letter["to"] == EMAIL
    # DL-05: 10 calendar days from filing (АР п.12) — the case was registered on 02.03.2026.
    assert "Необходимо представить в срок до 12.03.2026: выписка из истории болезни; заключение психиатра." in letter["body"]
    assert "Причина: нет выписки из истории болезни" in letter["body"]
    assert sent[1][2]["status"] == "Требуется представить документы (перенос срока)"


def test_return_to_the_mo_names_the_reasons(engine: Engine, world: World, clock: FixedClock) -> None:
    case_id = _case(engine, world, clock, State.CONTENT_CHECK)
    case_service.transition(_factory(engine), _actor(world, Role.EXPERT), case_id, "returned_to_mo", clock,
                            reason="нет данных об анамнезе", facts=CaseFacts(return_reasons=("RR2",)))
    event, channel, letter = _notices(engine, case_id)[0]
    assert (event, channel) == ("return", "email")
    assert "Причина: Отсутствует или недостаточно описан анамнез заболевания. нет данных об анамнезе" in letter["body"]


def test_a_booking_transition_leaves_the_invitation_to_scheduling(engine: Engine, world: World, clock: FixedClock) -> None:
    """T14 fired without a booking writes no letter: only the booking knows date, time and place."""
    case_id = _case(engine, world, clock)
    case_service.transition(_factory(engine), _actor(world, Role.EXPERT), case_id, "scheduled", clock,
                            facts=CaseFacts(documents_complete=True, form_of_conducting=Form.AT_BUREAU))
    assert _notices(engine, case_id) == []


def test_a_refused_transition_writes_no_notification(engine: Engine, world: World, clock: FixedClock) -> None:
    case_id = _case(engine, world, clock)
    with pytest.raises(Exception, match="transition_guard_failed"):
        case_service.transition(_factory(engine), _actor(world, Role.EXPERT), case_id, "postponed", clock)
    assert _notices(engine, case_id) == []


@pytest.fixture
def peer() -> Iterator[DemoPeer]:
    with DemoPeer() as p:
        yield p


def _results(engine: Engine, clock: FixedClock, case_id: int, recipients: tuple[str, ...]) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        for r in recipients:
            uow.outbox.enqueue(f"result.{r}", "case", case_id, {"case_id": case_id, "document": r}, clock.now(), recipient=r)
        uow.commit()


def _state(engine: Engine, case_id: int) -> str:
    with SqlAlchemyUnitOfWork(engine) as uow:
        record = uow.cases.get(case_id)
    assert record is not None
    return record.state


def test_the_case_completes_when_the_last_result_is_delivered(engine: Engine, world: World, clock: FixedClock,
                                                              peer: DemoPeer) -> None:
    case_id = _case(engine, world, clock, State.DOCUMENTS_ISSUING)
    _results(engine, clock, case_id, ("mo", "sfr"))
    with HttpDelivery(peer.endpoints(), timeout=5) as transport:
        counts = deliver_due(_factory(engine), transport, clock, limit=1)  # one of two: the case waits
        assert counts.delivered == 1
        assert _state(engine, case_id) == State.DOCUMENTS_ISSUING.value
        deliver_due(_factory(engine), transport, clock, limit=10)  # the sfr extract, then the citizen's letters
    assert _state(engine, case_id) == State.COMPLETED.value
    with engine.connect() as conn:
        last = conn.execute(select(case_history).where(case_history.c.case_id == case_id)
                            .order_by(case_history.c.id.desc())).first()
    assert last is not None
    assert (last.event, last.actor_role, last.to_state) == ("completed", "system", "completed")
    assert [(e, c) for e, c, _ in _notices(engine, case_id)] == [("documents_ready", "email"), ("documents_ready", "epgu")]


def test_a_dead_result_message_keeps_the_case_open(engine: Engine, world: World, clock: FixedClock, peer: DemoPeer) -> None:
    case_id = _case(engine, world, clock, State.DOCUMENTS_ISSUING)
    _results(engine, clock, case_id, ("sfr",))
    peer.reject_all(400)
    with HttpDelivery(peer.endpoints(), timeout=5) as transport:
        counts = deliver_due(_factory(engine), transport, clock, policy=DeliveryPolicy(max_attempts=1))
    assert counts.dead == 1
    assert _state(engine, case_id) == State.DOCUMENTS_ISSUING.value
    assert _notices(engine, case_id) == []


def test_a_client_cannot_claim_the_appointed_day_or_the_dispatches(engine: Engine, world: World, clock: FixedClock) -> None:
    """T16 and T25 judge what storage knows: no booking → no appointed day; an undelivered result → not dispatched."""
    scheduled = _case(engine, world, clock, State.SCHEDULED)
    with pytest.raises(Exception, match="transition_guard_failed:appointed_day_reached"):
        case_service.transition(_factory(engine), _actor(world, Role.EXPERT), scheduled, "session_opened", clock,
                                facts=CaseFacts(appointed_on=clock.today(), panel_size=3, form_of_conducting=Form.AT_BUREAU))
    issuing = _case(engine, world, clock, State.DOCUMENTS_ISSUING)
    _results(engine, clock, issuing, ("sfr",))
    with pytest.raises(Exception, match="transition_guard_failed:dispatches_done"):
        case_service.transition(_factory(engine), _actor(world, Role.HEAD), issuing, "completed", clock,
                                facts=CaseFacts(dispatches_done=True))
