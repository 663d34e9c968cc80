"""The one `mse` command (typer). Reports are human-readable by default, JSON with --format json."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from mse.adapters.db import migrate
from mse.adapters.db.engine import make_engine
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.cli_bench import register as register_bench_commands
from mse.cli_calendar import register as register_calendar_commands
from mse.cli_deadlines import register as register_deadline_commands
from mse.cli_documents import register as register_document_commands
from mse.cli_generate import register as register_generate_commands
from mse.cli_intake import register as register_intake_commands
from mse.cli_outbox import register as register_outbox_commands
from mse.cli_outbox import start_delivery, start_demo_peer
from mse.cli_rules import register as register_rules_commands
from mse.demo.load import load_demo
from mse.demo.referrals import DemoPkiPaths
from mse.domain.identity import SYSTEM_ACTOR
from mse.domain.ports import SystemClock
from mse.jobs.audit_sealer import start_sealer
from mse.services import audit, auth
from mse.settings import Settings, get_settings
from mse.web.app import create_app
from mse.web.server import run_workers

app = typer.Typer(help="Информационная система медико-социальной экспертизы (МСЭ).", no_args_is_help=True,
                  pretty_exceptions_show_locals=False)
db_app = typer.Typer(help="База данных: миграции.", no_args_is_help=True)
demo_app = typer.Typer(help="Демонстрационные данные.", no_args_is_help=True)
audit_app = typer.Typer(help="Журнал аудита.", no_args_is_help=True)
tokens_app = typer.Typer(help="Токены доступа информационных систем.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(audit_app, name="audit")
app.add_typer(tokens_app, name="tokens")
register_intake_commands(app)
register_document_commands(app)
register_outbox_commands(app)
register_rules_commands(app)
register_deadline_commands(app)
register_calendar_commands(app)
register_bench_commands(app)
register_generate_commands(app, demo_app)

console = Console(stderr=True)


class Fmt(StrEnum):
    text = "text"
    json = "json"


FormatOpt = Annotated[Fmt, typer.Option("--format", help="Формат вывода: text или json")]


@contextmanager
def _engine() -> Iterator[Engine]:
    engine = make_engine(get_settings().database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _emit(fmt: Fmt, data: dict[str, Any], text: str) -> None:
    if fmt is Fmt.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    else:
        typer.echo(text)


@db_app.command("upgrade")
def db_upgrade(fmt: FormatOpt = Fmt.text) -> None:
    """Применить все миграции схемы базы данных."""
    migrate.upgrade(get_settings().database_url)
    with _engine() as engine:
        current = sorted(migrate.current_revisions(engine))
    _emit(fmt, {"revision": current}, f"Схема базы данных обновлена до версии {', '.join(current)}")


@db_app.command("current")
def db_current(fmt: FormatOpt = Fmt.text) -> None:
    """Показать текущую и требуемую версии схемы."""
    with _engine() as engine:
        current, heads = sorted(migrate.current_revisions(engine)), sorted(migrate.head_revisions(str(engine.url)))
    behind = current != heads
    _emit(fmt, {"current": current, "head": heads, "pending": behind},
          f"Текущая версия: {', '.join(current) or 'нет'}; требуется: {', '.join(heads)}"
          + (" — выполните «mse db upgrade»" if behind else " — актуально"))
    raise typer.Exit(1 if behind else 0)


@demo_app.command("load")
def demo_load(
    seed: Annotated[int, typer.Option(help="Зерно генератора: одинаковое зерно — одинаковые данные")] = 2026,
    persons: Annotated[int, typer.Option(min=0, max=1_000_000, help="Сколько граждан создать")] = 1200,
    referrals: Annotated[int, typer.Option(min=0, max=100_000, help="Сколько подписанных направлений 088/у отправить")] = 300,
    fmt: FormatOpt = Fmt.text,
) -> None:
    """Загрузить демонстрационный срез страны (повторный запуск ничего не меняет)."""

    settings = get_settings()
    with _engine() as engine, Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=fmt is Fmt.json) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        summary = load_demo(engine, seed=seed, persons=persons, password=settings.demo_password,
                            with_accounts=True, progress=progress, referrals=referrals,
                            pki=DemoPkiPaths(settings.trusted_roots.parent, settings.trusted_roots,
                                             settings.bureau_signing_cert, settings.bureau_signing_key))
    data = vars(summary)
    _emit(fmt, data, ("Загружено" if summary.created else "Демонстрационные данные уже загружены; ничего не изменено")
          + f": учреждений {summary.units}, медицинских организаций {summary.medical_orgs}, сотрудников {summary.staff}, "
            f"граждан {summary.persons}, учётных записей {summary.accounts}; направлений {summary.referrals} "
            f"(ожидают регистрации {summary.referrals_received}, зарегистрировано {summary.referrals_registered}, "
            f"возвращено {summary.referrals_returned}, не принято {summary.referrals_not_accepted}), "
            f"в карантине {summary.quarantined}")


@audit_app.command("verify")
def audit_verify(fmt: FormatOpt = Fmt.text) -> None:
    """Проверить целостность цепочки событий аудита: находит изменённые и удалённые события."""
    with _engine() as engine, SqlAlchemyUnitOfWork(engine) as uow:
        report = audit.verify(uow)
    problems = [{"seq": p.seq, "kind": p.kind, "message": p.message} for p in report.problems]
    sealed = f"; перед проверкой связано ожидавших событий: {report.pending}" if report.pending else ""
    if report.ok:
        text = f"Цепочка аудита цела: проверено событий {report.checked}, последнее №{report.head_seq}{sealed}"
    else:
        table = Table(title="Нарушения целостности журнала аудита")
        for col in ("№", "вид", "описание"):
            table.add_column(col)
        for p in report.problems:
            table.add_row(str(p.seq), p.kind, p.message)
        if fmt is Fmt.text:
            Console().print(table)
        text = f"Обнаружено нарушений: {len(problems)} (проверено событий {report.checked}){sealed}"
    _emit(fmt, {"ok": report.ok, "checked": report.checked, "head_seq": report.head_seq, "pending": report.pending,
                "problems": problems}, text)
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command("seal")
def audit_seal(
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="Сколько событий связывать за одну транзакцию")] = audit.SEAL_BATCH,
    fmt: FormatOpt = Fmt.text,
) -> None:
    """Связать в цепочку все записанные, но ещё не связанные события (обычно это делает сервер раз в секунду)."""
    with _engine() as engine:
        sealed = audit.seal_pending(lambda: SqlAlchemyUnitOfWork(engine), batch=batch)
    _emit(fmt, {"sealed": sealed}, f"Связано событий: {sealed}" if sealed else "Несвязанных событий нет")


@tokens_app.command("issue")
def tokens_issue(
    login: Annotated[str, typer.Argument(help="Учётная запись медицинской организации")],
    name: Annotated[str, typer.Option(help="Назначение токена, например «МИС поликлиники № 5»")],
    days: Annotated[int, typer.Option(min=1, max=1095)] = 365,
    fmt: FormatOpt = Fmt.text,
) -> None:
    """Выпустить токен API для МИС медицинской организации (показывается один раз)."""
    with _engine() as engine, SqlAlchemyUnitOfWork(engine) as uow:
        account = uow.identity.account_by_login(login)
        if account is None:
            console.print(f"[red]Учётная запись «{login}» не найдена[/red]")
            raise typer.Exit(2)
        issued = auth.issue_api_token(uow, SYSTEM_ACTOR, SystemClock(), user_id=account.id, name=name, days=days)
    _emit(fmt, {"id": issued.id, "token": issued.token}, f"Токен (сохраните, повторно не показывается): {issued.token}")


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Адрес; по умолчанию MSE_HOST (127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Порт; по умолчанию MSE_PORT (8000)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=64, help="Число процессов сервера; по умолчанию MSE_WORKERS (1)")] = None,
) -> None:
    """Запустить веб-интерфейс и API."""
    _serve(get_settings(), host, port, workers)


def _serve(settings: Settings, host: str | None, port: int | None, workers: int | None = None) -> None:
    if host:
        settings = settings.model_copy(update={"host": host})
    if port:
        settings = settings.model_copy(update={"port": port})
    if workers:
        settings = settings.model_copy(update={"workers": workers})
    if settings.render_processes is None:  # issue 7, P7: the server renders PDFs outside its process; tests and CLI in-thread
        settings = settings.model_copy(update={"render_processes": 1})
    _sync_demo_accounts(settings.demo_accounts_allowed)
    # Results out: the outbox worker in a daemon thread of this process (MSE_DELIVERY_WORKER; `mse run` turns it on).
    stop_delivery = start_delivery(settings) if settings.delivery_worker else None
    # Audit events are chained by a sealer, not by each request (issue 7, ADR 0005; MSE_AUDIT_SEALER, on by default).
    stop_sealer = start_sealer(settings) if settings.audit_sealer else None
    console.print(f"МСЭ: интерфейс http://{settings.host}:{settings.port}/ , API http://{settings.host}:{settings.port}/api/docs")
    try:
        if settings.workers > 1:
            # Several processes need the app as a factory they build themselves; they read the same MSE_* environment
            # (the options given here are passed on to them through it).
            os.environ.update(MSE_HOST=settings.host, MSE_PORT=str(settings.port), MSE_DATABASE_URL=settings.database_url,
                              MSE_RENDER_PROCESSES=str(settings.render_processes))
            run_workers(settings.host, settings.port, settings.workers)
        else:
            uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning", proxy_headers=False)
    finally:
        if stop_delivery is not None:
            stop_delivery()
        if stop_sealer is not None:
            stop_sealer()


def _sync_demo_accounts(allowed: bool) -> None:
    """Demo accounts with published passwords work only while the server binds to loopback."""
    with _engine() as engine, SqlAlchemyUnitOfWork(engine) as uow:
        changed = uow.identity.activate_demo_accounts() if allowed else uow.identity.deactivate_demo_accounts()
        uow.commit()
    if changed and not allowed:
        console.print(f"[yellow]Демонстрационные учётные записи отключены ({changed}): сервер доступен не только локально[/yellow]")


@app.command("run")
def run_platform(persons: Annotated[int, typer.Option(min=0)] = 1200) -> None:
    """Всё сразу: миграции, демонстрационные данные (если база пуста) и сервер."""
    db_upgrade(Fmt.text)
    demo_load(seed=2026, persons=persons, referrals=300, fmt=Fmt.text)
    settings = get_settings()
    if not settings.delivery_endpoints:  # the demo delivers to the demonstration receiver on loopback
        demo = start_demo_peer(settings)
        settings = demo.settings
    _serve(settings, None, None)


def main() -> None:
    app()
