"""Results out: deliver due outbox messages, list them for the people who answer for them, resend dead letters.

The terms the law sets for sending are carried on each row (`due_on`, `deadline`): the extract to the pension
body (СФР) within 3 days of the decision (адм. регламент п.16, п.64 — DL-16), the information to the military
commissariat within 2 weeks (п.18, п.66 — DL-19); sending the results to the МО has no term in the acts (GAP,
process.md §4), so those rows carry none and are never shown as late.

Delivery runs in three steps so that no transaction stays open over the network: claim (one short transaction,
with a lease), send (no transaction), record the outcome (one short transaction per message).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from mse.domain.errors import Conflict, Forbidden, NotFound
from mse.domain.identity import SYSTEM_ACTOR, Actor, Role
from mse.domain.policy import Action, Kind, Scope, allowed, may_ever
from mse.domain.ports import MOSCOW, Clock
from mse.services import audit
from mse.services.case_completion import RESULT_TOPICS, complete_if_dispatched
from mse.services.delivery_labels import RECIPIENT_LABELS, STATUS_LABELS, recipient_label, topic_label
from mse.services.delivery_ports import (
    DeliveryResult,
    DeliveryStatus,
    MessageQuery,
    MessageRow,
    OutboundMessage,
    Outcome,
    Transport,
)
from mse.services.ports import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
MESSAGE_NOT_FOUND = "Сообщение не найдено или у вас нет доступа к нему"
CASE_NOT_FOUND = "Дело не найдено или у вас нет доступа к нему"
NO_ACCESS = ("Сведения об отправке результатов доступны руководителю бюро, экспертам главного и Федерального бюро "
             "и администратору")

__all__ = ["RECIPIENT_LABELS", "STATUS_LABELS", "DeliveryCounts", "DeliveryPolicy", "MessageView", "MessagesPage",
           "deliver_due", "may_view_deliveries", "messages", "messages_for_case", "retry"]


# ---------------------------------------------------------------------------------------------- delivering

@dataclass(frozen=True)
class DeliveryPolicy:
    """Retries: exponential backoff (30 s, 1 min, 2 min … capped at 1 h) with a deterministic jitter of up to
    `jitter` of the delay taken off, derived from the message id — so workers restarted together do not retry
    in lock-step, and a test can compute every moment exactly."""

    max_attempts: int = 8
    base_delay: timedelta = timedelta(seconds=30)
    factor: int = 2
    max_delay: timedelta = timedelta(hours=1)
    jitter: float = 0.2
    lease: timedelta = timedelta(minutes=5)  # longer than a batch of sends (limit × transport timeout)

    def backoff(self, message_id: int, attempts: int) -> timedelta:
        raw: timedelta = self.base_delay * int(self.factor ** min(max(0, attempts - 1), 24))  # 30 s × 2^24 ≫ any cap
        delay = min(raw, self.max_delay)
        fraction = ((message_id * 2654435761) % 2**32) / 2**32  # Knuth's multiplicative hash: spread, repeatable
        return delay - delay * (self.jitter * fraction)


DEFAULT_POLICY = DeliveryPolicy()


@dataclass
class DeliveryCounts:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    skipped: int = 0  # the lease ran out before the send: left for the next claim
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"claimed": self.claimed, "delivered": self.delivered, "retrying": self.retrying, "dead": self.dead,
                "skipped": self.skipped}


def _send(transport: Transport, message: OutboundMessage) -> DeliveryResult:
    try:
        return transport.send(message)
    except Exception as exc:  # a fault in one message must not stop the others; BaseException (a kill) does stop
        return DeliveryResult(Outcome.RETRYABLE, error=f"внутренняя ошибка при отправке: {type(exc).__name__}")


def _record(uow: UnitOfWork, message: OutboundMessage, result: DeliveryResult, clock: Clock, policy: DeliveryPolicy,
            counts: DeliveryCounts) -> None:
    now = clock.now()
    if result.outcome is Outcome.DELIVERED:
        if uow.outbox.mark_delivered(message.id, now):
            # 152-ФЗ: handing personal data to another operator is itself processing — kept in the trail with the
            # recipient's receipt (the outbox table has no column for it).
            audit.record(uow, SYSTEM_ACTOR, "outbox.delivered", Kind.OUTBOX.value, message.id, clock, details={
                "topic": message.topic, "recipient": message.recipient, "aggregate": message.aggregate,
                "aggregate_id": message.aggregate_id, "attempts": message.attempts, "receipt": result.receipt,
                "status_code": result.status_code})
            if message.aggregate == "case" and message.topic.startswith(RESULT_TOPICS):
                complete_if_dispatched(uow, message.aggregate_id, clock)
        counts.delivered += 1
        return
    error = result.error or "причина не указана"
    dead = result.outcome is Outcome.PERMANENT or message.attempts >= policy.max_attempts
    if dead and result.outcome is Outcome.RETRYABLE:
        error = f"{error}; попыток: {message.attempts} — отправка остановлена"
    uow.outbox.mark_failed(message.id, now, next_available_at=now + policy.backoff(message.id, message.attempts),
                           error=error, dead=dead)
    counts.errors.append(f"№{message.id}: {error}")
    if dead:
        counts.dead += 1
    else:
        counts.retrying += 1


def deliver_due(uow_factory: UowFactory, transport: Transport, clock: Clock, *, limit: int = 20,
                policy: DeliveryPolicy = DEFAULT_POLICY) -> DeliveryCounts:
    """One pass of the worker: claim up to `limit` due messages, send each, record each outcome."""
    counts = DeliveryCounts()
    with uow_factory() as uow:
        claimed = uow.outbox.claim_due(clock.now(), limit, policy.lease)
        uow.commit()
    counts.claimed = len(claimed)
    for message in claimed:
        if message.claimed_until is not None and clock.now() >= message.claimed_until:
            counts.skipped += 1  # another worker may hold it by now; sending it here would only duplicate
            continue
        result = _send(transport, message)
        with uow_factory() as uow:
            _record(uow, message, result, clock, policy, counts)
            uow.commit()
    return counts


# ---------------------------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class MessageView:
    """What a person may see of a message: metadata and labels, never the payload."""

    row: MessageRow
    topic_label: str
    recipient_label: str
    status_label: str
    late: bool  # the legal term has passed and it is still not delivered
    delivered_late: bool  # delivered, but after the term
    may_retry: bool

    def __getattr__(self, name: str) -> object:  # templates read row fields directly (m.id, m.due_on…)
        if name == "row":
            raise AttributeError(name)
        return getattr(self.row, name)


def _moscow_day(moment: datetime) -> date:
    return moment.astimezone(MOSCOW).date()


def _view(actor: Actor, row: MessageRow, today: date) -> MessageView:
    delivered = row.status is DeliveryStatus.DELIVERED
    return MessageView(
        row=row, topic_label=topic_label(row.topic), recipient_label=recipient_label(row.recipient),
        status_label=STATUS_LABELS[row.status],
        late=row.due_on is not None and not delivered and row.due_on < today,
        delivered_late=row.due_on is not None and row.delivered_at is not None and _moscow_day(row.delivered_at) > row.due_on,
        may_retry=row.status is DeliveryStatus.DEAD and allowed(actor, Kind.OUTBOX, Action.UPDATE, Scope(unit_path=row.unit_path)),
    )


def may_view_deliveries(actor: Actor) -> bool:
    """Whether the role sees deliveries at all (hide the menu item / the block of a case page otherwise)."""
    return may_ever(actor, Kind.OUTBOX, Action.READ)


def _scope_prefix(actor: Actor) -> str | None:
    """SQL-side twin of POLICY[(OUTBOX, READ)]: the administrator sees all rows, staff their subtree."""
    if not may_view_deliveries(actor):
        raise Forbidden(NO_ACCESS)
    return None if actor.role is Role.ADMIN else actor.scope_path


@dataclass(frozen=True)
class MessagesPage:
    rows: list[MessageView]
    total: int
    counts: dict[DeliveryStatus, int]
    late: int
    limit: int
    offset: int


def messages(uow: UnitOfWork, actor: Actor, clock: Clock, *, status: DeliveryStatus | None = None,
             recipient: str | None = None, aggregate: str | None = None, aggregate_id: int | None = None,
             late_only: bool = False, limit: int = 50, offset: int = 0) -> MessagesPage:
    """The «Отправка результатов» list of the actor's part of the tree (all of it for the administrator)."""
    today = clock.today()
    query = MessageQuery(status=status, recipient=recipient, aggregate=aggregate, aggregate_id=aggregate_id,
                         late_on=today if late_only else None, unit_path_prefix=_scope_prefix(actor))
    rows, total = uow.outbox.page(query, limit=limit, offset=offset)
    counts = uow.outbox.counts(MessageQuery(recipient=recipient, aggregate=aggregate, aggregate_id=aggregate_id,
                                            unit_path_prefix=query.unit_path_prefix))
    late = uow.outbox.count_late(query, today)
    audit.record(uow, actor, "outbox.list", Kind.OUTBOX.value, None, clock, details={
        "filters": sorted(k for k, v in (("status", status), ("recipient", recipient), ("aggregate", aggregate),
                                         ("aggregate_id", aggregate_id), ("late", late_only)) if v),
        "count": len(rows), "offset": offset})
    uow.commit()
    return MessagesPage([_view(actor, r, today) for r in rows], total, counts, late, limit, offset)


def messages_for_case(uow: UnitOfWork, actor: Actor, case_id: int, clock: Clock) -> list[MessageView]:
    """Every message about one case, oldest first (the block «Отправка результатов» of the decision page)."""
    if not may_view_deliveries(actor):
        raise Forbidden(NO_ACCESS)
    unit_path = uow.outbox.case_unit_path(case_id)
    if unit_path is None:
        raise NotFound("case", CASE_NOT_FOUND)
    if not allowed(actor, Kind.OUTBOX, Action.READ, Scope(unit_path=unit_path)):
        audit.record(uow, actor, "outbox.list.denied", "case", case_id, clock)
        uow.commit()
        raise NotFound("case", CASE_NOT_FOUND)
    rows, _ = uow.outbox.page(MessageQuery(aggregate="case", aggregate_id=case_id), limit=500, offset=0)
    audit.record(uow, actor, "outbox.list", "case", case_id, clock, details={"count": len(rows)})
    uow.commit()
    today = clock.today()
    return [_view(actor, r, today) for r in sorted(rows, key=lambda r: r.id)]


def retry(uow: UnitOfWork, actor: Actor, message_id: int, clock: Clock) -> MessageView:
    """A dead letter goes back to the queue with a fresh attempt budget (after the cause has been fixed)."""
    if not may_ever(actor, Kind.OUTBOX, Action.UPDATE):
        raise Forbidden("Повторить отправку может руководитель бюро, эксперт главного или Федерального бюро или администратор")
    row = uow.outbox.get(message_id)
    if row is None:
        raise NotFound("outbox_message", MESSAGE_NOT_FOUND)
    if not allowed(actor, Kind.OUTBOX, Action.UPDATE, Scope(unit_path=row.unit_path)):
        audit.record(uow, actor, "outbox.retry.denied", Kind.OUTBOX.value, message_id, clock)
        uow.commit()
        raise NotFound("outbox_message", MESSAGE_NOT_FOUND)
    if row.status is not DeliveryStatus.DEAD or not uow.outbox.revive(message_id, clock.now()):
        raise Conflict("outbox_not_dead", "Повторить можно только сообщение, отправка которого остановлена "
                                          f"(сейчас: «{STATUS_LABELS[row.status]}»)")
    audit.record(uow, actor, "outbox.retry", Kind.OUTBOX.value, message_id, clock,
                 details={"topic": row.topic, "recipient": row.recipient, "attempts_before": row.attempts})
    revived = uow.outbox.get(message_id)
    uow.commit()
    assert revived is not None
    return _view(actor, revived, clock.today())
