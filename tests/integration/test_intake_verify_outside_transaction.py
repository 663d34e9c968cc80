"""The signature of a referral is verified before the pipeline's transaction opens (issue 7, P1): the openssl check
must not hold SQLite's write lock or a pooled PostgreSQL connection, and it runs once per document."""

from __future__ import annotations

from sqlalchemy import Engine

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.documents.json_referral import JsonReferralReader
from mse.adapters.refdata.icd10 import icd10
from mse.adapters.signature.verifier import GostCmsVerifier
from mse.domain.identity import Actor, Role
from mse.domain.signatures import SignatureProblem, SignatureVerdict
from mse.services.intake import IntakeReferences, IntakeRejected, IntakeResult, receive_referral
from mse.services.intake_ports import Submission
from tests.builders import build_world
from tests.intake_support import TestPki, envelope, rich_referral
from tests.support import FixedClock


class WatchedVerifier:
    """The real verifier; records how many pooled connections were checked out while it ran."""

    def __init__(self, inner: GostCmsVerifier, engine: Engine) -> None:
        self.inner, self.engine, self.checked_out = inner, engine, list[int]()

    def verify(self, content: bytes, signature: bytes, *, expected_ogrn: str | None) -> SignatureVerdict:
        self.checked_out.append(self.engine.pool.checkedout())  # type: ignore[attr-defined]
        return self.inner.verify(content, signature, expected_ogrn=expected_ogrn)


def _receive(engine: Engine, pki: TestPki, clock: FixedClock, body: bytes, signature: bytes) -> tuple[WatchedVerifier, object]:
    w = build_world(engine, clock)
    actor = Actor(user_id=w.accounts[Role.MEDICAL_ORG], login="medical_org", role=Role.MEDICAL_ORG, display_name="МО X",
                  medical_org_id=w.orgs["X"], channel="api-token")
    verifier = WatchedVerifier(GostCmsVerifier(pki.roots), engine)
    try:
        result: object = receive_referral(lambda: SqlAlchemyUnitOfWork(engine), actor, Submission(body, signature, "r.json"),
                                          reader=JsonReferralReader(max_bytes=2 * 1024 * 1024), verifier=verifier, clock=clock,
                                          refs=IntakeReferences(icd=icd10()))
    except IntakeRejected as exc:
        result = exc
    return verifier, result


def test_valid_signature_is_verified_once_with_no_connection_held(engine: Engine, pki: TestPki, clock: FixedClock) -> None:
    body = envelope(rich_referral(), document_id="outside-1")
    verifier, result = _receive(engine, pki, clock, body, pki.sign(body))
    assert not isinstance(result, IntakeRejected), result
    assert verifier.checked_out == [0]


def test_tampered_document_is_quarantined_as_before(engine: Engine, pki: TestPki, clock: FixedClock) -> None:
    body = envelope(rich_referral(), document_id="outside-2")
    signature = pki.sign(body)
    verifier, result = _receive(engine, pki, clock, body.replace("Ёлкин".encode(), "Елкин".encode()), signature)
    assert isinstance(result, IntakeRejected)
    assert result.code == SignatureProblem.DIGEST_MISMATCH.value
    assert result.incoming_id > 0
    assert verifier.checked_out == [0]


def test_replay_answers_the_first_result(engine: Engine, pki: TestPki, clock: FixedClock) -> None:
    body = envelope(rich_referral(), document_id="outside-3")
    signature = pki.sign(body)
    verifier, first = _receive(engine, pki, clock, body, signature)
    assert isinstance(first, IntakeResult)
    actor = Actor(user_id=first.referral.id, login="medical_org", role=Role.MEDICAL_ORG, display_name="МО X",
                  medical_org_id=first.referral.sender_org_id, channel="api-token")
    again = receive_referral(lambda: SqlAlchemyUnitOfWork(engine), actor, Submission(body, signature, "r.json"),
                             reader=JsonReferralReader(max_bytes=2 * 1024 * 1024), verifier=verifier, clock=clock,
                             refs=IntakeReferences(icd=icd10()))
    assert again.replayed
    assert again.referral.id == first.referral.id
    assert verifier.checked_out == [0, 0]
