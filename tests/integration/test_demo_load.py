"""The demo slice: shape of the tree, valid personal data, demo accounts, idempotence, determinism."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from mse.adapters.db import tables as mse_tables
from mse.adapters.db.engine import make_engine
from mse.adapters.db.migrate import upgrade
from mse.adapters.db.tables import org_units, persons, staff
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.passwords import Argon2Hasher
from mse.demo import DEMO_ACCOUNTS, DemoSummary, load_demo
from mse.domain.identity import Role
from mse.domain.organisation import Position, UnitKind
from mse.domain.people import validate_person
from mse.domain.policy import person_filter
from mse.domain.ports import SystemClock
from mse.domain.values import Snils
from mse.services import audit
from mse.services.auth import build_actor
from mse.services.ports import PersonQuery

PERSONS = 300


def _fresh_engine(path: Path) -> Engine:
    url = f"sqlite:///{path}"
    upgrade(url)
    return make_engine(url)


def _people(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(persons.c.surname, persons.c.name, persons.c.snils).order_by(persons.c.id))
        return [(r.surname, r.name, r.snils) for r in rows]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, DemoSummary, list[tuple[str, int, int]]]]:
    engine = _fresh_engine(tmp_path_factory.mktemp("demo") / "demo.db")
    calls: list[tuple[str, int, int]] = []
    summary = load_demo(engine, persons=PERSONS, fast_hashes=True, progress=lambda s, d, t: calls.append((s, d, t)))
    yield engine, summary, calls
    engine.dispose()


def test_summary_counts_what_was_written(loaded: tuple[Engine, DemoSummary, list[tuple[str, int, int]]]) -> None:
    engine, summary, _ = loaded
    assert summary.created
    assert summary.persons == PERSONS
    assert summary.accounts == len(DEMO_ACCOUNTS)
    assert 3 * 4 <= summary.medical_orgs <= 6 * 4
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert summary.units == uow.orgs.count_units()
        assert summary.staff == uow.orgs.count_staff()


def test_progress_is_reported_per_stage_and_batch(loaded: tuple[Engine, DemoSummary, list[tuple[str, int, int]]]) -> None:
    _, _, calls = loaded
    persons_calls = [(d, t) for s, d, t in calls if s == "Граждане"]
    assert persons_calls[-1] == (PERSONS, PERSONS)
    assert len(persons_calls) == 2  # batches of 200
    assert {"Учреждения МСЭ", "Сотрудники", "Медицинские организации", "Учётные записи"} <= {s for s, _, _ in calls}


def test_institution_tree_has_the_required_shape(loaded: tuple[Engine, DemoSummary, list[tuple[str, int, int]]]) -> None:
    engine, _, _ = loaded
    with SqlAlchemyUnitOfWork(engine) as uow:
        tree = [u.unit for u in uow.orgs.tree_with_staff_counts()]
        root = uow.orgs.root()
    assert root is not None
    assert root.short_name == "ФГБУ ФБ МСЭ Минтруда России"
    by_kind = {k: [u for u in tree if u.kind is k] for k in UnitKind}
    assert len(by_kind[UnitKind.FEDERAL]) == 1
    assert len(by_kind[UnitKind.MAIN]) >= 3
    assert {u.region_code for u in by_kind[UnitKind.MAIN]} >= {"77", "50", "16"}
    bureaus = by_kind[UnitKind.BUREAU]
    assert len(bureaus) >= 10
    assert len({b.profile for b in bureaus}) >= 3
    assert len({u.short_name for u in tree}) == len(tree)
    federal_compositions = [u for u in by_kind[UnitKind.COMPOSITION] if u.parent_id == root.id]
    assert len(federal_compositions) == 2
    for main in by_kind[UnitKind.MAIN]:
        assert len([u for u in by_kind[UnitKind.COMPOSITION] if u.parent_id == main.id]) == 2
        assert 3 <= len([b for b in bureaus if b.parent_id == main.id]) <= 5
    assert "Бюро № 1 (77)" in {b.short_name for b in bureaus}


def test_every_unit_is_staffed_and_every_position_present(loaded: tuple[Engine, DemoSummary, list[tuple[str, int, int]]]) -> None:
    engine, _, _ = loaded
    with engine.connect() as conn:
        positions = {Position(p) for p in conn.execute(select(staff.c.position).distinct()).scalars()}
        unstaffed = conn.execute(
            select(func.count()).select_from(org_units).where(~org_units.c.id.in_(select(staff.c.unit_id)))
        ).scalar_one()
    assert positions == set(Position)
    assert unstaffed == 0
    with SqlAlchemyUnitOfWork(engine) as uow:
        for item in uow.orgs.tree_with_staff_counts():
            if item.unit.kind is UnitKind.BUREAU:
                got = {m.position for m in uow.orgs.staff_of_unit(item.unit.id)}
                assert got == set(Position), item.unit.short_name


def test_persons_have_valid_unique_snils_and_pass_validation(loaded: tuple[Engine, DemoSummary, list[tuple[str, int, int]]]) -> None:
    engine, _, _ = loaded
    people = _people(engine)
    assert len(people) >= PERSONS
    snils = [s for _, _, s in people]
    assert all(s is not None for s in snils)
    assert len(set(snils)) == len(snils)
    for s in snils:
        Snils.parse(s)  # raises on a bad checksum
    today = SystemClock().today()
    with SqlAlchemyUnitOfWork(engine) as uow:
        bureau_kinds = {u.unit.id: u.unit for u in uow.orgs.tree_with_staff_counts()}
        for person_id in range(1, PERSONS + 1, 7):
            got = uow.people.get(person_id)
            assert got is not None
            person, _path = got
            validate_person(person.data, today)
            assert person.bureau_id is not None
            bureau = bureau_kinds[person.bureau_id]
            assert bureau.kind is UnitKind.BUREAU
            address = person.data.addresses[0]
            assert address.region_code == bureau.region_code
            assert address.postal_code is not None
            assert len(address.postal_code) == 6
            if person.source_org_id is not None:
                mo = uow.orgs.get_medical_org(person.source_org_id)
                assert mo is not None
                assert mo.region_code == bureau.region_code


def test_age_and_sex_mix_is_plausible(loaded: tuple[Engine, DemoSummary, list[tuple[str, int, int]]]) -> None:
    engine, _, _ = loaded
    today = SystemClock().today()
    with engine.connect() as conn:
        rows = conn.execute(select(persons.c.birth_date, persons.c.sex)).all()

    def age(b: date) -> int:
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))

    seniors = sum(age(r.birth_date) >= 60 for r in rows) / len(rows)
    children = sum(age(r.birth_date) < 18 for r in rows) / len(rows)
    female = sum(r.sex == "female" for r in rows) / len(rows)
    assert 0.40 < seniors < 0.65
    assert 0.02 < children < 0.16
    assert 0.45 < female < 0.65


def test_demo_accounts_exist_with_their_roles_and_links(loaded: tuple[Engine, DemoSummary, list[tuple[str, int, int]]]) -> None:
    engine, _, _ = loaded
    assert {role for _, role, _ in DEMO_ACCOUNTS} == set(Role)
    hasher = Argon2Hasher(fast=True)
    with SqlAlchemyUnitOfWork(engine) as uow:
        accounts = {}
        for login, role, description in DEMO_ACCOUNTS:
            acc = uow.identity.account_by_login(login)
            assert acc is not None, login
            assert acc.role is role
            assert acc.is_demo
            assert acc.active
            assert description
            assert acc.password_hash is not None
            assert hasher.verify(acc.password_hash, "demo-mse-2026")
            accounts[login] = acc
        bureau = uow.orgs.unit_by_short_name("Бюро № 1 (77)")
        assert bureau is not None
        for login, position in (("registrar", Position.REGISTRAR), ("expert", Position.EXPERT), ("head", Position.HEAD)):
            acc = accounts[login]
            assert acc.unit_id == bureau.id
            assert acc.staff_id is not None
            member, unit = uow.orgs.get_staff(acc.staff_id) or (None, None)
            assert member is not None
            assert unit is not None
            assert member.position is position
            assert unit.id == bureau.id
            assert acc.display_name == member.full_name
        main_unit = uow.orgs.get_unit(accounts["main_expert"].unit_id or 0)
        assert main_unit is not None
        assert main_unit.kind is UnitKind.COMPOSITION
        assert main_unit.region_code == "77"
        parent = uow.orgs.get_unit(main_unit.parent_id or 0)
        assert parent is not None
        assert parent.kind is UnitKind.MAIN
        federal_unit = uow.orgs.get_unit(accounts["federal_expert"].unit_id or 0)
        assert federal_unit is not None
        assert federal_unit.kind is UnitKind.COMPOSITION
        assert federal_unit.parent_id == (uow.orgs.root() or federal_unit).id
        mo_id = accounts["medical_org"].medical_org_id
        assert mo_id is not None
        citizen = uow.people.get(accounts["citizen"].person_id or 0)
        assert citizen is not None
        assert citizen[0].bureau_id == bureau.id
    with engine.connect() as conn:
        in_bureau = conn.execute(select(func.count()).select_from(persons).where(persons.c.bureau_id == bureau.id)).scalar_one()
        from_mo = conn.execute(select(func.count()).select_from(persons).where(persons.c.source_org_id == mo_id)).scalar_one()
    assert in_bureau >= 10
    assert from_mo >= 3


def test_second_load_is_a_no_op(loaded: tuple[Engine, DemoSummary, list[tuple[str, int, int]]]) -> None:
    engine, first, _ = loaded
    before = _people(engine)
    again = load_demo(engine, persons=PERSONS, fast_hashes=True)
    assert again.created is False
    assert (again.units, again.medical_orgs, again.staff, again.persons, again.accounts) == (
        first.units, first.medical_orgs, first.staff, first.persons, first.accounts)
    assert _people(engine) == before


def test_same_seed_same_people_other_seed_other_people(
    loaded: tuple[Engine, DemoSummary, list[tuple[str, int, int]]], tmp_path: Path
) -> None:
    engine, _, _ = loaded
    twin = _fresh_engine(tmp_path / "twin.db")
    other = _fresh_engine(tmp_path / "other.db")
    try:
        load_demo(twin, persons=PERSONS, fast_hashes=True)
        load_demo(other, seed=7, persons=50, with_accounts=False)
        assert _people(twin) == _people(engine)
        assert _people(other) != _people(engine)[:50]
        with SqlAlchemyUnitOfWork(other) as uow:
            assert uow.identity.account_by_login("registrar") is None
            assert uow.people.count() == 50
    finally:
        twin.dispose()
        other.dispose()


def test_every_demo_role_sees_real_people(loaded: tuple[Engine, DemoSummary, list[tuple[str, int, int]]]) -> None:
    engine, _, _ = loaded
    with SqlAlchemyUnitOfWork(engine) as uow:
        seen = {}
        for login, role, _ in DEMO_ACCOUNTS:
            if role in (Role.AUDITOR, Role.ADMIN):
                continue
            acc = uow.identity.account_by_login(login)
            assert acc is not None
            actor = build_actor(uow, acc, channel="ui", ip=None)
            _, seen[login] = uow.people.search(PersonQuery(), person_filter(actor), limit=1, offset=0)
    assert seen["citizen"] == 1
    assert seen["medical_org"] >= 3
    assert 10 <= seen["registrar"] == seen["expert"] == seen["head"] < seen["main_expert"] < seen["federal_expert"]
    assert seen["federal_expert"] == PERSONS


def test_existing_login_is_left_alone_and_audit_chain_verifies(tmp_path: Path) -> None:
    engine = _fresh_engine(tmp_path / "admin.db")
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.identity.add_account(login="admin", password_hash="x", role=Role.ADMIN, display_name="Первый администратор",
                                     now=datetime.now(UTC))
            uow.commit()
        summary = load_demo(engine, persons=5, fast_hashes=True)
        assert summary.created
        assert summary.accounts == len(DEMO_ACCOUNTS)
        with SqlAlchemyUnitOfWork(engine) as uow:
            admin = uow.identity.account_by_login("admin")
            assert admin is not None
            assert admin.password_hash == "x"
            assert not admin.is_demo
            assert audit.verify(uow).ok
    finally:
        engine.dispose()


REFERRALS = 60


def test_demo_referrals_go_through_the_real_pipeline_and_each_rule_fails(tmp_path: Path) -> None:
    import json

    from mse.adapters.db.tables import incoming_documents, referrals
    from mse.demo.referrals import DEMO_EXAM_SOURCE, DemoPkiPaths

    engine = _fresh_engine(tmp_path / "referrals.db")
    pki_dir = tmp_path / "pki"
    paths = DemoPkiPaths(pki_dir, pki_dir / "trusted-roots.pem", pki_dir / "bureau.crt", pki_dir / "bureau.key")
    try:
        summary = load_demo(engine, persons=20, fast_hashes=True, referrals=REFERRALS, pki=paths)
        assert paths.trusted_roots.is_file()
        assert paths.bureau_cert.is_file()
        assert paths.bureau_key.is_file()
        assert summary.referrals + summary.quarantined == REFERRALS
        assert summary.referrals_registered >= 1
        assert summary.referrals_returned >= 1
        assert summary.referrals_received >= 1
        with engine.connect() as conn:
            checks = [c if isinstance(c, dict) else json.loads(c) for c in conn.execute(select(referrals.c.checks)).scalars()]
            quarantined = conn.execute(select(incoming_documents.c.problem_code, incoming_documents.c.problem_details)
                                       .where(incoming_documents.c.status == "quarantined")).all()
            orgs_unattached = conn.execute(select(func.count()).select_from(mse_tables.medical_orgs)
                                           .where(mse_tables.medical_orgs.c.bureau_id.is_(None))).scalar_one()
            sources = set(conn.execute(select(mse_tables.exam_requirements.c.source)).scalars())
        codes = {f["rule_id"] for c in checks for f in c["findings"]}
        assert codes >= {"NA1", "NA4", "RR1", "RR2", "RR3", "RR4", "RR5"}
        q_codes = {row.problem_code for row in quarantined}
        assert {"certificate_untrusted", "certificate_not_valid_at_signing_time", "json_malformed"} <= q_codes
        clean = sum(1 for c in checks if not c["findings"])
        assert clean >= REFERRALS // 2
        assert orgs_unattached == 0
        assert sources == {DEMO_EXAM_SOURCE}
        before = sorted(p.name for p in pki_dir.iterdir())
        again = load_demo(engine, persons=20, fast_hashes=True, referrals=REFERRALS, pki=paths)
        assert again.created is False
        assert again.referrals == summary.referrals
        assert sorted(p.name for p in pki_dir.iterdir()) == before
        with SqlAlchemyUnitOfWork(engine) as uow:
            assert audit.verify(uow).ok
    finally:
        engine.dispose()
