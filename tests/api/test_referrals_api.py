"""Referral intake over HTTP: receive (JSON), idempotency, quarantine, register, return with the outbox."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from mse.adapters.db.tables import cases, incoming_documents, outbox, referrals
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.identity import Role
from tests.builders import World
from tests.intake_support import OGRN_Y, TestPki, envelope, rich_referral


def send(client: TestClient, pki: TestPki, body: bytes, *, signature: bytes | None = None, sign_with: object = None) -> object:
    sig = signature if signature is not None else pki.sign(body, sign_with)  # type: ignore[arg-type]
    return client.post("/api/v1/referrals", files={"document": ("referral.json", body, "application/json"),
                                                  "signature": ("referral.json.sig", sig, "application/pkcs7-signature")})


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_valid_referral_is_received_once_and_stored_byte_for_byte(login_as: Callable[[Role], TestClient], pki: TestPki, engine: Engine) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    body = envelope(rich_referral(), document_id="doc-ok")
    first = send(mo, pki, body)
    assert first.status_code == 201, first.text  # type: ignore[attr-defined]
    status = first.json()  # type: ignore[attr-defined]
    assert status["state"] == "received"
    assert status["findings"] == []
    assert status["receipt_reasons"] == []
    again = send(mo, pki, body)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == status["id"]  # type: ignore[attr-defined]
    assert count(engine, referrals) == 1
    assert count(engine, incoming_documents) == 1
    with engine.connect() as conn:
        stored = conn.execute(select(incoming_documents.c.body, incoming_documents.c.body_sha256)).one()
    assert bytes(stored.body) == body
    import hashlib
    assert stored.body_sha256 == hashlib.sha256(body).hexdigest()
    polled = mo.get(f"/api/v1/referrals/{status['id']}")
    assert polled.status_code == 200
    assert polled.json()["state_label"] == "Поступило, ожидает регистрации"


def test_concurrent_twins_yield_one_referral(login_as: Callable[[Role], TestClient], pki: TestPki, engine: Engine) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    body = envelope(rich_referral(), document_id="doc-twin")
    sig = pki.sign(body)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: send(mo, pki, body, signature=sig), range(4)))
    codes = sorted(r.status_code for r in results)  # type: ignore[attr-defined]
    assert codes == [200, 200, 200, 201], codes
    assert len({r.json()["id"] for r in results}) == 1  # type: ignore[attr-defined]
    assert count(engine, referrals) == 1


def test_bad_signature_is_quarantined_with_a_problem(login_as: Callable[[Role], TestClient], pki: TestPki, engine: Engine) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    body = envelope(rich_referral(), document_id="doc-stranger")
    r = send(mo, pki, body, sign_with=pki.stranger)
    assert r.status_code == 422  # type: ignore[attr-defined]
    problem = r.json()  # type: ignore[attr-defined]
    assert problem["code"] == "certificate_untrusted"
    assert "карантине" in problem["detail"]
    assert count(engine, referrals) == 0
    assert count(engine, incoming_documents) == 1
    tampered = send(mo, pki, body.replace(b"doc-stranger", b"doc-tampered"), signature=pki.sign(body))
    assert tampered.json()["code"] == "signature_digest_mismatch"  # type: ignore[attr-defined]


def test_malformed_and_unsigned_documents_are_quarantined(login_as: Callable[[Role], TestClient], pki: TestPki, engine: Engine) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    r = send(mo, pki, b"{not json")
    assert r.status_code == 422
    assert r.json()["code"] == "json_malformed"
    wrong_types = envelope(rich_referral(needsHomeVisit="да", sex=1), document_id="doc-types")
    r = send(mo, pki, wrong_types)
    assert r.json()["code"] == "referral_format"
    assert {e["field"] for e in r.json()["errors"]} >= {"needsHomeVisit", "sex"}
    unsigned = mo.post("/api/v1/referrals", files={"document": ("r.json", envelope(rich_referral(), document_id="doc-nosig"), "application/json")})
    assert unsigned.status_code == 422
    assert unsigned.json()["code"] == "signature_missing"
    assert count(engine, referrals) == 0
    assert count(engine, incoming_documents) == 3


def test_sender_must_match_the_account(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    mo = login_as(Role.MEDICAL_ORG)  # account of МО X
    r = send(mo, pki, envelope(rich_referral(), document_id="doc-y", ogrn=OGRN_Y), sign_with=pki.mo_y)
    assert r.status_code == 422
    assert r.json()["code"] == "sender_mismatch"


def test_registrar_registers_and_returns(login_as: Callable[[Role], TestClient], pki: TestPki, engine: Engine, world: World) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    good = send(mo, pki, envelope(rich_referral(), document_id="doc-reg")).json()  # type: ignore[attr-defined]
    weak = send(mo, pki, envelope(rich_referral(anamnesisDisease="нет", rehabRecommendations=None, protocolNumber="ВК-119"), document_id="doc-ret")).json()  # type: ignore[attr-defined]
    assert {f["rule_id"] for f in weak["findings"]} == {"RR2", "RR5"}
    registrar = login_as(Role.REGISTRAR)
    queue = registrar.get("/api/v1/referrals", params={"state": "received"}).json()
    assert {row["id"] for row in queue["items"]} == {good["id"], weak["id"]}
    reg = registrar.post(f"/api/v1/referrals/{good['id']}/register")
    assert reg.status_code == 200, reg.text
    decision = reg.json()
    assert decision["state"] == "accepted"
    assert decision["registration_number"].endswith("/2026")
    assert decision["due_invitation"] == "2026-03-07"
    assert decision["due_decision"] == "2026-04-01"
    again = registrar.post(f"/api/v1/referrals/{good['id']}/register")
    assert again.status_code == 409
    assert again.json()["code"] == "referral_already_decided"
    bad_reason = registrar.post(f"/api/v1/referrals/{weak['id']}/return", json={"reasons": [{"code": "RR9", "text": "?"}]})
    assert bad_reason.status_code == 422
    ret = registrar.post(f"/api/v1/referrals/{weak['id']}/return", json={"reasons": [
        {"code": "RR2", "text": "Анамнез заболевания не описан"}, {"code": "RR5", "text": "Нет рекомендаций по реабилитации"}]})
    assert ret.status_code == 200
    assert ret.json()["state"] == "returned"
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.topic, outbox.c.payload).where(outbox.c.aggregate_id == weak["id"])).all()
        assert conn.execute(select(func.count()).select_from(cases)).scalar_one() == 2
    topics = {r.topic: r.payload for r in rows}
    assert set(topics) == {"mo.return_notice", "foms.return_notice"}
    assert [x["code"] for x in topics["mo.return_notice"]["reasons"]] == ["RR2", "RR5"]
    notice = registrar.get(f"/api/v1/referrals/{weak['id']}/return-notice")
    assert notice.status_code == 200
    assert b"12199" in notice.content
    assert b"RR2" in notice.content
    sig = registrar.get(f"/api/v1/referrals/{weak['id']}/return-notice", params={"part": "signature"})
    from mse.adapters.signature.verifier import GostCmsVerifier
    assert GostCmsVerifier(pki.roots).verify(notice.content, sig.content, expected_ogrn=None).valid
    status = login_as(Role.MEDICAL_ORG).get(f"/api/v1/referrals/{weak['id']}").json()
    assert status["state"] == "returned"
    assert [r["code"] for r in status["return_reasons"]] == ["RR2", "RR5"]
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert uow.intake.referral(good["id"]).registration_number == decision["registration_number"]  # type: ignore[union-attr]


def test_other_bureau_staff_cannot_see_or_decide(login_as: Callable[[Role], TestClient], pki: TestPki, world: World) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    ref = send(mo, pki, envelope(rich_referral(), document_id="doc-scope")).json()  # type: ignore[attr-defined]
    for role in (Role.AUDITOR, Role.ADMIN, Role.CITIZEN):
        c = login_as(role)
        assert c.get(f"/api/v1/referrals/{ref['id']}").status_code == 404
        assert c.post(f"/api/v1/referrals/{ref['id']}/register").status_code in (403, 404)


def test_other_region_bureau_is_not_accepted_and_the_mo_is_told(login_as: Callable[[Role], TestClient], pki: TestPki,
                                                                 engine: Engine, world: World) -> None:
    mo = login_as(Role.MEDICAL_ORG)  # МО X, Moscow (77); B1 is a bureau of the Moscow region (50)
    r = send(mo, pki, envelope(rich_referral(), document_id="doc-na4", bureau_id=world.units["B1"]))
    assert r.status_code == 201  # type: ignore[attr-defined]
    status = r.json()  # type: ignore[attr-defined]
    assert status["state"] == "not_accepted"
    assert [x["code"] for x in status["receipt_reasons"]] == ["NA4"]
    with engine.connect() as conn:
        row = conn.execute(select(outbox.c.topic, outbox.c.payload).where(outbox.c.aggregate_id == status["id"])).one()
    assert row.topic == "mo.referral_not_accepted"
    assert row.payload["reasons"][0]["code"] == "NA4"


def test_late_after_the_paper_twin_was_decided(login_as: Callable[[Role], TestClient], pki: TestPki, engine: Engine, clock: object) -> None:
    from mse.adapters.documents.json_referral import JsonReferralReader
    from mse.adapters.signature.verifier import GostCmsVerifier
    from mse.domain.identity import SYSTEM_ACTOR
    from mse.domain.referrals import Channel
    from mse.rules.reference import ExamList
    from mse.services import intake, registration
    from mse.services.intake_ports import Submission

    paper_body = envelope(rich_referral(), document_id="paper-1")
    with SqlAlchemyUnitOfWork(engine):
        refs = intake.IntakeReferences(icd=None, exams=ExamList([]))
    received = intake.receive_referral(lambda: SqlAlchemyUnitOfWork(engine), SYSTEM_ACTOR, Submission(paper_body, pki.sign(paper_body)),
                                       reader=JsonReferralReader(max_bytes=10**6, channel=Channel.PAPER), verifier=GostCmsVerifier(pki.roots),
                                       clock=clock, refs=refs)  # type: ignore[arg-type]
    registrar = login_as(Role.REGISTRAR)
    assert registrar.post(f"/api/v1/referrals/{received.referral.id}/register").status_code == 200
    with engine.begin() as conn:  # the panel decided on the paper referral (the decision itself is issue 5)
        conn.execute(cases.update().values(state="decided"))
    assert registration  # imported for symmetry with the service used above
    late = send(login_as(Role.MEDICAL_ORG), pki, envelope(rich_referral(), document_id="electronic-1")).json()  # type: ignore[attr-defined]
    assert late["state"] == "not_accepted"
    assert {x["code"] for x in late["receipt_reasons"]} == {"NA2"}


def test_examination_list_loaded_by_the_administrator_drives_rr3(login_as: Callable[[Role], TestClient], pki: TestPki,
                                                                   engine: Engine, clock: object) -> None:
    from datetime import date

    from mse.rules.reference import ExamSection, RequiredExam

    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.intake.replace_exam_requirements([
            RequiredExam("I60-I69", "A05.23.009.001", "Электроэнцефалография", True, ExamSection.ADULT, date(2021, 7, 1))],
            source="test", now=clock.now())  # type: ignore[attr-defined]
        uow.commit()
    status = send(login_as(Role.MEDICAL_ORG), pki, envelope(rich_referral(), document_id="doc-rr3")).json()  # type: ignore[attr-defined]
    rr3 = next(f for f in status["findings"] if f["rule_id"] == "RR3")
    assert rr3["details"] == ["A05.23.009.001 Электроэнцефалография"]


def test_queue_search_by_surname_ignores_case_and_yo(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    send(login_as(Role.MEDICAL_ORG), pki, envelope(rich_referral(), document_id="doc-search"))
    registrar = login_as(Role.REGISTRAR)
    for q in ("елкин", "ЁЛКИН", "Ёлк"):
        assert registrar.get("/api/v1/referrals", params={"q": q}).json()["total"] == 1, q
    assert registrar.get("/api/v1/referrals", params={"q": "Петров"}).json()["total"] == 0


@pytest.mark.parametrize("code", ["RR1", "RR2", "RR3", "RR4", "RR5"])
def test_every_return_reason_reaches_the_outbox_with_its_code(code: str, login_as: Callable[[Role], TestClient], pki: TestPki,
                                                              engine: Engine) -> None:
    ref = send(login_as(Role.MEDICAL_ORG), pki, envelope(rich_referral(), document_id=f"doc-{code}")).json()  # type: ignore[attr-defined]
    registrar = login_as(Role.REGISTRAR)
    r = registrar.post(f"/api/v1/referrals/{ref['id']}/return", json={"reasons": [{"code": code, "text": f"Пояснение к {code}"}]})
    assert r.status_code == 200, r.text
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.topic, outbox.c.payload).where(outbox.c.aggregate_id == ref["id"])).all()
    assert {row.topic for row in rows} == {"mo.return_notice", "foms.return_notice"}
    for row in rows:
        assert row.payload["reasons"] == [{"code": code, "text": f"Пояснение к {code}"}]
