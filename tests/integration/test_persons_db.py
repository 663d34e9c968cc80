"""Person registry on a real database: register, find (СНИЛС, ФИО ± ё, date of birth), scope, no partial writes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, event, func, select

from mse.adapters.db.tables import audit_events, person_addresses, persons
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.errors import Conflict, NotFound, ValidationFailed
from mse.domain.identity import Role
from mse.domain.values import make_snils
from mse.services import auth
from mse.services import persons as person_service
from mse.services.ports import PersonQuery
from tests.audit_support import seal
from tests.builders import build_world, person_data
from tests.support import FixedClock


def actor_for(engine: Engine, role: Role, world_accounts: dict[Role, int]):  # type: ignore[no-untyped-def]
    with SqlAlchemyUnitOfWork(engine) as uow:
        account = uow.identity.account(world_accounts[role])
        assert account is not None
        return auth.build_actor(uow, account, channel="test", ip="127.0.0.1")


def count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    seal(engine)  # audit events are chained after commit (ADR 0005): a leaked one would be counted here
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def test_registrar_registers_and_finds_a_person(engine: Engine, clock: FixedClock) -> None:
    w = build_world(engine, clock)
    registrar = actor_for(engine, Role.REGISTRAR, w.accounts)
    with SqlAlchemyUnitOfWork(engine) as uow:
        pid = person_service.register_person(uow, registrar, person_data("Семёнова", "Алёна", "Игоревна", snils9="445566778"), clock)
    with SqlAlchemyUnitOfWork(engine) as uow:
        by_snils = person_service.search_persons(uow, registrar, PersonQuery(snils=make_snils("445566778").digits), clock)
        by_name = person_service.search_persons(uow, registrar, PersonQuery(surname="СЕМЕНОВА", name="алена", birth_date=date(1970, 5, 17)), clock)
        card = person_service.read_person(uow, registrar, pid, clock)
    assert [r.id for r in by_snils.rows] == [pid]
    assert [r.id for r in by_name.rows] == [pid]
    assert card.data.full_name.display == "Семёнова Алёна Игоревна"
    assert card.bureau_id == w.units["A1"]


def test_search_stays_inside_the_actors_scope(engine: Engine, clock: FixedClock) -> None:
    w = build_world(engine, clock)
    # The three world persons share the birth date; each role sees only its own part of the tree.
    query = PersonQuery(surname="Петров")
    for role, expected in ((Role.REGISTRAR, []), (Role.MAIN_EXPERT, []), (Role.FEDERAL_EXPERT, [w.persons["foreign"]])):
        actor = actor_for(engine, role, w.accounts)
        with SqlAlchemyUnitOfWork(engine) as uow:
            found = person_service.search_persons(uow, actor, query, clock)
        assert [r.id for r in found.rows] == expected, role


def test_duplicate_snils_is_a_conflict_and_writes_nothing(engine: Engine, clock: FixedClock) -> None:
    w = build_world(engine, clock)
    registrar = actor_for(engine, Role.REGISTRAR, w.accounts)
    before = count(engine, persons), count(engine, audit_events)
    with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(Conflict) as err:
        person_service.register_person(uow, registrar, person_data("Другой", "Человек", snils9="112233445"), clock)
    assert err.value.code == "person_snils_exists"
    assert (count(engine, persons), count(engine, audit_events)) == before


def test_invalid_person_names_every_bad_field(engine: Engine, clock: FixedClock) -> None:
    w = build_world(engine, clock)
    registrar = actor_for(engine, Role.REGISTRAR, w.accounts)
    bad = person_data(birth=date(2030, 1, 1))
    bad = type(bad)(**{**vars(bad), "documents": (), "addresses": ()})
    with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(ValidationFailed) as err:
        person_service.register_person(uow, registrar, bad, clock)
    assert {p.field for p in err.value.problems} == {"birth_date", "documents", "addresses"}


def test_failure_midway_rolls_back_the_whole_person(engine: Engine, clock: FixedClock) -> None:
    """A database failure after the person row is written must leave no trace (one transaction)."""
    w = build_world(engine, clock)
    registrar = actor_for(engine, Role.REGISTRAR, w.accounts)
    before = count(engine, persons), count(engine, person_addresses), count(engine, audit_events)

    def fail_on_address(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO PERSON_ADDRESSES"):
            raise RuntimeError("disk full (injected)")

    event.listen(engine, "before_cursor_execute", fail_on_address)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(RuntimeError):
            person_service.register_person(uow, registrar, person_data("Новый", "Гражданин", snils9="556677889"), clock)
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_address)
    assert (count(engine, persons), count(engine, person_addresses), count(engine, audit_events)) == before


def test_denied_read_is_audited_and_looks_like_not_found(engine: Engine, clock: FixedClock) -> None:
    w = build_world(engine, clock)
    registrar = actor_for(engine, Role.REGISTRAR, w.accounts)
    with SqlAlchemyUnitOfWork(engine) as uow, pytest.raises(NotFound):
        person_service.read_person(uow, registrar, w.persons["foreign"], clock)
    seal(engine)
    with engine.connect() as c:
        last = c.execute(select(audit_events.c.action, audit_events.c.object_id).order_by(audit_events.c.seq.desc()).limit(1)).one()
    assert tuple(last) == ("person.read.denied", str(w.persons["foreign"]))
