"""Builds the adapters the intake needs (signature verifier and signer, readers, reference data) from settings."""

from __future__ import annotations

from dataclasses import dataclass

from mse.adapters.documents.json_referral import JsonReferralReader
from mse.adapters.documents.return_notice import ReturnNoticeXmlBuilder
from mse.adapters.documents.semd_referral import SemdReferralReader
from mse.adapters.refdata.icd10 import icd10
from mse.adapters.signature.signer import GostCmsSigner
from mse.adapters.signature.verifier import GostCmsVerifier
from mse.domain.ports import Clock
from mse.domain.signatures import DocumentSigner
from mse.services.intake import IntakeReferences
from mse.settings import Settings


@dataclass
class IntakeWiring:
    verifier: GostCmsVerifier
    signer: DocumentSigner | None
    json_reader: JsonReferralReader
    semd_reader: SemdReferralReader
    notices: ReturnNoticeXmlBuilder

    def references(self) -> IntakeReferences:
        # The examination list is administrator-editable: the pipeline reads it in its own transaction.
        return IntakeReferences(icd=icd10())


def build_intake(settings: Settings, clock: Clock) -> IntakeWiring:
    signer = None
    if settings.bureau_signing_cert.exists() and settings.bureau_signing_key.exists():
        signer = GostCmsSigner(settings.bureau_signing_cert, settings.bureau_signing_key)
    return IntakeWiring(
        # Signing times are real instants: the verifier judges them by the system clock, not the business clock.
        verifier=GostCmsVerifier(settings.trusted_roots),
        signer=signer,
        json_reader=JsonReferralReader(max_bytes=settings.max_document_bytes),
        semd_reader=SemdReferralReader(max_bytes=settings.max_document_bytes),
        notices=ReturnNoticeXmlBuilder(),
    )
