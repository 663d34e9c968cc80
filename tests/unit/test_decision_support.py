"""Decision support: a table of official cases, each row citing its rule, and properties over the whole scale."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mse.domain.errors import ValidationFailed
from mse.rules.criteria.appendix import Population, QuantRow
from mse.rules.criteria.dates import completed_years
from mse.rules.decision_input import parse_input
from mse.rules.decision_protocol import departures, input_from_protocol, term_code
from mse.rules.decision_support import IMPAIRMENT_LABELS, OUTCOME_LABELS, evaluate

ADULT_BORN = "1970-05-14"
DAY = "2026-03-10"


def case(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"decision_date": DAY, "birth_date": ADULT_BORN, "purposes": ["23.1"],
                            "impairments": [{"type": "79.4", "percent": 70}], "limitations": {"78.1": 2}}
    base.update(over)
    return base


def run(**over: Any) -> Any:
    return evaluate(parse_input(case(**over)))


# (percent, degree, adult outcome, child outcome) — 374н/585н разд. II степени I 10–30, II 40–60, III 70–80, IV 90–100;
# groups: IV → I группа, III → II, II → III, I → не установлена; ребенок-инвалид при II–IV (mse_decision_rules.json).
BANDS = [
    (10, "I", "80.5", "80.5"), (30, "I", "80.5", "80.5"),  # I степень, нижняя и верхняя граница
    (40, "II", "80.3", "80.4"), (60, "II", "80.3", "80.4"),  # 30↔40: граница I/II
    (70, "III", "80.2", "80.4"), (80, "III", "80.2", "80.4"),  # 60↔70: граница II/III
    (90, "IV", "80.1", "80.4"), (100, "IV", "80.1", "80.4"),  # 80↔90: граница III/IV
]


@pytest.mark.parametrize(("percent", "degree", "adult", "child"), BANDS)
def test_band_edges_adult_and_child(percent: int, degree: str, adult: str, child: str) -> None:
    a = run(impairments=[{"type": "79.4", "percent": percent}])
    assert (a.final_percent, a.degree, a.outcome) == (percent, degree, adult)
    c = run(birth_date="2016-01-01", purposes=["23.2"], impairments=[{"type": "79.4", "percent": percent}])
    assert (c.degree, c.outcome) == (degree, child)
    assert a.degree_option == f"79.4.{'I II III IV'.split().index(degree) + 1}"


@pytest.mark.parametrize(("born", "on", "adult"), [
    ("2008-03-10", "2026-03-09", False),  # the day before the 18th birthday: child (374н, до 18 лет)
    ("2008-03-10", "2026-03-10", True),  # the 18th birthday: adult
    ("2008-02-29", "2026-02-27", False),  # born 29 Feb: not yet 18 the day before 28 Feb
    ("2008-02-29", "2026-02-28", True),  # ГК РФ ст. 192 п. 3: 18 on 28 Feb of a non-leap year
    ("2008-02-29", "2028-02-28", True),  # a leap year: 20 on 29 Feb, but already 19+ here
])
def test_age_edges(born: str, on: str, adult: bool) -> None:
    s = run(decision_date=on, birth_date=born, purposes=["23.1", "23.2"], impairments=[{"type": "79.4", "percent": 70}])
    assert s.adult is adult
    assert s.outcome == ("80.2" if adult else "80.4")
    assert s.steps[1].rule.endswith("age.counting")
    if born.endswith("02-29"):
        assert "29 февраля" in s.steps[1].result


def test_completed_years_29_february() -> None:
    assert completed_years(date(2008, 2, 29), date(2026, 2, 28)) == 18  # ГК РФ ст. 192 п. 3
    assert completed_years(date(2008, 2, 29), date(2028, 2, 28)) == 19
    assert completed_years(date(2008, 2, 29), date(2028, 2, 29)) == 20


# Combination rule (PM, 1024н/585н/374н): the dominant = max; +10 only when the expert states aggravation; cap 100.
@pytest.mark.parametrize(("imps", "aggravation", "final", "applied", "warned"), [
    ([70], None, 70, False, False),  # one impairment
    ([70], True, 70, False, True),  # aggravation with a single impairment is ignored, with a warning
    ([60, 40], True, 70, True, False),  # 60 + 10 = 70 → III степень → II группа (PM example)
    ([60, 40], False, 60, False, False),  # no influence stated: the max
    ([60, 40], None, 60, False, True),  # influence not stated: the max, warning on 79.13.2
    ([100, 90], True, 100, True, False),  # cap at 100
    ([90, 90], True, 100, True, False),
    ([30, 30, 20], False, 30, False, False),  # several impairments are never summed
])
def test_combination(imps: list[int], aggravation: bool | None, final: int, applied: bool, warned: bool) -> None:
    types = ["79.4", "79.5", "79.1"]
    s = run(impairments=[{"type": types[n], "percent": p} for n, p in enumerate(imps)], aggravation=aggravation)
    assert (s.final_percent, s.aggravation_applied) == (final, applied)
    assert any("79.13.2" in w or "нарушение одно" in w for w in s.warnings) is warned
    if len(imps) > 1:
        assert s.degree_option is not None
        assert s.degree_option.startswith("79.13.4.")


def test_pm_example_group() -> None:
    s = run(impairments=[{"type": "79.4", "percent": 60}, {"type": "79.5", "percent": 40}], aggravation=True)
    assert (s.final_percent, s.degree, s.outcome, s.degree_option) == (70, "III", "80.2", "79.13.4.3")


@pytest.mark.parametrize(("day", "ruleset"), [("2025-02-28", "585n"), ("2025-03-01", "374n"), ("2020-01-01", "585n")])
def test_ruleset_boundary(day: str, ruleset: str) -> None:
    s = run(decision_date=day)
    assert s.ruleset == ruleset
    assert all(step.rule.startswith(ruleset) for step in s.steps)
    assert s.crg_provided is (ruleset == "374n")  # ЦРГ only in 374н (374н п.1–2)


def test_straddling_case_shows_the_alternative() -> None:
    s = run(registration_date="2025-02-20", decision_date="2025-03-03")
    assert s.ruleset == "374n"
    assert s.alternative is not None
    assert s.alternative.ruleset == "585n"
    assert any("прежним критериям" in w for w in s.warnings)
    assert run(registration_date="2025-03-01", decision_date="2025-03-03").alternative is None
    assert run(compare=True).alternative is not None


def test_decision_before_2020_is_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_input(case(decision_date="2019-12-31"))
    assert err.value.problems[0].field == "decision_date"


# Terms (ПП 588): I группа — 2 года, II/III — 1 год; until the 1st day of the month after the re-exam month [K].
@pytest.mark.parametrize(("percent", "fnsi", "text", "reexam", "until"), [
    (90, "2", "2 года", "2028-03-01", "2028-04-01"),
    (70, "1", "1 год", "2027-03-01", "2027-04-01"),
    (40, "1", "1 год", "2027-03-01", "2027-04-01"),
])
def test_adult_terms(percent: int, fnsi: str, text: str, reexam: str, until: str) -> None:
    t = run(impairments=[{"type": "79.4", "percent": percent}]).term
    assert t is not None
    assert (t.fnsi, t.text, t.reexam_on.isoformat() if t.reexam_on else None, t.until.isoformat() if t.until else None) == (
        fnsi, text, reexam, until)
    assert t.verified is False  # the «until» rule is [K]


def test_term_from_29_february() -> None:
    t = run(decision_date="2024-02-29", impairments=[{"type": "79.4", "percent": 70}]).term
    assert t is not None
    assert (t.reexam_on, t.until) == (date(2025, 2, 1), date(2025, 3, 1))  # 29.02.2024 + 1 год = 28.02.2025


def test_no_term_when_not_established() -> None:
    assert run(impairments=[{"type": "79.4", "percent": 30}]).term is None


def test_indefinite_stated_and_four_years() -> None:
    s = run(indefinite_ground="п. 9 приложения к ПП 588")
    assert s.term is not None
    assert (s.term.kind, s.term.fnsi, s.term.until) == ("indefinite", "6", None)
    four = run(disability_history={"first_established_on": "2022-03-10", "rehab_cannot_reduce": True})
    assert four.term is not None
    assert four.term.kind == "indefinite"  # 4 years reached on 10.03.2026 (INVB)
    early = run(disability_history={"first_established_on": "2022-03-11", "rehab_cannot_reduce": True})
    assert early.term is not None
    assert early.term.kind == "term"
    assert any("11.03.2026" in w for w in early.warnings)


def test_child_terms() -> None:
    s = run(birth_date="2015-09-01", purposes=["23.2"], impairments=[{"type": "79.6", "percent": 90}])
    assert s.term is not None
    assert (s.term.fnsi, s.term.text) == ("1", "1 год")
    assert any("ПП 588" in w for w in s.warnings)
    # 17 years old: the year would run past the 18th birthday — ends on the birthday [K]
    near = run(birth_date="2008-09-01", purposes=["23.2"], impairments=[{"type": "79.6", "percent": 90}])
    assert near.term is not None
    assert near.term.until == date(2026, 9, 1)
    ground = run(birth_date="2015-09-01", purposes=["23.2"], indefinite_ground="сахарный диабет 1 типа")
    assert ground.term is not None
    assert (ground.term.fnsi, ground.term.text, ground.term.until) == ("5", "до 18 лет", date(2033, 9, 1))


@pytest.mark.parametrize("purposes", [["23.3"], ["23.13"], ["23.5"]])
def test_purposes_without_disability_decision(purposes: list[str]) -> None:
    s = run(purposes=purposes)
    assert s.outcome is None
    assert "не запрошено" in s.outcome_label
    assert s.term is None
    assert s.final_percent == 70  # the assessment is still shown


def test_adult_limitation_condition_is_only_a_warning() -> None:
    s = run(limitations={"78.1": 1})  # one category at degree 1: the [K] condition fails
    assert s.outcome == "80.2"
    assert any("не сверено" in w for w in s.warnings)
    assert not run(limitations={"78.1": 1, "78.2": 1}).warnings


def test_appendix_rows_and_crg() -> None:
    row = QuantRow("374n", "10.4.1", "", (), "дыхание", Population.CHILD, "после трансплантации легкого", 90, 100, "ЦРГ 5",
                   date(2025, 3, 1), None, "test")
    child = parse_input(case(birth_date="2015-09-01", purposes=["23.2"], impairments=[{"type": "79.6", "percent": 90, "icd10": "J84.1"}]))
    s = evaluate(child, [row])
    assert s.crg == ("ЦРГ 5",)
    assert s.appendix[0].rows[0].derived is True  # matched by class X of section 10
    adult = evaluate(parse_input(case(impairments=[{"type": "79.6", "percent": 90, "icd10": "J84.1"}])), [row])
    assert adult.crg == ()
    assert "нет загруженной строки" in adult.appendix[0].message
    other = evaluate(parse_input(case(birth_date="2015-09-01", purposes=["23.2"], icd10=["I69.3"])), [row])
    assert "нет загруженной строки" in other.appendix[0].message


@pytest.mark.parametrize(("data", "field"), [
    ({"impairments": [{"type": "79.4", "percent": 75}]}, "impairments.0.percent"),
    ({"impairments": [{"type": "79.4", "percent": 110}]}, "impairments.0.percent"),
    ({"impairments": [{"type": "79.4", "percent": 0}]}, "impairments.0.percent"),
    ({"impairments": [{"type": "79.13", "percent": 70}]}, "impairments.0.type"),
    ({"impairments": [{"type": "79.4", "percent": 70}, {"type": "79.4", "percent": 40}]}, "impairments.1.type"),
    ({"birth_date": "2027-01-01"}, "birth_date"),
    ({"registration_date": "2026-03-11"}, "registration_date"),
    ({"limitations": {"78.8": 1}}, "limitations.78.8"),
    ({"limitations": {"78.1": 4}}, "limitations.78.1"),
    ({"icd10": ["I693"]}, "icd10.0"),
    ({"purposes": ["23.21"]}, "purposes.0"),
    ({"aggravation": "yes"}, "aggravation"),
    ({"extra": 1}, "extra"),
    ({"decision_date": "2200-01-01"}, "decision_date"),
])
def test_invalid_input(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_input(case(**data))
    assert field in [p.field for p in err.value.problems]
    assert all(any("а" <= ch <= "я" for ch in p.message.lower()) for p in err.value.problems)


def test_input_from_protocol_and_departures() -> None:
    data: dict[str, Any] = {
        "22.1": "primary", "23": ["23.1", "23.13"], "77.2": "I69.3", "77.5": ["I11.9"], "78.1": "2", "78.2": "2",
        "79.4": {"option": "79.4.3", "percent": 70}, "79.5": {"option": "79.5.2", "percent": 40}, "79.13.2": "no",
        "79.13.4": "79.13.4.3", "79.13.4.percent": 70, "80": "80.2", "83.1": "term", "83.term": "1 год",
    }
    inp = input_from_protocol(data, birth_date=date(1970, 5, 14), decision_date=date(2026, 3, 10))
    assert (inp.icd10, inp.aggravation, inp.primary, dict(inp.limitations)) == (("I69.3", "I11.9"), False, True, {"78.1": 2, "78.2": 2})
    s = evaluate(inp)
    assert departures(s, data) == []
    changed = {**data, "80": "80.3", "79.13.4.percent": 60, "79.13.4": "79.13.4.2", "83.term": "2 года"}
    assert {d.item for d in departures(s, changed)} == {"80", "79.13.4.percent", "79.13.4", "83.term"}
    assert {d.code for d in departures(s, {**data, "83.1": "indefinite"})} == {"term_kind"}
    with pytest.raises(ValidationFailed) as err:
        input_from_protocol({**data, "79.5": {"option": "79.5.2", "percent": 45}}, birth_date=date(1970, 5, 14), decision_date=date(2026, 3, 10))
    assert err.value.problems[0].field == "79.5"


def test_crg_departure() -> None:
    row = QuantRow("374n", "10.4.1", "", ("J84",), "дыхание", Population.CHILD, "x", 90, 100, "ЦРГ 5", date(2025, 3, 1), None, "t")
    data: dict[str, Any] = {"23": ["23.2"], "77.2": "J84.1", "79.6": {"option": "79.6.4", "percent": 90}, "80": "80.4",
                            "83.1": "term", "83.term": "1 год", "86(1)": ["86(1).6"]}
    s = evaluate(input_from_protocol(data, birth_date=date(2015, 9, 1), decision_date=date(2026, 4, 15)), [row])
    assert [d.code for d in departures(s, data)] == ["crg"]  # 86(1).6 is ЦРГ 2
    from mse.rules.decision_protocol import _crg_labels
    code5 = next(k for k, v in _crg_labels().items() if v == "ЦРГ 5")
    assert departures(s, {**data, "86(1)": [code5]}) == []


@pytest.mark.parametrize(("text", "code"), [("1 год", "1"), ("на 2 года", "2"), ("5 лет", "3"), ("до 14 лет", "4"),
                                            ("до 18 лет", "5"), ("бессрочно", "6"), ("6 месяцев", "7"), ("3 года", None)])
def test_term_code(text: str, code: str | None) -> None:
    assert term_code(text) == code


def test_labels_match_the_form() -> None:
    from mse.forms import form_in_force

    items = {i.key: i for i in form_in_force("protocol-389n", date(2026, 3, 10)).items()}
    assert {k: items[k].label for k in IMPAIRMENT_LABELS} == IMPAIRMENT_LABELS
    assert {o.code: o.label for o in items["80"].options} == OUTCOME_LABELS


def test_to_json_round_trip_shape() -> None:
    j = run(compare=True).to_json()
    assert j["steps"][0]["id"] == "ruleset"
    assert {"rule", "citation", "verified", "title", "result"} <= set(j["steps"][0])
    assert j["alternative"]["ruleset"] == "585n"


PERCENTS = st.sampled_from(list(range(10, 101, 10)))


@given(st.lists(PERCENTS, min_size=1, max_size=5), st.sampled_from([True, False, None]))
def test_final_between_max_and_max_plus_10(percents: list[int], aggravation: bool | None) -> None:
    imps = [{"type": f"79.{n + 1}", "percent": p} for n, p in enumerate(percents)]
    s = evaluate(parse_input(case(impairments=imps, aggravation=aggravation)))
    assert s.final_percent is not None
    assert max(percents) <= s.final_percent <= min(max(percents) + 10, 100)


@given(PERCENTS, PERCENTS)
def test_degree_monotone(a: int, b: int) -> None:
    order = ["I", "II", "III", "IV"]
    da = run(impairments=[{"type": "79.4", "percent": a}]).degree
    db = run(impairments=[{"type": "79.4", "percent": b}]).degree
    assert da is not None
    assert db is not None
    if a <= b:
        assert order.index(da) <= order.index(db)
