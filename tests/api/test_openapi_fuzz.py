"""The API fuzzed from its own OpenAPI document (schemathesis): never a 500, every error is problem+json
with a machine code and a Russian message. Runs as an authenticated registrar on a migrated SQLite file."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine

from mse.adapters.db import migrate
from mse.adapters.db.engine import make_engine
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.identity import Role
from mse.services import auth
from mse.settings import Settings
from mse.web.app import create_app
from tests.builders import HASHER, PASSWORD, build_world
from tests.support import FixedClock

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# CI runs a fixed, reproducible sample; MSE_FUZZ_RANDOM=1 MSE_FUZZ_EXAMPLES=500 explores further.
EXAMPLES = int(os.environ.get("MSE_FUZZ_EXAMPLES", "40"))
RANDOM = os.environ.get("MSE_FUZZ_RANDOM") == "1"


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'fuzz.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    build_world(engine, FixedClock())
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_engine: Engine) -> Any:
    app = create_app(Settings(database_url=str(fuzz_engine.url), env="test", log_level="WARNING"), engine=fuzz_engine,
                     clock=FixedClock())
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


def _headers(engine: Engine, role: Role) -> dict[str, str]:
    with SqlAlchemyUnitOfWork(engine) as uow:
        s = auth.login(uow, role.value, PASSWORD, HASHER, FixedClock(), ip=None, session_hours=8)
    return {"Cookie": f"mse_session={s.token}", "X-CSRF-Token": s.csrf_token}


@pytest.fixture(scope="module")
def registrar_headers(fuzz_engine: Engine) -> dict[str, str]:
    return _headers(fuzz_engine, Role.REGISTRAR)


@pytest.fixture(scope="module")
def medical_org_headers(fuzz_engine: Engine) -> dict[str, str]:
    """The sender of referrals: the intake endpoints get fuzzed past the permission check, into the pipeline."""
    return _headers(fuzz_engine, Role.MEDICAL_ORG)


@pytest.fixture(scope="module")
def expert_headers(fuzz_engine: Engine) -> dict[str, str]:
    return _headers(fuzz_engine, Role.EXPERT)


def operations() -> list[str]:
    app = create_app(Settings(database_url="sqlite://", env="test", log_level="WARNING"))
    return [f"{op.ok().method.upper()} {op.ok().path}" for op in schemathesis.openapi.from_asgi("/api/openapi.json", app).get_all_operations()]


# schemathesis' own pytest plugin does not support pytest 9 yet, so each operation gets a hypothesis
# test built from `operation.as_strategy()`: the same generator, driven by us.
@pytest.mark.parametrize("operation", operations())
def test_api_never_fails_and_speaks_problem_json(operation: str, api_schema: Any, registrar_headers: dict[str, str],
                                                 medical_org_headers: dict[str, str], expert_headers: dict[str, str]) -> None:
    method, path = operation.split(" ", 1)
    headers = medical_org_headers if method == "POST" and path.startswith("/api/v1/referrals") and "{" not in path else registrar_headers
    if "/protocol" in path:  # the protocol is the specialists' work: fuzz it as one, past the role check
        headers = expert_headers
    op = next(o.ok() for o in api_schema.get_all_operations() if o.ok().method.upper() == method and o.ok().path == path)

    @given(case=op.as_strategy())
    @settings(max_examples=EXAMPLES, derandomize=not RANDOM, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    def fuzz(case: Any) -> None:
        response = case.call(headers=headers)
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
        if response.status_code >= 400:
            ctype = response.headers.get("content-type") or [""]  # schemathesis gives header value lists
            assert ctype[0].startswith("application/problem+json"), response.text[:200]
            body = response.json()
            assert body["code"], body
            assert CYRILLIC.search(body["detail"]), body

    fuzz()
