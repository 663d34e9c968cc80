"""The form-as-data engine and the referral 088/у schema against the official field list."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mse.adapters.refdata.icd10 import icd10
from mse.forms import ItemType, available_forms, form_in_force, json_schema, load_form, schema_as_data, validate_document
from mse.forms.loader import SchemaError, parse_form
from tests.intake_support import rich_referral

FIELDS_CSV = Path(__file__).resolve().parents[1] / "data" / "reference" / "form_088u_2022_fields.csv"
SCHEMA = load_form("referral-088u", "2022-11-21")


def official_rows() -> list[dict[str, str]]:
    with FIELDS_CSV.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_official_row_of_088u_is_in_the_schema() -> None:
    rows = official_rows()
    assert len(rows) == 149
    covered: set[str] = set()
    for it in SCHEMA.items():
        covered.update(it.source)
        covered.update(o.point for o in it.options if o.point)
    missing = [r["form_point"] for r in rows if r["form_point"] not in covered]
    assert missing == []


def test_required_rows_are_required_items() -> None:
    required_points = {r["form_point"] for r in official_rows() if r["required"] == "Y"}
    required_sources = {s for it in SCHEMA.items() if it.required for s in it.source}
    assert required_points <= required_sources


def test_dictionaries_of_the_official_list_are_kept() -> None:
    oid = re.compile(r"1\.2\.643\.5\.1\.13\.13\.(?:11|99\.2)\.\d+")
    expected = {m.group(0) for r in official_rows() for m in [oid.search(r["nsi_or_semd_mapping"])] if m}
    present = {it.dictionary for it in SCHEMA.items() if it.dictionary}
    # 99.2.325, 99.2.262 and 11.1035 (kind of ОМС policy) are named for free-text points; the rest must be bound.
    assert expected - present <= {"1.2.643.5.1.13.13.99.2.325", "1.2.643.5.1.13.13.99.2.262", "1.2.643.5.1.13.13.11.1035"}


def test_version_in_force_and_registry() -> None:
    assert "referral-088u" in available_forms()
    assert form_in_force("referral-088u", date(2026, 3, 2)).version == "2022-11-21"
    with pytest.raises(Exception, match="Нет версии"):
        form_in_force("referral-088u", date(2022, 1, 1))


def test_the_rich_referral_is_valid_and_problems_are_russian_and_coded() -> None:
    assert validate_document(SCHEMA, rich_referral(), icd_exists=icd10().exists) == []
    bad = rich_referral(sex="9", patientBirthDate="14.05.1971", snils="112-233-445 96", purposes=["1", "1"], extra=1, bodyHeight="176")
    problems = {p.field: p for p in validate_document(SCHEMA, bad)}
    assert problems["sex"].code == "invalid_option"
    assert problems["patientBirthDate"].code == "type"
    assert "ГГГГ-ММ-ДД" in problems["patientBirthDate"].message
    assert "контрольная сумма" in problems["snils"].message
    assert problems["purposes"].message.endswith("значения повторяются")
    assert problems["extra"].code == "unknown_field"
    assert problems["bodyHeight"].code == "type"


def test_conditional_requirements() -> None:
    with_rep = rich_referral(repFullName="Ёлкина Мария Петровна")
    fields = {p.field for p in validate_document(SCHEMA, with_rep)}
    assert {"repAuthDocName", "repAuthDocSeriesNumber"} <= fields
    in_hospital = rich_referral(stayLocation="1")
    assert "stayOrgAddress" in {p.field for p in validate_document(SCHEMA, in_hospital)}


def test_export_and_json_schema() -> None:
    data = schema_as_data(SCHEMA)
    assert data["item_count"] == 119
    assert data["form_number"] == "088/у"
    keys = [i["key"] for s in data["sections"] for i in s["items"]]
    assert len(keys) == len(set(keys))
    js = json_schema(SCHEMA)
    assert js["additionalProperties"] is False
    assert set(js["required"]) >= {"diagnosisMainIcd", "anamnesisDisease"}
    assert js["properties"]["sex"]["enum"] == ["1", "2"]


def test_malformed_schema_files_are_refused() -> None:
    raw: dict[str, Any] = {"form": "x", "version": "2026-01-01", "title": "t", "act": "a", "valid_from": "2026-01-01",
                           "sections": [{"code": "s", "title": "s", "items": [{"key": "a", "code": "1", "label": "A", "type": "choice"}]}]}
    with pytest.raises(SchemaError, match="no options"):
        parse_form(raw)
    raw["sections"][0]["items"] = [{"key": "a", "code": "1", "label": "A", "type": "text"}] * 2
    with pytest.raises(SchemaError, match="duplicate key"):
        parse_form(raw)


@given(st.dictionaries(st.sampled_from([it.key for it in SCHEMA.items()]),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3))))
def test_validator_never_crashes_and_always_names_a_known_field(data: dict[str, Any]) -> None:
    keys = {it.key for it in SCHEMA.items()}
    for p in validate_document(SCHEMA, data, icd_exists=icd10().exists):
        assert p.field.split(".")[0] in keys
        assert p.message


def test_icd10_dictionary() -> None:
    d = icd10()
    assert len(d) == 14641
    assert d.exists("I63.5")
    assert d.is_specific("I63.5")
    assert d.exists("I63")
    assert not d.is_specific("I63")
    assert not d.exists("Z99.99")
    assert SCHEMA.item("diagnosisMainIcd").type is ItemType.ICD10
