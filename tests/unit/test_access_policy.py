"""The access policy as a full matrix: every role × every object kind × own / foreign object.

"Own" is the object in the actor's part of the world (their bureau, their main bureau's subtree, what
their medical organisation sent, their own record); "foreign" is in another region / organisation /
person. An expectation of (True, True) means the role legitimately reaches both (e.g. the Federal bureau).
"""

from __future__ import annotations

import pytest

from mse.domain.identity import Actor, Role
from mse.domain.policy import POLICY, Action, Kind, PersonFilter, Scope, allowed, person_filter

ROOT, MAIN77, A1, B1 = "/1/", "/1/3/", "/1/3/5/", "/1/7/8/"
MO_OWN, MO_FOREIGN, PERSON_OWN, PERSON_FOREIGN = 10, 11, 100, 200

ACTORS = {
    Role.REGISTRAR: Actor(1, "r", Role.REGISTRAR, "", unit_id=5, scope_path=A1),
    Role.EXPERT: Actor(2, "e", Role.EXPERT, "", unit_id=5, scope_path=A1),
    Role.HEAD: Actor(3, "h", Role.HEAD, "", unit_id=5, scope_path=A1),
    Role.MAIN_EXPERT: Actor(4, "m", Role.MAIN_EXPERT, "", unit_id=4, scope_path=MAIN77),
    Role.FEDERAL_EXPERT: Actor(5, "f", Role.FEDERAL_EXPERT, "", unit_id=2, scope_path=ROOT),
    Role.MEDICAL_ORG: Actor(6, "mo", Role.MEDICAL_ORG, "", medical_org_id=MO_OWN),
    Role.CITIZEN: Actor(7, "c", Role.CITIZEN, "", person_id=PERSON_OWN),
    Role.AUDITOR: Actor(8, "a", Role.AUDITOR, ""),
    Role.ADMIN: Actor(9, "adm", Role.ADMIN, ""),
}


def own(kind: Kind, actor: Actor) -> Scope:
    if kind is Kind.API_TOKEN:
        return Scope(owner_user_id=actor.user_id)
    return Scope(unit_path=A1, medical_org_id=MO_OWN, person_id=PERSON_OWN)


def foreign(kind: Kind, actor: Actor) -> Scope:
    if kind is Kind.API_TOKEN:
        return Scope(owner_user_id=actor.user_id + 1000)
    return Scope(unit_path=B1, medical_org_id=MO_FOREIGN, person_id=PERSON_FOREIGN)


R, E, H, M, F, MO, C, AU, AD = (Role.REGISTRAR, Role.EXPERT, Role.HEAD, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT,
                                Role.MEDICAL_ORG, Role.CITIZEN, Role.AUDITOR, Role.ADMIN)
ALL = frozenset(Role)
STAFF = frozenset({R, E, H, M, F})

# (kind, action) -> (roles allowed on own object, roles allowed on foreign object)
EXPECTED: dict[tuple[Kind, Action], tuple[frozenset[Role], frozenset[Role]]] = {
    (Kind.PERSON, Action.READ): (STAFF | {MO, C}, frozenset({F})),
    (Kind.PERSON, Action.CREATE): (frozenset({R, H, MO}), frozenset()),
    (Kind.PERSON, Action.UPDATE): (frozenset({R, H}), frozenset()),
    (Kind.STAFF, Action.READ): (STAFF | {AU, AD}, frozenset({F, AU, AD})),
    (Kind.STAFF, Action.CREATE): (frozenset({AD}), frozenset({AD})),
    (Kind.UNIT, Action.READ): (ALL, ALL),
    (Kind.UNIT, Action.CREATE): (frozenset({AD}), frozenset({AD})),
    (Kind.MEDICAL_ORG, Action.READ): (ALL, ALL),
    (Kind.MEDICAL_ORG, Action.CREATE): (frozenset({AD}), frozenset({AD})),
    (Kind.AUDIT, Action.READ): (frozenset({AU}), frozenset({AU})),
    (Kind.API_TOKEN, Action.READ): (frozenset({AD, MO}), frozenset({AD})),
    (Kind.API_TOKEN, Action.CREATE): (frozenset({AD}), frozenset({AD})),
    (Kind.ACCOUNT, Action.READ): (frozenset({AD}), frozenset({AD})),
    (Kind.ACCOUNT, Action.CREATE): (frozenset({AD}), frozenset({AD})),
    (Kind.REFERRAL, Action.READ): (STAFF | {MO}, frozenset({F})),
    (Kind.REFERRAL, Action.CREATE): (frozenset({MO, AD}), frozenset({AD})),
    (Kind.REFERRAL, Action.UPDATE): (frozenset({R, E, H}), frozenset()),
    (Kind.QUARANTINE, Action.READ): (frozenset({R, H}), frozenset({R, H})),
    # The protocol (389н): the specialists and the head; the registrar registers but does not read health data.
    (Kind.PROTOCOL, Action.READ): (frozenset({E, H, M, F}), frozenset({F})),
    (Kind.PROTOCOL, Action.UPDATE): (frozenset({E, H, M, F}), frozenset({F})),
    (Kind.OUTBOX, Action.READ): (frozenset({H, M, F, AD}), frozenset({F, AD})),
    (Kind.OUTBOX, Action.UPDATE): (frozenset({H, M, F, AD}), frozenset({F, AD})),
    (Kind.CASE, Action.READ): (STAFF | {MO, C}, frozenset({F})),
    (Kind.CASE, Action.UPDATE): (STAFF | {C}, frozenset({F})),
    (Kind.CASE_HISTORY, Action.READ): (STAFF, frozenset({F})),
}

CELLS = [(kind, action, role) for (kind, action) in EXPECTED for role in Role]


def test_matrix_covers_every_policy_entry() -> None:
    assert set(EXPECTED) == set(POLICY), "a new (kind, action) needs its row in the matrix"


@pytest.mark.parametrize(("kind", "action", "role"), CELLS, ids=[f"{k}-{a}-{r}" for k, a, r in CELLS])
def test_matrix_cell(kind: Kind, action: Action, role: Role) -> None:
    actor = ACTORS[role]
    own_roles, foreign_roles = EXPECTED[(kind, action)]
    assert allowed(actor, kind, action, own(kind, actor)) is (role in own_roles)
    assert allowed(actor, kind, action, foreign(kind, actor)) is (role in foreign_roles)


def _filter_admits(f: PersonFilter, s: Scope) -> bool:
    """What the repository's SQL does with a PersonFilter, restated over a Scope."""
    if f.deny_all:
        return False
    if f.unit_path_prefix is not None and not (s.unit_path or "").startswith(f.unit_path_prefix):
        return False
    if f.medical_org_id is not None and s.medical_org_id != f.medical_org_id:
        return False
    return not (f.person_id is not None and s.person_id != f.person_id)


@pytest.mark.parametrize("role", list(Role))
def test_list_filter_agrees_with_the_read_rule(role: Role) -> None:
    actor = ACTORS[role]
    for scope in (own(Kind.PERSON, actor), foreign(Kind.PERSON, actor)):
        assert _filter_admits(person_filter(actor), scope) is allowed(actor, Kind.PERSON, Action.READ, scope)


def test_staff_without_a_unit_sees_nothing() -> None:
    lost = Actor(1, "x", Role.EXPERT, "", scope_path="")
    assert not allowed(lost, Kind.PERSON, Action.READ, Scope(unit_path=A1))
    assert person_filter(lost).deny_all
