"""`mse documents verify`: offline verification of signed packages and of detached signatures."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mse.adapters.documents.signed_package import KIND_PROTOCOL_389N, SignerRole, build_package, sign_document
from mse.adapters.signature.pki import create_root_ca, write_trusted_roots
from mse.adapters.signature.staff_keys import DemoStaffKeys
from mse.cli import app
from mse.settings import get_settings
from tests.intake_support import TestPki

runner = CliRunner()

DOCUMENT = {"protocolNumber": "12-2026-000345", "decision": {"disabilityGroup": 2}, "citizen": "Иванов Иван Иванович"}
HEAD_NAME, SPECIALIST_NAME = "Смирнова Ольга Петровна", "Ёлкин Пётр Ильич"


@dataclass(frozen=True)
class Files:
    roots: Path
    package: Path
    tampered: Path
    no_head: Path
    keys: DemoStaffKeys


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    base = tmp_path_factory.mktemp("documents-cli")
    ca = create_root_ca(base, name="demo-root", common_name="Демонстрационный УЦ МСЭ (тест)")
    keys = DemoStaffKeys(base / "staff", ca)
    head = sign_document(DOCUMENT, keys.signer_for("u-head", HEAD_NAME), role=SignerRole.HEAD, full_name=HEAD_NAME,
                         position="руководитель бюро № 12")
    spec = sign_document(DOCUMENT, keys.signer_for("u-spec", SPECIALIST_NAME), role=SignerRole.SPECIALIST,
                         full_name=SPECIALIST_NAME, position="врач по МСЭ")
    package = base / "protocol.json"
    package.write_bytes(build_package(KIND_PROTOCOL_389N, "Протокол проведения МСЭ № 12-2026-000345", DOCUMENT, [head, spec]))
    data = json.loads(package.read_bytes())
    data["document"]["decision"]["disabilityGroup"] = 1
    tampered = base / "tampered.json"
    tampered.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    no_head = base / "no-head.json"
    no_head.write_bytes(build_package(KIND_PROTOCOL_389N, "Протокол", DOCUMENT, [spec]))
    return Files(roots=write_trusted_roots(base / "trusted-roots.pem", ca), package=package, tampered=tampered,
                 no_head=no_head, keys=keys)


# ------------------------------------------------------------------------------------------------ signed packages

def test_valid_package_exits_0(files: Files) -> None:
    r = runner.invoke(app, ["documents", "verify", str(files.package), "--trusted-roots", str(files.roots)])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[-1] == "Все подписи действительны"
    assert lines[0] == "Документ: Протокол проведения МСЭ № 12-2026-000345 (protocol-389n)"
    assert "совпадает с указанным в пакете" in lines[2]
    assert "  Подписант: Смирнова Ольга Петровна, руководитель бюро № 12" in lines
    assert "  Роль: руководитель бюро" in lines
    assert "  Роль: специалист" in lines
    assert sum(line.startswith("  Сертификат: серийный номер ") for line in lines) == 2
    assert sum(line.startswith("  Время подписания: ") and line.endswith(" МСК") for line in lines) == 2
    assert lines.count("  Результат: Подпись действительна") == 2


def test_tampered_package_exits_1(files: Files) -> None:
    r = runner.invoke(app, ["documents", "verify", str(files.tampered), "--trusted-roots", str(files.roots)])
    assert r.exit_code == 1, r.output
    last = r.stdout.splitlines()[-1]
    assert last.startswith("Подписи недействительны: хэш документа не совпадает с указанным в пакете")
    assert "подпись № 1 (Смирнова Ольга Петровна, руководитель бюро): Подпись не соответствует документу" in last
    assert "НЕ совпадает с указанным в пакете" in r.stdout


def test_package_without_the_head_signature_exits_1(files: Files) -> None:
    r = runner.invoke(app, ["documents", "verify", str(files.no_head), "--trusted-roots", str(files.roots)])
    assert r.exit_code == 1, r.output
    assert r.stdout.splitlines()[-1] == "Подписи недействительны: нет подписи руководителя бюро (приказ 389н прил.2 п.2, п.18)"


def test_untrusted_roots_exit_1(files: Files, pki: TestPki) -> None:
    r = runner.invoke(app, ["documents", "verify", str(files.package), "--trusted-roots", str(pki.roots)])
    assert r.exit_code == 1, r.output
    assert r.stdout.count("Сертификат подписанта выдан не доверенным удостоверяющим центром") >= 2


def test_json_report(files: Files) -> None:
    r = runner.invoke(app, ["documents", "verify", str(files.tampered), "--trusted-roots", str(files.roots), "--format", "json"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert data["mode"] == "package"
    assert data["valid"] is False
    assert data["digest"]["matches"] is False
    assert [s["role"] for s in data["signatures"]] == ["head", "specialist"]
    assert [s["verdict"]["problem"] for s in data["signatures"]] == ["signature_digest_mismatch"] * 2
    assert data["signatures"][0]["verdict"]["certificate_serial"]


def test_trusted_roots_default_to_the_setting(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSE_TRUSTED_ROOTS", str(files.roots))
    get_settings.cache_clear()
    try:
        r = runner.invoke(app, ["documents", "verify", str(files.package)])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-1] == "Все подписи действительны"


# ------------------------------------------------------------------------------------------------ unreadable input

@pytest.mark.parametrize(("content", "message"), [
    (b"\x00\x01 not a package at all \xff", "не является текстом в кодировке UTF-8"),
    (b"hello, world", "не является документом JSON"),
    (b'{"format": "something-else/1"}', "Неизвестный формат пакета «something-else/1»"),
])
def test_garbage_file_exits_2_with_a_russian_message(files: Files, tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "garbage.json"
    bad.write_bytes(content)
    r = runner.invoke(app, ["documents", "verify", str(bad), "--trusted-roots", str(files.roots)])
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    assert r.stderr.startswith(f"Ошибка: {bad}: ")
    assert message in r.stderr
    assert "Traceback" not in r.output


def test_missing_file_exits_2(files: Files, tmp_path: Path) -> None:
    r = runner.invoke(app, ["documents", "verify", str(tmp_path / "nope.json"), "--trusted-roots", str(files.roots)])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == f"Ошибка: Файл подписанного пакета не найден: {tmp_path / 'nope.json'}"


def test_missing_trusted_roots_exits_2(files: Files, tmp_path: Path) -> None:
    r = runner.invoke(app, ["documents", "verify", str(files.package), "--trusted-roots", str(tmp_path / "none.pem")])
    assert r.exit_code == 2, r.output
    assert "Не найден файл доверенных корневых сертификатов" in r.stderr


def test_unreadable_input_in_json_mode(tmp_path: Path, files: Files) -> None:
    bad = tmp_path / "garbage.json"
    bad.write_text("[]", encoding="utf-8")
    r = runner.invoke(app, ["documents", "verify", str(bad), "--trusted-roots", str(files.roots), "--format", "json"])
    assert r.exit_code == 2, r.output
    data = json.loads(r.stdout)
    assert data["valid"] is False
    assert data["error"]["code"] == "package_unreadable"
    assert "ожидается объект JSON" in data["error"]["message"]


def test_unknown_format_option_exits_2(files: Files) -> None:
    r = runner.invoke(app, ["documents", "verify", str(files.package), "--format", "xml"])
    assert r.exit_code == 2
    assert "допустимо text или json" in r.stderr


def test_real_process_prints_no_traceback(tmp_path: Path, files: Files) -> None:
    bad = tmp_path / "garbage.json"
    bad.write_bytes(b"\x89PNG\r\n")
    done = subprocess.run(  # noqa: S603 - the interpreter running the tests
        [sys.executable, "-c", "from mse.cli import main; main()", "documents", "verify", str(bad),
         "--trusted-roots", str(files.roots)], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == f"Ошибка: {bad}: Файл не является текстом в кодировке UTF-8 (байт 0)"


# ------------------------------------------------------------------------------------------------ detached signatures

@pytest.fixture
def signed_file(tmp_path: Path, files: Files) -> tuple[Path, Path]:
    doc = tmp_path / "act.pdf"
    doc.write_bytes(b"%PDF-1.7\n\xd0\x90\xd0\xba\xd1\x82 \xd0\x9c\xd0\xa1\xd0\xad\n")
    sig = tmp_path / "act.pdf.sig"
    sig.write_bytes(files.keys.signer_for("u-head", HEAD_NAME).sign(doc.read_bytes()))
    return doc, sig


def test_detached_signature_der(files: Files, signed_file: tuple[Path, Path]) -> None:
    doc, sig = signed_file
    r = runner.invoke(app, ["documents", "verify", str(doc), "--signature", str(sig), "--trusted-roots", str(files.roots)])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[-1] == "Все подписи действительны"
    assert f"  Подписант: CN={HEAD_NAME}, O=Бюро МСЭ (демо)" in r.stdout


def test_detached_signature_pem(files: Files, signed_file: tuple[Path, Path], tmp_path: Path) -> None:
    doc, sig = signed_file
    pem = tmp_path / "act.pdf.p7s"
    pem.write_text("-----BEGIN CMS-----\n" + "\n".join(textwrap.wrap(base64.b64encode(sig.read_bytes()).decode(), 64))
                   + "\n-----END CMS-----\n", encoding="ascii")
    r = runner.invoke(app, ["documents", "verify", str(doc), "--signature", str(pem), "--trusted-roots", str(files.roots)])
    assert r.exit_code == 0, r.output


def test_detached_signature_over_changed_bytes_exits_1(files: Files, signed_file: tuple[Path, Path]) -> None:
    doc, sig = signed_file
    doc.write_bytes(doc.read_bytes() + b" ")
    r = runner.invoke(app, ["documents", "verify", str(doc), "--signature", str(sig), "--trusted-roots", str(files.roots),
                            "--format", "json"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert data["mode"] == "detached"
    assert data["signatures"][0]["verdict"]["problem"] == "signature_digest_mismatch"


def test_detached_garbage_signature_exits_2(files: Files, signed_file: tuple[Path, Path], tmp_path: Path) -> None:
    doc, _ = signed_file
    junk = tmp_path / "junk.sig"
    junk.write_text("это не подпись", encoding="utf-8")
    r = runner.invoke(app, ["documents", "verify", str(doc), "--signature", str(junk), "--trusted-roots", str(files.roots)])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"Ошибка: Файл подписи {junk} не читается: ")
