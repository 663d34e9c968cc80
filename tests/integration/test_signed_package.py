"""Signed packages (mse-signed-document/1): the protocol of МСЭ signed by the head and the specialists (389н прил.2
п.2, п.18) with demo staff keys, verified for real with OpenSSL 3 and the GOST engine."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from mse.adapters.documents.signed_package import (
    FORMAT,
    KIND_PROTOCOL_389N,
    PackageError,
    PackageSignature,
    SignerRole,
    build_package,
    read_package,
    sign_document,
    verify_package,
)
from mse.adapters.signature import GostCmsSigner, GostCmsVerifier, SignatureSetupError, cms
from mse.adapters.signature.pki import IssuedCertificate, create_root_ca, write_trusted_roots
from mse.adapters.signature.staff_keys import DEMO_ORGANIZATION, DemoStaffKeys
from mse.domain.canonical import canonical_json
from mse.domain.signatures import SignatureProblem, StaffKeys
from tests.intake_support import TestPki

HEAD = ("user-head-1", "Смирнова Ольга Петровна", "руководитель бюро № 12")
SPECIALIST = ("user-spec-7", "Ёлкин Пётр Ильич", "врач по МСЭ")

PROTOCOL: dict[str, Any] = {
    "protocolNumber": "12-2026-000345",
    "examinationDate": "2026-03-02",
    "citizen": {"lastName": "Иванов", "firstName": "Иван", "middleName": "Иванович", "snils": "112-233-445 95"},
    "decision": {"disabilityGroup": 2, "cause": "общее заболевание", "reexaminationDate": "2027-03-01"},
    "bodyMassIndex": 26.6,
    "composition": [{"role": "head", "fullName": HEAD[1]}, {"role": "specialist", "fullName": SPECIALIST[1]}],
}


@dataclass(frozen=True)
class StaffPki:
    ca: IssuedCertificate
    roots: Path
    keys: DemoStaffKeys
    directory: Path

    def verifier(self) -> GostCmsVerifier:
        return GostCmsVerifier(self.roots)


@pytest.fixture(scope="module")
def staff(tmp_path_factory: pytest.TempPathFactory) -> StaffPki:
    base = tmp_path_factory.mktemp("staff-pki")
    ca = create_root_ca(base, name="demo-root", common_name="Демонстрационный УЦ МСЭ (тест)")
    return StaffPki(ca=ca, roots=write_trusted_roots(base / "trusted-roots.pem", ca),
                    keys=DemoStaffKeys(base / "staff", ca), directory=base / "staff")


def _sign(keys: StaffKeys, who: tuple[str, str, str], role: SignerRole, document: dict[str, Any] = PROTOCOL) -> PackageSignature:
    user_id, name, position = who
    return sign_document(document, keys.signer_for(user_id, name), role=role, full_name=name, position=position)


@pytest.fixture(scope="module")
def package(staff: StaffPki) -> bytes:
    return build_package(KIND_PROTOCOL_389N, "Протокол проведения МСЭ № 12-2026-000345", PROTOCOL,
                         [_sign(staff.keys, HEAD, SignerRole.HEAD), _sign(staff.keys, SPECIALIST, SignerRole.SPECIALIST)])


def _edit(package: bytes, change: Any) -> bytes:
    data = json.loads(package)
    change(data)
    return json.dumps(data, ensure_ascii=False).encode()


# ------------------------------------------------------------------------------------------------ valid packages

def test_head_and_specialist_signatures_are_valid(staff: StaffPki, package: bytes) -> None:
    pkg = read_package(package)
    verdict = verify_package(pkg, staff.verifier())

    assert verdict.valid, verdict.problems
    assert verdict.digest_matches
    assert verdict.problems == ()
    assert [c.signature.role for c in verdict.checks] == [SignerRole.HEAD, SignerRole.SPECIALIST]
    for check, (_, name, _) in zip(verdict.checks, (HEAD, SPECIALIST), strict=True):
        assert check.valid, check.message
        assert check.name_matches
        assert check.certificate_name == name
        assert check.verdict.message == "Подпись действительна"
        assert check.verdict.signer_subject == f"CN={name}, O={DEMO_ORGANIZATION}"
        assert check.verdict.certificate_serial
        assert check.verdict.signing_time == check.signature.signed_at  # signed_at is taken from the CMS
        assert check.verdict.digest_algorithm == "GOST R 34.11-2012 (256)"


def test_package_layout(package: bytes) -> None:
    data = json.loads(package)
    assert list(data) == ["format", "kind", "title", "document", "canonical_sha256", "signatures"]
    assert data["format"] == FORMAT
    assert data["kind"] == KIND_PROTOCOL_389N
    assert data["document"] == PROTOCOL
    assert len(data["canonical_sha256"]) == 64
    sig = data["signatures"][0]
    assert set(sig) == {"role", "full_name", "position", "signed_at", "cms"}
    assert sig["role"] == "head"
    parsed = cms.parse_cms(base64.b64decode(sig["cms"]))
    assert parsed.detached  # the document is not inside the signature


def test_signatures_cover_the_canonical_form_not_the_file_layout(staff: StaffPki, package: bytes) -> None:
    data = json.loads(package)
    data["document"] = dict(reversed(list(data["document"].items())))
    compact = json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode()  # re-ordered, \u-escaped, compact
    assert compact != package
    assert verify_package(read_package(compact), staff.verifier()).valid


def test_each_signature_verifies_as_a_plain_detached_signature_of_the_canonical_bytes(staff: StaffPki, package: bytes) -> None:
    pkg = read_package(package)
    verdict = staff.verifier().verify(canonical_json(PROTOCOL), pkg.signatures[1].cms, expected_ogrn=None)
    assert verdict.valid, verdict.message


# ------------------------------------------------------------------------------------------------ invalid packages

def test_tampered_document_is_reported_as_digest_mismatch(staff: StaffPki, package: bytes) -> None:
    tampered = _edit(package, lambda d: d["document"]["decision"].update(disabilityGroup=1))
    verdict = verify_package(read_package(tampered), staff.verifier())

    assert not verdict.valid
    assert not verdict.digest_matches
    assert "документ изменён" in verdict.problems[0]
    assert [c.verdict.problem for c in verdict.checks] == [SignatureProblem.DIGEST_MISMATCH] * 2


def test_tampered_document_with_a_recomputed_hash_still_fails_every_signature(staff: StaffPki, package: bytes) -> None:
    def tamper(d: dict[str, Any]) -> None:
        d["document"]["decision"]["disabilityGroup"] = 1
        d["canonical_sha256"] = hashlib.sha256(canonical_json(d["document"])).hexdigest()

    verdict = verify_package(read_package(_edit(package, tamper)), staff.verifier())
    assert verdict.digest_matches
    assert not verdict.valid
    assert [c.verdict.problem for c in verdict.checks] == [SignatureProblem.DIGEST_MISMATCH] * 2


def test_without_the_head_signature_the_package_is_invalid(staff: StaffPki, package: bytes) -> None:
    pkg = read_package(_edit(package, lambda d: d["signatures"].pop(0)))
    verdict = verify_package(pkg, staff.verifier())

    assert not verdict.valid
    assert verdict.digest_matches
    assert all(c.valid for c in verdict.checks)
    assert verdict.problems == ("нет подписи руководителя бюро (приказ 389н прил.2 п.2, п.18)",)


def test_without_any_signature_the_package_is_invalid(staff: StaffPki) -> None:
    verdict = verify_package(read_package(build_package(KIND_PROTOCOL_389N, "Протокол", PROTOCOL, [])), staff.verifier())
    assert not verdict.valid
    assert verdict.problems == ("в пакете нет ни одной подписи",)


def test_signature_of_an_untrusted_ca_is_rejected(staff: StaffPki, pki: TestPki, package: bytes) -> None:
    stranger = sign_document(PROTOCOL, GostCmsSigner(pki.stranger.cert, pki.stranger.key), role=SignerRole.SPECIALIST,
                             full_name="Посторонний", position="врач по МСЭ")
    pkg = read_package(package)
    pkg = replace(pkg, signatures=(*pkg.signatures, stranger))
    verdict = verify_package(pkg, staff.verifier())

    assert not verdict.valid
    assert [c.valid for c in verdict.checks] == [True, True, False]
    assert verdict.checks[2].verdict.problem is SignatureProblem.UNTRUSTED
    assert verdict.checks[2].name_matches
    assert verdict.problems[0].startswith("подпись № 3 (Посторонний, специалист): Сертификат подписанта выдан не доверенным")


def test_staff_keys_of_another_ca_are_untrusted(staff: StaffPki, tmp_path: Path, package: bytes) -> None:
    other = DemoStaffKeys(tmp_path / "staff", create_root_ca(tmp_path, name="demo-root", common_name="Другой демо-УЦ"))
    pkg = read_package(package)
    pkg = replace(pkg, signatures=(pkg.signatures[0], _sign(other, SPECIALIST, SignerRole.SPECIALIST)))
    verdict = verify_package(pkg, staff.verifier())
    assert not verdict.valid
    assert verdict.checks[1].verdict.problem is SignatureProblem.UNTRUSTED


def test_signature_attributed_to_another_person_is_rejected(staff: StaffPki, package: bytes) -> None:
    pkg = read_package(_edit(package, lambda d: d["signatures"][1].update(full_name="Сидоров Сидор Сидорович")))
    verdict = verify_package(pkg, staff.verifier())

    assert not verdict.valid
    check = verdict.checks[1]
    assert check.verdict.valid  # the signature itself is fine…
    assert not check.name_matches  # …but it is not the named person's
    assert check.message == "Подпись выполнена сертификатом «Ёлкин Пётр Ильич», а в пакете указан подписант «Сидоров Сидор Сидорович»"


def test_name_comparison_ignores_case_spacing_and_yo(staff: StaffPki, package: bytes) -> None:
    pkg = read_package(_edit(package, lambda d: d["signatures"][1].update(full_name="  елкин   ПЁТР ильич ")))
    assert verify_package(pkg, staff.verifier()).valid


def test_garbage_cms_is_an_invalid_signature_not_an_unreadable_package(staff: StaffPki, package: bytes) -> None:
    pkg = read_package(_edit(package, lambda d: d["signatures"][1].update(cms=base64.b64encode(b"0\x03abc").decode())))
    verdict = verify_package(pkg, staff.verifier())
    assert not verdict.valid
    assert verdict.checks[1].verdict.problem is SignatureProblem.MALFORMED


# ------------------------------------------------------------------------------------------------ malformed files

def _without(key: str) -> Any:
    return lambda d: d.pop(key)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(format="mse-signed-document/2"), "Неизвестный формат пакета «mse-signed-document/2»"),
    (_without("format"), "нет поля «format»"),
    (_without("document"), "В пакете нет поля «document»"),
    (_without("signatures"), "В пакете нет поля «signatures»"),
    (_without("kind"), "В пакете нет поля «kind»"),
    (lambda d: d.update(document=[1, 2]), "Поле «document» в пакете должно быть объектом JSON"),
    (lambda d: d.update(canonical_sha256="abc"), "64 шестнадцатеричные цифры"),
    (lambda d: d.update(signatures={}), "Поле «signatures» в пакете должно быть списком"),
    (lambda d: d["signatures"][0].update(cms="не base64!"), "Поле «cms» в подписи № 1 не является корректной строкой Base64"),
    (lambda d: d["signatures"][1].pop("full_name"), "В подписи № 2 нет поля «full_name»"),
    (lambda d: d["signatures"][0].update(role="chairman"), "Неизвестная роль подписанта «chairman»"),
    (lambda d: d["signatures"][0].update(signed_at="вчера"), "не является датой и временем ISO 8601"),
    (lambda d: d["signatures"][0].update(signed_at="2026-03-02T10:00:00"), "должно содержать часовой пояс"),
    (lambda d: d["signatures"].append("подпись"), "Подпись № 3 должна быть объектом JSON"),
])
def test_malformed_packages_are_refused_with_a_russian_message(package: bytes, change: Any, message: str) -> None:
    with pytest.raises(PackageError, match=message):
        read_package(_edit(package, change))


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Файл пуст"),
    (b"\xff\xfe garbage", "не является текстом в кодировке UTF-8"),
    (b"{\"format\": ", "не является документом JSON: ошибка в строке 1"),
    (b"[1, 2]", "ожидается объект JSON"),
    (b'{"format": "mse-signed-document/1", "format": "x"}', "повторяется поле «format»"),
    (b'{"format": "mse-signed-document/1", "document": {"x": NaN}}', "недопустимое числовое значение NaN"),
])
def test_unreadable_bytes_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(PackageError, match=message):
        read_package(data)


def test_package_error_is_a_value_error() -> None:
    assert issubclass(PackageError, ValueError)


# ------------------------------------------------------------------------------------------------ demo staff keys

def test_staff_keys_are_issued_once_and_reused(staff: StaffPki, package: bytes) -> None:
    paths = staff.keys.paths_for(HEAD[0])
    assert paths.cert.is_file()
    assert paths.key.is_file()
    assert HEAD[0] not in paths.cert.name  # file names are a hash, no identifiers or names
    assert paths.key.stat().st_mode & 0o077 == 0
    before = paths.cert.read_bytes()
    staff.keys.signer_for(HEAD[0], HEAD[1])
    assert paths.cert.read_bytes() == before
    assert not list(staff.directory.glob(".issue-*"))  # no leftovers of issuing


def test_staff_certificate_is_reissued_when_the_name_changes(staff: StaffPki) -> None:
    keys = staff.keys
    signer = keys.signer_for("user-renamed", "Петрова Анна Сергеевна")
    first = keys.paths_for("user-renamed").cert.read_bytes()
    keys.signer_for("user-renamed", "Петрова Анна Сергеевна")
    assert keys.paths_for("user-renamed").cert.read_bytes() == first
    renamed = keys.signer_for("user-renamed", "Иванова Анна Сергеевна")
    assert keys.paths_for("user-renamed").cert.read_bytes() != first
    verdict = staff.verifier().verify(b"x", renamed.sign(b"x"), expected_ogrn=None)
    assert verdict.valid, verdict.message
    assert verdict.signer_subject == f"CN=Иванова Анна Сергеевна, O={DEMO_ORGANIZATION}"
    assert isinstance(signer, GostCmsSigner)


def test_staff_certificate_of_a_replaced_ca_is_reissued(tmp_path: Path) -> None:
    first_ca = create_root_ca(tmp_path / "a", name="demo-root", common_name="Демо-УЦ")
    DemoStaffKeys(tmp_path / "staff", first_ca).signer_for("u1", "Орлов Олег Олегович")
    second_ca = create_root_ca(tmp_path / "b", name="demo-root", common_name="Демо-УЦ")  # same name, new key
    signer = DemoStaffKeys(tmp_path / "staff", second_ca).signer_for("u1", "Орлов Олег Олегович")
    roots = write_trusted_roots(tmp_path / "roots.pem", second_ca)
    assert GostCmsVerifier(roots).verify(b"x", signer.sign(b"x"), expected_ogrn=None).valid


def test_staff_keys_can_be_issued_from_several_threads(tmp_path: Path) -> None:
    ca = create_root_ca(tmp_path, name="demo-root", common_name="Демо-УЦ")
    keys = DemoStaffKeys(tmp_path / "staff", ca)
    errors: list[BaseException] = []

    def issue(n: int) -> None:
        try:
            keys.signer_for(f"user-{n % 3}", f"Сотрудник Номер {n % 3}")
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(list((tmp_path / "staff").glob("staff-*.pem"))) == 3
    roots = write_trusted_roots(tmp_path / "roots.pem", ca)
    for n in range(3):
        verdict = GostCmsVerifier(roots).verify(b"doc", keys.signer_for(f"user-{n}", f"Сотрудник Номер {n}").sign(b"doc"),
                                                expected_ogrn=None)
        assert verdict.valid, verdict.message


def test_demo_pki_directory_without_a_ca_is_a_setup_error(tmp_path: Path) -> None:
    with pytest.raises(SignatureSetupError, match="mse demo load"):
        DemoStaffKeys.from_demo_pki(tmp_path)


def test_from_demo_pki_uses_the_demo_root(tmp_path: Path) -> None:
    ca = create_root_ca(tmp_path, name="demo-root", common_name="Демо-УЦ")
    keys = DemoStaffKeys.from_demo_pki(tmp_path)
    signer = keys.signer_for("u", "Кузнецов Кузьма Кузьмич")
    assert keys.paths_for("u").cert.parent == tmp_path / "staff"
    assert GostCmsVerifier(write_trusted_roots(tmp_path / "r.pem", ca)).verify(b"d", signer.sign(b"d"), expected_ogrn=None).valid


def test_empty_identity_is_refused(staff: StaffPki) -> None:
    with pytest.raises(ValueError, match="user_id"):
        staff.keys.signer_for(" ", "Имя")
    with pytest.raises(ValueError, match="full_name"):
        staff.keys.signer_for("u", "  ")
