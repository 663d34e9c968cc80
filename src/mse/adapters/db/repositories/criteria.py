"""Storage of the quantitative appendix rows of the criteria (table criteria_appendix_rows, migration 0005)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select

from mse.adapters.db.tables import criteria_appendix_rows as t
from mse.rules.criteria.appendix import Population, QuantRow


def _row(r: Any) -> QuantRow:
    return QuantRow(
        ruleset=r.ruleset, item=r.item, nosology=r.nosology, icd10=tuple(r.icd10 or ()), function_type=r.function_type,
        population=Population(r.population), characteristic=r.characteristic, percent_min=r.percent_min,
        percent_max=r.percent_max, crg=r.crg, valid_from=r.valid_from, valid_to=r.valid_to, source=r.source,
    )


class CriteriaRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def rows(self, ruleset: str | None = None) -> list[QuantRow]:
        q = select(t).order_by(t.c.ruleset, t.c.valid_from, t.c.id)
        if ruleset is not None:
            q = q.where(t.c.ruleset == ruleset)
        return [_row(r) for r in self.conn.execute(q)]

    def rows_in_force(self, on: date) -> list[QuantRow]:
        q = select(t).where(t.c.valid_from <= on, or_(t.c.valid_to.is_(None), t.c.valid_to >= on)).order_by(t.c.ruleset, t.c.id)
        return [_row(r) for r in self.conn.execute(q)]

    def group(self, ruleset: str, valid_from: date) -> list[QuantRow]:
        q = select(t).where(t.c.ruleset == ruleset, t.c.valid_from == valid_from).order_by(t.c.id)
        return [_row(r) for r in self.conn.execute(q)]

    def replace_group(self, ruleset: str, valid_from: date, rows: list[QuantRow], *, now: datetime, user_id: int | None) -> int:
        """Deletes the rows of ``ruleset`` starting on ``valid_from`` and inserts ``rows`` (same transaction)."""
        self.conn.execute(delete(t).where(and_(t.c.ruleset == ruleset, t.c.valid_from == valid_from)))
        if rows:
            self.conn.execute(insert(t), [{
                "ruleset": r.ruleset, "item": r.item, "nosology": r.nosology, "icd10": list(r.icd10),
                "function_type": r.function_type, "population": r.population.value, "characteristic": r.characteristic,
                "percent_min": r.percent_min, "percent_max": r.percent_max, "crg": r.crg, "valid_from": r.valid_from,
                "valid_to": r.valid_to, "source": r.source[:1000], "loaded_at": now, "loaded_by": user_id,
            } for r in rows])
        return len(rows)

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t)).scalar_one())


def has_table(engine: Engine) -> bool:
    """Whether the schema is migrated far enough for the appendix rows (migration 0005)."""
    from sqlalchemy import inspect

    return inspect(engine).has_table(t.name)
