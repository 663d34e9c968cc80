"""Audit events recorded but not yet chained (issue 7, P11; migration 0013; docs/adr/0005-deferred-audit-chaining.md).

A committing transaction writes its events here, in the same transaction as the change they record, without taking
the chain head; the sealer (`AuditRepository.seal`) moves them, oldest id first, into the hash chain `audit_events`.
Part of the one `metadata` of tables.py, which imports this module at its end — import the table from
`mse.adapters.db.tables`, not from here."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, String, Table

from mse.adapters.db.tables import TS, metadata

# The entry columns of `audit_events` without seq / prev_hash / hash, which only the sealer assigns. No index beyond
# the primary key: the table holds about one sealing interval of events and is read by id only.
audit_pending: Table = Table(
    "audit_pending",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", TS, nullable=False),
    Column("actor_user_id", Integer, nullable=True),
    Column("actor_login", String(100), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_kind", String(32), nullable=False),
    Column("object_id", String(64), nullable=True),
    Column("ip", String(64), nullable=True),
    Column("reason", String(500), nullable=True),
    Column("details", JSON, nullable=True),
)
