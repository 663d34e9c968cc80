"""The one access policy: which role may do what to which object (least privilege, 152-ФЗ ст.10).

Every object kind carries a `Scope` saying where it lives in the institution tree, which medical
organisation sent it and whose data it is. A rule is a predicate over (actor, scope); a pair that
is not in POLICY is denied. Staff scope is a materialised-path prefix:
  registrar / expert   -> their own bureau
  head                 -> the subtree of the unit they head (a main bureau head: all its branches)
  main-bureau expert   -> the subtree of their main bureau
  federal expert       -> the whole tree
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from mse.domain.identity import STAFF_ROLES, Actor, Role


class Kind(StrEnum):
    PERSON = "person"  # personal data of a citizen (special category when health data join it)
    STAFF = "staff"  # employees of the institutions (their names are personal data too)
    UNIT = "unit"  # institution directory (public information)
    MEDICAL_ORG = "medical_org"  # directory of medical organisations (public information)
    AUDIT = "audit"  # the audit trail of personal-data access
    API_TOKEN = "api_token"  # noqa: S105 — machine credentials of a medical organisation's МИС
    ACCOUNT = "account"  # user accounts
    REFERRAL = "referral"  # направление на МСЭ with the health data it carries
    QUARANTINE = "quarantine"  # received documents that could not be read or verified (may hold personal data)
    PROTOCOL = "protocol"  # протокол проведения МСЭ (389н): personal and health data, decisions
    OUTBOX = "outbox"  # outgoing messages to МО, СФР, ФРИ, военкомат, ЕПГУ: metadata only, payloads are never shown
    CASE = "case"  # экспертное дело: its state and the status the citizen sees (process.md §3, §7.4)
    CASE_HISTORY = "case_history"  # who moved the case when and why: staff of the tree only


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"


@dataclass(frozen=True)
class Scope:
    unit_path: str | None = None
    medical_org_id: int | None = None
    person_id: int | None = None
    owner_user_id: int | None = None


Rule = Callable[[Actor, Scope], bool]


def _in_tree(actor: Actor, scope: Scope) -> bool:
    return bool(actor.scope_path) and scope.unit_path is not None and scope.unit_path.startswith(actor.scope_path)


def _sent_by_own_org(actor: Actor, scope: Scope) -> bool:
    return actor.medical_org_id is not None and scope.medical_org_id == actor.medical_org_id


def _is_self(actor: Actor, scope: Scope) -> bool:
    return actor.person_id is not None and scope.person_id == actor.person_id


def _owns(actor: Actor, scope: Scope) -> bool:
    return scope.owner_user_id == actor.user_id


def _always(actor: Actor, scope: Scope) -> bool:
    return True


_STAFF_IN_TREE: dict[Role, Rule] = dict.fromkeys(STAFF_ROLES, _in_tree)
_ALL_AUTHENTICATED: dict[Role, Rule] = dict.fromkeys(Role, _always)

POLICY: dict[tuple[Kind, Action], dict[Role, Rule]] = {
    (Kind.PERSON, Action.READ): {**_STAFF_IN_TREE, Role.MEDICAL_ORG: _sent_by_own_org, Role.CITIZEN: _is_self},
    # Registration of a person happens at the bureau's front desk or arrives with a referral.
    (Kind.PERSON, Action.CREATE): {Role.REGISTRAR: _in_tree, Role.HEAD: _in_tree, Role.MEDICAL_ORG: _sent_by_own_org},
    (Kind.PERSON, Action.UPDATE): {Role.REGISTRAR: _in_tree, Role.HEAD: _in_tree},
    (Kind.STAFF, Action.READ): {**_STAFF_IN_TREE, Role.AUDITOR: _always, Role.ADMIN: _always},
    (Kind.STAFF, Action.CREATE): {Role.ADMIN: _always},
    (Kind.UNIT, Action.READ): _ALL_AUTHENTICATED,
    (Kind.UNIT, Action.CREATE): {Role.ADMIN: _always},
    (Kind.MEDICAL_ORG, Action.READ): _ALL_AUTHENTICATED,
    (Kind.MEDICAL_ORG, Action.CREATE): {Role.ADMIN: _always},
    # Separation of duties: only the auditor reads the trail; the administrator does not.
    (Kind.AUDIT, Action.READ): {Role.AUDITOR: _always},
    (Kind.API_TOKEN, Action.READ): {Role.ADMIN: _always, Role.MEDICAL_ORG: _owns},
    (Kind.API_TOKEN, Action.CREATE): {Role.ADMIN: _always},
    (Kind.ACCOUNT, Action.READ): {Role.ADMIN: _always},
    (Kind.ACCOUNT, Action.CREATE): {Role.ADMIN: _always},
    (Kind.REFERRAL, Action.READ): {**_STAFF_IN_TREE, Role.MEDICAL_ORG: _sent_by_own_org},
    # The МИС sends; the operator's folder import (`mse referrals import`) runs as the system.
    (Kind.REFERRAL, Action.CREATE): {Role.MEDICAL_ORG: _sent_by_own_org, Role.ADMIN: _always},
    # Registration or return (EREF: registrar registers; the return is signed by the bureau).
    (Kind.REFERRAL, Action.UPDATE): {Role.REGISTRAR: _in_tree, Role.EXPERT: _in_tree, Role.HEAD: _in_tree},
    (Kind.QUARANTINE, Action.READ): {Role.REGISTRAR: _always, Role.HEAD: _always},
    # The protocol is the experts' work (389н прил.2 п.3): specialists and the head of the bureau (or of
    # the main / Federal bureau's expert panel) read and fill it; the registrar does not need the health data.
    (Kind.PROTOCOL, Action.READ): dict.fromkeys((Role.EXPERT, Role.HEAD, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT), _in_tree),
    (Kind.PROTOCOL, Action.UPDATE): dict.fromkeys((Role.EXPERT, Role.HEAD, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT), _in_tree),
    # Sending results out (адм. регламент п.16, п.18; process.md §4 DL-16, DL-19): the head of a bureau and the upper bureaus
    # watch the deliveries of their tree and resend a dead letter; the administrator runs the transport and sees the
    # metadata of all messages (topic, recipient, status — never the payload) and may resend after fixing an address.
    (Kind.OUTBOX, Action.READ): {**dict.fromkeys((Role.HEAD, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT), _in_tree), Role.ADMIN: _always},
    (Kind.OUTBOX, Action.UPDATE): {**dict.fromkeys((Role.HEAD, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT), _in_tree), Role.ADMIN: _always},
    # Case status (process.md §7.4): the citizen his own cases, the МО the cases of its referrals, staff their tree.
    (Kind.CASE, Action.READ): {**_STAFF_IN_TREE, Role.MEDICAL_ORG: _sent_by_own_org, Role.CITIZEN: _is_self},
    # Transitions (process.md §1.4): staff of the tree; the citizen only on his own case (refusal of ПДО, T21).
    # Which role may fire which event is the transition table's business (domain/case_transitions.py).
    (Kind.CASE, Action.UPDATE): {**_STAFF_IN_TREE, Role.CITIZEN: _is_self},
    (Kind.CASE_HISTORY, Action.READ): _STAFF_IN_TREE,
}


def allowed(actor: Actor, kind: Kind, action: Action, scope: Scope | None = None) -> bool:
    rule = POLICY.get((kind, action), {}).get(actor.role)
    return rule is not None and rule(actor, scope or Scope())


def may_ever(actor: Actor, kind: Kind, action: Action) -> bool:
    """Whether the role has any rule for this pair (used to hide menu items and to 403 early)."""
    return actor.role in POLICY.get((kind, action), {})


def scope_path_for(role: Role, unit_path: str | None, main_path: str | None, root_path: str | None) -> str:
    """The subtree a staff member works in, resolved once at login (see module docstring)."""
    if role in (Role.REGISTRAR, Role.EXPERT, Role.HEAD):
        return unit_path or ""
    if role is Role.MAIN_EXPERT:
        return main_path or ""
    if role is Role.FEDERAL_EXPERT:
        return root_path or ""
    return ""


@dataclass(frozen=True)
class PersonFilter:
    """The SQL-side twin of the PERSON/READ rules, for lists and searches.

    Kept next to POLICY so both change together; the access-matrix test checks they agree.
    `deny_all` is set for roles with no rule at all.
    """

    unit_path_prefix: str | None = None
    medical_org_id: int | None = None
    person_id: int | None = None
    deny_all: bool = False


def person_filter(actor: Actor) -> PersonFilter:
    if actor.role in STAFF_ROLES:
        return PersonFilter(unit_path_prefix=actor.scope_path) if actor.scope_path else PersonFilter(deny_all=True)
    if actor.role is Role.MEDICAL_ORG and actor.medical_org_id is not None:
        return PersonFilter(medical_org_id=actor.medical_org_id)
    if actor.role is Role.CITIZEN and actor.person_id is not None:
        return PersonFilter(person_id=actor.person_id)
    return PersonFilter(deny_all=True)
