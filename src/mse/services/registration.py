"""The registrar's decisions on a received referral: register it (a case opens) or return it to the МО.

Both enter the referral in the incoming-documents journal on the day of the decision (AR p.10;
EREF «Регистрация в ЕАВИИАС МСЭ»): the return is a post-registration outcome (process.md T08–T10),
so a returned referral has a registration number too. The journal number and date become the
number and date of the protocol (389н п.1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from mse.domain.errors import Conflict, FieldProblem, Forbidden, ValidationFailed
from mse.domain.identity import Actor
from mse.domain.policy import Action, Kind, Scope, allowed, may_ever
from mse.domain.ports import Clock
from mse.domain.referrals import Priority, ReferralState, ReturnReason
from mse.domain.signatures import DocumentSigner
from mse.rules.deadlines import intake_due_dates, priority_rank
from mse.rules.intake import RETURN_REASON_IDS, RULES_BY_ID
from mse.services import audit
from mse.services.access import access_referral
from mse.services.intake_ports import ReferralRecord
from mse.services.ports import UnitOfWork


class ReturnNoticeBuilder(Protocol):
    """Builds the notice (СЭМД «Уведомление о причинах возврата направления на МСЭ в МО» ред.2 structure)."""

    def build(self, referral: ReferralRecord, reasons: list[ReturnReason], *, number: str, on: date, bureau_name: str) -> bytes: ...


@dataclass(frozen=True)
class Decision:
    referral_id: int
    state: ReferralState
    registration_number: str
    registration_date: date
    case_id: int
    due_invitation: date | None = None
    due_decision: date | None = None


def register_referral(uow: UnitOfWork, actor: Actor, referral_id: int, clock: Clock) -> Decision:
    referral = _for_decision(uow, actor, referral_id, clock)
    today = clock.today()
    number = _next_number(uow, referral, today)
    priorities = [Priority(p) for p in referral.priorities]
    due = intake_due_dates(today, priorities)
    person_id = uow.people.snils_taken(referral.patient_snils) if referral.patient_snils else None
    case_id = uow.intake.add_case(
        number=number, registered_on=today, bureau_id=referral.bureau_id, person_id=person_id, state="registered",
        channel=referral.channel, purposes=[str(p) for p in referral.data.get("purposes", []) or []],
        priority_rank=priority_rank(priorities, today), due_invitation=due.get("DL-04"), due_decision=due.get("DL-01"),
        now=clock.now(), actor_user_id=actor.user_id or None, reason="Зарегистрировано по электронному направлению; сведения проверены")
    _decide(uow, referral, ReferralState.ACCEPTED, actor, clock, number, case_id)
    audit.record(uow, actor, "referral.register", Kind.REFERRAL.value, referral_id, clock, details={"number": number, "case_id": case_id})
    uow.commit()
    return Decision(referral_id, ReferralState.ACCEPTED, number, today, case_id, due.get("DL-04"), due.get("DL-01"))


def return_referral(uow: UnitOfWork, actor: Actor, referral_id: int, reasons: list[ReturnReason], clock: Clock, *,
                    notices: ReturnNoticeBuilder, signer: DocumentSigner | None) -> Decision:
    problems = check_reasons(reasons)
    if problems:
        raise ValidationFailed(problems, "Укажите причины возврата")
    referral = _for_decision(uow, actor, referral_id, clock)
    today = clock.today()
    number = _next_number(uow, referral, today)
    case_id = uow.intake.add_case(
        number=number, registered_on=today, bureau_id=referral.bureau_id, person_id=None, state="returned_to_mo",
        channel=referral.channel, purposes=[str(p) for p in referral.data.get("purposes", []) or []], priority_rank=0,
        due_invitation=None, due_decision=None, now=clock.now(), actor_user_id=actor.user_id or None,
        reason="Возвращено в медицинскую организацию: " + ", ".join(r.code for r in reasons))
    bureau = uow.orgs.get_unit(referral.bureau_id)
    notice = notices.build(referral, reasons, number=number, on=today, bureau_name=bureau.name if bureau else "")
    signature = signer.sign(notice) if signer is not None else None
    reason_rows = [{"code": r.code, "title": RULES_BY_ID[r.code].title, "text": r.text.strip()} for r in reasons]
    uow.intake.add_return(referral_id=referral_id, reasons=reason_rows, notice=notice, signature=signature, now=clock.now(),
                          by=actor.user_id or None)
    _decide(uow, referral, ReferralState.RETURNED, actor, clock, number, case_id)
    payload = {"referral_id": referral_id, "document_id": referral.document_id, "registration_number": number,
               "registration_date": today.isoformat(), "reasons": [{"code": r["code"], "text": r["text"]} for r in reason_rows],
               "notice_sha256": hashlib.sha256(notice).hexdigest(), "signed": signature is not None}
    # EREF s.28: the return goes to the МО through РЭМД and ФОМС is informed (format: process.md §10 G-14).
    uow.intake.enqueue(topic="mo.return_notice", aggregate="referral", aggregate_id=referral_id, payload=payload, now=clock.now())
    uow.intake.enqueue(topic="foms.return_notice", aggregate="referral", aggregate_id=referral_id, now=clock.now(),
                       payload={k: payload[k] for k in ("referral_id", "registration_number", "registration_date", "reasons")})
    audit.record(uow, actor, "referral.return", Kind.REFERRAL.value, referral_id, clock,
                 details={"number": number, "reasons": [r.code for r in reasons]})
    uow.commit()
    return Decision(referral_id, ReferralState.RETURNED, number, today, case_id)


def check_reasons(reasons: list[ReturnReason]) -> list[FieldProblem]:
    if not reasons:
        return [FieldProblem("reasons", "Отметьте хотя бы одну причину возврата", "required")]
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for i, r in enumerate(reasons):
        if r.code not in RETURN_REASON_IDS:
            problems.append(FieldProblem(f"reasons.{i}.code", f"Неизвестная причина возврата «{r.code}»; допустимы {', '.join(RETURN_REASON_IDS)}"))
        elif r.code in seen:
            problems.append(FieldProblem(f"reasons.{i}.code", f"Причина {r.code} указана дважды"))
        seen.add(r.code)
        if not r.text.strip():
            problems.append(FieldProblem(f"reasons.{i}.text", "Поясните причину возврата (EREF: каждая причина — с пояснением)", "required"))
        elif len(r.text) > 2000:
            problems.append(FieldProblem(f"reasons.{i}.text", "Пояснение — не длиннее 2000 символов", "too_long"))
    return problems


def suggested_reasons(referral: ReferralRecord) -> list[ReturnReason]:
    """The content-check findings as editable Russian wording for the return form."""
    out: list[ReturnReason] = []
    for f in referral.checks.get("findings", []):
        if f.get("stage") == "content":
            details = "; ".join(f.get("details") or [])
            out.append(ReturnReason(f["rule_id"], f"{f['message']}{': ' + details if details else ''}"))
    return out


def _for_decision(uow: UnitOfWork, actor: Actor, referral_id: int, clock: Clock) -> ReferralRecord:
    if not may_ever(actor, Kind.REFERRAL, Action.UPDATE):
        raise Forbidden("Регистрировать и возвращать направления может регистратор, специалист или руководитель бюро")
    referral = access_referral(uow, actor, referral_id, clock)
    if not allowed(actor, Kind.REFERRAL, Action.UPDATE, Scope(unit_path=referral.bureau_path)):
        raise Forbidden("Направление поступило в другое бюро")
    if referral.state is not ReferralState.RECEIVED:
        raise Conflict("referral_already_decided", f"Направление уже обработано: {referral.state.value}")
    return referral


def _next_number(uow: UnitOfWork, referral: ReferralRecord, today: date) -> str:
    seq = uow.intake.next_registration_number(referral.bureau_id, today.year)
    return f"{referral.bureau_id}-{seq:06d}/{today.year}"


def _decide(uow: UnitOfWork, referral: ReferralRecord, state: ReferralState, actor: Actor, clock: Clock, number: str, case_id: int) -> None:
    changed = uow.intake.set_decided(referral.id, state=state, now=clock.now(), by=actor.user_id or None, registration_number=number,
                                     registration_date=clock.today(), case_id=case_id)
    if not changed:  # a concurrent registrar decided first
        raise Conflict("referral_already_decided", "Направление уже обработано другим сотрудником")


