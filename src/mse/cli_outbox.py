"""`mse outbox` and `mse peer` commands: deliver and inspect outgoing messages; the demonstration receiver.

Registered from cli.py with `register(app)`. Listing shows metadata only (topic, recipient, status, attempts, term,
last error) — never the contents, which carry personal and health data.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from mse.adapters.db.engine import make_engine
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.demo.peer import PEER_TITLE, DemoPeer
from mse.domain.errors import DomainError
from mse.domain.identity import SYSTEM_ACTOR
from mse.domain.ports import MOSCOW, SystemClock
from mse.jobs.worker import BackgroundWorker, build_worker, start_background
from mse.services import delivery
from mse.services.delivery import MessageView
from mse.services.delivery_ports import DeliveryStatus
from mse.settings import Settings, get_settings
from mse.web.observability import configure_logging

outbox_app = typer.Typer(help="Исходящие сообщения: отправка результатов в МО, СФР, ФРИ, военкомат, ЕПГУ, ТФОМС.",
                         no_args_is_help=True)
peer_app = typer.Typer(help="Демонстрационный получатель сообщений (не государственная система).", no_args_is_help=True)

FORMATS = ("text", "json")
FormatOpt = Annotated[str, typer.Option("--format", help="Формат вывода: text или json")]
console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.add_typer(outbox_app, name="outbox")
    app.add_typer(peer_app, name="peer")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        console.print(f"[red]Неизвестный формат «{fmt}»: допустимы {', '.join(FORMATS)}[/red]")
        raise typer.Exit(2)


def _emit(fmt: str, data: Any, text: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    else:
        typer.echo(text)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M") if moment else "—"


# ---------------------------------------------------------------------------------------------- wiring

def start_delivery(settings: Settings) -> Callable[[], None]:
    """The worker in a daemon thread of this process (`mse serve` with MSE_DELIVERY_WORKER, `mse run`); returns stop."""
    engine = make_engine(settings.database_url)
    worker, transport = build_worker(engine, settings.delivery_endpoints, timeout=settings.delivery_timeout_seconds,
                                     max_attempts=settings.delivery_max_attempts)
    background: BackgroundWorker = start_background(worker, settings.delivery_interval_seconds)

    def stop() -> None:
        background.stop()
        transport.close()
        engine.dispose()

    return stop


@dataclass
class DemoDelivery:
    peer: DemoPeer
    settings: Settings


def start_demo_peer(settings: Settings) -> DemoDelivery:
    """`mse run` without configured endpoints: the demonstration receiver on 127.0.0.1 and every recipient pointed at
    it, so a demo decision shows «доставлено» with no setup. A busy port falls back to a free one."""
    try:
        peer = DemoPeer("127.0.0.1", settings.peer_port).start()
    except OSError:
        peer = DemoPeer("127.0.0.1", 0).start()
        console.print(f"[yellow]Порт {settings.peer_port} занят: демонстрационный получатель запущен на порту {peer.port}[/yellow]")
    console.print(f"{PEER_TITLE}: {peer.url}/<получатель>/messages")
    return DemoDelivery(peer, settings.model_copy(update={"delivery_endpoints": peer.endpoints(), "delivery_worker": True}))


# ---------------------------------------------------------------------------------------------- mse outbox

@outbox_app.command("deliver")
def deliver(
    once: Annotated[bool, typer.Option("--once", help="Один проход и выход (для cron и проверок)")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Сколько сообщений брать за один проход")] = 20,
    fmt: FormatOpt = "text",
) -> None:
    """Отправить сообщения, срок отправки которых наступил (без --once — работать, пока не остановят Ctrl+C)."""
    _check_format(fmt)
    settings = get_settings()
    if not settings.delivery_endpoints:
        console.print("[yellow]Адреса получателей не настроены (MSE_DELIVERY_ENDPOINTS): сообщения будут отложены "
                      "с ошибкой «не настроен адрес получателя»[/yellow]")
    engine = make_engine(settings.database_url)
    worker, transport = build_worker(engine, settings.delivery_endpoints, timeout=settings.delivery_timeout_seconds,
                                     max_attempts=settings.delivery_max_attempts, limit=limit)
    try:
        if once:
            counts = worker.run_once()
            _emit(fmt, {**counts.as_dict(), "errors": counts.errors},
                  f"Взято {counts.claimed}: доставлено {counts.delivered}, отложено для повтора {counts.retrying}, "
                  f"не доставлено (отправка остановлена) {counts.dead}"
                  + "".join(f"\n  {e}" for e in counts.errors))
            return
        configure_logging(settings.log_level, settings.log_json)  # the loop reports each pass (counts only)
        stop = threading.Event()
        console.print(f"Отправка исходящих сообщений: проход каждые {settings.delivery_interval_seconds:g} с; Ctrl+C — остановить")
        try:
            worker.run(stop, settings.delivery_interval_seconds)
        except KeyboardInterrupt:
            stop.set()
    finally:
        transport.close()
        engine.dispose()


def _row_data(v: MessageView) -> dict[str, Any]:
    r = v.row
    return {"id": r.id, "topic": r.topic, "topic_label": v.topic_label, "recipient": r.recipient,
            "recipient_label": v.recipient_label, "status": r.status.value, "status_label": v.status_label,
            "aggregate": r.aggregate, "aggregate_id": r.aggregate_id, "reference": r.reference, "attempts": r.attempts,
            "created_at": r.created_at, "due_on": r.due_on, "deadline": r.deadline, "late": v.late,
            "delivered_late": v.delivered_late, "last_error": r.last_error, "last_attempt_at": r.last_attempt_at,
            "delivered_at": r.delivered_at, "next_attempt_at": r.available_at if r.status is DeliveryStatus.PENDING else None}


@outbox_app.command("list")
def list_messages(
    status: Annotated[str | None, typer.Option(help="pending | delivered | dead")] = None,
    recipient: Annotated[str | None, typer.Option(help="mo | sfr | fri | military | epgu | foms")] = None,
    case_id: Annotated[int | None, typer.Option("--case", help="Только сообщения по делу с этим идентификатором")] = None,
    late: Annotated[bool, typer.Option("--late", help="Только просроченные (срок прошёл, не доставлено)")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    fmt: FormatOpt = "text",
) -> None:
    """Показать исходящие сообщения (только сведения об отправке, без содержимого)."""
    _check_format(fmt)
    try:
        wanted = DeliveryStatus(status) if status else None
    except ValueError:
        console.print(f"[red]Неизвестный статус «{status}»: допустимы pending, delivered, dead[/red]")
        raise typer.Exit(2) from None
    engine = make_engine(get_settings().database_url)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            page = delivery.messages(uow, SYSTEM_ACTOR, SystemClock(), status=wanted, recipient=recipient,
                                     aggregate="case" if case_id is not None else None, aggregate_id=case_id,
                                     late_only=late, limit=limit)
    finally:
        engine.dispose()
    counts = {s.value: n for s, n in page.counts.items()}
    if fmt == "json":
        _emit(fmt, {"total": page.total, "counts": counts, "late": page.late, "messages": [_row_data(v) for v in page.rows]}, "")
        return
    table = Table(title="Исходящие сообщения")
    for col in ("№", "получатель", "сообщение", "статус", "попыток", "срок", "последняя ошибка"):
        table.add_column(col)
    for v in page.rows:
        due = v.row.due_on.strftime("%d.%m.%Y") if v.row.due_on else "—"
        table.add_row(str(v.row.id), v.recipient_label, f"{v.topic_label} ({v.row.reference or v.row.aggregate_id})",
                      v.status_label, str(v.row.attempts), due + (" [red]просрочено[/red]" if v.late else ""),
                      (v.row.last_error or "")[:120])
    Console().print(table)
    typer.echo(f"Всего {page.total}; ожидают {counts['pending']}, доставлено {counts['delivered']}, "
               f"не доставлено {counts['dead']}; просрочено {page.late}")


@outbox_app.command("retry")
def retry_message(message_id: Annotated[int, typer.Argument(help="Номер сообщения")], fmt: FormatOpt = "text") -> None:
    """Вернуть недоставленное сообщение в очередь отправки (после устранения причины)."""
    _check_format(fmt)
    engine = make_engine(get_settings().database_url)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            view = delivery.retry(uow, SYSTEM_ACTOR, message_id, SystemClock())
    except DomainError as e:
        _emit(fmt, {"ok": False, "code": e.code, "detail": e.message}, e.message)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    _emit(fmt, {"ok": True, "id": message_id, "status": view.row.status.value},
          f"Сообщение №{message_id} возвращено в очередь отправки")


# ---------------------------------------------------------------------------------------------- mse peer

@peer_app.command("serve")
def peer_serve(
    port: Annotated[int | None, typer.Option(help="Порт; по умолчанию MSE_PEER_PORT (8090)")] = None,
    host: Annotated[str, typer.Option(help="Адрес (только локальный, это демонстрация)")] = "127.0.0.1",
    fail_first: Annotated[int, typer.Option(min=0, help="Первые N запросов отклонить ответом 503")] = 0,
    reject_status: Annotated[int | None, typer.Option(min=400, max=499, help="Отклонять все запросы этим кодом 4xx")] = None,
) -> None:
    """Запустить демонстрационного получателя сообщений (заглушка РЭМД, СФР, ФРИ, военкомата, ЕПГУ)."""
    peer = DemoPeer(host, port if port is not None else get_settings().peer_port)
    if fail_first:
        peer.fail_next(fail_first)
    if reject_status:
        peer.reject_all(reject_status)
    console.print(f"{PEER_TITLE}: {peer.url}/<получатель>/messages; Ctrl+C — остановить")
    typer.echo(json.dumps(peer.endpoints(), ensure_ascii=False))
    try:
        peer.serve_forever()
    except KeyboardInterrupt:
        pass
