"""The signed package: a JSON document together with the detached signatures of the people who signed it.

The protocol of МСЭ is signed by the head of the bureau and by every specialist (приказ 389н прил.2 п.2, п.18:
УКЭП of the head and of each specialist). Every signature is a detached CMS (CAdES-BES, GOST R 34.10-2012) over
``canonical_json(document)`` (mse.domain.canonical), so the package can be checked offline by anyone who has the
trusted root certificates: ``mse documents verify FILE``.

Format ``mse-signed-document/1`` (UTF-8 JSON)::

    {"format": "mse-signed-document/1", "kind": "protocol-389n", "title": "…", "document": {…},
     "canonical_sha256": "<hex SHA-256 of canonical_json(document)>",
     "signatures": [{"role": "head" | "specialist", "full_name": "…", "position": "…",
                     "signed_at": "<ISO 8601 with offset>", "cms": "<Base64 of the DER CMS>"}]}

Only ``document`` is signed. ``role``, ``full_name``, ``position`` and ``signed_at`` are the envelope's claims:
verification ties ``full_name`` to the signer's certificate (CN, or surname + given names) and reports the signing
time from the CMS itself; the role is not covered by the certificate, so the document is expected to name the head
and the specialists of the expert composition itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from asn1crypto import x509  # no stubs: ignore_missing_imports in pyproject

from mse.adapters.signature import cms
from mse.domain.canonical import canonical_json
from mse.domain.signatures import DocumentSigner, SignatureVerdict, SignatureVerifier

FORMAT = "mse-signed-document/1"
KIND_PROTOCOL_389N = "protocol-389n"
MAX_PACKAGE_BYTES = 16 * 1024 * 1024
_CN_MAX = 64  # X.520 ub-common-name
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class PackageError(ValueError):
    """The bytes are not a readable signed package; the message is Russian, for the user."""


class SignerRole(StrEnum):
    HEAD = "head"  # руководитель бюро (экспертного состава)
    SPECIALIST = "specialist"  # специалист, проводивший МСЭ

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {SignerRole.HEAD: "руководитель бюро", SignerRole.SPECIALIST: "специалист"}


@dataclass(frozen=True, slots=True)
class PackageSignature:
    role: SignerRole
    full_name: str
    position: str
    signed_at: datetime  # timezone-aware; the envelope's claim (the CMS carries its own signingTime)
    cms: bytes  # DER of the detached CMS SignedData over canonical_json(document)


@dataclass(frozen=True, slots=True)
class SignedPackage:
    kind: str
    title: str
    document: dict[str, Any]
    canonical_sha256: str  # as stated in the package, lower-case hex
    signatures: tuple[PackageSignature, ...]


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """One signature of the package: the cryptographic verdict and whether the certificate is the named person's."""

    signature: PackageSignature
    verdict: SignatureVerdict
    certificate_name: str | None  # the person named by the signer's certificate
    name_matches: bool

    @property
    def valid(self) -> bool:
        return self.verdict.valid and self.name_matches

    @property
    def message(self) -> str:
        if not self.verdict.valid:
            return self.verdict.message
        if not self.name_matches:
            return (f"Подпись выполнена сертификатом «{self.certificate_name or 'без ФИО'}», "
                    f"а в пакете указан подписант «{self.signature.full_name}»")
        return self.verdict.message


@dataclass(frozen=True, slots=True)
class PackageVerdict:
    valid: bool
    digest_matches: bool
    computed_sha256: str
    checks: tuple[SignatureCheck, ...]
    problems: tuple[str, ...]  # Russian; empty when valid


# ------------------------------------------------------------------------------------------------ building

def sign_document(document: Mapping[str, Any], signer: DocumentSigner, *, role: SignerRole | str, full_name: str,
                  position: str) -> PackageSignature:
    """Sign ``canonical_json(document)`` with ``signer``; ``signed_at`` is the signing time inside the CMS."""
    der = signer.sign(canonical_json(document))
    signed_at = cms.parse_cms(der).signing_time
    if signed_at is None:
        raise ValueError("the signer made a CMS without signingTime (not CAdES-BES)")
    return PackageSignature(role=SignerRole(role), full_name=full_name, position=position, signed_at=signed_at, cms=der)


def build_package(kind: str, title: str, document: Mapping[str, Any], signatures: Sequence[PackageSignature]) -> bytes:
    """The package file (UTF-8 JSON, indented); raises ValueError when the document has no canonical form."""
    if not kind.strip():
        raise ValueError("kind must not be empty")
    body = dict(document)
    canonical = canonical_json(body)
    data = {
        "format": FORMAT,
        "kind": kind,
        "title": title,
        "document": body,
        "canonical_sha256": hashlib.sha256(canonical).hexdigest(),
        "signatures": [_signature_data(s) for s in signatures],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


def _signature_data(sig: PackageSignature) -> dict[str, str]:
    if sig.signed_at.tzinfo is None:
        raise ValueError("signed_at must be timezone-aware")
    return {
        "role": SignerRole(sig.role).value,
        "full_name": sig.full_name,
        "position": sig.position,
        "signed_at": sig.signed_at.isoformat(),
        "cms": base64.b64encode(sig.cms).decode("ascii"),
    }


# ------------------------------------------------------------------------------------------------ reading

def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            # Two members with one name: another reader may pick the other value than the one that was verified.
            raise PackageError(f"В пакете повторяется поле «{key}»: такой документ читается неоднозначно")
        seen[key] = value
    return seen


def _no_constants(name: str) -> Any:
    raise PackageError(f"В пакете недопустимое числовое значение {name}")


def _text(data: Mapping[str, Any], key: str, where: str, *, allow_empty: bool = False) -> str:
    if key not in data:
        raise PackageError(f"В {where} нет поля «{key}»")
    value = data[key]
    if not isinstance(value, str):
        raise PackageError(f"Поле «{key}» в {where} должно быть строкой")
    if not allow_empty and not value.strip():
        raise PackageError(f"Поле «{key}» в {where} пусто")
    return value


def _signature(item: Any, number: int) -> PackageSignature:
    where = f"подписи № {number}"
    if not isinstance(item, dict):
        raise PackageError(f"Подпись № {number} должна быть объектом JSON")
    role = _text(item, "role", where)
    if role not in {r.value for r in SignerRole}:
        raise PackageError(f"Неизвестная роль подписанта «{role}» в {where}: ожидается head или specialist")
    stamp = _text(item, "signed_at", where)
    try:
        signed_at = datetime.fromisoformat(stamp)
    except ValueError:
        raise PackageError(f"Поле «signed_at» в {where} не является датой и временем ISO 8601: «{stamp}»") from None
    if signed_at.tzinfo is None:
        raise PackageError(f"Поле «signed_at» в {where} должно содержать часовой пояс: «{stamp}»")
    encoded = _text(item, "cms", where)
    try:
        der = base64.b64decode(re.sub(r"\s+", "", encoded), validate=True)
    except (binascii.Error, ValueError):
        raise PackageError(f"Поле «cms» в {where} не является корректной строкой Base64") from None
    if not der:
        raise PackageError(f"Поле «cms» в {where} пусто")
    return PackageSignature(role=SignerRole(role), full_name=_text(item, "full_name", where),
                            position=_text(item, "position", where, allow_empty=True), signed_at=signed_at, cms=der)


def read_package(data: bytes) -> SignedPackage:
    """Parse a package file; every defect of the file itself raises PackageError with a Russian message."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageError(f"Файл слишком большой для подписанного пакета ({len(data)} байт, допустимо не более {MAX_PACKAGE_BYTES})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PackageError(f"Файл не является текстом в кодировке UTF-8 (байт {exc.start})") from None
    if not text.strip():
        raise PackageError("Файл пуст")
    try:
        raw = json.loads(text, object_pairs_hook=_unique_members, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise PackageError(f"Файл не является документом JSON: ошибка в строке {exc.lineno}, позиция {exc.colno}") from None
    except RecursionError:
        raise PackageError("Файл не является документом JSON: слишком глубокая вложенность") from None
    if not isinstance(raw, dict):
        raise PackageError("Файл не является подписанным пакетом: ожидается объект JSON")
    if "format" not in raw:
        raise PackageError(f"Файл не является подписанным пакетом: нет поля «format» (ожидается «{FORMAT}»)")
    if raw["format"] != FORMAT:
        raise PackageError(f"Неизвестный формат пакета «{raw['format']}»: ожидается «{FORMAT}»")
    where = "пакете"
    kind, title = _text(raw, "kind", where), _text(raw, "title", where, allow_empty=True)
    if "document" not in raw:
        raise PackageError("В пакете нет поля «document»")
    document = raw["document"]
    if not isinstance(document, dict):
        raise PackageError("Поле «document» в пакете должно быть объектом JSON")
    try:
        canonical_json(document)
    except ValueError as exc:
        raise PackageError(f"Документ в пакете нельзя привести к каноническому виду: {exc}") from None
    stated = _text(raw, "canonical_sha256", where).strip().lower()
    if not _SHA256_HEX.fullmatch(stated):
        raise PackageError("Поле «canonical_sha256» в пакете должно содержать 64 шестнадцатеричные цифры SHA-256")
    if "signatures" not in raw:
        raise PackageError("В пакете нет поля «signatures»")
    items = raw["signatures"]
    if not isinstance(items, list):
        raise PackageError("Поле «signatures» в пакете должно быть списком")
    signatures = tuple(_signature(item, n) for n, item in enumerate(items, start=1))
    return SignedPackage(kind=kind, title=title, document=document, canonical_sha256=stated, signatures=signatures)


# ------------------------------------------------------------------------------------------------ verification

def _person_names(der: bytes) -> tuple[str, ...]:
    """The ways the signer's certificate names its holder: CN, and surname + given names (приказ ФСБ № 795)."""
    try:
        parsed = cms.parse_cms(der)
        if parsed.signer is None:
            return ()
        subject = x509.Certificate.load(parsed.signer.der).subject.native
    except (cms.CmsFormatError, ValueError, TypeError, KeyError):
        return ()
    names: list[str] = []
    for candidate in (subject.get("common_name"), f"{subject.get('surname', '')} {subject.get('given_name', '')}"):
        if isinstance(candidate, str) and candidate.strip():
            names.append(" ".join(candidate.split()))
    return tuple(names)


def _same_person(certificate_name: str, claimed: str) -> bool:
    def norm(name: str) -> str:
        return " ".join(name.split()).casefold().replace("ё", "е")

    cert, want = norm(certificate_name), norm(claimed)
    if len(certificate_name) >= _CN_MAX:  # a long name cut to the 64 characters a CN may hold
        return want.startswith(cert)
    return cert == want


def _check_signature(canonical: bytes, sig: PackageSignature, verifier: SignatureVerifier) -> SignatureCheck:
    verdict = verifier.verify(canonical, sig.cms, expected_ogrn=None)
    names = _person_names(sig.cms)
    matches = any(_same_person(name, sig.full_name) for name in names)
    return SignatureCheck(signature=sig, verdict=verdict, certificate_name=names[0] if names else None, name_matches=matches)


def verify_package(pkg: SignedPackage, verifier: SignatureVerifier) -> PackageVerdict:
    """Check the package: the stated hash, and every signature as a detached CMS over the canonical document.

    Valid only when the hash matches, there is at least one signature, every signature is valid and made by the
    person the package names, and the head of the bureau has signed (389н прил.2 п.2, п.18).
    """
    try:
        canonical = canonical_json(pkg.document)
    except ValueError as exc:
        raise PackageError(f"Документ в пакете нельзя привести к каноническому виду: {exc}") from None
    computed = hashlib.sha256(canonical).hexdigest()
    digest_matches = computed == pkg.canonical_sha256.strip().lower()
    checks = tuple(_check_signature(canonical, sig, verifier) for sig in pkg.signatures)

    problems: list[str] = []
    if not digest_matches:
        problems.append("хэш документа не совпадает с указанным в пакете: документ изменён после подписания")
    if not checks:
        problems.append("в пакете нет ни одной подписи")
    elif not any(c.signature.role is SignerRole.HEAD for c in checks):
        problems.append("нет подписи руководителя бюро (приказ 389н прил.2 п.2, п.18)")
    for number, check in enumerate(checks, start=1):
        if not check.valid:
            problems.append(f"подпись № {number} ({check.signature.full_name}, {check.signature.role.label}): {check.message}")
    return PackageVerdict(valid=not problems, digest_matches=digest_matches, computed_sha256=computed, checks=checks,
                          problems=tuple(problems))
