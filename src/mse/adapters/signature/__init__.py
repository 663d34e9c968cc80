"""GOST R 34.10/34.11-2012 electronic signatures (detached CMS, CAdES-BES) through OpenSSL 3 with the GOST engine."""

from mse.adapters.signature.openssl import GostEngineMissingError, OpenSslError, SignatureSetupError
from mse.adapters.signature.signer import GostCmsSigner
from mse.adapters.signature.verifier import GostCmsVerifier

__all__ = ["GostCmsSigner", "GostCmsVerifier", "GostEngineMissingError", "OpenSslError", "SignatureSetupError"]
