"""The platform's own signature: detached CAdES-BES under GOST R 34.10-2012 (the DocumentSigner port)."""

from __future__ import annotations

from pathlib import Path

from mse.adapters.signature.openssl import SignatureSetupError, run_openssl


class GostCmsSigner:
    """Signs with ``openssl cms -sign -cades``: signed attributes contentType, signingTime, messageDigest and
    signingCertificateV2; the signer's certificate is included, the document is not (detached)."""

    def __init__(self, cert_pem: Path, key_pem: Path, digest_bits: int = 256, *, extra_certs: Path | None = None) -> None:
        if digest_bits not in (256, 512):
            raise ValueError("digest_bits must be 256 or 512 (GOST R 34.11-2012)")
        self._cert = Path(cert_pem)
        self._key = Path(key_pem)
        self._digest = f"md_gost12_{digest_bits}"
        self._extra = Path(extra_certs) if extra_certs is not None else None  # intermediate CA certificates to include

    def sign(self, content: bytes) -> bytes:
        for path in (self._cert, self._key, self._extra):
            if path is not None and not path.is_file():
                raise SignatureSetupError(f"Не найден файл для подписи: {path}")
        args = ["cms", "-sign", "-binary", "-cades", "-nosmimecap", "-md", self._digest, "-outform", "DER",
                "-signer", str(self._cert), "-inkey", str(self._key)]
        if self._extra is not None:
            args += ["-certfile", str(self._extra)]
        # The document goes through stdin and the signature comes back on stdout: no temporary files.
        return run_openssl(args, stdin=content, what="Не удалось подписать документ (ГОСТ Р 34.10-2012)").stdout
