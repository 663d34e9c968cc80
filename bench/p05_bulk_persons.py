"""P5 — bulk import of persons: the generator's bulk person path against a bare Core insert of the same rows.

Per backend, two fresh migrated databases, each with the institution tree of a tiny generated year (the persons'
bureaus and referring organisations). Rows are drawn before timing (their drawing rate is in `details`). Timed:
* figure — `mse.demo.national` bulk path: per person the `persons` row with its search keys (normalize_name), one
  identity document and one address (what the generator writes per person), through `BulkWriter` — PostgreSQL
  `COPY`, SQLite one driver-level executemany — in transactions of 5,000 persons;
* baseline — `conn.execute(insert(persons), [dicts…])` (SQLAlchemy Core executemany) of the same `persons` rows
  only, same chunks, into the other database.
The figure is persons per second (each with its document and address: three rows); rows per second in `details`.
Targets (issue 7): PostgreSQL ≥ 30 000 rows/s, SQLite ≥ 150 000 rows/s.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from sqlalchemy import insert, select

from bench.harness import Context, Result, benchmark, ratio
from mse.adapters.db import tables as t
from mse.adapters.db.engine import make_engine
from mse.demo.national import persons as ps
from mse.demo.national.generate import generate
from mse.demo.national.writer import BulkWriter

TITLE = "Массовая загрузка граждан"
TARGET = "PostgreSQL ≥ 30 000 строк/с, SQLite ≥ 150 000 строк/с"
GOAL = {"postgresql": 30_000, "sqlite": 150_000}
CHUNK = 5_000
TREE_SCALE = 0.00004  # 100 referrals: the tree of 89 subjects is what the persons need


def _prepare(url: str, n: int, seed: int) -> tuple[ps.PersonBatch, float]:
    engine = make_engine(url)
    try:
        generate(engine, scale=TREE_SCALE, seed=seed)
        with engine.connect() as conn:
            names = {r.code: r.name for r in conn.execute(select(t.regions))}
            bureaus: dict[str, list[int]] = {}
            for uid, code in conn.execute(select(t.org_units.c.id, t.org_units.c.region_code).where(t.org_units.c.kind == "bureau")):
                bureaus.setdefault(code, []).append(uid)
            orgs: dict[str, list[int]] = {}
            for oid, code in conn.execute(select(t.medical_orgs.c.id, t.medical_orgs.c.region_code)):
                orgs.setdefault(code, []).append(oid)
            taken = set(conn.execute(select(t.persons.c.snils)).scalars())
            first = BulkWriter(conn).next_id(t.persons)
    finally:
        engine.dispose()
    rng = random.Random(f"p5:{seed}")
    codes = sorted(bureaus)
    maker = ps.PersonMaker(rng, ps.SnilsSource(seed, taken), year=2025, now=datetime(2025, 6, 1, 6, tzinfo=UTC),
                           region_names=names)
    started = time.perf_counter()
    batch = maker.batch(range(first, first + n), first, first, rng.choices(codes, k=n),
                        lambda code, _age: (rng.choice(bureaus[code]), rng.choice(orgs[code])))
    return batch, time.perf_counter() - started


def _product(url: str, batch: ps.PersonBatch) -> float:
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        with engine.connect() as conn:
            w = BulkWriter(conn)
            for i in range(0, len(batch.persons), CHUNK):
                w.write(t.persons, ps.PERSON_COLUMNS, batch.persons[i:i + CHUNK])
                w.write(t.person_documents, ps.DOCUMENT_COLUMNS, batch.documents[i:i + CHUNK])
                w.write(t.person_addresses, ps.ADDRESS_COLUMNS, batch.addresses[i:i + CHUNK])
                conn.commit()
            for table in (t.persons, t.person_documents, t.person_addresses):
                w.sync_sequence(table)
            conn.commit()
        return time.perf_counter() - started
    finally:
        engine.dispose()


def _bare(url: str, batch: ps.PersonBatch) -> float:
    engine = make_engine(url)
    rows = [dict(zip(ps.PERSON_COLUMNS, r, strict=True)) for r in batch.persons]
    try:
        started = time.perf_counter()
        with engine.connect() as conn:
            for i in range(0, len(rows), CHUNK):
                conn.execute(insert(t.persons), rows[i:i + CHUNK])
                conn.commit()
        return time.perf_counter() - started
    finally:
        engine.dispose()


@benchmark("P5", TITLE, TARGET)
def run(ctx: Context) -> list[Result]:
    n = ctx.size(100_000, 5_000)
    out = []
    for backend in ctx.backends():
        with ctx.database(backend) as product_url, ctx.database(backend) as bare_url:
            batch, drawn = _prepare(product_url, n, ctx.seed)
            _prepare(bare_url, 0, ctx.seed)  # the same tree, so the baseline's foreign keys hold
            product = _product(product_url, batch)
            bare = _bare(bare_url, batch)
        persons_s, bare_s = n / product, n / bare
        met = persons_s >= GOAL[backend]
        notes = [] if met else [f"ниже цели: {persons_s:,.0f} граждан/с (три строки на гражданина) при цели "
                                f"{GOAL[backend]:,} строк/с".replace(",", " ")]
        out.append(Result("P5", TITLE, backend, round(persons_s), "граждан/с", round(bare_s), "строк/с",
                          "голый Core insert в persons", ratio(persons_s, bare_s), "путь генератора / голая вставка",
                          TARGET, met, notes,
                          details={"persons": n, "rows_written": 3 * n, "rows_per_s": round(3 * n / product),
                                   "seconds": round(product, 3), "baseline_seconds": round(bare, 3),
                                   "drawing_persons_per_s": round(n / drawn) if drawn else None,
                                   "path": "COPY" if backend == "postgresql" else "executemany (драйвер)"}))
    return out
