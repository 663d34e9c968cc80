"""The audit trail on a real database: recorded with the change, chained by the sealer (ADR 0005), append-only,
hash-chained, and `mse audit verify` names tampering."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from mse.adapters.db.tables import audit_events, audit_pending
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.cli import app as cli_app
from mse.domain.identity import SYSTEM_ACTOR
from mse.services import audit
from mse.services.ports import AuditQuery
from mse.settings import get_settings
from tests.audit_support import seal
from tests.support import FixedClock


def write_events(engine: Engine, clock: FixedClock, n: int, *, sealed: bool = True, first: int = 1) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        for i in range(n):
            audit.record(uow, SYSTEM_ACTOR, "person.read", "person", first + i, clock)
        uow.commit()
    if sealed:
        seal(engine)


def rows(engine: Engine, table: Any) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def tamper(engine: Engine, sql: str) -> None:
    """What an intruder with DB-owner rights does: switch off the append-only trigger, then edit."""
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        else:
            c.execute(text("DROP TRIGGER audit_events_no_update"))
            c.execute(text("DROP TRIGGER audit_events_no_delete"))
        c.execute(text(sql))


def verify_cli(db_url: str, monkeypatch: pytest.MonkeyPatch, command: str = "verify") -> tuple[int, dict]:  # type: ignore[type-arg]
    monkeypatch.setenv("MSE_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["audit", command, "--format", "json"])
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


# ---- deferred chaining (issue 7, P11; docs/adr/0005-deferred-audit-chaining.md) ----------------------------------------

def test_commit_records_events_in_one_insert_without_the_chain_head(engine: Engine, clock: FixedClock) -> None:
    seen: list[str] = []

    def listen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    with SqlAlchemyUnitOfWork(engine) as uow:
        for i in range(3):
            audit.record(uow, SYSTEM_ACTOR, "person.read", "person", i + 1, clock)
        event.listen(engine, "before_cursor_execute", listen)
        try:
            uow.commit()
        finally:
            event.remove(engine, "before_cursor_execute", listen)
    written = [s for s in seen if not s.startswith(("BEGIN", "COMMIT"))]
    assert len(written) == 1, written
    assert written[0].startswith("INSERT INTO audit_pending")
    assert not any("audit_chain_head" in s for s in seen)
    assert (rows(engine, audit_pending), rows(engine, audit_events)) == (3, 0)


def test_a_rolled_back_transaction_records_nothing(engine: Engine, clock: FixedClock) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        audit.record(uow, SYSTEM_ACTOR, "person.read", "person", 1, clock)
    assert (rows(engine, audit_pending), seal(engine)) == (0, 0)


def test_sealing_chains_the_oldest_first_and_empties_the_queue(engine: Engine, clock: FixedClock) -> None:
    write_events(engine, clock, 2, sealed=False)  # two transactions: objects 1…2, then 3…5
    write_events(engine, clock, 3, sealed=False, first=3)
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert audit.seal(uow, limit=2) == 2
    with engine.connect() as c:
        assert c.execute(select(audit_events.c.seq, audit_events.c.object_id).order_by(audit_events.c.seq)).all() == [(1, "1"), (2, "2")]
    assert rows(engine, audit_pending) == 3
    assert seal(engine) == 3
    with SqlAlchemyUnitOfWork(engine) as uow:
        report = audit.verify(uow)
        assert (report.ok, report.checked, report.pending) == (True, 5, 0)
        assert [e.entry.object_id for e in uow.audit.iterate()] == ["1", "2", "3", "4", "5"]


def test_readers_see_every_committed_event_chained(engine: Engine, clock: FixedClock) -> None:
    write_events(engine, clock, 4, sealed=False)
    with SqlAlchemyUnitOfWork(engine) as uow:
        audit.record(uow, SYSTEM_ACTOR, "person.update", "person", 9, clock)  # its own, not yet committed
        assert uow.audit.count() == 5
        page, total = uow.audit.page(AuditQuery(action="person.update"), limit=10, offset=0)
        assert (total, page[0].seq, page[0].entry.object_id) == (1, 5, "9")
        uow.commit()
    assert (rows(engine, audit_pending), rows(engine, audit_events)) == (0, 5)


def test_verify_chains_what_is_pending_and_says_so(engine: Engine, db_url: str, clock: FixedClock,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    write_events(engine, clock, 3)
    write_events(engine, clock, 2, sealed=False)
    code, report = verify_cli(db_url, monkeypatch)
    assert (code, report["ok"], report["checked"], report["head_seq"], report["pending"]) == (0, True, 5, 5, 2)
    assert rows(engine, audit_pending) == 0  # the sealing of the check is kept


def test_seal_command(engine: Engine, db_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    write_events(engine, clock, 3, sealed=False)
    assert verify_cli(db_url, monkeypatch, "seal") == (0, {"sealed": 3})
    assert verify_cli(db_url, monkeypatch, "seal") == (0, {"sealed": 0})
    assert rows(engine, audit_events) == 3


def test_a_pending_event_cannot_be_edited(engine: Engine, clock: FixedClock) -> None:
    write_events(engine, clock, 1, sealed=False)
    with pytest.raises(DBAPIError, match="insert-only"), engine.begin() as c:
        c.execute(text("UPDATE audit_pending SET action = 'x'"))


def test_concurrent_writers_and_two_sealers_keep_one_unbroken_chain(engine: Engine, clock: FixedClock) -> None:
    """Two sealers (threads, as two nodes) race while writers keep recording: the head lock serialises the sealers, no
    event is chained twice or lost, and the chain verifies."""
    writers, per_writer, per_tx = 2, 30, 5
    done = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(per_writer):
                write_events(engine, clock, per_tx, sealed=False)
        except BaseException as exc:  # handed to the test
            errors.append(exc)

    def sealer() -> None:
        try:
            while not done.is_set():
                with SqlAlchemyUnitOfWork(engine) as uow:
                    audit.seal(uow, limit=7)
                done.wait(0.002)  # a pause, as the real sealer has, so SQLite's writers get the lock too
        except BaseException as exc:  # handed to the test
            errors.append(exc)

    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    writing = [threading.Thread(target=write) for _ in range(writers)]
    for t in (*sealers, *writing):
        t.start()
    for t in writing:
        t.join(120)
    done.set()
    for t in sealers:
        t.join(60)
    assert not errors, errors
    seal(engine)
    total = writers * per_writer * per_tx
    with SqlAlchemyUnitOfWork(engine) as uow:
        report = audit.verify(uow)
    assert (report.ok, report.checked, report.head_seq) == (True, total, total), report.problems
    assert rows(engine, audit_pending) == 0


def test_the_background_sealer_chains_and_stops(engine: Engine, clock: FixedClock) -> None:
    from mse.jobs.audit_sealer import AuditSealer

    write_events(engine, clock, 5, sealed=False)
    stop = threading.Event()
    thread = threading.Thread(target=AuditSealer(lambda: SqlAlchemyUnitOfWork(engine), batch=2).run, args=(stop, 0.05))
    thread.start()
    try:
        for _ in range(200):
            if rows(engine, audit_events) == 5:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert (rows(engine, audit_events), rows(engine, audit_pending)) == (5, 0)
