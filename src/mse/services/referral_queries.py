"""Reading referrals: the intake queue, the registration journal, one referral, the quarantine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from mse.domain.errors import Forbidden, NotFound
from mse.domain.identity import STAFF_ROLES, Actor, Role
from mse.domain.policy import Action, Kind, allowed, may_ever
from mse.domain.ports import Clock
from mse.services import audit
from mse.services.access import access_referral
from mse.services.intake_ports import IncomingRecord, QueueQuery, QueueRow, ReferralFilter, ReferralRecord
from mse.services.ports import UnitOfWork


def referral_filter(actor: Actor) -> ReferralFilter:
    """SQL-side twin of POLICY[(REFERRAL, READ)]; the access test keeps them in agreement."""
    if actor.role in STAFF_ROLES:
        return ReferralFilter(unit_path_prefix=actor.scope_path) if actor.scope_path else ReferralFilter(deny_all=True)
    if actor.role is Role.MEDICAL_ORG and actor.medical_org_id is not None:
        return ReferralFilter(sender_org_id=actor.medical_org_id)
    return ReferralFilter(deny_all=True)


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int
    limit: int
    offset: int


def referral_queue(uow: UnitOfWork, actor: Actor, query: QueueQuery, clock: Clock, *, limit: int = 50, offset: int = 0) -> Page[QueueRow]:
    if not may_ever(actor, Kind.REFERRAL, Action.READ):
        raise Forbidden("Нет доступа к направлениям на МСЭ")
    rows, total = uow.intake.queue(query, referral_filter(actor), limit=limit, offset=offset)
    # Names of patients are shown in the list: the read is recorded (criteria names only, never values).
    audit.record(uow, actor, "referral.list", Kind.REFERRAL.value, None, clock,
                 details={"journal": query.journal, "states": [s.value for s in query.states], "text": bool(query.text), "count": len(rows)})
    uow.commit()
    return Page(rows, total, limit, offset)


def queue_counts(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
    return uow.intake.queue_counts(referral_filter(actor)) if may_ever(actor, Kind.REFERRAL, Action.READ) else {}


def read_referral(uow: UnitOfWork, actor: Actor, referral_id: int, clock: Clock) -> ReferralRecord:
    referral = access_referral(uow, actor, referral_id, clock)
    uow.commit()
    return referral


def quarantine_page(uow: UnitOfWork, actor: Actor, clock: Clock, *, limit: int = 50, offset: int = 0) -> Page[IncomingRecord]:
    if not allowed(actor, Kind.QUARANTINE, Action.READ):
        raise Forbidden("Карантин доступен регистратору и руководителю бюро")
    rows, total = uow.intake.quarantine(limit=limit, offset=offset)
    audit.record(uow, actor, "quarantine.list", Kind.QUARANTINE.value, None, clock, details={"count": len(rows)})
    uow.commit()
    return Page(rows, total, limit, offset)


def quarantined_file(uow: UnitOfWork, actor: Actor, incoming_id: int, clock: Clock) -> tuple[IncomingRecord, bytes, bytes | None]:
    if not allowed(actor, Kind.QUARANTINE, Action.READ):
        raise Forbidden("Карантин доступен регистратору и руководителю бюро")
    record = uow.intake.incoming(incoming_id)
    body = uow.intake.incoming_body(incoming_id)
    if record is None or body is None or record.status != "quarantined":
        raise NotFound("incoming_document", "Документ в карантине не найден")
    audit.record(uow, actor, "quarantine.read", Kind.QUARANTINE.value, incoming_id, clock)
    uow.commit()
    return record, body[0], body[1]


def return_notice(uow: UnitOfWork, actor: Actor, referral_id: int, clock: Clock) -> tuple[bytes, bytes | None]:
    access_referral(uow, actor, referral_id, clock)
    notice = uow.intake.return_notice(referral_id)
    if notice is None:
        raise NotFound("return_notice", "Уведомление о возврате для этого направления не формировалось")
    uow.commit()
    return notice
