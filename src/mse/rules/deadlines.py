"""Deadlines that start at registration of a referral, as dated entries with citations.

Calendar days only here; the working-day calendar and the full deadline table belong to the case
life-cycle (issue 6). process.md §10 C-1: in the consent-based e-referral model the clocks start at
registration in ЕАВИИАС МСЭ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Deadline:
    id: str
    days: int
    title: str
    citation: str
    valid_from: date
    valid_to: date | None = None

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def due(self, start: date) -> date:
        return start + timedelta(days=self.days)


REGULATION_START = date(2013, 1, 1)  # административный регламент (приказ Минтруда № 59н), AR in process.md

INTAKE_DEADLINES: tuple[Deadline, ...] = (
    Deadline("DL-04", 5, "Приглашение на медико-социальную экспертизу — не позднее 5 календарных дней", "AR п. 11", REGULATION_START),
    Deadline("DL-01", 30, "Срок предоставления услуги — не более 30 календарных дней", "AR п. 10", REGULATION_START),
)
