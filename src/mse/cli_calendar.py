"""`mse calendar` commands: due dates with explanations, days off of a month, the deadline table, overrides.

Registered from cli.py with `register(app)`. The calendar is the `holidays` package plus the administrator's overrides
from the database (table calendar_overrides); when the database cannot be read, `due` and `show` still answer from the
library and say so. Exit codes: 0 — done, 1 — refused (no such override, already set), 2 — bad input.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from mse.adapters.calendar_ru import LIBRARY, CalendarDay, RussianCalendar
from mse.adapters.db.engine import make_engine
from mse.adapters.db.tables import calendar_overrides
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.errors import DomainError
from mse.domain.identity import SYSTEM_ACTOR, Actor
from mse.domain.ports import MOSCOW, SystemClock
from mse.rules.calendar_terms import Due, TermUnit, due
from mse.rules.deadline_policy import EVENTS, Regime, regime_on
from mse.rules.deadline_table import DEADLINES
from mse.services import calendar as calendar_service
from mse.services.calendar_ports import OVERRIDE_KIND_LABELS, CalendarOverride, OverrideKind
from mse.settings import get_settings

calendar_app = typer.Typer(help="Производственный календарь и сроки: рабочие дни, праздники, переносы, исключения.",
                           no_args_is_help=True)
override_app = typer.Typer(help="Исключения производственного календаря (вводит администратор).", no_args_is_help=True)
calendar_app.add_typer(override_app, name="override")

FORMATS = ("text", "json")
FormatOpt = Annotated[str, typer.Option("--format", help="Формат вывода: text или json")]
UNITS = {"calendar": TermUnit.CALENDAR, "working": TermUnit.WORKING, "weeks": TermUnit.WEEKS, "months": TermUnit.MONTHS}
console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise _fail(f"Неизвестный формат «{fmt}»: допустимы {', '.join(FORMATS)}")


def _emit(fmt: str, data: Any, text: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    else:
        typer.echo(text)


def _day(text: str, what: str = "Дата") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{what} «{text}» не распознана: укажите дату в формате ГГГГ-ММ-ДД, например 2025-04-28") from None


@contextmanager
def _engine() -> Iterator[Engine]:
    engine = make_engine(get_settings().database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _calendar() -> tuple[RussianCalendar, str | None]:
    """The calendar with the stored overrides; on a database that cannot be read, the library alone and why."""
    try:
        with _engine() as engine:
            if not inspect(engine).has_table(calendar_overrides.name):
                return RussianCalendar(), "в базе данных нет таблицы исключений (выполните «mse db upgrade»)"
            with SqlAlchemyUnitOfWork(engine) as uow:
                return RussianCalendar(calendar_service.list_overrides(uow)), None
    except SQLAlchemyError as exc:
        return RussianCalendar(), f"база данных недоступна ({type(exc).__name__})"


def _warn(note: str | None, fmt: str) -> None:
    if note and fmt == "text":
        console.print(f"[yellow]Исключения администратора не учтены: {note}; расчёт по {LIBRARY}[/yellow]")


def _due_data(d: Due, note: str | None) -> dict[str, Any]:
    return {"start": d.start.isoformat(), "value": d.value, "unit": d.unit.value, "due": d.due.isoformat(),
            "explanation": d.explanation, "skipped_days_off": [x.isoformat() for x in d.skipped],
            "nominal": d.nominal.isoformat() if d.nominal else None, "ends_on_day_off": d.ends_on_day_off,
            "overrides_loaded": note is None, "overrides_note": note, "library": LIBRARY}


@calendar_app.command("due")
def due_command(
    start: Annotated[str, typer.Argument(help="День события (день 0), ГГГГ-ММ-ДД")],
    value: Annotated[str, typer.Argument(help="Длительность срока, целое число ≥ 0")],
    unit: Annotated[str, typer.Option("--unit", help="Единица: calendar, working, weeks, months")] = "calendar",
    roll: Annotated[bool, typer.Option("--roll/--no-roll",
                                       help="Перенести окончание с нерабочего дня на рабочий (ГК РФ ст. 193)")] = False,
    fmt: FormatOpt = "text",
) -> None:
    """Дата окончания срока и объяснение расчёта (день события — день 0, process.md §0.3)."""
    _check_format(fmt)
    day = _day(start)
    if not re.fullmatch(r"\d{1,6}", value.strip()):
        raise _fail(f"Длительность срока «{value}» — не целое неотрицательное число")
    if unit not in UNITS:
        raise _fail(f"Неизвестная единица срока «{unit}»: допустимы {', '.join(UNITS)}")
    cal, note = _calendar()
    _warn(note, fmt)
    try:
        result = due(day, int(value), UNITS[unit], cal, roll_to_working_day=roll)
    except (ValueError, OverflowError):
        raise _fail("Срок выходит за пределы календаря: уменьшите длительность") from None
    _emit(fmt, _due_data(result, note), f"Срок истекает {result.due:%d.%m.%Y}\n{result.explanation}")


def _day_data(d: CalendarDay) -> dict[str, Any]:
    return {"day": d.day.isoformat(), "kind": d.kind.value, "working": d.working, "reason": d.reason, "source": d.source,
            "overridden": d.overridden}


@calendar_app.command("show")
def show_command(
    month: Annotated[str, typer.Argument(help="Месяц, ГГГГ-ММ")],
    fmt: FormatOpt = "text",
) -> None:
    """Нерабочие дни месяца с причинами, а также рабочие субботы и воскресенья по переносу."""
    _check_format(fmt)
    m = re.fullmatch(r"(\d{4})-(\d{2})", month.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1991 <= int(m.group(1)) <= 2100:
        raise _fail(f"Месяц «{month}» не распознан: укажите ГГГГ-ММ, например 2025-05 (годы 1991–2100)")
    year, mon = int(m.group(1)), int(m.group(2))
    cal, note = _calendar()
    _warn(note, fmt)
    days = cal.month(year, mon)
    off = [d for d in days if not d.working]
    special_work = [d for d in days if d.working and (d.kind.value == "working_weekend" or d.overridden)]
    data = {"month": f"{year:04d}-{mon:02d}", "days_off": [_day_data(d) for d in off],
            "working_exceptions": [_day_data(d) for d in special_work], "working_days": len(days) - len(off),
            "overrides_loaded": note is None, "overrides_note": note, "library": LIBRARY}
    if fmt == "json":
        _emit(fmt, data, "")
        return
    table = Table(title=f"Нерабочие дни: {mon:02d}.{year}")
    for col in ("дата", "день", "причина", "источник"):
        table.add_column(col)
    for d in sorted(off + special_work, key=lambda x: x.day):
        label = "рабочий" if d.working else "выходной"
        table.add_row(f"{d.day:%d.%m.%Y}", label, d.reason, d.source)
    Console().print(table)
    typer.echo(f"Рабочих дней: {data['working_days']}, нерабочих: {len(off)}")


@calendar_app.command("deadlines")
def deadlines_command(
    on: Annotated[str | None, typer.Option("--on", help="Дата регистрации дела: режим, действующий на эту дату")] = None,
    fmt: FormatOpt = "text",
) -> None:
    """Таблица сроков (process.md §4) для режима, действующего на дату (по умолчанию — сегодня)."""
    _check_format(fmt)
    day = _day(on, "Дата --on") if on else SystemClock().today()
    try:
        regime = regime_on(day)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    rows = [e for e in DEADLINES if e.regime is regime]
    data = {"on": day.isoformat(), "regime": regime.value, "deadlines": [{
        "id": e.id, "title": e.title, "value": e.value, "unit": e.unit.value, "unit_stated": e.unit_stated,
        "computed_as": e.effective_unit.value, "limit": e.limit_text(), "start_event": e.start_event,
        "start": EVENTS[e.start_event], "stop_events": list(e.stop_events), "suspend_events": list(e.suspend_events),
        "source": e.source, "valid_from": e.valid_from.isoformat(), "valid_to": e.valid_to.isoformat() if e.valid_to else None,
        "roll_to_working_day": e.roll_to_working_day, "conflicts": list(e.conflicts), "notes": e.notes, "verified": e.verified,
    } for e in rows]}
    if fmt == "json":
        _emit(fmt, data, "")
        return
    title = "прежний (АР)" if regime is Regime.LEGACY else "действующий (ПП 588)"
    table = Table(title=f"Сроки: режим {title} на {day:%d.%m.%Y}")
    for col in ("№", "срок", "что", "начало", "источник", "проверено"):
        table.add_column(col)
    for e in rows:
        table.add_row(e.id, e.limit_text(), e.title, EVENTS[e.start_event], e.source, "да" if e.verified else "нет [K/G-15]")
    Console().print(table)


# ---------------------------------------------------------------------------------------------- overrides

def _actor(login: str | None) -> Actor:
    if login is None:
        return SYSTEM_ACTOR
    with _engine() as engine, SqlAlchemyUnitOfWork(engine) as uow:
        account = uow.identity.account_by_login(login)
    if account is None or not account.active:
        raise _fail(f"Учётная запись «{login}» не найдена или отключена")
    return Actor(user_id=account.id, login=account.login, role=account.role, display_name=account.display_name, channel="cli")


def _override_data(o: CalendarOverride) -> dict[str, Any]:
    return {"day": o.day.isoformat(), "kind": o.kind.value, "reason": o.reason, "source": o.source,
            "created_at": o.created_at.isoformat() if o.created_at else None, "created_by": o.created_by}


AsOpt = Annotated[str | None, typer.Option("--as", help="Учётная запись администратора (по умолчанию — системный оператор)")]


@override_app.command("add")
def override_add(
    day: Annotated[str, typer.Argument(help="Дата, ГГГГ-ММ-ДД")],
    kind: Annotated[str, typer.Option("--kind", help="holiday — нерабочий день, workday — рабочий день")],
    reason: Annotated[str, typer.Option("--reason", help="Причина, например «Перенос выходного дня с 02.01.2027»")],
    source: Annotated[str, typer.Option("--source", help="Основание: постановление Правительства РФ, его дата и номер")],
    login: AsOpt = None,
    fmt: FormatOpt = "text",
) -> None:
    """Задать день рабочим или нерабочим по постановлению (исключение имеет приоритет над библиотекой)."""
    _check_format(fmt)
    when = _day(day)
    if kind not in {k.value for k in OverrideKind}:
        raise _fail(f"Неизвестный вид дня «{kind}»: допустимы holiday (нерабочий) или workday (рабочий)")
    actor = _actor(login)
    try:
        with _engine() as engine, SqlAlchemyUnitOfWork(engine) as uow:
            saved = calendar_service.add_override(uow, actor, SystemClock(), day=when, kind=kind, reason=reason, source=source)
    except DomainError as e:
        details = "; ".join(p.message for p in e.problems)
        _emit(fmt, {"ok": False, "code": e.code, "detail": e.message, "problems": [vars(p) for p in e.problems]},
              e.message + (f": {details}" if details else ""))
        raise typer.Exit(2 if e.code == "validation_failed" else 1) from None
    _emit(fmt, {"ok": True, **_override_data(saved)},
          f"{saved.day:%d.%m.%Y} — {OVERRIDE_KIND_LABELS[saved.kind]}: {saved.reason} ({saved.source})")


@override_app.command("list")
def override_list(
    year: Annotated[int | None, typer.Option("--year", min=1991, max=2100, help="Только этот год")] = None,
    fmt: FormatOpt = "text",
) -> None:
    """Исключения производственного календаря, введённые администратором."""
    _check_format(fmt)
    with _engine() as engine, SqlAlchemyUnitOfWork(engine) as uow:
        rows = calendar_service.list_overrides(uow, year=year)
    if fmt == "json":
        _emit(fmt, {"overrides": [_override_data(o) for o in rows]}, "")
        return
    if not rows:
        typer.echo("Исключений нет: календарь по " + LIBRARY)
        return
    table = Table(title="Исключения производственного календаря")
    for col in ("дата", "вид", "причина", "основание", "внесено"):
        table.add_column(col)
    for o in rows:
        table.add_row(f"{o.day:%d.%m.%Y}", OVERRIDE_KIND_LABELS[o.kind], o.reason, o.source,
                      f"{o.created_at.astimezone(MOSCOW):%d.%m.%Y %H:%M} МСК" if o.created_at else "—")
    Console().print(table)


@override_app.command("remove")
def override_remove(
    day: Annotated[str, typer.Argument(help="Дата, ГГГГ-ММ-ДД")],
    login: AsOpt = None,
    fmt: FormatOpt = "text",
) -> None:
    """Удалить исключение: день снова считается по библиотеке."""
    _check_format(fmt)
    when = _day(day)
    actor = _actor(login)
    try:
        with _engine() as engine, SqlAlchemyUnitOfWork(engine) as uow:
            removed = calendar_service.remove_override(uow, actor, SystemClock(), day=when)
    except DomainError as e:
        _emit(fmt, {"ok": False, "code": e.code, "detail": e.message}, e.message)
        raise typer.Exit(1) from None
    _emit(fmt, {"ok": True, **_override_data(removed)}, f"Исключение на {removed.day:%d.%m.%Y} удалено ({removed.reason})")
