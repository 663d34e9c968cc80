"""The СЭМД way in: «Направление на медико-социальную экспертизу (CDA) Редакция 6», checked by the official XSD and Schematron.

A document that violates the official schema or Schematron is not an electronic referral the bureau
can register (the same format-logical control РЭМД ЕГИСЗ applies): it goes to quarantine and the
sender gets the violated rule ids («У1-11»…) as machine codes with the official Russian wording.
"""

from __future__ import annotations

from mse.adapters.xml.validate import check_semd_referral
from mse.domain.referrals import Channel
from mse.services.intake_ports import DocumentRejected, ParsedReferral

MAX_REPORTED = 50


class SemdReferralReader:
    channel = Channel.API_SEMD
    content_type = "application/xml"

    def __init__(self, *, max_bytes: int, channel: Channel = Channel.API_SEMD) -> None:
        self.max_bytes = max_bytes
        self.channel = channel

    def read(self, body: bytes) -> ParsedReferral:
        check = check_semd_referral(body, max_bytes=self.max_bytes)
        if check.rejected is not None:
            raise DocumentRejected(check.rejected.code, check.rejected.message_ru)
        if check.violations:
            kind = "semd_xsd" if check.xsd else "semd_schematron"
            what = "XSD" if check.xsd else "Schematron"
            details = [{"rule": v.rule, "field": v.location or "document", "message": v.message} for v in check.violations[:MAX_REPORTED]]
            raise DocumentRejected(kind, f"СЭМД не соответствует официальной схеме ({what}): нарушений — {len(check.violations)}", details)
        extracted = check.referral
        if extracted is None or not extracted.sender_ogrn:
            raise DocumentRejected("semd_unreadable", "Не удалось извлечь сведения направления и ОГРН отправителя из СЭМД")
        root, extension = extracted.document_id
        return ParsedReferral(document_id=f"{extension}@{root}"[:200], sender_ogrn=extracted.sender_ogrn, data=extracted.data)
