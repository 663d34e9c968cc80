"""Person registry use cases: register, read, search (389н items 4–18)."""

from __future__ import annotations

from dataclasses import dataclass

from mse.domain.errors import Conflict, FieldProblem, Forbidden, ValidationFailed
from mse.domain.identity import Actor, Role
from mse.domain.organisation import UnitKind
from mse.domain.people import Person, PersonData, validate_person
from mse.domain.policy import Action, Kind, Scope, allowed, may_ever, person_filter
from mse.domain.ports import Clock
from mse.services import audit
from mse.services.access import access_person
from mse.services.ports import PersonQuery, PersonRow, UnitOfWork


def register_person(uow: UnitOfWork, actor: Actor, data: PersonData, clock: Clock, *, bureau_id: int | None = None) -> int:
    """Register a person in the actor's bureau (or, for a medical organisation, as its own submission).

    Everything is checked before the first write, and the audit row goes in the same transaction,
    so a rejected request leaves nothing behind.
    """
    if not may_ever(actor, Kind.PERSON, Action.CREATE):
        raise Forbidden("Регистрировать граждан может регистратор или руководитель бюро")
    source_org_id = actor.medical_org_id if actor.role is Role.MEDICAL_ORG else None
    target_bureau = bureau_id if bureau_id is not None else (actor.unit_id if actor.role is not Role.MEDICAL_ORG else None)
    unit_path = None
    unit = None
    if target_bureau is not None:
        unit = uow.orgs.get_unit(target_bureau)
        if unit is None or unit.kind is not UnitKind.BUREAU:
            raise ValidationFailed([FieldProblem("bureau_id", "Укажите существующее бюро медико-социальной экспертизы")])
        unit_path = unit.path
    if not allowed(actor, Kind.PERSON, Action.CREATE, Scope(unit_path=unit_path, medical_org_id=source_org_id)):
        raise Forbidden("Нельзя зарегистрировать гражданина в чужом бюро")
    if source_org_id is not None and unit is not None:
        # process.md T06 (EREF s.23): a medical organisation refers to the bureaus of its own subject of the RF.
        # The extraterritorial depersonalised route (ПП 588 п.30, process.md §10 G-3) is assigned by the
        # bureau later, never chosen by the sender, so it does not open this door.
        org = uow.orgs.get_medical_org(source_org_id)
        if org is None or org.region_code != unit.region_code:
            raise Forbidden("Медицинская организация направляет только в бюро своего субъекта РФ", "other_region")
    validate_person(data, clock.today())
    if data.snils is not None and uow.people.snils_taken(data.snils.digits) is not None:
        raise Conflict("person_snils_exists", f"Гражданин со СНИЛС {data.snils.formatted} уже зарегистрирован")
    person_id = uow.people.add(data, bureau_id=target_bureau, source_org_id=source_org_id, now=clock.now())
    audit.record(uow, actor, "person.create", Kind.PERSON.value, person_id, clock,
                 details={"documents": len(data.documents), "addresses": len(data.addresses),
                          "representatives": len(data.representatives)})
    uow.commit()
    return person_id


def read_person(uow: UnitOfWork, actor: Actor, person_id: int, clock: Clock) -> Person:
    person = access_person(uow, actor, person_id, clock)
    uow.commit()  # the audit row of the read
    return person


@dataclass(frozen=True)
class SearchResult:
    rows: list[PersonRow]
    total: int
    limit: int
    offset: int


def search_persons(uow: UnitOfWork, actor: Actor, query: PersonQuery, clock: Clock, *, limit: int = 20, offset: int = 0) -> SearchResult:
    """Find by СНИЛС, or by ФИО (+ date of birth); case- and ё/е-insensitive; only within the actor's scope."""
    if not may_ever(actor, Kind.PERSON, Action.READ):
        raise Forbidden("Поиск граждан недоступен для вашей роли")
    criteria = sorted(k for k, v in vars(query).items() if v)
    if not criteria:
        raise ValidationFailed([FieldProblem("query", "Укажите СНИЛС или фамилию для поиска", "required")])
    if query.snils is None and not query.surname:
        raise ValidationFailed([FieldProblem("surname", "Для поиска по ФИО укажите фамилию", "required")])
    rows, total = uow.people.search(query, person_filter(actor), limit=limit, offset=offset)
    # Criteria names, not values: the trail must not become a copy of the personal data it guards.
    audit.record(uow, actor, "person.search", Kind.PERSON.value, None, clock,
                 details={"criteria": criteria, "found": total, "shown_ids": [r.id for r in rows]})
    uow.commit()
    return SearchResult(rows, total, limit, offset)
