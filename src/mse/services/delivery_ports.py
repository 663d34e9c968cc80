"""Outbound delivery: what the delivery services need from storage and from the transport.

The outbox row is written in the same transaction as the change it announces (DESIGN.md §5 "Outbound");
a worker claims due rows, hands each to a `Transport` (adapters/delivery/http.py: real HTTP to the state
systems) and records the outcome. Implemented by adapters/db/repositories/outbox.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for (another) attempt
    DELIVERED = "delivered"  # the recipient acknowledged it (2xx)
    DEAD = "dead"  # given up: rejected by the recipient or out of attempts; a person decides (retry)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRYABLE = "retryable"  # 408/429/5xx, timeouts, connection errors, no address configured
    PERMANENT = "permanent"  # other 4xx: sending the same message again cannot help


# Who receives what (process.md §4, §5.1). The topic prefix names the recipient for rows written before
# migration 0005 added the `recipient` column ("mo.return_notice" -> "mo", "result.sfr" -> "sfr").
RECIPIENTS = ("mo", "sfr", "fri", "military", "epgu", "foms")


def recipient_of(topic: str, recipient: str | None = None) -> str:
    if recipient:
        return recipient
    head, _, tail = topic.partition(".")
    return tail.split(".")[0] if head == "result" and tail else head


@dataclass(frozen=True)
class OutboundMessage:
    """One claimed row, as the transport sees it. `attempts` counts this attempt too."""

    id: int
    topic: str
    recipient: str
    aggregate: str
    aggregate_id: int
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    claimed_until: datetime | None = None


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    receipt: str | None = None  # the recipient's id for what it received, when it gives one
    error: str | None = None  # Russian, for the operator (never payload contents)
    status_code: int | None = None


class Transport(Protocol):
    def send(self, message: OutboundMessage) -> DeliveryResult: ...


@dataclass(frozen=True)
class MessageRow:
    """Metadata of one outbox row for lists: never the payload (it carries personal and health data)."""

    id: int
    topic: str
    recipient: str
    aggregate: str
    aggregate_id: int
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    available_at: datetime
    due_on: date | None
    deadline: str | None
    last_error: str | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    unit_path: str | None  # where the case / referral lives in the institution tree (for the policy)
    reference: str | None  # the case number / referral registration number, for the operator


@dataclass(frozen=True)
class MessageQuery:
    status: DeliveryStatus | None = None
    recipient: str | None = None
    aggregate: str | None = None
    aggregate_id: int | None = None
    late_on: date | None = None  # only undelivered rows whose due date is before this day
    unit_path_prefix: str | None = None  # None: every row (the administrator's metadata view)


class OutboxRepo(Protocol):
    def enqueue(self, topic: str, aggregate: str, aggregate_id: int, payload: dict[str, Any], now: datetime,
                recipient: str | None = None, due_on: date | None = None, deadline: str | None = None) -> int: ...
    def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[OutboundMessage]: ...
    def mark_delivered(self, message_id: int, now: datetime) -> bool: ...
    def mark_failed(self, message_id: int, now: datetime, *, next_available_at: datetime, error: str, dead: bool) -> bool: ...
    def revive(self, message_id: int, now: datetime) -> bool: ...
    def undelivered_count(self, aggregate: str, aggregate_id: int, topic_prefix: str) -> int: ...
    def get(self, message_id: int) -> MessageRow | None: ...
    def page(self, query: MessageQuery, *, limit: int, offset: int) -> tuple[list[MessageRow], int]: ...
    def counts(self, query: MessageQuery) -> dict[DeliveryStatus, int]: ...
    def count_late(self, query: MessageQuery, today: date) -> int: ...
    def case_unit_path(self, case_id: int) -> str | None: ...
