"""The expert decision over HTTP: the suggestion beside the protocol, votes that sign, the head's signature that issues
the documents from one snapshot and queues the results with their terms; a tie goes to the main bureau; a departure
from the suggestion needs item 102."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from mse.adapters.db.tables import outbox
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.signature import GostCmsVerifier
from mse.domain.identity import Role
from mse.services import auth
from tests.api.test_protocol_pages import autosave, csrf, document, keys, open_protocol
from tests.builders import HASHER, PASSWORD, World
from tests.intake_support import TestPki
from tests.protocol_support import ADULT_DECISION, registered_case
from tests.support import FixedClock

__all__ = ["keys"]  # the fixture, re-used


def filled_case(login_as: Callable[[Role], TestClient], pki: TestPki, **changes: object) -> int:
    case_id = registered_case(login_as, pki)
    expert = login_as(Role.EXPERT)
    protocol_id = open_protocol(expert, case_id)
    data = {**document(expert, protocol_id)["data"], **ADULT_DECISION, **changes}
    saved = autosave(expert, protocol_id, {k: v for k, v in data.items() if v is not None}, 1)
    assert saved.status_code == 200, saved.text
    assert saved.json()["ready"], saved.text
    return case_id


def second_expert(client: TestClient, engine: Engine, clock: FixedClock, world: World) -> TestClient:
    with SqlAlchemyUnitOfWork(engine) as uow:
        if uow.identity.account_by_login("expert2") is None:
            uow.identity.add_account(login="expert2", password_hash=HASHER.hash(PASSWORD), role=Role.EXPERT,
                                     display_name="Второй эксперт", now=clock.now(), unit_id=world.units["A1"], staff_id=None)
            uow.commit()
        session = auth.login(uow, "expert2", PASSWORD, HASHER, clock, ip="127.0.0.1", session_hours=8)
    client.cookies.clear()
    client.cookies.set("mse_session", session.token)
    client.headers["X-CSRF-Token"] = session.csrf_token
    return client


def vote(client: TestClient, case_id: int, choice: str, opinion: str = "") -> int:
    r = client.post(f"/cases/{case_id}/decision/vote", data={"csrf_token": csrf(client), "vote": choice, "opinion": opinion},
                    follow_redirects=False)
    return r.status_code


def test_majority_decision_issues_signed_reproducible_documents_and_queues_results(
        login_as: Callable[[Role], TestClient], pki: TestPki, keys: Path, engine: Engine) -> None:
    case_id = filled_case(login_as, pki)
    expert = login_as(Role.EXPERT)
    page = expert.get(f"/cases/{case_id}/decision")
    assert page.status_code == 200
    assert "Расчёт по классификациям и критериям" in page.text
    assert "вторая группа" in page.text.lower()
    assert "Решение в протоколе совпадает с расчётом" in page.text
    assert vote(expert, case_id, "for") == 303
    assert vote(expert, case_id, "for") == 409  # nobody votes twice
    head = login_as(Role.HEAD)
    issued = head.post(f"/cases/{case_id}/decision/issue", data={"csrf_token": csrf(head)}, follow_redirects=False)
    assert issued.status_code == 303, issued.text
    body = head.get(f"/api/v1/cases/{case_id}/decision").json()
    assert body["status"] == "issued"
    assert body["majority"] == "for"
    kinds = sorted((d["kind"], d["format"]) for d in body["documents"])
    assert kinds == sorted([("act", "json"), ("act", "pdf"), ("certificate", "json"), ("certificate", "pdf"),
                            ("extract_sfr", "json"), ("extract_sfr", "pdf"), ("ipra", "json"), ("ipra", "pdf"),
                            ("semd_results", "xml")])
    verifier = GostCmsVerifier(keys)
    for doc in body["documents"]:
        content = head.get(f"/documents/{doc['id']}").content
        assert hashlib.sha256(content).hexdigest() == doc["sha256"]
        cms = head.get(f"/documents/{doc['id']}/signature").content
        assert verifier.verify(content, cms, expected_ogrn=None).valid
        assert head.get(f"/api/v1/documents/{doc['id']}/reproduce").json()["reproducible"] is True
    with engine.connect() as c:
        rows = {r.topic: r for r in c.execute(select(outbox).where(outbox.c.aggregate == "case", outbox.c.aggregate_id == case_id))}
    assert set(rows) == {"result.mo", "result.sfr", "result.fri", "result.epgu"}  # item 10 not set: no military commissariat
    assert rows["result.sfr"].due_on == date(2026, 3, 13)  # АР п.16: 3 days from the decision of 10.03.2026
    assert "АР п.16" in rows["result.sfr"].deadline
    assert rows["result.mo"].due_on is None
    assert "не установлен" in rows["result.mo"].deadline
    assert [d["kind"] for d in rows["result.mo"].payload["documents"]] == ["semd_results"]
    final = document(head, body["protocol_id"])
    assert final["status"] == "signed"


def test_a_tie_is_passed_to_the_main_bureau(login_as: Callable[[Role], TestClient], pki: TestPki, keys: Path, engine: Engine,
                                            clock: FixedClock, world: World) -> None:
    case_id = filled_case(login_as, pki)
    assert vote(login_as(Role.EXPERT), case_id, "for") == 303
    other = second_expert(login_as(Role.EXPERT), engine, clock, world)
    assert vote(other, case_id, "against") == 422  # a vote against needs a special opinion
    assert vote(other, case_id, "against", "Нарушения умеренные: III группа") == 303
    head = login_as(Role.HEAD)
    page = head.get(f"/cases/{case_id}/decision")
    assert "голоса разделились поровну" in page.text
    assert 'id="escalate-button"' in page.text
    refused = head.post(f"/cases/{case_id}/decision/issue", data={"csrf_token": csrf(head)})
    assert refused.status_code == 409
    assert "поровну" in refused.text
    assert head.post(f"/cases/{case_id}/decision/escalate", data={"csrf_token": csrf(head)},
                     follow_redirects=False).status_code == 303
    assert head.get(f"/api/v1/cases/{case_id}/decision").json()["status"] == "escalated"


def test_a_departure_from_the_suggestion_needs_item_102(login_as: Callable[[Role], TestClient], pki: TestPki, keys: Path) -> None:
    case_id = filled_case(login_as, pki, **{"80": "80.3"})  # 70 % is III степень → II группа, not III
    expert = login_as(Role.EXPERT)
    body = expert.get(f"/api/v1/cases/{case_id}/decision").json()
    assert body["departures"], body
    refused = expert.post(f"/cases/{case_id}/decision/vote", data={"csrf_token": csrf(expert), "vote": "for"})
    assert refused.status_code == 422
    assert "обоснование отступления" in refused.text
    assert 'name="departure_reason"' in refused.text
    reason = "Ограничение способности к трудовой деятельности 1 степени; комиссия оценила нарушения как умеренные"
    assert expert.post(f"/cases/{case_id}/decision/vote", data={"csrf_token": csrf(expert), "vote": "for",
                                                               "departure_reason": reason}, follow_redirects=False).status_code == 303
    assert reason in expert.get(f"/cases/{case_id}/decision").text


def test_who_may_see_the_decision(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    case_id = filled_case(login_as, pki)
    for role in (Role.REGISTRAR, Role.MEDICAL_ORG, Role.CITIZEN, Role.AUDITOR, Role.ADMIN):
        r = login_as(role).get(f"/api/v1/cases/{case_id}/decision")
        assert r.status_code in (403, 404), (role, r.status_code)
    assert login_as(Role.MAIN_EXPERT).get(f"/api/v1/cases/{case_id}/decision").status_code == 200
