"""Shared by the protocol tests: a registered case (through the real intake) and a complete adult protocol."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from mse.adapters.signature.pki import IssuedCertificate, create_root_ca, write_trusted_roots
from mse.adapters.signature.staff_keys import DemoStaffKeys
from mse.domain.identity import Role
from tests.intake_support import TestPki, envelope, rich_referral

# What the expert adds to the prefilled protocol for an adult examined in person at the bureau,
# purposes 23.1 (group) and 23.13 (ИПРА): times, the age (the registry says born 17.05.1970), the place, the decision.
ADULT_DECISION: dict[str, Any] = {
    "2": "2026-03-10", "3.1": "10:00", "3.2": "09:50", "3.3": "10:05", "3.4": "2026-03-10", "5.age": 55, "5.age_unit": "years",
    "20": "20.2", "21": "21.1", "23": ["23.1", "23.13"], "11.kind": "residence", "11.5.type": "urban",
    "77.1": "Последствия ишемического инсульта в бассейне левой СМА", "70": "not_required",
    "78.1": "2", "78.2": "2", "79.2": {"option": "79.2.3", "percent": 70}, "80": "80.2", "81": "81.1",
    "83.1": "term", "83.term": "1 год", "83.2": "2027-04-01", "84": "2027-03-01", "92": "yes", "93": "yes",
    "102": "Стойкие выраженные нарушения нейромышечных, скелетных и связанных с движением функций (70 %).",
}


def registered_case(login_as: Callable[[Role], TestClient], pki: TestPki, *, document_id: str = "doc-protocol") -> int:
    """A referral sent by МО X, registered by the registrar of bureau A1: the case's id."""
    mo = login_as(Role.MEDICAL_ORG)
    body = envelope(rich_referral(), document_id=document_id)
    sent = mo.post("/api/v1/referrals", files={"document": ("r.json", body, "application/json"),
                                               "signature": ("r.json.sig", pki.sign(body), "application/pkcs7-signature")})
    assert sent.status_code == 201, sent.text
    registrar = login_as(Role.REGISTRAR)
    done = registrar.post(f"/api/v1/referrals/{sent.json()['id']}/register")
    assert done.status_code == 200, done.text
    return int(done.json()["case_id"])


def staff_keys(directory: Path) -> tuple[DemoStaffKeys, Path]:
    """Demo staff keys from a CA of their own, and the trusted-roots file that verifies them."""
    ca: IssuedCertificate = create_root_ca(directory, name="staff-root", common_name="Демонстрационный УЦ бюро")
    return DemoStaffKeys(directory / "staff", ca), write_trusted_roots(directory / "staff-roots.pem", ca)
