"""Resolving the actor of a request: session or API token, account and unit paths in ONE statement (issue 7, P1/P3),
with the same scope as the actor built from the unit's lineage."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.errors import Unauthenticated
from mse.domain.identity import Actor, Role
from mse.services import auth
from tests.builders import HASHER, PASSWORD, World, build_world
from tests.support import FixedClock


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def listen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE (engine.py) is not a query
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def from_lineage(engine: Engine, world: World, role: Role, channel: str) -> Actor:
    with SqlAlchemyUnitOfWork(engine) as uow:
        account = uow.identity.account(world.accounts[role])
        assert account is not None
        return auth.build_actor(uow, account, channel=channel, ip="127.0.0.1")


@pytest.fixture
def world(engine: Engine, clock: FixedClock) -> World:
    return build_world(engine, clock)


def test_a_session_resolves_in_one_statement_with_the_lineage_scope(engine: Engine, clock: FixedClock, world: World) -> None:
    scopes = set()
    for role in Role:
        if role not in world.accounts:
            continue
        with SqlAlchemyUnitOfWork(engine) as uow:
            session = auth.login(uow, role.value, PASSWORD, HASHER, clock, ip="127.0.0.1", session_hours=8)
        with SqlAlchemyUnitOfWork(engine) as uow, statements(engine) as seen:
            actor, csrf = auth.session_actor(uow, session.token, clock, ip="127.0.0.1", session_hours=8)
        assert len(seen) == 1, (role, seen)
        assert (actor, csrf) == (from_lineage(engine, world, role, "ui"), session.csrf_token), role
        scopes.add(actor.scope_path)
    # The comparison means something: unit, main bureau and federal scopes all occur (and "" for roles without a unit).
    assert {world.unit_paths["A1"], world.unit_paths["ГБ-77"], world.unit_paths["ФБ"], ""} <= scopes


def test_an_api_token_resolves_in_one_statement_with_the_lineage_scope(engine: Engine, clock: FixedClock, world: World) -> None:
    for i, role in enumerate((Role.MEDICAL_ORG, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT, Role.REGISTRAR, Role.AUDITOR)):
        token = f"mse_test-token-{i}"
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.identity.add_token(token_hash=hashlib.sha256(token.encode()).hexdigest(), prefix=token[:12],
                                   user_id=world.accounts[role], name="МИС", now=clock.now(), expires_at=None)
            uow.commit()
        with SqlAlchemyUnitOfWork(engine) as uow, statements(engine) as seen:
            actor = auth.token_actor(uow, token, clock, ip="127.0.0.1")
        assert len(seen) == 1, (role, seen)
        assert actor == from_lineage(engine, world, role, "api-token"), role


def test_expired_and_unknown_credentials_are_refused(engine: Engine, clock: FixedClock, world: World) -> None:
    admin = from_lineage(engine, world, Role.ADMIN, "ui")
    with SqlAlchemyUnitOfWork(engine) as uow:
        issued = auth.issue_api_token(uow, admin, clock, user_id=world.accounts[Role.MEDICAL_ORG], name="МИС", days=1)
    later = FixedClock(clock.now() + timedelta(days=2))
    for token, when in ((issued.token, later), ("mse_unknown", clock)):
        with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(Unauthenticated):
            auth.token_actor(uow, token, when, ip=None)
    with SqlAlchemyUnitOfWork(engine) as uow:
        session = auth.login(uow, Role.EXPERT.value, PASSWORD, HASHER, clock, ip=None, session_hours=8)
    for token, when in ((session.token, FixedClock(clock.now() + timedelta(hours=9))), ("unknown", clock)):
        with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(Unauthenticated):
            auth.session_actor(uow, token, when, ip=None, session_hours=8)
