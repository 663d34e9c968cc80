"""The term of disability, the re-examination date and the «until» date (389н items 83.1, 83.term, 83.2, 84).

ПП РФ № 588: I группа — 2 года, II и III — 1 год; «ребенок-инвалид» — 1 год, 2 года, 5 лет, до 14 или до 18 лет;
«бессрочно» on a point of the appendix list (the expert states it; the list is not in the workplace) or not later
than 4 years after the primary recognition when rehabilitation cannot reduce the limitations. Disability is set
until the 1st day of the month following the month of the re-examination [K]; terms are coded by ФНСИ
1.2.643.5.1.13.13.99.2.358.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from mse.rules.criteria.dates import add_years, birthday, first_of_month, first_of_next_month
from mse.rules.criteria.rulesets import Entry, RuleSet
from mse.rules.decision_input import DecisionInput

# The wording of item 83.term («на срок ___») for each ФНСИ 358 code.
TERM_TEXT = {"1": "1 год", "2": "2 года", "3": "5 лет", "4": "до 14 лет", "5": "до 18 лет", "6": "бессрочно", "7": "6 месяцев"}

StepFn = Callable[[str, str, str, Entry], None]
WarnFn = Callable[[str, Entry | None], None]


@dataclass(frozen=True, slots=True)
class Term:
    kind: str  # item 83.1 option: "term" (на срок) | "indefinite" (бессрочно)
    fnsi: str  # ФНСИ 1.2.643.5.1.13.13.99.2.358 code
    fnsi_label: str
    text: str | None  # item 83.term: "1 год", "до 18 лет"; None when бессрочно
    reexam_on: date | None  # item 84
    until: date | None  # item 83.2
    verified: bool  # every rule used to compute it is verified

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "fnsi": self.fnsi, "fnsi_oid": "1.2.643.5.1.13.13.99.2.358", "fnsi_label": self.fnsi_label,
                "text": self.text, "reexam_on": self.reexam_on.isoformat() if self.reexam_on else None,
                "until": self.until.isoformat() if self.until else None, "verified": self.verified}


def suggest_term(inp: DecisionInput, rs: RuleSet, outcome: str | None, adult: bool, step: StepFn, warn: WarnFn) -> Term:
    codes: dict[str, str] = rs.entry("term.fnsi").value["codes"]
    title = "Срок инвалидности (пункт 83)"
    stated = rs.entry("indefinite.stated_ground")
    if inp.indefinite_ground:
        fnsi = str(stated.value["fnsi"] if adult else stated.value["child_fnsi"])
        if adult:
            step("term", title, f"Бессрочно: эксперт указал основание — «{inp.indefinite_ground}» (перечень приложения к ПП 588 "
                 "в системе не загружен, основание проверяет эксперт)", stated)
            return Term("indefinite", fnsi, codes[fnsi], None, None, None, stated.verified)
        return _until_age(inp, rs, fnsi, codes, 18, stated, step, title,
                          f"Основание «{inp.indefinite_ground}»: категория «ребенок-инвалид» до 18 лет")
    if adult:
        four = rs.entry("indefinite.four_years")
        history = inp.disability_history
        if history is not None and history.rehab_cannot_reduce:
            if history.first_established_on is None:
                warn("Указано, что реабилитация не устраняет ограничений, но нет даты первичного признания инвалидом: "
                     "правило «бессрочно через 4 года» не проверено", four)
            else:
                years = int(four.value["years"])
                due = add_years(history.first_established_on, years)
                if due <= inp.decision_date:
                    fnsi = str(four.value["fnsi"])
                    step("term", title, f"Бессрочно: с первичного признания инвалидом {history.first_established_on:%d.%m.%Y} прошло "
                         f"не менее {years} лет ({due:%d.%m.%Y}), реабилитация не устраняет и не уменьшает ограничений", four)
                    return Term("indefinite", fnsi, codes[fnsi], None, None, None, four.verified)
                warn(f"Срок {years} лет с первичного признания инвалидом истекает {due:%d.%m.%Y}: до этой даты «бессрочно» "
                     "по этому основанию не устанавливается", four)
        entry = rs.entry("term.adult")
        spec = entry.value[str(outcome)]
        return _years(inp, rs, str(spec["fnsi"]), int(spec["years"]), codes, entry, step, title, adult=True)
    entry = rs.entry("term.child")
    option = next(o for o in entry.value["options"] if o["fnsi"] == entry.value["default"])
    warn(entry.note or "Срок категории «ребенок-инвалид» выбирает эксперт", None)
    if "until_age" in option:
        return _until_age(inp, rs, str(option["fnsi"]), codes, int(option["until_age"]), entry, step, title, "По умолчанию")
    return _years(inp, rs, str(option["fnsi"]), int(option["years"]), codes, entry, step, title, adult=False)


def _years(inp: DecisionInput, rs: RuleSet, fnsi: str, years: int, codes: dict[str, str], entry: Entry, step: StepFn,
           title: str, *, adult: bool) -> Term:
    step("term", title, f"На срок {TERM_TEXT[fnsi]} (ФНСИ 358: код {fnsi} «{codes[fnsi]}»)", entry)
    reexam_rule, until_rule = rs.entry("term.reexam"), rs.entry("term.until")
    end = add_years(inp.decision_date, years)
    reexam = first_of_month(end)
    until = first_of_next_month(reexam)
    verified = entry.verified and reexam_rule.verified and until_rule.verified
    step("reexam", "Дата очередного освидетельствования (пункт 84)",
         f"Срок истекает в {end:%m.%Y}: очередное освидетельствование {reexam:%d.%m.%Y}", reexam_rule)
    if not adult:
        cap_rule = rs.entry("term.child_age_cap")
        eighteen = birthday(inp.birth_date, int(cap_rule.value["years"]))
        if until > eighteen:
            until, reexam = eighteen, min(reexam, first_of_month(eighteen))
            verified = verified and cap_rule.verified
            step("age_cap", "Срок категории «ребенок-инвалид» и совершеннолетие",
                 f"Срок ограничен днём достижения 18 лет: {eighteen:%d.%m.%Y}", cap_rule)
            return Term("term", fnsi, codes[fnsi], TERM_TEXT[fnsi], reexam, until, verified)
    step("until", "Дата, до которой установлена инвалидность (пункт 83.2)",
         f"До 1-го числа месяца, следующего за месяцем освидетельствования: до {until:%d.%m.%Y}", until_rule)
    return Term("term", fnsi, codes[fnsi], TERM_TEXT[fnsi], reexam, until, verified)


def _until_age(inp: DecisionInput, rs: RuleSet, fnsi: str, codes: dict[str, str], age: int, entry: Entry, step: StepFn,
               title: str, why: str) -> Term:
    until = birthday(inp.birth_date, age)
    cap_rule = rs.entry("term.child_age_cap")
    step("term", title, f"{why}: {TERM_TEXT[fnsi]} (ФНСИ 358: код {fnsi} «{codes[fnsi]}»), до дня достижения {age} лет — "
         f"{until:%d.%m.%Y}", entry)
    return Term("term", fnsi, codes[fnsi], TERM_TEXT[fnsi], None, until, entry.verified and cap_rule.verified)
