"""The audit trail on a real database: append-only, hash-chained, and `mse audit verify` names tampering."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.cli import app as cli_app
from mse.domain.identity import SYSTEM_ACTOR
from mse.services import audit
from mse.settings import get_settings
from tests.support import FixedClock


def write_events(engine: Engine, clock: FixedClock, n: int) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        for i in range(n):
            audit.record(uow, SYSTEM_ACTOR, "person.read", "person", i + 1, clock)
        uow.commit()


def tamper(engine: Engine, sql: str) -> None:
    """What an intruder with DB-owner rights does: switch off the append-only trigger, then edit."""
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        else:
            c.execute(text("DROP TRIGGER audit_events_no_update"))
            c.execute(text("DROP TRIGGER audit_events_no_delete"))
        c.execute(text(sql))


def verify_cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict]:  # type: ignore[type-arg]
    monkeypatch.setenv("MSE_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["audit", "verify", "--format", "json"])
    finally:
        get_settings.cache_clear()
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def test_intact_trail_verifies(engine: Engine, db_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    write_events(engine, clock, 5)
    code, report = verify_cli(db_url, monkeypatch)
    assert (code, report["ok"], report["checked"]) == (0, True, 5)


def test_the_application_cannot_update_or_delete_events(engine: Engine, clock: FixedClock) -> None:
    write_events(engine, clock, 2)
    for sql in ("UPDATE audit_events SET action = 'x' WHERE seq = 1", "DELETE FROM audit_events WHERE seq = 2"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as c:
            c.execute(text(sql))


def test_hand_edited_event_is_named(engine: Engine, db_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    write_events(engine, clock, 5)
    tamper(engine, "UPDATE audit_events SET actor_login = 'someone_else' WHERE seq = 3")
    code, report = verify_cli(db_url, monkeypatch)
    assert code == 1
    assert [(p["seq"], p["kind"]) for p in report["problems"]] == [(3, "edited")]
    assert "№3" in report["problems"][0]["message"]


def test_deleted_event_is_named(engine: Engine, db_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    write_events(engine, clock, 5)
    tamper(engine, "DELETE FROM audit_events WHERE seq = 2")
    code, report = verify_cli(db_url, monkeypatch)
    assert code == 1
    assert (2, "deleted") in [(p["seq"], p["kind"]) for p in report["problems"]]


def test_deleted_tail_is_detected(engine: Engine, db_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    write_events(engine, clock, 5)
    tamper(engine, "DELETE FROM audit_events WHERE seq >= 4")
    code, report = verify_cli(db_url, monkeypatch)
    assert code == 1
    assert [(p["seq"], p["kind"]) for p in report["problems"]] == [(4, "tail_truncated")]
