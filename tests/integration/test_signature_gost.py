"""GOST R 34.10-2012 detached CAdES-BES signatures, checked for real with OpenSSL 3 and the GOST engine.

The PKI is made once per module with the openssl command line (mse.adapters.signature.pki); signatures to be
rejected are made with ``openssl cms -sign`` directly, each missing exactly one property of a valid one.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from asn1crypto import core

from mse.adapters.signature import GostCmsSigner, GostCmsVerifier, GostEngineMissingError, SignatureSetupError, cms, openssl, pki
from mse.adapters.signature.openssl import run_openssl
from mse.domain.signatures import SignatureProblem, SignatureVerdict
from tests.support import FixedClock

DOCUMENT = "<ClinicalDocument>Направление на медико-социальную экспертизу</ClinicalDocument>\n".encode()
OGRN = "1027700132195"
OTHER_OGRN = "1037739010891"
OGRNIP = "304500116000157"


@dataclass(frozen=True)
class Pki:
    roots: Path  # trusted bundle: the main root only
    signer_256: pki.IssuedCertificate
    signer_512: pki.IssuedCertificate
    foreign: pki.IssuedCertificate  # issued by a root that is not trusted
    expired: pki.IssuedCertificate
    not_yet_valid: pki.IssuedCertificate
    no_ogrn: pki.IssuedCertificate
    entrepreneur: pki.IssuedCertificate
    under_expired_root: pki.IssuedCertificate
    ecdsa: pki.IssuedCertificate
    rsa: pki.IssuedCertificate


def _self_signed(directory: Path, name: str, newkey: list[str]) -> pki.IssuedCertificate:
    """A non-GOST self-signed certificate made by the plain openssl CLI (RSA or ECDSA with SHA-256)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    run_openssl(["req", "-x509", "-nodes", *newkey, "-keyout", str(key), "-out", str(cert), "-sha256", "-days", "30",
                 "-subj", f"/CN={name}/O=Test/OGRN={OGRN}"])
    return pki.IssuedCertificate(cert=cert, key=key, key_bits=0)


@pytest.fixture(scope="module")
def tpki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    now = datetime.now(UTC)
    root = pki.create_root_ca(d, name="root", key_bits=256)
    other_root = pki.create_root_ca(d, name="other-root", common_name="Чужой УЦ", key_bits=512)
    old_root = pki.create_root_ca(d, name="old-root", common_name="Истёкший УЦ",
                                  not_before=now - timedelta(days=800), not_after=now - timedelta(days=1))
    mo = {"common_name": "Иванов Иван Иванович", "organization": 'ГБУЗ "Городская поликлиника № 1"', "ogrn": OGRN}
    return Pki(
        roots=pki.write_trusted_roots(d / "trusted.pem", root, old_root),
        signer_256=pki.issue_certificate(root, d, name="mo-256", **mo),
        signer_512=pki.issue_certificate(root, d, name="mo-512", key_bits=512, **mo),
        foreign=pki.issue_certificate(other_root, d, name="foreign", **mo),
        expired=pki.issue_certificate(root, d, name="expired", not_before=now - timedelta(days=400),
                                      not_after=now - timedelta(days=35), **mo),
        not_yet_valid=pki.issue_certificate(root, d, name="future", not_before=now + timedelta(days=30),
                                            not_after=now + timedelta(days=400), **mo),
        no_ogrn=pki.issue_certificate(root, d, name="person", common_name="Петров Пётр Петрович"),
        entrepreneur=pki.issue_certificate(root, d, name="ip", common_name="ИП Сидоров", ogrnip=OGRNIP),
        under_expired_root=pki.issue_certificate(old_root, d, name="late", not_before=now - timedelta(days=30),
                                                 not_after=now + timedelta(days=30), **mo),
        ecdsa=_self_signed(d, "ecdsa", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
        rsa=_self_signed(d, "rsa", ["-newkey", "rsa:2048"]),
    )


@pytest.fixture(scope="module")
def verifier(tpki: Pki) -> GostCmsVerifier:
    return GostCmsVerifier(tpki.roots)


def openssl_sign(who: pki.IssuedCertificate, *flags: str, md: str | None = None, content: bytes = DOCUMENT) -> bytes:
    """``openssl cms -sign`` detached DER, CAdES (signingCertificateV2) unless ``flags`` say otherwise."""
    digest = md or f"md_gost12_{who.key_bits}"
    return run_openssl(["cms", "-sign", "-binary", "-outform", "DER", "-md", digest, "-signer", str(who.cert),
                        "-inkey", str(who.key), *flags], stdin=content).stdout


def resign_with_attributes(signature: bytes, who: pki.IssuedCertificate,
                           change: Callable[[asn1_cms.CMSAttributes], None]) -> bytes:
    """The same signature with its signed attributes changed by ``change`` and signed again by ``who``."""
    info = asn1_cms.ContentInfo.load(signature)
    signer_info = info["content"]["signer_infos"][0]
    change(signer_info["signed_attrs"])
    to_sign = asn1_cms.CMSAttributes(list(signer_info["signed_attrs"])).dump()  # SET OF, universal tag (RFC 5652 §5.4)
    value = run_openssl(["dgst", f"-md_gost12_{who.key_bits}", "-sign", str(who.key), "-binary"], stdin=to_sign).stdout
    signer_info["signature"] = core.OctetString(value)
    return info.dump()


def assert_rejected(verdict: SignatureVerdict, problem: SignatureProblem) -> None:
    assert (verdict.valid, verdict.problem) == (False, problem), verdict.message
    assert verdict.message
    assert not verdict.message.isascii(), "messages are for Russian-speaking users"


# --- valid signatures ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bits", [256, 512])
def test_a_valid_gost_signature_is_accepted_with_the_signer_identified(tpki: Pki, verifier: GostCmsVerifier, bits: int) -> None:
    who = tpki.signer_256 if bits == 256 else tpki.signer_512
    before = datetime.now(UTC).replace(microsecond=0)

    verdict = verifier.verify(DOCUMENT, openssl_sign(who, "-cades"), expected_ogrn=OGRN)

    assert verdict.valid, verdict.message
    assert verdict.problem is None
    assert verdict.signer_ogrn == OGRN
    assert verdict.signer_subject == f'CN=Иванов Иван Иванович, O=ГБУЗ "Городская поликлиника № 1", ОГРН={OGRN}'
    serial = run_openssl(["x509", "-in", str(who.cert), "-noout", "-serial"]).stdout.decode().strip()
    assert verdict.certificate_serial == serial.removeprefix("serial=")
    assert verdict.signing_time is not None
    assert before <= verdict.signing_time <= datetime.now(UTC) + timedelta(seconds=1)
    assert verdict.certificate_valid_from is not None
    assert verdict.certificate_valid_to is not None
    assert verdict.certificate_valid_from < verdict.signing_time < verdict.certificate_valid_to
    assert verdict.digest_algorithm == f"GOST R 34.11-2012 ({bits})"


def test_the_sender_check_is_skipped_without_an_expected_ogrn(tpki: Pki, verifier: GostCmsVerifier) -> None:
    assert verifier.verify(DOCUMENT, openssl_sign(tpki.no_ogrn, "-cades"), expected_ogrn=None).valid


def test_an_entrepreneur_is_identified_by_ogrnip(tpki: Pki, verifier: GostCmsVerifier) -> None:
    verdict = verifier.verify(DOCUMENT, openssl_sign(tpki.entrepreneur, "-cades"), expected_ogrn=OGRNIP)
    assert verdict.valid, verdict.message
    assert verdict.signer_ogrn == OGRNIP


def test_a_base64_signature_as_cryptopro_writes_it_is_accepted(tpki: Pki, verifier: GostCmsVerifier) -> None:
    der = openssl_sign(tpki.signer_256, "-cades")
    assert verifier.verify(DOCUMENT, base64.encodebytes(der), expected_ogrn=OGRN).valid
    pem = b"-----BEGIN CMS-----\n" + base64.encodebytes(der) + b"-----END CMS-----\n"
    assert verifier.verify(DOCUMENT, pem, expected_ogrn=OGRN).valid


def test_a_signing_time_slightly_ahead_of_the_clock_is_tolerated(tpki: Pki) -> None:
    verifier = GostCmsVerifier(tpki.roots, clock=FixedClock(datetime.now(UTC) - timedelta(minutes=2)))
    assert verifier.verify(DOCUMENT, openssl_sign(tpki.signer_256, "-cades"), expected_ogrn=OGRN).valid


# --- the signer, round trip ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bits", [256, 512])
def test_the_platform_signature_is_detached_cades_bes_and_verifies(tpki: Pki, verifier: GostCmsVerifier, bits: int) -> None:
    who = tpki.signer_256 if bits == 256 else tpki.signer_512
    signature = GostCmsSigner(who.cert, who.key, digest_bits=bits).sign(DOCUMENT)

    parsed = cms.parse_cms(signature)
    assert signature[:1] == b"\x30"  # DER
    assert parsed.detached
    assert parsed.digest_algorithm == (cms.DIGEST_GOST_256 if bits == 256 else cms.DIGEST_GOST_512)
    assert parsed.signing_time is not None
    assert parsed.signing_certificate_v2 is not None
    assert parsed.signing_certificate_v2.issuer_serial_matches
    assert DOCUMENT not in signature
    verdict = verifier.verify(DOCUMENT, signature, expected_ogrn=OGRN)
    assert verdict.valid, verdict.message
    assert verifier.verify(DOCUMENT + b" ", signature, expected_ogrn=OGRN).problem is SignatureProblem.DIGEST_MISMATCH


def test_the_signer_refuses_a_digest_size_gost_does_not_have(tpki: Pki) -> None:
    with pytest.raises(ValueError, match="256 or 512"):
        GostCmsSigner(tpki.signer_256.cert, tpki.signer_256.key, digest_bits=384)


# --- each problem ---------------------------------------------------------------------------------------------------


def test_a_changed_document_is_a_digest_mismatch(tpki: Pki, verifier: GostCmsVerifier) -> None:
    verdict = verifier.verify(DOCUMENT.replace("экспертизу".encode(), "экспертизы".encode()), openssl_sign(tpki.signer_256, "-cades"), expected_ogrn=OGRN)
    assert_rejected(verdict, SignatureProblem.DIGEST_MISMATCH)
    assert verdict.message == "Подпись не соответствует документу: документ изменён после подписания"
    assert verdict.signer_ogrn == OGRN  # what the signature claims is still shown to the registrar


def test_a_damaged_signature_value_does_not_verify(tpki: Pki, verifier: GostCmsVerifier) -> None:
    signature = bytearray(openssl_sign(tpki.signer_256, "-cades"))
    signature[-1] ^= 0x01  # the signature value is the last field of the last SignerInfo
    assert_rejected(verifier.verify(DOCUMENT, bytes(signature), expected_ogrn=OGRN), SignatureProblem.BAD_SIGNATURE)


def test_a_certificate_from_another_root_is_untrusted(tpki: Pki, verifier: GostCmsVerifier) -> None:
    assert_rejected(verifier.verify(DOCUMENT, openssl_sign(tpki.foreign, "-cades"), expected_ogrn=OGRN),
                    SignatureProblem.UNTRUSTED)


@pytest.mark.parametrize("which", ["expired", "not_yet_valid", "under_expired_root"])
def test_a_certificate_not_valid_at_the_signing_time_is_rejected(tpki: Pki, verifier: GostCmsVerifier, which: str) -> None:
    who: pki.IssuedCertificate = getattr(tpki, which)
    verdict = verifier.verify(DOCUMENT, openssl_sign(who, "-cades"), expected_ogrn=OGRN)
    assert_rejected(verdict, SignatureProblem.NOT_VALID_AT_SIGNING)
    assert verdict.signing_time is not None


def test_a_signing_time_in_the_future_is_rejected(tpki: Pki) -> None:
    verifier = GostCmsVerifier(tpki.roots, clock=FixedClock(datetime.now(UTC) - timedelta(hours=1)))
    verdict = verifier.verify(DOCUMENT, openssl_sign(tpki.signer_256, "-cades"), expected_ogrn=OGRN)
    assert_rejected(verdict, SignatureProblem.NOT_VALID_AT_SIGNING)
    assert "позже текущего времени" in verdict.message


def test_a_signer_other_than_the_sender_is_rejected(tpki: Pki, verifier: GostCmsVerifier) -> None:
    verdict = verifier.verify(DOCUMENT, openssl_sign(tpki.signer_256, "-cades"), expected_ogrn=OTHER_OGRN)
    assert_rejected(verdict, SignatureProblem.SIGNER_NOT_SENDER)
    assert OGRN in verdict.message
    assert OTHER_OGRN in verdict.message


def test_a_certificate_without_ogrn_cannot_stand_for_a_sender(tpki: Pki, verifier: GostCmsVerifier) -> None:
    verdict = verifier.verify(DOCUMENT, openssl_sign(tpki.no_ogrn, "-cades"), expected_ogrn=OGRN)
    assert_rejected(verdict, SignatureProblem.SIGNER_NOT_SENDER)
    assert verdict.signer_ogrn is None


@pytest.mark.parametrize("which", ["rsa", "ecdsa"])
def test_a_non_gost_signature_is_rejected(tpki: Pki, verifier: GostCmsVerifier, which: str) -> None:
    who: pki.IssuedCertificate = getattr(tpki, which)
    verdict = verifier.verify(DOCUMENT, openssl_sign(who, "-cades", md="sha256"), expected_ogrn=OGRN)
    assert_rejected(verdict, SignatureProblem.NOT_GOST)
    assert "sha256" in verdict.message


def test_an_attached_signature_is_rejected(tpki: Pki, verifier: GostCmsVerifier) -> None:
    signature = openssl_sign(tpki.signer_256, "-cades", "-nodetach")
    assert DOCUMENT in signature
    assert_rejected(verifier.verify(DOCUMENT, signature, expected_ogrn=OGRN), SignatureProblem.NOT_DETACHED)


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not a signature at all", bytes(range(256)), b"\x30\x03\x02\x01", b"\x30\x82\xff\xff" + b"\x00" * 64],
    ids=["empty", "text", "binary", "truncated", "bad-length"],
)
def test_garbage_is_malformed(verifier: GostCmsVerifier, garbage: bytes) -> None:
    assert_rejected(verifier.verify(DOCUMENT, garbage, expected_ogrn=OGRN), SignatureProblem.MALFORMED)


def test_a_certificate_is_not_a_signature(tpki: Pki, verifier: GostCmsVerifier) -> None:
    der = run_openssl(["x509", "-in", str(tpki.signer_256.cert), "-outform", "DER"]).stdout
    assert_rejected(verifier.verify(DOCUMENT, der, expected_ogrn=OGRN), SignatureProblem.MALFORMED)


def test_any_truncation_of_a_signature_is_a_verdict_not_an_exception(tpki: Pki, verifier: GostCmsVerifier) -> None:
    signature = openssl_sign(tpki.signer_256, "-cades")
    for cut in range(0, len(signature), 37):
        assert_rejected(verifier.verify(DOCUMENT, signature[:cut], expected_ogrn=OGRN), SignatureProblem.MALFORMED)


def test_a_signature_without_the_signer_certificate_is_malformed(tpki: Pki, verifier: GostCmsVerifier) -> None:
    verdict = verifier.verify(DOCUMENT, openssl_sign(tpki.signer_256, "-cades", "-nocerts"), expected_ogrn=OGRN)
    assert_rejected(verdict, SignatureProblem.MALFORMED)
    assert "сертификат" in verdict.message


def test_a_signature_without_signed_attributes_has_no_signing_time(tpki: Pki, verifier: GostCmsVerifier) -> None:
    verdict = verifier.verify(DOCUMENT, openssl_sign(tpki.signer_256, "-noattr"), expected_ogrn=OGRN)
    assert_rejected(verdict, SignatureProblem.NO_SIGNING_TIME)
    assert verdict.signing_time is None


def test_a_cms_signature_without_signing_certificate_v2_is_not_cades(tpki: Pki, verifier: GostCmsVerifier) -> None:
    assert_rejected(verifier.verify(DOCUMENT, openssl_sign(tpki.signer_256), expected_ogrn=OGRN), SignatureProblem.NOT_CADES)


def test_a_signing_certificate_v2_of_another_certificate_is_not_cades(tpki: Pki, verifier: GostCmsVerifier) -> None:
    def corrupt_hash(attrs: asn1_cms.CMSAttributes) -> None:
        for attr in attrs:
            if attr["type"].dotted == cms.ATTR_SIGNING_CERTIFICATE_V2:
                cert_id = attr["values"][0]["certs"][0]
                cert_id["cert_hash"] = core.OctetString(bytes(32))

    # The signature value is valid (see the test below): only the binding to the certificate is wrong.
    signature = resign_with_attributes(openssl_sign(tpki.signer_256, "-cades"), tpki.signer_256, corrupt_hash)
    assert_rejected(verifier.verify(DOCUMENT, signature, expected_ogrn=OGRN), SignatureProblem.NOT_CADES)


def test_resigned_attributes_verify_when_unchanged(tpki: Pki, verifier: GostCmsVerifier) -> None:
    # Guards the helper above: re-signing unchanged attributes must give a valid signature.
    signature = resign_with_attributes(openssl_sign(tpki.signer_256, "-cades"), tpki.signer_256, lambda attrs: None)
    assert verifier.verify(DOCUMENT, signature, expected_ogrn=OGRN).valid


# --- setup errors are errors, not verdicts --------------------------------------------------------------------------


def test_a_missing_gost_engine_is_reported_in_russian(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openssl, "_config", None)
    monkeypatch.setattr(openssl, "find_gost_engine", lambda: None)
    with pytest.raises(GostEngineMissingError, match=r"Не установлен модуль ГОСТ для OpenSSL \(пакет libengine-gost-openssl\)"):
        openssl.gost_config()


def test_a_missing_trusted_roots_file_is_a_setup_error(tpki: Pki, tmp_path: Path) -> None:
    verifier = GostCmsVerifier(tmp_path / "absent.pem")
    with pytest.raises(SignatureSetupError, match="доверенных корневых"):
        verifier.verify(DOCUMENT, openssl_sign(tpki.signer_256, "-cades"), expected_ogrn=OGRN)
