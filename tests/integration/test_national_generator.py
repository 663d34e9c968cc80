"""The synthetic national load on both databases: deterministic by seed, FK-consistent, valid СНИЛС, plausible shares,
readable by the real services, and side by side with the demo slice."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, func, select, text

from mse.adapters.db import tables as t
from mse.adapters.db.engine import make_engine
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.demo import load_demo
from mse.demo.national.generate import generate
from mse.domain.errors import NotFound
from mse.domain.identity import Actor, Role
from mse.domain.people import Citizenship, Contacts, PersonData
from mse.domain.values import FullName, Sex, Snils
from mse.services import cases as case_service
from tests.conftest import _admin_engine, _pg_url
from tests.support import FixedClock

SCALE = 0.0002  # 500 referrals
GENERATED = (t.org_units, t.medical_orgs, t.staff, t.persons, t.person_documents, t.person_addresses, t.incoming_documents,
             t.referrals, t.cases, t.case_history, t.protocols, t.decisions, t.registration_counters)


@pytest.fixture
def other_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A second fresh migrated database of the same backend."""
    if db_url.startswith("sqlite"):
        target = tmp_path / "other.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    name = f"mse_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{request.getfixturevalue("pg_template")}"'))
    yield _pg_url(name)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {tb.name: [tuple(r) for r in conn.execute(select(tb).order_by(*tb.primary_key.columns))] for tb in GENERATED}


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_same_seed_same_rows_other_seed_other_people(engine: Engine, other_url: str) -> None:
    first = generate(engine, scale=SCALE, seed=11)
    other = make_engine(other_url)
    try:
        generate(other, scale=SCALE, seed=11)
        assert _dump(engine) == _dump(other)
    finally:
        other.dispose()
    assert first.created
    assert first.rows["referrals"] == 500
    assert first.rows == {name: n for name, n in first.rows.items() if n > 0}


def test_rows_are_consistent_and_the_app_can_write_after_them(engine: Engine) -> None:
    generate(engine, scale=SCALE, seed=3)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":  # FKs were enforced on insert; this re-checks every table
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        # beyond the FKs: a decision's protocol is its case's, a referral's case is of the referral's bureau or appeal
        mismatched = conn.execute(select(func.count()).select_from(t.decisions.join(t.protocols, t.protocols.c.id == t.decisions.c.protocol_id))
                                  .where(t.protocols.c.case_id != t.decisions.c.case_id)).scalar_one()
        assert mismatched == 0
        wrong_bureau = conn.execute(select(func.count()).select_from(t.referrals.join(t.cases, t.cases.c.id == t.referrals.c.case_id))
                                    .where(t.cases.c.bureau_id != t.referrals.c.bureau_id)).scalar_one()
        assert wrong_bureau == 0
        no_case = conn.execute(select(t.referrals.c.state, func.count()).where(t.referrals.c.case_id.is_(None))
                               .group_by(t.referrals.c.state)).all()
        assert {s for s, _ in no_case} <= {"not_accepted"}
        snils = conn.execute(select(t.persons.c.snils)).scalars().all()
    assert len(snils) == len(set(snils)) > 400
    for s in snils:
        assert Snils.parse(s).digits == s  # parse checks the control number
    # ids were written explicitly: the sequences (PostgreSQL) must be past them for an ordinary insert
    with SqlAlchemyUnitOfWork(engine) as uow:
        pid = uow.people.add(PersonData(full_name=FullName("Новикова", "Анна", "Ивановна"), birth_date=date(1980, 1, 2), sex=Sex.FEMALE,
                                        citizenship=Citizenship.RF, snils=None, contacts=Contacts()),
                             bureau_id=None, source_org_id=None, now=FixedClock().now())
        uow.commit()
    assert pid > len(snils)


def test_shares_are_plausible(engine: Engine) -> None:
    generate(engine, scale=0.0004, seed=5)  # 1,000 referrals
    year_mid = date(2025, 7, 1)
    with engine.connect() as conn:
        people = conn.execute(select(t.persons.c.birth_date, t.persons.c.sex)).all()
        group = t.decisions.c.outcome["outcome"].as_string()  # one expression: PostgreSQL must see one parameter
        groups = dict(conn.execute(select(group, func.count()).group_by(group)).all())
        states = dict(conn.execute(select(t.cases.c.state, func.count()).group_by(t.cases.c.state)).all())
        regions = conn.execute(select(func.count(func.distinct(t.org_units.c.region_code)))
                               .where(t.org_units.c.kind == "main")).scalar_one()
        letter = func.substr(t.referrals.c.diagnosis_icd, 1, 1)
        icd = dict(conn.execute(select(letter, func.count()).group_by(letter)).all())
    children = sum(1 for b, _ in people if (year_mid - b).days < 18 * 365.25) / len(people)
    women = sum(1 for _, s in people if s == "female") / len(people)
    assert 0.015 <= children <= 0.07
    assert 0.48 <= women <= 0.62
    assert regions == 89
    decided = sum(groups.values())
    assert groups["80.3"] == max(groups.values())  # group III the most frequent
    assert 0.10 <= groups["80.5"] / decided <= 0.28
    assert states["completed"] / sum(states.values()) > 0.7
    assert 0 < states.get("returned_to_mo", 0) / sum(states.values()) < 0.06
    assert icd["I"] + icd["C"] > 0.3 * sum(icd.values())  # circulatory and neoplasms lead
    appeals = _count_appeals(engine)
    assert 0.005 <= appeals / decided <= 0.07


def _count_appeals(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.cases.join(t.org_units, t.org_units.c.id == t.cases.c.bureau_id))
                                .where(t.org_units.c.kind == "composition")).scalar_one())


def _actor(role: Role, unit_id: int, path: str) -> Actor:
    return Actor(user_id=0, login=role.value, role=role, display_name="Проверяющий", unit_id=unit_id, scope_path=path)


def test_a_generated_case_opens_through_the_services(engine: Engine) -> None:
    generate(engine, scale=SCALE, seed=2)
    clock = FixedClock()
    with engine.connect() as conn:
        case_id, bureau_id = conn.execute(select(t.decisions.c.case_id, t.cases.c.bureau_id)
                                          .join(t.cases, t.cases.c.id == t.decisions.c.case_id)
                                          .where(t.cases.c.state == "completed").order_by(t.decisions.c.id).limit(1)).one()
        main = conn.execute(select(t.org_units.c.parent_id).where(t.org_units.c.id == bureau_id)).scalar_one()
        main_path = conn.execute(select(t.org_units.c.path).where(t.org_units.c.id == main)).scalar_one()
        stranger = conn.execute(select(t.org_units.c.id, t.org_units.c.path)
                                .where(t.org_units.c.kind == "main", t.org_units.c.id != main).limit(1)).one()
    with SqlAlchemyUnitOfWork(engine) as uow:
        card = case_service.card(uow, _actor(Role.MAIN_EXPERT, main, main_path), case_id, clock)
        assert card.view.state.value == "completed"
        assert card.protocol_id is not None
        assert card.history is not None
        assert [h.row.to_state for h in card.history][-1] == "completed"
        assert "синтетические данные" in (card.history[0].row.reason or "")
        protocol = uow.protocols.by_case(case_id)
        decision = uow.decisions.by_case(case_id)
        assert protocol is not None
        assert decision is not None
        assert decision.protocol_id == protocol.id
        assert protocol.data["80"] == decision.outcome["outcome"]
        assert decision.suggestion["synthetic"] is True
        with pytest.raises(NotFound):  # the tree paths scope access like real units (another subject: not found)
            case_service.card(uow, _actor(Role.MAIN_EXPERT, stranger.id, stranger.path), case_id, clock)


def test_next_to_the_demo_slice_and_only_once(engine: Engine) -> None:
    load_demo(engine, persons=10, with_accounts=False, fast_hashes=True)
    demo_units, demo_persons = _count(engine, t.org_units), _count(engine, t.persons)
    done = generate(engine, scale=SCALE, seed=4)
    with engine.connect() as conn:
        roots = conn.execute(select(t.org_units.c.id).where(t.org_units.c.parent_id.is_(None))).scalars().all()
        marked = conn.execute(select(func.count()).select_from(t.org_units)
                              .where(t.org_units.c.short_name.endswith("(синт.)"))).scalar_one()
    assert len(roots) == 1  # the generated main bureaus hang under the demo's Federal bureau
    assert marked == done.rows["org_units"] == _count(engine, t.org_units) - demo_units
    assert _count(engine, t.persons) == demo_persons + done.rows["persons"]
    again = generate(engine, scale=SCALE, seed=9)
    assert not again.created
    assert _count(engine, t.persons) == demo_persons + done.rows["persons"]
    assert load_demo(engine, persons=10, with_accounts=False, fast_hashes=True).created is False
