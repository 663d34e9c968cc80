"""Deadlines that start at registration of a referral, as dated entries with citations.

Calendar days only here; the working-day calendar and the full deadline table belong to the case
life-cycle (issue 6). process.md §10 C-1: in the consent-based e-referral model the clocks start at
registration in ЕАВИИАС МСЭ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mse.domain.periods import in_force
from mse.domain.referrals import Priority


@dataclass(frozen=True)
class Deadline:
    id: str
    days: int
    title: str
    citation: str
    valid_from: date
    valid_to: date | None = None

    def in_force_on(self, day: date) -> bool:
        return in_force(self.valid_from, self.valid_to, day)

    def due(self, start: date) -> date:
        return start + timedelta(days=self.days)


REGULATION_START = date(2013, 1, 1)  # административный регламент (приказ Минтруда № 59н), AR in process.md

INTAKE_DEADLINES: tuple[Deadline, ...] = (
    Deadline("DL-04", 5, "Приглашение на медико-социальную экспертизу — не позднее 5 календарных дней", "AR п. 11", REGULATION_START),
    Deadline("DL-01", 30, "Срок предоставления услуги — не более 30 календарных дней", "AR п. 10", REGULATION_START),
)


@dataclass(frozen=True)
class PriorityRule:
    """How a priority category is handled (EREF s.20: «алгоритмы … включающих расстановку приоритетов»).

    ``weight`` orders the intake queue (higher first). ``shorten_to_days`` is a shortened decision term; the seeds
    set none for any category (process.md §3.6.1, R11), so it stays None until an act in force names one —
    then it is a new dated entry here, not new code.
    """

    priority: Priority
    weight: int
    citation: str
    valid_from: date
    shorten_to_days: int | None = None
    valid_to: date | None = None

    def in_force_on(self, day: date) -> bool:
        return in_force(self.valid_from, self.valid_to, day)


EREF_PRIORITY = "ФБ МСЭ «Электронное направление на МСЭ», слайд 20 (региональное соглашение, приоритеты)"

PRIORITY_RULES: tuple[PriorityRule, ...] = (
    PriorityRule(Priority.PALLIATIVE, 8, EREF_PRIORITY + "; 088/у п. 3", date(2022, 1, 1)),
    PriorityRule(Priority.PROSTHETICS, 4, EREF_PRIORITY + "; 088/у п. 4", date(2022, 1, 1)),
    PriorityRule(Priority.SICK_LEAVE, 2, EREF_PRIORITY + "; 088/у п. 26.1", date(2022, 1, 1)),
    # Not an EREF category: МСЭ at home needs a visit to be planned, so it is surfaced early in the queue.
    PriorityRule(Priority.HOME_VISIT, 1, "088/у п. 2 (МСЭ на дому); порядок очереди — решение проекта", date(2022, 1, 1)),
)


def priority_rank(priorities: list[Priority], on: date) -> int:
    return sum(r.weight for r in PRIORITY_RULES if r.priority in priorities and r.in_force_on(on))


def decision_term_days(priorities: list[Priority], on: date, default: int) -> int:
    shortened = [r.shorten_to_days for r in PRIORITY_RULES if r.priority in priorities and r.in_force_on(on) and r.shorten_to_days]
    return min([default, *shortened])


def intake_due_dates(start: date, priorities: list[Priority]) -> dict[str, date]:
    """Deadline id → due date for a case registered on ``start``; a priority may shorten the decision term (DL-01)."""
    due: dict[str, date] = {}
    for d in INTAKE_DEADLINES:
        if d.in_force_on(start):
            days = decision_term_days(priorities, start, d.days) if d.id == "DL-01" else d.days
            due[d.id] = start + timedelta(days=days)
    return due
