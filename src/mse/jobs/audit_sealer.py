"""The audit sealer: chains the events requests recorded unchained (issue 7, P11; docs/adr/0005-deferred-audit-chaining.md).

A daemon thread of `mse serve` (MSE_AUDIT_SEALER, on by default; a pass every MSE_AUDIT_SEAL_INTERVAL seconds when
idle, at once while batches come full). Any number of sealers may run against one PostgreSQL — one per node: the chain
head lock serialises them, and each pass commits on its own. `mse audit seal` does the same once, from the shell;
readers of the trail (the auditor's page, `mse audit verify`) seal what is pending before they read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from mse.adapters.db.engine import make_engine
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.jobs.worker import BackgroundWorker, repeat_until
from mse.services import audit
from mse.services.ports import UnitOfWork
from mse.settings import Settings

log = structlog.get_logger("mse.jobs.audit_sealer")


@dataclass
class AuditSealer:
    uow_factory: Callable[[], UnitOfWork]
    batch: int = audit.SEAL_BATCH

    def run_once(self) -> int:
        """One batch in one transaction; returns how many events were chained."""
        with self.uow_factory() as uow:
            return audit.seal(uow, limit=self.batch)

    def run(self, stop: threading.Event, interval: float) -> None:
        """Until `stop` is set: a full batch goes straight on to the next, otherwise wait `interval` seconds."""
        repeat_until(stop, interval, lambda: self.run_once() >= self.batch, failed="audit.seal_failed")


def start_sealer(settings: Settings) -> Callable[[], None]:
    """The sealer in a daemon thread of this process (`mse serve`); returns stop (a last pass is left to the next
    start or to any reader of the trail: pending events are committed rows, nothing is lost on shutdown)."""
    engine = make_engine(settings.database_url)
    sealer = AuditSealer(lambda: SqlAlchemyUnitOfWork(engine))
    stop_event = threading.Event()
    thread = threading.Thread(target=sealer.run, args=(stop_event, settings.audit_seal_interval), name="mse-audit-sealer",
                              daemon=True)
    thread.start()
    background = BackgroundWorker(thread, stop_event)

    def stop() -> None:
        background.stop()
        engine.dispose()

    return stop
