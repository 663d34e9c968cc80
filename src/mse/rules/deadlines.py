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


@dataclass(frozen=True)
class ResultRoute:
    """Where a result of MSE goes, which documents it carries and by when (process.md §4, §5.1).

    ``days`` None = the seeds set no term (process.md §4 "GAP list": sending results to the MO, to ФРИ); the message is
    still sent at once and shown without a due date. ``unit`` is literal: "календарных дней" where the act says so, and
    "N-дневный срок" without a unit is read as calendar days (process.md §0.3 ASSUMPTION, strictest reading).
    """

    recipient: str
    topic: str
    documents: tuple[tuple[str, str], ...]  # (kind, format) sent, if issued
    days: int | None
    unit: str
    title: str
    citation: str
    valid_from: date
    requires_disability: bool = False
    only_military: bool = False
    valid_to: date | None = None

    def in_force_on(self, day: date) -> bool:
        return in_force(self.valid_from, self.valid_to, day)

    def due(self, decided_on: date) -> date | None:
        return None if self.days is None else decided_on + timedelta(days=self.days)

    def explain(self, decided_on: date) -> str:
        due = self.due(decided_on)
        if due is None:
            return f"{self.title}: срок в нормативных актах не установлен ({self.citation})"
        return f"{self.title}: {self.days} {self.unit} от {decided_on:%d.%m.%Y} → до {due:%d.%m.%Y} ({self.citation})"


RESULT_ROUTES: tuple[ResultRoute, ...] = (
    ResultRoute("mo", "result.mo", (("semd_results", "xml"),), None, "", "Сведения о результатах МСЭ в медицинскую организацию",
                "ФБ МСЭ «Электронное направление на МСЭ» (EREF); срок — GAP, process.md §4", date(2022, 1, 1)),
    ResultRoute("sfr", "result.sfr", (("extract_sfr", "json"),), 3, "календарных дня",
                "Выписка из акта в орган, осуществляющий пенсионное обеспечение (СФР)",
                "АР п.16, п.64 («в 3-дневный срок»; единица не указана — календарные дни, process.md §0.3)", REGULATION_START,
                requires_disability=True),
    ResultRoute("fri", "result.fri", (("act", "json"), ("ipra", "json")), None, "",
                "Сведения об инвалидности и ИПРА в ФГИС ФРИ", "ФЗ-181 ст.5.1; срок в сидах не установлен (GAP)", REGULATION_START,
                requires_disability=True),
    ResultRoute("military", "result.military", (("extract_sfr", "json"),), 14, "календарных дней (2 недели)",
                "Сведения в военный комиссариат о гражданине, состоящем на воинском учёте или призывного возраста",
                "АР п.18, п.66 («в двухнедельный срок»)", REGULATION_START, requires_disability=True, only_military=True),
    ResultRoute("epgu", "result.epgu", (("certificate", "json"), ("ipra", "json")), None, "",
                "Решение и документы в личный кабинет гражданина на ЕПГУ",
                "ПП 588 п.17–19 (ЕПГУ с 01.02.2023); срок в сидах не установлен, кроме заочной МСЭ — АР п.50", date(2023, 2, 1)),
)


def result_routes(decided_on: date, *, disability: bool, military: bool) -> list[ResultRoute]:
    return [r for r in RESULT_ROUTES if r.in_force_on(decided_on) and (disability or not r.requires_disability)
            and (military or not r.only_military)]
