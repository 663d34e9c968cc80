"""Facts shared by the result documents: labels from the protocol form, ФНСИ codes, the common JSON blocks.

Labels come from the very edition of the protocol form (389н) the snapshot names, so a document prints the
official wording of the points the experts marked. ФНСИ codes are those of the dictionary versions we hold
(reference/nsi/mse_nsi_dictionaries.json); the mapping of 389н п.81 causes onto ФНСИ 1.2.643.5.1.13.13.11.1474
is ours, made by matching the names (the dictionary has no column for 389н codes).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from mse.domain.errors import NotFound
from mse.forms import load_form
from mse.forms.model import FormSchema, Item

from .fields import SnapshotInvalid
from .snapshot import CHILD, DecisionSnapshot

# ФНСИ 1.2.643.5.1.13.13.11.1053 «Группы инвалидности» v3.4: 389н п.80 → (ID, NAME)
GROUP_1053 = {
    "80.1": ("1", "Первая группа"),
    "80.2": ("2", "Вторая группа"),
    "80.3": ("3", "Третья группа"),
    "80.4": ("4", 'Категория "ребенок-инвалид"'),
}
# ФНСИ 1.2.643.5.1.13.13.11.1474 «Причины инвалидности» v2.3: 389н п.81 → CODE (matched by name; 81.19 and 81.20
# have no row of their own in v2.3 and go to 19 «Иные причины, установленные законодательством РФ (указать)»).
CAUSE_1474 = {
    "81.1": "4", "81.2": "7", "81.3": "6", "81.4": "5", "81.5": "17", "81.6": "8", "81.7": "9", "81.8": "11",
    "81.9": "12", "81.10": "10", "81.11": "13", "81.12": "14", "81.13": "15", "81.14": "16", "81.15": "18",
    "81.16": "21", "81.17": "25", "81.18": "19", "81.19": "19", "81.20": "19",
}  # fmt: skip
# ФНСИ 1.2.643.5.1.13.13.99.2.358 «Срок, на который установлена инвалидность» v1.3
TERM_358_NAMES = {
    "1": "на один год", "2": "на два года", "3": "на пять лет", "4": "до 14 лет", "5": "до 18 лет", "6": "бессрочно",
    "7": "на 6 месяцев",
}  # fmt: skip
_TERM_TEXTS = {
    "1 год": "1", "на один год": "1", "один год": "1", "2 года": "2", "на два года": "2", "два года": "2", "5 лет": "3",
    "на пять лет": "3", "пять лет": "3", "до 14 лет": "4", "до 18 лет": "5", "6 месяцев": "7", "на 6 месяцев": "7",
}  # fmt: skip
LIMITATION_KEYS = tuple(f"78.{n}" for n in range(1, 8))  # 389н п.78: семь основных категорий жизнедеятельности
VOTE_LABELS = {"for": "за", "against": "против (особое мнение)"}
ROLE_LABELS = {"expert": "врач по медико-социальной экспертизе", "head": "руководитель бюро"}


def term_code(snapshot: DecisionSnapshot) -> str | None:
    """The ФНСИ 99.2.358 code of the term, or None when the text matches none of its rows."""
    d = snapshot.decision
    if d.term == "indefinite":
        return "6"
    if d.term != "term" or not d.term_text:
        return None
    return _TERM_TEXTS.get(d.term_text.strip().lower())


@cache
def form_items(name: str, edition: str) -> dict[str, Item]:
    try:
        schema: FormSchema = load_form(name, edition)
    except NotFound:
        raise SnapshotInvalid("protocol.edition", f"форма протокола «{name}» редакции {edition} неизвестна") from None
    return {it.key: it for it in schema.items()}


def _item(snapshot: DecisionSnapshot, key: str) -> Item | None:
    return form_items(snapshot.protocol.form, snapshot.protocol.edition).get(key)


def option_label(snapshot: DecisionSnapshot, key: str, code: str) -> str:
    """The printed label of option ``code`` of protocol point ``key`` (the code itself when the form lacks it)."""
    item = _item(snapshot, key)
    option = item.option(code) if item else None
    return option.label if option else code


def item_label(snapshot: DecisionSnapshot, key: str) -> str:
    item = _item(snapshot, key)
    return item.label if item else key


def coded(snapshot: DecisionSnapshot, key: str, code: str) -> dict[str, str]:
    return {"code": code, "label": option_label(snapshot, key, code)}


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def iso_to_print(value: object) -> str:
    """ISO date → ДД.ММ.ГГГГ for print; anything else as it is."""
    if value is None:
        return ""
    try:
        return date.fromisoformat(str(value)).strftime("%d.%m.%Y")
    except ValueError:
        return str(value)


# --- the common JSON blocks --------------------------------------------------------------------------------------


def bureau_block(s: DecisionSnapshot) -> dict[str, Any]:
    b = s.bureau
    return {
        "name": b.name,
        "short_name": b.short_name,
        "parent": b.parent,
        "region": b.region,
        "address": b.address,
        "ogrn": b.ogrn,
    }


def person_block(s: DecisionSnapshot, *, with_document: bool = True) -> dict[str, Any]:
    p = s.person
    out: dict[str, Any] = {
        "full_name": p.full_name,
        "surname": p.surname,
        "name": p.name,
        "patronymic": p.patronymic,
        "birth_date": day(p.birth_date),
        "sex": p.sex,
        "snils": p.snils,
        "address": p.address,
    }
    if with_document:
        doc = p.document
        out["document"] = None if doc is None else {
            "kind": doc.kind, "series": doc.series, "number": doc.number, "issued_on": day(doc.issued_on), "issued_by": doc.issued_by,
        }  # fmt: skip
    out["representative"] = (
        None if s.representative is None else {"full_name": s.representative.full_name, "basis": s.representative.basis}
    )
    return out


def outcome_block(s: DecisionSnapshot) -> dict[str, Any]:
    """Инвалидность: group or category, cause, term, dates (389н п.80–84, п.86(1))."""
    d = s.decision
    extra = s.protocol.data.get("82")  # дополнительная запись к причине инвалидности (389н п.82), e.g. «инвалид по зрению»
    extra_codes = [str(c) for c in extra] if isinstance(extra, list) else ([str(extra)] if extra else [])
    return {
        "recognised": d.recognised,
        "group": d.group,
        "group_label": d.group_label,
        "child": d.group == CHILD,
        "cause": d.cause,
        "cause_label": d.cause_label,
        "cause_extra": [coded(s, "82", c) for c in extra_codes],
        "term": d.term,
        "term_text": "бессрочно" if d.term == "indefinite" else d.term_text,
        "until": day(d.until),
        "reexam_on": day(d.reexam_on),
        "established_on": day(d.date) if d.recognised else None,
        "crg": [coded(s, "86(1)", c) for c in d.crg],
    }


def limitations_block(s: DecisionSnapshot) -> list[dict[str, str]]:
    """389н п.78: only the categories with a degree; the label without the trailing «(степень)»."""
    out = []
    for key, degree in s.decision.limitations.items():
        label = item_label(s, key).removesuffix(" (степень)")
        out.append({"item": key, "label": label, "degree": degree})
    return sorted(out, key=lambda r: LIMITATION_KEYS.index(r["item"]) if r["item"] in LIMITATION_KEYS else 99)


def impairments_block(s: DecisionSnapshot) -> list[dict[str, Any]]:
    """389н п.79: kind, %, and the severity the experts marked (the option label of the protocol's score)."""
    out = []
    for i in s.decision.impairments:
        marked = s.protocol.data.get(i.item)
        option = marked.get("option") if isinstance(marked, dict) else None
        severity = option_label(s, i.item, str(option)) if option else None
        out.append({"item": i.item, "label": i.label, "percent": i.percent, "severity": severity})
    return out


def act_reference(s: DecisionSnapshot) -> dict[str, Any]:
    return {"number": s.numbers.act, "date": day(s.decision.date)}
