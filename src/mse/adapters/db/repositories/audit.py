"""The audit trail: append under the chain-head lock, read in order, page for the auditor."""

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

    def append(self, entry: AuditEntry) -> ChainedEntry:
        # FOR UPDATE serialises writers on PostgreSQL (ignored by SQLite, which has one writer).
        head = self.conn.execute(select(audit_chain_head).where(audit_chain_head.c.id == 1).with_for_update()).one()
        seq = head.last_seq + 1
        digest = chain_hash(seq, head.last_hash, entry)
        self.conn.execute(insert(audit_events).values(
            seq=seq, at=entry.at, actor_user_id=entry.actor_user_id, actor_login=entry.actor_login,
            actor_role=entry.actor_role, action=entry.action, object_kind=entry.object_kind, object_id=entry.object_id,
            ip=entry.ip, reason=entry.reason, details=entry.details, prev_hash=head.last_hash, hash=digest,
        ))
        self.conn.execute(update(audit_chain_head).where(audit_chain_head.c.id == 1).values(last_seq=seq, last_hash=digest))
        return ChainedEntry(seq, entry, head.last_hash, digest)

    def head(self) -> tuple[int, str]:
        r = self.conn.execute(select(audit_chain_head.c.last_seq, audit_chain_head.c.last_hash).where(audit_chain_head.c.id == 1)).one()
        return int(r.last_seq), str(r.last_hash)

    def iterate(self, batch: int = 5000) -> Iterator[ChainedEntry]:
        last = 0
        while True:
            rows = self.conn.execute(select(audit_events).where(audit_events.c.seq > last).order_by(audit_events.c.seq).limit(batch)).all()
            if not rows:
                return
            for r in rows:
                yield _entry(r)
            last = rows[-1].seq

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(audit_events)).scalar_one())

    def page(self, q: AuditQuery, *, limit: int, offset: int) -> tuple[list[ChainedEntry], int]:
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
