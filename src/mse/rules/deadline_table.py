"""The deadline table: every term of process.md §4 with a time limit (DL-01 … DL-39), per regime.

Legacy entries are read from the АР (seed 003) and carry its points. The current regime (ПП 588) has no deadline
text in the seeds (process.md §0.2, §10 G-15): its entries carry the АР values over, marked `verified=False`, and
differ only where the spec resolves a conflict for it (C-1: start at registration in ЕАВИИАС МСЭ).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from mse.rules.calendar_terms import TermUnit
from mse.rules.deadline_policy import REGIMES, DeadlineEntry, Obliged, Regime

C, W, WK, M, Y, MIN, SAME = (TermUnit.CALENDAR, TermUnit.WORKING, TermUnit.WEEKS, TermUnit.MONTHS, TermUnit.YEARS,
                              TermUnit.MINUTES, TermUnit.SAME_DAY)
INS, CIT, CMP = Obliged.INSTITUTION, Obliged.CITIZEN, Obliged.COMPLAINANT
_LEGACY = next(r for r in REGIMES if r.regime is Regime.LEGACY)
_CURRENT = next(r for r in REGIMES if r.regime is Regime.CURRENT)
G15 = "Значение из АР; для ПП 588 / приказа 979н срок в сидах не приведён — сверить до ввода (process.md §10 G-15)"
ROLL = "ASSUMPTION: срок гражданина, истекающий в нерабочий день, переносится на рабочий день (ГК РФ ст. 193)"


def _e(id: str, title: str, value: int, unit: TermUnit, start: str, stop: tuple[str, ...], source: str, obliged: Obliged,
       **kw: object) -> DeadlineEntry:
    return DeadlineEntry(id=id, title=title, value=value, unit=unit, start_event=start, stop_events=stop, source=source,
                         regime=Regime.LEGACY, valid_from=_LEGACY.valid_from, valid_to=_LEGACY.valid_to, obliged=obliged,
                         **kw)  # type: ignore[arg-type]


LEGACY: tuple[DeadlineEntry, ...] = (
    # ---- §4.1 service deadlines
    _e("DL-01", "Срок предоставления услуги, включая программу дополнительного обследования", 30, C, "application.filed",
       ("decision.adopted",), "АР п.10", INS, suspend_events=("case.postponed",), timer="SERVICE_30D", conflicts=("C-2",),
       notes="C-2: перенос срока до представления документов (АР п.30) — приостановка не установлена; показываются "
             "и полный, и скорректированный срок"),
    _e("DL-02", "Решение принимается простым большинством голосов", 30, C, "application.filed", ("decision.adopted",),
       "АР п.50", INS, suspend_events=("case.postponed",), conflicts=("C-2",), notes="Тот же 30-дневный срок, что DL-01"),
    _e("DL-03", "Регистрация заявления в журнале входящей документации в день подачи", 0, SAME, "application.filed",
       ("case.registered",), "АР п.10, п.51, п.73, п.88", INS),
    _e("DL-04", "Приглашение на медико-социальную экспертизу", 5, C, "application.filed", ("invitation.sent",), "АР п.11", INS,
       timer="INVITE_5D"),
    _e("DL-05", "Представление недостающих документов", 10, C, "application.filed", ("documents.received",), "АР п.12", CIT,
       roll_to_working_day=True, timer="DOCS_10D", conflicts=("C-13",),
       notes="C-13: «в течение 10 дней календарных дней» — опечатка, читается как 10 календарных дней. " + ROLL),
    _e("DL-06", "Представление направления на бумажном носителе при электронном заявлении", 10, C,
       "application.filed_electronic_paper_referral", ("documents.received",), "АР п.24б", CIT, roll_to_working_day=True,
       timer="PAPER_REFERRAL_10D", notes=ROLL),
    _e("DL-07", "Максимальное время ожидания приёма", 30, MIN, "exam.appointed_time", ("exam.opened",), "АР п.13", INS,
       timer="WAIT_30MIN"),
    _e("DL-08", "Программа дополнительного обследования составляется и утверждается в день освидетельствования", 0, SAME,
       "exam.day", ("pdo.approved",), "АР п.14, п.56", INS),
    _e("DL-09", "Отказ от программы дополнительного обследования — не позднее 5 рабочих дней", 5, W, "pdo.drawn_up",
       ("pdo.refused",), "АР п.15", CIT, timer="PDO_REFUSAL_5WD",
       notes="GAP: последствие пропуска не установлено; ASSUMPTION: отказ принимается с отметкой о просрочке"),
    _e("DL-10", "Заявление о приглашении специалиста с правом совещательного голоса — не позднее дня МСЭ включительно", 0,
       SAME, "exam.day", ("specialist.invited",), "АР п.49", CIT),
    _e("DL-11", "Решение объявляется непосредственно после его принятия", 0, SAME, "decision.adopted",
       ("decision.announced",), "АР п.50", INS),
    _e("DL-12", "Решение и разъяснения при заочной МСЭ направляются гражданину", 3, C, "decision.adopted",
       ("decision.sent",), "АР п.50", INS, unit_stated=False, timer="DISPATCH_ABSENTIA_3D"),
    _e("DL-13", "Информирование о порядке и условиях признания лица инвалидом в день предоставления услуги", 0, SAME,
       "exam.day", ("citizen.informed",), "АР п.54", INS),
    _e("DL-14", "Копия разделов акта — в день подачи заявления", 0, SAME, "copy.requested", ("copy.issued",), "АР п.61", INS),
    _e("DL-15", "Справка о результатах МСЭ — в день обращения", 0, SAME, "certificate.requested", ("certificate.issued",),
       "АР п.63", INS),
    _e("DL-16", "Выписка из акта в орган, осуществляющий пенсионное обеспечение", 3, C, "disability.established",
       ("extract.sent_pension",), "АР п.16, п.64", INS, unit_stated=False, timer="DISPATCH_PENSION_3D"),
    _e("DL-17", "Выписка о степени утраты профессиональной трудоспособности и ПРП — страхователю и (или) страховщику", 3, C,
       "degree.decided", ("extract.sent_employer",), "АР п.17, п.82", INS, unit_stated=False, timer="DISPATCH_EMPLOYER_3D",
       conflicts=("C-5",), notes="C-5: два таймера — выписка ≤3 дней, ПРП составляется до 1 месяца (DL-18) и "
                                 "направляется по готовности"),
    _e("DL-18", "Составление программы реабилитации пострадавшего (ПРП)", 1, M, "degree.decided", ("prp.drawn_up",),
       "АР п.79", INS, timer="DISPATCH_PRP_1M", conflicts=("C-5",), notes="C-5: см. DL-17"),
    _e("DL-19", "Сведения в военный комиссариат о признанных инвалидами военнообязанных и призывного возраста", 2, WK,
       "disability.established", ("military.notified",), "АР п.18, п.66", INS, timer="DISPATCH_MILITARY_2W"),
    _e("DL-20", "Справка о причине смерти инвалида выдаётся или направляется по почте", 3, C, "death_cause.decided",
       ("death_certificate.issued",), "АР п.93", INS, unit_stated=False, timer="DISPATCH_DEATH_3D", conflicts=("C-7",)),
    # ---- §4.2 appeals
    _e("DL-21", "Обжалование решения бюро в главное бюро", 1, M, "decision.announced", ("appeal.filed",), "АР п.105", CIT,
       roll_to_working_day=True, timer="APPEAL_WINDOW_1M",
       notes="Начало срока в АР не указано; ASSUMPTION: объявление (вручение) решения. " + ROLL),
    _e("DL-22", "Бюро направляет заявление об обжаловании со всеми документами в главное бюро", 3, C, "appeal.received",
       ("appeal.forwarded",), "АР п.19, п.105", INS, unit_stated=False, timer="APPEAL_FORWARD_3D"),
    _e("DL-23", "Главное бюро проводит МСЭ по обжалованию и принимает решение", 1, M, "appeal.filed", ("appeal.decided",),
       "АР п.20; АР п.106", INS, alt_start_events=("appeal.received",), timer="APPEAL_DECIDE_1M", conflicts=("C-3",),
       notes="C-3: «со дня подачи» (п.20) или «со дня поступления» (п.106); по умолчанию — со дня подачи (строже)"),
    _e("DL-24", "Обжалование решения главного бюро в Федеральное бюро", 1, M, "appeal_decision.announced",
       ("appeal.filed",), "АР п.108", CIT, roll_to_working_day=True, timer="APPEAL_WINDOW_1M",
       notes="Начало срока не указано; ASSUMPTION: объявление решения главного бюро. " + ROLL),
    _e("DL-25", "Главное бюро направляет заявление со всеми документами в Федеральное бюро", 3, C, "appeal.received",
       ("appeal.forwarded",), "АР п.21", INS, unit_stated=False, timer="APPEAL_FORWARD_3D"),
    _e("DL-26", "Федеральное бюро проводит МСЭ по обжалованию и принимает решение", 1, M, "appeal.filed",
       ("appeal.decided",), "АР п.22; АР п.108", INS, alt_start_events=("appeal.received",), timer="APPEAL_DECIDE_1M",
       conflicts=("C-3",), notes="C-3: по умолчанию — со дня подачи заявления (строже); настраивается"),
    # ---- §4.3 periodicity and windows
    _e("DL-27", "Переосвидетельствование инвалидов I группы — 1 раз в 2 года", 2, Y, "disability.established",
       ("reexam.started",), "АР п.68", INS, timer="REEXAM_DUE"),
    _e("DL-28", "Переосвидетельствование инвалидов II и III групп — 1 раз в год", 1, Y, "disability.established",
       ("reexam.started",), "АР п.68", INS, timer="REEXAM_DUE"),
    _e("DL-30", "Переосвидетельствование заблаговременно — не ранее 2 месяцев до окончания срока инвалидности", 2, M,
       "disability.term_end", ("reexam.started",), "АР п.69", CIT, before=True, timer="REEXAM_DUE",
       notes="Окно открывается за 2 месяца до окончания срока"),
    _e("DL-31/6м", "Переосвидетельствование по степени утраты профессиональной трудоспособности — через 6 месяцев", 6, M,
       "degree.decided", ("reexam.started",), "АР п.84", INS, conflicts=("C-6",),
       notes="Начало — решение о степени (ASSUMPTION); C-6: ссылка АР п.86 на п.81 читается как п.84"),
    _e("DL-31/1г", "Переосвидетельствование по степени утраты профессиональной трудоспособности — через 1 год", 1, Y,
       "degree.decided", ("reexam.started",), "АР п.84", INS, conflicts=("C-6",), notes="Начало — решение о степени (ASSUMPTION)"),
    _e("DL-31/2г", "Переосвидетельствование по степени утраты профессиональной трудоспособности — через 2 года", 2, Y,
       "degree.decided", ("reexam.started",), "АР п.84", INS, conflicts=("C-6",), notes="Начало — решение о степени (ASSUMPTION)"),
    _e("DL-32", "Плановая проверка бюро главным бюро — не реже 1 раза в 3 года", 3, Y, "inspection.held",
       ("inspection.held",), "АР п.98", INS),
    # ---- §4.4 complaints
    _e("DL-34", "Рассмотрение жалобы", 30, C, "complaint.registered", ("complaint.answered",), "АР п.112", INS,
       unit_stated=False, timer="COMPLAINT_30D"),
    _e("DL-35", "Продление рассмотрения жалобы в исключительных случаях (с уведомлением заявителя)", 30, C,
       "complaint.term_expired", ("complaint.answered",), "АР п.112", INS, unit_stated=False, timer="COMPLAINT_30D",
       notes="Не более чем на 30 дней сверх DL-34"),
    _e("DL-36", "Уведомление заявителя жалобы, что доводы без документов не рассматриваются", 5, C, "complaint.registered",
       ("complaint.notified",), "АР п.114", CMP, unit_stated=False),
    _e("DL-37", "Запрос документов или выезд на место по жалобе", 5, C, "complaint.registered",
       ("complaint.documents_requested",), "АР п.114", INS, unit_stated=False),
    _e("DL-38", "Возврат жалобы на решение суда с разъяснением порядка обжалования", 7, C, "complaint.registered",
       ("complaint.returned",), "АР п.117", CMP, unit_stated=False),
    _e("DL-39", "Уведомление о том, что нечитаемая жалоба не подлежит ответу", 7, C, "complaint.registered",
       ("complaint.notified",), "АР п.119", CMP, unit_stated=False),
)

# C-1: under the consent model there is no application; the clock starts at registration in ЕАВИИАС МСЭ.
C1 = ("C-1: в модели согласия заявления нет; начало — регистрация направления в ЕАВИИАС МСЭ (настраивается: дата "
      "согласия, дата регистрации в РЭМД)")
_C1: dict[str, object] = {"start_event": "case.registered", "alt_start_events": ("consent.given", "remd.registered"),
                          "conflicts": ("C-1",), "notes": C1}
_CURRENT_CHANGES: dict[str, dict[str, object]] = {
    "DL-01": {**_C1, "conflicts": ("C-1", "C-2"), "notes": C1 + "; C-2: показываются оба срока"},
    "DL-02": {**_C1, "conflicts": ("C-1", "C-2")},
    "DL-03": {"start_event": "remd.registered", "title": "Регистрация направления в ЕАВИИАС МСЭ в день поступления",
              "notes": "По аналогии с АР п.10 (ASSUMPTION): поступившее направление регистрируется в тот же день"},
    "DL-04": dict(_C1),
    "DL-05": {"start_event": "case.postponed",
              "notes": "ASSUMPTION: заявления нет — срок считается от решения о переносе срока МСЭ. " + ROLL},
}
LEGACY_ONLY = frozenset({"DL-06"})  # the paper referral with an electronic application: no such route under ПП 588


def _carry_over(entry: DeadlineEntry) -> DeadlineEntry:
    changes = _CURRENT_CHANGES.get(entry.id, {})
    notes = str(changes.get("notes", entry.notes))
    return replace(entry, regime=Regime.CURRENT, valid_from=_CURRENT.valid_from, valid_to=_CURRENT.valid_to,
                   verified=False, **{**changes, "notes": f"{notes}. {G15}" if notes else G15})  # type: ignore[arg-type]


CURRENT: tuple[DeadlineEntry, ...] = tuple(_carry_over(e) for e in LEGACY if e.id not in LEGACY_ONLY)
DEADLINES: tuple[DeadlineEntry, ...] = LEGACY + CURRENT


def deadlines_for(regime: Regime) -> list[DeadlineEntry]:
    return [e for e in DEADLINES if e.regime is regime]


def deadlines_in_force(day: date) -> list[DeadlineEntry]:
    return [e for e in DEADLINES if e.in_force_on(day)]


def deadline(id: str, regime: Regime) -> DeadlineEntry:
    for e in DEADLINES:
        if e.id == id and e.regime is regime:
            return e
    raise KeyError(f"{id} ({regime.value})")
