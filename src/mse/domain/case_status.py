"""The status a citizen (and the referring МО) sees for a case — process.md §7.4 (a PROPOSAL: the acts prescribe
documents, not status names; G-11). Derived from the internal state plus facts; every status lists what it must show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mse.domain.case_model import FORM_LABELS, TERMINATION_REASONS, CaseFacts, State

# (code, Russian label, must-show fields) per internal state; §7.4 rows, TERMINATED and NOT_ACCEPTED codes added.
_STATUSES: dict[State, tuple[str, str, tuple[str, ...]]] = {
    State.RECEIVED: ("received", "Направление (заявление) получено", ("received_on",)),
    State.NOT_ACCEPTED: ("not_accepted", "Документы не приняты", ("reason",)),
    State.REGISTERED: ("registered", "Зарегистрировано, проводится проверка", ("registered_on", "number", "due_decision")),
    State.CONTENT_CHECK: ("registered", "Зарегистрировано, проводится проверка", ("registered_on", "number", "due_decision")),
    State.RETURNED_TO_MO: ("returned_to_mo", "Направление возвращено в медицинскую организацию", ("return_reasons", "advice")),
    State.AWAITING_DOCUMENTS: ("awaiting_documents", "Требуется представить документы (перенос срока)",
                               ("missing_documents", "due_documents")),
    State.SCHEDULED: ("invited", "Приглашение на освидетельствование",
                      ("appointed_on", "place", "form_of_conducting", "invite_specialist")),
    State.IN_EXPERTISE: ("in_expertise", "Проводится медико-социальная экспертиза", ()),
    State.ADDITIONAL_EXAM: ("additional_exam", "Назначена программа дополнительного обследования", ("refusal_due",)),
    State.ADDITIONAL_EXAM_CONSULTATION: ("consultation", "Консультация в главном бюро / Федеральном бюро", ("appointed_on",)),
    State.TRANSFERRED_UP: ("transferred_up", "Экспертиза проводится в главном бюро / Федеральном бюро", ("institution",)),
    State.DECIDED: ("decided", "Решение принято", ("decided_on", "appeal_rights")),
    State.DOCUMENTS_ISSUING: ("documents_issued", "Документы оформлены / направлены", ("documents",)),
    State.COMPLETED: ("documents_issued", "Документы оформлены / направлены", ("documents",)),
    State.UNDER_APPEAL: ("under_appeal", "Решение обжалуется", ("appeal_rights",)),
    State.APPEAL_AT_ORIGIN: ("appeal_forwarded", "Жалоба (заявление об обжаловании) направлена в главное бюро / Федеральное бюро",
                             ("forwarded_on",)),
    State.FORWARDED_UP: ("appeal_forwarded", "Жалоба (заявление об обжаловании) направлена в главное бюро / Федеральное бюро",
                         ("forwarded_on",)),
    State.UNDER_CONTROL: ("under_control", "Решение на контроле вышестоящего бюро", ()),
    State.SUPERSEDED: ("superseded", "Решение изменено", ("new_decision",)),
    State.TERMINATED: ("terminated", "Рассмотрение дела прекращено", ("reason",)),
}

FIELD_LABELS: dict[str, str] = {
    "received_on": "Дата поступления", "reason": "Причина", "registered_on": "Дата регистрации", "number": "Номер дела",
    "due_decision": "Срок принятия решения (30 календарных дней)", "return_reasons": "Причины возврата",
    "advice": "Что делать", "missing_documents": "Какие документы представить", "due_documents": "Срок представления документов",
    "appointed_on": "Дата", "place": "Место", "form_of_conducting": "Форма проведения", "invite_specialist":
    "Право пригласить специалиста", "refusal_due": "Отказаться от программы можно до", "institution": "Учреждение",
    "decided_on": "Дата решения", "appeal_rights": "Обжалование", "documents": "Документы", "forwarded_on": "Дата направления",
    "new_decision": "Новое решение",
}

FIXED_TEXT: dict[str, str] = {
    "advice": "Обратитесь в медицинскую организацию, направившую вас на МСЭ",
    "invite_specialist": "Вы можете пригласить любого специалиста с правом совещательного голоса — заявление подаётся "
                         "не позднее дня освидетельствования (АР п.49)",
    "appeal_rights": "Решение можно обжаловать в месячный срок в главное бюро (через бюро, принявшее решение, или напрямую) "
                     "(АР п.105); решение главного бюро — в Федеральное бюро (АР п.108)",
    "documents": "Справка, ИПРА или справка о результатах МСЭ — по выбранному вами способу получения",
    "new_decision": "Сведения о новом решении — в деле вышестоящего бюро",
}


@dataclass(frozen=True)
class StatusField:
    code: str
    label: str
    value: str | None  # None: the value is not known yet (shown as «не указано»)


@dataclass(frozen=True)
class CitizenStatus:
    code: str
    label: str
    must_show: tuple[StatusField, ...]
    proposal: bool = True  # §7.4 is a PROPOSAL (G-11), not an act's wording


def _d(day: date | None) -> str | None:
    return day.strftime("%d.%m.%Y") if day else None


def _value(code: str, f: CaseFacts) -> str | None:
    if code in FIXED_TEXT:
        return FIXED_TEXT[code]
    values: dict[str, str | None] = {
        "received_on": _d(f.received_on), "registered_on": _d(f.registered_on), "number": f.number,
        "due_decision": _d(f.due_decision), "due_documents": _d(f.due_documents), "appointed_on": _d(f.appointed_on),
        "place": f.place, "refusal_due": _d(f.refusal_due), "institution": f.institution, "decided_on": _d(f.decided_on),
        "forwarded_on": _d(f.forwarded_on),
        "form_of_conducting": FORM_LABELS[f.form_of_conducting] if f.form_of_conducting else None,
        "return_reasons": ", ".join(f.return_reasons) or None, "missing_documents": "; ".join(f.missing_documents) or None,
        "reason": TERMINATION_REASONS.get(f.reason_code or "", f.reason) if f.reason_code or f.reason else None,
    }
    return values.get(code)


def citizen_status(state: State, facts: CaseFacts) -> CitizenStatus:
    """§7.4. UNDER_CONTROL is shown only when the citizen takes part (ASSUMPTION); otherwise the decision stands as issued."""
    if state is State.UNDER_CONTROL and not facts.citizen_participation:
        state = State.COMPLETED
    code, label, fields = _STATUSES[state]
    return CitizenStatus(code, label, tuple(StatusField(c, FIELD_LABELS[c], _value(c, facts)) for c in fields))
