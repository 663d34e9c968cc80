"""The input of the decision support: a documented JSON object (docs/decision-support.md) parsed into a dataclass.

Every problem is reported at once with its field path and a Russian message (ValidationFailed → 422 problem+json
in the API, exit 2 in the CLI). Percents are checked against the scale of the rule set in force on the decision date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mse.domain.errors import FieldProblem, ValidationFailed
from mse.rules.criteria.appendix import ICD_CODE
from mse.rules.criteria.rulesets import ruleset_in_force

KEYS = frozenset({"decision_date", "registration_date", "birth_date", "purposes", "primary", "impairments", "aggravation",
                  "limitations", "icd10", "disability_history", "indefinite_ground", "compare"})
IMPAIRMENT_TYPES = tuple(f"79.{n}" for n in range(1, 13))  # 389н п.79.1–79.12 (виды стойких нарушений)
LIMITATION_ITEMS = tuple(f"78.{n}" for n in range(1, 8))  # 389н п.78.1–78.7 (категории жизнедеятельности)
PURPOSE = re.compile(r"^23\.(?:[1-9]|1\d|20)$")  # 389н п.23.1–23.20
MAX_LIST = 50
EARLIEST, LATEST = date(1900, 1, 1), date(2099, 12, 31)  # keeps every term and age computation inside the calendar


@dataclass(frozen=True, slots=True)
class Impairment:
    type: str  # "79.4"
    percent: int
    icd10: str | None = None


@dataclass(frozen=True, slots=True)
class DisabilityHistory:
    first_established_on: date | None = None  # date of the primary recognition as disabled
    rehab_cannot_reduce: bool = False  # the expert states rehabilitation cannot eliminate or reduce the limitations


@dataclass(frozen=True)
class DecisionInput:
    decision_date: date
    birth_date: date
    purposes: tuple[str, ...]
    impairments: tuple[Impairment, ...] = ()
    registration_date: date | None = None
    primary: bool | None = None
    aggravation: bool | None = None  # 79.13.2: the expert states the others aggravate the dominant impairment
    limitations: Mapping[str, int] = field(default_factory=dict)
    icd10: tuple[str, ...] = ()
    disability_history: DisabilityHistory | None = None
    indefinite_ground: str | None = None  # the point of the ПП 588 appendix list the expert relies on
    compare: bool = False  # also evaluate under the other rule set

    @property
    def disability_requested(self) -> bool:
        """A decision on disability is asked for: 23.1 (группа) or 23.2 (категория «ребенок-инвалид»)."""
        return "23.1" in self.purposes or "23.2" in self.purposes

    def diagnoses(self) -> list[str]:
        """The ICD-10 codes in order: the listed ones, then those of the impairments, without repeats."""
        seen: list[str] = []
        for code in (*self.icd10, *(i.icd10 for i in self.impairments if i.icd10)):
            if code and code not in seen:
                seen.append(code)
        return seen


class _Problems:
    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, where: str, message: str, code: str = "invalid") -> None:
        self.items.append(FieldProblem(where, message, code))

    def day(self, data: Mapping[str, Any], key: str, *, required: bool, where: str | None = None) -> date | None:
        where = where or key
        raw = data.get(key)
        if raw is None:
            if required:
                self.add(where, "Обязательное поле: дата в формате ГГГГ-ММ-ДД", "required")
            return None
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str) and len(raw) == 10:
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        self.add(where, f"Неверная дата «{str(raw)[:40]}»: ожидается ГГГГ-ММ-ДД")
        return None

    def flag(self, data: Mapping[str, Any], key: str, where: str | None = None) -> bool | None:
        raw = data.get(key)
        if raw is None or isinstance(raw, bool):
            return raw
        self.add(where or key, "Ожидается true, false или null")
        return None


def _int(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 3:
        return int(raw.strip())
    return None


def _icd(p: _Problems, raw: object, where: str) -> str | None:
    if isinstance(raw, str) and ICD_CODE.match(raw.strip().upper()):
        return raw.strip().upper()
    p.add(where, f"Неверный код МКБ-10 «{str(raw)[:20]}»: ожидается, например, I69.3")
    return None


def parse_input(data: object) -> DecisionInput:
    """Parse and check the JSON object; raises ValidationFailed listing every problem."""
    p = _Problems()
    if not isinstance(data, Mapping):
        raise ValidationFailed([FieldProblem("", "Ожидается объект JSON")], "Входные данные не распознаны")
    for key in sorted(set(data) - KEYS):
        p.add(str(key)[:60], f"Неизвестное поле «{str(key)[:60]}»", "unknown")
    decided = p.day(data, "decision_date", required=True)
    born = p.day(data, "birth_date", required=True)
    registered = p.day(data, "registration_date", required=False)
    for key, day in (("decision_date", decided), ("birth_date", born), ("registration_date", registered)):
        if day is not None and not (EARLIEST <= day <= LATEST):
            p.add(key, f"Дата {day:%d.%m.%Y} вне допустимого диапазона ({EARLIEST:%d.%m.%Y}–{LATEST:%d.%m.%Y})")
    if decided and not (EARLIEST <= decided <= LATEST):
        decided = None
    ruleset = ruleset_in_force(decided) if decided else None
    if decided and ruleset is None:
        p.add("decision_date", f"На дату {decided:%d.%m.%Y} нет действующих классификаций и критериев (585н применяется с 01.01.2020)")
    if decided and born and born > decided:
        p.add("birth_date", "Дата рождения позже даты решения")
    if registered and decided and registered > decided:
        p.add("registration_date", "Дата регистрации позже даты решения")
    if registered and born and registered < born:
        p.add("registration_date", "Дата регистрации раньше даты рождения")

    purposes: list[str] = []
    raw_purposes = data.get("purposes")
    if not isinstance(raw_purposes, list) or len(raw_purposes) > 21:
        p.add("purposes", "Обязательное поле: список целей МСЭ по пункту 23 протокола (например, [\"23.1\"])", "required")
    else:
        for n, code in enumerate(raw_purposes):
            if isinstance(code, str) and PURPOSE.match(code):
                if code not in purposes:
                    purposes.append(code)
            else:
                p.add(f"purposes.{n}", f"Неизвестная цель «{str(code)[:20]}»: допустимы 23.1–23.20")

    impairments: list[Impairment] = []
    raw_imp = data.get("impairments", [])
    if not isinstance(raw_imp, list) or len(raw_imp) > MAX_LIST:
        p.add("impairments", "Ожидается список нарушений [{\"type\": \"79.4\", \"percent\": 70}]")
        raw_imp = []
    seen_types: set[str] = set()
    for n, imp in enumerate(raw_imp):
        where = f"impairments.{n}"
        if not isinstance(imp, Mapping):
            p.add(where, "Ожидается объект {\"type\": \"79.4\", \"percent\": 70}")
            continue
        for key in sorted(set(imp) - {"type", "percent", "icd10"}):
            p.add(f"{where}.{str(key)[:40]}", f"Неизвестное поле «{str(key)[:40]}»", "unknown")
        kind = imp.get("type")
        if kind not in IMPAIRMENT_TYPES:
            p.add(f"{where}.type", f"Неизвестный вид нарушения «{str(kind)[:20]}»: допустимы 79.1–79.12")
            kind = None
        elif kind in seen_types:
            p.add(f"{where}.type", f"Вид нарушения {kind} указан дважды: каждый вид оценивается один раз")
        percent = _int(imp.get("percent"))
        if percent is None:
            p.add(f"{where}.percent", "Обязательное поле: процент (целое число)", "required")
        elif ruleset is not None and not ruleset.valid_percent(percent):
            lo, hi, step = ruleset.scale
            p.add(f"{where}.percent", f"Процент {percent} вне шкалы: от {lo} до {hi} с шагом {step} ({ruleset.entry('scale').citation})")
            percent = None
        icd = _icd(p, imp["icd10"], f"{where}.icd10") if imp.get("icd10") is not None else None
        if kind is not None and percent is not None:
            seen_types.add(kind)
            impairments.append(Impairment(kind, percent, icd))

    limitations: dict[str, int] = {}
    raw_lim = data.get("limitations", {})
    if not isinstance(raw_lim, Mapping):
        p.add("limitations", "Ожидается объект {\"78.1\": 2, …}")
        raw_lim = {}
    for key, value in raw_lim.items():
        degree = _int(value)
        if key not in LIMITATION_ITEMS:
            p.add(f"limitations.{str(key)[:20]}", f"Неизвестная категория «{str(key)[:20]}»: допустимы 78.1–78.7")
        elif degree not in (1, 2, 3):
            p.add(f"limitations.{key}", "Степень ограничения: 1, 2 или 3")
        else:
            limitations[key] = degree

    codes: list[str] = []
    raw_icd = data.get("icd10", [])
    if not isinstance(raw_icd, list) or len(raw_icd) > MAX_LIST:
        p.add("icd10", "Ожидается список кодов МКБ-10")
        raw_icd = []
    for n, code in enumerate(raw_icd):
        ok = _icd(p, code, f"icd10.{n}")
        if ok and ok not in codes:
            codes.append(ok)

    history = _history(p, data.get("disability_history"), born, decided)
    ground = data.get("indefinite_ground")
    if ground is not None and (not isinstance(ground, str) or not ground.strip() or len(ground) > 500):
        p.add("indefinite_ground", "Основание «бессрочно»: текст до 500 знаков (пункт перечня приложения к ПП 588)")
        ground = None
    primary = p.flag(data, "primary")
    aggravation = p.flag(data, "aggravation")
    compare = p.flag(data, "compare")
    if p.items or decided is None:
        raise ValidationFailed(p.items, "Входные данные для поддержки решения содержат ошибки")
    assert decided is not None
    assert born is not None
    return DecisionInput(
        decision_date=decided, birth_date=born, purposes=tuple(purposes), impairments=tuple(impairments),
        registration_date=registered, primary=primary, aggravation=aggravation, limitations=limitations,
        icd10=tuple(codes), disability_history=history, indefinite_ground=ground.strip() if isinstance(ground, str) else None,
        compare=bool(compare),
    )


def _history(p: _Problems, raw: object, born: date | None, decided: date | None) -> DisabilityHistory | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        p.add("disability_history", "Ожидается объект {\"first_established_on\": \"ГГГГ-ММ-ДД\", \"rehab_cannot_reduce\": true}")
        return None
    for key in sorted(set(raw) - {"first_established_on", "rehab_cannot_reduce"}):
        p.add(f"disability_history.{str(key)[:40]}", f"Неизвестное поле «{str(key)[:40]}»", "unknown")
    first = p.day(raw, "first_established_on", required=False, where="disability_history.first_established_on")
    if first and decided and first > decided:
        p.add("disability_history.first_established_on", "Дата первичного признания инвалидом позже даты решения")
    if first and born and first < born:
        p.add("disability_history.first_established_on", "Дата первичного признания инвалидом раньше даты рождения")
    cannot = p.flag(raw, "rehab_cannot_reduce", "disability_history.rehab_cannot_reduce")
    return DisabilityHistory(first, bool(cannot))


def input_as_json(inp: DecisionInput) -> dict[str, Any]:
    """The documented JSON form of an input (the inverse of parse_input)."""
    out: dict[str, Any] = {
        "decision_date": inp.decision_date.isoformat(), "birth_date": inp.birth_date.isoformat(), "purposes": list(inp.purposes),
        "impairments": [{"type": i.type, "percent": i.percent, **({"icd10": i.icd10} if i.icd10 else {})} for i in inp.impairments],
        "aggravation": inp.aggravation, "limitations": dict(inp.limitations), "icd10": list(inp.icd10),
    }
    if inp.registration_date:
        out["registration_date"] = inp.registration_date.isoformat()
    if inp.primary is not None:
        out["primary"] = inp.primary
    if inp.disability_history:
        h = inp.disability_history
        out["disability_history"] = {"first_established_on": h.first_established_on.isoformat() if h.first_established_on else None,
                                     "rehab_cannot_reduce": h.rehab_cannot_reduce}
    if inp.indefinite_ground:
        out["indefinite_ground"] = inp.indefinite_ground
    if inp.compare:
        out["compare"] = True
    return out
