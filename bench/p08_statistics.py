"""P8 — statistics over one national year (subject × month × disability group × case outcome): the answer from the
rollups against the raw GROUP BY over the decisions of the same generated year, measured in the same run.

Per backend: a fresh database, a synthetic year by `mse.demo.national.generate` (quick: scale 0.004 ≈ 10 000
referrals; full: scale 0.05 ≈ 125 000 referrals — what generates in about two minutes here; MSE_BENCH_P8_SCALE sets
another), `statistics.refresh`.
Timed (one connection, warm):
* figure — `StatisticsRepository.cells(all four dimensions)`: the whole cube of the year from `stat_rollups`;
* baseline — `StatisticsRepository.live_cells(same)`: decisions ⋈ cases ⋈ org_units, GROUP BY the same four keys.
Both answers are compared cell by cell (and by two other cuts): the numbers must be identical. Targets (issue 7):
≤ 100 ms p95 from rollups, ≥ 10× faster than the raw GROUP BY. The raw query grows with the number of decisions;
the rollups with the number of cells only (≤ 89 × 12 × 5 × the states in use), so the ratio at scale 1 is larger.
"""

from __future__ import annotations

import os
import time

from bench.harness import Context, Result, benchmark, percentile, ratio, summary_ms, timings
from mse.adapters.db.engine import make_engine
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.demo.national.generate import generate
from mse.domain.identity import SYSTEM_ACTOR
from mse.domain.ports import SystemClock
from mse.services import statistics
from mse.services.statistics_ports import ALL_DIMENSIONS, Dimension, StatFilter

TITLE = "Статистика за национальный год"
TARGET = "≤ 100 мс из сводов, числа совпадают с прямым запросом, ≥ 10× быстрее GROUP BY"
YEAR = 2025
CUTS: tuple[tuple[Dimension, ...], ...] = (ALL_DIMENSIONS, (Dimension.REGION, Dimension.GROUP), (Dimension.MONTH,))


@benchmark("P8", TITLE, TARGET)
def run(ctx: Context) -> list[Result]:
    scale = 0.004 if ctx.quick else float(os.environ.get("MSE_BENCH_P8_SCALE", "0.05"))
    out = []
    for backend in ctx.backends():
        with ctx.database(backend) as url:
            engine = make_engine(url)
            try:
                out.append(_measure(ctx, backend, engine, scale))
            finally:
                engine.dispose()
    return out


def _measure(ctx: Context, backend: str, engine: object, scale: float) -> Result:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    started = time.perf_counter()
    made = generate(engine, scale=scale, seed=ctx.seed, year=YEAR)
    generated_s = time.perf_counter() - started
    done = statistics.refresh(lambda: SqlAlchemyUnitOfWork(engine), SYSTEM_ACTOR, YEAR, SystemClock())
    f = StatFilter(YEAR)
    with SqlAlchemyUnitOfWork(engine) as uow:
        repo = uow.statistics
        identical = all(repo.cells(by, f) == repo.live_cells(by, f) for by in CUTS)
        fast = timings(lambda: repo.cells(ALL_DIMENSIONS, f), ctx.size(50, 20), warmup=3)
        raw = timings(lambda: repo.live_cells(ALL_DIMENSIONS, f), ctx.size(7, 3), warmup=1)
        service = timings(lambda: statistics.table(uow, YEAR), ctx.size(20, 5), warmup=1)
    p95, raw_p50 = percentile(fast, 95) * 1000, percentile(raw, 50) * 1000
    speedup = ratio(raw_p50, p95)
    met = identical and p95 <= 100 and speedup >= 10
    notes = [] if identical else ["ЧИСЛА РАСХОДЯТСЯ со свежим GROUP BY"]
    if p95 > 100:
        notes.append(f"p95 из сводов {p95:.0f} мс > 100 мс")
    if speedup < 10:
        notes.append(f"ускорение {speedup}× < 10× на малом масштабе {scale}: прямой запрос растёт с числом решений, "
                     "своды — только с числом ячеек")
    return Result("P8", TITLE, backend, round(p95, 2), "мс p95", round(raw_p50, 1), "мс p50", "GROUP BY по решениям",
                  speedup, "прямой запрос / своды", TARGET, met, notes,
                  details={"scale": scale, "decisions": done.source_rows, "cells": done.cells, "identical": identical,
                           "refresh_ms": done.millis, "rollups": summary_ms(fast), "raw": summary_ms(raw),
                           "service_table": summary_ms(service), "generated_rows": made.total_rows,
                           "generate_seconds": round(generated_s, 1),
                           "generate_rows_per_s": round(made.total_rows / generated_s) if generated_s else None})
