"""`mse demo generate --scale N`: a synthetic national year in bulk; `mse stats refresh|show`: the statistics rollups.

Registered from cli.py with `register(app, demo_app)`.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from mse.adapters.db.engine import make_engine
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.demo.national.generate import STAGES, GenerateSummary, generate
from mse.demo.national.plan import DISTRIBUTIONS_VERIFIED, make_plan
from mse.domain.identity import SYSTEM_ACTOR
from mse.domain.ports import SystemClock
from mse.services import statistics
from mse.services.statistics_ports import ALL_DIMENSIONS, Dimension
from mse.settings import get_settings

stats_app = typer.Typer(help="Статистика МСЭ за год: своды по субъектам, месяцам, группам инвалидности и исходам.",
                        no_args_is_help=True)
console = Console(stderr=True)
FormatOpt = Annotated[str, typer.Option("--format", help="Формат вывода: text или json")]


def register(app: typer.Typer, demo_app: typer.Typer) -> None:
    demo_app.command("generate")(demo_generate)
    app.add_typer(stats_app, name="stats")


def _n(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ")


def _format(fmt: str) -> None:
    if fmt not in ("text", "json"):
        console.print(f"[red]Неизвестный формат «{fmt}»: допустимы text, json[/red]")
        raise typer.Exit(2)


def _summary_dict(s: GenerateSummary) -> dict[str, Any]:
    return {"created": s.created, "scale": s.scale, "seed": s.seed, "year": s.year, "rows": s.rows, "total_rows": s.total_rows,
            "seconds": round(s.total_seconds, 2), "rows_per_s": round(s.total_rows / s.total_seconds) if s.total_seconds else 0,
            "stages": {st: {"rows": s.stage_rows.get(st, 0), "seconds": round(s.seconds.get(st, 0.0), 2),
                            "rows_per_s": round(s.rate(st))} for st in STAGES if st in s.seconds},
            "distributions_verified": DISTRIBUTIONS_VERIFIED}


def demo_generate(
    scale: Annotated[float, typer.Option(min=0.00001, max=2.0, help="Масштаб: 1 — национальный год (~2,5 млн направлений); "
                                                                     "дробный — доля (0,001 — 2 500 направлений)")] = 0.001,
    seed: Annotated[int, typer.Option(help="Зерно: одинаковые зерно, масштаб и год — одинаковые строки")] = 2026,
    year: Annotated[int, typer.Option(min=2023, max=2100, help="Календарный год, который моделируется")] = 2025,
    fmt: FormatOpt = "text",
) -> None:
    """Сгенерировать синтетическую нагрузку страны (учреждения, граждане, направления, дела, протоколы, решения, обжалования)."""
    _format(fmt)
    plan = make_plan(scale, seed=seed, year=year)
    if fmt == "text":
        console.print(f"Синтетический год {year}: направлений {_n(plan.referrals)}, бюро {_n(plan.bureaus)}, "
                      f"медицинских организаций {_n(plan.medical_orgs)} (89 субъектов РФ)")
    engine = make_engine(get_settings().database_url)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, disable=fmt == "json") as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            summary = generate(engine, scale=scale, seed=seed, year=year, progress=progress)
    finally:
        engine.dispose()
    data = _summary_dict(summary)
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    if not summary.created:
        typer.echo("Синтетические данные в этой базе уже есть; ничего не изменено (для другого зерна или масштаба — новая база)")
        return
    table = Table(title=f"Записано строк: {_n(summary.total_rows)} за {summary.total_seconds:.1f} с ({_n(data['rows_per_s'])} строк/с)")
    for col in ("таблица", "строк"):
        table.add_column(col, justify="right" if col == "строк" else "left")
    for name, n in summary.rows.items():
        table.add_row(name, _n(n))
    console.print(table)
    for st, v in data["stages"].items():
        typer.echo(f"  {st}: {_n(v['rows'])} строк за {v['seconds']} с — {_n(v['rows_per_s'])} строк/с")
    typer.echo("Распределения приблизительные (не сверены с источником)" if not DISTRIBUTIONS_VERIFIED else "")


YearOpt = Annotated[int | None, typer.Option(help="Год статистики по дате решения (по умолчанию текущий)")]


@stats_app.command("refresh")
def stats_refresh(year: YearOpt = None, fmt: FormatOpt = "text",
                  check: Annotated[bool, typer.Option("--check", help="Сверить своды с решениями после пересчёта")] = False) -> None:
    """Пересчитать своды статистики за год по принятым решениям (задание; событие аудита)."""
    _format(fmt)
    year = year or SystemClock().today().year
    engine = make_engine(get_settings().database_url)
    try:
        done = statistics.refresh(lambda: SqlAlchemyUnitOfWork(engine), SYSTEM_ACTOR, year, SystemClock())
        differences: list[str] = []
        if check:
            with SqlAlchemyUnitOfWork(engine) as uow:
                differences = statistics.check(uow, year)
    finally:
        engine.dispose()
    data = {"year": done.year, "decisions": done.source_rows, "cells": done.cells, "millis": done.millis,
            "checked": check, "differences": differences}
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        typer.echo(f"Своды за {year} год пересчитаны: решений {done.source_rows}, ячеек {done.cells}, {done.millis} мс"
                   + ("" if not check else "; сверка: совпадают" if not differences else f"; РАСХОЖДЕНИЙ: {len(differences)}"))
        for line in differences[:20]:
            typer.echo(f"  {line}")
    if differences:
        raise typer.Exit(1)


@stats_app.command("show")
def stats_show(year: YearOpt = None, fmt: FormatOpt = "text",
               by: Annotated[str, typer.Option(help="Разрезы через запятую: region, month, group, outcome")] = "region,group",
               region: Annotated[str | None, typer.Option(help="Код субъекта РФ (77 — г. Москва)")] = None,
               group: Annotated[str | None, typer.Option(help="Группа (пункт 80): 80.1 … 80.5")] = None) -> None:
    """Показать статистику решений за год из сводов (без персональных данных)."""
    _format(fmt)
    year = year or SystemClock().today().year
    try:
        dims = [Dimension(x.strip()) for x in by.split(",") if x.strip()] if by else list(ALL_DIMENSIONS)
    except ValueError:
        console.print("[red]Разрезы: region, month, group, outcome[/red]")
        raise typer.Exit(2) from None
    engine = make_engine(get_settings().database_url)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            result = statistics.table(uow, year, by=dims, region=region, group=group)
    finally:
        engine.dispose()
    if fmt == "json":
        sys.stdout.write(json.dumps({
            "year": year, "by": [d.value for d in dims], "total": result.total,
            "as_of": result.as_of.refreshed_at.isoformat() if result.as_of else None,
            "rows": [{"key": list(r.key), "labels": list(r.labels), "decisions": r.decisions, "average_percent": r.average_percent}
                     for r in result.rows]}, ensure_ascii=False) + "\n")
        return
    if result.as_of is None:
        typer.echo(f"Своды за {year} год ещё не рассчитаны: выполните «mse stats refresh --year {year}»")
        return
    table = Table(title=f"Решения за {year} год: {_n(result.total)} (по состоянию на {result.as_of.refreshed_at:%d.%m.%Y %H:%M})")
    for d in dims:
        table.add_column(statistics.DIMENSION_LABELS[d])
    table.add_column("решений", justify="right")
    table.add_column("средний %", justify="right")
    for r in result.rows:
        table.add_row(*r.labels, str(r.decisions), "—" if r.average_percent is None else f"{r.average_percent:g}")
    Console().print(table)
