"""Invitations over a real SMTP server (aiosmtpd on loopback): content, exactly once under retry, the case history,
and no double booking of a room or a specialist in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from mse.adapters.db.tables import appointment_locks, notifications, outbox
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.delivery.composite import CompositeTransport
from mse.adapters.delivery.http import HttpDelivery
from mse.adapters.delivery.smtp import SmtpChannel
from mse.domain.errors import DomainError
from mse.domain.identity import Actor, Role
from mse.domain.ports import MOSCOW
from mse.domain.scheduling import AppointmentStatus, local_moment
from mse.services import cases as case_service
from mse.services import scheduling
from mse.services.delivery import deliver_due
from mse.services.scheduling import ScheduleInput
from tests.builders import World, build_world
from tests.scheduling_support import EMAIL, Bureau, add_case, set_up_bureau, smtp_server
from tests.support import FixedClock


@pytest.fixture
def world(engine: Engine, clock: FixedClock) -> World:
    return build_world(engine, clock)


@pytest.fixture
def bureau(engine: Engine, clock: FixedClock, world: World) -> Bureau:
    return set_up_bureau(engine, clock, world)


def registrar(world: World) -> Actor:
    return Actor(user_id=world.accounts[Role.REGISTRAR], login="registrar", role=Role.REGISTRAR, display_name="Регистратор",
                 unit_id=world.units["A1"], scope_path=world.unit_paths["A1"])


def slot(b: Bureau, minute: int = 10 * 60, room: bool = True) -> str:
    return f"{local_moment(b.day, minute).isoformat()}|{b.staff_id}|{b.room_id if room else ''}"


def test_the_invitation_arrives_once_even_when_delivery_is_retried(engine: Engine, clock: FixedClock, world: World,
                                                                   bureau: Bureau) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        record = scheduling.schedule(uow, registrar(world), bureau.case_id, ScheduleInput("20.2", "21.1", slot(bureau)), clock)
    assert record.status is AppointmentStatus.SCHEDULED
    assert record.room_name == "101"

    with smtp_server() as (collector, port):
        collector.fail_next = 1  # the server answers 451 to the first letter
        with CompositeTransport(HttpDelivery({}), {"email": SmtpChannel("127.0.0.1", port, "bureau@mse.example", timeout=5)}) as t:
            first = deliver_due(lambda: SqlAlchemyUnitOfWork(engine), t, clock)
            assert collector.messages == []
            assert collector.attempts == 1
            clock.advance(minutes=10)
            second = deliver_due(lambda: SqlAlchemyUnitOfWork(engine), t, clock)
            clock.advance(hours=2)
            third = deliver_due(lambda: SqlAlchemyUnitOfWork(engine), t, clock)
    assert len(collector.messages) == 1, "exactly one letter"
    assert collector.attempts == 2
    assert first.retrying >= 1
    assert second.delivered == 1
    assert third.delivered == 0

    msg = collector.messages[0]
    body = msg.get_content()
    assert msg["To"] == EMAIL
    assert msg["Subject"] == "Приглашение на медико-социальную экспертизу, дело № 77-1-0001/2026"
    assert msg["Message-ID"].startswith("<mse-outbox-")
    local = local_moment(bureau.day, 600).astimezone(MOSCOW)
    assert f"Дата: {local:%d.%m.%Y}" in body
    assert "Время: 10:00" in body
    assert "Кабинет: 101" in body
    assert "с личным присутствием гражданина" in body
    assert "СНИЛС" in body
    assert "паспорт" in body
    assert "с правом совещательного голоса" in body
    assert "не позднее дня проведения" in body

    with engine.connect() as c:
        rows = c.execute(select(notifications.c.event, notifications.c.channel, notifications.c.address_masked)
                         .where(notifications.c.case_id == bureau.case_id).order_by(notifications.c.id)).all()
        email_row = c.execute(select(outbox).where(outbox.c.topic == "notify.email")).one()
    assert ("invitation", "email", "el***@example.ru") in [tuple(r) for r in rows]
    assert ("invitation", "epgu", None) in [tuple(r) for r in rows]  # the status event for the personal account
    assert email_row.delivered_at is not None
    assert email_row.attempts == 2


def test_a_room_or_specialist_is_never_booked_twice(engine: Engine, clock: FixedClock, world: World, bureau: Bureau) -> None:
    second_case = add_case(engine, clock, world.units["A1"], "77-1-0002/2026", person_id=world.persons["own"])
    actor = registrar(world)
    with SqlAlchemyUnitOfWork(engine) as uow:
        scheduling.schedule(uow, actor, bureau.case_id, ScheduleInput("20.2", "21.1", slot(bureau)), clock)
    with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(DomainError) as err:
        scheduling.schedule(uow, actor, second_case, ScheduleInput("20.2", "21.1", slot(bureau)), clock)
    assert err.value.code == "slot_taken"
    # The same specialist at home at the same time: still refused (the specialist's cell is held).
    with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(DomainError) as err2:
        scheduling.schedule(uow, actor, second_case, ScheduleInput("20.2", "21.2", slot(bureau, room=False),
                                                                   conclusion_ref="ВК № 3 от 01.03.2026"), clock)
    assert err2.value.code == "slot_taken"
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert not uow.scheduling.lock(999, [(f"room:{bureau.room_id}", local_moment(bureau.day, 600))])
        # The free slots no longer offer 10:00.
        times = {s.starts_at for s in scheduling.free_slots(uow, actor, second_case, bureau.day)}
    assert local_moment(bureau.day, 600) not in times
    assert local_moment(bureau.day, 630) in times
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(appointment_locks)).scalar_one() == 2  # room + specialist


def test_rescheduling_and_no_show_keep_the_history(engine: Engine, clock: FixedClock, world: World, bureau: Bureau) -> None:
    actor = registrar(world)
    with SqlAlchemyUnitOfWork(engine) as uow:
        first = scheduling.schedule(uow, actor, bureau.case_id, ScheduleInput("20.2", "21.1", slot(bureau)), clock)
    with SqlAlchemyUnitOfWork(engine) as uow:
        second = scheduling.reschedule(uow, actor, first.id, "Гражданин госпитализирован",
                                       ScheduleInput("20.2", "21.1", slot(bureau, 11 * 60)), clock)
    clock.advance(days=1, hours=2)  # the day of the examination, after 11:00
    with SqlAlchemyUnitOfWork(engine) as uow:
        scheduling.record_no_show(uow, actor, second.id, "Не явился, на звонок не ответил", clock)
    with SqlAlchemyUnitOfWork(engine) as uow:
        history = scheduling.appointments_of(uow, actor, bureau.case_id, clock)
        sent = uow.notices.notifications_of(bureau.case_id)
    assert [(h.record.status, h.record.reason) for h in history] == [
        (AppointmentStatus.RESCHEDULED, "Гражданин госпитализирован"),
        (AppointmentStatus.NO_SHOW, "Не явился, на звонок не ответил")]
    assert history[1].record.replaces_id == first.id
    assert [n.event for n in sent if n.channel == "email"] == ["invitation", "invitation"]  # a new invitation after the move


def test_the_wait_over_30_minutes_from_arrival_is_flagged(engine: Engine, clock: FixedClock, world: World, bureau: Bureau) -> None:
    actor = registrar(world)
    with SqlAlchemyUnitOfWork(engine) as uow:
        a = scheduling.schedule(uow, actor, bureau.case_id, ScheduleInput("20.2", "21.1", slot(bureau)), clock)
    appointed = local_moment(bureau.day, 600)
    with SqlAlchemyUnitOfWork(engine) as uow:
        scheduling.mark_arrived(uow, actor, a.id, clock, at=appointed + timedelta(minutes=5))
    with SqlAlchemyUnitOfWork(engine) as uow:
        view = scheduling.mark_started(uow, actor, a.id, clock, at=appointed + timedelta(minutes=36))
    assert view.waited_too_long
    assert view.record.status is AppointmentStatus.HELD


def test_remote_for_a_primary_examination_is_refused_and_nothing_is_written(engine: Engine, clock: FixedClock, world: World,
                                                                           bureau: Bureau) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(DomainError) as err:
        scheduling.schedule(uow, registrar(world), bureau.case_id, ScheduleInput("20.3", "21.8", slot(bureau)), clock)
    assert err.value.code == "remote_not_allowed"
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(outbox)).scalar_one() == 0


def test_the_citizen_status_of_a_booked_case_shows_when_and_where(engine: Engine, clock: FixedClock, world: World) -> None:
    """process.md §7.4 SCHEDULED: date, time, place, room, the form of conducting — from the booking."""
    bureau = set_up_bureau(engine, clock, world)
    with SqlAlchemyUnitOfWork(engine) as uow:
        scheduling.schedule(uow, registrar(world), bureau.case_id, ScheduleInput("20.2", "21.1", slot(bureau)), clock)
    citizen = Actor(user_id=world.accounts[Role.CITIZEN], login="citizen", role=Role.CITIZEN, display_name="гражданин",
                    person_id=world.persons["own"])
    with SqlAlchemyUnitOfWork(engine) as uow:
        view = case_service.case_status(uow, citizen, bureau.case_id, clock)
    shown = {f.code: f.value for f in view.status.must_show}
    assert view.status.code == "invited"
    assert shown["appointed_on"] == f"{bureau.day:%d.%m.%Y}"
    assert shown["place"] is not None
    assert shown["place"].startswith(f"{bureau.day:%d.%m.%Y} в 10:00, по месту нахождения бюро")
    assert shown["place"].endswith("кабинет 101")
    assert shown["form_of_conducting"]
