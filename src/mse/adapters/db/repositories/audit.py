"""The audit trail: record without a lock, chain in batches (the sealer), read in order, page for the auditor.

Deferred chaining (issue 7, P11; docs/adr/0005-deferred-audit-chaining.md). The chain head is one row for the whole
country: when every committing transaction locked it to append its own events, P11 measured the head held ~29 ms per
referral on PostgreSQL — no more than ≈34 referrals/s however many nodes. Now the unit of work's commit writes the
transaction's events into `audit_pending` in one INSERT, in the same transaction as the change they record (the trail
commits with it, or not at all), and takes no lock. `seal` moves the oldest pending events into the chain under the
head lock, many per lock: the chain order is the sealing order. Readers of the trail seal first, so what they see is
every committed event, chained.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from mse.adapters.db.tables import audit_chain_head, audit_events, audit_pending
from mse.domain.audit import AuditEntry, ChainedEntry, chain_hash
from mse.services.ports import AuditQuery

SEAL_BATCH = 1000  # events chained under one hold of the head (5 statements whatever the batch)


def _entry_of(m: Any) -> AuditEntry:
    return AuditEntry(m["at"], m["actor_user_id"], m["actor_login"], m["actor_role"], m["action"], m["object_kind"],
                      m["object_id"], m["ip"], m["reason"], m["details"])


def _entry(r: object) -> ChainedEntry:
    m = r._mapping  # type: ignore[attr-defined]
    return ChainedEntry(m["seq"], _entry_of(m), m["prev_hash"], m["hash"])


def _values(e: AuditEntry) -> dict[str, Any]:
    return {"at": e.at, "actor_user_id": e.actor_user_id, "actor_login": e.actor_login, "actor_role": e.actor_role,
            "action": e.action, "object_kind": e.object_kind, "object_id": e.object_id, "ip": e.ip, "reason": e.reason,
            "details": e.details}


class AuditRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._pending: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> None:
        """Record an event of this transaction; `flush` (the unit of work's commit) writes it."""
        self._pending.append(entry)

    def discard(self) -> None:
        """The transaction is rolled back: its events go with it."""
        self._pending.clear()

    def flush(self) -> int:
        """Write this transaction's events to `audit_pending`: one INSERT, no lock (issue 7, P3/P4/P11)."""
        if not self._pending:
            return 0
        n = len(self._pending)
        self.conn.execute(insert(audit_pending), [_values(e) for e in self._pending])
        self._pending.clear()
        return n

    def seal(self, limit: int = SEAL_BATCH) -> int:
        """Chain the oldest `limit` pending events (by id) under the head lock; returns how many.

        FOR UPDATE on PostgreSQL serialises sealers: a second one waits, then reads the head the first one left and
        only the pending rows it did not delete (READ COMMITTED: each statement sees what committed before it). SQLite
        transactions begin IMMEDIATE (engine.py), so there is one sealer at a time anyway. Rows are deleted by id, never
        by range: a row of a transaction that commits while we seal stays for the next pass."""
        self.flush()
        head = self.conn.execute(select(audit_chain_head).where(audit_chain_head.c.id == 1).with_for_update()).one()
        rows = self.conn.execute(select(audit_pending).order_by(audit_pending.c.id).limit(limit)).all()
        if not rows:
            return 0
        seq, prev, chained = head.last_seq, head.last_hash, []
        for r in rows:
            entry = _entry_of(r._mapping)
            seq += 1
            digest = chain_hash(seq, prev, entry)
            chained.append({"seq": seq, **_values(entry), "prev_hash": prev, "hash": digest})
            prev = digest
        self.conn.execute(insert(audit_events), chained)
        self.conn.execute(delete(audit_pending).where(audit_pending.c.id.in_([r.id for r in rows])))
        self.conn.execute(update(audit_chain_head).where(audit_chain_head.c.id == 1).values(last_seq=seq, last_hash=prev))
        return len(rows)

    def seal_all(self, batch: int = SEAL_BATCH) -> int:
        """Chain everything pending (readers call it: read-your-writes); skips the head lock when nothing waits."""
        self.flush()
        if self.conn.execute(select(audit_pending.c.id).limit(1)).first() is None:
            return 0
        total = 0
        while (n := self.seal(batch)) == batch:
            total += n
        return total + n

    def pending(self) -> int:
        """Events recorded and committed but not yet chained (plus this transaction's own, not yet written)."""
        return len(self._pending) + int(self.conn.execute(select(func.count()).select_from(audit_pending)).scalar_one())

    def head(self) -> tuple[int, str]:
        self.seal_all()
        r = self.conn.execute(select(audit_chain_head.c.last_seq, audit_chain_head.c.last_hash).where(audit_chain_head.c.id == 1)).one()
        return int(r.last_seq), str(r.last_hash)

    def iterate(self, batch: int = 5000, *, through: int | None = None) -> Iterator[ChainedEntry]:
        """The chain in seq order: everything (sealing first), or events 1…`through` as of a head already read (no
        sealing, so no head lock over a long walk; events chained meanwhile are not part of that head's chain)."""
        if through is None:
            self.seal_all()
        last = 0
        while True:
            s = select(audit_events).where(audit_events.c.seq > last)
            if through is not None:
                s = s.where(audit_events.c.seq <= through)
            rows = self.conn.execute(s.order_by(audit_events.c.seq).limit(batch)).all()
            if not rows:
                return
            for r in rows:
                yield _entry(r)
            last = rows[-1].seq

    def count(self) -> int:
        self.seal_all()
        return int(self.conn.execute(select(func.count()).select_from(audit_events)).scalar_one())

    def page(self, q: AuditQuery, *, limit: int, offset: int) -> tuple[list[ChainedEntry], int]:
        self.seal_all()
        s = select(audit_events)
        c = audit_events.c
        if q.actor_login:
            s = s.where(c.actor_login == q.actor_login)
        if q.action:
            s = s.where(c.action == q.action)
        if q.object_kind:
            s = s.where(c.object_kind == q.object_kind)
        if q.object_id:
            s = s.where(c.object_id == q.object_id)
        if q.since:
            s = s.where(c.at >= q.since)
        if q.until:
            s = s.where(c.at < q.until)
        total = self.conn.execute(select(func.count()).select_from(s.subquery())).scalar_one()
        rows = self.conn.execute(s.order_by(c.seq.desc()).limit(limit).offset(offset))
        return [_entry(r) for r in rows], int(total)
