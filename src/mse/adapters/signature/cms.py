"""Reading CMS SignedData (RFC 5652) and X.509 certificates with asn1crypto: no cryptography here.

asn1crypto knows nothing of the Russian algorithms, so GOST OIDs are handled as dotted strings, and the
subject public key of a GOST certificate is never parsed by asn1crypto (its key parser raises on unknown
algorithms); only the algorithm OID is read, through a minimal structure of this module.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import algos, cms, core, keys, tsp, x509  # no stubs: ignore_missing_imports in pyproject

# GOST R 34.11-2012 (Стрибог) digests.
DIGEST_GOST_256 = "1.2.643.7.1.1.2.2"
DIGEST_GOST_512 = "1.2.643.7.1.1.2.3"
# GOST R 34.10-2012 signature algorithms "with GOST R 34.11-2012".
SIGN_GOST_256 = "1.2.643.7.1.1.3.2"
SIGN_GOST_512 = "1.2.643.7.1.1.3.3"
# GOST R 34.10-2012 public keys; OpenSSL's engine (like CryptoPro) puts these into SignerInfo.signatureAlgorithm.
KEY_GOST_256 = "1.2.643.7.1.1.1.1"
KEY_GOST_512 = "1.2.643.7.1.1.1.2"
# CAdES-BES: ESS signing-certificate-v2 (RFC 5035).
ATTR_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
ATTR_SIGNING_TIME = "1.2.840.113549.1.9.5"
ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
# Russian subject attributes (приказ ФСБ № 795).
OID_OGRN = "1.2.643.100.1"
OID_OGRNIP = "1.2.643.100.5"

DIGEST_BITS = {DIGEST_GOST_256: 256, DIGEST_GOST_512: 512}
SIGNATURE_BITS = {SIGN_GOST_256: 256, SIGN_GOST_512: 512, KEY_GOST_256: 256, KEY_GOST_512: 512}
KEY_BITS = {KEY_GOST_256: 256, KEY_GOST_512: 512}

_ALGORITHM_NAMES = {
    DIGEST_GOST_256: "GOST R 34.11-2012 (256)",
    DIGEST_GOST_512: "GOST R 34.11-2012 (512)",
    SIGN_GOST_256: "GOST R 34.10-2012 (256)",
    SIGN_GOST_512: "GOST R 34.10-2012 (512)",
    KEY_GOST_256: "GOST R 34.10-2012 (256)",
    KEY_GOST_512: "GOST R 34.10-2012 (512)",
}

_NAME_LABELS = {
    "2.5.4.3": "CN",
    "2.5.4.4": "SN",
    "2.5.4.42": "GN",
    "2.5.4.12": "T",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.8": "ST",
    "2.5.4.7": "L",
    "2.5.4.9": "STREET",
    "1.2.840.113549.1.9.1": "E",
    OID_OGRN: "ОГРН",
    OID_OGRNIP: "ОГРНИП",
    "1.2.643.100.3": "СНИЛС",
    "1.2.643.3.131.1.1": "ИНН",
    "1.2.643.100.4": "ИНН ЮЛ",
}


class CmsFormatError(ValueError):
    """The bytes are not a usable CMS SignedData; the message is Russian."""


class _AlgorithmIdentifier(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _SubjectPublicKeyInfo(core.Sequence):  # type: ignore[misc]
    # Only the algorithm: asn1crypto's own PublicKeyInfo refuses GOST keys.
    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", core.BitString)]


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    der: bytes
    subject: str
    issuer: str
    issuer_der: bytes
    serial_number: int
    valid_from: datetime
    valid_to: datetime
    key_algorithm: str  # dotted OID
    ogrn: str | None  # ОГРН, or ОГРНИП for an individual entrepreneur
    key_identifier: bytes | None

    @property
    def serial_hex(self) -> str:
        return serial_hex(self.serial_number)

    def valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment <= self.valid_to


@dataclass(frozen=True, slots=True)
class EssCertIdV2:
    """The first ESSCertIDv2 of signingCertificateV2: the one that identifies the signer's certificate."""

    hash_algorithm: str  # dotted OID
    cert_hash: bytes
    issuer_serial_matches: bool | None  # None: no issuerSerial; else whether it names the signer's certificate


@dataclass(frozen=True, slots=True)
class CmsSignature:
    detached: bool
    signer_count: int
    digest_algorithm: str  # dotted OID
    signature_algorithm: str  # dotted OID
    has_signed_attributes: bool
    signing_time: datetime | None
    message_digest: bytes | None
    signing_certificate_v2: EssCertIdV2 | None
    signer: CertificateInfo | None  # None: the signer's certificate is not in the message
    der: bytes


def algorithm_name(oid: str) -> str:
    """A readable name of a digest/signature algorithm OID (GOST ones in Russian-standard spelling)."""
    if oid in _ALGORITHM_NAMES:
        return _ALGORITHM_NAMES[oid]
    for known in (algos.DigestAlgorithmId, algos.SignedDigestAlgorithmId, keys.PublicKeyAlgorithmId):
        if oid in known._map:
            return f"{known._map[oid]} ({oid})"
    return oid


def serial_hex(serial: int) -> str:
    """The serial number as certificate tools show it: upper-case hex of whole bytes."""
    text = format(abs(serial), "X")
    text = text.zfill(len(text) + len(text) % 2)
    return f"-{text}" if serial < 0 else text


def to_der(data: bytes) -> bytes:
    """DER as is; PEM armour or bare Base64 (as CryptoPro writes on request) decoded to DER."""
    if data[:1] == b"\x30":
        return data
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        lines = [line for line in text.splitlines() if not line.startswith(b"-----")]
        text = b"".join(lines)
    text = re.sub(rb"\s+", b"", text)
    if not text:
        raise CmsFormatError("Файл подписи пуст")
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CmsFormatError("Файл подписи не является подписью CMS (ни DER, ни Base64)") from exc
    if decoded[:1] != b"\x30":
        raise CmsFormatError("Файл подписи не является подписью CMS")
    return decoded


def _value_text(value: core.Asn1Value) -> str:
    if isinstance(value, core.Any):
        value = value.parse()
    native = value.native
    return native if isinstance(native, str) else str(native)


def _name_parts(name: x509.Name) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    for rdn in name.chosen:
        for atv in rdn:
            parts.append((atv["type"].dotted, _value_text(atv["value"]).strip()))
    return parts


def format_name(name: x509.Name) -> str:
    """``CN=…, O=…, ОГРН=…`` in the certificate's own order; unknown attributes by dotted OID."""
    return ", ".join(f"{_NAME_LABELS.get(oid, oid)}={value}" for oid, value in _name_parts(name))


def ogrn_of(name: x509.Name) -> str | None:
    """ОГРН (1.2.643.100.1), else ОГРНИП (1.2.643.100.5), of a subject; None when it carries neither."""
    parts = _name_parts(name)
    for wanted in (OID_OGRN, OID_OGRNIP):
        for oid, value in parts:
            if oid == wanted and value:
                return value
    return None


def parse_certificate(der: bytes) -> CertificateInfo:
    """Fields of an X.509 certificate (DER) that signature checking and display need."""
    cert = x509.Certificate.load(der, strict=True)
    tbs = cert["tbs_certificate"]
    spki = _SubjectPublicKeyInfo.load(tbs["subject_public_key_info"].dump())
    validity = tbs["validity"]
    ski = None
    for ext in tbs["extensions"] if isinstance(tbs["extensions"], x509.Extensions) else []:
        if ext["extn_id"].dotted == "2.5.29.14":
            ski = ext["extn_value"].parsed.native
    return CertificateInfo(
        der=der,
        subject=format_name(cert.subject),
        issuer=format_name(cert.issuer),
        issuer_der=cert.issuer.dump(),
        serial_number=tbs["serial_number"].native,
        valid_from=validity["not_before"].native,
        valid_to=validity["not_after"].native,
        key_algorithm=spki["algorithm"]["algorithm"].dotted,
        ogrn=ogrn_of(cert.subject),
        key_identifier=ski,
    )


def pem_certificates(pem: bytes) -> list[bytes]:
    """DER of every certificate in a PEM bundle."""
    found = re.findall(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", pem, flags=re.DOTALL)
    return [base64.b64decode(re.sub(rb"\s+", b"", body)) for body in found]


def _names_equal(a: x509.Name, b_der: bytes) -> bool:
    if a.untag().dump() == b_der:
        return True
    try:
        return bool(a.untag() == x509.Name.load(b_der))
    except (ValueError, TypeError, KeyError):
        return False


def _signer_certificate(sd: cms.SignedData, sid: cms.SignerIdentifier) -> CertificateInfo | None:
    certs = sd["certificates"]
    if not isinstance(certs, cms.CertificateSet):
        return None
    for choice in certs:
        if choice.name != "certificate":
            continue
        info = parse_certificate(choice.chosen.dump())
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if ias["serial_number"].native == info.serial_number and _names_equal(ias["issuer"], info.issuer_der):
                return info
        elif sid.name == "subject_key_identifier" and sid.chosen.native == info.key_identifier:
            return info
    return None


def _ess_cert_id(value: core.Asn1Value, signer: CertificateInfo | None) -> EssCertIdV2:
    sc = value.parse(tsp.SigningCertificateV2) if isinstance(value, core.Any) else value
    first = sc["certs"][0]
    issuer_serial = first["issuer_serial"]
    matches: bool | None = None
    if isinstance(issuer_serial, tsp.IssuerSerial) and signer is not None:
        names = [gn.chosen for gn in issuer_serial["issuer"] if gn.name == "directory_name"]
        matches = issuer_serial["serial_number"].native == signer.serial_number and any(
            _names_equal(n, signer.issuer_der) for n in names
        )
    return EssCertIdV2(
        hash_algorithm=first["hash_algorithm"]["algorithm"].dotted,
        cert_hash=first["cert_hash"].native,
        issuer_serial_matches=matches,
    )


def parse_cms(data: bytes) -> CmsSignature:
    """The first (expected: only) signer of a CMS SignedData; raises CmsFormatError on anything unreadable."""
    der = to_der(data)
    try:
        return _parse(der)
    except CmsFormatError:
        raise
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError, IndexError… on broken input
        raise CmsFormatError("Файл подписи повреждён или не является подписью CMS") from exc


def _parse(der: bytes) -> CmsSignature:
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].dotted != "1.2.840.113549.1.7.2":
        raise CmsFormatError("Файл подписи не содержит подписанных данных CMS (SignedData)")
    sd = info["content"]
    signers = sd["signer_infos"]
    if len(signers) == 0:
        raise CmsFormatError("В файле подписи нет ни одной подписи")
    si = signers[0]
    signer = _signer_certificate(sd, si["sid"])
    attrs = si["signed_attrs"]
    has_attrs = isinstance(attrs, cms.CMSAttributes) and len(attrs) > 0
    signing_time = None
    message_digest = None
    ess = None
    for attr in attrs if has_attrs else []:
        oid = attr["type"].dotted
        if oid == ATTR_SIGNING_TIME:
            signing_time = attr["values"][0].native
        elif oid == ATTR_MESSAGE_DIGEST:
            message_digest = attr["values"][0].native
        elif oid == ATTR_SIGNING_CERTIFICATE_V2:
            ess = _ess_cert_id(attr["values"][0], signer)
    return CmsSignature(
        detached=isinstance(sd["encap_content_info"]["content"], core.Void),
        signer_count=len(signers),
        digest_algorithm=si["digest_algorithm"]["algorithm"].dotted,
        signature_algorithm=si["signature_algorithm"]["algorithm"].dotted,
        has_signed_attributes=has_attrs,
        signing_time=signing_time,
        message_digest=message_digest,
        signing_certificate_v2=ess,
        signer=signer,
        der=der,
    )


def signing_certificate_matches(ess: EssCertIdV2, cert: CertificateInfo, digest: Callable[[str, bytes], bytes]) -> bool:
    """Whether signingCertificateV2 binds ``cert``: its hash (computed by ``digest(oid, data)``) and issuerSerial."""
    if ess.issuer_serial_matches is False:
        return False
    return digest(ess.hash_algorithm, cert.der) == ess.cert_hash
