"""Bad input anywhere gets RFC 9457 problem+json with a stable code and a Russian message, and writes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

from mse.adapters.db.tables import persons
from mse.domain.identity import Role
from tests.builders import World

CYRILLIC = re.compile(r"[А-Яа-яЁё]")

VALID_PERSON = {
    "surname": "Кузнецова", "name": "Мария", "patronymic": "Олеговна", "birth_date": "1985-02-11", "sex": "female",
    "snils": "778-899-001 02",
    "documents": [{"kind": "passport_rf", "series": "4509", "number": "654321", "issued_by": "ОУФМС", "issue_date": "2005-03-01"}],
    "addresses": [{"region": "г. Москва", "region_code": "77", "settlement": "Москва", "street": "ул. Ленина", "house": "3", "postal_code": "101000"}],
}


def persons_count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(persons)).scalar_one())


def assert_problem(resp, status: int, code: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["status"] == status
    assert body["code"] == code
    assert CYRILLIC.search(body["detail"]), body
    return body


def test_unauthenticated_request(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/persons/1"), 401, "unauthenticated")
    assert body["type"].startswith("urn:mse:problem:")


def test_bad_token(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}), 401, "invalid_token")


def test_unknown_route(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_malformed_json(login_as: Callable[[Role], TestClient], engine: Engine) -> None:
    c = login_as(Role.REGISTRAR)
    before = persons_count(engine)
    resp = c.post("/api/v1/persons", content=b'{"surname": ', headers={"content-type": "application/json"})
    assert_problem(resp, 400, "malformed_json")
    assert persons_count(engine) == before


@pytest.mark.parametrize(("patch", "field", "message"), [
    ({"snils": "778-899-001 03"}, "snils", "контрольная сумма"),
    ({"birth_date": "11.02.1985"}, "birth_date", "ГГГГ-ММ-ДД"),
    ({"sex": "x"}, "sex", "Недопустимое значение"),
    ({"surname": None}, "surname", "строка"),
    ({"unknown": 1}, "unknown", "Неизвестное поле"),
])
def test_invalid_fields_are_named_in_russian(login_as: Callable[[Role], TestClient], engine: Engine,
                                             patch: dict, field: str, message: str) -> None:  # type: ignore[type-arg]
    c = login_as(Role.REGISTRAR)
    before = persons_count(engine)
    body = assert_problem(c.post("/api/v1/persons", json={**VALID_PERSON, **patch}), 422, "validation_failed")
    assert any(e["field"] == field and message in e["message"] for e in body["errors"]), body["errors"]
    assert persons_count(engine) == before


def test_domain_rules_are_reported_per_field(login_as: Callable[[Role], TestClient], engine: Engine) -> None:
    c = login_as(Role.REGISTRAR)
    body = assert_problem(c.post("/api/v1/persons", json={**VALID_PERSON, "birth_date": "2099-01-01", "addresses": []}),
                          422, "validation_failed")
    assert {e["field"] for e in body["errors"]} == {"birth_date", "addresses", "documents.0.issue_date"}
    assert persons_count(engine) == 3  # the world's three persons only


def test_duplicate_is_a_conflict(login_as: Callable[[Role], TestClient], engine: Engine) -> None:
    c = login_as(Role.REGISTRAR)
    assert c.post("/api/v1/persons", json=VALID_PERSON).status_code == 201
    assert_problem(c.post("/api/v1/persons", json=VALID_PERSON), 409, "person_snils_exists")
    assert persons_count(engine) == 4


def test_database_failure_midway_is_a_500_problem_and_leaves_nothing(login_as: Callable[[Role], TestClient], engine: Engine) -> None:
    c = login_as(Role.REGISTRAR)
    before = persons_count(engine)

    def boom(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO PERSON_DOCUMENTS"):
            raise RuntimeError("connection lost (injected)")

    event.listen(engine, "before_cursor_execute", boom)
    try:
        resp = c.post("/api/v1/persons", json=VALID_PERSON)
    finally:
        event.remove(engine, "before_cursor_execute", boom)
    body = assert_problem(resp, 500, "internal_error")
    assert "connection lost" not in body["detail"]  # no internals leak
    assert persons_count(engine) == before


def test_csrf_is_required_for_cookie_writes(login_as: Callable[[Role], TestClient], world: World) -> None:
    c = login_as(Role.REGISTRAR)
    del c.headers["X-CSRF-Token"]
    assert_problem(c.post("/api/v1/persons", json=VALID_PERSON), 403, "csrf_failed")


def test_oversized_body_is_refused(login_as: Callable[[Role], TestClient]) -> None:
    c = login_as(Role.REGISTRAR)
    assert_problem(c.post("/api/v1/persons", content=b"x" * (6 * 1024 * 1024), headers={"content-type": "application/json"}),
                   413, "payload_too_large")


def test_representative_name_is_validated_per_field(login_as: Callable[[Role], TestClient], engine: Engine) -> None:
    """Found by the OpenAPI fuzzer: a representative with an empty surname used to reach the domain as a 500."""
    c = login_as(Role.REGISTRAR)
    rep = {"kind": "legal", "surname": "1", "name": "Анна"}
    body = assert_problem(c.post("/api/v1/persons", json={**VALID_PERSON, "representatives": [rep]}), 422, "validation_failed")
    assert any(e["field"] == "representatives.0.surname" for e in body["errors"]), body["errors"]
    assert persons_count(engine) == 3
