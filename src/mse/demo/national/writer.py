"""Bulk writing: PostgreSQL `COPY … FROM STDIN` through psycopg 3, SQLite one driver-level `executemany` per chunk.

Rows are plain tuples in the order of the given columns, with explicit ids (the generator allocates them, so the
foreign keys are known before anything is written). Values are converted exactly as SQLAlchemy would bind them for the
column's type — JSON serialised, dates and timestamps in SQLite's text form, booleans as integers — using each
column type's own bind processor, so the application reads generated rows like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Date, DateTime, Table, TypeDecorator, func, select, text
from sqlalchemy.types import TypeEngine


def _json(value: object) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _sqlite_datetime(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME storage format ("2025-01-01 06:00:00.000000"); timestamps are written in UTC."""
    if value is None:
        return None
    if value.tzinfo is not UTC and value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # without the "+00:00" of an aware UTC value


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _fast_converter(type_: TypeEngine[Any], postgres: bool) -> Callable[[Any], Any] | None:
    """The same text SQLAlchemy would bind, from C-level methods (the generic processors cost more than the insert)."""
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, JSON):
        return _json  # orjson's compact text: read back by SQLAlchemy's JSON type like its own
    if postgres:
        return None
    if isinstance(type_, DateTime):
        return _sqlite_datetime
    if isinstance(type_, Date):
        return _sqlite_date
    return None


class BulkWriter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self._plans: dict[tuple[str, tuple[str, ...]], tuple[str, list[tuple[int, Callable[[Any], Any]]]]] = {}

    def _plan(self, table: Table, columns: Sequence[str]) -> tuple[str, list[tuple[int, Callable[[Any], Any]]]]:
        key = (table.name, tuple(columns))
        if key not in self._plans:
            cols = ", ".join(f'"{c}"' for c in columns)
            converters: list[tuple[int, Callable[[Any], Any]]] = []
            for i, name in enumerate(columns):
                col = table.c[name]
                fast = _fast_converter(col.type, self.postgres)
                if fast is not None:
                    converters.append((i, fast))
                    continue
                if self.postgres:
                    continue  # psycopg dumps str, int, bool, date, datetime, bytes itself
                proc = col.type._cached_bind_processor(self.conn.dialect)  # the processor SQLAlchemy itself would apply
                if proc is not None:
                    converters.append((i, proc))
            if self.postgres:
                sql = f'COPY "{table.name}" ({cols}) FROM STDIN'
            else:  # the driver's positional style (qmark), columns in the order the rows carry them — not the table's
                marks = ", ".join("?" for _ in columns)
                sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})'  # noqa: S608 — names from the schema, not input
            self._plans[key] = (sql, converters)
        return self._plans[key]

    def write(self, table: Table, columns: Sequence[str], rows: Sequence[tuple[object, ...]]) -> int:
        if not rows:
            return 0
        sql, converters = self._plan(table, columns)
        if converters:
            def convert(row: tuple[object, ...]) -> tuple[object, ...]:
                out = list(row)
                for i, fn in converters:
                    out[i] = fn(out[i])
                return tuple(out)
            data: Sequence[tuple[object, ...]] = [convert(r) for r in rows]
        else:
            data = rows
        if self.postgres:
            raw = self.conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cur, cur.copy(sql) as copy:
                for row in data:
                    copy.write_row(row)
        else:
            self.conn.exec_driver_sql(sql, list(data))
        return len(rows)

    def next_id(self, table: Table) -> int:
        return int(self.conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1

    def sync_sequence(self, table: Table) -> None:
        """PostgreSQL: move the table's id sequence past the explicit ids written (the next ordinary insert must not
        collide). SQLite's INTEGER PRIMARY KEY continues from the largest id by itself."""
        if self.postgres:
            top = self.conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
            self.conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v, false)"), {"t": table.name, "v": int(top) + 1})
