"""Statistics of a year from rollups: identical to the live GROUP BY over the decisions, by any subset of dimensions;
stale until refreshed; the refresh audited; no personal data in the rollups."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select, update

from mse.adapters.db import tables as t
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.demo.national.generate import generate
from mse.domain.errors import ValidationFailed
from mse.domain.identity import SYSTEM_ACTOR
from mse.services import statistics
from mse.services.statistics_ports import ALL_DIMENSIONS, Dimension, StatFilter
from tests.audit_support import seal
from tests.support import FixedClock

YEAR = 2025


def _factory(engine: Engine) -> Callable[[], SqlAlchemyUnitOfWork]:
    return lambda: SqlAlchemyUnitOfWork(engine)


@pytest.fixture
def generated(engine: Engine) -> Engine:
    generate(engine, scale=0.0002, seed=21, year=YEAR)
    return engine


def test_rollups_equal_the_live_figures_by_every_cut(generated: Engine) -> None:
    done = statistics.refresh(_factory(generated), SYSTEM_ACTOR, YEAR, FixedClock())
    assert done.source_rows > 400
    assert done.cells > 50
    cuts = [ALL_DIMENSIONS, (Dimension.REGION,), (Dimension.MONTH, Dimension.GROUP), (Dimension.OUTCOME,), ()]
    with SqlAlchemyUnitOfWork(generated) as uow:
        assert statistics.check(uow, YEAR) == []
        for by in cuts:
            for f in (StatFilter(YEAR), StatFilter(YEAR, region="77"), StatFilter(YEAR, group="80.3")):
                assert uow.statistics.cells(by, f) == uow.statistics.live_cells(by, f), (by, f)
        whole = statistics.table(uow, YEAR, by=(Dimension.GROUP,))
        assert whole.total == done.source_rows
        assert whole.as_of is not None
        assert [r.key[0] for r in whole.rows] == sorted(r.key[0] for r in whole.rows)
        third = next(r for r in whole.rows if r.key == ("80.3",))
        assert third.labels == ("третья группа",)
        assert third.average_percent is not None
        assert 40 <= third.average_percent <= 60
        moscow = statistics.table(uow, YEAR, by=(Dimension.REGION, Dimension.MONTH), region="77")
        assert {r.labels[0] for r in moscow.rows} == {"г. Москва"}
        assert statistics.table(uow, YEAR - 1).total == 0


def test_stale_until_refreshed_and_the_refresh_is_audited(generated: Engine) -> None:
    clock = FixedClock()
    statistics.refresh(_factory(generated), SYSTEM_ACTOR, YEAR, clock)
    with generated.begin() as conn:  # an appeal changes a decided case's outcome after the refresh
        case_id = conn.execute(select(t.decisions.c.case_id).order_by(t.decisions.c.id).limit(1)).scalar_one()
        conn.execute(update(t.cases).where(t.cases.c.id == case_id).values(state="superseded"))
    with SqlAlchemyUnitOfWork(generated) as uow:
        assert len(statistics.check(uow, YEAR)) >= 1
    again = statistics.refresh(_factory(generated), SYSTEM_ACTOR, YEAR, clock)
    with SqlAlchemyUnitOfWork(generated) as uow:
        assert statistics.check(uow, YEAR) == []
        assert uow.statistics.refreshed(YEAR) == again
    seal(generated)  # events are chained after commit (ADR 0005)
    with generated.connect() as conn:
        events = conn.execute(select(t.audit_events.c.action, t.audit_events.c.object_id, t.audit_events.c.details)
                              .where(t.audit_events.c.action == "statistics.refresh")).all()
        columns = {c.name for c in t.stat_rollups.c}
    assert len(events) == 2
    assert events[-1].object_id == str(YEAR)
    assert events[-1].details["cells"] == again.cells
    assert columns == {"year", "month", "region_code", "grp", "outcome", "decisions", "percent_sum", "percent_n"}


def test_a_year_out_of_range_is_refused(engine: Engine) -> None:
    with pytest.raises(ValidationFailed):
        statistics.refresh(_factory(engine), SYSTEM_ACTOR, 1899, FixedClock())
