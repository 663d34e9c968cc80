"""Institutions of МСЭ, medical organisations and staff."""

from __future__ import annotations

from mse.domain.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from mse.domain.identity import Actor
from mse.domain.organisation import (
    MedicalOrganisation,
    OrgUnit,
    Position,
    Profile,
    StaffMember,
    UnitKind,
    check_parent,
)
from mse.domain.people import EMAIL_PATTERN
from mse.domain.policy import Action, Kind, Scope, allowed
from mse.domain.ports import Clock
from mse.domain.values import FullName, Ogrn
from mse.services import audit
from mse.services.ports import UnitOfWork, UnitWithCounts


def _require(actor: Actor, kind: Kind, action: Action, message: str) -> None:
    if not allowed(actor, kind, action):
        raise Forbidden(message)


def institution_tree(uow: UnitOfWork, actor: Actor) -> list[UnitWithCounts]:
    _require(actor, Kind.UNIT, Action.READ, "Справочник учреждений недоступен")
    return uow.orgs.tree_with_staff_counts()


def create_unit(uow: UnitOfWork, actor: Actor, clock: Clock, *, kind: UnitKind, name: str, short_name: str,
                parent_id: int | None, region_code: str | None, profile: Profile | None = None,
                address: str | None = None) -> OrgUnit:
    _require(actor, Kind.UNIT, Action.CREATE, "Создавать учреждения может только администратор")
    parent = uow.orgs.get_unit(parent_id) if parent_id is not None else None
    if parent_id is not None and parent is None:
        raise ValidationFailed([FieldProblem("parent_id", "Вышестоящее учреждение не найдено")])
    reason = check_parent(kind, parent)
    if reason:
        raise ValidationFailed([FieldProblem("parent_id", reason)])
    if kind is UnitKind.FEDERAL and uow.orgs.root() is not None:
        raise Conflict("federal_bureau_exists", "Федеральное бюро уже создано")
    if region_code is not None and uow.orgs.region(region_code) is None:
        raise ValidationFailed([FieldProblem("region_code", f"Неизвестный код субъекта РФ: {region_code}")])
    if kind in (UnitKind.MAIN, UnitKind.BUREAU) and region_code is None:
        raise ValidationFailed([FieldProblem("region_code", "Укажите субъект Российской Федерации", "required")])
    if kind is UnitKind.BUREAU and profile is None:
        raise ValidationFailed([FieldProblem("profile", "Укажите профиль бюро", "required")])
    if uow.orgs.unit_by_short_name(short_name) is not None:
        raise Conflict("unit_exists", f"Учреждение «{short_name}» уже существует")
    unit = uow.orgs.add_unit(kind=kind, name=name, short_name=short_name, region_code=region_code, parent=parent,
                             profile=profile, address=address)
    audit.record(uow, actor, "unit.create", Kind.UNIT.value, unit.id, clock)
    return unit


def create_medical_org(uow: UnitOfWork, actor: Actor, clock: Clock, *, name: str, ogrn: str, region_code: str,
                       address: str | None = None) -> MedicalOrganisation:
    _require(actor, Kind.MEDICAL_ORG, Action.CREATE, "Добавлять медицинские организации может только администратор")
    try:
        parsed = Ogrn.parse(ogrn)
    except ValueError as e:
        raise ValidationFailed([FieldProblem("ogrn", str(e))]) from e
    if uow.orgs.region(region_code) is None:
        raise ValidationFailed([FieldProblem("region_code", f"Неизвестный код субъекта РФ: {region_code}")])
    if uow.orgs.medical_org_by_ogrn(parsed.digits) is not None:
        raise Conflict("medical_org_exists", f"Медицинская организация с ОГРН {parsed.digits} уже есть в справочнике")
    mo = uow.orgs.add_medical_org(name=name, ogrn=parsed.digits, region_code=region_code, address=address)
    audit.record(uow, actor, "medical_org.create", Kind.MEDICAL_ORG.value, mo.id, clock)
    return mo


def add_staff(uow: UnitOfWork, actor: Actor, clock: Clock, *, unit_id: int, position: Position, full_name: FullName,
              email: str | None = None) -> StaffMember:
    _require(actor, Kind.STAFF, Action.CREATE, "Добавлять сотрудников может только администратор")
    if uow.orgs.get_unit(unit_id) is None:
        raise ValidationFailed([FieldProblem("unit_id", "Учреждение не найдено")])
    address = (email or "").strip() or None
    if address is not None and not EMAIL_PATTERN.match(address):
        raise ValidationFailed([FieldProblem("email", "Адрес электронной почты указан неверно: ожидается вид имя@домен.ru")])
    member = uow.orgs.add_staff(unit_id=unit_id, position=position, surname=full_name.surname, name=full_name.name,
                                patronymic=full_name.patronymic, email=address)
    audit.record(uow, actor, "staff.create", Kind.STAFF.value, member.id, clock)
    return member


def unit_staff(uow: UnitOfWork, actor: Actor, unit_id: int, clock: Clock) -> tuple[OrgUnit, list[StaffMember]]:
    """A unit card with its staff; names of employees are personal data, so the read is audited."""
    unit = uow.orgs.get_unit(unit_id)
    if unit is None:
        raise NotFound("unit", "Учреждение не найдено")
    if not allowed(actor, Kind.STAFF, Action.READ, Scope(unit_path=unit.path)):
        raise Forbidden("Список сотрудников этого учреждения вам недоступен")
    members = uow.orgs.staff_of_unit(unit_id)
    audit.record(uow, actor, "staff.list", Kind.UNIT.value, unit_id, clock, details={"count": len(members)})
    uow.commit()
    return unit, members
