"""/api/v1/cases/{id}/status|history|transitions and the case card page: who sees what, coded refusals as problem+json."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from mse.domain.identity import Role
from tests.intake_support import TestPki
from tests.protocol_support import registered_case

Login = Callable[[Role], TestClient]
SCHEDULE = {"event": "scheduled", "reason": "комплект полный",
            "facts": {"documents_complete": True, "form_of_conducting": "at_bureau"}}


def _problem(response: object, status: int, code: str) -> None:
    r = response
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    assert r.json()["code"] == code  # type: ignore[attr-defined]


def test_status_for_the_citizen_the_referring_mo_and_staff(login_as: Login, pki: TestPki) -> None:
    case_id = registered_case(login_as, pki)
    mo = login_as(Role.MEDICAL_ORG).get(f"/api/v1/cases/{case_id}/status")
    assert mo.status_code == 200, mo.text
    body = mo.json()
    assert (body["code"], body["label"], body["state"]) == ("registered", "Зарегистрировано, проводится проверка", None)
    assert [f["code"] for f in body["must_show"]] == ["registered_on", "number", "due_decision"]
    assert body["must_show"][1]["value"] == body["number"]
    staff = login_as(Role.REGISTRAR).get(f"/api/v1/cases/{case_id}/status")
    assert staff.json()["state"] == "registered"
    # The demo citizen is the patient of this referral (another citizen's case: tests/integration/test_case_transitions.py).
    own = login_as(Role.CITIZEN).get(f"/api/v1/cases/{case_id}/status")
    assert (own.status_code, own.json()["code"], own.json()["state"]) == (200, "registered", None)
    _problem(login_as(Role.AUDITOR).get(f"/api/v1/cases/{case_id}/status"), 404, "case_not_found")


def test_history_is_for_staff(login_as: Login, pki: TestPki) -> None:
    case_id = registered_case(login_as, pki)
    r = login_as(Role.HEAD).get(f"/api/v1/cases/{case_id}/history")
    assert r.status_code == 200, r.text
    assert [i["to_state"] for i in r.json()["items"]] == ["registered"]
    assert r.json()["total"] == 1
    _problem(login_as(Role.MEDICAL_ORG).get(f"/api/v1/cases/{case_id}/history"), 404, "case_not_found")
    _problem(login_as(Role.CITIZEN).get(f"/api/v1/cases/{case_id}/history"), 404, "case_not_found")


def test_transitions_are_coded(login_as: Login, pki: TestPki) -> None:
    case_id = registered_case(login_as, pki)
    url = f"/api/v1/cases/{case_id}/transitions"
    _problem(login_as(Role.REGISTRAR).post(url, json={"event": "terminated", "reason": "x"}), 403, "transition_role_forbidden")
    expert = login_as(Role.EXPERT)
    _problem(expert.post(url, json={"event": "terminated", "reason": "x"}), 403, "transition_role_forbidden")  # the head's
    _problem(expert.post(url, json={"event": "scheduled"}), 409, "transition_guard_failed:documents_complete")
    _problem(expert.post(url, json={"event": "completed"}), 409, "transition_not_allowed")
    _problem(expert.post(url, json={"event": "refuse_service"}), 422, "validation_failed")  # АР п.29: no such transition
    # What only the system knows (the vote) cannot be claimed by a client.
    _problem(expert.post(url, json={"event": "scheduled", "facts": {"majority_reached": True}}), 422, "validation_failed")
    done = expert.post(url, json={**SCHEDULE, "expected_state": "registered"})
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["transition"], done.json()["form_of_conducting"]) == ("scheduled", "T14", "at_bureau")
    assert done.json()["regime"] == "current"
    _problem(expert.post(url, json={**SCHEDULE, "expected_state": "registered"}), 409, "transition_stale_state")
    history = login_as(Role.HEAD).get(f"/api/v1/cases/{case_id}/history").json()["items"]
    assert (history[-1]["transition"], history[-1]["actor_role"], history[-1]["reason"]) == ("T14", "expert", "комплект полный")
    status = login_as(Role.MEDICAL_ORG).get(f"/api/v1/cases/{case_id}/status").json()
    assert status["code"] == "invited"


def test_case_card_page(login_as: Login, pki: TestPki) -> None:
    case_id = registered_case(login_as, pki)
    expert = login_as(Role.EXPERT)
    page = expert.get(f"/cases/{case_id}")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-state="registered"' in html
    assert 'id="action-scheduled"' in html  # T14 for the expert
    assert 'id="action-terminated"' not in html  # T40 is the head's
    assert 'id="case-history"' in html
    refused = expert.post(f"/cases/{case_id}/transitions", data={
        "event": "scheduled", "expected_state": "registered", "csrf_token": expert.headers["X-CSRF-Token"]})
    assert refused.status_code == 409
    assert "Комплект документов не полный" in refused.text
    head = login_as(Role.HEAD)
    moved = head.post(f"/cases/{case_id}/transitions", data={
        "event": "terminated", "reason": "отзыв согласия", "reason_code": "withdrawn", "expected_state": "registered",
        "csrf_token": head.headers["X-CSRF-Token"]}, follow_redirects=False)
    assert moved.status_code == 303, moved.text
    after = head.get(moved.headers["location"]).text
    assert 'data-state="terminated"' in after
    assert "Отзыв заявления (согласия) гражданином" in after
    for role in (Role.CITIZEN, Role.MEDICAL_ORG):  # the status, no history, no actions
        page = login_as(role).get(f"/cases/{case_id}")
        assert page.status_code == 200
        assert 'data-code="terminated"' in page.text
        assert 'id="case-history"' not in page.text
        assert 'class="case-action"' not in page.text
    assert login_as(Role.AUDITOR).get(f"/cases/{case_id}").status_code == 403
