"""Every cross-item rule of the protocol (389н) with a passing and a failing protocol (protocol.md §3).

Each case is the complete valid adult protocol (the referral fixture prefilled, plus ``ADULT_DECISION``)
with a few items changed: ``{key: value}`` sets an item, ``{key: None}`` removes it. A passing case has no
finding of its rule; a failing case has findings of its rule pointing exactly at the expected items.
Pure level: no database, only the form data, ``validate_document`` and ``check_protocol``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from mse.forms import form_in_force, validate_document
from mse.forms.prefill import prefill, prefill_rules
from mse.rules.protocol_checks import RULES, Finding, ProtocolParams, check_protocol
from tests.intake_support import RICH_REFERRAL
from tests.protocol_support import ADULT_DECISION

HELD = date(2026, 3, 10)  # item 2 of ADULT_DECISION
SCHEMA = form_in_force("protocol-389n", HELD)
RULE = {r.rule_id: r for r in RULES}
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def adult_protocol() -> dict[str, Any]:
    """The complete valid adult protocol: prefilled from the referral, then the expert's part."""
    data, _ = prefill(prefill_rules("protocol-389n"), {
        "case": {"number": "A1-000001/2026", "registered_on": "2026-03-02", "bureau_name": "Бюро № 1"},
        "referral": RICH_REFERRAL,
    })
    data.update(copy.deepcopy(ADULT_DECISION))
    data["5.age"] = 54  # RICH_REFERRAL: born 14.05.1971; ADULT_DECISION assumes the registry's 1970
    return data


def changed(changes: Mapping[str, Any]) -> dict[str, Any]:
    data = adult_protocol()
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = copy.deepcopy(value)
    return data


def findings(changes: Mapping[str, Any], params: ProtocolParams | None = None, on: date = HELD) -> list[Finding]:
    return check_protocol(SCHEMA, changed(changes), on=on, params=params)


def of_rule(rule_id: str, found: list[Finding]) -> list[Finding]:
    return [f for f in found if f.rule_id == rule_id]


# Building blocks of the cases.
CHILD = {"5": "2012-01-01", "5.age": 14, "23": ["23.2", "23.13"], "80": "80.4"}  # 14 years on 10.03.2026
INFANT = {"5": "2025-12-01", "5.age": 3, "5.age_unit": "months"}  # 3 completed months on 10.03.2026
REPRESENTATIVE = {"17.kind": "legal", "17.1": "Ёлкина Мария Петровна", "17.3.date": "2001-02-03", "17.4.date": "2025-01-20"}
DECEASED = {"23": ["23.12"], "5.death": "2026-02-01", "97": "Смерть наступила вследствие повторного инсульта.",
            "17.kind": "family", "17.1": "Ёлкина Мария Петровна", "17.4.kind": "kinship"}
# Two impairments (79.1 50 %, 79.2 70 %): the summary 79.13, influence "есть", final 80 % (III степень).
SUMMARY = {"79.1": {"option": "79.1.2", "percent": 50}, "79.13.1": 70, "79.13.1.1": "пункт 4 приложения N 1",
           "79.13.2": "yes", "79.13.3": "Нарушения психических функций утяжеляют двигательные нарушения.",
           "79.13.4": "79.13.4.3", "79.13.4.percent": 80}
NO_DISABILITY = {"80": "80.5", "81": None, "83.1": None, "83.term": None, "83.2": None, "84": None, "92": "no", "93": "no"}
REPEAT = {"22.1": "repeat", "24.1": "24.1.3"}


# (rule id, changes) — no finding of the rule.
PASSES = [
    pytest.param("B3", {}, id="B3-received-held-decided-in-order"),
    pytest.param("B3", {"1": "2026-03-10", "3.4": "2026-03-10"}, id="B3-all-on-the-same-day"),
    pytest.param("B4", {}, id="B4-started-after-arrival"),
    pytest.param("B4", {"3.3": "09:50"}, id="B4-started-at-arrival"),
    pytest.param("B6", {}, id="B6-born-before-held-passport-after-birth"),
    pytest.param("B6", REPRESENTATIVE, id="B6-representative-documents-before-held"),
    pytest.param("B6", DECEASED, id="B6-death-between-birth-and-held"),
    pytest.param("B6", {"5.death": "2026-03-10", "23": ["23.12"]}, id="B6-death-on-the-day-held"),
    pytest.param("A11", {}, id="A11-adult-completed-years"),
    pytest.param("A11", {"5": "1971-03-10", "5.age": 55}, id="A11-birthday-on-the-day-held-counts"),
    pytest.param("A11", INFANT, id="A11-infant-completed-months"),
    pytest.param("B7", {}, id="B7-until-after-held-next-before-until"),
    pytest.param("B7", {"84": "2027-04-01"}, id="B7-next-mse-on-the-until-date"),
    pytest.param("B7", {"83.1": "indefinite", "83.term": None, "83.2": None, "84": None}, id="B7-indefinite-no-dates"),
    pytest.param("B8", {"85.from": "2025-01-01", "85.to": "2025-06-30", "85.verdict": "valid",
                        "86.from": "2025-01-01", "86.to": "2026-03-10", "86.verdict": "established"},
                 id="B8-missed-periods-in-order-ending-by-held"),
    pytest.param("D1", {}, id="D1-medical-organisation-basis-19.1"),
    pytest.param("D1", {"1.source": "application", "19": "19.3"}, id="D1-application-basis-19.3"),
    pytest.param("D1", {"1.source": "court", "19": "19.6"}, id="D1-court-basis-19.6"),
    pytest.param("D2", {}, id="D2-in-person-form"),
    pytest.param("D2", {"20": "20.3", "21": "21.8"}, id="D2-remote-form-after-2023-06-01"),
    pytest.param("D2", {"2": "2023-06-01", "20": "20.3", "21": "21.8"}, id="D2-remote-form-on-2023-06-01"),
    pytest.param("D2", {"2": "2024-01-01", "20": "20.4", "21": None}, id="D2-20.4-on-2024-01-01"),
    pytest.param("D3a", {}, id="D3a-in-person-at-the-bureau"),
    pytest.param("D3a", {"20": "20.3", "21": "21.8"}, id="D3a-remote-with-21.8"),
    pytest.param("D3a", {"20": "20.1", "21": None}, id="D3a-absentee-no-place"),
    pytest.param("D12", {}, id="D12-adult-purpose-23.1"),
    pytest.param("D12", CHILD, id="D12-child-purpose-23.2"),
    pytest.param("D13", {}, id="D13-no-certificate-purpose"),
    pytest.param("D13", {**REPEAT, "23": ["23.1", "23.13", "23.16"]}, id="D13-23.16-with-disability-established"),
    pytest.param("D13", {**REPEAT, "23": ["23.18"], "24.1": "24.1.1"}, id="D13-23.18-with-disability-established"),
    pytest.param("D11", {}, id="D11-23.1-and-23.13-decided"),
    pytest.param("D11", {"23": ["23.1", "23.13", "23.6"], "88.1": 30}, id="D11-23.6-decided-by-88.1"),
    pytest.param("D11", {"23": ["23.1", "23.13", "23.4"], "96": "С 01.02.2026."}, id="D11-23.4-decided"),
    pytest.param("D11", {"23": ["23.1", "23.13", "23.19"], "86(1)": ["86(1).6"]}, id="D11-23.19-decided"),
    pytest.param("D11", {"23": ["23.1", "23.13", "23.16"]}, id="D11-certificate-purpose-needs-no-decision"),
    pytest.param("G9", {}, id="G9-adult-group-ii"),
    pytest.param("G9", CHILD, id="G9-child-category"),
    pytest.param("G9", {"5": "2008-03-10", "5.age": 18}, id="G9-group-on-the-18th-birthday"),
    pytest.param("G10", {}, id="G10-group-with-cause-and-term"),
    pytest.param("G10", NO_DISABILITY, id="G10-not-established-without-ipra"),
    pytest.param("G20", {}, id="G20-ipra-developed-and-issued"),
    pytest.param("G20", {"93": "no"}, id="G20-ipra-developed-not-issued"),
    pytest.param("G20", {"94": "yes", "95": "yes"}, id="G20-prp-developed-and-issued"),
    pytest.param("A8", {}, id="A8-70-in-iii-degree"),
    pytest.param("A8", {"79.2": {"option": "79.2.1", "percent": 30}}, id="A8-30-top-of-i-degree"),
    pytest.param("A8", {"79.2": {"option": "79.2.4", "percent": 100}}, id="A8-100-in-iv-degree"),
    pytest.param("A8", SUMMARY, id="A8-two-impairments-in-band"),
    pytest.param("G5", {}, id="G5-single-impairment-no-summary"),
    pytest.param("G5", SUMMARY, id="G5-influence-raises-by-10"),
    pytest.param("G5", {**SUMMARY, "79.13.4.percent": 70}, id="G5-influence-without-raise"),
    pytest.param("G5", {**SUMMARY, "79.13.2": "no", "79.13.3": None, "79.13.4.percent": 70}, id="G5-no-influence-equals-max"),
    pytest.param("E2", {}, id="E2-no-family-counts"),
    pytest.param("E2", {"28.a": 4, "28.b": 2, "28.c": 1, "28.d": 1}, id="E2-parts-within-total"),
    pytest.param("E3", {"25": "25.1"}, id="E3-adult-ordinary-status"),
    pytest.param("E3", {**CHILD, "25": "25.3"}, id="E3-child-orphan"),
    pytest.param("C12", {}, id="C12-no-representative"),
    pytest.param("C12", REPRESENTATIVE, id="C12-legal-representative-without-23.12"),
    pytest.param("C12", DECEASED, id="C12-family-of-deceased-with-23.12"),
]

# (rule id, changes, items the findings point at, in order).
FAILS = [
    pytest.param("B3", {"1": "2026-03-11"}, ["2"], id="B3-held-before-received"),
    pytest.param("B3", {"3.4": "2026-03-09"}, ["3.4"], id="B3-decided-before-held"),
    pytest.param("B4", {"3.3": "09:45"}, ["3.3"], id="B4-started-before-arrival"),
    pytest.param("B6", {"5": "2026-03-10", "16.date": None}, ["5"], id="B6-born-on-the-day-held"),
    pytest.param("B6", {"5": "2026-04-01", "16.date": None}, ["5"], id="B6-born-after-held"),
    pytest.param("B6", {**DECEASED, "5.death": "1970-12-31"}, ["5.death"], id="B6-death-before-birth"),
    pytest.param("B6", {**DECEASED, "5.death": "2026-03-11"}, ["5.death"], id="B6-death-after-held"),
    pytest.param("B6", {"16.date": "2026-03-11"}, ["16.date"], id="B6-passport-issued-after-held"),
    pytest.param("B6", {"16.date": "1971-05-13"}, ["16.date"], id="B6-passport-issued-before-birth"),
    pytest.param("B6", {**REPRESENTATIVE, "17.3.date": "2026-03-11"}, ["17.3.date"], id="B6-representative-id-after-held"),
    pytest.param("B6", {**REPRESENTATIVE, "17.4.date": "2026-03-11"}, ["17.4.date"], id="B6-authority-document-after-held"),
    pytest.param("B6", {**REPRESENTATIVE, "17.4.date": "1960-01-01"}, ["17.4.date"], id="B6-authority-document-before-birth"),
    pytest.param("A11", {"5.age": 55}, ["5.age"], id="A11-registry-age-not-completed-years"),
    pytest.param("A11", {"5": "1971-03-11", "5.age": 55}, ["5.age"], id="A11-birthday-the-day-after-held"),
    pytest.param("A11", {**INFANT, "5.age": 0, "5.age_unit": "years"}, ["5.age"], id="A11-infant-in-years"),
    pytest.param("A11", {**INFANT, "5.age": 2}, ["5.age"], id="A11-infant-wrong-months"),
    pytest.param("A11", {"5.age_unit": "months"}, ["5.age"], id="A11-adult-in-months"),
    pytest.param("B7", {"83.2": "2026-03-10", "84": "2026-03-10"}, ["83.2"], id="B7-until-on-the-day-held"),
    pytest.param("B7", {"83.2": "2026-01-01", "84": "2025-12-01"}, ["83.2"], id="B7-until-before-held"),
    pytest.param("B7", {"84": "2027-04-02"}, ["84"], id="B7-next-mse-after-until"),
    pytest.param("B8", {"85.from": "2025-06-30", "85.to": "2025-01-01", "85.verdict": "valid"}, ["85.to"], id="B8-85-range-reversed"),
    pytest.param("B8", {"85.from": "2025-01-01", "85.to": "2026-03-11", "85.verdict": "valid"}, ["85.to"], id="B8-85-ends-after-held"),
    pytest.param("B8", {"86.from": "2026-01-01", "86.to": "2025-01-01", "86.verdict": "established"}, ["86.to"],
                 id="B8-86-range-reversed"),
    pytest.param("B8", {"86.from": "2025-01-01", "86.to": "2026-04-01", "86.verdict": "established"}, ["86.to"],
                 id="B8-86-ends-after-held"),
    pytest.param("B8", {"23": ["23.6"], "87.1": 30, "87.7.from": "2025-06-30", "87.7.to": "2025-01-01"}, ["87.7.to"],
                 id="B8-87.7-range-reversed"),
    pytest.param("B8", {"23": ["23.6"], "88.1": 30, "88.7.from": "2025-01-01", "88.7.to": "2026-04-01"}, ["88.7.to"],
                 id="B8-88.7-ends-after-held"),
    pytest.param("D1", {"1.source": "pension"}, ["19"], id="D1-pension-body-with-basis-19.1"),
    pytest.param("D1", {"1.source": "application", "19": "19.6"}, ["19"], id="D1-application-with-court-basis"),
    pytest.param("D2", {"2": "2023-05-31", "20": "20.3", "21": "21.8"}, ["20", "21"], id="D2-remote-form-before-2023-06-01"),
    pytest.param("D2", {"2": "2023-05-31", "21": "21.8"}, ["21"], id="D2-21.8-before-2023-06-01"),
    pytest.param("D2", {"2": "2023-12-31", "20": "20.4", "21": None}, ["20"], id="D2-20.4-before-2024-01-01"),
    pytest.param("D3a", {"20": "20.3"}, ["21"], id="D3a-remote-at-the-bureau"),
    pytest.param("D3a", {"21": "21.8"}, ["21"], id="D3a-in-person-with-21.8"),
    pytest.param("D12", {"23": ["23.2", "23.13"]}, ["23"], id="D12-adult-child-category-purpose"),
    pytest.param("D12", {**CHILD, "23": ["23.1", "23.13"]}, ["23"], id="D12-child-group-purpose"),
    pytest.param("D13", {"23": ["23.1", "23.13", "23.16"]}, ["24.1"], id="D13-23.16-primary-mse"),
    pytest.param("D13", {**REPEAT, "23": ["23.18"], "24.1": "24.1.5"}, ["24.1"], id="D13-23.18-disability-not-established"),
    pytest.param("D13", {**REPEAT, "23": ["23.16", "23.18"], "24.1": None}, ["24.1", "24.1"], id="D13-both-certificates"),
    pytest.param("D13", {**REPEAT, "23": ["23.17"], "24.1": None}, ["24.6"], id="D13-23.17-without-previous-supt"),
    pytest.param("D11", {"80": None}, ["80"], id="D11-23.1-without-outcome"),
    pytest.param("D11", {"92": None, "93": None}, ["92"], id="D11-23.13-without-ipra-decision"),
    pytest.param("D11", {"23": ["23.1", "23.13", "23.4"]}, ["96"], id="D11-23.4-without-onset"),
    pytest.param("D11", {"23": ["23.1", "23.13", "23.6"]}, ["87.1"], id="D11-23.6-without-supt"),
    pytest.param("D11", {"23": ["23.1", "23.13", "23.19"]}, ["86(1)"], id="D11-23.19-without-rehabilitation-group"),
    pytest.param("D11", {"23": ["23.7", "23.10", "23.12"]}, ["89", "98", "97"], id="D11-several-purposes-undecided"),
    pytest.param("D11", {"23": ["23.14"], "80": None, "81": None, "83.1": None, "83.term": None, "83.2": None, "84": None,
                         "92": None, "93": None}, ["92"], id="D11-23.14-without-ipra-decision"),
    pytest.param("G9", {"80": "80.4"}, ["80"], id="G9-adult-child-category"),
    pytest.param("G9", {**CHILD, "80": "80.2"}, ["80"], id="G9-child-group"),
    pytest.param("G9", {"5": "2008-03-11", "5.age": 17, "80": "80.1"}, ["80"], id="G9-group-the-day-before-18"),
    pytest.param("G10", {"81": None}, ["81"], id="G10-group-without-cause"),
    pytest.param("G10", {"83.1": None, "83.term": None, "83.2": None, "84": None}, ["83.1"], id="G10-group-without-term"),
    pytest.param("G10", {**CHILD, "81": None, "83.1": None}, ["81", "83.1"], id="G10-child-category-without-cause-and-term"),
    pytest.param("G10", {**NO_DISABILITY, "92": "yes", "93": None}, ["92"], id="G10-not-established-with-ipra"),
    pytest.param("G20", {"92": "no"}, ["93"], id="G20-ipra-issued-not-developed"),
    pytest.param("G20", {"92": None}, ["93"], id="G20-ipra-issued-no-92"),
    pytest.param("G20", {"95": "yes"}, ["95"], id="G20-prp-issued-not-developed"),
    pytest.param("A8", {"79.2": {"option": "79.2.3", "percent": 60}}, ["79.2"], id="A8-60-below-iii-degree"),
    pytest.param("A8", {"79.2": {"option": "79.2.3", "percent": 90}}, ["79.2"], id="A8-90-above-iii-degree"),
    pytest.param("A8", {"79.2": {"option": "79.2.2", "percent": 45}}, ["79.2"], id="A8-not-a-multiple-of-10"),
    pytest.param("A8", {"79.2": {"option": "79.2.1", "percent": 0}}, ["79.2"], id="A8-zero-percent"),
    pytest.param("A8", {**SUMMARY, "79.1": {"option": "79.1.4", "percent": 50}}, ["79.1"], id="A8-second-row-out-of-band"),
    pytest.param("A8", {**SUMMARY, "79.13.4.percent": 75}, ["79.13.4.percent"], id="A8-summary-not-a-multiple-of-10"),
    pytest.param("G5", {**SUMMARY, "79.13.1": 50, "79.13.4": "79.13.4.2", "79.13.4.percent": 60}, ["79.13.1"],
                 id="G5-written-max-not-the-highest"),
    pytest.param("G5", {**SUMMARY, "79.13.4": "79.13.4.2", "79.13.4.percent": 60}, ["79.13.4.percent"], id="G5-final-below-max"),
    pytest.param("G5", {**SUMMARY, "79.13.2": "no", "79.13.3": None}, ["79.13.4.percent"], id="G5-no-influence-but-raised"),
    pytest.param("G5", {**SUMMARY, "79.13.4": "79.13.4.4", "79.13.4.percent": 90}, ["79.13.4.percent"], id="G5-raised-by-more-than-10"),
    pytest.param("G5", {**SUMMARY, "79.13.4": "79.13.4.4"}, ["79.13.4"], id="G5-class-does-not-match-final"),
    pytest.param("E2", {"28.a": 2, "28.b": 3}, ["28.b"], id="E2-more-children-than-members"),
    pytest.param("E2", {"28.a": 2, "28.c": 3}, ["28.c"], id="E2-more-disabled-than-members"),
    pytest.param("E2", {"28.a": 2, "28.b": 1, "28.c": 1, "28.d": 3}, ["28.d"], id="E2-more-disabled-children-than-members"),
    pytest.param("E2", {"28.a": 4, "28.b": 2, "28.c": 1, "28.d": 2}, ["28.d"], id="E2-more-disabled-children-than-disabled"),
    pytest.param("E2", {"28.a": 4, "28.b": 0, "28.c": 2, "28.d": 1}, ["28.d"], id="E2-disabled-children-without-children"),
    pytest.param("E3", {"25": "25.3"}, ["25"], id="E3-adult-orphan"),
    pytest.param("E3", {"25": "25.4"}, ["25"], id="E3-adult-without-parental-care"),
    pytest.param("C12", {"17.kind": "family", "17.1": "Ёлкина Мария Петровна"}, ["17.kind"], id="C12-family-of-deceased-without-23.12"),
]


@pytest.mark.parametrize(("rule_id", "changes"), PASSES)
def test_rule_passes(rule_id: str, changes: dict[str, Any]) -> None:
    assert of_rule(rule_id, findings(changes)) == []


@pytest.mark.parametrize(("rule_id", "changes", "items"), FAILS)
def test_rule_fails_pointing_at_the_item(rule_id: str, changes: dict[str, Any], items: list[str]) -> None:
    hits = of_rule(rule_id, findings(changes))
    assert [f.item for f in hits] == items
    rule = RULE[rule_id]
    for f in hits:
        assert f.severity == rule.severity
        assert f.citation == rule.citation
        assert CYRILLIC.search(f.message), f.message


def _cases(params: list[Any]) -> set[str]:
    """Rule ids with at least one case that is expected to hold (not a reported gap)."""
    return {str(p.values[0]) for p in params if not p.marks}


def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    ids = {r.rule_id for r in RULES}
    assert ids - _cases(PASSES) == set()
    assert ids - _cases(FAILS) == set()
    assert (_cases(PASSES) | _cases(FAILS)) - ids == set()


def test_rules_are_cited_tagged_and_unique() -> None:
    ids = [r.rule_id for r in RULES]
    assert len(ids) == len(set(ids))
    for r in RULES:
        assert re.fullmatch(r"[A-H]\d+[a-z]?", r.rule_id), r.rule_id  # the digest's ids (protocol.md §3)
        assert r.citation.strip(), r.rule_id
        assert any(act in r.citation for act in ("389н", "585н", "ПП 588")), r.rule_id
        assert r.tag in {"seed", "derived", "external"}, r.rule_id
        assert r.severity in {"error", "warning"}, r.rule_id
        assert CYRILLIC.search(r.title), r.rule_id
        if r.tag == "derived":
            assert "[derived]" in r.citation, r.rule_id
        if r.tag == "external":
            assert any(act in r.citation for act in ("585н", "ПП 588")), r.rule_id
        if r.tag == "seed":
            assert "[derived]" not in r.citation, r.rule_id


def test_the_valid_adult_protocol_is_clean_structurally_and_by_every_rule() -> None:
    data = adult_protocol()
    assert validate_document(SCHEMA, data) == []
    assert check_protocol(SCHEMA, data, on=HELD) == []


def test_the_pass_building_blocks_are_valid_protocols() -> None:
    for changes in (CHILD, SUMMARY, NO_DISABILITY, REPRESENTATIVE | {"17.3.name": "Паспорт"}):
        data = changed(changes)
        assert validate_document(SCHEMA, data) == [], changes
        assert check_protocol(SCHEMA, data, on=HELD) == [], changes


NARROW_BANDS = {"1": (10, 30), "2": (40, 60), "3": (80, 90), "4": (100, 100)}


@pytest.mark.parametrize(("rule_id", "changes", "params", "items"), [
    pytest.param("A8", {}, ProtocolParams(severity_bands=NARROW_BANDS), ["79.2"], id="A8-other-bands-reject-70-in-iii"),
    pytest.param("A8", {"79.2": {"option": "79.2.3", "percent": 85}}, ProtocolParams(severity_bands=NARROW_BANDS, percent_step=5), [],
                 id="A8-other-bands-and-step-accept-85-in-iii"),
    pytest.param("A8", {"79.2": {"option": "79.2.2", "percent": 45}}, ProtocolParams(percent_step=5), [], id="A8-step-of-5-accepts-45"),
    pytest.param("G5", SUMMARY, ProtocolParams(summary_max_raise=0), ["79.13.4.percent"], id="G5-no-raise-allowed"),
    pytest.param("G9", {"5": "2008-03-11", "5.age": 17, "80": "80.1"}, ProtocolParams(adult_age=17), [], id="G9-other-adult-age"),
])
def test_the_external_numbers_are_configuration(rule_id: str, changes: dict[str, Any], params: ProtocolParams, items: list[str]) -> None:
    default = [f.item for f in of_rule(rule_id, findings(changes))]
    configured = [f.item for f in of_rule(rule_id, findings(changes, params))]
    assert configured == items
    assert configured != default


def test_the_rules_apply_from_the_day_the_order_took_effect() -> None:
    case = {"1": "2026-03-11"}  # B3 fails
    assert of_rule("B3", findings(case, on=RULE["B3"].valid_from)) != []
    assert findings(case, on=date(2022, 9, 26)) == []
