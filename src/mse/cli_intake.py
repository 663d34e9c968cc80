"""`mse forms`, `mse referrals` and `mse refdata` commands: form schemas, checking and importing referrals, reference lists.

Registered from cli.py with `register(app)`. Every command prints Russian text by default and JSON with --format json.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mse.adapters.db.engine import make_engine
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.documents.json_referral import JsonReferralReader
from mse.adapters.refdata.exams import parse_exam_csv
from mse.adapters.signature.openssl import SignatureSetupError
from mse.domain.errors import DomainError, NotFound, ValidationFailed
from mse.domain.identity import SYSTEM_ACTOR
from mse.domain.ports import SystemClock
from mse.domain.referrals import Channel
from mse.forms import available_forms, form_in_force, load_form, schema_as_data
from mse.services.intake import IntakeRejected, check_referral, receive_referral, report_as_data
from mse.services.intake_ports import DocumentReader, DocumentRejected, Submission
from mse.settings import Settings, get_settings
from mse.web.intake_wiring import build_intake

try:  # СЭМД XML (ред.6): present once the XML adapter is in the tree
    from mse.adapters.documents.semd_referral import SemdReferralReader
except ImportError:  # pragma: no cover - depends on the checkout
    SemdReferralReader = None  # type: ignore[assignment,misc]

console = Console(stderr=True)

forms_app = typer.Typer(help="Формы документов (схемы как данные).", no_args_is_help=True)
referrals_app = typer.Typer(help="Направления на МСЭ (форма 088/у): проверка и импорт файлов.", no_args_is_help=True)
refdata_app = typer.Typer(help="Справочники, загружаемые администратором.", no_args_is_help=True)
exams_app = typer.Typer(help="Перечень медицинских обследований (приказ 402н/631н).", no_args_is_help=True)
refdata_app.add_typer(exams_app, name="exams")

FORMATS = ("text", "json")
FormatOpt = Annotated[str, typer.Option("--format", help="Формат вывода: text или json")]

EXIT_CLEAN, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


def register(app: typer.Typer) -> None:
    app.add_typer(forms_app, name="forms")
    app.add_typer(referrals_app, name="referrals")
    app.add_typer(refdata_app, name="refdata")


def _fmt(value: str) -> str:
    if value not in FORMATS:
        raise typer.BadParameter("допустимо text или json", param_hint="--format")
    return value


def _out(fmt: str, data: dict[str, Any], text: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    else:
        typer.echo(text)


def _uow_factory(settings: Settings) -> tuple[Any, Any]:
    engine = make_engine(settings.database_url)
    return engine, lambda: SqlAlchemyUnitOfWork(engine)


def _reader(path: Path, settings: Settings, channel: Channel) -> DocumentReader | None:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return JsonReferralReader(max_bytes=settings.max_document_bytes, channel=channel)
    if suffix == ".xml" and SemdReferralReader is not None:
        return SemdReferralReader(max_bytes=settings.max_document_bytes, channel=channel)
    return None


def _unsupported(path: Path) -> str:
    if path.suffix.lower() == ".xml":
        return "Формат СЭМД (XML) командной строкой пока не поддерживается: модуль чтения СЭМД не установлен"
    return f"Неизвестный формат файла «{path.suffix or path.name}»: ожидается .json (форма 088/у в конверте) или .xml (СЭМД)"


# ------------------------------------------------------------------------------------------------ forms

@forms_app.command("list")
def forms_list(fmt: FormatOpt = "text") -> None:
    """Перечислить формы и их версии."""
    forms = available_forms()
    rows: list[dict[str, Any]] = []
    for name, versions in sorted(forms.items()):
        for v in versions:
            s = load_form(name, v)
            rows.append({"form": name, "version": v, "title": s.title, "form_number": s.form_number, "act": s.act,
                         "valid_from": s.valid_from.isoformat(), "valid_to": s.valid_to.isoformat() if s.valid_to else None,
                         "items": sum(1 for _ in s.items())})
    text = "\n".join(f"{r['form']} {r['version']}: {r['title']} ({r['form_number'] or '—'}; {r['act']}), "
                     f"действует с {r['valid_from']}{' по ' + r['valid_to'] if r['valid_to'] else ''}; пунктов {r['items']}"
                     for r in rows)
    _out(_fmt(fmt), {"forms": rows}, text or "Формы не найдены")


@forms_app.command("export")
def forms_export(
    name: Annotated[str, typer.Argument(help="Имя формы, например referral-088u или protocol-389n")],
    on: Annotated[
        str | None,
        typer.Option("--date", "--on", help="Редакция, действующая на дату ГГГГ-ММ-ДД (по умолчанию сегодня)"),
    ] = None,
    fmt: FormatOpt = "text",
) -> None:
    """Вывести схему формы в редакции, действующей на дату: пункты, ключи, типы, варианты, обязательность, справочники."""
    fmt = _fmt(fmt)
    try:
        day = date.fromisoformat(on) if on else SystemClock().today()
    except ValueError as exc:
        console.print(f"[red]Неверная дата «{on}»: ожидается дата в формате ГГГГ-ММ-ДД, например 2024-06-01[/red]", soft_wrap=True)
        raise typer.Exit(2) from exc
    try:
        schema = form_in_force(name, day)
    except NotFound as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    data = schema_as_data(schema)
    if fmt == "json":
        _out(fmt, data, "")
        return
    table = Table(title=f"{data['title']} — {data['form_number'] or data['form']}, версия {data['version']} ({data['act']})")
    for col in ("пункт", "ключ", "тип", "обяз.", "справочник"):
        table.add_column(col)
    for section in schema.sections:
        table.add_row(f"[bold]{section.code}[/bold]", f"[bold]{section.title}[/bold]", "", "", "")
        for it in section.items:  # a condition may be any/all/not (the protocol), not only one key
            required = "да" if it.required else ("если " + it.required_if.describe() if it.required_if else "")
            table.add_row(it.code, it.key, it.type.value, required, it.dictionary or "")
    Console(width=160).print(table)
    typer.echo(f"Пунктов: {data['item_count']}")


# ------------------------------------------------------------------------------------------------ referrals check

def _findings_text(findings: list[dict[str, Any]]) -> list[str]:
    lines = []
    for f in findings:
        lines.append(f"  {f['rule_id']} {f['title']}: {f['message']}")
        lines += [f"      — {d}" for d in f.get("details") or []]
    return lines


@referrals_app.command("check")
def referrals_check(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Файл направления: .json (или .xml — СЭМД)")],
    signature: Annotated[Path | None, typer.Option("--signature", help="Открепленная подпись; по умолчанию ФАЙЛ.sig рядом")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="text или json (по умолчанию json для .json-файла)")] = None,
) -> None:
    """Проверить направление всеми проверками приёма, ничего не сохраняя. Код выхода: 0 — принято без замечаний,
    1 — есть замечания (не принято / карантин / причины возврата), 2 — документ не читается."""
    out_fmt = _fmt(fmt or ("json" if file.suffix.lower() == ".json" else "text"))
    settings = get_settings()
    result: dict[str, Any] = {"file": str(file), "readable": False, "would_be": None, "signature": None, "quarantine": None,
                              "receipt_findings": [], "content_findings": [], "notes": []}
    reader = _reader(file, settings, Channel.IMPORT)
    if reader is None:
        result["error"] = {"code": "format_unsupported", "message": _unsupported(file)}
        _out(out_fmt, result, result["error"]["message"])
        raise typer.Exit(EXIT_UNREADABLE)
    body = file.read_bytes()
    sig_path = signature or file.with_name(file.name + ".sig")
    if signature is None and not sig_path.exists():
        sig_path = file.with_suffix(".sig")
    sig = sig_path.read_bytes() if sig_path.exists() else None
    result["signature_file"] = str(sig_path) if sig is not None else None
    try:
        parsed = reader.read(body)
    except DocumentRejected as rej:
        result["error"] = {"code": rej.code, "message": rej.message, "details": rej.details}
        _out(out_fmt, result, "\n".join([f"Документ не читается ({rej.code}): {rej.message}"]
                                         + [f"  — {d.get('field', '')}: {d.get('message', '')}" for d in rej.details]))
        raise typer.Exit(EXIT_UNREADABLE) from rej
    result["readable"] = True
    result["document_id"], result["sender_ogrn"] = parsed.document_id, parsed.sender_ogrn
    clock = SystemClock()
    wiring = build_intake(settings, clock)
    engine, factory = _uow_factory(settings)
    try:
        with factory() as uow:
            try:
                assessment = check_referral(uow, SYSTEM_ACTOR, Submission(body, sig, file.name), reader=reader,
                                            verifier=wiring.verifier, clock=clock, refs=wiring.references())
                earlier = uow.intake.referral_by_document(assessment.sender.id, parsed.document_id)
            except DocumentRejected as rej:
                uow.rollback()
                result["would_be"] = "карантин"
                result["quarantine"] = {"code": rej.code, "message": rej.message, "details": rej.details}
                if any(d.get("rule") == "NA3" for d in rej.details):
                    result["signature"] = {"valid": False, "message": rej.details[0].get("message")}
                _out(out_fmt, result, f"Направление {parsed.document_id}: было бы помещено в карантин ({rej.code}): {rej.message}")
                raise typer.Exit(EXIT_FINDINGS) from rej
            except SignatureSetupError as exc:
                result["error"] = {"code": "signature_setup", "message": str(exc)}
                _out(out_fmt, result, f"Проверка подписи невозможна: {exc}")
                raise typer.Exit(EXIT_UNREADABLE) from exc
    finally:
        engine.dispose()
    report = report_as_data(assessment.report)
    verdict = assessment.verdict
    receipt = [f for f in report["findings"] if f["stage"] == "receipt"]
    content = [f for f in report["findings"] if f["stage"] == "content"]
    result.update(
        signature={"valid": verdict.valid, "signer": verdict.signer_subject, "signer_ogrn": verdict.signer_ogrn,
                   "signing_time": verdict.signing_time, "message": verdict.message},
        sender={"id": assessment.sender.id, "name": assessment.sender.name, "ogrn": assessment.sender.ogrn},
        bureau_id=assessment.bureau_id, form_version=assessment.schema.version,
        would_be="не принято" if receipt else "принято", receipt_findings=receipt, content_findings=content,
        notes=report["notes"], codes=[f["rule_id"] for f in report["findings"]],
        already_received=earlier.id if earlier else None)
    lines = [f"Направление {parsed.document_id} от {assessment.sender.name} (ОГРН {assessment.sender.ogrn})",
             f"Подпись: {'действительна' if verdict.valid else 'НЕ действительна'} — {verdict.signer_subject or ''}",
             f"Итог приёма: {result['would_be']}"]
    if earlier:
        lines.append(f"Этот документ уже получен (направление № {earlier.id}): повторная отправка вернёт прежний результат")
    if receipt:
        lines += ["Основания «не принято»:", *_findings_text(receipt)]
    if content:
        lines += ["Причины для возврата в МО (после регистрации):", *_findings_text(content)]
    lines += [f"  Примечание {n['rule_id']}: {n['message']}" for n in report["notes"]]
    if not receipt and not content:
        lines.append("Замечаний нет.")
    _out(out_fmt, result, "\n".join(lines))
    raise typer.Exit(EXIT_FINDINGS if receipt or content else EXIT_CLEAN)


# ------------------------------------------------------------------------------------------------ referrals import

@referrals_app.command("import")
def referrals_import(
    directory: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Папка с файлами *.json (*.xml) и подписями ИМЯ.sig")],
    fmt: FormatOpt = "text",
) -> None:
    """Принять все направления из папки (канал «импорт»); ошибка одного файла не останавливает остальные."""
    fmt = _fmt(fmt)
    settings = get_settings()
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in (".json", ".xml"))
    clock = SystemClock()
    wiring = build_intake(settings, clock)
    engine, factory = _uow_factory(settings)
    rows: list[dict[str, Any]] = []
    try:
        refs = wiring.references()
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=fmt == "json") as bar:
            task = bar.add_task("Импорт направлений", total=len(files))
            for path in files:
                rows.append(_import_one(path, settings, factory, wiring, refs, clock))
                bar.advance(task)
    finally:
        engine.dispose()
    summary = dict(Counter(r["result"] for r in rows))
    if fmt == "json":
        _out(fmt, {"directory": str(directory), "files": rows, "summary": summary, "total": len(rows)}, "")
    else:
        table = Table(title=f"Импорт направлений из {directory}")
        for col in ("файл", "результат", "№", "коды"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["file"], r["result"], str(r["id"] or ""), ", ".join(r["codes"]) or r.get("message", "")[:80])
        Console(width=140).print(table)
        typer.echo(f"Всего файлов: {len(rows)}; " + "; ".join(f"{k}: {v}" for k, v in sorted(summary.items())))


def _import_one(path: Path, settings: Settings, factory: Any, wiring: Any, refs: Any, clock: SystemClock) -> dict[str, Any]:
    row: dict[str, Any] = {"file": path.name, "result": "ошибка", "id": None, "codes": [], "message": ""}
    reader = _reader(path, settings, Channel.IMPORT)
    if reader is None:
        row.update(result="пропущен", message=_unsupported(path))
        return row
    sig_path = path.with_name(path.name + ".sig")
    if not sig_path.exists():
        sig_path = path.with_suffix(".sig")
    try:
        body = path.read_bytes()
        sig = sig_path.read_bytes() if sig_path.exists() else None
        result = receive_referral(factory, SYSTEM_ACTOR, Submission(body, sig, path.name), reader=reader,
                                  verifier=wiring.verifier, clock=clock, refs=refs)
    except IntakeRejected as rej:
        row.update(result="карантин", id=rej.incoming_id, codes=[rej.code, *sorted({d["rule"] for d in rej.details if d.get("rule")})],
                   message=rej.message)
        return row
    except (DomainError, SignatureSetupError, OSError) as exc:  # one bad file never stops the others
        row.update(message=str(exc))
        return row
    rec = result.referral
    findings = rec.checks.get("findings", [])
    row["id"] = rec.id
    row["codes"] = [f["rule_id"] for f in findings]
    row["state"] = rec.state.value
    if result.replayed:
        row["result"] = "повтор"
    else:
        row["result"] = "не принято" if rec.state.value == "not_accepted" else "принято"
    return row


# ------------------------------------------------------------------------------------------------ refdata exams

@exams_app.command("load")
def exams_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: icd_ranges,code,name,basic,section,valid_from,valid_to")],
    fmt: FormatOpt = "text",
) -> None:
    """Загрузить перечень обследований 402н/631н целиком (при любой ошибке ничего не меняется)."""
    fmt = _fmt(fmt)
    try:
        rows = parse_exam_csv(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        _out(fmt, {"ok": False, "errors": [{"field": "file", "message": "Файл не в кодировке UTF-8"}]}, "Файл не в кодировке UTF-8; ничего не загружено")
        raise typer.Exit(1) from exc
    except ValidationFailed as exc:
        errors = [{"field": p.field, "message": p.message} for p in exc.problems]
        _out(fmt, {"ok": False, "message": exc.message, "errors": errors}, "\n".join([exc.message, *(f"  {e['message']}" for e in errors)]))
        raise typer.Exit(1) from exc
    clock = SystemClock()
    engine, factory = _uow_factory(get_settings())
    try:
        with factory() as uow:
            count = uow.intake.replace_exam_requirements(rows, source=file.name, now=clock.now())
            uow.commit()
    finally:
        engine.dispose()
    _out(fmt, {"ok": True, "loaded": count, "source": file.name}, f"Загружено обследований: {count} (из {file.name}); прежний перечень заменён")


@exams_app.command("show")
def exams_show(fmt: FormatOpt = "text") -> None:
    """Сколько строк перечня обследований загружено."""
    fmt = _fmt(fmt)
    engine, factory = _uow_factory(get_settings())
    try:
        with factory() as uow:
            rows = uow.intake.exam_requirements()
    finally:
        engine.dispose()
    by_section = Counter(r.section.value for r in rows)
    basic = sum(r.basic for r in rows)
    demo = sum("демо" in r.name for r in rows)
    text = (f"Загружено обследований: {len(rows)} (основных {basic}, дополнительных {len(rows) - basic})"
            if rows else "Перечень обследований не загружен: проверка RR3 не выполняется")
    if demo:
        text += f"\nВнимание: {demo} строк — демонстрационный перечень (mse demo load), не официальный перечень 402н/631н"
    _out(fmt, {"rows": len(rows), "basic": basic, "by_section": dict(by_section), "demo_rows": demo}, text)
