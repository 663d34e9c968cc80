"""Decision support of the expert decision (389н items 78–86(1)): a pure evaluator over the dated criteria.

``evaluate(inp, rows)`` applies the rule set in force on the decision date (585н until 28.02.2025, 374н from
01.03.2025): the dominant impairment, the +10 % for aggravation only when the expert states it, the degree, the
outcome by age, ЦРГ from the appendix rows (374н), the term, re-examination and «until» dates — and writes every
step as a Russian sentence with the rule id, its citation and whether the fact is verified (eCAT-style rationale).
It suggests; the expert decides (a departure needs a written reason, item 102 — see decision_protocol.departures).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from mse.domain.protocols import DISABILITY_ESTABLISHED
from mse.rules.criteria.appendix import QuantRow, match_rows
from mse.rules.criteria.dates import completed_years
from mse.rules.criteria.rulesets import Degree, Entry, RuleSet, other_ruleset, ruleset_in_force
from mse.rules.decision_input import DecisionInput, Impairment
from mse.rules.decision_terms import Term, suggest_term

# Labels as printed in the protocol form (389н прил.1, items 79 and 80).
IMPAIRMENT_LABELS = {
    "79.1": "нарушение психических функций", "79.2": "нарушение языковых и речевых функций", "79.3": "нарушение сенсорных функций",
    "79.4": "нарушение нейромышечных, скелетных и связанных с движением (статодинамических) функций",
    "79.5": "нарушение функций сердечно-сосудистой системы", "79.6": "нарушение функций дыхательной системы",
    "79.7": "нарушение функций пищеварительной системы", "79.8": "нарушение функций эндокринной системы и метаболизма",
    "79.9": "нарушение функций системы крови и иммунной системы", "79.10": "нарушение мочевыделительной функции",
    "79.11": "нарушение функции кожи и связанных с ней систем", "79.12": "нарушения, обусловленные физическим внешним уродством",
}
OUTCOME_LABELS = {"80.1": "первая группа", "80.2": "вторая группа", "80.3": "третья группа",
                  "80.4": "категория \"ребенок-инвалид\"", "80.5": "не установлена"}

NO_ROW = "нет загруженной строки"


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: str
    result: str
    rule: str
    citation: str
    verified: bool

    @classmethod
    def of(cls, step_id: str, title: str, result: str, entry: Entry) -> Step:
        return cls(step_id, title, result, entry.id, entry.citation, entry.verified)


@dataclass(frozen=True, slots=True)
class MatchedRow:
    ruleset: str
    item: str
    population: str
    percent_min: int
    percent_max: int
    crg: str | None
    characteristic: str
    derived: bool  # matched by the ICD-10 class of the item's section, not by a printed code
    percent_fits: bool | None  # the case's percent for this diagnosis lies in the row's range


@dataclass(frozen=True, slots=True)
class AppendixMatch:
    icd10: str
    rows: tuple[MatchedRow, ...]
    message: str


@dataclass(frozen=True)
class Suggestion:
    ruleset: str
    ruleset_title: str
    decision_date: date
    age: int
    adult: bool
    impairments: tuple[Impairment, ...]
    dominant: Impairment | None
    aggravation_applied: bool
    final_percent: int | None
    degree: str | None
    degree_label: str | None
    degree_option: str | None  # "79.13.4.N" (several impairments) or "79.x.N" (one)
    disability_requested: bool
    outcome: str | None  # 80.x, or None when the purposes ask no decision on disability
    outcome_label: str
    crg: tuple[str, ...]
    crg_provided: bool  # the rule set has ЦРГ (374н)
    term: Term | None
    appendix: tuple[AppendixMatch, ...]
    warnings: tuple[str, ...]
    steps: tuple[Step, ...]
    alternative: Suggestion | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        d = self.dominant
        return {
            "ruleset": self.ruleset, "ruleset_title": self.ruleset_title, "decision_date": self.decision_date.isoformat(),
            "age": self.age, "adult": self.adult,
            "dominant": None if d is None else {"type": d.type, "label": IMPAIRMENT_LABELS[d.type], "percent": d.percent},
            "aggravation_applied": self.aggravation_applied, "final_percent": self.final_percent,
            "degree": self.degree, "degree_label": self.degree_label, "degree_option": self.degree_option,
            "disability_requested": self.disability_requested, "outcome": self.outcome, "outcome_label": self.outcome_label,
            "crg": list(self.crg), "crg_provided": self.crg_provided,
            "term": None if self.term is None else self.term.to_json(),
            "appendix": [{"icd10": m.icd10, "message": m.message, "rows": [vars_of(r) for r in m.rows]} for m in self.appendix],
            "warnings": list(self.warnings),
            "steps": [vars_of(s) for s in self.steps],
            "alternative": None if self.alternative is None else self.alternative.to_json(),
        }


def vars_of(obj: Step | MatchedRow) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


class _Trace:
    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.warnings: list[str] = []

    def step(self, step_id: str, title: str, result: str, entry: Entry) -> None:
        self.steps.append(Step.of(step_id, title, result, entry))

    def warn(self, text: str, entry: Entry | None = None) -> None:
        self.warnings.append(text if entry is None or entry.verified else f"{text} [не сверено с текстом акта]")


def evaluate(inp: DecisionInput, rows: Sequence[QuantRow] = (), *, compare: bool | None = None,
             ruleset: RuleSet | None = None) -> Suggestion:
    """The suggestion for ``inp`` under the set in force on its decision date (or ``ruleset`` when forced).

    ``alternative`` holds the same evaluation under the other set when the case straddles a change of sets
    (registration and decision dates under different sets) or when asked (``compare`` / ``inp.compare``).
    """
    rs = ruleset or ruleset_in_force(inp.decision_date)
    if rs is None:
        raise ValueError(f"no rule set in force on {inp.decision_date}")  # parse_input refuses such dates
    main = _evaluate(inp, rows, rs, forced=ruleset is not None)
    if ruleset is not None:
        return main
    registered = ruleset_in_force(inp.registration_date) if inp.registration_date else None
    straddles = registered is not None and registered.id != rs.id
    wanted = inp.compare if compare is None else compare
    other = registered if straddles else (other_ruleset(rs) if wanted else None)
    if other is None:
        return main
    alt = _evaluate(inp, rows, other, forced=True)
    if straddles:
        main = replace(main, warnings=(*main.warnings, (
            f"Дело зарегистрировано {inp.registration_date:%d.%m.%Y}, когда действовали классификации и критерии ({act_name(other)}); "
            f"решение от {inp.decision_date:%d.%m.%Y} принимается по действующим на его дату ({act_name(rs)}): "
            "для сравнения приведена оценка по прежним критериям")))
    return replace(main, alternative=alt)


def act_name(rs: RuleSet) -> str:
    """«приказ Минтруда России от … № …» — the act's name in running text."""
    return rs.act[:1].lower() + rs.act[1:]


def _evaluate(inp: DecisionInput, rows: Sequence[QuantRow], rs: RuleSet, *, forced: bool) -> Suggestion:
    t = _Trace()
    on = rs.reference_day(inp.decision_date)
    t.step("ruleset", "Применяемые классификации и критерии",
           (f"Оценка для сравнения по классификациям и критериям ({act_name(rs)}), действовавшим с {rs.valid_from:%d.%m.%Y}"
            + (f" по {rs.valid_to:%d.%m.%Y}" if rs.valid_to else "") if forced else
            f"Решение от {inp.decision_date:%d.%m.%Y}: применяются классификации и критерии ({act_name(rs)}), "
            f"действующие с {rs.valid_from:%d.%m.%Y}"),
           Entry(rs.id, rs.title, None, rs.act, True))
    age = completed_years(inp.birth_date, inp.decision_date)
    adult_age = int(rs.entry("age.adult").value["years"])
    adult = age >= adult_age
    ref = rs.entry("appendix.reference").value
    feb29 = " (родился 29 февраля: возраст наступает 28 февраля невисокосного года)" if (
        inp.birth_date.month, inp.birth_date.day) == (2, 29) else ""
    t.step("age", "Возраст на дату решения",
           f"Полных лет на {inp.decision_date:%d.%m.%Y}: {age}{feb29}; "
           + (f"{adult_age} лет и старше — критерии для взрослых, {ref['adult']} (протокол {ref['protocol_adult']})" if adult else
              f"до {adult_age} лет — критерии для детей, {ref['child']} (протокол {ref['protocol_child']})"),
           rs.entry("age.counting"))
    _purpose_warnings(inp, adult, t)

    dominant, final, applied = _combine(inp, rs, t)
    degree = rs.degree_of(final) if final is not None else None
    option = None
    if degree is not None and dominant is not None:
        option = f"79.13.4.{degree.option}" if len(inp.impairments) > 1 else f"{dominant.type}.{degree.option}"
        t.step("degree", "Степень выраженности стойких нарушений функций организма",
               f"{final} % — {degree.name} степень ({degree.label}); отметка в протоколе: {option}", degree.entry)

    outcome = _outcome(inp, rs, degree, adult, t)
    crg = _crg(inp, rows, rs, outcome, adult, final, on, t)
    term = suggest_term(inp, rs, outcome, adult, t.step, t.warn) if outcome in DISABILITY_ESTABLISHED else None
    appendix = _appendix(inp, rows, rs, adult, final, on, t)
    return Suggestion(
        ruleset=rs.id, ruleset_title=rs.title, decision_date=inp.decision_date, age=age, adult=adult,
        impairments=inp.impairments, dominant=dominant, aggravation_applied=applied, final_percent=final,
        degree=degree.name if degree else None, degree_label=degree.label if degree else None, degree_option=option,
        disability_requested=inp.disability_requested, outcome=outcome,
        outcome_label=OUTCOME_LABELS[outcome] if outcome else "решение об инвалидности целями МСЭ не запрошено (нет целей 23.1, 23.2)",
        crg=crg, crg_provided=rs.has("crg.appendix"), term=term, appendix=appendix,
        warnings=tuple(t.warnings), steps=tuple(t.steps),
    )


def _purpose_warnings(inp: DecisionInput, adult: bool, t: _Trace) -> None:
    if adult and "23.2" in inp.purposes:
        t.warn("Цель 23.2 (категория «ребенок-инвалид») указана для гражданина 18 лет и старше: оценивается группа инвалидности")
    if not adult and "23.1" in inp.purposes:
        t.warn("Цель 23.1 (группа инвалидности) указана для гражданина до 18 лет: оценивается категория «ребенок-инвалид»")


def _combine(inp: DecisionInput, rs: RuleSet, t: _Trace) -> tuple[Impairment | None, int | None, bool]:
    """Dominant impairment, final percent, whether +10 % was applied (combination rule)."""
    if not inp.impairments:
        t.step("dominant", "Стойкие нарушения функций организма", "Стойкие нарушения функций организма не указаны (пункт 79 не заполнен)",
               rs.entry("combination.dominant"))
        return None, None, False
    dominant = max(inp.impairments, key=lambda i: i.percent)  # first of the maximal ones, in the order given
    listing = "; ".join(f"{i.type} {IMPAIRMENT_LABELS[i.type]} — {i.percent} %" for i in inp.impairments)
    t.step("dominant", "Максимально выраженное нарушение",
           f"Оценено нарушений: {len(inp.impairments)} ({listing}). Максимально выраженное: {dominant.type} — {dominant.percent} %",
           rs.entry("combination.dominant"))
    rule = rs.entry("combination.aggravation")
    cap = int(rs.entry("combination.cap").value["max"])
    step_up = int(rule.value["increment"])
    final, applied = dominant.percent, False
    if len(inp.impairments) < int(rule.value["min_impairments"]):
        result = "Одно нарушение: суммарная оценка равна его проценту"
        if inp.aggravation:
            t.warn("Указано влияние других нарушений (79.13.2), но нарушение одно: увеличение на 10 % не применяется", rule)
            result += "; указанное влияние не учитывается — других нарушений нет"
    elif inp.aggravation is True:
        final, applied = min(dominant.percent + step_up, cap), True
        result = (f"Эксперт указал влияние других нарушений на максимально выраженное: {dominant.percent} % + {step_up} % = "
                  f"{dominant.percent + step_up} %" + (f", но не более {cap} % — итог {final} %" if final < dominant.percent + step_up
                                                       else f" — итог {final} %"))
    elif inp.aggravation is False:
        result = f"Влияние других нарушений не установлено (79.13.2 «нет»): итог равен максимальному — {final} %"
    else:
        result = f"Влияние других нарушений не указано (79.13.2): итог равен максимальному — {final} %"
        t.warn("Нарушений несколько, но не указано наличие влияния других нарушений (пункт 79.13.2)", rule)
    t.step("aggravation", "Суммарная оценка при нескольких нарушениях", result, rule)
    return dominant, final, applied


def _outcome(inp: DecisionInput, rs: RuleSet, degree: Degree | None, adult: bool, t: _Trace) -> str | None:
    who = "adult" if adult else "child"
    entry = rs.entry(f"outcome.{who}")
    if not inp.disability_requested:
        t.step("outcome", "Инвалидность (пункт 80)",
               "Цели МСЭ не включают установление группы инвалидности (23.1) или категории «ребенок-инвалид» (23.2): "
               "решение об инвалидности не запрошено", entry)
        return None
    if degree is None:
        t.step("outcome", "Инвалидность (пункт 80)", "Стойкие нарушения не оценены: инвалидность не установлена (80.5)", entry)
        return "80.5"
    code = str(entry.value[degree.name])
    t.step("outcome", "Инвалидность (пункт 80)",
           f"{degree.name} степень у " + ("гражданина 18 лет и старше" if adult else "ребенка до 18 лет")
           + f": {code} — {OUTCOME_LABELS[code]}", entry)
    if adult and code in DISABILITY_ESTABLISHED:
        cond = rs.entry("outcome.adult_limitations")
        single, many = int(cond.value["single_category_min_degree"]), int(cond.value["categories_at_degree_1"])
        lim = inp.limitations
        ok = any(v >= single for v in lim.values()) or sum(1 for v in lim.values() if v >= 1) >= many
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(lim.items(), key=lambda kv: int(kv[0].split(".")[1]))) or "не указаны"
        t.step("limitations", "Ограничения основных категорий жизнедеятельности (пункт 78)",
               f"Ограничения: {shown} — " + ("условие выполнено" if ok else "условие не выполнено"), cond)
        if not ok:
            t.warn(f"Нет ограничения {single}–3 степени одной категории или 1 степени двух и более категорий (пункт 78): "
                   "проверьте основания для установления группы", cond)
    return code


def _crg(inp: DecisionInput, rows: Sequence[QuantRow], rs: RuleSet, outcome: str | None, adult: bool, final: int | None,
         on: date, t: _Trace) -> tuple[str, ...]:
    if not rs.has("crg.appendix"):
        return ()
    entry = rs.entry("crg.appendix")
    if outcome not in DISABILITY_ESTABLISHED:
        return ()
    found: list[str] = []
    for code, percent in _diagnosis_percents(inp, final):
        for m in match_rows(rows, code, ruleset=rs.id, adult=adult, on=on):
            r = m.row
            if r.crg and percent is not None and r.percent_min <= percent <= r.percent_max and r.crg not in found:
                found.append(r.crg)
    t.step("crg", "Целевая реабилитационная группа (пункт 86(1))",
           f"По строкам приложения: {', '.join(found)}" if found else
           "ЦРГ не определена: нет загруженной строки приложения с ЦРГ для диагнозов и процента случая", entry)
    return tuple(found)


def _diagnosis_percents(inp: DecisionInput, final: int | None) -> list[tuple[str, int | None]]:
    """Each diagnosis with the percent it is judged by: its own impairment's, else the final one."""
    own = {i.icd10: i.percent for i in inp.impairments if i.icd10}
    return [(code, own.get(code, final)) for code in inp.diagnoses()]


def _appendix(inp: DecisionInput, rows: Sequence[QuantRow], rs: RuleSet, adult: bool, final: int | None, on: date,
              t: _Trace) -> tuple[AppendixMatch, ...]:
    loaded = sum(1 for r in rows if r.ruleset == rs.id and r.in_force_on(on))
    out: list[AppendixMatch] = []
    for code, percent in _diagnosis_percents(inp, final):
        matched = tuple(
            MatchedRow(m.row.ruleset, m.row.item, m.row.population.value, m.row.percent_min, m.row.percent_max, m.row.crg,
                       m.row.characteristic, m.derived,
                       None if percent is None else m.row.percent_min <= percent <= m.row.percent_max)
            for m in match_rows(rows, code, ruleset=rs.id, adult=adult, on=on))
        if not matched:
            message = f"{NO_ROW} приложения {rs.id} для {code}" + (f" (загружено строк: {loaded})" if loaded else
                                                                   " (строки приложения не загружены)")
        else:
            parts = [f"п. {m.item} ({m.percent_min}–{m.percent_max} %" + (", по классу МКБ-10 раздела" if m.derived else "") + ")"
                     for m in matched]
            message = f"{code}: " + "; ".join(parts)
            if percent is not None and not any(m.percent_fits for m in matched):
                t.warn(f"Процент {percent} по диагнозу {code} вне диапазонов загруженных строк приложения ({', '.join(parts)})")
        out.append(AppendixMatch(code, matched, message))
    if out:
        entry = rs.entry("appendix.reference")
        t.step("appendix", "Строки количественной системы оценки (приложение)", " | ".join(m.message for m in out), entry)
    return tuple(out)

