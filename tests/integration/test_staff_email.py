"""A staff member's work e-mail is validated with a Russian message and kept (escalations of overdue terms go to it)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.errors import ValidationFailed
from mse.domain.identity import SYSTEM_ACTOR
from mse.domain.organisation import Position
from mse.domain.values import FullName
from mse.services import organisation
from tests.builders import World, build_world
from tests.support import FixedClock


def test_a_head_with_a_work_email(engine: Engine, clock: FixedClock) -> None:
    world: World = build_world(engine, clock)
    with SqlAlchemyUnitOfWork(engine) as uow:
        organisation.add_staff(uow, SYSTEM_ACTOR, clock, unit_id=world.units["A2"], position=Position.HEAD,
                               full_name=FullName("Орлова", "Анна", "Игоревна"), email="  orlova@bureau2.example ")
        uow.commit()
        assert uow.notices.head_email(world.units["A2"]) == "orlova@bureau2.example"
        _, members = organisation.unit_staff(uow, SYSTEM_ACTOR, world.units["A2"], clock)
    assert ("Орлова Анна Игоревна", "orlova@bureau2.example") in [(m.full_name, m.email) for m in members]


@pytest.mark.parametrize("bad", ["orlova", "orlova@", "орлова @bureau.ru"])
def test_a_malformed_email_is_refused_in_russian(engine: Engine, clock: FixedClock, bad: str) -> None:
    world: World = build_world(engine, clock)
    with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(ValidationFailed) as caught:
        organisation.add_staff(uow, SYSTEM_ACTOR, clock, unit_id=world.units["A2"], position=Position.EXPERT,
                               full_name=FullName("Орлова", "Анна", None), email=bad)
    assert caught.value.problems[0].field == "email"
    assert "Адрес электронной почты указан неверно" in caught.value.problems[0].message
