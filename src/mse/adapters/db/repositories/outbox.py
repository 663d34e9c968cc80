"""The transactional outbox: enqueue in the caller's transaction, claim due rows under a lease, record outcomes.

Claiming: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` lets any number of workers take disjoint batches
without waiting for each other; on SQLite the write transaction is `BEGIN IMMEDIATE` (adapters/db/engine.py),
so claims are serialised by the database lock and two workers can never read the same free rows.
The lease (`claimed_until`) makes a row claimed by a worker that died mid-delivery due again once it expires.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, case, false, func, insert, literal, or_, select, true, update

from mse.adapters.db.tables import cases, org_units, outbox, referrals
from mse.services.delivery_ports import DeliveryStatus, MessageQuery, MessageRow, OutboundMessage, recipient_of

_c = outbox.c


def _status_of(r: Any) -> DeliveryStatus:
    if r.delivered_at is not None:
        return DeliveryStatus.DELIVERED
    return DeliveryStatus.DEAD if r.dead else DeliveryStatus.PENDING


def _status_clause(status: DeliveryStatus) -> ColumnElement[bool]:
    if status is DeliveryStatus.DELIVERED:
        return _c.delivered_at.is_not(None)
    if status is DeliveryStatus.DEAD:
        return and_(_c.delivered_at.is_(None), _c.dead == true())
    return and_(_c.delivered_at.is_(None), _c.dead == false())


def _listing() -> Select[Any]:
    """Outbox metadata (no payload) with the unit its case or referral belongs to."""
    unit_id = func.coalesce(cases.c.bureau_id, referrals.c.bureau_id)
    reference = case(
        (_c.aggregate == "case", cases.c.number),
        else_=func.coalesce(referrals.c.registration_number, referrals.c.document_id),
    )
    return (
        select(_c.id, _c.topic, _c.recipient, _c.aggregate, _c.aggregate_id, _c.attempts, _c.created_at, _c.available_at,
               _c.due_on, _c.deadline, _c.last_error, _c.last_attempt_at, _c.delivered_at, _c.dead,
               org_units.c.path.label("unit_path"), reference.label("reference"))
        .select_from(outbox)
        .outerjoin(cases, and_(_c.aggregate == "case", cases.c.id == _c.aggregate_id))
        .outerjoin(referrals, and_(_c.aggregate == "referral", referrals.c.id == _c.aggregate_id))
        .outerjoin(org_units, org_units.c.id == unit_id)
        # Domain events of the case life-cycle (recipient "internal") are history, not deliveries.
        .where(or_(_c.recipient.is_(None), _c.recipient != "internal"))
    )


def _row(r: Any) -> MessageRow:
    return MessageRow(
        id=r.id, topic=r.topic, recipient=recipient_of(r.topic, r.recipient), aggregate=r.aggregate, aggregate_id=r.aggregate_id,
        status=_status_of(r), attempts=r.attempts, created_at=r.created_at, available_at=r.available_at, due_on=r.due_on,
        deadline=r.deadline, last_error=r.last_error, last_attempt_at=r.last_attempt_at, delivered_at=r.delivered_at,
        unit_path=r.unit_path, reference=r.reference)


def _recipient_clause(recipient: str) -> ColumnElement[bool]:
    # Old rows (recipient NULL) are matched by their topic prefix, the same rule as recipient_of().
    legacy = or_(_c.topic.like(f"{recipient}.%"), _c.topic == f"result.{recipient}", _c.topic.like(f"result.{recipient}.%"))
    return or_(_c.recipient == recipient, and_(_c.recipient.is_(None), legacy))


class OutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------ writing (the caller's transaction)
    def enqueue(self, topic: str, aggregate: str, aggregate_id: int, payload: dict[str, Any], now: datetime,
                recipient: str | None = None, due_on: date | None = None, deadline: str | None = None) -> int:
        new_id: int = self.conn.execute(insert(outbox).values(
            topic=topic, aggregate=aggregate, aggregate_id=aggregate_id, payload=payload, created_at=now, available_at=now,
            attempts=0, dead=False, recipient=recipient_of(topic, recipient), due_on=due_on,
            deadline=deadline[:400] if deadline else None,
        )).inserted_primary_key[0]  # type: ignore[index]
        return new_id

    # ------------------------------------------------------------ the worker
    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[OutboundMessage]:
        """Take up to `limit` due rows for this worker until `now + lease`; the attempt is counted here, so a
        worker that keeps dying on one message still moves it towards the dead letters."""
        due = (select(_c.id)
               .where(_c.delivered_at.is_(None), _c.dead == false(), _c.available_at <= now,
                      or_(_c.claimed_until.is_(None), _c.claimed_until <= now))
               .order_by(_c.available_at, _c.id).limit(limit))
        if self.conn.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = [int(i) for i in self.conn.execute(due).scalars()]
        if not ids:
            return []
        until = now + lease
        self.conn.execute(update(outbox).where(_c.id.in_(ids))
                          .values(claimed_until=until, last_attempt_at=now, attempts=_c.attempts + 1))
        rows = self.conn.execute(select(_c.id, _c.topic, _c.recipient, _c.aggregate, _c.aggregate_id, _c.payload, _c.attempts,
                                        _c.created_at, _c.claimed_until)
                                 .where(_c.id.in_(ids)).order_by(_c.available_at, _c.id)).all()
        return [OutboundMessage(id=r.id, topic=r.topic, recipient=recipient_of(r.topic, r.recipient), aggregate=r.aggregate,
                                aggregate_id=r.aggregate_id, payload=dict(r.payload or {}), attempts=r.attempts,
                                created_at=r.created_at, claimed_until=r.claimed_until) for r in rows]

    def mark_delivered(self, message_id: int, now: datetime) -> bool:
        """False when it was already delivered (a redelivery after a lost acknowledgement)."""
        done = self.conn.execute(update(outbox).where(_c.id == message_id, _c.delivered_at.is_(None))
                                 .values(delivered_at=now, claimed_until=None, dead=False))
        return done.rowcount == 1

    def mark_failed(self, message_id: int, now: datetime, *, next_available_at: datetime, error: str, dead: bool) -> bool:
        # Never turn a delivered row back (another worker may have recorded success after this one's lease ran out).
        done = self.conn.execute(update(outbox).where(_c.id == message_id, _c.delivered_at.is_(None))
                                 .values(available_at=next_available_at, last_error=error[:2000], dead=dead, claimed_until=None))
        return done.rowcount == 1

    def revive(self, message_id: int, now: datetime) -> bool:
        """Dead -> pending, due at once, with a fresh attempt budget (the last error stays until the next attempt)."""
        done = self.conn.execute(update(outbox).where(_c.id == message_id, _c.dead == true(), _c.delivered_at.is_(None))
                                 .values(dead=False, attempts=0, available_at=now, claimed_until=None))
        return done.rowcount == 1

    def undelivered_count(self, aggregate: str, aggregate_id: int, topic_prefix: str) -> int:
        """Messages of one aggregate and topic family not yet delivered (pending, retrying or dead)."""
        return int(self.conn.execute(select(func.count()).select_from(outbox).where(
            _c.aggregate == aggregate, _c.aggregate_id == aggregate_id, _c.topic.startswith(topic_prefix, autoescape=True),
            _c.delivered_at.is_(None))).scalar_one())

    # ------------------------------------------------------------ reading (metadata only)
    def get(self, message_id: int) -> MessageRow | None:
        r = self.conn.execute(_listing().where(_c.id == message_id)).first()
        return _row(r) if r else None

    def _filtered(self, query: MessageQuery, s: Select[Any], *, with_status: bool = True) -> Select[Any]:
        if with_status and query.status is not None:
            s = s.where(_status_clause(query.status))
        if query.recipient:
            s = s.where(_recipient_clause(query.recipient))
        if query.aggregate:
            s = s.where(_c.aggregate == query.aggregate)
        if query.aggregate_id is not None:
            s = s.where(_c.aggregate_id == query.aggregate_id)
        if query.late_on is not None:
            s = s.where(_c.delivered_at.is_(None), _c.due_on < query.late_on)
        if query.unit_path_prefix is not None:
            # An empty prefix would admit everything: staff without a place in the tree see nothing instead.
            prefix = query.unit_path_prefix
            s = s.where(org_units.c.path.like(f"{prefix}%") if prefix else literal(False))
        return s

    def page(self, query: MessageQuery, *, limit: int, offset: int) -> tuple[list[MessageRow], int]:
        s = self._filtered(query, _listing())
        total = self.conn.execute(select(func.count()).select_from(s.subquery())).scalar_one()
        rows = self.conn.execute(s.order_by(_c.created_at.desc(), _c.id.desc()).limit(limit).offset(offset)).all()
        return [_row(r) for r in rows], int(total)

    def counts(self, query: MessageQuery) -> dict[DeliveryStatus, int]:
        """Rows per status under the query's other filters (the status filter itself is ignored)."""
        s = self._filtered(query, _listing(), with_status=False).subquery()
        status = case((s.c.delivered_at.is_not(None), "delivered"), (s.c.dead == true(), "dead"), else_="pending")
        got = {str(k): int(n) for k, n in self.conn.execute(select(status, func.count()).group_by(status)).all()}
        return {st: got.get(st.value, 0) for st in DeliveryStatus}

    def count_late(self, query: MessageQuery, today: date) -> int:
        s = self._filtered(MessageQuery(recipient=query.recipient, aggregate=query.aggregate, aggregate_id=query.aggregate_id,
                                        late_on=today, unit_path_prefix=query.unit_path_prefix), _listing())
        return int(self.conn.execute(select(func.count()).select_from(s.subquery())).scalar_one())

    def case_unit_path(self, case_id: int) -> str | None:
        return self.conn.execute(select(org_units.c.path).join(cases, cases.c.bureau_id == org_units.c.id)
                                 .where(cases.c.id == case_id)).scalar()

    def payload(self, message_id: int) -> dict[str, Any] | None:
        """For the delivery machinery and tests only; never reaches the UI."""
        value = self.conn.execute(select(_c.payload).where(_c.id == message_id)).scalar()
        return dict(value) if value is not None else None
