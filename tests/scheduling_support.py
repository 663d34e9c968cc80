"""Scheduling fixtures shared by the integration and API tests: a case of the own person in bureau A1, a room,
a specialist's availability, and a real local SMTP server (aiosmtpd) that collects letters."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine, insert, update

from mse.adapters.db.tables import cases, persons
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.scheduling import Availability
from tests.builders import World
from tests.support import FixedClock

EMAIL = "elkin.petr@example.ru"


def add_case(engine: Engine, clock: FixedClock, bureau_id: int, number: str, *, person_id: int | None = None,
             state: str = "registered", due_invitation: date | None = None, due_decision: date | None = None) -> int:
    with engine.begin() as c:
        new_id: int = c.execute(insert(cases).values(
            number=number, registered_on=clock.today(), bureau_id=bureau_id, person_id=person_id, state=state,
            channel="api_json", purposes=["23.1"], priority_rank=0, due_invitation=due_invitation, due_decision=due_decision,
            created_at=clock.now(), updated_at=clock.now())).inserted_primary_key[0]  # type: ignore[index]
    return new_id


@dataclass
class Bureau:
    case_id: int
    room_id: int
    staff_id: int
    day: date


def set_up_bureau(engine: Engine, clock: FixedClock, world: World, *, email: str | None = EMAIL) -> Bureau:
    """Case 77-1-0001/2026 of the own person (with an e-mail), room 101 and the expert available tomorrow 09:00–12:00."""
    with engine.begin() as c:
        c.execute(update(persons).where(persons.c.id == world.persons["own"]).values(email=email))
    case_id = add_case(engine, clock, world.units["A1"], "77-1-0001/2026", person_id=world.persons["own"],
                       due_invitation=clock.today() + timedelta(days=5), due_decision=clock.today() + timedelta(days=30))
    day = clock.today() + timedelta(days=1)
    with SqlAlchemyUnitOfWork(engine) as uow:
        room_id = uow.scheduling.add_room(unit_id=world.units["A1"], name="101", accessible=True)
        uow.scheduling.add_availability(Availability(world.staff["expert"], day, 9 * 60, 12 * 60))
        uow.commit()
    return Bureau(case_id, room_id, world.staff["expert"], day)


@dataclass
class Collector:
    """aiosmtpd handler: keeps every accepted letter; `fail_next` answers 451 to that many DATA commands first."""

    messages: list[EmailMessage] = field(default_factory=list)
    fail_next: int = 0
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 4.3.0 Временная ошибка, повторите позже"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def smtp_server() -> Iterator[tuple[Collector, int]]:
    """A real SMTP server on a free loopback port, stopped on exit."""
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
