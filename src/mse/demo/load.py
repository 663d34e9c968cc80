"""Demo data: a small but realistic, deterministic slice of the МСЭ system of one country.

The Federal bureau with its expert compositions; four main bureaus (г. Москва, Московская область,
Республика Татарстан, Свердловская область) with compositions and branch bureaus of several profiles;
staff for every unit; medical organisations with valid ОГРН; about a thousand citizens with valid СНИЛС,
documents, addresses and contacts; and one demo account per role.

Loading is idempotent (nothing is written once the Federal bureau exists) and deterministic: the same
`seed` gives the same names, СНИЛС, addresses and numbers (dates are counted back from today).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.passwords import Argon2Hasher
from mse.demo.names import (
    BIRTH_CERT_LETTERS,
    COMMON_FEMALE_NAMES,
    COMMON_MALE_NAMES,
    EMAIL_DOMAINS,
    FATHER_NAMES,
    FEDERAL_ADDRESS,
    FEDERAL_COMPOSITIONS,
    FEDERAL_NAME,
    FEDERAL_SHORT,
    FEMALE_SHARE,
    REGIONS,
    DemoMedicalOrg,
    DemoRegion,
    Place,
    Settlement,
    bureau_name,
    bureau_short,
    composition_name,
    feminine_surname,
    masculine_surname,
    translit,
)
from mse.domain.errors import Conflict
from mse.domain.identity import SYSTEM_ACTOR, Role
from mse.domain.organisation import (
    PROFILE_LABELS,
    MedicalOrganisation,
    OrgUnit,
    Position,
    Profile,
    StaffMember,
    UnitKind,
)
from mse.domain.people import (
    Address,
    AddressKind,
    Citizenship,
    Contacts,
    DocumentKind,
    IdentityDocument,
    PersonData,
    Representative,
    RepresentativeKind,
    validate_person,
)
from mse.domain.ports import SystemClock
from mse.domain.values import FullName, Sex, Snils, make_ogrn, make_snils
from mse.services import audit
from mse.services.organisation import add_staff, create_medical_org, create_unit
from mse.services.ports import UnitOfWork

Progress = Callable[[str, int, int], None]

BATCH_SIZE = 200

STAGE_UNITS = "Учреждения МСЭ"
STAGE_STAFF = "Сотрудники"
STAGE_MEDICAL_ORGS = "Медицинские организации"
STAGE_ACCOUNTS = "Учётные записи"
STAGE_PERSONS = "Граждане"


@dataclass(frozen=True)
class DemoSummary:
    created: bool  # False when the database already had demo data (idempotent no-op)
    units: int
    medical_orgs: int
    staff: int
    persons: int
    accounts: int


# One demo account per role (README lists them). Staff accounts all sit in bureau № 1 of Moscow or above it,
# so the registrar, the expert, the head, the main-bureau and the federal expert see the same citizens.
DEMO_ACCOUNTS: list[tuple[str, Role, str]] = [
    ("registrar", Role.REGISTRAR,
     "Регистратор бюро № 1 — филиала ФКУ «ГБ МСЭ по г. Москве»: приём и регистрация граждан"),
    ("expert", Role.EXPERT, "Врач по медико-социальной экспертизе бюро № 1 (г. Москва)"),
    ("head", Role.HEAD, "Руководитель бюро № 1 (г. Москва)"),
    ("main_expert", Role.MAIN_EXPERT,
     "Врач по МСЭ экспертного состава № 1 ФКУ «ГБ МСЭ по г. Москве»: все бюро г. Москвы"),
    ("federal_expert", Role.FEDERAL_EXPERT,
     "Врач по МСЭ экспертного состава № 1 Федерального бюро: все учреждения МСЭ"),
    ("medical_org", Role.MEDICAL_ORG,
     'Пользователь медицинской организации ГБУЗ "Городская поликлиника № 5 ДЗМ": свои направления'),
    ("citizen", Role.CITIZEN, "Гражданин, состоящий на учёте в бюро № 1 (г. Москва): личный кабинет"),
    ("auditor", Role.AUDITOR, "Аудитор безопасности: журнал доступа к персональным данным"),
    ("admin", Role.ADMIN, "Администратор: учётные записи и справочники, без доступа к персональным данным"),
]

_NON_PERSONAL_NAMES = {Role.AUDITOR: "Аудитор безопасности (демо)", Role.ADMIN: "Администратор системы (демо)"}


# ---- the tree as built ----------------------------------------------------------------------


@dataclass
class _RegionSlice:
    demo: DemoRegion
    region_name: str
    main: OrgUnit
    compositions: list[OrgUnit] = field(default_factory=list)
    bureaus: list[tuple[OrgUnit, Settlement]] = field(default_factory=list)
    medical_orgs: list[tuple[MedicalOrganisation, DemoMedicalOrg]] = field(default_factory=list)


@dataclass
class _Tree:
    root: OrgUnit
    federal_compositions: list[OrgUnit] = field(default_factory=list)
    regions: list[_RegionSlice] = field(default_factory=list)
    staff: dict[tuple[int, Position], list[StaffMember]] = field(default_factory=dict)

    def first_staff(self, unit: OrgUnit, position: Position) -> StaffMember:
        return self.staff[(unit.id, position)][0]


# ---- generation -----------------------------------------------------------------------------


_PASSPORT_1997 = date(1997, 10, 1)
_EXCHANGE_END = date(2004, 6, 30)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a common year
        return d.replace(year=d.year + years, day=28)


_DATE_NAMED = re.compile(r"^(\S+\.) (\S+) (\d+)$")


def _date_first(street: str) -> str:
    """Faker spells streets named after a date «Мая 1»; the usual spelling is «ул. 1 Мая»."""
    m = _DATE_NAMED.match(street)
    return f"{m[1]} {m[3]} {m[2]}" if m else street


def _weighted(rng: random.Random, items: list[tuple[object, float]]) -> object:
    total = sum(w for _, w in items)
    x = rng.random() * total
    for item, w in items:
        x -= w
        if x < 0:
            return item
    return items[-1][0]


class _Generator:
    """All the randomness of a load. Names, numbers and addresses come from `rng` and `fake` in an order
    that depends only on the seed; date offsets come from `drng`, so a load on another day shifts dates only."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.drng = random.Random(f"dates:{seed}")
        self.fake = Faker("ru_RU")
        self.fake.seed_instance(seed)
        self.today = today
        self.snils_used: set[str] = set()
        self.ogrn_used: set[str] = set()

    # names
    def first_name(self, sex: Sex) -> str:
        draw = self.fake.first_name_male if sex is Sex.MALE else self.fake.first_name_female
        common = COMMON_MALE_NAMES if sex is Sex.MALE else COMMON_FEMALE_NAMES
        name = draw()
        if self.rng.random() < 0.9:
            for _ in range(50):
                if name in common:
                    break
                name = draw()
        return name

    def patronymic(self, sex: Sex) -> str:
        father = self.rng.choice(FATHER_NAMES)
        if self.rng.random() < 0.85:
            return father[1] if sex is Sex.MALE else father[2]
        return self.fake.middle_name_male() if sex is Sex.MALE else self.fake.middle_name_female()

    def full_name(self, sex: Sex) -> FullName:
        surname = self.fake.last_name_male() if sex is Sex.MALE else self.fake.last_name_female()
        return FullName.parse(surname, self.first_name(sex), self.patronymic(sex))

    def staff_name(self, position: Position) -> FullName:
        female = self.rng.random() < FEMALE_SHARE[position.value]
        return self.full_name(Sex.FEMALE if female else Sex.MALE)

    # numbers
    def snils(self) -> Snils:
        while True:
            first9 = f"{self.rng.randint(1_001_999, 999_999_999):09d}"
            s = make_snils(first9)
            if s.digits not in self.snils_used:
                self.snils_used.add(s.digits)
                return s

    def ogrn(self, region_code: str) -> str:
        while True:
            # 1 (юридическое лицо), year of entry, region, tax office, record number
            first12 = (f"1{self.rng.randint(2, 15):02d}{region_code}{self.rng.randint(1, 99):02d}"
                       f"{self.rng.randint(0, 99999):05d}")
            ogrn = make_ogrn(first12).digits
            if ogrn not in self.ogrn_used:
                self.ogrn_used.add(ogrn)
                return ogrn

    def mobile(self) -> str:
        r = self.rng
        return f"+7 9{r.randint(0, 99):02d} {r.randint(0, 999):03d}-{r.randint(0, 99):02d}-{r.randint(0, 99):02d}"

    def landline(self, region: DemoRegion) -> str:
        r = self.rng
        code = r.choice(region.landline_codes)
        return f"+7 {code} {r.randint(200, 999):03d}-{r.randint(0, 99):02d}-{r.randint(0, 99):02d}"

    def email(self, name: FullName) -> str:
        r = self.rng
        local = f"{translit(name.name)}.{translit(name.surname)}"
        if r.random() < 0.6:
            local += str(r.randint(1, 99))
        return f"{local}@{r.choice(EMAIL_DOMAINS)}"

    # addresses
    def street(self) -> str:
        if self.rng.random() < 0.8:
            return _date_first(f"ул. {self.fake.street_title()}")
        street = _date_first(self.fake.street_name())
        if street.startswith(("алл. ", "наб. ")) and self.rng.random() < 0.85:
            street = "ул. " + street[5:]  # both feminine, like «улица»: the adjective still agrees
        return street

    def house(self, rural: bool) -> str:
        r = self.rng
        number = str(r.randint(1, 60 if rural else 180))
        x = r.random()
        if not rural and x < 0.12:
            number += f" к. {r.randint(1, 5)}"
        elif x < 0.18:
            number += r.choice("АБВ")
        elif not rural and x < 0.22:
            number += f"/{r.randint(1, 20)}"
        return number

    def settlement(self, region: DemoRegion) -> Settlement:
        return _weighted(self.rng, [(s, s.weight) for s in region.settlements])  # type: ignore[return-value]

    def address(self, region: DemoRegion, region_name: str, settlement: Settlement) -> Address:
        r = self.rng
        street = self.street()
        house = self.house(settlement.rural)
        apartment = None if settlement.rural or r.random() < 0.08 else str(r.randint(1, 320))
        postcode = f"{settlement.postcode_base + r.randint(0, settlement.postcode_spread):06d}"
        return Address(kind=AddressKind.RESIDENCE, country="Россия", postal_code=postcode, region_code=region.code,
                       region=region_name, settlement=settlement.name, house=house, district=settlement.district,
                       rural=settlement.rural, street=street, apartment=apartment)

    def org_address(self, region: DemoRegion, region_name: str, settlement: Settlement) -> str:
        a = self.address(region, region_name, settlement)
        place = f"{'с.' if a.rural else 'г.'} {a.settlement}"
        parts = [a.postal_code, None if place == a.region else a.region, a.district, place, a.street, f"д. {a.house}"]
        return ", ".join(p for p in parts if p)

    # documents
    def _place(self, settlement: Settlement) -> Place:
        return self.rng.choice(settlement.places)

    def passport(self, region: DemoRegion, place: Place, birth: date) -> IdentityDocument:
        """A passport issued at 14, replaced at 20 and 45 (or earlier, when lost or the name changed)."""
        number = f"{self.rng.randint(0, 999_999):06d}"
        delay, lost, frac = self.drng.randint(3, 60), self.drng.random() < 0.07, self.drng.random()
        exchange = self.drng.random()
        milestone = max(a for a in (14, 20, 45) if _add_years(birth, a) <= self.today)
        start = _add_years(birth, milestone)
        issue = start + timedelta(days=int((self.today - start).days * frac)) if lost else start + timedelta(days=delay)
        if issue < _PASSPORT_1997:
            # Soviet passports were exchanged for the present ones from October 1997 to mid-2004.
            issue = _PASSPORT_1997 + timedelta(days=int((_EXCHANGE_END - _PASSPORT_1997).days * exchange))
        issue = min(issue, self.today)
        if issue.year >= 2017:
            issued_by = region.mvd
        elif issue.year >= 2005:
            issued_by = f"Отделением УФМС России {region.dative} {place.prepositional}"
        else:
            tail = "" if region.genitive in place.genitive else f" {region.genitive}"
            issued_by = f"Отделом внутренних дел {place.genitive}{tail}"
        return IdentityDocument(DocumentKind.PASSPORT_RF, number, f"{region.passport_okato}{issue.year % 100:02d}",
                                issued_by, issue)

    def birth_certificate(self, region: DemoRegion, place: Place, birth: date) -> IdentityDocument:
        series = f"{self.rng.choice(region.birth_cert_series)}-{self.rng.choice(BIRTH_CERT_LETTERS)}"
        number = f"{self.rng.randint(0, 999_999):06d}"
        issue = min(birth + timedelta(days=self.drng.randint(3, 30)), self.today)
        return IdentityDocument(DocumentKind.BIRTH_CERTIFICATE, number, series,
                                f"Отделом ЗАГС {place.genitive} {region.zags}", issue)

    def residence_permit(self, region: DemoRegion, birth: date) -> IdentityDocument:
        number = f"{self.rng.randint(0, 9_999_999):07d}"
        series = self.rng.choice(("82", "83"))
        earliest = _add_years(birth, 18)
        years_back = self.drng.randint(1, 5)
        issue = max(_add_years(self.today, -years_back) + timedelta(days=self.drng.randint(0, 300)), earliest)
        return IdentityDocument(DocumentKind.RESIDENCE_PERMIT, number, series, region.mvd, min(issue, self.today))

    def birth_date(self, age: int) -> date:
        return _add_years(self.today, -age) - timedelta(days=self.rng.randint(0, 364))

    # persons
    def person(self, tree: _Tree, *, citizen: bool = False) -> tuple[PersonData, int, int | None]:
        r = self.rng
        u = r.random()
        if u < 0.08 and not citizen:
            age = r.randint(0, 17)
        elif u < 0.48 or citizen:
            age = min(59, max(18, int(r.triangular(18, 60, 52))))
        else:
            age = min(95, max(60, int(r.triangular(60, 96, 64))))
        sex = Sex.MALE if r.random() < 0.45 else Sex.FEMALE
        birth = self.birth_date(age)

        rs = tree.regions[0] if citizen else _weighted(r, [(s, s.demo.weight) for s in tree.regions])
        assert isinstance(rs, _RegionSlice)
        region = rs.demo
        settlement = self.settlement(region)
        place = self._place(settlement)

        child = age < 18
        father = r.choice(FATHER_NAMES)
        family = self.fake.last_name_male()
        if child:
            surname = family if sex is Sex.MALE else feminine_surname(family)
            name = FullName.parse(surname, self.first_name(sex), father[1] if sex is Sex.MALE else father[2])
        else:
            name = self.full_name(sex)

        c = r.random()
        if child or c < 0.975:
            citizenship = Citizenship.RF
        else:
            citizenship = Citizenship.FOREIGN if c < 0.993 else Citizenship.STATELESS

        if citizenship is not Citizenship.RF:
            document = self.residence_permit(region, birth)
        elif age >= 14:
            document = self.passport(region, place, birth)
        else:
            document = self.birth_certificate(region, place, birth)
        address = self.address(region, rs.region_name, settlement)

        mobile = home = email = None
        if age >= 18 and (r.random() < 0.88 or citizen):
            mobile = self.mobile()
        elif 14 <= age < 18 and r.random() < 0.7:
            mobile = self.mobile()
        if age >= 60 and r.random() < 0.25:
            home = self.landline(region)
        if age >= 18 and r.random() < (0.35 if age < 60 else 0.08):
            email = self.email(name)

        representatives: tuple[Representative, ...] = ()
        rep_chance = 1.0 if age < 14 else 0.25 if age < 18 else 0.005 if age < 75 else 0.03
        if r.random() < rep_chance and not citizen:
            if child:
                representatives = (self.parent(region, place, birth, family, father[0], child_cert=document),)
            else:
                representatives = (self.adult_representative(region, place, name, birth),)

        data = PersonData(full_name=name, birth_date=birth, sex=sex, citizenship=citizenship, snils=self.snils(),
                          documents=(document,), addresses=(address,),
                          contacts=Contacts(phone_home=home, phone_mobile=mobile, email=email),
                          representatives=representatives)

        bureau_id = self.bureau_for(rs, age, citizen)
        source_org_id = self.source_org_for(rs, age, citizen)
        return data, bureau_id, source_org_id

    def parent(self, region: DemoRegion, place: Place, child_birth: date, family: str, father_name: str,
               child_cert: IdentityDocument) -> Representative:
        r = self.rng
        mother = r.random() < 0.75
        if mother:
            name = FullName.parse(feminine_surname(family), self.first_name(Sex.FEMALE), self.patronymic(Sex.FEMALE))
        else:
            name = FullName.parse(family, father_name, self.patronymic(Sex.MALE))
        birth = _add_years(child_birth, -r.randint(20, 40)) - timedelta(days=r.randint(0, 364))
        cert = (child_cert if child_cert.kind is DocumentKind.BIRTH_CERTIFICATE
                else self.birth_certificate(region, place, child_birth))
        authority = (f"Свидетельство о рождении ребёнка {cert.series} № {cert.number}, выдано "
                     f"{cert.issue_date:%d.%m.%Y} {cert.issued_by}")
        return Representative(kind=RepresentativeKind.LEGAL, full_name=name, birth_date=birth,
                              document=self.passport(region, place, birth), authority_document=authority,
                              snils=self.snils(), contacts=Contacts(phone_mobile=self.mobile()))

    def adult_representative(self, region: DemoRegion, place: Place, person: FullName,
                             person_birth: date) -> Representative:
        """A son or daughter: a guardian appointed by the guardianship authority, or one acting by a power of attorney."""
        r = self.rng
        son = r.random() < 0.45
        male_family = masculine_surname(person.surname)
        if r.random() < 0.6:
            surname = male_family if son else feminine_surname(male_family)
        else:
            surname = self.fake.last_name_male() if son else self.fake.last_name_female()
        sex = Sex.MALE if son else Sex.FEMALE
        name = FullName.parse(surname, self.first_name(sex), self.patronymic(sex))
        birth = min(_add_years(person_birth, r.randint(20, 38)) + timedelta(days=r.randint(0, 364)),
                    _add_years(self.today, -18))
        when = self.today - timedelta(days=self.drng.randint(30, 1500))
        if r.random() < 0.5:
            kind = RepresentativeKind.LEGAL
            authority = (f"Распоряжение органа опеки и попечительства № {r.randint(10, 2999)}-р "
                         f"от {when:%d.%m.%Y} о назначении опекуна")
        else:
            kind = RepresentativeKind.AUTHORISED
            notary_district = region.genitive if region.genitive in place.genitive else place.genitive
            authority = (f"Доверенность {region.code} АА {r.randint(0, 9_999_999):07d} от {when:%d.%m.%Y}, "
                         f"удостоверена нотариусом нотариального округа {notary_district}")
        return Representative(kind=kind, full_name=name, birth_date=birth,
                              document=self.passport(region, place, birth), authority_document=authority,
                              snils=self.snils(), contacts=Contacts(phone_mobile=self.mobile()))

    def bureau_for(self, rs: _RegionSlice, age: int, citizen: bool) -> int:
        if citizen:
            return rs.bureaus[0][0].id
        r = self.rng
        paediatric = [b for b, _ in rs.bureaus if b.profile is Profile.PAEDIATRIC]
        if age < 18 and paediatric and r.random() < 0.85:
            return r.choice(paediatric).id
        weights = {Profile.GENERAL: 3.0, Profile.MIXED: 2.0}
        adult = [(b, weights.get(b.profile, 1.0) if b.profile else 1.0) for b, _ in rs.bureaus
                 if b.profile is not Profile.PAEDIATRIC]
        unit = _weighted(r, adult)  # type: ignore[arg-type]
        assert isinstance(unit, OrgUnit)
        return unit.id

    def source_org_for(self, rs: _RegionSlice, age: int, citizen: bool) -> int | None:
        if citizen:
            return rs.medical_orgs[0][0].id
        r = self.rng
        if r.random() >= 0.30:
            return None
        kids = [mo for mo, d in rs.medical_orgs if d.children]
        pool = kids if age < 18 and kids else [mo for mo, d in rs.medical_orgs if not d.children]
        mo = _weighted(r, [(m, 2.0 if m.id == rs.medical_orgs[0][0].id else 1.0) for m in pool])
        assert isinstance(mo, MedicalOrganisation)
        return mo.id


# ---- loading --------------------------------------------------------------------------------


def _summary(uow: UnitOfWork, *, created: bool) -> DemoSummary:
    return DemoSummary(
        created=created,
        units=uow.orgs.count_units(),
        medical_orgs=uow.orgs.medical_orgs(limit=1)[1],
        staff=uow.orgs.count_staff(),
        persons=uow.people.count(),
        accounts=uow.identity.accounts(limit=1, offset=0)[1],
    )


def _build_tree(uow: UnitOfWork, gen: _Generator, clock: SystemClock, report: Progress) -> _Tree:
    actor = SYSTEM_ACTOR

    def unit(kind: UnitKind, name: str, short: str, parent: OrgUnit | None, region_code: str | None,
             profile: Profile | None = None, address: str | None = None) -> OrgUnit:
        return create_unit(uow, actor, clock, kind=kind, name=name, short_name=short,
                           parent_id=parent.id if parent else None, region_code=region_code, profile=profile,
                           address=address)

    root = unit(UnitKind.FEDERAL, FEDERAL_NAME, FEDERAL_SHORT, None, "77", address=FEDERAL_ADDRESS)
    tree = _Tree(root)
    for number, profile in FEDERAL_COMPOSITIONS:
        tree.federal_compositions.append(unit(
            UnitKind.COMPOSITION, composition_name(number, PROFILE_LABELS[profile], FEDERAL_SHORT),
            f"ЭС № {number} (ФБ)", root, "77", profile, FEDERAL_ADDRESS))

    for demo in REGIONS:
        region = uow.orgs.region(demo.code)
        if region is None:
            raise RuntimeError(f"Справочник субъектов РФ не загружен: нет кода {demo.code} (выполните миграции)")
        capital = demo.settlements[0]
        main = unit(UnitKind.MAIN, demo.main_name, demo.main_short, root, demo.code,
                    address=gen.org_address(demo, region.name, capital))
        rs = _RegionSlice(demo, region.name, main)
        for number, profile in demo.compositions:
            rs.compositions.append(unit(
                UnitKind.COMPOSITION, composition_name(number, PROFILE_LABELS[profile], demo.main_short),
                f"ЭС № {number} ({demo.code})", main, demo.code, profile, main.address))
        for number, profile, s_index in demo.bureaus:
            settlement = demo.settlements[s_index]
            rs.bureaus.append((unit(UnitKind.BUREAU, bureau_name(number, demo), bureau_short(number, demo), main,
                                    demo.code, profile, gen.org_address(demo, region.name, settlement)), settlement))
        tree.regions.append(rs)
    all_units = [root, *tree.federal_compositions]
    for rs in tree.regions:
        all_units += [rs.main, *rs.compositions, *(b for b, _ in rs.bureaus)]
    report(STAGE_UNITS, len(all_units), len(all_units))

    # Staff: a bureau has the full complement; the Federal bureau, main bureaus and compositions a head and experts
    # (compositions also a psychologist, a rehabilitation and a social-work specialist).
    bureau_ids = {b.id for rs in tree.regions for b, _ in rs.bureaus}
    composition_ids = {u.id for u in tree.federal_compositions} | {c.id for rs in tree.regions for c in rs.compositions}
    done = 0
    for u in all_units:
        plan = [Position.HEAD] + [Position.EXPERT] * gen.rng.randint(2, 3)
        if u.id in bureau_ids or u.id in composition_ids:
            plan += [Position.PSYCHOLOGIST, Position.REHAB, Position.SOCIAL]
        if u.id in bureau_ids:
            plan.append(Position.REGISTRAR)
        for position in plan:
            member = add_staff(uow, actor, clock, unit_id=u.id, position=position, full_name=gen.staff_name(position))
            tree.staff.setdefault((u.id, position), []).append(member)
        done += 1
    report(STAGE_STAFF, done, len(all_units))

    total_mos = sum(len(d.medical_orgs) for d in REGIONS)
    done = 0
    for rs in tree.regions:
        for d in rs.demo.medical_orgs:
            mo = create_medical_org(uow, actor, clock, name=d.name, ogrn=gen.ogrn(rs.demo.code),
                                    region_code=rs.demo.code,
                                    address=gen.org_address(rs.demo, rs.region_name, rs.demo.settlements[d.settlement]))
            rs.medical_orgs.append((mo, d))
            done += 1
    report(STAGE_MEDICAL_ORGS, done, total_mos)
    return tree


def _add_account(uow: UnitOfWork, hasher: Argon2Hasher, password: str, clock: SystemClock, *, login: str, role: Role,
                 display_name: str, staff_id: int | None = None, unit_id: int | None = None,
                 medical_org_id: int | None = None, person_id: int | None = None) -> bool:
    if uow.identity.account_by_login(login) is not None:
        return False  # a real account of that name exists (e.g. the first administrator): leave it alone
    uow.identity.add_account(login=login, password_hash=hasher.hash(password), role=role, display_name=display_name,
                             now=clock.now(), staff_id=staff_id, unit_id=unit_id, medical_org_id=medical_org_id,
                             person_id=person_id, is_demo=True)
    return True


def _staff_accounts(uow: UnitOfWork, tree: _Tree, hasher: Argon2Hasher, password: str,
                    clock: SystemClock) -> list[str]:
    moscow = tree.regions[0]
    bureau = moscow.bureaus[0][0]
    mo = moscow.medical_orgs[0][0]
    staff_of: dict[Role, tuple[StaffMember, OrgUnit]] = {
        Role.REGISTRAR: (tree.first_staff(bureau, Position.REGISTRAR), bureau),
        Role.EXPERT: (tree.first_staff(bureau, Position.EXPERT), bureau),
        Role.HEAD: (tree.first_staff(bureau, Position.HEAD), bureau),
        Role.MAIN_EXPERT: (tree.first_staff(moscow.compositions[0], Position.EXPERT), moscow.compositions[0]),
        Role.FEDERAL_EXPERT: (tree.first_staff(tree.federal_compositions[0], Position.EXPERT),
                              tree.federal_compositions[0]),
    }
    created = []
    for login, role, _ in DEMO_ACCOUNTS:
        if role in staff_of:
            member, unit = staff_of[role]
            ok = _add_account(uow, hasher, password, clock, login=login, role=role, display_name=member.full_name,
                              staff_id=member.id, unit_id=unit.id)
        elif role is Role.MEDICAL_ORG:
            ok = _add_account(uow, hasher, password, clock, login=login, role=role, display_name=mo.name,
                              medical_org_id=mo.id)
        elif role in _NON_PERSONAL_NAMES:
            ok = _add_account(uow, hasher, password, clock, login=login, role=role,
                              display_name=_NON_PERSONAL_NAMES[role])
        else:
            continue  # the citizen is created with the first batch of persons
        if ok:
            created.append(login)
    return created


# The default password is public on purpose: it is printed in the README next to DEMO_ACCOUNTS.
def load_demo(engine: Engine, *, seed: int = 2026, persons: int = 1200, password: str = "demo-mse-2026",  # noqa: S107
              with_accounts: bool = True, progress: Callable[[str, int, int], None] | None = None,
              fast_hashes: bool = False) -> DemoSummary:
    """Load the demo slice into an empty (migrated) database; a no-op once the Federal bureau exists.

    The institution tree, staff, medical organisations and staff accounts go in one transaction; persons
    follow in batches of BATCH_SIZE (one transaction each, with one audit event per batch). The citizen demo
    account is created with the first batch, linked to the first person (attached to bureau № 1 of Moscow).
    Returned counts are the totals in the database after the call.
    """
    if persons < 0:
        raise ValueError("persons must not be negative")
    clock = SystemClock()
    report: Progress = progress or (lambda _stage, _done, _total: None)
    hasher = Argon2Hasher(fast=fast_hashes)
    gen = _Generator(seed, clock.today())

    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            if uow.orgs.root() is not None:
                return _summary(uow, created=False)
            tree = _build_tree(uow, gen, clock, report)
            if with_accounts:
                logins = _staff_accounts(uow, tree, hasher, password, clock)
                audit.record(uow, SYSTEM_ACTOR, "demo.accounts.create", "account", None, clock,
                             details={"count": len(logins), "logins": logins})
                report(STAGE_ACCOUNTS, len(logins), len(DEMO_ACCOUNTS) - 1)
            uow.commit()
    except (Conflict, IntegrityError):
        # Another process loaded the demo at the same moment (PostgreSQL: both saw an empty tree).
        with SqlAlchemyUnitOfWork(engine) as uow:
            if uow.orgs.root() is not None:
                return _summary(uow, created=False)
        raise

    done = 0
    while done < persons:
        n = min(BATCH_SIZE, persons - done)
        with SqlAlchemyUnitOfWork(engine) as uow:
            today, now = clock.today(), clock.now()
            first_id: int | None = None
            first_name = ""
            for i in range(n):
                data, bureau_id, source_org_id = gen.person(tree, citizen=(done + i == 0))
                validate_person(data, today)
                if data.snils is not None and uow.people.snils_taken(data.snils.digits) is not None:
                    # A registry that had persons before the demo: draw another number (very rare).
                    data = _with_snils(data, gen.snils())
                person_id = uow.people.add(data, bureau_id=bureau_id, source_org_id=source_org_id, now=now)
                if first_id is None:
                    first_id = person_id
                    first_name = data.full_name.display
            if done == 0 and with_accounts and first_id is not None:
                if _add_account(uow, hasher, password, clock, login="citizen", role=Role.CITIZEN,
                                display_name=first_name, person_id=first_id):
                    audit.record(uow, SYSTEM_ACTOR, "demo.accounts.create", "account", None, clock,
                                 details={"count": 1, "logins": ["citizen"]})
            audit.record(uow, SYSTEM_ACTOR, "demo.persons.load", "person", None, clock, details={"count": n})
            uow.commit()
        done += n
        report(STAGE_PERSONS, done, persons)

    with SqlAlchemyUnitOfWork(engine) as uow:
        return _summary(uow, created=True)


def _with_snils(data: PersonData, snils: Snils) -> PersonData:
    return replace(data, snils=snils)
