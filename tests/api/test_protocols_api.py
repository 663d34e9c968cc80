"""/api/v1 protocols: open for a case, read, edit a draft with revisions, check — errors as problem+json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mse.domain.identity import Role
from tests.intake_support import TestPki
from tests.protocol_support import ADULT_DECISION, registered_case


def test_open_patch_and_check(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    case_id = registered_case(login_as, pki, document_id="doc-api-protocol")
    expert = login_as(Role.EXPERT)
    opened = expert.post(f"/api/v1/cases/{case_id}/protocol")
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["status"] == "draft"
    assert body["prefilled"]["4.surname"] == "регистр граждан"  # the registry is the master record
    assert body["prefilled"]["77.2"] == "направление на МСЭ"
    pid = body["id"]
    bad = expert.patch(f"/api/v1/protocols/{pid}", json={"revision": 1, "changes": {"20": "20.9", "3.1": "25:00"}})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in bad.json()["errors"]} == {"20", "3.1"}
    assert all("Пункт" in e["message"] for e in bad.json()["errors"])
    ok = expert.patch(f"/api/v1/protocols/{pid}", json={"revision": 1, "changes": ADULT_DECISION})
    assert ok.status_code == 200, ok.text
    assert ok.json()["protocol"]["revision"] == 2
    assert ok.json()["protocol"] == expert.get(f"/api/v1/protocols/{pid}").json()  # the answer is what was stored (issue 7, P4)
    stale = expert.patch(f"/api/v1/protocols/{pid}", json={"revision": 1, "changes": {"102": "иное"}})
    assert stale.status_code == 409
    assert stale.json()["code"] == "protocol_revision_conflict"
    check = expert.get(f"/api/v1/protocols/{pid}/check").json()
    assert check["ready"] is True, check
    wrong = expert.patch(f"/api/v1/protocols/{pid}", json={"revision": 2, "changes": {"80": "80.4"}})
    found = expert.get(f"/api/v1/protocols/{pid}/check").json()
    assert wrong.status_code == 200
    assert found["ready"] is False
    assert any(f["rule_id"] == "G9" and f["item"] == "80" for f in found["findings"])


def test_other_roles_do_not_see_protocols(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    case_id = registered_case(login_as, pki, document_id="doc-api-protocol-2")
    pid = login_as(Role.EXPERT).post(f"/api/v1/cases/{case_id}/protocol").json()["id"]
    for role in (Role.REGISTRAR, Role.MEDICAL_ORG, Role.CITIZEN, Role.AUDITOR, Role.ADMIN):
        r = login_as(role).get(f"/api/v1/protocols/{pid}")
        assert r.status_code == 404, (role, r.status_code)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
KEYS = st.sampled_from(["2", "3.1", "5", "20", "21", "23", "24.9", "28.a", "68.1", "77.2", "77.5", "79.2", "79.13.4.percent",
                        "80", "86(1)", "appendix.3", "102", "unknown", "T.2.number"])


def test_any_draft_edit_is_saved_or_refused_cleanly(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    """Random edits of a real protocol: 200 with the revision moved on, or 422/409 problem+json in Russian — never a 500."""
    case_id = registered_case(login_as, pki, document_id="doc-api-protocol-fuzz")
    expert = login_as(Role.EXPERT)
    pid = expert.post(f"/api/v1/cases/{case_id}/protocol").json()["id"]

    @given(changes=st.dictionaries(KEYS, JSON_VALUES, max_size=4))
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def edit(changes: dict[str, Any]) -> None:
        revision = expert.get(f"/api/v1/protocols/{pid}").json()["revision"]
        r = expert.patch(f"/api/v1/protocols/{pid}", json={"revision": revision, "changes": changes})
        assert r.status_code in (200, 422), r.text[:300]
        if r.status_code == 422:
            assert r.headers["content-type"].startswith("application/problem+json")
            assert all(e["field"].split(".")[0] in {k.split(".")[0] for k in changes} for e in r.json()["errors"]), r.json()
        else:
            assert r.json()["protocol"]["revision"] in (revision, revision + 1)
            # Built from what was written, not read back (issue 7, P4): it must equal what a read returns.
            assert r.json()["protocol"] == expert.get(f"/api/v1/protocols/{pid}").json()

    edit()
