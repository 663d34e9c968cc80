"""Reading the audit trail in tests: events are chained by the sealer after commit (ADR 0005), so a test that looks
at `audit_events` directly seals what is pending first — as every reader of the trail in the application does."""

from __future__ import annotations

from sqlalchemy import Engine

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.services import audit


def seal(engine: Engine) -> int:
    """Chain every committed event still pending; returns how many."""
    return audit.seal_pending(lambda: SqlAlchemyUnitOfWork(engine))
