"""Seeded generator of plausible people, staff names, addresses and organisation numbers (Faker ru_RU + own tables)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from mse.demo.names import (
    BIRTH_CERT_LETTERS,
    COMMON_FEMALE_NAMES,
    COMMON_MALE_NAMES,
    EMAIL_DOMAINS,
    FATHER_NAMES,
    FEMALE_SHARE,
    DemoMedicalOrg,
    DemoRegion,
    Place,
    Settlement,
    feminine_surname,
    masculine_surname,
    translit,
)
from mse.domain.organisation import (
    MedicalOrganisation,
    OrgUnit,
    Position,
    Profile,
    StaffMember,
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
)
from mse.domain.values import FullName, Sex, Snils, make_ogrn, make_snils

# ---- the tree as built (filled by load.py, read by the generator) ----------------------------


@dataclass
class RegionSlice:
    demo: DemoRegion
    region_name: str
    main: OrgUnit
    compositions: list[OrgUnit] = field(default_factory=list)
    bureaus: list[tuple[OrgUnit, Settlement]] = field(default_factory=list)
    medical_orgs: list[tuple[MedicalOrganisation, DemoMedicalOrg]] = field(default_factory=list)


@dataclass
class Tree:
    root: OrgUnit
    federal_compositions: list[OrgUnit] = field(default_factory=list)
    regions: list[RegionSlice] = field(default_factory=list)
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
    def person(self, tree: Tree, *, citizen: bool = False) -> tuple[PersonData, int, int | None]:
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
        assert isinstance(rs, RegionSlice)
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

    def bureau_for(self, rs: RegionSlice, age: int, citizen: bool) -> int:
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

    def source_org_for(self, rs: RegionSlice, age: int, citizen: bool) -> int | None:
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
