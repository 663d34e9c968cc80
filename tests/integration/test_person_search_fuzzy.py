"""Person search by a surname with a typo (issue 7, P6): trigram similarity — pg_trgm with its GIN index on PostgreSQL,
the same formula over the distinct surname keys on SQLite — ranked most similar first, within the actor's scope."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text

from mse.adapters.db.repositories.people_search import similarity, trigrams
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.identity import Role
from mse.services import persons as person_service
from mse.services.ports import PersonQuery
from tests.builders import build_world, person_data
from tests.integration.test_persons_db import actor_for
from tests.support import FixedClock


def test_trigrams_are_those_of_pg_trgm() -> None:
    # show_trgm('иванов'): "  и", " ив", "ива", "ван", "ано", "нов", "ов " — and similarity('иванов','иваноф') = 5/9.
    assert trigrams("иванов") == {"  и", " ив", "ива", "ван", "ано", "нов", "ов "}
    assert similarity("иванов", "иваноф") == pytest.approx(5 / 9)
    assert similarity("иванов", "сидоров") < 0.3


@pytest.fixture
def people(engine: Engine, clock: FixedClock) -> tuple[object, dict[str, int]]:
    w = build_world(engine, clock)
    registrar = actor_for(engine, Role.REGISTRAR, w.accounts)
    ids: dict[str, int] = {}
    with SqlAlchemyUnitOfWork(engine) as uow:
        for n, (surname, name) in enumerate((("Кузнецова", "Мария"), ("Кузнецов", "Иван"), ("Кузьмина", "Мария"),
                                             ("Сидоров", "Иван"), ("Кузнецова", "Анна"))):
            ids[f"{surname} {name}"] = person_service.register_person(
                uow, registrar, person_data(surname, name, "Петровна", snils9=f"12312312{n}"), clock)
    return registrar, ids


def test_a_typo_still_finds_the_person_most_similar_first(engine: Engine, clock: FixedClock, people: tuple[object, dict[str, int]]) -> None:
    registrar, ids = people
    with SqlAlchemyUnitOfWork(engine) as uow:
        exact = person_service.search_persons(uow, registrar, PersonQuery(surname="Кузнецава"), clock)  # type: ignore[arg-type]
        fuzzy = person_service.search_persons(uow, registrar, PersonQuery(surname="Кузнецава", fuzzy=True), clock)  # type: ignore[arg-type]
        narrowed = person_service.search_persons(uow, registrar, PersonQuery(surname="кузнецава", name="мария", fuzzy=True), clock)  # type: ignore[arg-type]
    assert exact.total == 0  # the exact search does not forgive the typo
    found = [r.full_name.rsplit(" ", 1)[0] for r in fuzzy.rows]
    assert "Сидоров Иван" not in found
    # Кузнецова (2 persons) is more similar to «кузнецава» than Кузнецов, which is more similar than Кузьмина (if at all).
    assert found[:2] == ["Кузнецова Анна", "Кузнецова Мария"]
    assert found[2] == "Кузнецов Иван"
    assert fuzzy.total == len(fuzzy.rows)
    assert [r.id for r in narrowed.rows] == [ids["Кузнецова Мария"]]


def test_fuzzy_search_stays_inside_the_actors_scope(engine: Engine, clock: FixedClock, people: tuple[object, dict[str, int]]) -> None:
    registrar, ids = people
    with SqlAlchemyUnitOfWork(engine) as uow:
        # The world's «Сидорова Анна» lives in bureau A2 and «Петров» in B1: a registrar of A1 sees neither.
        similar = person_service.search_persons(uow, registrar, PersonQuery(surname="Сидорава", fuzzy=True), clock)  # type: ignore[arg-type]
        foreign = person_service.search_persons(uow, registrar, PersonQuery(surname="Петроф", fuzzy=True), clock)  # type: ignore[arg-type]
    assert [r.id for r in similar.rows] == [ids["Сидоров Иван"]]
    assert similar.total == 1
    assert foreign.rows == []
    assert foreign.total == 0


def test_the_trigram_index_serves_the_query_on_postgresql(engine: Engine, clock: FixedClock, people: tuple[object, dict[str, int]]) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("pg_trgm: PostgreSQL only")
    with engine.begin() as c:
        c.execute(text("SET LOCAL enable_seqscan = off"))  # a handful of rows: force the planner to show it can use it
        plan = "\n".join(r[0] for r in c.execute(text("EXPLAIN SELECT id FROM persons WHERE surname_key % 'кузнецава'")))
    assert "ix_persons_surname_key_trgm" in plan


def test_birth_date_with_a_fuzzy_surname(engine: Engine, clock: FixedClock, people: tuple[object, dict[str, int]]) -> None:
    registrar, ids = people
    with SqlAlchemyUnitOfWork(engine) as uow:
        born = person_service.search_persons(uow, registrar, PersonQuery(surname="Кузнецов", name="Иван", fuzzy=True,  # type: ignore[arg-type]
                                                                         birth_date=date(1970, 5, 17)), clock)
        other_day = person_service.search_persons(uow, registrar, PersonQuery(surname="Кузнецов", fuzzy=True,  # type: ignore[arg-type]
                                                                              birth_date=date(1999, 1, 1)), clock)
    assert [r.id for r in born.rows] == [ids["Кузнецов Иван"]]
    assert other_day.total == 0
