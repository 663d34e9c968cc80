"""check_semd_referral: the intake entry point."""

from __future__ import annotations

from pathlib import Path

from mse.adapters.xml.validate import check_semd_referral

from .test_safe import XXE_FILE

FIXTURE = Path(__file__).parents[2] / "data" / "semd" / "referral_r6_valid.xml"


def test_valid_document() -> None:
    check = check_semd_referral(FIXTURE.read_bytes(), max_bytes=1_000_000)
    assert check.valid
    assert check.root is not None
    assert check.referral is not None
    assert check.referral.document_id[1] == "088-2024-000123"
    assert set(check.timings) == {"parse", "xsd", "schematron", "extract"}


def test_rejected_documents_get_no_further_checks() -> None:
    check = check_semd_referral(XXE_FILE, max_bytes=1_000_000)
    assert not check.valid
    assert check.rejected is not None
    assert check.rejected.code == "xml_doctype_forbidden"
    assert check.root is None
    assert check.referral is None
    assert check_semd_referral(FIXTURE.read_bytes(), max_bytes=1000).rejected.code == "xml_too_large"  # type: ignore[union-attr]


def test_xsd_and_schematron_violations_are_both_reported() -> None:
    xml = FIXTURE.read_bytes().replace(b'<realmCode code="RU"/>', b'<realmCode code="XX"/><bogus/>', 1)
    check = check_semd_referral(xml, max_bytes=1_000_000)
    assert not check.valid
    assert {v.rule for v in check.xsd} == {"XSD"}
    assert "У1-9" in {v.rule for v in check.schematron}
    assert check.referral is not None
