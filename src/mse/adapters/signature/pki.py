"""A small GOST PKI made with the openssl command line, for tests and demo data: never for production keys.

A root CA and end-entity certificates whose subject carries CN, O and ОГРН (1.2.643.100.1, NumericString) or
ОГРНИП, with explicit validity periods. OpenSSL 3.0's ``x509`` cannot set notBefore, so certificates are issued
by ``openssl ca`` with ``-startdate/-enddate`` and a throwaway CA database next to the CA's files.
Two openssl runs per certificate (key + request in one ``req``, then ``ca``). Keys are not encrypted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mse.adapters.signature.openssl import run_openssl

_PARAMSET = "A"  # GOST R 34.10-2012 parameter set A (256: CryptoPro-A, 512: TC26 512-A)


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A certificate (PEM) and its unencrypted private key (PEM) on disk."""

    cert: Path
    key: Path
    key_bits: int

    def cert_pem(self) -> str:
        return self.cert.read_text(encoding="ascii")

    def key_pem(self) -> str:
        return self.key.read_text(encoding="ascii")


def _asn1_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("certificate dates must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


def _subject(fields: list[tuple[str, str | None]]) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace("/", "\\/").replace("+", "\\+")

    return "".join(f"/{name}={escape(value)}" for name, value in fields if value)


def _check_bits(key_bits: int) -> None:
    if key_bits not in (256, 512):
        raise ValueError("key_bits must be 256 or 512 (GOST R 34.10-2012)")


def _ca_config(db: Path, key_bits: int) -> Path:
    """The ``openssl ca`` configuration of one CA; its database lives in ``db`` and is of no further use."""
    db.mkdir(parents=True, exist_ok=True)
    (db / "index.txt").touch()
    config = db / "ca.cnf"
    config.write_text(
        "[ca]\n"
        "default_ca = mse_ca\n"
        "[mse_ca]\n"
        f"database = {db / 'index.txt'}\n"
        f"new_certs_dir = {db}\n"
        "rand_serial = yes\n"
        f"default_md = md_gost12_{key_bits}\n"
        "policy = mse_policy\n"
        "unique_subject = no\n"
        "copy_extensions = none\n"
        "email_in_dn = no\n"
        "string_mask = utf8only\n"
        "[mse_policy]\n"
        # Fields not listed here would be dropped from the issued certificate's subject.
        "countryName = optional\n"
        "commonName = supplied\n"
        "organizationName = optional\n"
        "OGRN = optional\n"
        "OGRNIP = optional\n"
        "[mse_root]\n"
        "basicConstraints = critical,CA:TRUE\n"
        "keyUsage = critical,keyCertSign,cRLSign\n"
        "subjectKeyIdentifier = hash\n"
        "[mse_end_entity]\n"
        "basicConstraints = critical,CA:FALSE\n"
        "keyUsage = critical,digitalSignature,nonRepudiation\n"
        "extendedKeyUsage = clientAuth,emailProtection\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid\n",
        encoding="utf-8",
    )
    return config


def _key_and_request(key: Path, csr: Path, subject: str, key_bits: int) -> None:
    run_openssl(
        ["req", "-new", "-newkey", f"gost2012_{key_bits}", "-pkeyopt", f"paramset:{_PARAMSET}", "-nodes",
         "-keyout", str(key), "-out", str(csr), "-subj", subject, "-utf8", f"-md_gost12_{key_bits}"],
        what="Не удалось создать ключ ГОСТ Р 34.10-2012",
    )


def _db_dir(ca_cert: Path) -> Path:
    return ca_cert.parent / f".{ca_cert.stem}-ca-db"


def create_root_ca(directory: Path, *, name: str = "root", common_name: str = "Тестовый удостоверяющий центр",
                   organization: str | None = "МСЭ (тестовая PKI)", key_bits: int = 256,
                   not_before: datetime | None = None, not_after: datetime | None = None) -> IssuedCertificate:
    """A self-signed root CA ``<directory>/<name>.pem`` (+ ``.key``); by default valid from yesterday for 20 years."""
    _check_bits(key_bits)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    cert, key, csr = directory / f"{name}.pem", directory / f"{name}.key", directory / f"{name}.csr"
    _key_and_request(key, csr, _subject([("CN", common_name), ("O", organization)]), key_bits)
    run_openssl(
        ["ca", "-config", str(_ca_config(_db_dir(cert), key_bits)), "-batch", "-notext", "-utf8", "-preserveDN",
         "-selfsign", "-keyfile", str(key), "-in", str(csr), "-out", str(cert), "-extensions", "mse_root",
         "-startdate", _asn1_time(not_before or now - timedelta(days=1)),
         "-enddate", _asn1_time(not_after or now + timedelta(days=20 * 365))],
        what="Не удалось выпустить корневой сертификат",
    )
    csr.unlink()
    return IssuedCertificate(cert=cert, key=key, key_bits=key_bits)


def issue_certificate(ca: IssuedCertificate, directory: Path, *, name: str, common_name: str,
                      organization: str | None = None, ogrn: str | None = None, ogrnip: str | None = None,
                      not_before: datetime | None = None, not_after: datetime | None = None,
                      key_bits: int = 256) -> IssuedCertificate:
    """A signing certificate ``<directory>/<name>.pem`` (+ ``.key``) issued by ``ca``.

    The subject is CN, O and ОГРН (or ОГРНИП); by default valid from yesterday for one year.
    """
    _check_bits(key_bits)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    cert, key, csr = directory / f"{name}.pem", directory / f"{name}.key", directory / f"{name}.csr"
    subject = _subject([("CN", common_name), ("O", organization), ("OGRN", ogrn), ("OGRNIP", ogrnip)])
    _key_and_request(key, csr, subject, key_bits)
    run_openssl(
        ["ca", "-config", str(_ca_config(_db_dir(ca.cert), ca.key_bits)), "-batch", "-notext", "-utf8", "-preserveDN",
         "-cert", str(ca.cert), "-keyfile", str(ca.key), "-in", str(csr), "-out", str(cert), "-extensions", "mse_end_entity",
         "-startdate", _asn1_time(not_before or now - timedelta(days=1)),
         "-enddate", _asn1_time(not_after or now + timedelta(days=365))],
        what="Не удалось выпустить сертификат",
    )
    csr.unlink()
    return IssuedCertificate(cert=cert, key=key, key_bits=key_bits)


def write_trusted_roots(path: Path, *roots: IssuedCertificate) -> Path:
    """A PEM bundle of root certificates, as GostCmsVerifier takes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(root.cert_pem() for root in roots), encoding="ascii")
    return path
