"""The СЭМД way in: the same pipeline for CDA XML ред.6 checked by the official XSD and Schematron."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, func, select

from mse.adapters.db.tables import incoming_documents, referrals
from mse.adapters.xml.referral_cda import SenderInfo, build_referral_cda
from mse.domain.identity import Role
from tests.intake_support import OGRN_X, TestPki, rich_referral

SENDER = SenderInfo(mo_ogrn=OGRN_X, mo_name="ГБУЗ «Поликлиника X»")


def cda(document_id: str = "088-2026-000001", **changes: object) -> bytes:
    changes.setdefault("commissionChairName", "Петров П.П.")
    changes.setdefault("commissionMembers", [{"name": "Кузнецова О.И."}, {"name": "Смирнов И.О."}])
    return build_referral_cda(rich_referral(**changes), document_id=document_id, sender=SENDER,
                              created_at=datetime(2026, 2, 27, 10, 0, tzinfo=UTC))


def send_xml(client: TestClient, pki: TestPki, body: bytes) -> Response:
    return client.post("/api/v1/referrals/semd", files={"document": ("referral.xml", body, "application/xml"),
                                                       "signature": ("referral.xml.sig", pki.sign(body), "application/pkcs7-signature")})


def stored(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(referrals)).scalar_one(),
                conn.execute(select(func.count()).select_from(incoming_documents)).scalar_one())


def test_a_valid_semd_is_received_and_checked_like_json(login_as: Callable[[Role], TestClient], pki: TestPki, engine: Engine) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    body = cda()
    first = send_xml(mo, pki, body)
    assert first.status_code == 201, first.text
    status = first.json()
    assert status["state"] == "received"
    assert status["findings"] == []
    replay = send_xml(mo, pki, body)
    assert replay.status_code == 200
    assert replay.json()["id"] == status["id"]
    assert stored(engine) == (1, 1)
    weak = send_xml(mo, pki, cda("088-2026-000002", anamnesisDisease="нет", protocolNumber="ВК-2"))
    assert {f["rule_id"] for f in weak.json()["findings"]} == {"RR2"}


def test_xxe_and_malformed_xml_are_quarantined(login_as: Callable[[Role], TestClient], pki: TestPki, engine: Engine) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    xxe = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><ClinicalDocument xmlns="urn:hl7-org:v3">&x;</ClinicalDocument>'
    r = send_xml(mo, pki, xxe)
    assert r.status_code == 422
    assert r.json()["code"] == "xml_doctype_forbidden"
    assert b"root:" not in r.content
    r = send_xml(mo, pki, b"<ClinicalDocument xmlns='urn:hl7-org:v3'><unclosed></ClinicalDocument>")
    assert r.json()["code"] == "xml_malformed"
    assert stored(engine) == (0, 2)


def test_schematron_violations_are_named_by_rule_id(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    body = cda().replace(b'root="1.2.643.100.3"', b'root="1.2.643.100.999"', 1)  # the patient's СНИЛС id loses its OID
    r = send_xml(mo, pki, body)
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] in ("semd_schematron", "semd_xsd")
    assert problem["errors"]
    assert all(e["code"] for e in problem["errors"])


def test_oversized_document_is_refused(login_as: Callable[[Role], TestClient], pki: TestPki, app_settings: object) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    body = cda().replace(b"</ClinicalDocument>", b"<!--" + b"x" * (3 * 1024 * 1024) + b"--></ClinicalDocument>")
    r = send_xml(mo, pki, body)
    assert r.status_code in (413, 422)
    assert r.headers["content-type"].startswith("application/problem+json")
