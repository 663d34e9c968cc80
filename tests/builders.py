"""Explicit builders (Polar style): a small two-region world with one account per role.

Own/foreign layout used by the access matrix:
  Федеральное бюро ── ФС-1 (federal composition)
   ├─ ГБ 77 ── ЭС-77 (composition) ── Бюро A1 (own bureau), Бюро A2 (sibling)
   └─ ГБ 50 ── Бюро B1 (foreign region)
  МО X (77) sends person_own; МО Y (50) sends person_foreign.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.passwords import Argon2Hasher
from mse.domain.identity import SYSTEM_ACTOR, Role
from mse.domain.organisation import Position, Profile, UnitKind
from mse.domain.people import (
    Address,
    AddressKind,
    Citizenship,
    DocumentKind,
    IdentityDocument,
    PersonData,
)
from mse.domain.values import FullName, Sex, make_ogrn, make_snils
from mse.services import organisation
from tests.support import FixedClock

PASSWORD = "test-password-1"
HASHER = Argon2Hasher(fast=True)


def person_data(surname: str = "Иванов", name: str = "Пётр", patronymic: str | None = "Сергеевич", *,
                snils9: str = "112233445", birth: date = date(1970, 5, 17), sex: Sex = Sex.MALE) -> PersonData:
    return PersonData(
        full_name=FullName(surname, name, patronymic), birth_date=birth, sex=sex, citizenship=Citizenship.RF,
        snils=make_snils(snils9),
        documents=(IdentityDocument(DocumentKind.PASSPORT_RF, "123456", "4510", "ОВД Тверского района", date(2015, 6, 1)),),
        addresses=(Address(AddressKind.RESIDENCE, "Россия", "125009", "77", "г. Москва", "Москва", "7", street="ул. Тверская", apartment="12"),),
    )


@dataclass
class World:
    units: dict[str, int] = field(default_factory=dict)
    unit_paths: dict[str, str] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)
    persons: dict[str, int] = field(default_factory=dict)
    accounts: dict[Role, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)


def build_world(engine: Engine, clock: FixedClock | None = None) -> World:
    clock = clock or FixedClock()
    w = World()
    with SqlAlchemyUnitOfWork(engine) as uow:
        def unit(key: str, kind: UnitKind, parent: str | None, region: str | None, profile: Profile | None = None) -> None:
            u = organisation.create_unit(uow, SYSTEM_ACTOR, clock, kind=kind, name=f"Учреждение {key}", short_name=key,
                                         parent_id=w.units[parent] if parent else None, region_code=region, profile=profile)
            w.units[key], w.unit_paths[key] = u.id, u.path

        unit("ФБ", UnitKind.FEDERAL, None, None)
        unit("ФС-1", UnitKind.COMPOSITION, "ФБ", None, Profile.GENERAL)
        unit("ГБ-77", UnitKind.MAIN, "ФБ", "77")
        unit("ЭС-77", UnitKind.COMPOSITION, "ГБ-77", "77", Profile.GENERAL)
        unit("A1", UnitKind.BUREAU, "ГБ-77", "77", Profile.GENERAL)
        unit("A2", UnitKind.BUREAU, "ГБ-77", "77", Profile.PSYCHIATRIC)
        unit("ГБ-50", UnitKind.MAIN, "ФБ", "50")
        unit("B1", UnitKind.BUREAU, "ГБ-50", "50", Profile.GENERAL)
        for key, region, first12 in (("X", "77", "102770000001"), ("Y", "50", "102500000002")):
            mo = organisation.create_medical_org(uow, SYSTEM_ACTOR, clock, name=f"ГБУЗ «Поликлиника {key}»",
                                                 ogrn=make_ogrn(first12).digits, region_code=region)
            w.orgs[key] = mo.id
        for key, unit_key, pos in (("registrar", "A1", Position.REGISTRAR), ("expert", "A1", Position.EXPERT),
                                   ("head", "A1", Position.HEAD), ("main_expert", "ЭС-77", Position.EXPERT),
                                   ("federal_expert", "ФС-1", Position.EXPERT), ("b1_staff", "B1", Position.EXPERT)):
            s = organisation.add_staff(uow, SYSTEM_ACTOR, clock, unit_id=w.units[unit_key], position=pos,
                                       full_name=FullName("Сотрудников", key, None))
            w.staff[key] = s.id
        now = clock.now()
        w.persons["own"] = uow.people.add(person_data("Ёлкин", "Пётр", snils9="112233445"), bureau_id=w.units["A1"], source_org_id=w.orgs["X"], now=now)
        w.persons["sibling"] = uow.people.add(person_data("Сидорова", "Анна", "Павловна", snils9="223344556", sex=Sex.FEMALE), bureau_id=w.units["A2"], source_org_id=None, now=now)
        w.persons["foreign"] = uow.people.add(person_data("Петров", "Иван", snils9="334455667"), bureau_id=w.units["B1"], source_org_id=w.orgs["Y"], now=now)
        h = HASHER.hash(PASSWORD)
        specs: list[tuple[Role, dict[str, int | None]]] = [
            (Role.REGISTRAR, {"unit_id": w.units["A1"], "staff_id": w.staff["registrar"]}),
            (Role.EXPERT, {"unit_id": w.units["A1"], "staff_id": w.staff["expert"]}),
            (Role.HEAD, {"unit_id": w.units["A1"], "staff_id": w.staff["head"]}),
            (Role.MAIN_EXPERT, {"unit_id": w.units["ЭС-77"], "staff_id": w.staff["main_expert"]}),
            (Role.FEDERAL_EXPERT, {"unit_id": w.units["ФС-1"], "staff_id": w.staff["federal_expert"]}),
            (Role.MEDICAL_ORG, {"medical_org_id": w.orgs["X"]}),
            (Role.CITIZEN, {"person_id": w.persons["own"]}),
            (Role.AUDITOR, {}),
            (Role.ADMIN, {}),
        ]
        for role, links in specs:
            w.accounts[role] = uow.identity.add_account(login=role.value, password_hash=h, role=role,
                                                        display_name=f"Пользователь {role.value}", now=now, **links)  # type: ignore[arg-type]
        uow.commit()
    return w
