"""Synthetic persons in bulk: rows of `persons`, `person_documents`, `person_addresses` as the repository writes them
(search keys by values.normalize_name), with valid СНИЛС, Russian names and realistic ages and sexes.

Names come from Faker's ru_RU lists and the demo's own tables (mse.demo.names: common first names, fathers' names for
patronymics, feminine surnames); drawing from the lists directly (not through Faker's per-call API) keeps 2.5 M persons
in seconds, and the draw depends only on the RNG given.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from itertools import accumulate

from faker.providers.address.ru_RU import Provider as FakerAddress
from faker.providers.person.ru_RU import Provider as FakerPerson

from mse.demo.names import COMMON_FEMALE_NAMES, COMMON_MALE_NAMES, FATHER_NAMES, REGIONS
from mse.demo.national.plan import AGE_BANDS, CHILD_MAX_AGE, FEMALE_SHARE
from mse.domain.people import AddressKind, Citizenship, DocumentKind
from mse.domain.values import make_snils, normalize_name

PERSON_COLUMNS = ("id", "surname", "name", "patronymic", "surname_key", "name_key", "patronymic_key", "birth_date", "sex",
                  "citizenship", "snils", "homeless", "phone_home", "phone_mobile", "email", "bureau_id", "source_org_id",
                  "created_at", "updated_at")
DOCUMENT_COLUMNS = ("id", "person_id", "kind", "series", "number", "issued_by", "issue_date")
ADDRESS_COLUMNS = ("id", "person_id", "kind", "country", "postal_code", "region_code", "region", "district", "settlement",
                   "rural", "street", "house", "apartment")

# СНИЛС: the first nine digits run over 001-001-999 … 999-999-999 (smaller numbers have no checksum rule). A person's
# number is an affine bijection of its index in that range, so numbers never repeat within a load.
_SNILS_LOW = 1_001_999
_SNILS_RANGE = 999_999_999 - _SNILS_LOW + 1
_SNILS_STEP = 618_033_989  # coprime with _SNILS_RANGE (checked below)


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the referral and protocol stages need of a person (not stored as such)."""

    id: int
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    age: int
    sex: str  # male | female
    snils: str
    region_code: str
    bureau_id: int
    source_org_id: int  # the referring medical organisation
    document: tuple[str, str | None, str, str | None, date | None]  # kind, series, number, issued_by, issue_date
    address: str


@dataclass
class PersonBatch:
    persons: list[tuple[object, ...]]
    documents: list[tuple[object, ...]]
    addresses: list[tuple[object, ...]]
    facts: list[PersonFacts]


class SnilsSource:
    """Distinct valid СНИЛС for a load: index → number by the bijection; numbers already in the database skipped."""

    def __init__(self, seed: int, taken: Iterable[str] = ()) -> None:
        self.offset = random.Random(f"snils:{seed}").randrange(_SNILS_RANGE)
        self.taken = set(taken)
        self.next_index = 0

    def take(self) -> str:
        while True:
            i = self.next_index
            self.next_index += 1
            first9 = f"{(_SNILS_STEP * i + self.offset) % _SNILS_RANGE + _SNILS_LOW:09d}"
            digits = make_snils(first9).digits
            if digits not in self.taken:
                return digits


@dataclass(frozen=True)
class _Pools:
    surnames_m: tuple[str, ...]
    surnames_f: tuple[str, ...]
    surname_cum: tuple[float, ...]
    common_m: tuple[str, ...]
    common_f: tuple[str, ...]
    all_m: tuple[str, ...]
    all_f: tuple[str, ...]
    middle_m: tuple[str, ...]
    middle_f: tuple[str, ...]
    cities: tuple[str, ...]
    streets: tuple[str, ...]
    age_cum: tuple[float, ...]


@cache
def pools() -> _Pools:
    # Faker's surname lists are in order of frequency: a Zipf-like weight keeps Смирнов more common than the tail.
    surname_cum = tuple(accumulate(1.0 / (rank + 8) for rank in range(len(FakerPerson.last_names_male))))
    streets = tuple(sorted({f"ул. {t}" for t in FakerAddress.street_titles}))
    return _Pools(
        surnames_m=tuple(FakerPerson.last_names_male), surnames_f=tuple(FakerPerson.last_names_female), surname_cum=surname_cum,
        common_m=tuple(n for n in FakerPerson.first_names_male if n in COMMON_MALE_NAMES),
        common_f=tuple(n for n in FakerPerson.first_names_female if n in COMMON_FEMALE_NAMES),
        all_m=tuple(FakerPerson.first_names_male), all_f=tuple(FakerPerson.first_names_female),
        middle_m=tuple(FakerPerson.middle_names_male), middle_f=tuple(FakerPerson.middle_names_female),
        cities=tuple(c for c in FakerAddress.city_names if "(" not in c), streets=streets,
        age_cum=tuple(accumulate(w for _, _, w in AGE_BANDS)),
    )


_DEMO_SETTLEMENTS = {r.code: tuple(s.name for s in r.settlements) for r in REGIONS}
_CITY_SUBJECTS = {"77": "Москва", "78": "Санкт-Петербург", "92": "Севастополь"}


class PersonMaker:
    """Rows of one batch of persons. `rng` decides everything; `now` is the load's fixed timestamp."""

    def __init__(self, rng: random.Random, snils: SnilsSource, *, year: int, now: datetime, region_names: dict[str, str]) -> None:
        self.rng = rng
        self.snils = snils
        self.year = year
        self.now = now
        self.region_names = region_names
        self.p = pools()

    def age(self) -> int:
        r = self.rng
        band = AGE_BANDS[r.choices(range(len(AGE_BANDS)), cum_weights=self.p.age_cum)[0]]
        return r.randint(band[0], band[1])

    def names(self, female: bool) -> tuple[str, str, str]:
        r, p = self.rng, self.p
        i = r.choices(range(len(p.surnames_m)), cum_weights=p.surname_cum)[0]
        surname = p.surnames_f[i] if female else p.surnames_m[i]
        common, every = (p.common_f, p.all_f) if female else (p.common_m, p.all_m)
        first = r.choice(common) if r.random() < 0.9 else r.choice(every)
        if r.random() < 0.85:
            patronymic = r.choice(FATHER_NAMES)[2 if female else 1]
        else:
            patronymic = r.choice(p.middle_f if female else p.middle_m)
        return surname, first, patronymic

    def settlement(self, region_code: str) -> tuple[str, bool]:
        r = self.rng
        if region_code in _CITY_SUBJECTS:
            return _CITY_SUBJECTS[region_code], False
        if region_code in _DEMO_SETTLEMENTS:
            return r.choice(_DEMO_SETTLEMENTS[region_code]), False
        return r.choice(self.p.cities), r.random() < 0.25

    def batch(self, ids: range, first_doc_id: int, first_address_id: int, regions: Sequence[str],
              home: Callable[[str, int], tuple[int, int]]) -> PersonBatch:
        """Person `ids[i]` lives in subject `regions[i]`; `home(region, age)` gives the bureau and the referring МО."""
        r = self.rng
        out = PersonBatch([], [], [], [])
        now = self.now
        for k, pid in enumerate(ids):
            region_code = regions[k]
            age = self.age()
            bureau_id, source_org_id = home(region_code, age)
            female = r.random() < FEMALE_SHARE
            surname, first, patronymic = self.names(female)
            birth = date(self.year - age - 1, 7, 1) + timedelta(days=r.randint(0, 364))
            snils = self.snils.take()
            adult = age > CHILD_MAX_AGE
            mobile = f"+7 9{r.randint(0, 99):02d} {r.randint(0, 999):03d}-{r.randint(0, 99):02d}-{r.randint(0, 99):02d}" \
                if (adult and r.random() < 0.88) or (age >= 14 and r.random() < 0.6) else None
            out.persons.append((pid, surname, first, patronymic, normalize_name(surname), normalize_name(first),
                                normalize_name(patronymic), birth, "female" if female else "male", Citizenship.RF.value,
                                snils, False, None, mobile, None, bureau_id, source_org_id, now, now))
            if age >= 14:
                issued = max(date(birth.year + (45 if age >= 45 else 20 if age >= 20 else 14), birth.month, min(birth.day, 28))
                             + timedelta(days=r.randint(3, 60)), date(1997, 10, 1))
                document = (DocumentKind.PASSPORT_RF.value, f"{region_code}{issued.year % 100:02d}", f"{r.randint(0, 999_999):06d}",
                            f"МВД России, код подразделения {region_code}0-{r.randint(1, 120):03d}", min(issued, date(self.year, 6, 30)))
            else:
                issued = birth + timedelta(days=r.randint(3, 30))
                document = (DocumentKind.BIRTH_CERTIFICATE.value, f"{r.choice(('I', 'II', 'III', 'IV', 'V'))}-МЮ",
                            f"{r.randint(0, 999_999):06d}", "Орган записи актов гражданского состояния", issued)
            out.documents.append((first_doc_id + k, pid, *document))
            settlement, rural = self.settlement(region_code)
            street = None if rural and r.random() < 0.3 else r.choice(self.p.streets)
            house = str(r.randint(1, 60 if rural else 180))
            apartment = None if rural else str(r.randint(1, 320))
            postcode = f"{r.randint(101_000, 694_999):06d}"
            region = self.region_names[region_code]
            out.addresses.append((first_address_id + k, pid, AddressKind.RESIDENCE.value, "Россия", postcode, region_code, region,
                                  None, settlement, rural, street, house, apartment))
            place = settlement if settlement == region.removeprefix("г. ") else f"{region}, {'с.' if rural else 'г.'} {settlement}"
            address = ", ".join(x for x in (postcode, place, street, f"д. {house}", f"кв. {apartment}" if apartment else None) if x)
            out.facts.append(PersonFacts(pid, surname, first, patronymic, birth, age, "female" if female else "male", snils,
                                         region_code, bureau_id, source_org_id, document, address))
        return out
