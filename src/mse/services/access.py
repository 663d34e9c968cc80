"""Permission-checked loaders: the only way web code gets a personal-data object (Zulip `access_*`).

A denied read is recorded and answered as "not found", so foreign records do not reveal existence.
"""

from __future__ import annotations

from mse.domain.errors import NotFound
from mse.domain.identity import Actor
from mse.domain.organisation import OrgUnit, StaffMember
from mse.domain.people import Person
from mse.domain.policy import Action, Kind, Scope, allowed
from mse.domain.ports import Clock
from mse.services import audit
from mse.services.intake_ports import ReferralRecord
from mse.services.ports import UnitOfWork

PERSON_NOT_FOUND = "Гражданин не найден или у вас нет доступа к его данным"


def person_scope(person: Person, unit_path: str | None) -> Scope:
    return Scope(unit_path=unit_path, medical_org_id=person.source_org_id, person_id=person.id)


def access_person(uow: UnitOfWork, actor: Actor, person_id: int, clock: Clock, action: Action = Action.READ) -> Person:
    found = uow.people.get(person_id)
    if found is None:
        raise NotFound("person", PERSON_NOT_FOUND)
    person, unit_path = found
    if not allowed(actor, Kind.PERSON, action, person_scope(person, unit_path)):
        audit.record(uow, actor, f"person.{action.value}.denied", Kind.PERSON.value, person_id, clock)
        uow.commit()
        raise NotFound("person", PERSON_NOT_FOUND)
    audit.record(uow, actor, f"person.{action.value}", Kind.PERSON.value, person_id, clock)
    return person


def access_staff(uow: UnitOfWork, actor: Actor, staff_id: int, clock: Clock) -> tuple[StaffMember, OrgUnit]:
    found = uow.orgs.get_staff(staff_id)
    if found is None or not allowed(actor, Kind.STAFF, Action.READ, Scope(unit_path=found[1].path)):
        raise NotFound("staff", "Сотрудник не найден или у вас нет доступа к его данным")
    audit.record(uow, actor, "staff.read", Kind.STAFF.value, staff_id, clock)
    return found


REFERRAL_NOT_FOUND = "Направление не найдено или у вас нет доступа к нему"


def access_referral(uow: UnitOfWork, actor: Actor, referral_id: int, clock: Clock) -> ReferralRecord:
    """A referral carries personal and health data: every read is audited, a denied one too."""
    found = uow.intake.referral(referral_id)
    if found is None:
        raise NotFound("referral", REFERRAL_NOT_FOUND)
    if not allowed(actor, Kind.REFERRAL, Action.READ, Scope(unit_path=found.bureau_path, medical_org_id=found.sender_org_id)):
        audit.record(uow, actor, "referral.read.denied", Kind.REFERRAL.value, referral_id, clock)
        uow.commit()
        raise NotFound("referral", REFERRAL_NOT_FOUND)
    audit.record(uow, actor, "referral.read", Kind.REFERRAL.value, referral_id, clock)
    return found
