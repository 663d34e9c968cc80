"""The decision support and the protocol of MSE (389н): the evaluator's input read from a protocol, and the
departures of a recorded decision from the suggestion (each needs the expert's written reason, item 102).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from mse.domain.errors import FieldProblem, ValidationFailed
from mse.forms import form_in_force
from mse.rules.decision_input import IMPAIRMENT_TYPES, LIMITATION_ITEMS, DecisionInput, parse_input
from mse.rules.decision_support import OUTCOME_LABELS, Suggestion
from mse.rules.decision_terms import TERM_TEXT

FORM = "protocol-389n"
ICD_ITEMS = ("77.2", "77.5")  # 389н п.77: код основного заболевания; коды сопутствующих заболеваний


@dataclass(frozen=True, slots=True)
class Departure:
    item: str  # the protocol item that departs: "80", "79.13.4.percent", "83.1", "83.term", "86(1)"
    code: str  # machine code: outcome | percent | degree | term_kind | term | crg
    message: str  # Russian
    suggested: str | None
    recorded: str | None

    def to_json(self) -> dict[str, Any]:
        return {"item": self.item, "code": self.code, "message": self.message, "suggested": self.suggested, "recorded": self.recorded}


def _scores(data: Mapping[str, object]) -> list[tuple[str, object]]:
    return [(k, data[k]) for k in IMPAIRMENT_TYPES if data.get(k) not in (None, "", {})]


def input_from_protocol(data: Mapping[str, object], *, birth_date: date, decision_date: date, registration_date: date | None = None,
                        indefinite_ground: str | None = None, disability_history: Mapping[str, object] | None = None) -> DecisionInput:
    """The evaluator's input from the items of a protocol: 22.1 (первично), 23 (цели), 77.2 + 77.5 (коды МКБ-10),
    78.1–78.7 (степени ограничений), 79.1–79.12 (вид и %), 79.13.2 (влияние других нарушений).

    Problems are reported against the protocol items (ValidationFailed).
    """
    problems: list[FieldProblem] = []
    impairments: list[dict[str, object]] = []
    imp_items: list[str] = []
    for key, value in _scores(data):
        percent = value.get("percent") if isinstance(value, Mapping) else None
        if percent is None:
            problems.append(FieldProblem(key, f"Пункт {key}: не указан процент степени выраженности нарушения", "required"))
            continue
        impairments.append({"type": key, "percent": percent})
        imp_items.append(key)
    icd: list[object] = []
    icd_items: list[str] = []
    main = data.get("77.2")
    if main not in (None, ""):
        icd.append(main)
        icd_items.append("77.2")
    extra = data.get("77.5")
    for code in extra if isinstance(extra, list) else ([extra] if extra not in (None, "") else []):
        icd.append(code)
        icd_items.append("77.5")
    purposes = data.get("23")
    raw: dict[str, object] = {
        "decision_date": decision_date.isoformat(), "birth_date": birth_date.isoformat(),
        "purposes": purposes if isinstance(purposes, list) else ([purposes] if isinstance(purposes, str) else []),
        "impairments": impairments,
        "limitations": {k: data[k] for k in LIMITATION_ITEMS if data.get(k) not in (None, "")},
        "icd10": icd,
        "aggravation": {"yes": True, "no": False}.get(str(data.get("79.13.2"))),
        "primary": {"primary": True, "repeat": False}.get(str(data.get("22.1"))),
    }
    if registration_date is not None:
        raw["registration_date"] = registration_date.isoformat()
    if indefinite_ground:
        raw["indefinite_ground"] = indefinite_ground
    if disability_history is not None:
        raw["disability_history"] = dict(disability_history)
    try:
        parsed = parse_input(raw)
    except ValidationFailed as exc:
        problems += [FieldProblem(_item_of(p.field, imp_items, icd_items), p.message, p.code) for p in exc.problems]
        parsed = None
    if problems or parsed is None:
        raise ValidationFailed(problems, "Протокол не позволяет рассчитать предложение решения")
    return parsed


def _item_of(path: str, imp_items: list[str], icd_items: list[str]) -> str:
    """Maps an input path («impairments.0.percent», «icd10.1», «limitations.78.2») back to the protocol item."""
    head, _, rest = path.partition(".")
    index = rest.split(".", 1)[0]
    if head == "impairments" and index.isdigit() and int(index) < len(imp_items):
        return imp_items[int(index)]
    if head == "icd10" and index.isdigit() and int(index) < len(icd_items):
        return icd_items[int(index)]
    if head == "limitations" and rest:
        return rest
    return {"purposes": "23", "aggravation": "79.13.2", "primary": "22.1"}.get(head, path)


_YEARS = re.compile(r"^(\d{1,2})\s*(год|года|лет)$")
_MONTHS = re.compile(r"^(\d{1,2})\s*(месяц|месяца|месяцев)$")
_UNTIL = re.compile(r"^до\s*(14|18)(\s*лет)?$")


def term_code(text: str) -> str | None:
    """The ФНСИ 358 code of a written term (item 83.term): «1 год» → 1, «на 2 года» → 2, «до 18 лет» → 5."""
    t = re.sub(r"\s+", " ", text.strip().lower().replace("ё", "е")).removeprefix("на срок ").removeprefix("на ").rstrip(".")
    if t == "бессрочно":
        return "6"
    if m := _YEARS.match(t):
        return {1: "1", 2: "2", 5: "3"}.get(int(m.group(1)))
    if m := _MONTHS.match(t):
        return "7" if int(m.group(1)) == 6 else None
    if m := _UNTIL.match(t):
        return "4" if m.group(1) == "14" else "5"
    return None


@cache
def _crg_labels() -> dict[str, str]:
    schema = form_in_force(FORM, date(2025, 3, 1))
    item = next(i for i in schema.items() if i.key == "86(1)")
    return {o.code: o.label for o in item.options}


def recorded_final(data: Mapping[str, object]) -> tuple[str, int | None]:
    """The final percent the protocol records and its item: 79.13.4 (summary) with several impairments (389н п.15(2)),
    else the one impairment's own percent (79.x)."""
    scores = _scores(data)
    if len(scores) >= 2:
        value = data.get("79.13.4.percent")
        return "79.13.4.percent", value if isinstance(value, int) else None
    if not scores:
        return "79", None
    key, score = scores[0]
    percent = score.get("percent") if isinstance(score, Mapping) else None
    return key, percent if isinstance(percent, int) else None


def departures(suggestion: Suggestion, protocol_data: Mapping[str, object]) -> list[Departure]:
    """Where the recorded decision differs from the suggestion: outcome (80), final percent and degree (79.13.4 or the
    single 79.x), term (83.1, 83.term), ЦРГ (86(1)). Empty when the protocol follows the suggestion."""
    out: list[Departure] = []
    data = protocol_data
    if suggestion.outcome is not None:
        rec = data.get("80")
        if rec != suggestion.outcome:
            shown = f"«{OUTCOME_LABELS[rec]}» ({rec})" if isinstance(rec, str) and rec in OUTCOME_LABELS else "не заполнено"
            out.append(Departure("80", "outcome", f"Инвалидность: предложено «{suggestion.outcome_label}» ({suggestion.outcome}), "
                                 f"в протоколе {shown}", suggestion.outcome, rec if isinstance(rec, str) else None))
    if suggestion.final_percent is not None:
        item, rec_percent = recorded_final(data)
        if item == "79.13.4.percent":
            rec_degree = data.get("79.13.4")
            if suggestion.degree_option and rec_degree != suggestion.degree_option:
                out.append(Departure("79.13.4", "degree", f"Суммарная степень: предложено {suggestion.degree} степень "
                                     f"({suggestion.degree_option}), в протоколе {rec_degree or 'не заполнено'}",
                                     suggestion.degree_option, rec_degree if isinstance(rec_degree, str) else None))
        if rec_percent != suggestion.final_percent:
            out.append(Departure(item, "percent", f"Итоговая оценка: предложено {suggestion.final_percent} %, в протоколе "
                                 + (f"{rec_percent} %" if rec_percent is not None else "не заполнено"),
                                 str(suggestion.final_percent), None if rec_percent is None else str(rec_percent)))
    out += _term_departures(suggestion, data)
    if suggestion.crg_provided and suggestion.crg:
        rec_codes = data.get("86(1)")
        labels = _crg_labels()
        recorded = sorted(labels.get(str(c), str(c)) for c in rec_codes) if isinstance(rec_codes, list) else []
        if recorded != sorted(suggestion.crg):
            out.append(Departure("86(1)", "crg", f"ЦРГ: предложено {', '.join(suggestion.crg)}, в протоколе "
                                 + (", ".join(recorded) or "не отмечено"), ", ".join(suggestion.crg), ", ".join(recorded) or None))
    return out


def _term_departures(suggestion: Suggestion, data: Mapping[str, object]) -> list[Departure]:
    term = suggestion.term
    if term is None:
        return []
    kind = data.get("83.1")
    if kind != term.kind:
        names = {"term": "на срок", "indefinite": "бессрочно"}
        shown = names.get(str(kind), "не заполнено")
        return [Departure("83.1", "term_kind", f"Срок инвалидности: предложено «{names[term.kind]}», в протоколе «{shown}»"
                          if kind else f"Срок инвалидности: предложено «{names[term.kind]}», в протоколе не заполнено",
                          term.kind, kind if isinstance(kind, str) else None)]
    if term.kind != "term":
        return []
    written = data.get("83.term")
    code = term_code(written) if isinstance(written, str) else None
    if code == term.fnsi:
        return []
    if code is None:
        message = (f"Срок инвалидности: предложено «{term.text}», в протоколе «{written}» — срок не распознан"
                   if isinstance(written, str) and written else f"Срок инвалидности: предложено «{term.text}», в протоколе не указан")
    else:
        message = f"Срок инвалидности: предложено «{term.text}», в протоколе «{TERM_TEXT[code]}»"
    return [Departure("83.term", "term", message, term.text, written if isinstance(written, str) else None)]
