"""Statistics storage: the rollups of a year rebuilt in one INSERT … SELECT, read back by any subset of dimensions;
and the same GROUP BY over the decisions themselves (the live figures the rollups must equal)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, Select, cast, delete, extract, func, insert, literal, select

from mse.adapters.db.tables import cases, decisions, org_units, stat_refreshes, stat_rollups
from mse.services.statistics_ports import ALL_DIMENSIONS, Cell, Dimension, Refreshed, StatFilter

ISSUED = "issued"  # DecisionStatus.ISSUED: only decisions the head signed count
NO_REGION = "--"
NO_GROUP = "none"

_r = stat_rollups.c


def _live_columns() -> dict[Dimension, ColumnElement[Any]]:
    return {
        Dimension.REGION: func.coalesce(org_units.c.region_code, NO_REGION),
        Dimension.MONTH: cast(extract("month", decisions.c.decision_date), Integer),
        Dimension.GROUP: func.coalesce(decisions.c.outcome["outcome"].as_string(), NO_GROUP),
        Dimension.OUTCOME: cases.c.state,
    }


_ROLLUP_COLUMNS: dict[Dimension, ColumnElement[Any]] = {Dimension.REGION: _r.region_code, Dimension.MONTH: _r.month,
                                                        Dimension.GROUP: _r.grp, Dimension.OUTCOME: _r.outcome}


def _filters(columns: dict[Dimension, ColumnElement[Any]], f: StatFilter) -> list[ColumnElement[bool]]:
    out = []
    for dim, value in ((Dimension.REGION, f.region), (Dimension.GROUP, f.group), (Dimension.OUTCOME, f.outcome)):
        if value is not None:
            out.append(columns[dim] == value)
    return out


class StatisticsRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _live(self, by: Sequence[Dimension], f: StatFilter, *, ordered: bool = False) -> Select[Any]:
        # One expression object per dimension in SELECT, GROUP BY and ORDER BY: PostgreSQL must see the same JSON-path
        # parameter in all three, or it refuses the grouping.
        cols = _live_columns()
        percent = decisions.c.outcome["final_percent"].as_integer()
        keys = [cols[d].label(d.value) for d in by]
        q = (select(*keys, func.count().label("decisions"), func.coalesce(func.sum(percent), 0).label("percent_sum"),
                    func.count(percent).label("percent_n"))
             .select_from(decisions.join(cases, cases.c.id == decisions.c.case_id)
                          .join(org_units, org_units.c.id == cases.c.bureau_id))
             .where(decisions.c.status == ISSUED, decisions.c.decision_date >= date(f.year, 1, 1),
                    decisions.c.decision_date <= date(f.year, 12, 31), *_filters(cols, f)))
        if by:
            q = q.group_by(*[cols[d] for d in by])
            if ordered:
                q = q.order_by(*[cols[d] for d in by])
        return q

    def live_cells(self, by: Sequence[Dimension], f: StatFilter) -> list[Cell]:
        q = self._live(by, f, ordered=True)
        return [Cell(tuple(r[:len(by)]), int(r.decisions), int(r.percent_sum), int(r.percent_n)) for r in self.conn.execute(q)]

    def cells(self, by: Sequence[Dimension], f: StatFilter) -> list[Cell]:
        keys = [_ROLLUP_COLUMNS[d].label(d.value) for d in by]
        if set(by) == set(ALL_DIMENSIONS):  # every dimension: the stored cells themselves, in key order (no aggregation)
            q = (select(*keys, _r.decisions, _r.percent_sum, _r.percent_n)
                 .where(_r.year == f.year, *_filters(_ROLLUP_COLUMNS, f)).order_by(*[_ROLLUP_COLUMNS[d] for d in by]))
            return [Cell(tuple(r[:4]), r[4], r[5], r[6]) for r in self.conn.execute(q)]
        q = (select(*keys, func.coalesce(func.sum(_r.decisions), 0).label("decisions"),
                    func.coalesce(func.sum(_r.percent_sum), 0).label("percent_sum"),
                    func.coalesce(func.sum(_r.percent_n), 0).label("percent_n"))
             .where(_r.year == f.year, *_filters(_ROLLUP_COLUMNS, f)))
        if by:
            q = q.group_by(*[_ROLLUP_COLUMNS[d] for d in by]).order_by(*[_ROLLUP_COLUMNS[d] for d in by])
        rows = self.conn.execute(q).all()
        if not by and rows and rows[0].decisions == 0:
            return [Cell((), 0, 0, 0)]
        return [Cell(tuple(r[:len(by)]), int(r.decisions), int(r.percent_sum), int(r.percent_n)) for r in rows]

    def rebuild(self, year: int, *, now: datetime) -> Refreshed:
        """Replace the year's cells with the live GROUP BY, in the caller's transaction (readers see old or new)."""
        started = time.perf_counter()
        self.conn.execute(delete(stat_rollups).where(_r.year == year))
        live = self._live(ALL_DIMENSIONS, StatFilter(year)).add_columns(literal(year).label("year"))
        self.conn.execute(insert(stat_rollups).from_select(
            ["region_code", "month", "grp", "outcome", "decisions", "percent_sum", "percent_n", "year"], live))
        cells, rows = self.conn.execute(select(func.count(), func.coalesce(func.sum(_r.decisions), 0))
                                        .where(_r.year == year)).one()
        millis = round((time.perf_counter() - started) * 1000)
        self.conn.execute(delete(stat_refreshes).where(stat_refreshes.c.year == year))
        self.conn.execute(insert(stat_refreshes).values(year=year, refreshed_at=now, source_rows=int(rows), cells=int(cells),
                                                        millis=millis))
        return Refreshed(year, now, int(rows), int(cells), millis)

    def refreshed(self, year: int) -> Refreshed | None:
        r = self.conn.execute(select(stat_refreshes).where(stat_refreshes.c.year == year)).first()
        return None if r is None else Refreshed(r.year, r.refreshed_at, r.source_rows, r.cells, r.millis)
