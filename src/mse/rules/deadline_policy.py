"""Deadlines of process.md §4 as dated policy: regimes, entries, due dates and elapsed time with suspensions.

process.md §0.2: every deadline is stored with its regime (policy version), effective dates and source; a case is
stamped with the regime in force at its registration (`regime_on`). The values come from the АР (the only source of
numeric service deadlines in the seeds); the current regime (ПП 588) carries them over unverified (§10 G-15).
The entries themselves are in `deadline_table.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from mse.domain.case_model import CURRENT_REGIME_FROM  # one boundary for the case stamp and the deadline table
from mse.domain.periods import in_force
from mse.domain.ports import WorkingCalendar
from mse.rules.calendar_terms import Due, TermUnit, days_text, due, plural, term_text
from mse.rules.criteria.dates import add_months


class Regime(StrEnum):
    LEGACY = "legacy"  # АР (ПП 95 от 20.02.2006): заявление гражданина, бумажное направление 088/у-06
    CURRENT = "current"  # ПП 588 от 05.04.2022: электронное направление МО с согласием гражданина (process.md §0.2)


@dataclass(frozen=True)
class RegimePeriod:
    regime: Regime
    title: str
    valid_from: date
    valid_to: date | None
    source: str
    verified: bool  # False: the boundary date is recalled, not read in the seeds (tag K)


REGIMES: tuple[RegimePeriod, ...] = (
    RegimePeriod(Regime.LEGACY, "Административный регламент МСЭ (ПП РФ № 95 от 20.02.2006)", date(2006, 2, 20),
                 CURRENT_REGIME_FROM - timedelta(days=1),
                 "process.md §0.2; ПП 95 от 20.02.2006 [K — дата начала по памяти]", verified=False),
    RegimePeriod(Regime.CURRENT, "ПП РФ № 588 от 05.04.2022 «О признании лица инвалидом»", CURRENT_REGIME_FROM, None,
                 "process.md §0.2; DIGI (ПП 588); вступление в силу 01.07.2022 [K — по памяти, сверить]", verified=False),
)


def regime_period(day: date) -> RegimePeriod:
    for period in REGIMES:
        if in_force(period.valid_from, period.valid_to, day):
            return period
    raise ValueError(f"на {day:%d.%m.%Y} нет действующего порядка проведения МСЭ в таблице режимов")


def regime_on(day: date) -> Regime:
    """The regime in force on ``day`` — stamp it on the case at registration (process.md §0.2)."""
    return regime_period(day).regime


class Obliged(StrEnum):
    INSTITUTION = "institution"  # учреждение МСЭ (бюро, главное бюро, Федеральное бюро)
    CITIZEN = "citizen"  # получатель услуги / законный представитель
    COMPLAINANT = "complainant"  # заявитель жалобы (сроки — учреждения, уведомляется заявитель)


# process.md §0.3 ASSUMPTION: "N-дневный срок" without a unit is read as calendar days (strictest for the institution).
UNSTATED_DAYS_UNIT = TermUnit.CALENDAR


@dataclass(frozen=True)
class DeadlineEntry:
    id: str  # DL-01 …; a variant of one point carries a suffix (DL-31/6м)
    title: str
    value: int
    unit: TermUnit
    start_event: str  # event names: EVENTS below
    stop_events: tuple[str, ...]
    source: str  # «АР п.10»
    regime: Regime
    valid_from: date
    valid_to: date | None
    obliged: Obliged
    suspend_events: tuple[str, ...] = ()
    unit_stated: bool = True  # False: «N-дневный срок» — computed as `unstated_as` (§0.3 ASSUMPTION)
    unstated_as: TermUnit = UNSTATED_DAYS_UNIT
    roll_to_working_day: bool = False  # ГК РФ ст. 193: only where the entry says so
    before: bool = False  # the term counts back from the start event (DL-30: window opens 2 months before)
    alt_start_events: tuple[str, ...] = ()  # configurable alternatives (C-1, C-3)
    timer: str | None = None  # process.md §3.7
    conflicts: tuple[str, ...] = ()  # C-1 …
    notes: str = ""  # the resolution process.md §10 gives, assumptions, gaps
    verified: bool = True  # False: the value is not confirmed for this regime (G-15) or rests on a K fact

    def in_force_on(self, day: date) -> bool:
        return in_force(self.valid_from, self.valid_to, day)

    @property
    def effective_unit(self) -> TermUnit:
        return self.unit if self.unit_stated else self.unstated_as

    def with_unstated_as(self, unit: TermUnit) -> DeadlineEntry:
        """The same entry with «N дней» read as ``unit`` (the configurable part of §0.3)."""
        return self if self.unit_stated else replace(self, unstated_as=unit)

    def limit_text(self) -> str:
        if self.unit is TermUnit.SAME_DAY:
            return "в тот же день"
        text = term_text(self.value, self.effective_unit)
        return text if self.unit_stated else f"{self.value} {plural(self.value, ('день', 'дня', 'дней'))} " \
                                             f"(единица не указана; считается: {text})"

    def compute(self, start: date, calendar: WorkingCalendar) -> Due:
        unit = self.effective_unit
        if self.before:
            end = add_months(start, -self.value) if unit is TermUnit.MONTHS else start - timedelta(days=self.value)
            return Due(start, self.value, unit, end, f"−{term_text(self.value, unit)} от {start:%d.%m.%Y} → не ранее "
                                                     f"{end:%d.%m.%Y}")
        result = due(start, self.value, unit, calendar, roll_to_working_day=self.roll_to_working_day)
        if self.unit_stated:
            return result
        return replace(result, explanation=f"{result.explanation} (единица срока в источнике не указана — "
                                           f"{'календарные' if unit is TermUnit.CALENDAR else 'рабочие'} дни, process.md §0.3)")


@dataclass(frozen=True)
class Suspension:
    """A pause of a clock: the decision to postpone MSE until documents arrive (АР п.30–31; process.md §3.8, C-2).

    ASSUMPTION (C-2): the days d with ``start < d ≤ end`` are paused — the day of the postponement still counts, the
    day the documents arrive does not; an open suspension (``end`` None) runs up to today.
    """

    start: date
    end: date | None = None


@dataclass(frozen=True)
class Elapsed:
    start: date
    today: date
    raw_days: int
    suspended_days: int
    adjusted_days: int
    paused: tuple[date, ...]
    explanation: str


def elapsed(start: date, today: date, suspensions: tuple[Suspension, ...] | list[Suspension] = ()) -> Elapsed:
    """Days since ``start`` (day 0), raw and without the paused days — process.md C-2: report both."""
    raw = max((today - start).days, 0)
    paused: set[date] = set()
    for s in suspensions:
        end = min(s.end or today, today)
        day = max(s.start, start) + timedelta(days=1)
        while day <= end:
            paused.add(day)
            day += timedelta(days=1)
    days = tuple(sorted(paused))
    adjusted = raw - len(days)
    text = f"с {start:%d.%m.%Y} по {today:%d.%m.%Y} прошло {raw} {plural(raw, ('день', 'дня', 'дней'))}"
    if days:
        text += (f"; без перерыва на перенос срока ({days_text(days, start.year)}, {len(days)} "
                 f"{plural(len(days), ('день', 'дня', 'дней'))}) — {adjusted} (process.md C-2: показаны оба значения)")
    return Elapsed(start, today, raw, len(days), adjusted, days, text)


# Event vocabulary of the start/stop/suspend columns: name → Russian label (transition ids of process.md §3.5).
EVENTS: dict[str, str] = {
    "application.filed": "подача заявления о проведении МСЭ (T02)",
    "application.filed_electronic_paper_referral": "подача электронного заявления при направлении на бумаге (T02)",
    "case.registered": "регистрация направления (заявления) в ЕАВИИАС МСЭ (T08)",
    "consent.given": "согласие гражданина на направление на МСЭ (ПП 588 п.17)",
    "remd.registered": "регистрация направления в РЭМД ЕГИСЗ",
    "case.postponed": "решение о переносе срока проведения МСЭ до представления документов (T11)",
    "documents.received": "представление недостающих документов (T12)",
    "invitation.sent": "направление приглашения на МСЭ (T14)",
    "exam.appointed_time": "назначенное время приёма (T16)",
    "exam.day": "день проведения МСЭ (T16)",
    "exam.opened": "начало приёма (T16)",
    "citizen.informed": "информирование о порядке и условиях признания инвалидом (T16)",
    "specialist.invited": "заявление о приглашении специалиста с правом совещательного голоса",
    "pdo.drawn_up": "составление программы дополнительного обследования (T17)",
    "pdo.approved": "утверждение ПДО руководителем (T17)",
    "pdo.refused": "отказ от программы дополнительного обследования (T21)",
    "decision.adopted": "принятие решения (T23)",
    "decision.announced": "объявление решения гражданину (T23)",
    "decision.sent": "направление решения при заочной МСЭ (T24)",
    "disability.established": "установление инвалидности (T23)",
    "extract.sent_pension": "направление выписки в орган, осуществляющий пенсионное обеспечение (T24)",
    "degree.decided": "решение о степени утраты профессиональной трудоспособности (T23)",
    "extract.sent_employer": "направление выписки и ПРП страхователю / страховщику (T24)",
    "prp.drawn_up": "составление программы реабилитации пострадавшего (T24)",
    "military.notified": "сведения направлены в военный комиссариат (T24)",
    "death_cause.decided": "решение о причине смерти (T23)",
    "death_certificate.issued": "выдача (направление) справки о причине смерти (T24)",
    "copy.requested": "заявление о выдаче копии разделов акта",
    "copy.issued": "выдача копии разделов акта",
    "certificate.requested": "обращение за справкой о результатах МСЭ",
    "certificate.issued": "выдача справки о результатах МСЭ",
    "appeal.filed": "подача заявления об обжаловании (T30)",
    "appeal.received": "поступление заявления об обжаловании (T30, T32)",
    "appeal.forwarded": "направление заявления со всеми документами в вышестоящее бюро (T31)",
    "appeal.decided": "решение вышестоящего бюро по обжалованию (T27, T28)",
    "appeal_decision.announced": "объявление решения главного бюро (T23 главного бюро)",
    "reexam.started": "начало переосвидетельствования (T37)",
    "disability.term_end": "окончание срока, на который установлена инвалидность (T37)",
    "inspection.held": "плановая проверка бюро главным бюро (T35)",
    "complaint.registered": "регистрация жалобы (§3.6.7)",
    "complaint.term_expired": "истечение 30-дневного срока рассмотрения жалобы",
    "complaint.answered": "ответ на жалобу",
    "complaint.notified": "уведомление заявителя жалобы",
    "complaint.documents_requested": "запрос документов / выезд на место по жалобе",
    "complaint.returned": "возврат жалобы с разъяснением порядка обжалования",
}

# process.md §4: points with no fixed term to compute (not entries of the table).
NO_FIXED_TERM: dict[str, str] = {
    "DL-29": "Переосвидетельствование ребенка-инвалида — один раз в течение срока категории (АР п.68): срок равен "
             "сроку категории, вычисляется из решения (rules/decision_terms.py)",
    "DL-33": "Срок целевой реабилитационной группы равен сроку группы инвалидности / категории (ПП 771 к ПП 588 п.3, DIGI)",
}
