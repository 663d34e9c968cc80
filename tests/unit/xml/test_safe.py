"""safe.parse_xml refuses oversized, malformed and DTD-bearing XML (XXE, billion laughs) before anything else."""

from __future__ import annotations

import pytest

from mse.adapters.xml.safe import REFERRAL_R6_TEMPLATE, XmlRejected, parse_xml, require_semd_referral

LIMIT = 1_000_000

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&xxe;</title></ClinicalDocument>"""

XXE_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<ClinicalDocument xmlns="urn:hl7-org:v3"/>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument SYSTEM "file:///etc/passwd">
<ClinicalDocument xmlns="urn:hl7-org:v3"/>"""


def _rejected(data: bytes, max_bytes: int = LIMIT) -> XmlRejected:
    with pytest.raises(XmlRejected) as info:
        parse_xml(data, max_bytes=max_bytes)
    return info.value


@pytest.mark.parametrize(
    "payload",
    [XXE_FILE, XXE_PARAMETER, BILLION_LAUGHS, EXTERNAL_DTD],
    ids=["xxe-file", "xxe-parameter", "billion-laughs", "external-dtd"],
)
def test_any_doctype_is_refused(payload: bytes) -> None:
    exc = _rejected(payload)
    assert exc.code == "xml_doctype_forbidden"
    assert "DOCTYPE" in exc.message_ru
    assert "root:" not in exc.message_ru  # nothing of /etc/passwd leaks into the message


def test_doctype_in_utf16_is_refused() -> None:
    assert (
        _rejected(XXE_FILE.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")).code
        == "xml_doctype_forbidden"
    )


def test_oversized_refused_before_parsing() -> None:
    exc = _rejected(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1000)
    assert exc.code == "xml_too_large"
    assert "1000" in exc.message_ru


def test_malformed_reports_line_and_column() -> None:
    exc = _rejected(b'<?xml version="1.0"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3">\n  <title>x</titl>\n</ClinicalDocument>')
    assert exc.code == "xml_malformed"
    assert exc.line == 3
    assert "строка 3" in exc.message_ru


def test_empty_input_is_malformed() -> None:
    assert _rejected(b"").code == "xml_malformed"


def test_not_cda_and_wrong_edition() -> None:
    with pytest.raises(XmlRejected) as info:
        require_semd_referral(parse_xml(b"<root/>", max_bytes=LIMIT))
    assert info.value.code == "xml_not_cda"
    r5 = b'<ClinicalDocument xmlns="urn:hl7-org:v3"><templateId root="1.2.643.5.1.13.13.14.34.9.5"/></ClinicalDocument>'
    with pytest.raises(XmlRejected) as info:
        require_semd_referral(parse_xml(r5, max_bytes=LIMIT))
    assert info.value.code == "xml_wrong_document_type"
    assert "Редакция 5" in info.value.message_ru
    assert "Редакция 6" in info.value.message_ru
    r6 = f'<ClinicalDocument xmlns="urn:hl7-org:v3"><templateId root="{REFERRAL_R6_TEMPLATE}"/></ClinicalDocument>'.encode()
    require_semd_referral(parse_xml(r6, max_bytes=LIMIT))


def test_entities_are_never_resolved_in_a_plain_document() -> None:
    root = parse_xml(b"<a>&amp;&lt;</a>", max_bytes=LIMIT)
    assert root.text == "&<"
