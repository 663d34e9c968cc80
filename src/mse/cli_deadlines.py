"""`mse deadlines sweep`: what is due today, at risk and overdue in each bureau; overdue items escalated to the head.

Registered from cli.py with `register(app)`.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from mse.adapters.db.engine import make_engine
from mse.jobs.deadline_sweep import run_sweep
from mse.settings import get_settings

deadlines_app = typer.Typer(help="Контроль сроков: истекающие, под угрозой и просроченные сроки по делам.", no_args_is_help=True)
console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.add_typer(deadlines_app, name="deadlines")


@deadlines_app.command("sweep")
def sweep_command(
    fmt: Annotated[str, typer.Option("--format", help="Формат вывода: text или json")] = "text",
    risk_days: Annotated[int | None, typer.Option("--risk-days", min=0, max=30,
                                                  help="«Под угрозой»: осталось не больше стольких рабочих дней")] = None,
) -> None:
    """Проверить сроки по всем бюро и направить руководителям сведения о просрочках (один раз в день по каждому сроку)."""
    if fmt not in ("text", "json"):
        console.print(f"[red]Неизвестный формат «{fmt}»: допустимы text, json[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        report = run_sweep(engine, risk_working_days=settings.deadline_risk_working_days if risk_days is None else risk_days,
                           escalation_emails=settings.escalation_emails)
    finally:
        engine.dispose()
    if fmt == "json":
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
        return
    lines = [f"Контроль сроков на {report.today:%d.%m.%Y}:"]
    if not report.calendar_verified:
        lines.append("  (рабочие дни: понедельник–пятница без учёта праздников — производственный календарь не подключён)")
    for bureau, counts in sorted(report.by_bureau.items()):
        lines.append(f"  {bureau}: просрочено {counts['overdue']}, истекает сегодня {counts['due_today']}, "
                     f"под угрозой {counts['at_risk']}")
    if not report.by_bureau:
        lines.append("  открытых дел со сроками нет")
    lines.append(f"Направлено руководителям: {len(report.escalated)}")
    typer.echo("\n".join(lines))
