"""POST /api/v1/decision-support: staff roles only, problem+json on bad input, rows from the database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.refdata.criteria_appendix import shipped_rows
from mse.domain.identity import SYSTEM_ACTOR, Role
from mse.services import criteria
from tests.support import FixedClock

URL = "/api/v1/decision-support"
ADULT = json.loads(Path("examples/decision-input.json").read_text(encoding="utf-8"))
CHILD = json.loads(Path("examples/decision-input-child.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("role", [Role.EXPERT, Role.HEAD, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT])
def test_staff_get_the_suggestion(login_as: Callable[[Role], TestClient], role: Role) -> None:
    r = login_as(role).post(URL, json=ADULT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["ruleset"], body["final_percent"], body["degree"], body["outcome"]) == ("374n", 70, "III", "80.2")
    assert body["term"]["until"] == "2027-04-01"
    assert body["steps"][0]["id"] == "ruleset"


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.CITIZEN, Role.MEDICAL_ORG, Role.ADMIN, Role.AUDITOR])
def test_other_roles_forbidden(login_as: Callable[[Role], TestClient], role: Role) -> None:
    r = login_as(role).post(URL, json=ADULT)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "decision_support_forbidden"


def test_bad_input_is_problem_json(login_as: Callable[[Role], TestClient]) -> None:
    client = login_as(Role.EXPERT)
    r = client.post(URL, json={**ADULT, "impairments": [{"type": "79.4", "percent": 75}], "birth_date": "2027-01-01"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"impairments.0.percent", "birth_date"} <= fields
    assert client.post(URL, json={**ADULT, "unknown": 1}).status_code == 422


def test_rows_come_from_the_database(login_as: Callable[[Role], TestClient], engine: Engine) -> None:
    client = login_as(Role.EXPERT)
    assert client.post(URL, json=CHILD).json()["crg"] == []  # nothing loaded: no ЦРГ, and it says so
    criteria.import_rows(lambda: SqlAlchemyUnitOfWork(engine), SYSTEM_ACTOR, shipped_rows(), source="t", clock=FixedClock())
    body = client.post(URL, json=CHILD).json()
    assert body["crg"] == ["ЦРГ 5"]
    assert body["appendix"][0]["rows"][0]["item"] == "10.4.1"


def test_openapi_documents_the_example(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    op = spec["paths"][URL]["post"]
    assert "adult" in op["requestBody"]["content"]["application/json"]["examples"]
