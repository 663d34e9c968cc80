"""`mse documents` commands: offline verification of signed documents.

Registered from cli.py with `register(app)`. The protocol of МСЭ is signed by the head of the bureau and every
specialist (приказ 389н прил.2 п.2, п.18); `mse documents verify` checks such a signed package, or any file with a
detached CMS signature, against the trusted root certificates only: no network, no database.
Exit codes: 0 — every signature is valid, 1 — not valid, 2 — the input cannot be read or checked at all.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from mse.adapters.documents.signed_package import (
    PackageError,
    PackageVerdict,
    SignatureCheck,
    SignedPackage,
    read_package,
    verify_package,
)
from mse.adapters.signature import cms
from mse.adapters.signature.openssl import SignatureSetupError
from mse.adapters.signature.verifier import GostCmsVerifier
from mse.domain.ports import MOSCOW
from mse.domain.signatures import SignatureVerdict
from mse.settings import get_settings

documents_app = typer.Typer(help="Подписанные документы: проверка электронных подписей (ГОСТ Р 34.10-2012).",
                            no_args_is_help=True)

FORMATS = ("text", "json")
EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2
ALL_VALID = "Все подписи действительны"


def register(app: typer.Typer) -> None:
    app.add_typer(documents_app, name="documents")


class _Unreadable(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _when(moment: datetime | None) -> str | None:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S МСК") if moment else None


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _Unreadable("file_not_found", f"{what} не найден: {path}") from None
    except IsADirectoryError:
        raise _Unreadable("file_unreadable", f"{what} — это каталог, а не файл: {path}") from None
    except OSError as exc:
        raise _Unreadable("file_unreadable", f"{what} не читается: {path} ({exc.strerror or exc})") from None


def _verifier(trusted_roots: Path | None) -> tuple[GostCmsVerifier, Path]:
    roots = trusted_roots if trusted_roots is not None else get_settings().trusted_roots
    if not roots.is_file():
        raise _Unreadable("trusted_roots_missing", f"Не найден файл доверенных корневых сертификатов: {roots} "
                                                   "(укажите --trusted-roots или переменную MSE_TRUSTED_ROOTS)")
    return GostCmsVerifier(roots), roots


def _verdict_data(v: SignatureVerdict) -> dict[str, Any]:
    return {
        "valid": v.valid, "problem": v.problem.value if v.problem else None, "message": v.message,
        "signer_subject": v.signer_subject, "certificate_serial": v.certificate_serial,
        "certificate_valid_from": v.certificate_valid_from.isoformat() if v.certificate_valid_from else None,
        "certificate_valid_to": v.certificate_valid_to.isoformat() if v.certificate_valid_to else None,
        "signing_time": v.signing_time.isoformat() if v.signing_time else None, "digest_algorithm": v.digest_algorithm,
    }


def _check_lines(number: int, check: SignatureCheck) -> list[str]:
    sig, v = check.signature, check.verdict
    signer = sig.full_name + (f", {sig.position}" if sig.position.strip() else "")
    when = _when(v.signing_time) or f"{_when(sig.signed_at)} (указано в пакете, в подписи нет)"
    return [
        f"Подпись № {number}",
        f"  Подписант: {signer}",
        f"  Роль: {sig.role.label}",
        f"  Сертификат: серийный номер {v.certificate_serial or '—'}; владелец {v.signer_subject or '—'}",
        f"  Время подписания: {when}",
        f"  Результат: {check.message}",
    ]


def _final_line(valid: bool, problems: list[str]) -> str:
    return ALL_VALID if valid else "Подписи недействительны: " + "; ".join(problems)


def _package_report(path: Path, pkg: SignedPackage, verdict: PackageVerdict, roots: Path) -> tuple[dict[str, Any], str]:
    data = {
        "file": str(path), "mode": "package", "valid": verdict.valid, "trusted_roots": str(roots),
        "kind": pkg.kind, "title": pkg.title,
        "digest": {"stated": pkg.canonical_sha256, "computed": verdict.computed_sha256, "matches": verdict.digest_matches},
        "signatures": [
            {"number": n, "role": c.signature.role.value, "full_name": c.signature.full_name, "position": c.signature.position,
             "signed_at": c.signature.signed_at.isoformat(), "certificate_name": c.certificate_name,
             "name_matches": c.name_matches, "valid": c.valid, "message": c.message, "verdict": _verdict_data(c.verdict)}
            for n, c in enumerate(verdict.checks, start=1)
        ],
        "problems": list(verdict.problems),
    }
    lines = [f"Документ: {pkg.title or '(без названия)'} ({pkg.kind})", f"Файл: {path}"]
    if verdict.digest_matches:
        lines.append(f"Хэш канонического JSON (SHA-256): {verdict.computed_sha256} — совпадает с указанным в пакете")
    else:
        lines.append(f"Хэш канонического JSON (SHA-256): {verdict.computed_sha256} — НЕ совпадает с указанным в пакете "
                     f"({pkg.canonical_sha256})")
    for n, check in enumerate(verdict.checks, start=1):
        lines += ["", *_check_lines(n, check)]
    lines += ["", _final_line(verdict.valid, list(verdict.problems))]
    return data, "\n".join(lines)


def _detached_report(path: Path, sig_path: Path, v: SignatureVerdict, roots: Path) -> tuple[dict[str, Any], str]:
    problems = [] if v.valid else [f"подпись ({v.signer_subject or 'подписант неизвестен'}): {v.message}"]
    data = {"file": str(path), "mode": "detached", "signature_file": str(sig_path), "valid": v.valid,
            "trusted_roots": str(roots), "signatures": [{"number": 1, "valid": v.valid, "message": v.message,
                                                         "verdict": _verdict_data(v)}], "problems": problems}
    lines = [
        f"Документ: {path}", f"Откреплённая подпись: {sig_path}", "",
        "Подпись № 1",
        f"  Подписант: {v.signer_subject or '—'}",
        "  Роль: —",
        f"  Сертификат: серийный номер {v.certificate_serial or '—'}",
        f"  Время подписания: {_when(v.signing_time) or '—'}",
        f"  Результат: {v.message}",
        "", _final_line(v.valid, problems),
    ]
    return data, "\n".join(lines)


def _verify(file: Path, signature: Path | None, trusted_roots: Path | None) -> tuple[bool, dict[str, Any], str]:
    body = _read(file, "Файл документа" if signature else "Файл подписанного пакета")
    if signature is None:
        try:
            pkg = read_package(body)
        except PackageError as exc:
            raise _Unreadable("package_unreadable", f"{file}: {exc}") from None
        verifier, roots = _verifier(trusted_roots)
        verdict = verify_package(pkg, verifier)
        data, text = _package_report(file, pkg, verdict, roots)
        return verdict.valid, data, text
    sig = _read(signature, "Файл подписи")
    try:
        cms.parse_cms(sig)
    except cms.CmsFormatError as exc:
        raise _Unreadable("signature_unreadable", f"Файл подписи {signature} не читается: {exc}") from None
    verifier, roots = _verifier(trusted_roots)
    v = verifier.verify(body, sig, expected_ogrn=None)
    data, text = _detached_report(file, signature, v, roots)
    return v.valid, data, text


@documents_app.command("verify")
def documents_verify(
    file: Annotated[Path, typer.Argument(help="Подписанный пакет (.json) или, с --signature, любой подписанный файл",
                                         show_default=False)],
    signature: Annotated[Path | None, typer.Option(
        "--signature", help="Открепленная подпись CMS (DER или PEM) над байтами ФАЙЛА; тогда ФАЙЛ — любой документ")] = None,
    trusted_roots: Annotated[Path | None, typer.Option(
        "--trusted-roots", help="PEM-файл доверенных корневых сертификатов (по умолчанию MSE_TRUSTED_ROOTS)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="Формат вывода: text или json")] = "text",
) -> None:
    """Проверить электронные подписи документа без сети. Код выхода: 0 — все подписи действительны,
    1 — подписи недействительны, 2 — файл не читается или проверка невозможна."""
    if fmt not in FORMATS:
        typer.echo(f"Ошибка: недопустимый формат вывода «{fmt}»: допустимо text или json", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    try:
        valid, data, text = _verify(file, signature, trusted_roots)
    except (_Unreadable, SignatureSetupError) as exc:
        code, message = (exc.code, exc.message) if isinstance(exc, _Unreadable) else ("signature_setup", str(exc))
        if fmt == "json":
            sys.stdout.write(json.dumps({"file": str(file), "valid": False, "error": {"code": code, "message": message}},
                                        ensure_ascii=False) + "\n")
        else:
            typer.echo(f"Ошибка: {message}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        typer.echo(text)
    raise typer.Exit(EXIT_VALID if valid else EXIT_INVALID)
