"""P9 — the deadline sweep (`services.deadline_control.sweep`, the job `mse deadlines sweep`) among N open cases:
the steady-state sweep of the day (the day's escalations already written: what every further run and the dashboard
pay) with the due-date indexes of migration 0009, against the same sweep with those indexes dropped (an unindexed
scan of the cases), measured in the same run on the same data; the sweep reading every open case (the query before
issue 7) is in `details` as "before".

Data (bench/fill.py): N open cases registered over the last 30 days (0.3 % older, overdue), invitations written for
~99 % of those older than two days, plus as many closed cases of the past year (they must not be read), 40 bureaus.
Full size: MSE_BENCH_P9_CASES (default 1 000 000 open cases).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import create_engine, text

from bench.fill import fill_cases
from bench.harness import Context, Result, benchmark, percentile, ratio, summary_ms

TITLE = "Контроль сроков (ежедневный проход)"
TARGET = "≤ 200 мс, доступ по индексу"
TODAY = date(2026, 3, 4)  # a Wednesday
INDEXES = ("ix_cases_open_due_decision", "ix_cases_awaiting_invitation")  # migrations 0009, 0012


def _sweep_times(url: str, n: int, *, due_only: bool = True) -> tuple[list[float], dict[str, Any]]:
    from tests.support import FixedClock

    from mse.adapters.db.uow import SqlAlchemyUnitOfWork
    from mse.services.deadline_control import collect, sweep
    from mse.services.scheduling_ports import WeekdayCalendar

    engine = create_engine(url)
    clock = FixedClock(datetime(TODAY.year, TODAY.month, TODAY.day, 6, 0, tzinfo=UTC))
    calendar = WeekdayCalendar()
    info: dict[str, Any] = {}
    try:
        t0 = time.perf_counter()
        with SqlAlchemyUnitOfWork(engine) as uow:  # the day's first run: writes the escalations of the overdue items
            first = sweep(uow, clock, calendar)
        info["first_run_s"] = round(time.perf_counter() - t0, 3)
        info["escalated_first_run"] = len(first.escalated)
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            with SqlAlchemyUnitOfWork(engine) as uow:
                if due_only:
                    report = sweep(uow, clock, calendar)
                else:  # before issue 7: every open case read and classified, the shown ones kept
                    items = collect(uow, None, clock.today(), calendar, 1)
                    report = None
                    info["items"] = len(items)
            samples.append(time.perf_counter() - t0)
        if report is not None:
            info["shown_items"] = sum(sum(c.values()) for c in report.by_bureau.values())
            info["escalated_again"] = len(report.escalated)
    finally:
        engine.dispose()
    return samples, info


def _indexes(url: str, *, drop: bool, ddl: dict[str, str]) -> dict[str, str]:
    engine = create_engine(url)
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as c:
        if drop:
            ddl = {r[0]: r[1] for r in c.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases'" if pg else
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases' AND sql IS NOT NULL"))
                   if r[0] in INDEXES}
            for name in INDEXES:
                c.execute(text(f"DROP INDEX {name}"))
        else:
            for sql in ddl.values():
                c.execute(text(sql))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("ANALYZE cases" if pg else "ANALYZE"))
    engine.dispose()
    return ddl


def _plan(url: str) -> str:
    """How the database reads the due cases: EXPLAIN (PostgreSQL) / EXPLAIN QUERY PLAN (SQLite) of the sweep's own
    counting statement, captured while it runs."""
    from sqlalchemy import event

    from mse.adapters.db.uow import SqlAlchemyUnitOfWork
    from mse.services.deadline_control import due_window
    from mse.services.scheduling_ports import WeekdayCalendar

    engine = create_engine(url)
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.notices.due_counts(due_window(TODAY, WeekdayCalendar(), 1))
    event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = next((s, p) for s, p in seen if "count(" in s.lower())
    explain = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as c:
        rows = c.exec_driver_sql(explain + statement, parameters).all()
    engine.dispose()
    steps = [str(r[0] if len(r) == 1 else r[-1]).strip() for r in rows]
    scans = [s for s in steps if "Scan" in s or "SCAN" in s or "SEARCH" in s]  # how each table is read
    return " / ".join(scans or steps)[:800]


@benchmark("P9", TITLE, TARGET)
def run(ctx: Context) -> list[Result]:
    n_open = ctx.size(int(os.environ.get("MSE_BENCH_P9_CASES", "1000000")), 30_000)
    reps = ctx.size(7, 5)
    out: list[Result] = []
    for backend in ctx.backends():
        with ctx.database(backend) as url:
            engine = create_engine(url)
            filled = fill_cases(engine, n_open, n_open, TODAY, ctx.seed)
            engine.dispose()
            ctx.log(f"  P9 {backend}: {n_open} открытых и {n_open} закрытых дел загружены за {filled.seconds:.1f} с")
            indexed, info = _sweep_times(url, reps)
            plan = _plan(url)
            before, before_info = _sweep_times(url, max(2, reps // 3), due_only=False)
            ddl = _indexes(url, drop=True, ddl={})
            unindexed, _ = _sweep_times(url, reps)
            _indexes(url, drop=False, ddl=ddl)
            p95, b95 = percentile(indexed, 95), percentile(unindexed, 95)
            indexed_plan = "ix_cases_open_due" in plan and "ix_cases_awaiting" in plan
            met = p95 * 1000 <= 200 and indexed_plan if backend == "postgresql" else None
            notes = [] if met in (True, None) else [f"цель не достигнута: p95 {p95 * 1000:.0f} мс"]
            if backend == "sqlite":
                notes.append("цель задана для PostgreSQL; на SQLite — для сведения")
            if n_open < 1_000_000:
                notes.append(f"измерено на {n_open:_} открытых делах, не на 1 млн".replace("_", " "))
            out.append(Result("P9", TITLE, backend, round(p95 * 1000, 1), "мс p95", round(b95 * 1000, 1), "мс p95",
                              "тот же проход без индексов сроков", ratio(b95, p95), "без индекса / с индексом", TARGET, met, notes,
                              {"open_cases": n_open, "closed_cases": n_open, "load_s": round(filled.seconds, 1), **info,
                               "indexed": summary_ms(indexed), "unindexed": summary_ms(unindexed),
                               "before_issue7_all_open_cases": {**summary_ms(before), **before_info}, "plan": plan}))
    return out
