"""The access matrix through HTTP: every role against own and foreign objects of every kind so far.

Kinds: person card, person search, staff list of a unit, institution tree, medical organisations,
audit journal, person registration, institution/medical-org creation, API-token issue.
Denied reads of personal data answer 404 (existence is not revealed); denied actions 403.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from mse.domain.identity import Role
from tests.builders import World

R, E, H, M, F, MO, C, AU, AD = (Role.REGISTRAR, Role.EXPERT, Role.HEAD, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT,
                                Role.MEDICAL_ORG, Role.CITIZEN, Role.AUDITOR, Role.ADMIN)
STAFF = {R, E, H, M, F}
ALL = set(Role)

# check name -> (roles allowed on OWN object, roles allowed on FOREIGN object)
MATRIX: dict[str, tuple[set[Role], set[Role]]] = {
    "person.read": (STAFF | {MO, C}, {F}),
    "person.search": (STAFF | {MO, C}, {F}),
    "staff.list": (STAFF | {AU, AD}, {F, AU, AD}),
    "unit.tree": (ALL, ALL),
    "medical_org.list": (ALL, ALL),
    "audit.read": ({AU}, {AU}),
    "person.create": ({R, H, MO}, set()),
    "unit.create": ({AD}, {AD}),
    "token.create": ({AD}, {AD}),
}

CELLS = [(check, role) for check in MATRIX for role in Role]


def run_check(c: TestClient, w: World, check: str, target: str, role: Role) -> bool:
    """Perform one check against the own or foreign object; True if the API granted it."""
    own = target == "own"
    if check == "person.read":
        r = c.get(f"/api/v1/persons/{w.persons['own' if own else 'foreign']}")
        assert r.status_code in (200, 404, 403), r.text
        return r.status_code == 200
    if check == "person.search":
        r = c.get("/api/v1/persons", params={"surname": "Ёлкин" if own else "Петров"})
        if r.status_code == 403:
            return False
        assert r.status_code == 200, r.text
        return r.json()["total"] == 1
    if check == "staff.list":
        r = c.get(f"/api/v1/units/{w.units['A1' if own else 'B1']}/staff")
        return r.status_code == 200
    if check == "unit.tree":
        r = c.get("/api/v1/units")
        return r.status_code == 200 and len(r.json()) == 8
    if check == "medical_org.list":
        r = c.get("/api/v1/medical-orgs", params={"region_code": "77" if own else "50"})
        return r.status_code == 200 and r.json()["total"] == 1
    if check == "audit.read":
        r = c.get("/api/v1/audit", params={"object_kind": "person" if own else "unit"})
        return r.status_code == 200
    if check == "person.create":
        body = {"surname": "Новиков", "name": "Олег", "birth_date": "1960-01-01", "sex": "male",
                "snils": "778-899-001 02" if own else "889-900-112 58",
                "documents": [{"kind": "passport_rf", "number": "100200"}],
                "addresses": [{"region": "г. Москва", "settlement": "Москва", "house": "1"}],
                "bureau_id": w.units["A1" if own else "B1"]}
        if role is MO and own:
            body.pop("bureau_id")  # a medical organisation submits as itself; "foreign" = a bureau of another region
        r = c.post("/api/v1/persons", json=body)
        assert r.status_code in (201, 403, 404), r.text
        return r.status_code == 201
    if check == "unit.create":
        parent = w.units["ГБ-77" if own else "ГБ-50"]
        r = c.post("/api/v1/units", json={"kind": "bureau", "name": "Бюро № 99", "short_name": f"Б99-{target}",
                                          "parent_id": parent, "region_code": "77" if own else "50", "profile": "general"})
        return r.status_code == 201
    if check == "token.create":
        r = c.post("/api/v1/api-tokens", json={"user_id": w.accounts[MO], "name": f"МИС {target}"})
        return r.status_code == 201
    raise AssertionError(check)


@pytest.mark.parametrize(("check", "role"), CELLS, ids=[f"{c}-{r}" for c, r in CELLS])
def test_access_matrix(check: str, role: Role, login_as: Callable[[Role], TestClient], world: World) -> None:
    own_roles, foreign_roles = MATRIX[check]
    c = login_as(role)
    assert run_check(c, world, check, "own", role) is (role in own_roles)
    assert run_check(c, world, check, "foreign", role) is (role in foreign_roles)


def test_matrix_lists_every_role_for_every_check() -> None:
    assert {r for _, r in CELLS} == set(Role)


def test_medical_org_system_client_uses_a_bearer_token(login_as: Callable[[Role], TestClient], world: World) -> None:
    admin = login_as(AD)
    token = admin.post("/api/v1/api-tokens", json={"user_id": world.accounts[MO], "name": "МИС поликлиники X"}).json()["token"]
    admin.cookies.clear()
    del admin.headers["X-CSRF-Token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert admin.get("/api/v1/me", headers=auth).json()["role"] == "medical_org"
    assert admin.get(f"/api/v1/persons/{world.persons['own']}", headers=auth).status_code == 200
    assert admin.get(f"/api/v1/persons/{world.persons['foreign']}", headers=auth).status_code == 404
