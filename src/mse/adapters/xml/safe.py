"""Safe parsing of untrusted XML (СЭМД received from medical organisations).

Defences, in order:
1. the size limit is checked on the raw bytes before any parsing;
2. any document type declaration is refused outright — ``<!DOCTYPE``/``<!ENTITY`` anywhere in the bytes
   (in UTF-8/ASCII or UTF-16 form) and, after parsing, any DTD the parser saw: no internal subset means no
   entity definitions, so neither external entities (XXE) nor entity expansion ("billion laughs") can occur;
3. the parser itself never resolves entities, never loads a DTD, never touches the network, keeps libxml2's
   limits on (``huge_tree=False``); XInclude is never processed (``xinclude()`` is never called).

Every refusal is an ``XmlRejected`` with a stable ``code`` (used as a return-reason code) and a Russian message.
"""

from __future__ import annotations

from lxml import etree

CDA_NS = "urn:hl7-org:v3"
REFERRAL_R6_TEMPLATE = "1.2.643.5.1.13.13.14.34.9.6"
"""templateId of «Направление на медико-социальную экспертизу (CDA) Редакция 6» (ФНСИ 1520, ID 121; У1-11)."""

_KNOWN_REFERRAL_TEMPLATES = {
    "1.2.643.5.1.13.13.14.34.9.5": "Редакция 5",
    "1.2.643.5.1.13.13.14.34.3": "Редакция 4",
}

_FORBIDDEN_MARKERS = tuple(
    marker.encode(enc) for marker in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be")
)


class XmlRejected(Exception):
    """An XML document refused before validation.

    Codes: ``xml_too_large``, ``xml_malformed``, ``xml_doctype_forbidden``, ``xml_not_cda``,
    ``xml_wrong_document_type``.
    """

    def __init__(self, code: str, message_ru: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(f"{code}: {message_ru}")
        self.code = code
        self.message_ru = message_ru
        self.line = line
        self.column = column


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers keep state (error log) and are not meant to be shared across threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_xml(data: bytes, *, max_bytes: int) -> etree._Element:
    """Parse untrusted bytes into an element tree, or raise ``XmlRejected``."""
    if len(data) > max_bytes:
        raise XmlRejected(
            "xml_too_large",
            f"Размер XML-документа ({len(data)} байт) превышает допустимый ({max_bytes} байт)",
        )
    upper = data.upper()
    if any(marker.upper() in upper for marker in _FORBIDDEN_MARKERS):
        raise XmlRejected(
            "xml_doctype_forbidden", "XML-документ содержит объявление DOCTYPE или ENTITY; такие документы не принимаются"
        )
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno or 0, 0)
        raise XmlRejected(
            "xml_malformed",
            f"XML-документ не является корректным XML (строка {line}, позиция {column}): {exc.msg}",
            line=line,
            column=column,
        ) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlRejected("xml_doctype_forbidden", "XML-документ содержит объявление DOCTYPE; такие документы не принимаются")
    return root


def require_semd_referral(root: etree._Element) -> None:
    """The root is a CDA ``ClinicalDocument`` of the referral ред.6 template (У1-11), else ``XmlRejected``."""
    if root.tag != f"{{{CDA_NS}}}ClinicalDocument":
        raise XmlRejected(
            "xml_not_cda",
            f"Документ не является СЭМД в формате HL7 CDA: корневой элемент {etree.QName(root).localname!r}, ожидается ClinicalDocument (urn:hl7-org:v3)",
        )
    templates = [t.get("root", "") for t in root.findall(f"{{{CDA_NS}}}templateId")]
    if REFERRAL_R6_TEMPLATE in templates:
        return
    known = [f"{_KNOWN_REFERRAL_TEMPLATES[t]} ({t})" for t in templates if t in _KNOWN_REFERRAL_TEMPLATES]
    got = ", ".join(known) if known else (", ".join(templates) or "templateId отсутствует")
    raise XmlRejected(
        "xml_wrong_document_type",
        "Документ не является СЭМД «Направление на медико-социальную экспертизу (CDA) Редакция 6»: "
        f"получено {got}. Принимается только Редакция 6 (templateId {REFERRAL_R6_TEMPLATE}).",
    )
