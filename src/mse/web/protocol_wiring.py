"""Builds what the protocol pages need from settings (staff signing keys, the ICD-10 dictionary) and turns a
protocol into its downloadable forms: the printed PDF, the JSON document and the signed package."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mse.adapters.documents.results import build_documents
from mse.adapters.documents.results.pool import RenderPool
from mse.adapters.documents.signed_package import KIND_PROTOCOL_389N, PackageSignature, build_package
from mse.adapters.documents.signed_package import SignerRole as PackageRole
from mse.adapters.pdf.form_pdf import PrintHeader, SignatureLine, render_form_pdf
from mse.adapters.refdata.icd10 import icd10
from mse.adapters.signature.openssl import SignatureSetupError
from mse.adapters.signature.staff_keys import DemoStaffKeys
from mse.domain.protocols import ProtocolRecord, ProtocolSignature, ProtocolStatus
from mse.domain.signatures import StaffKeys
from mse.services import protocols
from mse.services.decision_ports import DocumentBuilder
from mse.settings import Settings


@dataclass
class ProtocolWiring:
    staff_keys: StaffKeys | None
    demo_keys: bool
    icd_exists: Callable[[str], bool]
    demo_pki: Path | None = None  # where `mse demo load` keeps the demo CA (var/pki); None outside demo mode
    documents: DocumentBuilder = build_documents  # the act, справка, ИПРА, extract, СЭМД from a decision snapshot

    def keys(self) -> StaffKeys | None:
        """The specialists' signing keys; in demo mode the demo CA may appear after start-up (`mse demo load`)."""
        if self.staff_keys is None and self.demo_pki is not None:
            try:
                self.staff_keys, self.demo_keys = DemoStaffKeys.from_demo_pki(self.demo_pki), True
            except SignatureSetupError:
                return None
        return self.staff_keys

    def start(self) -> None:
        """Server start-up: spawn the render processes before the first decision (issue 7, P7)."""
        if isinstance(self.documents, RenderPool):
            self.documents.start()

    def close(self) -> None:
        """Server stop: end the render processes."""
        if isinstance(self.documents, RenderPool):
            self.documents.close()


def build_protocols(settings: Settings) -> ProtocolWiring:
    """Outside demo mode there are no server-side keys: qualified signatures are made on the specialist's token
    (not implemented yet — the workbench says so)."""
    dictionary = icd10()
    demo_pki = Path(settings.trusted_roots).parent if settings.demo_accounts_allowed else None
    # issue 7, P7: MSE_RENDER_PROCESSES > 0 renders the PDFs in a process pool (`mse serve` sets 1); 0 or unset, in the thread
    documents: DocumentBuilder = (RenderPool(settings.render_processes, timeout_s=settings.render_timeout_s)
                                  if settings.render_processes else build_documents)
    return ProtocolWiring(staff_keys=None, demo_keys=False, icd_exists=lambda code: dictionary.exists(code), demo_pki=demo_pki,
                          documents=documents)


def protocol_pdf(record: ProtocolRecord, *, institution: str, compact: bool = True) -> bytes:
    schema = protocols.schema_of(record)
    header = PrintHeader(institution=institution, number=record.number, date=record.protocol_date, title=schema.title)
    lines = [SignatureLine(role=s.role.value, full_name=s.full_name, position=s.position, certificate_serial=s.certificate_serial,
                           signed_at=s.signed_at) for s in record.signatures]
    return render_form_pdf(schema, record.data, header=header, signatures=lines, signed=record.status is ProtocolStatus.SIGNED,
                           compact=compact)


def protocol_document(record: ProtocolRecord) -> bytes:
    """The JSON document: exactly the content the signatures cover, plus its state."""
    body = {**protocols.signed_content(record), "status": record.status.value,
            "signatures": [{"role": s.role.value, "full_name": s.full_name, "position": s.position,
                            "signed_at": s.signed_at.isoformat()} for s in record.signatures]}
    return (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def protocol_package(record: ProtocolRecord, blobs: list[tuple[ProtocolSignature, bytes]]) -> bytes:
    """The signed package (`mse documents verify FILE` checks it offline)."""
    sigs = [PackageSignature(role=PackageRole(s.role.value), full_name=s.full_name, position=s.position, signed_at=s.signed_at,
                             cms=cms) for s, cms in blobs]
    title = f"Протокол проведения медико-социальной экспертизы гражданина № {record.number} от {record.protocol_date:%d.%m.%Y}"
    return build_package(KIND_PROTOCOL_389N, title, protocols.signed_content(record), sigs)
