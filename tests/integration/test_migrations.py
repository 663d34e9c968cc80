"""Migrations build the schema on both databases, match the table definitions, and go down and up."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select

from mse.adapters.db import migrate
from mse.adapters.db.tables import metadata, regions


def test_schema_matches_the_table_definitions(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_all_89_subjects_are_loaded(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(regions)).scalar_one() == 89
        assert conn.execute(select(regions.c.name).where(regions.c.code == "77")).scalar_one() == "г. Москва"


def test_at_head_and_reversible(engine: Engine, db_url: str) -> None:
    assert not migrate.pending(engine)
    migrate.downgrade(db_url, "base")
    assert migrate.pending(engine)
    migrate.upgrade(db_url)
    assert not migrate.pending(engine)
