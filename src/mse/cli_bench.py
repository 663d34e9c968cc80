"""`mse bench [P1 P2 …] [--quick] [--format json]`: the benchmark suite of `bench/` (issue 7).

The suite lives in the checkout's `bench/` folder, not in the installed package: benchmarks import test builders and
are run by operators and CI from a checkout. PostgreSQL: `--pg-url URL`, else MSE_BENCH_PG_URL / MSE_TEST_PG_URL, else
a throwaway cluster started with `scripts/pg-throwaway` when the server binaries are installed (`--pg-url none` skips).

Registered from cli.py with `register(app)`.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)
CHECKOUT = Path(__file__).resolve().parents[2]


def register(app: typer.Typer) -> None:
    app.command("bench")(bench_command)


def _suite() -> tuple[ModuleType, ModuleType]:
    if not (CHECKOUT / "bench" / "suite.py").is_file():
        console.print("[red]Папка bench/ не найдена: бенчмарки запускаются из рабочей копии репозитория.[/red]")
        raise typer.Exit(2)
    if str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
    return importlib.import_module("bench.harness"), importlib.import_module("bench.suite")


@contextmanager
def _postgres(choice: str | None) -> Iterator[str | None]:
    if choice == "none":
        yield None
        return
    url = choice or os.environ.get("MSE_BENCH_PG_URL") or os.environ.get("MSE_TEST_PG_URL")
    if url:
        yield url
        return
    script = CHECKOUT / "scripts" / "pg-throwaway"
    if not script.is_file() or not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        console.print("[yellow]PostgreSQL не установлен: бенчмарки только на SQLite (scripts/system-deps установит сервер).[/yellow]")
        yield None
        return
    pgdir = tempfile.mkdtemp(prefix="mse-bench-pg-")
    try:
        started = subprocess.run([str(script), "start", pgdir], check=True, capture_output=True, text=True)  # noqa: S603
        console.print("Запущен временный сервер PostgreSQL для бенчмарков")
        yield started.stdout.strip()
    finally:
        subprocess.run([str(script), "stop", pgdir], check=False, capture_output=True)  # noqa: S603


def bench_command(
    names: Annotated[list[str] | None, typer.Argument(help="Какие бенчмарки (P1 … P11); по умолчанию все")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Быстрый режим: малые объёмы, проверка работоспособности")] = False,
    fmt: Annotated[str, typer.Option("--format", help="Формат вывода: text или json")] = "text",
    pg_url: Annotated[str | None, typer.Option("--pg-url", help="Сервер PostgreSQL (URL) или none")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Записать результаты в bench/results/")] = True,
    seed: Annotated[int, typer.Option(help="Зерно генератора данных")] = 2026,
) -> None:
    """Запустить бенчмарки: у каждого — результат, база, измеренная в том же запуске, и их отношение."""
    if fmt not in ("text", "json"):
        console.print(f"[red]Неизвестный формат «{fmt}»: допустимы text, json[/red]")
        raise typer.Exit(2)
    harness, _ = _suite()
    known = sorted(harness.REGISTRY, key=lambda s: int(s[1:]))
    wanted = [n.upper() for n in names] if names else known
    unknown = [n for n in wanted if n not in harness.REGISTRY]
    if unknown:
        console.print(f"[red]Нет таких бенчмарков: {', '.join(unknown)}. Есть: {', '.join(known)}[/red]")
        raise typer.Exit(2)
    with tempfile.TemporaryDirectory(prefix="mse-bench-") as tmp, _postgres(pg_url) as pg:
        ctx = harness.Context(quick=quick, workdir=Path(tmp), pg_url=pg, seed=seed, log=lambda m: console.print(m))
        results = harness.run(wanted, ctx)
        doc = harness.report(results, quick=quick, pg_settings=ctx.pg_settings())
    if save:
        js, md = harness.write(doc, results)
        console.print(f"Результаты: {js.relative_to(CHECKOUT)}, {md.relative_to(CHECKOUT)}")
    if fmt == "json":
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(harness.markdown(results))
    if any(r.met is False and r.notes and r.notes[0].startswith("ОШИБКА") for r in results):
        raise typer.Exit(1)
