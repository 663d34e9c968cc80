"""The rules made faster for issue 7 (P2) give exactly the findings of their earlier, plain versions.

The earlier versions are kept here as the specification: RR1 validated the whole referral and kept the citizen's
problems, RR2 folded every anamnesis, RR3 collected every examination's code and name, icd_in_ranges parsed the range
string at every call; D2 walked every option of the schema, D11 looked items up by a walk and sorted every purpose.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import Any

from bench.p02_validation import EXAMS, big_referral
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mse.adapters.refdata.icd10 import icd10
from mse.domain.signatures import SignatureVerdict
from mse.domain.values import normalize_name
from mse.forms import load_form, validate_document
from mse.rules import intake, protocol_checks
from mse.rules.intake import IntakeFacts, IntakeParams, IntakeRule, Outcome, evaluate, iso_date
from mse.rules.protocol_checks import Ctx, Issue, check_protocol
from mse.rules.reference import ExamList, ExamSection, RequiredExam, _rubric_key, icd_in_ranges
from tests.intake_support import rich_referral
from tests.unit.test_protocol_validator_properties import EDITIONS, FORM, valid_protocols
from tests.unit.test_validation_equivalence import bench_protocol, json_values, protocol_schema, referral_schema

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example, HealthCheck.filter_too_much]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=_SLOW, phases=[Phase.explicit, Phase.reuse, Phase.generate])
RECEIVED = date(2026, 3, 2)

# ------------------------------------------------------------------------------------------------ intake (088/у)


def old_person(f: IntakeFacts, r: IntakeRule) -> Outcome:
    problems = [p for p in validate_document(f.schema, f.data) if p.field.split(".")[0] in intake.PERSON_KEYS]
    return _person_with(problems, f, r)


def _person_with(problems: list[Any], f: IntakeFacts, r: IntakeRule) -> Outcome:
    """RR1's own checks after the form problems (unchanged), fed the problems of the whole document."""
    details = [p.message for p in problems]
    birth = iso_date(f.data.get("patientBirthDate"))
    if birth is not None:
        if birth > f.received_on:
            details.append("Дата рождения позже даты поступления направления")
        elif (f.received_on.year - birth.year) > f.params.max_age_years:
            details.append(f"Возраст более {f.params.max_age_years} лет — проверьте дату рождения")
    if not f.data.get("snils") and f.data.get("citizenship") in (None, "1"):
        details.append("Не указан СНИЛС гражданина Российской Федерации (п. 15)")
    if f.data.get("noFixedResidence") is not True and not f.data.get("residenceLocality"):
        details.append("Не указан адрес места жительства (п. 11)")
    if details:
        return r.finding("Сведения о гражданине представлены не полностью или недостоверно", tuple(dict.fromkeys(details)))
    return None


def old_anamnesis(f: IntakeFacts, r: IntakeRule) -> Outcome:
    text = f.data.get("anamnesisDisease")
    if not isinstance(text, str) or not text.strip():
        return r.finding("Анамнез заболевания отсутствует (п. 24)")
    cleaned = text.strip()
    if cleaned.casefold() in intake._PLACEHOLDERS or len(cleaned) < f.params.min_anamnesis_chars:
        return r.finding(f"Анамнез заболевания описан недостаточно (п. 24): {len(cleaned)} знаков, "
                         f"ожидается не менее {f.params.min_anamnesis_chars}")
    return None


def old_examinations(f: IntakeFacts, r: IntakeRule) -> Outcome:
    icd = f.data.get("diagnosisMainIcd")
    if not isinstance(icd, str) or not icd:
        return None
    assert f.exams is not None
    birth = iso_date(f.data.get("patientBirthDate"))
    child = birth is not None and 0 <= intake._age(birth, f.received_on) < 18
    required = [e for e in f.exams.for_diagnosis(icd, ExamSection.CHILD if child else ExamSection.ADULT, f.received_on) if e.basic]
    if not required:
        return intake._examinations(f, r)  # the note: unchanged code
    done = f.data.get("examinations")
    rows = [row for row in done if isinstance(row, dict)] if isinstance(done, list) else []
    codes = {str(row.get("code", "")).strip().upper() for row in rows}
    names = [normalize_name(str(row.get("name", ""))) for row in rows]
    missing = [e for e in required if e.code.upper() not in codes and not any(normalize_name(e.name) in n for n in names)]
    if missing:
        return r.finding(f"Не проведены основные обследования, обязательные при {icd}: {len(missing)} из {len(required)}",
                         tuple(f"{e.code} {e.name}" for e in missing))
    return None


OLD_INTAKE = tuple(dataclasses.replace(r, check={"RR1": old_person, "RR2": old_anamnesis, "RR3": old_examinations}.get(r.rule_id, r.check))
                   for r in intake.RULES)
EXAM_LIST = ExamList([RequiredExam(icd_ranges=ranges, code=c, name=n, basic=True, section=section, valid_from=date(2020, 1, 1))
                      for ranges in ("I60-I69", "I63.5, E10-E14") for c, n in EXAMS[:3] for section in ExamSection])


def intake_facts(data: dict[str, Any], min_anamnesis_chars: int = 50) -> IntakeFacts:
    return IntakeFacts(data=data, schema=referral_schema(), received_on=RECEIVED, sender_ogrn="1027700132195",
                       signature=SignatureVerdict(True, None, "Подпись действительна"), sender_region="77", bureau_region="77",
                       icd=icd10(), exams=EXAM_LIST, params=IntakeParams(min_anamnesis_chars=min_anamnesis_chars))


REFERRAL_EDITS = st.sampled_from(["snils", "patientBirthDate", "sex", "citizenship", "residenceLocality", "anamnesisDisease",
                                  "diagnosisMainIcd", "examinations", "contactEmail", "repSnils", "zz", "snils.x"])
ANAMNESES = st.sampled_from(["нет", " НЕТ ", "Н/Д", "-", "ẞ" * 3, "x" * 49, "x" * 50, "Без особенностей", " без Особенностей", "без особенностей.", ""])
EXAM_ROWS = st.lists(st.fixed_dictionaries({"date": st.just("2026-02-01"), "code": st.sampled_from([c for c, _ in EXAMS] + ["", " a05.23.009 "]),
                                            "name": st.sampled_from([n for _, n in EXAMS] + ["магнитно-резонансная томография головного мозга"]),
                                            "result": st.just("норма")}), max_size=6)


@SETTINGS
@given(base=st.sampled_from(["rich", "big"]), edits=st.dictionaries(REFERRAL_EDITS, json_values() | ANAMNESES | EXAM_ROWS, max_size=4),
       min_chars=st.sampled_from([0, 3, 50]))  # below the placeholders' length, RR2's placeholder test is what reports them
def test_intake_rules_as_before(base: str, edits: dict[str, Any], min_chars: int) -> None:
    data = {**(rich_referral() if base == "rich" else big_referral()), **edits}
    facts = intake_facts(data, min_chars)
    assert evaluate(facts) == evaluate(facts, OLD_INTAKE)


def test_placeholders_and_short_anamneses_as_before() -> None:
    texts = ["нет", " НЕТ ", "Н/Д", "-", "—", "ẞ" * 3, "Без особенностей", " без Особенностей ", "без особенностей.", "x" * 49, "x" * 50, ""]
    for text in texts:
        for min_chars in (0, 3, 16, 17, 50):
            facts = intake_facts({**rich_referral(), "anamnesisDisease": text}, min_chars)
            assert evaluate(facts) == evaluate(facts, OLD_INTAKE), (text, min_chars)


def old_icd_in_ranges(icd_code: str, ranges: str) -> bool:
    target = _rubric_key(icd_code)
    if target is None:
        return False
    for part in (p.strip() for p in ranges.replace(";", ",").split(",")):
        if not part:
            continue
        low_raw, _, high_raw = part.partition("-")
        low = _rubric_key(low_raw)
        high = _rubric_key(high_raw) if high_raw else low
        if low is None or high is None:
            continue
        lo, hi = low, (high[0], high[1], high[2] if high[2] >= 0 else 99)
        if lo <= target <= hi or (lo[2] < 0 and target[:2] == lo[:2]):
            return True
    return False


CODES = st.from_regex(r"[A-Z][0-9]{2}(\.[0-9]{1,2})?[+*]?", fullmatch=True) | st.sampled_from(["", "I63", "I63.5", "X", "E14.9"])


RANGES = st.tuples(st.sampled_from([", ", ";", ","]), st.lists(st.tuples(CODES, st.sampled_from(["", "-"]), CODES), max_size=4)).map(
    lambda drawn: drawn[0].join(f"{a}{dash}{b if dash else ''}" for a, dash, b in drawn[1]))


@settings(max_examples=300, deadline=None)
@given(code=CODES, ranges=RANGES | st.sampled_from(["I60-I69", "E10-E14, E66, I63.5", "I63-I63.5", " ; ,I63"]))
def test_icd_ranges_as_before(code: str, ranges: str) -> None:
    assert icd_in_ranges(code, ranges) == old_icd_in_ranges(code, ranges)


# ------------------------------------------------------------------------------------------------ protocol (389н)


def old_options_in_force(c: Ctx) -> Iterable[Issue]:
    held = c.day("2")
    if held is None:
        return
    for it in c.schema.items():
        for option in it.options:
            if option.valid_from is not None and held < option.valid_from and option.code in c.codes(it.key):
                yield it.key, f"Вариант {option.code} применяется с {protocol_checks._fmt(option.valid_from)}, а МСЭ проведена {protocol_checks._fmt(held)}"


def old_decision_for_purpose(c: Ctx) -> Iterable[Issue]:
    for purpose in sorted(c.codes("23"), key=protocol_checks._code_key):
        wanted = protocol_checks._PURPOSE_DECISIONS.get(purpose)
        if wanted and not any(c.filled(k) for k in wanted) and any(any(it.key == k for it in c.schema.items()) for k in wanted):
            yield wanted[0], f"Для цели {purpose} не вынесено решение (пункт {' или '.join(wanted)})"


OLD_PROTOCOL = tuple(dataclasses.replace(r, check={"D2": old_options_in_force, "D11": old_decision_for_purpose}.get(r.rule_id, r.check))
                     for r in protocol_checks.RULES)
PROTOCOL_EDITS = st.sampled_from(["2", "1", "3.4", "5", "20", "21", "23", "24.1", "79.1", "79.2", "79.13.1", "79.13.4.percent",
                                  "80", "81", "83.1", "83.2", "84", "89", "92", "96", "97", "85.from", "85.to"])
PROTOCOL_VALUES = json_values() | st.sampled_from(["2023-05-31", "2023-06-01", "2024-01-01", "2022-10-01", "20.3", "21.8",
                                                   ["23.1", "23.6", "23.7"], ["23.19", "23.2"], {"option": "79.1.2", "percent": 40}])


@SETTINGS
@given(edits=st.dictionaries(PROTOCOL_EDITS, PROTOCOL_VALUES, max_size=4), on=st.sampled_from([date(2023, 1, 1), date(2026, 3, 10)]))
def test_protocol_rules_as_before_on_the_benchmark_protocol(edits: dict[str, Any], on: date) -> None:
    data = {**bench_protocol(), **edits}
    assert check_protocol(protocol_schema(), data, on=on) == check_protocol(protocol_schema(), data, on=on, rules=OLD_PROTOCOL)


@SETTINGS
@given(version=st.sampled_from(EDITIONS), data=st.data())
def test_protocol_rules_as_before_on_generated_protocols(version: str, data: st.DataObject) -> None:
    schema = load_form(FORM, version)
    doc = data.draw(valid_protocols(schema), label="protocol")
    on = date(2026, 3, 10)
    assert check_protocol(schema, doc, on=on) == check_protocol(schema, doc, on=on, rules=OLD_PROTOCOL)
