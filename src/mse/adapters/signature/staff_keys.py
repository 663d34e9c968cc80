"""Demo signing keys of the bureau's staff: one GOST R 34.10-2012 certificate per person, issued by the demo CA.

The protocol of МСЭ carries the УКЭП of the head of the bureau and of every specialist (приказ 389н прил.2 п.2,
п.18). In production each of them signs with their own qualified certificate from an accredited CA; the demo has
none, so ``DemoStaffKeys`` issues a demo certificate (CN = full name, O = «Бюро МСЭ (демо)») from the demo CA on
first use and keeps it on disk. NEVER for real signatures: the keys are unencrypted files.

Files are ``<directory>/staff-<sha256(user_id)[:32]>.pem`` (+ ``.key``), so no personal data is in a file name.
A cached certificate is reissued when the person's name changed, when it expires within a day, or when it was not
issued by the configured CA (the demo CA was recreated). Issuing is serialised by an exclusive lock file next to
the CA (``openssl ca`` keeps one database per CA and is not safe to run concurrently on it) and happens in a
temporary directory; the key and then the certificate are moved into place with ``os.replace``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import pem, x509  # no stubs: ignore_missing_imports in pyproject

from mse.adapters.signature.openssl import SignatureSetupError
from mse.adapters.signature.pki import IssuedCertificate, issue_certificate
from mse.adapters.signature.signer import GostCmsSigner

try:  # POSIX; elsewhere only the in-process lock protects the CA database
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]

DEMO_ORGANIZATION = "Бюро МСЭ (демо)"
DEMO_ROOT_NAME = "demo-root"  # mse.demo.referrals.ensure_pki: var/pki/demo-root.pem (+ .key)
_CN_MAX = 64  # X.520 ub-common-name
_RENEW_BEFORE = timedelta(days=1)
_thread_lock = threading.Lock()


def _file_stem(user_id: str) -> str:
    return "staff-" + hashlib.sha256(user_id.encode("utf-8")).hexdigest()[:32]


def _common_name(full_name: str) -> str:
    return " ".join(full_name.split())[:_CN_MAX].strip()


def _load_certificate(path: Path) -> x509.Certificate:
    data = path.read_bytes()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data)


class DemoStaffKeys:
    """The StaffKeys port for demo mode: a demo certificate and key per staff member, issued by ``ca``."""

    def __init__(self, directory: Path, ca: IssuedCertificate, *, organization: str = DEMO_ORGANIZATION,
                 validity: timedelta = timedelta(days=5 * 365)) -> None:
        self._dir = Path(directory)
        self._ca = ca
        self._organization = organization
        self._validity = validity

    @classmethod
    def from_demo_pki(cls, pki_directory: Path, *, staff_subdirectory: str = "staff") -> DemoStaffKeys:
        """Keys issued by the demo CA that ``mse demo load`` made in ``pki_directory`` (var/pki)."""
        cert, key = pki_directory / f"{DEMO_ROOT_NAME}.pem", pki_directory / f"{DEMO_ROOT_NAME}.key"
        if not (cert.is_file() and key.is_file()):
            raise SignatureSetupError(f"Не найден демонстрационный удостоверяющий центр в {pki_directory}: "
                                      "выполните «mse demo load»")
        return cls(pki_directory / staff_subdirectory, IssuedCertificate(cert=cert, key=key, key_bits=256))

    def paths_for(self, user_id: str) -> IssuedCertificate:
        """Where the certificate and key of ``user_id`` are (or will be) kept."""
        stem = _file_stem(user_id)
        return IssuedCertificate(cert=self._dir / f"{stem}.pem", key=self._dir / f"{stem}.key", key_bits=self._ca.key_bits)

    def signer_for(self, user_id: str, full_name: str) -> GostCmsSigner:
        if not user_id.strip():
            raise ValueError("user_id must not be empty")
        common_name = _common_name(full_name)
        if not common_name:
            raise ValueError("full_name must not be empty")
        issued = self.paths_for(user_id)
        if not self._usable(issued, common_name):
            with self._issuing():
                if not self._usable(issued, common_name):  # another thread or process may have issued it meanwhile
                    self._issue(issued, common_name)
        return GostCmsSigner(issued.cert, issued.key, digest_bits=issued.key_bits)

    # -------------------------------------------------------------------------------------------- internals

    def _usable(self, issued: IssuedCertificate, common_name: str) -> bool:
        if not (issued.cert.is_file() and issued.key.is_file()):
            return False
        try:
            cert = _load_certificate(issued.cert)
            ca = _load_certificate(self._ca.cert)
            same_name: bool = cert.subject.native.get("common_name") == common_name
            not_after: datetime = cert["tbs_certificate"]["validity"]["not_after"].native
            ca_key_id = ca.key_identifier_value
            from_this_ca: bool = cert.issuer == ca.subject and (
                ca_key_id is None or cert.authority_key_identifier == ca_key_id.native)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return False  # unreadable or half-written: issue again
        return same_name and from_this_ca and not_after - _RENEW_BEFORE > datetime.now(UTC)

    @contextlib.contextmanager
    def _issuing(self) -> Iterator[None]:
        lock_path = self._ca.cert.with_name(f".{self._ca.cert.stem}-ca.lock")
        with _thread_lock, open(lock_path, "a+b") as fh:  # kept open while locked
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _issue(self, issued: IssuedCertificate, common_name: str) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".issue-", dir=self._dir))  # same file system: os.replace is atomic
        try:
            now = datetime.now(UTC)
            fresh = issue_certificate(self._ca, work, name="staff", common_name=common_name, organization=self._organization,
                                      not_before=now - timedelta(days=1), not_after=now + self._validity,
                                      key_bits=self._ca.key_bits)
            os.chmod(fresh.key, 0o600)
            os.replace(fresh.key, issued.key)
            os.replace(fresh.cert, issued.cert)  # last: a certificate on disk means its key is already in place
        finally:
            shutil.rmtree(work, ignore_errors=True)
