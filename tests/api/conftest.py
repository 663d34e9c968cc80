"""HTTP-level fixtures: the real app on a real database, and clients logged in as each role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.identity import Role
from mse.services import auth
from mse.settings import Settings
from mse.web.app import create_app
from tests.builders import HASHER, PASSWORD, World, build_world
from tests.intake_support import TestPki
from tests.support import FixedClock


@pytest.fixture
def app_settings(db_url: str, pki: TestPki) -> Settings:
    return Settings(database_url=db_url, env="test", log_json=True, cookie_secure=False, trusted_roots=pki.roots,
                    bureau_signing_cert=pki.bureau.cert, bureau_signing_key=pki.bureau.key)


@pytest.fixture
def client(app_settings: Settings, engine: Engine, clock: FixedClock) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings, engine=engine, clock=clock), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def world(engine: Engine, clock: FixedClock) -> World:
    return build_world(engine, clock)


@pytest.fixture
def login_as(client: TestClient, engine: Engine, clock: FixedClock, world: World) -> Callable[[Role], TestClient]:
    """Give the shared client a session of `role`: cookie + CSRF header, as the UI does."""

    def _login(role: Role) -> TestClient:
        with SqlAlchemyUnitOfWork(engine) as uow:
            session = auth.login(uow, role.value, PASSWORD, HASHER, clock, ip="127.0.0.1", session_hours=8)
        client.cookies.clear()
        client.cookies.set("mse_session", session.token)
        client.headers["X-CSRF-Token"] = session.csrf_token
        return client

    return _login
