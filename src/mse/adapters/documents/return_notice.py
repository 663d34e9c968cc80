"""The return notice: СЭМД «Уведомление о причинах возврата направления на МСЭ в медицинскую организацию» ред.2.

Document type 352 (ФНСИ 1.2.643.5.1.13.13.11.1522), IG 1.2.643.5.1.13.13.15.7.2 (НСИ 1520 row 130).
Its official XSD/Schematron are not available here (reference/semd/SOURCE.md), so the notice follows
the CDA header of the referral and the coded fields bound to it in ФНСИ 1.2.643.5.1.13.13.99.2.166:
12199 «Причина возврата» and 10000 «Комментарий» (reference/semd_mse.md §5). It references the
returned referral by its document id. Validate it against the official schema once it is obtained.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from mse.domain.referrals import ReturnReason
from mse.rules.intake import RULES_BY_ID
from mse.services.intake_ports import ReferralRecord

V3 = "urn:hl7-org:v3"
CODED_FIELDS = "1.2.643.5.1.13.13.99.2.166"
DOC_TYPES = "1.2.643.5.1.13.13.11.1522"
TEMPLATE_ID = "1.2.643.5.1.13.13.15.7.2"
PLATFORM_OID = "1.2.643.5.1.13.13.12.2.77.0"  # placeholder root of this installation's document ids (configure per bureau)


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{V3}}}{tag}", {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        node.text = text
    return node


class ReturnNoticeXmlBuilder:
    def __init__(self, root_oid: str = PLATFORM_OID) -> None:
        self.root_oid = root_oid

    def build(self, referral: ReferralRecord, reasons: list[ReturnReason], *, number: str, on: date, bureau_name: str) -> bytes:
        doc = etree.Element(f"{{{V3}}}ClinicalDocument", nsmap={None: V3})
        _el(doc, "realmCode", code="RU")
        _el(doc, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_MT000040")
        _el(doc, "templateId", root=TEMPLATE_ID)
        _el(doc, "id", root=f"{self.root_oid}.100.1.1.51", extension=f"return-{referral.id}")
        _el(doc, "code", code="352", codeSystem=DOC_TYPES, codeSystemName="Виды медицинской документации",
            displayName="Уведомление о причинах возврата направления на медико-социальную экспертизу в медицинскую организацию")
        _el(doc, "title", "Уведомление о причинах возврата направления на медико-социальную экспертизу")
        _el(doc, "effectiveTime", value=on.strftime("%Y%m%d"))
        _el(doc, "confidentialityCode", code="N", codeSystem="1.2.643.5.1.13.13.99.2.285", displayName="Обычный")
        _el(doc, "languageCode", code="ru-RU")
        target = _el(_el(doc, "recordTarget"), "patientRole")
        if referral.patient_snils:
            _el(target, "id", root="1.2.643.100.3", extension=referral.patient_snils)
        patient = _el(target, "patient")
        _el(_el(patient, "name"), "family", referral.patient_name)
        custodian = _el(_el(_el(doc, "custodian"), "assignedCustodian"), "representedCustodianOrganization")
        _el(custodian, "name", bureau_name)
        recipient = _el(_el(_el(doc, "informationRecipient"), "intendedRecipient"), "receivedOrganization")
        _el(recipient, "name", referral.sender_name)
        related = _el(_el(doc, "relatedDocument", typeCode="RPLC"), "parentDocument")
        _el(related, "id", root="1.2.643.5.1.13.13.15.4.6", extension=referral.document_id)
        section = _el(_el(_el(doc, "component"), "structuredBody"), "component")
        sec = _el(section, "section")
        _el(sec, "title", f"Причины возврата направления (регистрационный № {number} от {on:%d.%m.%Y})")
        table = _el(sec, "text")
        for r in reasons:
            _el(table, "paragraph", f"{r.code}. {RULES_BY_ID[r.code].title}: {r.text}")
        for r in reasons:
            obs = _el(_el(sec, "entry"), "observation", classCode="OBS", moodCode="EVN")
            _el(obs, "code", code="12199", codeSystem=CODED_FIELDS, codeSystemName="Кодируемые поля CDA документов",
                displayName="Причина возврата")
            _el(obs, "value", code=r.code, displayName=RULES_BY_ID[r.code].title,
                **{"{http://www.w3.org/2001/XMLSchema-instance}type": "CD"})
            comment = _el(_el(obs, "entryRelationship", typeCode="COMP"), "observation", classCode="OBS", moodCode="EVN")
            _el(comment, "code", code="10000", codeSystem=CODED_FIELDS, displayName="Комментарий")
            _el(comment, "value", r.text, **{"{http://www.w3.org/2001/XMLSchema-instance}type": "ST"})
        return bytes(etree.tostring(doc, xml_declaration=True, encoding="UTF-8", pretty_print=True))
