"""`mse rules evaluate` (decision support from a JSON file, no side effects) and `mse refdata criteria load`
(rows of the quantitative appendix of the criteria from CSV/XLSX). Registered from cli.py with `register(app)`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from mse.adapters.db.engine import make_engine
from mse.adapters.db.repositories.criteria import has_table
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.refdata.criteria_appendix import SHIPPED_SOURCE, read_file, shipped_rows
from mse.domain.errors import DomainError, ValidationFailed
from mse.domain.identity import SYSTEM_ACTOR
from mse.domain.ports import SystemClock
from mse.rules.criteria.appendix import QuantRow
from mse.rules.decision_input import parse_input
from mse.rules.decision_support import Suggestion, evaluate
from mse.services import criteria
from mse.settings import get_settings

console = Console(stderr=True, soft_wrap=True)
rules_app = typer.Typer(help="Правила: поддержка экспертного решения по классификациям и критериям.", no_args_is_help=True)
criteria_app = typer.Typer(help="Строки приложения к классификациям и критериям (585н, 374н).", no_args_is_help=True)

EXIT_OK, EXIT_INVALID = 0, 2
FormatOpt = Annotated[str, typer.Option("--format", help="Формат вывода: text или json")]


def register(app: typer.Typer) -> None:
    from mse.cli_intake import refdata_app  # the existing `mse refdata` group

    app.add_typer(rules_app, name="rules")
    refdata_app.add_typer(criteria_app, name="criteria")


def _fmt(value: str) -> str:
    if value not in ("text", "json"):
        raise typer.BadParameter("допустимо text или json", param_hint="--format")
    return value


def _fail(fmt: str, exc: DomainError) -> None:
    errors = [{"field": p.field, "message": p.message} for p in exc.problems]
    if fmt == "json":
        sys.stdout.write(json.dumps({"ok": False, "code": exc.code, "message": exc.message, "errors": errors}, ensure_ascii=False) + "\n")
    else:
        console.print("\n".join([exc.message, *(f"  {e['field']}: {e['message']}" for e in errors)]), markup=False)


def _db_rows() -> list[QuantRow] | None:
    """All stored rows, or None when the database is unreachable or not migrated to the appendix table."""
    try:
        engine = make_engine(get_settings().database_url)
    except (SQLAlchemyError, ValueError):
        return None
    try:
        if not has_table(engine):
            return None
        with SqlAlchemyUnitOfWork(engine) as uow:
            return criteria.all_rows(uow)
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


@rules_app.command("evaluate")
def rules_evaluate(
    file: Annotated[Path, typer.Argument(help="Входные данные JSON (см. docs/decision-support.md, examples/decision-input.json)")],
    fmt: FormatOpt = "text",
    appendix: Annotated[Path | None, typer.Option("--appendix", help="Строки приложения из файла CSV/XLSX вместо базы данных")] = None,
    compare: Annotated[bool, typer.Option("--compare", help="Показать также оценку по другим классификациям и критериям")] = False,
) -> None:
    """Рассчитать предложение экспертного решения (ничего не сохраняет)."""
    fmt = _fmt(fmt)
    try:
        try:
            raw = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationFailed([], f"Файл «{file.name}» не прочитан: ожидается JSON в кодировке UTF-8 ({type(exc).__name__})") from exc
        inp = parse_input(raw)
        if appendix is not None:
            rows = read_file(appendix)
        else:
            stored = _db_rows()
            if stored is None:
                console.print(f"База данных недоступна или не обновлена («mse db upgrade»): строки приложения взяты из {SHIPPED_SOURCE}",
                              markup=False)
                rows = shipped_rows()
            else:
                rows = stored
    except DomainError as exc:
        _fail(fmt, exc)
        raise typer.Exit(EXIT_INVALID) from exc
    suggestion = evaluate(inp, rows, compare=compare or None)
    if fmt == "json":
        sys.stdout.write(json.dumps(suggestion.to_json(), ensure_ascii=False, indent=1) + "\n")
    else:
        typer.echo(render_text(suggestion))
    raise typer.Exit(EXIT_OK)


def render_text(s: Suggestion, *, level: int = 0) -> str:
    mark = {True: "", False: " [не сверено]"}
    lines = [f"Классификации и критерии: {s.ruleset_title}", ""]
    for n, step in enumerate(s.steps, start=1):
        lines.append(f"{n}. {step.title}: {step.result}")
        lines.append(f"   правило {step.rule}; {step.citation}{mark[step.verified]}")
    lines.append("")
    summary: list[str] = [f"Итог: {s.final_percent} % ({s.degree} степень)" if s.final_percent is not None else "Итог: нарушения не оценены",
                          f"Инвалидность: {s.outcome} — {s.outcome_label}" if s.outcome else f"Инвалидность: {s.outcome_label}"]
    if s.term is not None:
        t = s.term
        summary.append(f"Срок: {t.text or 'бессрочно'} (ФНСИ 358: {t.fnsi})"
                       + (f", освидетельствование {t.reexam_on:%d.%m.%Y}" if t.reexam_on else "")
                       + (f", до {t.until:%d.%m.%Y}" if t.until else "") + mark[t.verified])
    if s.crg_provided and s.outcome:
        summary.append(f"ЦРГ: {', '.join(s.crg) or 'не определена'}")
    lines += summary
    lines += [f"Внимание: {w}" for w in s.warnings]
    if s.alternative is not None:
        lines += ["", "— Для сравнения —", render_text(s.alternative, level=level + 1)]
    return "\n".join(lines)


@criteria_app.command("load")
def criteria_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV (UTF-8) или XLSX со столбцами docs/decision-support.md")],
    fmt: FormatOpt = "text",
) -> None:
    """Загрузить строки приложения к классификациям и критериям (при любой ошибке ничего не меняется)."""
    fmt = _fmt(fmt)
    try:
        rows = read_file(file)
    except DomainError as exc:
        _fail(fmt, exc)
        raise typer.Exit(EXIT_INVALID) from exc
    engine = make_engine(get_settings().database_url)
    try:
        result = criteria.import_rows(lambda: SqlAlchemyUnitOfWork(engine), SYSTEM_ACTOR, rows, source=file.name, clock=SystemClock())
    finally:
        engine.dispose()
    data: dict[str, Any] = {"ok": True, "loaded": result.loaded, "unchanged": result.unchanged, "groups": result.groups,
                            "source": file.name}
    text = (f"Загружено строк: {result.loaded} (из {file.name}); заменены группы того же приказа и даты начала действия"
            if result.loaded else f"Строки из {file.name} уже загружены ({result.unchanged}); ничего не изменено")
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        typer.echo(text)
