"""P3 — the case card read over HTTP: `GET /cases/{id}` (the staff's case card: the case, its state and citizen's
status, the actions, the protocol link, the history page — 24 history rows per case here) at 32 concurrent
connections, p95, vs `GET /healthz` of the same server at the same concurrency; and the number of SQL statements one
read issues (counted in-process with a before_cursor_execute listener; target ≤ 5).
"""

from __future__ import annotations

from bench.harness import Context, Result, benchmark, ratio
from bench.server import WrkResult, count_statements, healthz_rate, run_wrk, serve, wrk_available
from bench.world import build_world, make_pki

ID, TITLE = "P3", "Карточка дела по HTTP при 32 одновременных соединениях"
TARGET = "p95 ≤ 20 мс при 32 соединениях; ≤ 5 SQL-запросов на чтение"
P95_TARGET, STATEMENTS_TARGET, CONNECTIONS = 0.020, 5, 32


@benchmark(ID, TITLE, TARGET)
def run(ctx: Context) -> list[Result]:
    if not wrk_available():
        return [Result(ID, TITLE, "-", 0.0, "-", 0.0, "-", "-", 0.0, "-", TARGET, None, notes=["пропущен: нет wrk (scripts/bench-deps)"])]
    cases, seconds, health_s = ctx.size(200, 10), ctx.size(20, 3), ctx.size(8, 1)
    pki = make_pki(ctx.workdir / "pki-p3")
    out = []
    for backend in ctx.backends():
        with ctx.database(backend) as url:
            world = build_world(url, pki, cases=cases)
            headers = {"Cookie": world.expert.cookie}
            n_sql, sql, status = count_statements(url, pki.roots, "GET", f"/cases/{world.case_ids[0]}", headers=headers)
            paths = ",".join(f"/cases/{c}" for c in world.case_ids)
            with serve(url, workdir=ctx.workdir, trusted_roots=pki.roots) as server:
                health = healthz_rate(server, workdir=ctx.workdir, seconds=health_s, connections=CONNECTIONS)
                card = run_wrk(server.base_url, "get", ["0", paths, f"Cookie: {world.expert.cookie}"], workdir=ctx.workdir,
                               threads=2, connections=CONNECTIONS, seconds=seconds)
                alone = run_wrk(server.base_url, "get", ["0", paths, f"Cookie: {world.expert.cookie}"], workdir=ctx.workdir,
                                threads=1, connections=1, seconds=health_s)
        out.append(_result(backend, health, card, alone, n_sql, sql, status, cases))
    return out


def _result(backend: str, health: WrkResult, card: WrkResult, alone: WrkResult, n_sql: int, sql: list[str], status: int,
            cases: int) -> Result:
    notes = []
    if card.p95 > P95_TARGET:  # closed loop: latency ≈ connections / throughput (Little's law)
        notes.append(f"при 32 соединениях p95 ≈ 32 / пропускная способность ({card.rate:.0f}/с); "
                     f"одно соединение: p50 {alone.p50 * 1000:.1f} мс, p95 {alone.p95 * 1000:.1f} мс")
    if card.errors or status != 200:
        notes.append(f"ошибки: {card.statuses} {card.socket_errors}; проверочный запрос: {status}")
    if n_sql > STATEMENTS_TARGET:
        notes.append(f"SQL-запросов на чтение карточки: {n_sql} (цель ≤ {STATEMENTS_TARGET})")
    met = card.p95 <= P95_TARGET and n_sql <= STATEMENTS_TARGET and not card.errors
    return Result(ID, TITLE, backend, round(card.p95 * 1000, 2), "мс p95", round(health.p95 * 1000, 2), "мс p95",
                  f"GET /healthz, {CONNECTIONS} соединений", ratio(card.p95, health.p95), "карточка / healthz", TARGET, met,
                  notes=notes, details={"card": card.summary(), "card_one_connection": alone.summary(), "healthz": health.summary(), "cases": cases,
                                        "sql_statements": n_sql, "sql": sql, "connections": CONNECTIONS})
