"""Electronic signatures as the core sees them: a verdict about a detached signature, and the ports.

The cryptography lives in adapters/signature (OpenSSL 3 with the GOST engine); the core only needs
to know whether a received document carries a valid qualified signature of its sender
(a non-valid УКЭП is a ground to refuse the referral at receipt, process.md §6.4 NA3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class SignatureProblem(StrEnum):
    """Stable machine codes of why a signature is not accepted."""

    MALFORMED = "signature_malformed"  # not a CMS SignedData at all
    NOT_DETACHED = "signature_not_detached"  # content is encapsulated; a detached signature is required
    NOT_GOST = "signature_not_gost"  # digest/signature algorithm is not GOST R 34.11/34.10-2012
    NO_SIGNING_TIME = "signature_no_signing_time"  # CAdES-BES signed attributes incomplete
    NOT_CADES = "signature_not_cades"  # no signingCertificateV2 attribute bound to the signer
    DIGEST_MISMATCH = "signature_digest_mismatch"  # the document was changed after signing
    BAD_SIGNATURE = "signature_invalid"  # signature value does not verify
    UNTRUSTED = "certificate_untrusted"  # chain does not end in a configured trusted root
    NOT_VALID_AT_SIGNING = "certificate_not_valid_at_signing_time"
    SIGNER_NOT_SENDER = "signer_not_sender"  # ОГРН in the certificate is not the sender's


@dataclass(frozen=True, slots=True)
class SignatureVerdict:
    valid: bool
    problem: SignatureProblem | None
    message: str  # Russian, for the registrar and the sender
    signer_subject: str | None = None
    signer_ogrn: str | None = None
    certificate_serial: str | None = None
    certificate_valid_from: datetime | None = None
    certificate_valid_to: datetime | None = None
    signing_time: datetime | None = None
    digest_algorithm: str | None = None  # e.g. "GOST R 34.11-2012 (256)"


class SignatureVerifier(Protocol):
    def verify(self, content: bytes, signature: bytes, *, expected_ogrn: str | None) -> SignatureVerdict:
        """Verify a detached CMS signature over ``content``; ``expected_ogrn`` is the sender's ОГРН."""
        ...


class DocumentSigner(Protocol):
    def sign(self, content: bytes) -> bytes:
        """A detached CAdES-BES signature (DER) of the platform's own signing certificate."""
        ...


class StaffKeys(Protocol):
    def signer_for(self, user_id: str, full_name: str) -> DocumentSigner:
        """The signer of one staff member (the УКЭП of the head or a specialist, 389н прил.2 п.2, п.18)."""
        ...
