"""Verification of a detached CAdES-BES signature under GOST R 34.10-2012 (the SignatureVerifier port).

Structure, algorithms, signed attributes, signing time and the certificate's validity period are checked in
Python (asn1crypto); the cryptography and the chain to a trusted root are checked by one ``openssl cms -verify``
with ``-attime`` set to the signing time. Only when that fails are a few diagnostic runs made to tell which
check failed (signature value, document digest, signingCertificateV2, chain validity period, trust), which
keeps the result independent of OpenSSL's error texts. No network: OpenSSL never fetches CRLs or OCSP here.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from mse.adapters.signature import cms
from mse.adapters.signature.openssl import SignatureSetupError, gost_digest, run_openssl
from mse.domain.ports import MOSCOW, Clock, SystemClock
from mse.domain.signatures import SignatureProblem, SignatureVerdict


def _when(moment: datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S МСК")


class GostCmsVerifier:
    """Checks detached CMS (CAdES-BES) signatures against the trusted roots in a PEM bundle.

    Never raises for bad input: every problem of the signature is a verdict. It raises SignatureSetupError only
    when the machinery itself is missing (no openssl, no GOST engine, no trusted roots file).
    """

    def __init__(self, trusted_roots: Path, *, clock: Clock | None = None,
                 max_clock_skew: timedelta = timedelta(minutes=5)) -> None:
        self._roots = Path(trusted_roots)
        self._clock: Clock = clock or SystemClock()
        self._skew = max_clock_skew

    def verify(self, content: bytes, signature: bytes, *, expected_ogrn: str | None) -> SignatureVerdict:
        try:
            parsed = cms.parse_cms(signature)
        except cms.CmsFormatError as exc:
            return _fail(SignatureProblem.MALFORMED, str(exc))
        base = _facts(parsed)

        def fail(problem: SignatureProblem, message: str) -> SignatureVerdict:
            return replace(base, problem=problem, message=message)

        if not parsed.detached:
            return fail(SignatureProblem.NOT_DETACHED,
                        "Подпись содержит сам документ (присоединённая подпись); требуется откреплённая подпись")
        if parsed.signer_count != 1:
            return fail(SignatureProblem.MALFORMED,
                        f"Файл подписи должен содержать одну подпись, а содержит {parsed.signer_count}")
        signer = parsed.signer
        if signer is None:
            return fail(SignatureProblem.MALFORMED, "В файл подписи не включён сертификат подписанта")

        problem = _algorithm_problem(parsed, signer)
        if problem:
            return fail(SignatureProblem.NOT_GOST, problem)

        signing_time = parsed.signing_time
        if not parsed.has_signed_attributes or signing_time is None:
            return fail(SignatureProblem.NO_SIGNING_TIME,
                        "В подписи нет времени подписания (атрибут signingTime): подпись не соответствует формату CAdES-BES")
        ess = parsed.signing_certificate_v2
        if ess is None:
            return fail(SignatureProblem.NOT_CADES,
                        "В подписи нет атрибута signingCertificateV2: подпись не соответствует формату CAdES-BES")
        if ess.hash_algorithm not in cms.DIGEST_BITS:
            return fail(SignatureProblem.NOT_CADES,
                        "Атрибут signingCertificateV2 содержит хэш сертификата не по ГОСТ Р 34.11-2012")
        if not cms.signing_certificate_matches(ess, signer, _certificate_digest):
            return fail(SignatureProblem.NOT_CADES,
                        "Атрибут signingCertificateV2 не соответствует сертификату подписанта")

        now = self._clock.now()
        if signing_time > now + self._skew:
            return fail(SignatureProblem.NOT_VALID_AT_SIGNING,
                        f"Время подписания {_when(signing_time)} позже текущего времени: подписи нельзя доверять")
        if not signer.valid_at(signing_time):
            return fail(SignatureProblem.NOT_VALID_AT_SIGNING,
                        f"Сертификат подписанта действовал с {_when(signer.valid_from)} по {_when(signer.valid_to)} "
                        f"и не действовал на время подписания {_when(signing_time)}")

        outcome = self._openssl_verdict(content, parsed.der, signing_time)
        if outcome is not None:
            return fail(*outcome)

        if expected_ogrn is not None and signer.ogrn != expected_ogrn.strip():
            if signer.ogrn is None:
                return fail(SignatureProblem.SIGNER_NOT_SENDER,
                            f"В сертификате подписанта нет ОГРН; ожидался ОГРН отправителя {expected_ogrn}")
            return fail(SignatureProblem.SIGNER_NOT_SENDER,
                        f"Документ подписан не отправителем: ОГРН в сертификате {signer.ogrn}, ожидался {expected_ogrn}")
        return replace(base, valid=True, problem=None, message="Подпись действительна")

    def _openssl_verdict(self, content: bytes, der: bytes, signing_time: datetime) -> tuple[SignatureProblem, str] | None:
        if not self._roots.is_file():
            raise SignatureSetupError(f"Не найден файл доверенных корневых сертификатов: {self._roots}")
        # One temporary file for the content (openssl reads the DER on stdin, writes nothing we need): no directory
        # to create and remove per verification.
        with tempfile.NamedTemporaryFile(prefix="mse-verify-", suffix=".bin") as content_fh:
            content_fh.write(content)
            content_fh.flush()
            content_file = content_fh.name

            def passes(*flags: str) -> bool:
                # -attime wins over -no_check_time inside OpenSSL, so the latter replaces it.
                when = [] if "-no_check_time" in flags else ["-attime", str(int(signing_time.timestamp()))]
                args = ["cms", "-verify", "-binary", "-inform", "DER", "-content", content_file,
                        "-CAfile", str(self._roots), "-no-CApath", "-no-CAstore", "-purpose", "any",
                        *when, "-out", os.devnull, *flags]
                return run_openssl(args, stdin=der, check=False).returncode == 0

            if passes("-cades"):
                return None
            # Diagnose which part failed, from the innermost check outwards.
            if not passes("-noverify", "-no_content_verify"):
                return SignatureProblem.BAD_SIGNATURE, "Подпись недействительна: значение подписи не соответствует сертификату подписанта"
            if not passes("-noverify"):
                return SignatureProblem.DIGEST_MISMATCH, "Подпись не соответствует документу: документ изменён после подписания"
            if passes():
                return SignatureProblem.NOT_CADES, "Атрибут signingCertificateV2 не соответствует сертификату подписанта"
            if passes("-no_check_time"):
                return (SignatureProblem.NOT_VALID_AT_SIGNING,
                        f"Сертификат подписанта или удостоверяющего центра не действовал на время подписания {_when(signing_time)}")
            return (SignatureProblem.UNTRUSTED,
                    "Сертификат подписанта выдан не доверенным удостоверяющим центром (цепочка не строится до доверенного корневого сертификата)")


@lru_cache(maxsize=1024)
def _certificate_digest(algorithm_oid: str, certificate_der: bytes) -> bytes:
    """GOST digest of a signer's certificate for signingCertificateV2: the same few certificates of the МО sign every
    referral, so the digest (an openssl child, ~10 ms) is computed once per certificate and process (issue 7, P1)."""
    return gost_digest(algorithm_oid, certificate_der)


def _fail(problem: SignatureProblem, message: str) -> SignatureVerdict:
    return SignatureVerdict(valid=False, problem=problem, message=message)


def _facts(parsed: cms.CmsSignature) -> SignatureVerdict:
    """What the signature says about itself, shown to the registrar even when the signature is rejected."""
    signer = parsed.signer
    return SignatureVerdict(
        valid=False,
        problem=None,
        message="",
        signer_subject=signer.subject if signer else None,
        signer_ogrn=signer.ogrn if signer else None,
        certificate_serial=signer.serial_hex if signer else None,
        certificate_valid_from=signer.valid_from if signer else None,
        certificate_valid_to=signer.valid_to if signer else None,
        signing_time=parsed.signing_time,
        digest_algorithm=cms.algorithm_name(parsed.digest_algorithm),
    )


def _algorithm_problem(parsed: cms.CmsSignature, signer: cms.CertificateInfo) -> str | None:
    digest_bits = cms.DIGEST_BITS.get(parsed.digest_algorithm)
    signature_bits = cms.SIGNATURE_BITS.get(parsed.signature_algorithm)
    key_bits = cms.KEY_BITS.get(signer.key_algorithm)
    if digest_bits is None or signature_bits is None or key_bits is None:
        return (f"Подпись выполнена не по ГОСТ Р 34.10-2012 / ГОСТ Р 34.11-2012 (хэш: {cms.algorithm_name(parsed.digest_algorithm)}, "
                f"подпись: {cms.algorithm_name(parsed.signature_algorithm)}, ключ: {cms.algorithm_name(signer.key_algorithm)})")
    if not digest_bits == signature_bits == key_bits:
        return (f"Алгоритмы подписи не согласованы: хэш {digest_bits} бит, подпись {signature_bits} бит, "
                f"ключ {key_bits} бит")
    return None
