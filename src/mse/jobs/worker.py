"""The delivery worker: claims due outbox rows, sends them to the recipients, records outcomes, sleeps, repeats.

Any number of workers may run against one PostgreSQL (claims use SKIP LOCKED); on SQLite the claim transaction is
serialised by the database lock. A worker killed mid-delivery loses nothing: its lease expires and the message is
sent again with the same Idempotency-Key. Run it as `mse outbox deliver`, or inside `mse serve` with
MSE_DELIVERY_WORKER=true (a daemon thread), or in the demo (`mse run`) next to the demonstration receiver.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import structlog
from sqlalchemy import Engine

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.delivery.composite import CompositeTransport
from mse.adapters.delivery.http import HttpDelivery
from mse.adapters.delivery.sms import SmsGatewayChannel
from mse.adapters.delivery.smtp import SmtpChannel
from mse.domain.ports import Clock, SystemClock
from mse.services.delivery import DEFAULT_POLICY, DeliveryCounts, DeliveryPolicy, UowFactory, deliver_due
from mse.services.delivery_ports import Transport
from mse.services.notifications import NotificationChannel
from mse.settings import Settings, get_settings

log = structlog.get_logger("mse.jobs.worker")


@dataclass
class DeliveryWorker:
    uow_factory: UowFactory
    transport: Transport
    clock: Clock = field(default_factory=SystemClock)
    limit: int = 20
    policy: DeliveryPolicy = DEFAULT_POLICY

    def run_once(self) -> DeliveryCounts:
        """One pass, silent (the caller reports: `mse outbox deliver --once` prints its own summary)."""
        return deliver_due(self.uow_factory, self.transport, self.clock, limit=self.limit, policy=self.policy)

    def run(self, stop: threading.Event, interval: float) -> None:
        """Until `stop` is set: a full batch goes straight on to the next pass, otherwise wait `interval` seconds."""
        def step() -> bool:
            counts = self.run_once()
            if counts.claimed:
                # Counts only: errors may quote a recipient's answer, and messages carry personal data.
                log.info("outbox.pass", **counts.as_dict())
            return counts.claimed >= self.limit
        repeat_until(stop, interval, step, failed="outbox.pass_failed")


def repeat_until(stop: threading.Event, interval: float, step: Callable[[], bool], *, failed: str) -> None:
    """A background job's loop: `step()` True (a full batch) goes straight on, False waits `interval` seconds; a failure
    is logged by its type only and waited out (the database may be restarting) — the loop never dies."""
    while not stop.is_set():
        try:
            busy = step()
        except Exception as exc:
            log.warning(failed, error=type(exc).__name__)
            busy = False
        if not busy:
            stop.wait(interval)


def notification_channels(settings: Settings, timeout: float = 10.0) -> dict[str, NotificationChannel]:
    """E-mail over SMTP and SMS through the gateway (issue 6); the portal stays on the HTTP transport."""
    return {"email": SmtpChannel(settings.smtp_host, settings.smtp_port, settings.smtp_from, timeout=timeout,
                                 starttls=settings.smtp_starttls),
            "sms": SmsGatewayChannel(settings.sms_gateway_url, timeout=timeout)}


def build_worker(engine: Engine, endpoints: Mapping[str, str], *, timeout: float = 10.0, max_attempts: int = 8,
                 limit: int = 20, clock: Clock | None = None, channels: Mapping[str, NotificationChannel] | None = None,
                 ) -> tuple[DeliveryWorker, CompositeTransport]:
    """The worker wired to the database and a real transport: HTTP to the state systems, SMTP and the SMS gateway for
    notifications (`channels`; from MSE_SMTP_* / MSE_SMS_GATEWAY_URL when not given). Close the transport when done."""
    chosen = channels if channels is not None else notification_channels(get_settings(), timeout)
    transport = CompositeTransport(HttpDelivery(endpoints, timeout), chosen)
    policy = DeliveryPolicy(max_attempts=max_attempts)
    worker = DeliveryWorker(lambda: SqlAlchemyUnitOfWork(engine), transport, clock or SystemClock(), limit, policy)
    return worker, transport


@dataclass
class BackgroundWorker:
    thread: threading.Thread
    stop_event: threading.Event

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)


def start_background(worker: DeliveryWorker, interval: float, name: str = "mse-outbox-worker") -> BackgroundWorker:
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop, interval), name=name, daemon=True)
    thread.start()
    return BackgroundWorker(thread, stop)
