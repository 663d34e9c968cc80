"""The institution tree of the whole country in bulk: the Federal bureau (reused when it exists), one main bureau per
subject with its expert compositions and branch bureaus, their staff, and the referring medical organisations.

Everything generated is marked in its name: «(синт.)» in the short name, «— синтетические данные» in the full name.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from mse.demo.names import FEDERAL_ADDRESS, FEDERAL_NAME, FEDERAL_SHORT, composition_name
from mse.demo.national.persons import PersonMaker
from mse.domain.organisation import PROFILE_LABELS, Position, Profile, UnitKind
from mse.domain.values import make_ogrn

SYNTHETIC_MARK = "(синт.)"
SYNTHETIC_TAIL = " — синтетические данные (mse demo generate)"

UNIT_COLUMNS = ("id", "kind", "name", "short_name", "region_code", "parent_id", "path", "profile", "address")
ORG_COLUMNS = ("id", "name", "ogrn", "region_code", "address", "bureau_id")
STAFF_COLUMNS = ("id", "unit_id", "position", "surname", "name", "patronymic")

# Profiles given to the bureaus of a subject in this order, after the first (general) one.
_PROFILE_ORDER = (Profile.PAEDIATRIC, Profile.PSYCHIATRIC, Profile.GENERAL, Profile.ONCOLOGY, Profile.CARDIOLOGY,
                  Profile.OPHTHALMIC, Profile.GENERAL, Profile.NEUROLOGY, Profile.MIXED, Profile.PHTHISIATRIC, Profile.TRAUMA)
# Kinds of referring organisations (approximate mix): (name pattern, refers children, weight).
_ORG_KINDS = (('ГБУЗ "Городская поликлиника № {n}"', False, 5.0), ('ГБУЗ "Центральная районная больница № {n}"', False, 3.0),
              ('ГБУЗ "Городская клиническая больница № {n}"', False, 2.0), ('ГБУЗ "Детская городская поликлиника № {n}"', True, 1.5),
              ('ГБУЗ "Онкологический диспансер № {n}"', False, 0.5), ('ГБУЗ "Психоневрологический диспансер № {n}"', False, 0.5))
_STAFF = {UnitKind.BUREAU: (Position.HEAD, Position.EXPERT, Position.EXPERT, Position.PSYCHOLOGIST, Position.REHAB,
                            Position.SOCIAL, Position.REGISTRAR),
          UnitKind.COMPOSITION: (Position.HEAD, Position.EXPERT, Position.EXPERT, Position.PSYCHOLOGIST),
          UnitKind.MAIN: (Position.HEAD, Position.EXPERT)}


@dataclass
class RegionUnits:
    code: str
    name: str
    main_id: int
    compositions: list[int] = field(default_factory=list)
    adult_bureaus: list[int] = field(default_factory=list)
    child_bureaus: list[int] = field(default_factory=list)
    adult_orgs: list[int] = field(default_factory=list)
    child_orgs: list[int] = field(default_factory=list)


@dataclass
class TreeRows:
    units: list[tuple[object, ...]] = field(default_factory=list)
    orgs: list[tuple[object, ...]] = field(default_factory=list)
    staff: list[tuple[object, ...]] = field(default_factory=list)
    regions: list[RegionUnits] = field(default_factory=list)


def build_tree(*, root: tuple[int, str] | None, next_unit: int, next_org: int, next_staff: int, region_names: dict[str, str],
               bureaus: dict[str, int], compositions: dict[str, int], orgs: dict[str, int], rng: random.Random,
               people: PersonMaker, taken_ogrn: set[str]) -> TreeRows:
    """Rows with explicit ids from `next_*` on. `root` = (id, path) of an existing Federal bureau, else one is created."""
    out = TreeRows()
    uid, oid, sid = next_unit, next_org, next_staff

    def unit(kind: UnitKind, name: str, short: str, region: str, parent: tuple[int, str] | None,
             profile: Profile | None = None, address: str | None = None) -> tuple[int, str]:
        nonlocal uid, sid
        this = uid
        uid += 1
        path = f"{parent[1] if parent else '/'}{this}/"
        out.units.append((this, kind.value, name, short, region, parent[0] if parent else None, path,
                          profile.value if profile else None, address))
        for position in _STAFF.get(kind, ()):
            surname, first, patronymic = people.names(rng.random() < 0.7)
            out.staff.append((sid, this, position.value, surname, first, patronymic))
            sid += 1
        return this, path

    top = root or unit(UnitKind.FEDERAL, FEDERAL_NAME, FEDERAL_SHORT, "77", None, address=FEDERAL_ADDRESS)
    for code, region in region_names.items():
        main_short = f"ГБ МСЭ [{code}] {SYNTHETIC_MARK}"
        main = unit(UnitKind.MAIN, f"Главное бюро медико-социальной экспертизы по субъекту «{region}»{SYNTHETIC_TAIL}",
                    main_short, code, top)
        ru = RegionUnits(code, region, main[0])
        for n in range(1, compositions[code] + 1):
            profile = Profile.GENERAL if n == 1 else Profile.PSYCHIATRIC if n == 2 else Profile.PAEDIATRIC
            ru.compositions.append(unit(UnitKind.COMPOSITION, composition_name(n, PROFILE_LABELS[profile], main_short),
                                        f"ЭС № {n} [{code}] {SYNTHETIC_MARK}", code, main, profile)[0])
        for n in range(1, bureaus[code] + 1):
            profile = Profile.GENERAL if n == 1 else _PROFILE_ORDER[(n - 2) % len(_PROFILE_ORDER)]
            bid = unit(UnitKind.BUREAU, f"Бюро медико-социальной экспертизы № {n} — филиал ГБ МСЭ по субъекту «{region}»"
                       f"{SYNTHETIC_TAIL}", f"Бюро № {n} [{code}] {SYNTHETIC_MARK}", code, main, profile)[0]
            (ru.child_bureaus if profile is Profile.PAEDIATRIC else ru.adult_bureaus).append(bid)
        every_bureau = ru.adult_bureaus + ru.child_bureaus
        for n in range(1, orgs[code] + 1):
            pattern, children, _ = _ORG_KINDS[0] if n == 1 else rng.choices(_ORG_KINDS, weights=[w for *_, w in _ORG_KINDS])[0]
            while True:
                first12 = f"1{rng.randint(2, 15):02d}{code}{rng.randint(1, 99):02d}{rng.randint(0, 99999):05d}"
                ogrn = make_ogrn(first12).digits
                if ogrn not in taken_ogrn:
                    taken_ogrn.add(ogrn)
                    break
            attached = rng.choice(ru.child_bureaus if children and ru.child_bureaus else every_bureau)
            out.orgs.append((oid, f"{pattern.format(n=n)}, {region} {SYNTHETIC_MARK}", ogrn, code, None, attached))
            (ru.child_orgs if children else ru.adult_orgs).append(oid)
            oid += 1
        if not ru.adult_orgs:  # the first organisation is always an adult one (n == 1): kept for the type checker
            ru.adult_orgs.extend(ru.child_orgs)
        out.regions.append(ru)
    return out
