"""The citizen's notification that follows a transition whose effects include `notify("citizen")` (process.md §3.5, §7.4).

One place says which notification each such transition writes, so nothing the applicant must know of is left to a
caller's memory: `cases.transition_in` calls `after_transition` in the same transaction as the state change. The
invitation is the exception: it carries the date, time and place, which only the booking knows, so scheduling writes it
(`scheduling.schedule` / `reschedule`, T14/T15); T12 («документы представлены») leads to the booking page.
A test checks that every transition notifying the citizen is mapped here or named as delegated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mse.domain.case_model import CaseFacts, Effect, Transition
from mse.domain.identity import Actor
from mse.domain.ports import Clock
from mse.rules.intake import reason_titles
from mse.services import notifications
from mse.services.ports import UnitOfWork

CITIZEN = Effect("notify", "citizen")


@dataclass(frozen=True)
class NoticeRule:
    event: str  # the notification (notification_texts.TEXTS key)
    details: str = ""  # a fixed line for the letter; facts-dependent text is added by _context


# transition event → the notification written to the citizen.
CITIZEN_NOTICES: dict[str, NoticeRule] = {
    "returned_to_mo": NoticeRule("return"),  # T10, process.md §6.5 (ASSUMPTION: the citizen is told too)
    "postponed": NoticeRule("postponement"),  # T11, АР п.30–31
    "documents_overdue": NoticeRule("deadline_change", "срок представления документов истёк"),  # T13, АР п.29
    "pdo_assigned": NoticeRule("pdo_assigned"),  # T17, АР п.14–15, п.56
    "decision_adopted": NoticeRule("decision"),  # T23, АР п.50 (объявляется сразу)
    "completed": NoticeRule("documents_ready"),  # T25, АР п.16–18, п.62–66
    "upheld": NoticeRule("decision", "Вышестоящее бюро подтвердило решение."),  # T27, АР п.20, п.22
    "superseded": NoticeRule("decision", "Вышестоящее бюро изменило (отменило) решение."),  # T28, АР п.99, п.109
    "appeal_forwarded": NoticeRule("appeal_accepted", "главное бюро медико-социальной экспертизы"),  # T31, АР п.19, п.105
    "upper_decision_received": NoticeRule("decision", "Решение принято вышестоящим бюро."),  # T39, АР п.7
    "terminated": NoticeRule("terminated"),  # T40, process.md §6.8 (GAP G-7)
    "reexam_reminder_sent": NoticeRule("reexam_reminder"),  # T43, АР п.68–69
    "control_reexam_requested": NoticeRule("control_exam"),  # T46, АР п.99, 316н п.4б
}
# Transitions that notify the citizen through the service that owns the facts of the letter.
DELEGATED: dict[str, str] = {
    "scheduled": "приглашение пишет запись на МСЭ (дата, время, место): scheduling.schedule",
    "rescheduled": "новое приглашение пишет перенос записи: scheduling.reschedule",
    "documents_supplied": "приглашение пишет запись на МСЭ после представления документов: scheduling.schedule",
}


def _context(t: Transition, rule: NoticeRule, facts: CaseFacts, documents_due: date | None) -> dict[str, str]:
    reason = (facts.reason or "").strip()
    details = rule.details
    if t.event == "returned_to_mo" and facts.return_reasons:
        reason = "; ".join(reason_titles(facts.return_reasons)) + (f". {reason}" if reason else "")
    if t.event == "postponed":
        listed = "; ".join(facts.missing_documents) or "документы, указанные в решении бюро"
        due = f" в срок до {documents_due:%d.%m.%Y}" if documents_due else ""
        details = f"Необходимо представить{due}: {listed}."
    if t.event == "pdo_assigned":
        details = "; ".join(facts.pdo_items) or "перечень обследований — в программе, выданной бюро"
    return {"reason": reason or "не указана", "details": details}


def after_transition(uow: UnitOfWork, actor: Actor, case_id: int, t: Transition, facts: CaseFacts, clock: Clock, *,
                     documents_due: date | None = None) -> list[int]:
    """Write the citizen's notification of `t` (no commit); returns the outbox ids (none if not applicable)."""
    if CITIZEN not in t.effects or t.event in DELEGATED:
        return []
    rule = CITIZEN_NOTICES[t.event]
    return notifications.notify_case(uow, actor, case_id, rule.event, clock, **_context(t, rule, facts, documents_due))
