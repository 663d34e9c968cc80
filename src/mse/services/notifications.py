"""Notifications to the citizen (invitation, return, postponement, decision, documents, appeal, deadline change).

Every notification is an outbox message written in the caller's transaction (topic `notify.<channel>`, recipient
`email` / `sms` / `epgu`), delivered once by the worker (jobs/worker.py routes `email` to SMTP, `sms` to the SMS
gateway, `epgu` to the portal over HTTP), and a row of `notifications` for the case history with the address masked.
Channels (process.md §7.5): e-mail "if any" (адм. регламент п.24б, п.53), telephone, ЕПГУ personal account (§7.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mse.domain.errors import NotFound
from mse.domain.identity import Actor
from mse.domain.ports import Clock
from mse.services import audit
from mse.services.delivery_ports import DeliveryResult
from mse.services.notification_texts import TEXTS, render
from mse.services.ports import UnitOfWork
from mse.services.scheduling_ports import CaseInfo, NotificationRecord

CHANNELS = ("email", "sms", "epgu")
CHANNEL_LABELS = {"email": "электронная почта", "sms": "SMS", "epgu": "личный кабинет на ЕПГУ"}
EVENT_LABELS = {
    "invitation": "приглашение на МСЭ", "return": "возврат направления", "postponement": "перенос срока проведения МСЭ",
    "decision": "решение принято", "documents_ready": "документы оформлены", "appeal_accepted": "заявление об обжаловании принято",
    "deadline_change": "изменение срока", "escalation": "просрочка срока — руководителю",
    "pdo_assigned": "программа дополнительного обследования", "terminated": "прекращение производства по делу",
    "reexam_reminder": "напоминание о переосвидетельствовании", "control_exam": "контрольное освидетельствование",
}
# process.md §7.4: the status the citizen sees in the personal account after each event.
EPGU_STATUS = {
    "invitation": "Приглашение на освидетельствование", "return": "Направление возвращено в медицинскую организацию",
    "postponement": "Требуется представить документы (перенос срока)", "decision": "Решение принято",
    "documents_ready": "Документы оформлены / направлены", "appeal_accepted": "Жалоба направлена в главное бюро",
    "deadline_change": "Изменён срок", "pdo_assigned": "Назначена программа дополнительного обследования",
    "terminated": "Производство по делу прекращено", "reexam_reminder": "Приближается срок переосвидетельствования",
    "control_exam": "Решение на контроле вышестоящего бюро",
}
CASE_NOT_FOUND = "Дело не найдено или у вас нет доступа к нему"


@dataclass(frozen=True)
class Notice:
    """What one channel delivers: the outbox message id is its idempotency key (Message-ID, Idempotency-Key)."""

    message_id: int
    address: str
    subject: str
    body: str


class NotificationChannel(Protocol):
    """The one port of every notification channel (adapters/delivery/smtp.py, sms.py)."""

    def deliver(self, notice: Notice) -> DeliveryResult: ...


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:2]}***@{domain}" if domain else "***"


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"***-**-{digits[-2:]}" if len(digits) >= 2 else "***"


def mask(channel: str, address: str | None) -> str | None:
    if not address:
        return None
    return mask_email(address) if channel == "email" else mask_phone(address) if channel == "sms" else address


def in_tree(actor: Actor, unit_path: str) -> bool:
    return bool(actor.scope_path) and unit_path.startswith(actor.scope_path)


def send(uow: UnitOfWork, actor: Actor, case: CaseInfo, event: str, context: dict[str, str], clock: Clock, *,
         email: str | None, phone: str | None, epgu: bool = True) -> list[int]:
    """Write the notification of `event` to every channel with an address; returns the outbox ids. No commit."""
    if event not in TEXTS:
        raise ValueError(f"unknown notification event {event!r}")
    subject, body, sms = render(event, {"case_number": case.number, "bureau_name": case.unit_name, **context})
    now = clock.now()
    targets: list[tuple[str, str | None, dict[str, object]]] = []
    if email:
        targets.append(("email", email, {"to": email, "subject": subject, "body": body}))
    if phone:
        targets.append(("sms", phone, {"to": phone, "text": sms}))
    if epgu and case.person_id is not None and event in EPGU_STATUS:
        # The portal gets a status event for the citizen's account (§7.3, §7.4), not the letter itself.
        targets.append(("epgu", None, {"case_number": case.number, "status": EPGU_STATUS[event], "text": sms}))
    ids: list[int] = []
    for channel, address, payload in targets:
        outbox_id = uow.outbox.enqueue(f"notify.{channel}", "case", case.id, {"event": event, "case_id": case.id, **payload},
                                       now, recipient=channel)
        uow.notices.add_notification(case_id=case.id, event=event, channel=channel, address_masked=mask(channel, address),
                                     outbox_id=outbox_id, now=now, by=actor.user_id)
        ids.append(outbox_id)
    audit.record(uow, actor, "notification.create", "case", case.id, clock,
                 details={"event": event, "channels": [t[0] for t in targets]})
    return ids


def notify_case(uow: UnitOfWork, actor: Actor, case_id: int, event: str, clock: Clock, **context: str) -> list[int]:
    """The notification of `event` to the person of the case, over each channel they gave an address for. No commit.

    For the life-cycle and decision services: `notify_case(uow, actor, case_id, "return", clock, reason="…")`."""
    case = uow.scheduling.case_info(case_id)
    if case is None:
        raise NotFound("case", CASE_NOT_FOUND)
    contact = uow.scheduling.contact(case.person_id) if case.person_id is not None else None
    ctx = {"full_name": contact.full_name if contact else "гражданин", "reason": "", "details": "", **context}
    return send(uow, actor, case, event, ctx, clock, email=contact.email if contact else None,
                phone=contact.phone if contact else None)


def history(uow: UnitOfWork, actor: Actor, case_id: int, clock: Clock) -> list[NotificationRecord]:
    """The notifications of a case for its history (staff of the case's part of the tree)."""
    case = uow.scheduling.case_info(case_id)
    if case is None or not in_tree(actor, case.unit_path):
        raise NotFound("case", CASE_NOT_FOUND)
    rows = uow.notices.notifications_of(case_id)
    audit.record(uow, actor, "notification.list", "case", case_id, clock, details={"count": len(rows)})
    return rows
