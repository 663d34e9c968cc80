"""The benchmark harness behind `mse bench`: a registry of benchmarks P1…P11, each measuring its figure AND its
baseline in the same run, and the reports (JSON, Markdown table, files under bench/results/).

A benchmark is a function `run(ctx: Context) -> list[Result]` registered with `@benchmark("P2", title, target)` in a
module of `bench/` listed in `bench/suite.py`. It returns one Result per backend (SQLite, PostgreSQL) or per variant.
Rules (issue 7): not a timed unit test — no assertion on speed; the target is reported as met / missed; quick mode
(`ctx.quick`) only shrinks the sizes so the whole suite is a smoke check in CI.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


@dataclass
class Result:
    """One measured figure next to its baseline measured in the same run.

    `ratio` is defined per benchmark by `ratio_label` (e.g. "конвейер / голая запись" or "p99 / orjson.loads");
    `met` is whether the issue's target holds (None: the target does not apply to this backend/variant)."""

    id: str
    title: str
    variant: str  # backend or variant: "sqlite", "postgresql", "protocol", …
    figure: float
    unit: str
    baseline: float
    baseline_unit: str
    baseline_label: str
    ratio: float
    ratio_label: str
    target: str
    met: bool | None
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0  # wall time the benchmark took (filled by the harness)


@dataclass(frozen=True)
class Spec:
    id: str
    title: str
    target: str
    run: Callable[[Context], list[Result]]
    needs_pg: bool = False


@dataclass
class Context:
    quick: bool
    workdir: Path  # a temporary directory the run owns (SQLite files, PKI, bodies)
    pg_url: str | None  # a PostgreSQL server URL (any database): benchmarks create their own database on it
    seed: int = 2026
    log: Callable[[str], None] = print

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def backends(self) -> list[str]:
        return ["sqlite", "postgresql"] if self.pg_url else ["sqlite"]

    @contextmanager
    def database(self, backend: str, *, migrate: bool = True) -> Iterator[str]:
        """A fresh, migrated, empty database of `backend`; dropped (PG) or deleted (SQLite) afterwards."""
        from mse.adapters.db.migrate import upgrade

        if backend == "sqlite":
            path = self.workdir / f"bench-{uuid.uuid4().hex[:8]}.sqlite3"
            url = f"sqlite:///{path}"
            try:
                if migrate:
                    upgrade(url)
                yield url
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        if not self.pg_url:
            raise RuntimeError("PostgreSQL недоступен: укажите --pg-url или MSE_BENCH_PG_URL")
        admin = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
        name = f"mse_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(self.pg_url).set(database=name).render_as_string(hide_password=False)
        try:
            if migrate:
                upgrade(url)
            yield url
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    def pg_settings(self) -> dict[str, str]:
        """fsync / synchronous_commit of the server: a throwaway cluster runs without durability — say so."""
        if not self.pg_url:
            return {}
        engine = create_engine(self.pg_url)
        try:
            with engine.connect() as c:
                rows = c.execute(text("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')"))
                return {r[0]: r[1] for r in rows}
        finally:
            engine.dispose()


REGISTRY: dict[str, Spec] = {}


def benchmark(id: str, title: str, target: str, *, needs_pg: bool = False) -> Callable[[Callable[[Context], list[Result]]],
                                                                                     Callable[[Context], list[Result]]]:
    def register(fn: Callable[[Context], list[Result]]) -> Callable[[Context], list[Result]]:
        if id in REGISTRY:
            raise ValueError(f"benchmark {id} registered twice")
        REGISTRY[id] = Spec(id, title, target, fn, needs_pg)
        return fn
    return register


# ---- measuring -------------------------------------------------------------------------------------------------------

def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0–100, inclusive method); a single sample is its own percentile."""
    if not samples:
        raise ValueError("no samples")
    if len(samples) == 1:
        return samples[0]
    q = statistics.quantiles(samples, n=1000, method="inclusive")
    return q[min(len(q) - 1, max(0, round(p * 10) - 1))]


def timings(fn: Callable[[], object], n: int, *, warmup: int = 3) -> list[float]:
    """Seconds per call of `fn`, n calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def summary_ms(samples: list[float]) -> dict[str, float]:
    return {"n": len(samples), "p50_ms": round(percentile(samples, 50) * 1000, 3),
            "p95_ms": round(percentile(samples, 95) * 1000, 3), "p99_ms": round(percentile(samples, 99) * 1000, 3),
            "mean_ms": round(statistics.fmean(samples) * 1000, 3)}


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("inf")


# ---- running and reporting ---------------------------------------------------------------------------------------------

def failed(spec: Spec, exc: BaseException) -> Result:
    """A benchmark that crashed is reported as such (never silently dropped)."""
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return Result(spec.id, spec.title, "-", 0.0, "-", 0.0, "-", "-", 0.0, "-", spec.target, False,
                  notes=[f"ОШИБКА: {last}"])


def skipped(spec: Spec, reason: str) -> Result:
    return Result(spec.id, spec.title, "-", 0.0, "-", 0.0, "-", "-", 0.0, "-", spec.target, None, notes=[f"пропущен: {reason}"])


def run(ids: list[str], ctx: Context) -> list[Result]:
    out: list[Result] = []
    for bid in ids:
        spec = REGISTRY[bid]
        if spec.needs_pg and not ctx.pg_url:
            out.append(skipped(spec, "нужен PostgreSQL (--pg-url / MSE_BENCH_PG_URL)"))
            continue
        ctx.log(f"{spec.id} {spec.title} …")
        t0 = time.perf_counter()
        try:
            results = spec.run(ctx)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            results = [failed(spec, exc)]
        took = round(time.perf_counter() - t0, 2)
        for r in results:
            r.seconds = took
        out.extend(results)
    return out


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "system": platform.system(), "release": platform.release()}


def report(results: list[Result], *, quick: bool, pg_settings: dict[str, str]) -> dict[str, Any]:
    return {"format": "mse-bench/1", "at": datetime.now(UTC).isoformat(timespec="seconds"), "quick": quick,
            "machine": machine(), "postgresql": pg_settings, "results": [asdict(r) for r in results]}


def _num(x: float) -> str:
    if x == float("inf"):
        return "∞"
    return f"{x:,.0f}".replace(",", " ") if abs(x) >= 100 else f"{x:.3g}"


def markdown(results: list[Result]) -> str:
    lines = ["| # | что | вариант | результат | база | отношение | цель | выполнена |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        mark = {True: "да", False: "НЕТ", None: "—"}[r.met]
        fig = f"{_num(r.figure)} {r.unit}" if r.unit != "-" else "—"
        base = f"{_num(r.baseline)} {r.baseline_unit} ({r.baseline_label})" if r.baseline_unit != "-" else "—"
        rat = f"{_num(r.ratio)} ({r.ratio_label})" if r.ratio_label != "-" else "—"
        note = f" — {'; '.join(r.notes)}" if r.notes else ""
        lines.append(f"| {r.id} | {r.title}{note} | {r.variant} | {fig} | {base} | {rat} | {r.target} | {mark} |")
    return "\n".join(lines) + "\n"


def _id_order(benchmark_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in benchmark_id if ch.isdigit())
    return (int(digits) if digits else 0, benchmark_id)


def latest(directory: Path, *, quick: bool) -> tuple[dict[str, Any] | None, list[Result], dict[str, str]]:
    """The newest figures of every benchmark across the saved runs: each benchmark's rows come whole from the newest run
    that measured it (a partial re-run, e.g. `mse bench P9`, replaces P9 only). Returns the newest document, the rows
    and, per benchmark, the run they come from."""
    suffix = "-quick.json"
    files = sorted((f for f in directory.glob("2*.json") if f.name.endswith(suffix) == quick), reverse=True)
    newest: dict[str, Any] | None = None
    taken: dict[str, str] = {}
    rows: list[Result] = []
    for f in files:
        doc = json.loads(f.read_text(encoding="utf-8"))
        newest = newest or doc
        fresh = [r for r in doc.get("results", []) if r["id"] not in taken]
        for r in fresh:
            rows.append(Result(**r))
        for r in fresh:
            taken[r["id"]] = doc.get("at", f.stem)
    rows.sort(key=lambda r: _id_order(r.id))
    return newest, rows, taken


def write(doc: dict[str, Any], results: list[Result], directory: Path = RESULTS_DIR) -> tuple[Path, Path]:
    """bench/results/<UTC stamp>[-quick].json, and latest[-quick].md: the newest figure of every benchmark over all saved
    runs, each with the run it comes from. Written to a temp name and renamed (atomic)."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if doc["quick"] else ""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    js, md = directory / f"{stamp}{suffix}.json", directory / f"latest{suffix}.md"
    _atomic(js, json.dumps(doc, ensure_ascii=False, indent=1))
    _, rows, runs = latest(directory, quick=bool(doc["quick"]))
    by_run: dict[str, list[str]] = {}
    for benchmark_id, at in runs.items():
        by_run.setdefault(at, []).append(benchmark_id)
    sources = "; ".join(f"{', '.join(sorted(ids, key=_id_order))} — {at}" for at, ids in sorted(by_run.items(), reverse=True))
    _atomic(md, f"# Результаты бенчмарков (последние по каждому бенчмарку{', быстрый режим' if doc['quick'] else ''})\n\n"
                f"Прогоны: {sources}\n\n"
                f"Машина: {doc['machine']}; PostgreSQL: {doc['postgresql'] or 'нет'}\n\n" + markdown(rows))
    return js, md


def _atomic(path: Path, body: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(path)
