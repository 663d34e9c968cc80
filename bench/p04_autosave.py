"""P4 — protocol autosave over HTTP: `PATCH /api/v1/protocols/{id}` changing 10 text items of a protocol with ≈250
filled items (of the ~800 of form 389н): p95 of one expert saving in a loop (what an expert waits for, comparable to
the baseline: the p95 of a one-row insert transaction — one INSERT + COMMIT through SQLAlchemy Core — on the same
database in the same run, sequential); in the details also 8 experts at once, each on his own protocol.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from sqlalchemy import insert

from bench.harness import Context, Result, benchmark, percentile, ratio
from bench.server import WrkResult, count_statements, run_wrk, serve, wrk_available
from bench.world import World, build_world, make_pki
from mse.adapters.db.engine import make_engine
from mse.adapters.db.tables import incoming_documents

ID, TITLE = "P4", "Автосохранение протокола по HTTP (10 пунктов из ~800)"
TARGET = "p95 ≤ 30 мс; ≤ 1,5× вставки одной строки в транзакции"
P95_TARGET, RATIO_TARGET, EXPERTS = 0.030, 1.5, 8


def one_row_inserts(url: str, n: int) -> list[float]:
    """Seconds per committed one-row INSERT (a small incoming_documents row), sequential, after a warm-up."""
    engine = make_engine(url)
    try:
        out = []
        for i in range(n + 5):
            body = f"строка {i}".encode()
            t0 = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(insert(incoming_documents).values(
                    received_at=datetime.now(UTC), channel="import", content_type="text/plain", filename=f"p4-{i}.txt",
                    body=body, body_sha256=f"{i:064d}", size=len(body), status="accepted"))
            if i >= 5:
                out.append(time.perf_counter() - t0)
        return out
    finally:
        engine.dispose()


def autosave_args(world: World, protocol_ids: list[int], think_ms: float = 0.0) -> list[str]:
    return [f"{think_ms:.1f}", ",".join(map(str, protocol_ids)), ",".join(str(world.revisions[p]) for p in protocol_ids),
            ",".join(world.autosave_keys), world.expert.cookie, world.expert.csrf]


@benchmark(ID, TITLE, TARGET)
def run(ctx: Context) -> list[Result]:
    if not wrk_available():
        return [Result(ID, TITLE, "-", 0.0, "-", 0.0, "-", "-", 0.0, "-", TARGET, None, notes=["пропущен: нет wrk (scripts/bench-deps)"])]
    seconds, inserts = ctx.size(20, 2), ctx.size(2000, 200)
    pki = make_pki(ctx.workdir / "pki-p4")
    out = []
    for backend in ctx.backends():
        with ctx.database(backend) as url:
            world = build_world(url, pki, cases=EXPERTS + 2)
            spare = world.protocol_ids.pop()  # the statement count changes its own protocol, not one wrk saves
            body = json.dumps({"revision": world.revisions[spare], "changes": dict.fromkeys(world.autosave_keys, "Проверка")},
                              ensure_ascii=False).encode()
            headers = {"Cookie": world.expert.cookie, "X-CSRF-Token": world.expert.csrf, "Content-Type": "application/json"}
            n_sql, sql, status = count_statements(url, pki.roots, "PATCH", f"/api/v1/protocols/{spare}", headers=headers, body=body,
                                                  warmup=0)
            base = one_row_inserts(url, inserts)
            with serve(url, workdir=ctx.workdir, trusted_roots=pki.roots) as server:
                alone, others = world.protocol_ids[:1], world.protocol_ids[1:]
                save = run_wrk(server.base_url, "autosave", autosave_args(world, alone), workdir=ctx.workdir, threads=1,
                               connections=1, seconds=seconds)
                many = run_wrk(server.base_url, "autosave", autosave_args(world, others), workdir=ctx.workdir, threads=EXPERTS,
                               connections=EXPERTS, seconds=seconds)
        out.append(_result(backend, save, many, base, n_sql, sql, status, world.protocol_items))
    return out


def _result(backend: str, save: WrkResult, many: WrkResult, base: list[float], n_sql: int, sql: list[str],
            status: int, items: int) -> Result:
    base_p95 = percentile(base, 95)
    notes = []
    if save.errors or many.errors or status != 200:
        notes.append(f"ошибки: {save.statuses} {many.statuses} {save.socket_errors}; проверочный запрос: {status}")
    if save.p95 > P95_TARGET or save.p95 > RATIO_TARGET * base_p95:
        notes.append(f"причина: {n_sql} SQL-запросов на сохранение (сеанс 1, протокол с подписями 2, запись 2, аудит 1), "
                     "проверка формы и ответ с полным протоколом — ~10–15 мс Python на запрос в одном процессе")
    met = save.p95 <= P95_TARGET and save.p95 <= RATIO_TARGET * base_p95 and not save.errors
    return Result(ID, TITLE, backend, round(save.p95 * 1000, 2), "мс p95", round(base_p95 * 1000, 3), "мс p95",
                  "INSERT одной строки + COMMIT", ratio(save.p95, base_p95), "автосохранение / вставка", TARGET, met, notes=notes,
                  details={"autosave": {**save.summary(), "connections": 1},
                           "autosave_concurrent": {**many.summary(), "connections": EXPERTS},
                           "insert": {"n": len(base), "p50_ms": round(percentile(base, 50) * 1000, 3),
                                      "p95_ms": round(base_p95 * 1000, 3)},
                           "protocol_items": items, "sql_statements": n_sql, "sql": sql})
