"""Every intake rule with a passing and a failing referral (process.md §6.4, §6.5; EREF slides 23 and 28)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from mse.adapters.refdata.icd10 import icd10
from mse.domain.referrals import Stage
from mse.domain.signatures import SignatureProblem, SignatureVerdict
from mse.forms import load_form
from mse.rules.intake import RULES, IntakeFacts, evaluate, patient_key
from mse.rules.reference import ExamList, ExamSection, RequiredExam, icd_in_ranges
from tests.intake_support import OGRN_X, rich_referral

SCHEMA = load_form("referral-088u", "2022-11-21")
VALID_SIGNATURE = SignatureVerdict(valid=True, problem=None, message="Подпись действительна", signer_ogrn=OGRN_X)
STROKE_EXAMS = ExamList([
    RequiredExam("I60-I69", "B01.023.001", "Прием (осмотр, консультация) врача-невролога первичный", True, ExamSection.ADULT, date(2021, 7, 1)),
    RequiredExam("I60-I69", "A05.23.009", "Магнитно-резонансная томография головного мозга", True, ExamSection.ADULT, date(2021, 7, 1)),
    RequiredExam("I60-I69", "A12.05.005", "Исследование уровня холестерина", False, ExamSection.ADULT, date(2021, 7, 1)),
    RequiredExam("I60-I69", "B01.031.001", "Прием врача-педиатра", True, ExamSection.CHILD, date(2021, 7, 1)),
])


def facts(data: dict[str, Any] | None = None, **kw: Any) -> IntakeFacts:
    base: dict[str, Any] = {"data": data if data is not None else rich_referral(), "schema": SCHEMA, "received_on": date(2026, 3, 2),
                            "sender_ogrn": OGRN_X, "signature": VALID_SIGNATURE, "sender_region": "77", "bureau_region": "77",
                            "icd": icd10(), "exams": STROKE_EXAMS}
    base.update(kw)
    return IntakeFacts(**base)


def failed(f: IntakeFacts) -> set[str]:
    return {x.rule_id for x in evaluate(f).findings}


def test_the_rich_referral_passes_every_rule() -> None:
    report = evaluate(facts())
    assert report.findings == []
    assert report.notes == []


# (rule id, facts that break exactly that rule, why — the act's wording)
FAILING: list[tuple[str, IntakeFacts, str]] = [
    ("NA1", facts(duplicate_of="направление № 7"), "документ с аналогичными реквизитами уже получен"),
    ("NA2", facts(paper_twin="дело № 1-000001/2026"), "МСЭ уже проведена по бумажному аналогу"),
    ("NA3", facts(signature=SignatureVerdict(False, SignatureProblem.UNTRUSTED, "Сертификат не доверен")), "УКЭП не действующая"),
    ("NA4", facts(sender_region="50"), "МО другого субъекта РФ"),
    ("RR1", facts(rich_referral(snils=None)), "нет СНИЛС гражданина РФ"),
    ("RR1", facts(rich_referral(patientBirthDate="2027-01-01")), "дата рождения в будущем"),
    ("RR1", facts(rich_referral(patientFirstName=None)), "не заполнено имя (п. 6)"),
    ("RR2", facts(rich_referral(anamnesisDisease="нет")), "анамнез — заглушка"),
    ("RR2", facts(rich_referral(anamnesisDisease=None)), "анамнез отсутствует"),
    ("RR3", facts(rich_referral(examinations=[rich_referral()["examinations"][0]])), "нет МРТ головного мозга"),
    ("RR4", facts(rich_referral(diagnosisMainIcd="I63")), "рубрика с подрубриками"),
    ("RR4", facts(rich_referral(diagnosisMainIcd="Z99.99")), "кода нет в МКБ-10"),
    ("RR4", facts(rich_referral(comorbiditiesIcd=["I11.9", "X"])), "неверный код сопутствующего"),
    ("RR5", facts(rich_referral(rehabRecommendations=None)), "цель — ИПРА, а п. 35 пуст"),
]


@pytest.mark.parametrize(("rule_id", "f", "why"), FAILING, ids=[f"{r}-{w}" for r, _, w in FAILING])
def test_each_rule_fails_on_its_own_defect(rule_id: str, f: IntakeFacts, why: str) -> None:
    assert failed(f) == {rule_id}, why


def test_depersonalised_extraterritorial_referral_is_not_other_region() -> None:
    # process.md §10 G-3 / ПП 588 п.30: depersonalised absentee MSE may be held in any region.
    assert failed(facts(sender_region="50", extraterritorial=True)) == set()


def test_exam_check_says_plainly_when_the_list_is_not_loaded() -> None:
    report = evaluate(facts(exams=ExamList([])))
    assert report.findings == []
    assert [n.rule_id for n in report.notes] == ["RR3"]
    assert "не загружен" in report.notes[0].message


def test_exam_check_names_the_missing_examination_and_ignores_additional_ones() -> None:
    data = rich_referral(examinations=[{"date": "2026-02-10", "code": "", "name": "Магнитно-резонансная томография головного мозга",
                                        "result": "киста"}])
    finding = next(f for f in evaluate(facts(data)).findings if f.rule_id == "RR3")
    assert finding.details == ("B01.023.001 Прием (осмотр, консультация) врача-невролога первичный",)


def test_children_are_checked_against_section_two() -> None:
    child = rich_referral(patientBirthDate="2015-04-01")
    finding = next(f for f in evaluate(facts(child)).findings if f.rule_id == "RR3")
    assert finding.details == ("B01.031.001 Прием врача-педиатра",)


def test_palliative_and_sick_leave_are_never_return_reasons() -> None:
    # EREF s.20 / process.md R11: the regional exclusions are prioritised, not returned.
    data = rich_referral(needsPalliativeCare=True, needsPrimaryProsthetics=True, elnPresent=True, elnNumber="910000000001")
    assert failed(facts(data)) == set()


def test_rules_are_dated_and_cited() -> None:
    for rule in RULES:
        assert rule.citation
        assert rule.title
        assert rule.in_force_on(date(2026, 3, 2))
        assert not rule.in_force_on(date(2020, 1, 1))
    assert {r.rule_id for r in RULES if r.stage is Stage.RECEIPT} == {"NA1", "NA2", "NA3", "NA4"}
    assert {r.rule_id for r in RULES if r.stage is Stage.CONTENT} == {"RR1", "RR2", "RR3", "RR4", "RR5"}


@pytest.mark.parametrize(("code", "ranges", "inside"), [
    ("I63.5", "I60-I69", True), ("I69", "I60-I69", True), ("I70.0", "I60-I69", False), ("E14.9", "E10-E14, E66", True),
    ("E66.0", "E10-E14, E66", True), ("E65", "E10-E14, E66", False), ("G35", "G35", True), ("I63.5", "I63.5", True),
    ("I63.4", "I63.5", False), ("C50.1", "C00-C97", True),
])
def test_icd_ranges(code: str, ranges: str, inside: bool) -> None:
    assert icd_in_ranges(code, ranges) is inside


def test_patient_key_prefers_snils_and_normalises_names() -> None:
    assert patient_key(rich_referral()) == "11223344595"
    no_snils = rich_referral(snils=None)
    assert patient_key(no_snils) == patient_key(rich_referral(snils=None, patientLastName="ЕЛКИН"))
    assert datetime(2026, 1, 1, tzinfo=UTC)  # keeps the UTC import honest for type checkers


def test_priority_orders_the_queue_and_shortens_nothing_the_acts_do_not_shorten() -> None:
    from mse.domain.referrals import Priority
    from mse.rules.deadlines import PRIORITY_RULES, decision_term_days, priority_rank

    day = date(2026, 3, 2)
    assert priority_rank([Priority.PALLIATIVE], day) > priority_rank([Priority.PROSTHETICS, Priority.SICK_LEAVE], day)
    assert priority_rank([], day) == 0
    assert all(r.citation for r in PRIORITY_RULES)
    # The seeds name no shortened term for any category (process.md §3.6.1, R11): the 30 days stand.
    assert decision_term_days(list(Priority), day, 30) == 30
