"""P10 — the mixed soak over HTTP: 70 % case card reads, 20 % protocol autosaves, 10 % referral intake, 8 connections
(one expert / МИС each), first at saturation (the max rate of the mix), then paced at 70 % of it for 3 minutes (quick:
2 × 4 s) in consecutive segments (one wrk run each). Reported: errors (must be 0), p99 of the last segment vs the first
(drift ≤ 20 %), the server's resident memory after the soak vs before (growth ≤ 10 %).
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from bench.harness import Context, Result, benchmark, ratio
from bench.p04_autosave import autosave_args
from bench.server import Server, WrkResult, run_wrk, serve, wrk_available
from bench.world import World, build_world, content_type, make_pki, sign_referrals, write_bodies
from mse.adapters.db.engine import make_engine
from mse.adapters.db.tables import protocols

ID, TITLE = "P10", "Смешанная нагрузка (70 % чтение, 20 % автосохранение, 10 % приём) при 70 % от максимума"
TARGET = "0 ошибок; дрейф p99 ≤ 20 %; рост памяти ≤ 10 %"
CONNECTIONS, LOAD = 8, 0.70
DRIFT_TARGET, MEMORY_TARGET = 0.20, 0.10


def _sync_revisions(url: str, world: World) -> None:
    """Autosaves still in flight when wrk stopped were completed by the server: take the revisions from the database."""
    time.sleep(0.5)
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            world.revisions.update({int(r.id): int(r.revision) for r in c.execute(select(protocols.c.id, protocols.c.revision))})
    finally:
        engine.dispose()


def _mixed(server: Server, ctx: Context, url: str, world: World, bodies: Path, *, first: int, count: int, seconds: float,
           think_ms: float) -> WrkResult:
    _sync_revisions(url, world)
    paths = ",".join(f"/cases/{c}" for c in world.case_ids)
    args = [*autosave_args(world, world.protocol_ids, think_ms), paths, str(bodies), str(first), str(count), str(CONNECTIONS),
            world.token, content_type()]
    return run_wrk(server.base_url, "autosave+mixed", args, workdir=ctx.workdir, threads=CONNECTIONS, connections=CONNECTIONS,
                   seconds=seconds)


@benchmark(ID, TITLE, TARGET)
def run(ctx: Context) -> list[Result]:
    if not wrk_available():
        return [Result(ID, TITLE, "-", 0.0, "-", 0.0, "-", "-", 0.0, "-", TARGET, None, notes=["пропущен: нет wrk (scripts/bench-deps)"])]
    sat_s, seg_s, segments = ctx.size(20, 2), ctx.size(60, 4), ctx.size(3, 2)
    per_second_docs = ctx.size(30, 15)  # intake share of the mix is ~10 % of ≤ 300 req/s
    sat_docs, seg_docs = per_second_docs * sat_s, per_second_docs * seg_s
    pki = make_pki(ctx.workdir / "pki-p10")
    total_docs = sat_docs + segments * seg_docs
    ctx.log(f"  подпись {total_docs} направлений (вне замера) …")
    bodies = write_bodies(sign_referrals(pki, 0, total_docs), ctx.workdir / "p10-bodies")
    out = []
    for backend in ctx.backends():
        with ctx.database(backend) as url:
            world = build_world(url, pki, cases=ctx.size(100, CONNECTIONS + 2), first_doc=2_000_000)
            with serve(url, workdir=ctx.workdir, trusted_roots=pki.roots) as server:
                sat = _mixed(server, ctx, url, world, bodies, first=0, count=sat_docs, seconds=sat_s, think_ms=0)
                think = max(0.0, (CONNECTIONS / (LOAD * sat.rate) - 0.5 * CONNECTIONS / sat.rate) * 1000) if sat.rate else 100.0
                rss_before = server.rss_kib()
                runs = [_mixed(server, ctx, url, world, bodies, first=sat_docs + k * seg_docs, count=seg_docs, seconds=seg_s,
                               think_ms=think) for k in range(segments)]
                rss_after = server.rss_kib()
        out.append(_result(backend, sat, runs, think, rss_before, rss_after))
    return out


def _result(backend: str, sat: WrkResult, runs: list[WrkResult], think: float, rss_before: int, rss_after: int) -> Result:
    first, last = runs[0], runs[-1]
    errors = sum(r.errors for r in runs)
    drift = last.p99 / first.p99 - 1 if first.p99 else 0.0
    growth = rss_after / rss_before - 1 if rss_before else 0.0
    rate = sum(r.requests for r in runs) / sum(r.seconds for r in runs)
    notes = [*(["быстрый режим: отрезки по несколько секунд, дрейф p99 — шум, не вывод"] if first.requests < 1000 else []),
             f"ошибок {errors}", f"дрейф p99 {drift * 100:+.0f} %", f"рост памяти {growth * 100:+.1f} %",
             f"темп {rate:.0f}/с = {rate / sat.rate * 100:.0f} % от максимума {sat.rate:.0f}/с" if sat.rate else "максимум не измерен"]
    if sat.errors:
        notes.append(f"ошибки при насыщении: {sat.statuses} {sat.extra.get('x_counts')}")
    met = errors == 0 and drift <= DRIFT_TARGET and growth <= MEMORY_TARGET
    return Result(ID, TITLE, backend, round(last.p99 * 1000, 2), "мс p99 (последний отрезок)", round(first.p99 * 1000, 2),
                  "мс p99", "первый отрезок того же прогона", ratio(last.p99, first.p99), "последний / первый", TARGET, met,
                  notes=notes, details={"saturation": sat.summary(), "segments": [r.summary() for r in runs], "think_ms": round(think, 1),
                                        "rss_kib_before": rss_before, "rss_kib_after": rss_after, "errors": errors,
                                        "p99_drift": round(drift, 3), "memory_growth": round(growth, 3), "connections": CONNECTIONS})
