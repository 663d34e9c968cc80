"""The audit trail: append under the chain-head lock, read in order, page for the auditor.

Events of a transaction are chained when the unit of work commits (`flush`), not when they are recorded: the chain
head is one row every writer must lock (FOR UPDATE on PostgreSQL), so taking it at the first audited read and keeping
it to the end of the request serialised all requests of the country behind each other. Taken at commit, the lock is
held for three statements, and a request with several audited steps chains them in one go. The trail still commits
with the change it records, or not at all (the events are written in the same transaction, before COMMIT).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, func, insert, select, update

from mse.adapters.db.tables import audit_chain_head, audit_events
from mse.domain.audit import AuditEntry, ChainedEntry, chain_hash
from mse.services.ports import AuditQuery


def _entry(r: object) -> ChainedEntry:
    m = r._mapping  # type: ignore[attr-defined]
    e = AuditEntry(m["at"], m["actor_user_id"], m["actor_login"], m["actor_role"], m["action"], m["object_kind"],
                   m["object_id"], m["ip"], m["reason"], m["details"])
    return ChainedEntry(m["seq"], e, m["prev_hash"], m["hash"])


class AuditRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._pending: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> None:
        """Record an event of this transaction; it is chained and written by `flush` (the unit of work's commit)."""
        self._pending.append(entry)

    def discard(self) -> None:
        """The transaction is rolled back: its events go with it."""
        self._pending.clear()

    def flush(self) -> list[ChainedEntry]:
        """Chain and write the pending events under the head lock (FOR UPDATE on PostgreSQL; SQLite has one writer)."""
        if not self._pending:
            return []
        head = self.conn.execute(select(audit_chain_head).where(audit_chain_head.c.id == 1).with_for_update()).one()
        seq, prev, out = head.last_seq, head.last_hash, []
        for entry in self._pending:
            seq += 1
            digest = chain_hash(seq, prev, entry)
            out.append(ChainedEntry(seq, entry, prev, digest))
            prev = digest
        self.conn.execute(insert(audit_events), [{
            "seq": c.seq, "at": c.entry.at, "actor_user_id": c.entry.actor_user_id, "actor_login": c.entry.actor_login,
            "actor_role": c.entry.actor_role, "action": c.entry.action, "object_kind": c.entry.object_kind, "object_id": c.entry.object_id,
            "ip": c.entry.ip, "reason": c.entry.reason, "details": c.entry.details, "prev_hash": c.prev_hash, "hash": c.hash} for c in out])
        self.conn.execute(update(audit_chain_head).where(audit_chain_head.c.id == 1).values(last_seq=seq, last_hash=prev))
        self._pending.clear()
        return out

    def head(self) -> tuple[int, str]:
        self.flush()  # read-your-writes: the trail read in a transaction includes its own events
        r = self.conn.execute(select(audit_chain_head.c.last_seq, audit_chain_head.c.last_hash).where(audit_chain_head.c.id == 1)).one()
        return int(r.last_seq), str(r.last_hash)

    def iterate(self, batch: int = 5000) -> Iterator[ChainedEntry]:
        self.flush()
        last = 0
        while True:
            rows = self.conn.execute(select(audit_events).where(audit_events.c.seq > last).order_by(audit_events.c.seq).limit(batch)).all()
            if not rows:
                return
            for r in rows:
                yield _entry(r)
            last = rows[-1].seq

    def count(self) -> int:
        self.flush()
        return int(self.conn.execute(select(func.count()).select_from(audit_events)).scalar_one())

    def page(self, q: AuditQuery, *, limit: int, offset: int) -> tuple[list[ChainedEntry], int]:
        self.flush()
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
