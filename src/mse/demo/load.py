"""Demo data: a small but realistic, deterministic slice of the МСЭ system of one country.

The Federal bureau with its expert compositions; four main bureaus (г. Москва, Московская область,
Республика Татарстан, Свердловская область) with compositions and branch bureaus of several profiles;
staff for every unit; medical organisations with valid ОГРН; about a thousand citizens with valid СНИЛС,
documents, addresses and contacts; and one demo account per role.

Loading is idempotent (nothing is written once the Federal bureau exists) and deterministic: the same
`seed` gives the same names, СНИЛС, addresses and numbers (dates are counted back from today).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.passwords import Argon2Hasher
from mse.adapters.refdata.criteria_appendix import SHIPPED_SOURCE, shipped_rows
from mse.demo.names import (
    FEDERAL_ADDRESS,
    FEDERAL_COMPOSITIONS,
    FEDERAL_NAME,
    FEDERAL_SHORT,
    REGIONS,
    bureau_name,
    bureau_short,
    composition_name,
    translit,
)
from mse.domain.errors import Conflict
from mse.domain.identity import SYSTEM_ACTOR, Role
from mse.domain.organisation import (
    PROFILE_LABELS,
    OrgUnit,
    Position,
    Profile,
    StaffMember,
    UnitKind,
)
from mse.domain.people import (
    PersonData,
    validate_person,
)
from mse.domain.ports import SystemClock
from mse.domain.referrals import ReferralState
from mse.domain.scheduling import Availability
from mse.domain.values import Snils
from mse.services import audit
from mse.services.criteria import import_rows
from mse.services.intake_ports import ReferralFilter
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
    # Referrals 088/у (mse demo load --referrals): by state, and documents kept in quarantine.
    referrals: int = 0
    referrals_received: int = 0
    referrals_not_accepted: int = 0
    referrals_registered: int = 0
    referrals_returned: int = 0
    quarantined: int = 0


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





from mse.demo.generator import RegionSlice, Tree, _Generator  # noqa: E402
from mse.demo.referrals import DemoPkiPaths, send_demo_referrals  # noqa: E402


def _summary(uow: UnitOfWork, *, created: bool) -> DemoSummary:
    states = uow.intake.queue_counts(ReferralFilter())
    return DemoSummary(
        created=created,
        units=uow.orgs.count_units(),
        medical_orgs=uow.orgs.medical_orgs(limit=1)[1],
        staff=uow.orgs.count_staff(),
        persons=uow.people.count(),
        accounts=uow.identity.accounts(limit=1, offset=0)[1],
        referrals=sum(states.values()),
        referrals_received=states.get(ReferralState.RECEIVED.value, 0),
        referrals_not_accepted=states.get(ReferralState.NOT_ACCEPTED.value, 0),
        referrals_registered=states.get(ReferralState.ACCEPTED.value, 0),
        referrals_returned=states.get(ReferralState.RETURNED.value, 0),
        quarantined=uow.intake.quarantine(limit=1, offset=0)[1],
    )


def _build_tree(uow: UnitOfWork, gen: _Generator, clock: SystemClock, report: Progress) -> Tree:
    actor = SYSTEM_ACTOR

    def unit(kind: UnitKind, name: str, short: str, parent: OrgUnit | None, region_code: str | None,
             profile: Profile | None = None, address: str | None = None) -> OrgUnit:
        return create_unit(uow, actor, clock, kind=kind, name=name, short_name=short,
                           parent_id=parent.id if parent else None, region_code=region_code, profile=profile,
                           address=address)

    root = unit(UnitKind.FEDERAL, FEDERAL_NAME, FEDERAL_SHORT, None, "77", address=FEDERAL_ADDRESS)
    tree = Tree(root)
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
        rs = RegionSlice(demo, region.name, main)
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
            name = gen.staff_name(position)
            # The head gets a work address on the demo domain (never delivered outside): overdue terms are e-mailed to it.
            email = f"head.{u.id}.{translit(name.surname)}@mse.demo" if position is Position.HEAD else None
            member = add_staff(uow, actor, clock, unit_id=u.id, position=position, full_name=name, email=email)
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


def _staff_accounts(uow: UnitOfWork, tree: Tree, hasher: Argon2Hasher, password: str,
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
              fast_hashes: bool = False, referrals: int = 0, pki: DemoPkiPaths | None = None) -> DemoSummary:
    """Load the demo slice into an empty (migrated) database; a no-op once the Federal bureau exists.

    The institution tree, staff, medical organisations and staff accounts go in one transaction; persons
    follow in batches of BATCH_SIZE (one transaction each, with one audit event per batch). The citizen demo
    account is created with the first batch, linked to the first person (attached to bureau № 1 of Moscow).
    Then, when ``referrals`` > 0, a demo PKI under ``pki`` and that many signed referrals 088/у through the real
    intake pipeline (see mse.demo.referrals). Returned counts are the totals in the database after the call.
    """
    if persons < 0 or referrals < 0:
        raise ValueError("persons and referrals must not be negative")
    if referrals and pki is None:
        raise ValueError("demo referrals need the PKI paths (pki=DemoPkiPaths(...))")
    clock = SystemClock()
    report: Progress = progress or (lambda _stage, _done, _total: None)
    hasher = Argon2Hasher(fast=fast_hashes)
    gen = _Generator(seed, clock.today())

    _criteria_appendix(engine, clock)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            if uow.orgs.root() is not None:
                return _summary(uow, created=False)
            tree = _build_tree(uow, gen, clock, report)
            _reception(uow, tree, clock.today())
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

    if referrals and pki is not None:
        send_demo_referrals(engine, tree, n=referrals, seed=seed, paths=pki, progress=report)

    with SqlAlchemyUnitOfWork(engine) as uow:
        return _summary(uow, created=True)


DEMO_RECEPTION_DAYS = 20  # working days ahead with the experts' reception hours


def _reception(uow: UnitOfWork, tree: Tree, today: date) -> None:
    """Rooms and the experts' reception hours (Mon–Fri 09:00–17:00, inside DL-42) for the coming weeks, so a demo
    case can be booked at once (`/cases/{id}/schedule`)."""
    days: list[date] = []
    day = today
    while len(days) < DEMO_RECEPTION_DAYS:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    for rs in tree.regions:
        for bureau, _ in rs.bureaus:
            uow.scheduling.add_room(unit_id=bureau.id, name="101", accessible=False)
            uow.scheduling.add_room(unit_id=bureau.id, name="102 (доступен для кресла-коляски)", accessible=True)
            for expert in tree.staff.get((bureau.id, Position.EXPERT), []):
                for d in days:
                    uow.scheduling.add_availability(Availability(expert.id, d, 9 * 60, 17 * 60))


def _criteria_appendix(engine: Engine, clock: SystemClock) -> None:
    """The appendix rows of the criteria shipped with the package (idempotent: the same rows are not written twice)."""
    import_rows(lambda: SqlAlchemyUnitOfWork(engine), SYSTEM_ACTOR, shipped_rows(), source=SHIPPED_SOURCE, clock=clock)


def _with_snils(data: PersonData, snils: Snils) -> PersonData:
    return replace(data, snils=snils)
