"""Audit events recorded but not yet chained (issue 7, P11; migration 0013; docs/adr/0005-deferred-audit-chaining.md).

A committing transaction writes its events here, in the same transaction as the change they record, without taking
the chain head; the sealer (`AuditRepository.seal`) moves them, oldest id first, into the hash chain `audit_events`.
Part of the one `metadata` of tables.py, which imports this module at its end — import the table from
`mse.adapters.db.tables`, not from here."""

from __future__ import annotations

from sqlalchemy import Column, Integer, Table

from mse.adapters.db.tables import audit_events, metadata

CHAIN_COLUMNS = frozenset({"seq", "prev_hash", "hash"})  # assigned by the sealer only

# The entry columns of `audit_events` without seq / prev_hash / hash, derived from it so the two never drift apart. No
# index beyond the primary key: the table holds about one sealing interval of events and is read by id only.
audit_pending: Table = Table(
    "audit_pending",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *(Column(c.name, c.type, nullable=c.nullable) for c in audit_events.c if c.name not in CHAIN_COLUMNS),
)
