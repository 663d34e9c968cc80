"""P6 — person search among N persons on PostgreSQL: a surname with a typo (pg_trgm), surname + date of birth, СНИЛС —
p95 of the product's repository search (`PeopleRepository.search`, what `services.persons.search_persons` runs, without
its audit row) against the same calls in a session with index scans disabled (`enable_indexscan = off`,
`enable_bitmapscan = off`), measured in the same run on the same data. The typo query also reports recall@10.

Data (bench/fill.py): N persons with ~44 000 distinct synthetic surnames (Zipf-like: a few common, a long tail) loaded by
COPY with the search indexes dropped and rebuilt afterwards. The typo query is what a registrar types: one wrong,
missing, doubled or swapped letter in the surname plus the exact first name. recall@10 = share of the persons with the
intended (correct) surname and that name found in the first 10 hits, capped at 10 (min(10, relevant)).
Full size: MSE_BENCH_P6_PERSONS (default 2 000 000; the issue's 10 M takes too long to load on the 2-core machine —
the note says what was measured and how it extrapolates).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, text

from bench.fill import PersonSpec, fill_persons, sample_persons, typo
from bench.harness import Context, Result, benchmark, percentile, ratio, summary_ms

TITLE = "Поиск гражданина"
TARGET = "p95 ≤ 200 / 20 / 5 мс (опечатка / фамилия + дата рождения / СНИЛС); recall@10 ≥ 0,95"
LIMITS = {"typo": 200.0, "surname_birth": 20.0, "snils": 5.0}
NO_INDEX = "-c enable_indexscan=off -c enable_bitmapscan=off"


def _searcher(url: str, options: str | None) -> tuple[Callable[[Any], tuple[list[Any], int]], Callable[[], None]]:
    from mse.adapters.db.repositories.people import PeopleRepository
    from mse.domain.policy import PersonFilter

    engine = create_engine(url, connect_args={"options": options} if options else {})
    conn = engine.connect()
    repo = PeopleRepository(conn)
    scope = PersonFilter(unit_path_prefix="/1/")  # a main bureau's expert: every bench bureau is under /1/

    def search(query: Any) -> tuple[list[Any], int]:
        out = repo.search(query, scope, limit=10, offset=0)
        conn.rollback()
        return out

    def close() -> None:
        conn.close()
        engine.dispose()
    return search, close


def _queries(sample: list[PersonSpec], seed: int) -> dict[str, list[Any]]:
    from mse.services.ports import PersonQuery

    rnd = random.Random(seed)
    return {
        "typo": [PersonQuery(surname=typo(p.surname.lower(), rnd), name=p.name, fuzzy=True) for p in sample],
        "surname_birth": [PersonQuery(surname=p.surname, birth_date=p.birth_date) for p in sample],
        "snils": [PersonQuery(snils=p.snils) for p in sample],
    }


def _recall(url: str, sample: list[PersonSpec], hits: list[list[int]]) -> float:
    from mse.domain.values import normalize_name

    engine = create_engine(url)
    scores = []
    with engine.connect() as c:
        for p, got in zip(sample, hits, strict=True):
            relevant = {r[0] for r in c.execute(text("SELECT id FROM persons WHERE surname_key = :s AND name_key = :n"),
                                                {"s": normalize_name(p.surname), "n": normalize_name(p.name)})}
            scores.append(len(relevant & set(got)) / min(10, len(relevant)))
    engine.dispose()
    return sum(scores) / len(scores)


def _time(search: Callable[[Any], tuple[list[Any], int]], queries: list[Any]) -> tuple[list[float], list[list[int]]]:
    search(queries[0])  # warm the connection and the plan cache
    samples, hits = [], []
    for q in queries:
        t0 = time.perf_counter()
        rows, _ = search(q)
        samples.append(time.perf_counter() - t0)
        hits.append([r.id for r in rows])
    return samples, hits


@benchmark("P6", TITLE, TARGET, needs_pg=True)
def run(ctx: Context) -> list[Result]:
    n = ctx.size(int(os.environ.get("MSE_BENCH_P6_PERSONS", "2000000")), 150_000)
    k, k_base = ctx.size(200, 60), ctx.size(10, 8)  # the unindexed typo query reads every row: 5 of them at most
    out: list[Result] = []
    with ctx.database("postgresql") as url:
        engine = create_engine(url)
        load, build = fill_persons(engine, n, ctx.seed)
        sample = sample_persons(engine, k, ctx.seed)
        engine.dispose()
        ctx.log(f"  P6: {n} граждан загружены за {load.seconds:.1f} с (COPY), индексы построены за {build.seconds:.1f} с")
        queries = _queries(sample, ctx.seed)
        indexed, close = _searcher(url, None)
        unindexed, close_base = _searcher(url, NO_INDEX)
        try:
            for kind, qs in queries.items():
                times, hits = _time(indexed, qs)
                base, base_hits = _time(unindexed, qs[:min(k_base, 5) if kind == "typo" else k_base])
                p95, b95 = percentile(times, 95), percentile(base, 95)
                details: dict[str, Any] = {"persons": n, "queries": len(qs), "load_s": round(load.seconds, 1),
                                           "load_rows_per_s": round(load.per_second), "index_build_s": round(build.seconds, 1),
                                           "indexed": summary_ms(times), "no_index_scans": summary_ms(base),
                                           "same_hits_as_no_index": hits[:len(base_hits)] == base_hits}
                notes = []
                met = p95 * 1000 <= LIMITS[kind]
                if kind == "typo":
                    recall = _recall(url, sample, hits)
                    details["recall_at_10"] = round(recall, 3)
                    met = met and recall >= 0.95
                    notes.append(f"recall@10 = {recall:.3f}")
                if not met:
                    notes.append(f"цель не достигнута (p95 {p95 * 1000:.1f} мс, порог {LIMITS[kind]:g} мс)")
                if n < 10_000_000:
                    notes.append(f"измерено на {n:_} гражданах, не на 10 млн".replace("_", " "))
                out.append(Result("P6", TITLE, f"postgresql-{kind}", round(p95 * 1000, 3), "мс p95", round(b95 * 1000, 3), "мс p95",
                                  "тот же запрос без индексного доступа", ratio(b95, p95), "без индекса / с индексом",
                                  f"p95 ≤ {LIMITS[kind]:g} мс" + ("; recall@10 ≥ 0,95" if kind == "typo" else ""), met, notes, details))
        finally:
            close()
            close_base()
    return out
