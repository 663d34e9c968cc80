"""The vocabulary of the case life-cycle (process.md §3): states, forms of conducting, the facts guards look at,
the named guards themselves, effects and the shape of one transition. The table is in `case_transitions.py`,
the engine (`fire`) in `case_lifecycle.py`. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, Literal

from mse.domain.identity import Role


class State(StrEnum):
    """process.md §3.3. Values are the strings stored in `cases.state` (intake writes "registered", "returned_to_mo")."""

    RECEIVED = "received"
    NOT_ACCEPTED = "not_accepted"
    REGISTERED = "registered"
    CONTENT_CHECK = "content_check"
    RETURNED_TO_MO = "returned_to_mo"
    AWAITING_DOCUMENTS = "awaiting_documents"
    SCHEDULED = "scheduled"
    IN_EXPERTISE = "in_expertise"
    ADDITIONAL_EXAM = "additional_exam"
    ADDITIONAL_EXAM_CONSULTATION = "additional_exam_consultation"  # §3.3 `ADDITIONAL_EXAM.CONSULTATION`
    TRANSFERRED_UP = "transferred_up"
    DECIDED = "decided"
    DOCUMENTS_ISSUING = "documents_issuing"
    COMPLETED = "completed"
    UNDER_APPEAL = "under_appeal"
    UNDER_CONTROL = "under_control"
    SUPERSEDED = "superseded"
    TERMINATED = "terminated"
    APPEAL_AT_ORIGIN = "appeal_at_origin"
    FORWARDED_UP = "forwarded_up"


STATE_LABELS: dict[State, str] = {
    State.RECEIVED: "Поступило (направление / заявление)",
    State.NOT_ACCEPTED: "Не принято / отказ в приеме документов",
    State.REGISTERED: "Зарегистрировано",
    State.CONTENT_CHECK: "Проверка сведений направления",
    State.RETURNED_TO_MO: "Возвращено в медицинскую организацию с указанием причин",
    State.AWAITING_DOCUMENTS: "Перенос срока проведения МСЭ до представления всех необходимых документов",
    State.SCHEDULED: "Приглашение на освидетельствование направлено",
    State.IN_EXPERTISE: "Проведение МСЭ",
    State.ADDITIONAL_EXAM: "Выполнение программы дополнительного обследования",
    State.ADDITIONAL_EXAM_CONSULTATION: "Консультация главного бюро / Федерального бюро",
    State.TRANSFERRED_UP: "Направлено в главное бюро / Федеральное бюро",
    State.DECIDED: "Решение принято и объявлено",
    State.DOCUMENTS_ISSUING: "Оформление, выдача и направление документов",
    State.COMPLETED: "Завершено",
    State.UNDER_APPEAL: "Решение обжалуется",
    State.UNDER_CONTROL: "Решение на контроле вышестоящего бюро",
    State.SUPERSEDED: "Решение изменено",
    State.TERMINATED: "Прекращено",
    State.APPEAL_AT_ORIGIN: "Заявление об обжаловании поступило в бюро, принявшее решение",
    State.FORWARDED_UP: "Заявление об обжаловании направлено в главное бюро (Федеральное бюро)",
}

# §3.3 "Terminal?" = yes. COMPLETED is quasi-terminal (appeal and control may reopen it), so it is not here.
TERMINAL: frozenset[State] = frozenset({State.NOT_ACCEPTED, State.RETURNED_TO_MO, State.SUPERSEDED, State.TERMINATED})


class Form(StrEnum):
    """Forms of conducting, process.md §3.2 (`form_of_conducting`)."""

    AT_BUREAU = "at_bureau"
    AT_HOME = "at_home"
    IN_HOSPITAL = "in_hospital"
    AT_LOCATION = "at_location"
    IN_ABSENTIA = "in_absentia"
    DEPERSONALISED = "depersonalised"
    REMOTE_ICT = "remote_ict"
    DOCUMENTARY = "documentary"


FORM_LABELS: dict[Form, str] = {
    Form.AT_BUREAU: "в бюро (с личным присутствием)",
    Form.AT_HOME: "на дому",
    Form.IN_HOSPITAL: "в стационаре, где гражданин находится на лечении",
    Form.AT_LOCATION: "с личным присутствием, с выездом к гражданину по месту его нахождения",
    Form.IN_ABSENTIA: "заочно / без личного присутствия гражданина",
    Form.DEPERSONALISED: "без личного присутствия, без доступа к персональным данным гражданина",
    Form.REMOTE_ICT: "дистанционно с применением информационно-коммуникационных технологий",
    Form.DOCUMENTARY: "по документам",
}


class Purpose(StrEnum):
    """What the case is for (process.md §2.1 `purpose`), as far as the life-cycle guards need it."""

    DISABILITY = "disability"
    PROF_CAPACITY = "prof_capacity"
    DEATH_CAUSE = "death_cause"
    APPEAL = "appeal"
    CONTROL_REEXAM = "control_reexam"
    CONSULTATION = "consultation"


# §3.2: which purposes each form may serve. REMOTE_ICT never for a first-level MSE (316н п.3–4);
# IN_ABSENTIA not for PROF_CAPACITY (AR p.78, C-8); DOCUMENTARY only for the cause of death (AR p.90).
FORM_PURPOSES: dict[Form, frozenset[Purpose]] = {
    Form.AT_BUREAU: frozenset(Purpose),
    Form.AT_HOME: frozenset({Purpose.DISABILITY, Purpose.PROF_CAPACITY}),
    Form.IN_HOSPITAL: frozenset({Purpose.DISABILITY, Purpose.PROF_CAPACITY}),
    Form.AT_LOCATION: frozenset({Purpose.DISABILITY}),
    Form.IN_ABSENTIA: frozenset({Purpose.DISABILITY}),
    Form.DEPERSONALISED: frozenset({Purpose.DISABILITY}),
    Form.REMOTE_ICT: frozenset({Purpose.APPEAL, Purpose.CONTROL_REEXAM, Purpose.CONSULTATION}),
    Form.DOCUMENTARY: frozenset({Purpose.DEATH_CAUSE}),
}

# process.md §0.2: the regime a case is stamped with. ПП 588 of 05.04.2022 applies from 01.07.2022.
# Until the calendar helper's `regime_on(day)` (rules/deadline_policy.py) is wired, this is the rule.
CURRENT_REGIME_FROM = date(2022, 7, 1)


def regime_for(registered_on: date) -> Literal["legacy", "current"]:
    return "current" if registered_on >= CURRENT_REGIME_FROM else "legacy"


# G-7: the seeds give no termination grounds; these placeholder codes are NOT verified against any act.
TERMINATION_REASONS: dict[str, str] = {
    "withdrawn": "Отзыв заявления (согласия) гражданином",
    "death": "Смерть гражданина",
    "moved": "Смена места жительства (передача по компетенции)",
    "other": "Иное основание (указать)",
}
TERMINATION_REASONS_VERIFIED = False

# process.md §6.5: return reasons RR1–RR5 (EREF «Регистрация в ЕАВИИАС МСЭ»).
RETURN_REASONS = ("RR1", "RR2", "RR3", "RR4", "RR5")

SYSTEM: Final = "system"
"""The integration / timer party of process.md §1.4 (`SYSTEM`): never a person's role."""

Party = Role | Literal["system"]


@dataclass(frozen=True)
class CaseFacts:
    """What the guards and the citizen status look at. The service fills what it knows from storage
    (has_referral, upper level, purposes…) and takes the rest from the caller (a decision service, a form)."""

    reason: str | None = None  # the free-text «why» of the actor
    reason_code: str | None = None  # e.g. a termination code, a non-acceptance code (NA1–NA4)
    purpose: Purpose = Purpose.DISABILITY
    has_referral: bool = False
    consent_present: bool = True  # ПП 588 п.17: the citizen's consent travels with an e-referral
    duplicate_of: int | None = None
    paper_twin_decided: bool = False
    signature_invalid: bool = False
    other_region: bool = False
    return_reasons: tuple[str, ...] = ()
    missing_documents: tuple[str, ...] = ()
    documents_complete: bool = False
    form_of_conducting: Form | None = None
    home_conclusion: bool = False  # AR p.48: the МО's conclusion that the citizen cannot come
    citizen_consent: bool = False  # 316н п.7 (remote), AR p.107 (other panel)
    appointed_on: date | None = None
    today: date | None = None
    panel_size: int = 0  # MSE physicians assigned (§1.2, AR p.49: at least 3)
    pdo_items: tuple[str, ...] = ()
    pdo_has_consultation: bool = False
    pdo_results_attached: bool = False
    conclusion_received: bool = False
    refusal_statement_filed: bool = False
    majority_reached: bool = False
    citizen_present: bool = False
    dispatches_done: bool = False
    linked_case_id: int | None = None
    actor_upper_level: bool = False  # the actor works in a bureau above the case's bureau (or is the system)
    reexam_window_open: bool = False  # DL-30: not earlier than 2 months before the term ends
    citizen_participation: bool = False  # G-6: control with the citizen's participation
    # What the citizen's status shows (§7.4) — display only, never a guard input.
    number: str | None = None
    received_on: date | None = None
    registered_on: date | None = None
    due_decision: date | None = None
    due_documents: date | None = None
    refusal_due: date | None = None
    decided_on: date | None = None
    forwarded_on: date | None = None
    place: str | None = None
    institution: str | None = None


Guard = Callable[[CaseFacts], bool]


def _form_precondition(f: CaseFacts) -> bool:
    form = f.form_of_conducting
    if form is None or f.purpose not in FORM_PURPOSES[form]:
        return False
    if form is Form.AT_HOME and not f.home_conclusion:
        return False
    return not (form is Form.REMOTE_ICT and not f.citizen_consent)


def _appointed_day_reached(f: CaseFacts) -> bool:
    return f.appointed_on is not None and f.today is not None and f.today >= f.appointed_on


def _presence_for_prof_capacity(f: CaseFacts) -> bool:
    return f.purpose is not Purpose.PROF_CAPACITY or f.citizen_present


def _remote_consent(f: CaseFacts) -> bool:
    return f.form_of_conducting is not Form.REMOTE_ICT or f.citizen_consent


# Every guard by name, with the Russian message shown when it fails. Names are part of the error code.
GUARDS: dict[str, tuple[Guard, str]] = {
    "reason_given": (lambda f: bool((f.reason or "").strip()), "Укажите основание (причину) действия"),
    "consent_present": (lambda f: f.consent_present,
                        "Нет согласия гражданина на направление на МСЭ (ПП 588 п.17)"),
    "duplicate_found": (lambda f: f.duplicate_of is not None, "Не найден ранее поступивший документ с аналогичными реквизитами"),
    "paper_twin_decided": (lambda f: f.paper_twin_decided, "МСЭ по бумажному аналогу направления не проводилась"),
    "signature_invalid": (lambda f: f.signature_invalid, "Подпись направления признана действительной"),
    "other_region": (lambda f: f.other_region, "Направление поступило из медицинской организации своего субъекта РФ"),
    "not_depersonalised": (lambda f: f.form_of_conducting is not Form.DEPERSONALISED,
                           "Экстерриториальная (обезличенная) МСЭ не отклоняется по региону (ПП 588 п.30)"),
    "has_referral": (lambda f: f.has_referral, "У дела нет направления на МСЭ: проверка сведений направления не нужна"),
    "return_reasons_given": (lambda f: bool(f.return_reasons) and all(r in RETURN_REASONS for r in f.return_reasons),
                             "Укажите причины возврата направления (RR1–RR5)"),
    "missing_documents_listed": (lambda f: bool(f.missing_documents),
                                 "Перечислите недостающие документы (АР п.30)"),
    "documents_complete": (lambda f: f.documents_complete and not f.missing_documents,
                           "Комплект документов не полный (АР п.24–26)"),
    "form_precondition_met": (_form_precondition,
                              "Форма проведения МСЭ не выбрана или её условие не выполнено (process.md §3.2)"),
    "appointed_day_reached": (_appointed_day_reached, "Назначенный день освидетельствования ещё не наступил"),
    "panel_complete": (lambda f: f.panel_size >= 3, "В составе специалистов меньше трёх врачей по МСЭ (АР п.49)"),
    "pdo_items_listed": (lambda f: bool(f.pdo_items), "В программе дополнительного обследования нет мероприятий (АР п.57)"),
    "consultation_in_pdo": (lambda f: f.pdo_has_consultation,
                            "В программе нет пункта о заключении главного бюро / Федерального бюро (АР п.57)"),
    "remote_consent_if_remote": (_remote_consent, "Нет согласия гражданина на дистанционное взаимодействие (316н п.7)"),
    "conclusion_received": (lambda f: f.conclusion_received, "Заключение вышестоящего бюро не получено"),
    "pdo_results_attached": (lambda f: f.pdo_results_attached, "Результаты дополнительного обследования не приложены"),
    "refusal_statement_filed": (lambda f: f.refusal_statement_filed,
                                "Нет письменного заявления гражданина об отказе от программы (АР п.15, п.58)"),
    "majority_reached": (lambda f: f.majority_reached,
                         "Решение не принято простым большинством специалистов (АР п.50; G-18)"),
    "presence_for_prof_capacity": (_presence_for_prof_capacity,
                                   "Степень утраты профессиональной трудоспособности устанавливается в присутствии гражданина "
                                   "(АР п.78)"),
    "dispatches_done": (lambda f: f.dispatches_done, "Не все обязательные документы выданы или направлены"),
    "linked_case_given": (lambda f: f.linked_case_id is not None, "Не указано связанное дело (решение)"),
    "upper_bureau_actor": (lambda f: f.actor_upper_level, "Действие выполняет вышестоящее бюро (главное / Федеральное)"),
    "citizen_consent": (lambda f: f.citizen_consent, "Нет согласия гражданина"),
    "termination_reason_known": (lambda f: f.reason_code in TERMINATION_REASONS and bool((f.reason or "").strip()),
                                 "Укажите код основания прекращения и пояснение"),
    "within_reexam_window": (lambda f: f.reexam_window_open,
                             "Переосвидетельствование — не ранее чем за 2 месяца до окончания срока (АР п.69)"),
}

EffectKind = Literal["start", "stop", "doc", "notify", "flag"]

EFFECT_KIND_LABELS: dict[str, str] = {"start": "запуск срока", "stop": "остановка срока", "doc": "документ",
                                      "notify": "уведомление", "flag": "отметка"}


@dataclass(frozen=True)
class Effect:
    """A named consequence: start/stop a deadline (DL-xx), produce a document (Dxx), notify a party, raise a flag."""

    kind: EffectKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


def start(*ids: str) -> tuple[Effect, ...]:
    return tuple(Effect("start", i) for i in ids)


def stop(*ids: str) -> tuple[Effect, ...]:
    return tuple(Effect("stop", i) for i in ids)


def doc(*ids: str) -> tuple[Effect, ...]:
    return tuple(Effect("doc", i) for i in ids)


def notify(*who: str) -> tuple[Effect, ...]:
    return tuple(Effect("notify", w) for w in who)


def flag(*names: str) -> tuple[Effect, ...]:
    return tuple(Effect("flag", n) for n in names)


@dataclass(frozen=True)
class Transition:
    """One row of the table. `sources` None means «∅» (the transition creates the case record);
    `target` None means the state does not change (a self-loop: a record, a reminder, a re-issue)."""

    id: str
    event: str
    label: str  # Russian, for buttons and the history
    sources: tuple[State | None, ...]
    target: State | None
    roles: frozenset[str]  # Role values and "system"
    guards: tuple[str, ...] = ()
    effects: tuple[Effect, ...] = ()
    citation: str = ""
    note: str | None = None  # ASSUMPTION / GAP / CONFLICT as process.md states it
    verified: bool = True  # False where the rule rests on an ASSUMPTION or a GAP placeholder

    def target_from(self, state: State | None) -> State:
        result = self.target if self.target is not None else state
        assert result is not None, f"{self.id}: a self-loop needs a current state"
        return result

    def may(self, party: str) -> bool:
        return party in self.roles


def roles(*parties: Party) -> frozenset[str]:
    return frozenset(p.value if isinstance(p, Role) else p for p in parties)

