"""The outbox worker against a real HTTP peer on loopback and a real database (SQLite and PostgreSQL).

Delivery with the idempotency headers, backoff on 503, dead letters (out of attempts, or at once on 400) and their
revival, a worker killed between the peer's receipt and the database record (exactly one copy at the peer), and two
workers delivering 40 messages concurrently, each exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from mse.adapters.db.tables import audit_events, outbox
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.delivery import HttpDelivery
from mse.demo.peer import DemoPeer
from mse.domain.identity import SYSTEM_ACTOR
from mse.services import delivery
from mse.services.delivery import DeliveryPolicy, deliver_due
from mse.services.delivery_ports import DeliveryResult, DeliveryStatus, OutboundMessage
from mse.services.ports import UnitOfWork
from tests.audit_support import seal
from tests.support import FixedClock

PAYLOAD = {"document": "extract-1031n", "case_number": "77-001/2026", "content_b64": "PD94bWwvPg==", "sha256": "ab" * 32,
           "note": "Выписка из акта освидетельствования"}


@pytest.fixture
def peer() -> Iterator[DemoPeer]:
    with DemoPeer() as p:
        yield p


@pytest.fixture
def transport(peer: DemoPeer) -> Iterator[HttpDelivery]:
    with HttpDelivery(peer.endpoints(), timeout=5) as t:
        yield t


def factory(engine: Engine) -> Any:
    def make() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine)
    return make


def enqueue(engine: Engine, clock: FixedClock, n: int = 1, *, topic: str = "result.sfr", recipient: str | None = "sfr",
            due_on: date | None = None, payload: dict[str, Any] | None = None) -> list[int]:
    with SqlAlchemyUnitOfWork(engine) as uow:
        ids = [uow.outbox.enqueue(topic, "case", 1000 + i, {**(payload or PAYLOAD), "n": i}, clock.now(), recipient=recipient,
                                  due_on=due_on, deadline="3 дня со дня принятия решения (адм. регламент п.16)")
               for i in range(n)]
        uow.commit()
    return ids


def row(engine: Engine, message_id: int) -> Any:
    with engine.connect() as c:
        return c.execute(select(outbox).where(outbox.c.id == message_id)).one()


def status(engine: Engine, message_id: int) -> DeliveryStatus:
    with SqlAlchemyUnitOfWork(engine) as uow:
        found = uow.outbox.get(message_id)
    assert found is not None
    return found.status


def test_delivers_each_message_to_its_recipient_with_idempotency_headers(engine: Engine, clock: FixedClock, peer: DemoPeer,
                                                                         transport: HttpDelivery) -> None:
    sfr = enqueue(engine, clock)[0]
    military = enqueue(engine, clock, topic="result.military", recipient="military")[0]
    with SqlAlchemyUnitOfWork(engine) as uow:  # a row written before migration 0005: no recipient, topic prefix says МО
        legacy = uow.intake.enqueue(topic="mo.return_notice", aggregate="referral", aggregate_id=7, payload={"r": 1}, now=clock.now())
        uow.commit()

    counts = deliver_due(factory(engine), transport, clock)

    assert counts.as_dict() == {"claimed": 3, "delivered": 3, "retrying": 0, "dead": 0, "skipped": 0}
    got = {m.recipient: m for m in peer.messages()}
    assert set(got) == {"sfr", "military", "mo"}
    assert got["sfr"].body == {**PAYLOAD, "n": 0}
    assert got["sfr"].idempotency_key == f"mse-outbox-{sfr}"
    assert got["sfr"].message_id == str(sfr)
    assert got["sfr"].topic == "result.sfr"
    assert got["military"].topic == "result.military"
    assert got["mo"].idempotency_key == f"mse-outbox-{legacy}"
    for message_id in (sfr, military, legacy):
        r = row(engine, message_id)
        assert r.delivered_at == clock.now()
        assert r.attempts == 1
        assert r.claimed_until is None
        assert not r.dead
    # The transfer is in the audit trail with the receipt the recipient gave.
    seal(engine)  # events are chained after commit (ADR 0005)
    with engine.connect() as c:
        details = {int(e.object_id): e.details for e in c.execute(select(audit_events).where(audit_events.c.action == "outbox.delivered"))}
    assert details[sfr]["receipt"] == got["sfr"].receipt_id
    assert details[sfr]["recipient"] == "sfr"
    # Nothing is due any more.
    assert deliver_due(factory(engine), transport, clock).claimed == 0
    assert peer.request_count() == 3


def test_503_twice_is_retried_with_exponential_backoff_then_delivered(engine: Engine, clock: FixedClock, peer: DemoPeer,
                                                                      transport: HttpDelivery) -> None:
    policy = DeliveryPolicy()
    (mid,) = enqueue(engine, clock)
    peer.fail_next(2)
    start = clock.now()

    first = deliver_due(factory(engine), transport, clock, policy=policy)
    assert (first.retrying, first.delivered) == (1, 0)
    r = row(engine, mid)
    wait1 = policy.backoff(mid, 1)
    assert r.available_at == start + wait1
    assert r.attempts == 1
    assert "HTTP 503" in r.last_error
    assert timedelta(seconds=24) <= wait1 <= timedelta(seconds=30)  # 30 s minus at most 20 % jitter

    clock.advance(seconds=wait1.total_seconds() - 1)
    assert deliver_due(factory(engine), transport, clock, policy=policy).claimed == 0  # not yet due
    clock.advance(seconds=1)
    second = deliver_due(factory(engine), transport, clock, policy=policy)
    assert second.retrying == 1
    wait2 = policy.backoff(mid, 2)
    assert row(engine, mid).available_at == clock.now() + wait2
    assert wait2 == 2 * wait1  # same jitter fraction (from the id), doubled delay

    clock.advance(seconds=wait2.total_seconds())
    third = deliver_due(factory(engine), transport, clock, policy=policy)
    assert third.delivered == 1
    r = row(engine, mid)
    assert r.attempts == 3
    assert r.delivered_at == clock.now()
    assert peer.request_count(f"mse-outbox-{mid}") == 3
    assert len(peer.messages()) == 1


def test_backoff_is_capped_at_one_hour() -> None:
    policy = DeliveryPolicy()
    assert policy.backoff(5, 8) <= timedelta(hours=1)
    assert policy.backoff(5, 8) >= timedelta(minutes=48)
    assert policy.backoff(5, 100) == policy.backoff(5, 8)
    assert policy.backoff(5, 1) != policy.backoff(6, 1)  # jitter differs between messages


def test_dead_after_max_attempts_then_revived_and_delivered(engine: Engine, clock: FixedClock, peer: DemoPeer,
                                                            transport: HttpDelivery) -> None:
    policy = DeliveryPolicy(max_attempts=3)
    (mid,) = enqueue(engine, clock)
    peer.fail_next(100)
    for _ in range(3):
        deliver_due(factory(engine), transport, clock, policy=policy)
        clock.advance(hours=2)
    r = row(engine, mid)
    assert r.dead
    assert r.attempts == 3
    assert r.delivered_at is None
    assert "попыток: 3 — отправка остановлена" in r.last_error
    assert deliver_due(factory(engine), transport, clock, policy=policy).claimed == 0  # a dead letter is never claimed

    peer.fail_next(0)
    with SqlAlchemyUnitOfWork(engine) as uow:
        view = delivery.retry(uow, SYSTEM_ACTOR, mid, clock)
    assert view.row.status is DeliveryStatus.PENDING
    assert view.row.attempts == 0
    assert deliver_due(factory(engine), transport, clock, policy=policy).delivered == 1
    assert status(engine, mid) is DeliveryStatus.DELIVERED
    assert len(peer.messages()) == 1


def test_400_is_a_dead_letter_at_once(engine: Engine, clock: FixedClock, peer: DemoPeer, transport: HttpDelivery) -> None:
    (mid,) = enqueue(engine, clock)
    peer.reject_all(400)
    counts = deliver_due(factory(engine), transport, clock)
    assert (counts.dead, counts.retrying) == (1, 0)
    r = row(engine, mid)
    assert r.dead
    assert r.attempts == 1
    assert "отклонил сообщение (HTTP 400)" in r.last_error

    peer.reject_all(None)
    with SqlAlchemyUnitOfWork(engine) as uow:
        delivery.retry(uow, SYSTEM_ACTOR, mid, clock)
    assert deliver_due(factory(engine), transport, clock).delivered == 1
    assert status(engine, mid) is DeliveryStatus.DELIVERED


@pytest.mark.parametrize(("code", "dead"), [(408, False), (429, False), (500, False), (502, False), (404, True), (422, True)])
def test_status_codes_are_classified(engine: Engine, clock: FixedClock, peer: DemoPeer, transport: HttpDelivery,
                                     code: int, dead: bool) -> None:
    (mid,) = enqueue(engine, clock)
    peer.fail_next(1, status=code)
    deliver_due(factory(engine), transport, clock)
    assert status(engine, mid) is (DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING)
    assert f"HTTP {code}" in row(engine, mid).last_error


def test_unconfigured_recipient_and_unreachable_peer_are_retryable(engine: Engine, clock: FixedClock) -> None:
    (no_address,) = enqueue(engine, clock, topic="result.epgu", recipient="epgu")
    closed = DemoPeer().start()
    closed.stop()  # nothing listens on that port any more
    with HttpDelivery({"sfr": closed.endpoint("sfr")}, timeout=2) as t:
        (unreachable,) = enqueue(engine, clock)
        counts = deliver_due(factory(engine), t, clock)
    assert counts.retrying == 2
    assert counts.dead == 0
    assert "не настроен адрес получателя «epgu»" in row(engine, no_address).last_error
    assert "получатель недоступен" in row(engine, unreachable).last_error


def test_timeout_is_retryable_and_the_late_copy_is_not_duplicated(engine: Engine, clock: FixedClock, peer: DemoPeer) -> None:
    (mid,) = enqueue(engine, clock)
    peer.slow_down(0.6)
    with HttpDelivery(peer.endpoints(), timeout=0.2) as t:
        assert deliver_due(factory(engine), t, clock).retrying == 1
    assert "истекло время ожидания" in row(engine, mid).last_error
    peer.slow_down(0)
    for _ in range(50):  # the slow request still completes at the peer
        if peer.messages():
            break
        threading.Event().wait(0.05)
    clock.advance(minutes=5)
    with HttpDelivery(peer.endpoints(), timeout=5) as t:
        assert deliver_due(factory(engine), t, clock).delivered == 1
    assert len(peer.messages()) == 1
    assert peer.request_count(f"mse-outbox-{mid}") == 2


class SimulatedCrash(BaseException):
    """The process dies: not an Exception, so nothing in the worker may swallow it."""


class CrashAfterSend:
    def __init__(self, inner: HttpDelivery) -> None:
        self.inner = inner

    def send(self, message: OutboundMessage) -> DeliveryResult:
        self.inner.send(message)
        raise SimulatedCrash


def test_crash_after_the_peer_received_leaves_exactly_one_copy(engine: Engine, clock: FixedClock, peer: DemoPeer,
                                                               transport: HttpDelivery) -> None:
    policy = DeliveryPolicy()
    (mid,) = enqueue(engine, clock)
    with pytest.raises(SimulatedCrash):
        deliver_due(factory(engine), CrashAfterSend(transport), clock, policy=policy)
    assert len(peer.messages()) == 1  # the peer has it ...
    r = row(engine, mid)
    assert r.delivered_at is None
    assert r.claimed_until == clock.now() + policy.lease

    assert deliver_due(factory(engine), transport, clock, policy=policy).claimed == 0  # the lease still holds
    clock.advance(seconds=policy.lease.total_seconds())
    assert deliver_due(factory(engine), transport, clock, policy=policy).delivered == 1

    held = peer.messages()
    assert len(held) == 1
    assert peer.request_count(f"mse-outbox-{mid}") == 2
    r = row(engine, mid)
    assert r.delivered_at == clock.now()
    assert r.attempts == 2
    seal(engine)
    with engine.connect() as c:
        receipts = [e.details["receipt"] for e in c.execute(select(audit_events).where(audit_events.c.action == "outbox.delivered"))]
    assert receipts == [held[0].receipt_id]


def test_two_workers_deliver_40_messages_each_exactly_once(engine: Engine, clock: FixedClock, peer: DemoPeer) -> None:
    """PostgreSQL: SKIP LOCKED hands the workers disjoint batches. SQLite: BEGIN IMMEDIATE serialises the claims."""
    ids = enqueue(engine, clock, 40)
    peer.slow_down(0.01)  # sends overlap, so the second worker claims while the first is still sending
    start = threading.Barrier(2)
    claimed: dict[str, int] = {}
    failures: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with HttpDelivery(peer.endpoints(), timeout=5) as t:
                start.wait()
                total = 0
                while (c := deliver_due(factory(engine), t, clock, limit=4)).claimed:
                    total += c.claimed
                claimed[name] = total
        except BaseException as exc:  # reported below: an exception in a thread would otherwise vanish
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not failures
    assert claimed["a"] + claimed["b"] == 40
    assert claimed["a"] > 0
    assert claimed["b"] > 0
    assert peer.request_count() == 40
    assert all(peer.request_count(f"mse-outbox-{i}") == 1 for i in ids)
    assert len(peer.messages("sfr")) == 40
    with engine.connect() as c:
        rows = c.execute(select(outbox.c.attempts, outbox.c.delivered_at).where(outbox.c.id.in_(ids))).all()
    assert all(r.attempts == 1 and r.delivered_at is not None for r in rows)


def test_postgresql_claims_skip_rows_locked_by_another_worker(engine: Engine, clock: FixedClock) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has a single writer: a second claim waits for the first transaction (BEGIN IMMEDIATE) "
                    "rather than skipping its rows; the two-worker test covers SQLite")
    enqueue(engine, clock, 6)
    lease = timedelta(minutes=5)
    with SqlAlchemyUnitOfWork(engine) as first, SqlAlchemyUnitOfWork(engine) as second:
        # Without SKIP LOCKED the second claim would wait on the first's row locks: fail in 2 s instead of hanging.
        second.outbox.conn.execute(text("SET LOCAL lock_timeout = '2s'"))
        a = first.outbox.claim_due(clock.now(), 3, lease)  # not committed: rows locked, lease invisible to others
        b = second.outbox.claim_due(clock.now(), 10, lease)
        assert len(a) == 3
        assert len(b) == 3
        assert not {m.id for m in a} & {m.id for m in b}


def test_cli_delivers_lists_and_resends(db_url: str, engine: Engine, peer: DemoPeer, monkeypatch: pytest.MonkeyPatch) -> None:
    """`mse outbox deliver --once`, `mse outbox list --format json`, `mse outbox retry` against the peer."""
    import json

    from typer.testing import CliRunner

    from mse.cli import app
    from mse.settings import get_settings

    monkeypatch.setenv("MSE_DATABASE_URL", db_url)
    monkeypatch.setenv("MSE_DELIVERY_ENDPOINTS", json.dumps(peer.endpoints()))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        from datetime import UTC, datetime

        enqueue(engine, FixedClock(datetime.now(UTC) - timedelta(minutes=1)), 2)  # the CLI runs on the system clock
        peer.reject_all(400)
        first = runner.invoke(app, ["outbox", "deliver", "--once", "--format", "json"])
        assert first.exit_code == 0, first.output
        assert json.loads(first.stdout)["dead"] == 2
        dead = runner.invoke(app, ["outbox", "list", "--status", "dead", "--format", "json"])
        listed = json.loads(dead.stdout)
        assert listed["counts"] == {"pending": 0, "delivered": 0, "dead": 2}
        assert {m["recipient_label"] for m in listed["messages"]} == {"Социальный фонд России"}
        assert all("payload" not in m and "HTTP 400" in m["last_error"] for m in listed["messages"])
        peer.reject_all(None)
        for m in listed["messages"]:
            assert runner.invoke(app, ["outbox", "retry", str(m["id"])]).exit_code == 0
        again = runner.invoke(app, ["outbox", "retry", str(listed["messages"][0]["id"]), "--format", "json"])
        assert again.exit_code == 1
        assert json.loads(again.stdout)["code"] == "outbox_not_dead"
        second = runner.invoke(app, ["outbox", "deliver", "--once"])
        assert second.exit_code == 0
        assert "доставлено 2" in second.stdout
        text_list = runner.invoke(app, ["outbox", "list"])
        assert "доставлено 2" in text_list.stdout
        assert len(peer.messages("sfr")) == 2
    finally:
        get_settings.cache_clear()
