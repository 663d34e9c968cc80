"""Test databases: SQLite and PostgreSQL, both built by running the real migrations.

A migrated template is made once per worker; each test gets a fresh copy (file copy on SQLite,
CREATE DATABASE … TEMPLATE on PostgreSQL), so tests are isolated and still fast.
PostgreSQL comes from MSE_TEST_PG_URL (scripts/test starts a throwaway cluster); with
MSE_TEST_REQUIRE_PG=1 (CI) its absence is an error, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from mse.adapters.db import migrate
from mse.adapters.db.engine import make_engine
from tests.intake_support import TestPki, make_pki
from tests.support import FixedClock

PG_URL = os.environ.get("MSE_TEST_PG_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("MSE_TEST_REQUIRE_PG") == "1" and not PG_URL:
        raise pytest.UsageError("MSE_TEST_REQUIRE_PG=1 but MSE_TEST_PG_URL is not set: run ./scripts/test")


def _admin_engine() -> Engine:
    assert PG_URL
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_url(dbname: str) -> str:
    assert PG_URL
    return make_url(PG_URL).set(database=dbname).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(worker: str) -> Iterator[str]:
    name = f"mse_tpl_{worker}"
    admin = _admin_engine()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    migrate.upgrade(_pg_url(name))
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    tpl: str = request.getfixturevalue("pg_template")
    name = f"mse_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tpl}"'))
    yield _pg_url(name)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """A GOST test PKI (root, МО X and Y, the bureau, an untrusted signer), made once per test process."""
    return make_pki(tmp_path_factory.mktemp("pki"))
