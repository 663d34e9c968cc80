"""СЭМД «Сведения о результатах проведенной медико-социальной экспертизы» (CDA) ред.3 for the referring МО (D24).

Document type 35 of ФНСИ 1.2.643.5.1.13.13.11.1522, implementation guide 1.2.643.5.1.13.13.15.5.3 (НСИ 1520 row 187,
from 14.08.2023). **Not validated against its official schema**: neither the guide (portal.egisz.rosminzdrav.ru
/materials/4359) nor an XSD/Schematron for it is in the corpora (reference/semd_mse.md §5 «Not found»). The tests
check it against the generic CDA schema that ships with the referral ред.6 (``adapters/xml/semd/121/CDA.xsd``:
POCD_MT000040 with the RU extensions) and with structural assertions of our own — no more than that. The header
follows the CDA header of the referral ред.6 (semd_mse.md §2); the body carries the coded fields that ФНСИ
1.2.643.5.1.13.13.99.2.166 binds to 15.5.3 (nsi/semd_mse_registry_and_fields.json):
814 Инвалидность (value: ФНСИ 1.2.643.5.1.13.13.11.1053), 8040 причина (1.2.643.5.1.13.13.11.1474), 8041 доп. запись,
8043 бессрочно, 4066 акт МСЭ (11003 номер), 4090 дата очередной МСЭ, 4092 ИПРА, 4093 ПРП, 4168 причина отказа,
8039 стойкие расстройства функций и их степень, 8044 степень выраженности (суммарная), 12482 ограничения
жизнедеятельности, 4058 степень утраты профтрудоспособности. The term (ФНСИ 1.2.643.5.1.13.13.99.2.358) is written as
field 4115, which НСИ 166 binds to the referral guides only — our structural choice, to be checked against the guide.
4083 (срок утраты профтрудоспособности) is left out: the snapshot does not carry that term.
The nesting of the entries (which field is an entryRelationship of which) is ours. The serialisation is fixed
(UTF-8, declaration, two-space indentation, no time of day), so the same snapshot gives the same bytes.
"""

from __future__ import annotations

from lxml import etree

from mse.adapters.documents.return_notice import PLATFORM_OID
from mse.adapters.xml.referral_cda.common import CS, MINZDRAV_OID, SNILS_ROOT
from mse.adapters.xml.safe import CDA_NS
from mse.domain.values import Snils

from .common import CAUSE_1474, GROUP_1053, TERM_358_NAMES, impairments_block, limitations_block, option_label, term_code
from .snapshot import DecisionSnapshot

KIND = "semd_results"
TITLE = "Сведения о результатах проведенной медико-социальной экспертизы"
TEMPLATE_ID = "1.2.643.5.1.13.13.15.5.3"
DOC_TYPE = ("35", "1.2.643.5.1.13.13.11.1522")
XSI = "http://www.w3.org/2001/XMLSchema-instance"
IDENTITY = "urn:hl7-ru:identity"
NSMAP = {None: CDA_NS, "xsi": XSI, "identity": IDENTITY}
FIELDS = "1.2.643.5.1.13.13.99.2.166"
GROUPS, CAUSES, TERMS, SEX = (
    "1.2.643.5.1.13.13.11.1053",
    "1.2.643.5.1.13.13.11.1474",
    "1.2.643.5.1.13.13.99.2.358",
    "1.2.643.5.1.13.13.11.1040",
)
# ФНСИ 1.2.643.5.1.13.13.99.2.166 v5.41: the names of the fields written here.
FIELD_NAMES = {
    "814": "Инвалидность",
    "4058": "Степень утраты профессиональной трудоспособности (%)",
    "4066": "Акт медико-социальной экспертизы",
    "4090": "Дата очередного проведения медико-социальной экспертизы",
    "4092": "Разработана индивидуальная программа реабилитации или абилитации инвалида (ребенка-инвалида)",
    "4093": "Разработана программа реабилитации лица, пострадавшего в результате несчастного случая на производстве "
    "и профессионального заболевания",
    "4115": "Срок, на который установлена инвалидность",
    "4168": "Причина отказа в установлении инвалидности",
    "8039": "Основные виды стойких расстройств функций организма человека и степень их выраженности",
    "8040": "Причина инвалидности",
    "8041": "Дополнительная запись к причине инвалидности",
    "8043": "Признак установления инвалидности бессрочно",
    "8044": "Степень выраженности стойких нарушений функций организма человека",
    "11003": "Номер документа",
    "12482": "Ограничения основных категорий жизнедеятельности человека и степень их выраженности",
}
GROUP_NAMES_1053 = dict(GROUP_1053.values())
CAUSE_NAMES_1474 = {  # ФНСИ 1474 v2.3 names of the codes CAUSE_1474 maps to
    "4": "Общее заболевание", "5": "Инвалидность с детства", "6": "Профессиональное заболевание", "7": "Трудовое увечье",
    "8": "Военная травма", "9": "Заболевание получено в период военной службы",
    "19": "Иные причины, установленные законодательством Российской Федерации (указать)",
}  # fmt: skip


def applies(s: DecisionSnapshot) -> bool:
    return True  # D24: the results go back to the МО for every decision


def title(s: DecisionSnapshot) -> str:
    return f"{TITLE} (акт № {s.numbers.act} от {s.decision.date:%d.%m.%Y})"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, _q(tag))
    for name, value in attrs.items():
        node.set(f"{{{XSI}}}type" if name == "xsi_type" else name, value)
    if text is not None:
        node.text = text
    return node


def _q(tag: str) -> str:
    prefix, _, local = tag.rpartition(":")
    return f"{{{IDENTITY if prefix == 'identity' else CDA_NS}}}{local}"


def _coded(parent: etree._Element, tag: str, code: str, system: str, display: str, **attrs: str) -> etree._Element:
    name, version = CS[system]
    return _el(
        parent, tag, code=code, codeSystem=system, codeSystemVersion=version, codeSystemName=name, displayName=display, **attrs
    )


def _ts(day: object) -> str:
    return str(day).replace("-", "")


def _observation(parent: etree._Element, field: str, *, nested: bool = False) -> etree._Element:
    holder = _el(parent, "entryRelationship", typeCode="COMP") if nested else _el(parent, "entry")
    obs = _el(holder, "observation", classCode="OBS", moodCode="EVN")
    _coded(obs, "code", field, FIELDS, FIELD_NAMES[field])
    return obs


def _bool(parent: etree._Element, field: str, value: bool, *, nested: bool = False) -> None:
    _el(_observation(parent, field, nested=nested), "value", xsi_type="BL", value="true" if value else "false")


def _name(parent: etree._Element, family: str, given: str, patronymic: str | None) -> None:
    name = _el(parent, "name")
    _el(name, "family", family)
    _el(name, "given", given)
    if patronymic:
        _el(name, "identity:Patronymic", patronymic)


def _person_name(parent: etree._Element, full_name: str) -> None:
    parts = full_name.split()
    _name(parent, parts[0], parts[1] if len(parts) > 1 else "", " ".join(parts[2:]) or None)


def _organisation(parent: etree._Element, tag: str, s: DecisionSnapshot) -> None:
    org = _el(parent, tag, classCode="ORG")
    _el(org, "id", root=PLATFORM_OID, extension=s.bureau.ogrn or s.bureau.name)
    _el(org, "name", s.bureau.name)
    if s.bureau.address:
        _el(org, "addr").append(_text_node("streetAddressLine", s.bureau.address))


def _text_node(tag: str, text: str) -> etree._Element:
    node = etree.Element(_q(tag))
    node.text = text
    return node


def _header(doc: etree._Element, s: DecisionSnapshot) -> None:
    d = s.decision
    _el(doc, "realmCode", code="RU")
    _el(doc, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_MT000040")
    _el(doc, "templateId", root=TEMPLATE_ID)
    _el(doc, "id", root=f"{PLATFORM_OID}.100.1.1.51", extension=f"mse-results-{s.case.number}")
    _coded(doc, "code", DOC_TYPE[0], DOC_TYPE[1], TITLE)
    _el(doc, "title", TITLE)
    _el(doc, "effectiveTime", value=_ts(s.issued_on))
    _coded(doc, "confidentialityCode", "N", "1.2.643.5.1.13.13.99.2.285", "Обычный")
    _el(doc, "languageCode", code="ru-RU")
    _el(doc, "setId", root=f"{PLATFORM_OID}.100.1.1.50", extension=f"mse-results-{s.case.number}")
    _el(doc, "versionNumber", value="1")
    role = _el(_el(doc, "recordTarget"), "patientRole")
    _el(role, "id", root=f"{PLATFORM_OID}.100.1.1.10", extension=s.case.number)
    if s.person.snils:
        _el(role, "id", root=SNILS_ROOT, extension=Snils.parse(s.person.snils).formatted)
    else:
        _el(role, "id", root=SNILS_ROOT, nullFlavor="NI")
    patient = _el(role, "patient")
    _name(patient, s.person.surname, s.person.name, s.person.patronymic)
    sex = ("1", "Мужской") if s.person.sex == "male" else ("2", "Женский")
    _coded(patient, "administrativeGenderCode", sex[0], SEX, sex[1])
    _el(patient, "birthTime", value=_ts(s.person.birth_date))
    author = _el(doc, "author")
    _el(author, "time", value=_ts(d.date))
    assigned = _el(author, "assignedAuthor")
    _el(assigned, "id", root=f"{PLATFORM_OID}.100.1.1.70", extension=s.head.full_name)
    _person_name(_el(assigned, "assignedPerson"), s.head.full_name)
    _organisation(assigned, "representedOrganization", s)
    _organisation(_el(_el(doc, "custodian"), "assignedCustodian"), "representedCustodianOrganization", s)
    recipient = _el(_el(_el(doc, "informationRecipient"), "intendedRecipient"), "receivedOrganization")
    _el(recipient, "id", root=MINZDRAV_OID)
    _el(recipient, "name", "Министерство здравоохранения Российской Федерации (ИЭМК)")
    legal = _el(doc, "legalAuthenticator")
    _el(legal, "time", value=_ts(s.issued_on))
    _el(legal, "signatureCode", code="S")
    entity = _el(legal, "assignedEntity")
    _el(entity, "id", root=f"{PLATFORM_OID}.100.1.1.70", extension=s.head.full_name)
    _person_name(_el(entity, "assignedPerson"), s.head.full_name)
    event = _el(_el(doc, "documentationOf"), "serviceEvent")
    period = _el(event, "effectiveTime")
    _el(period, "low", value=_ts(s.case.registered_on))
    _el(period, "high", value=_ts(d.date))


def _narrative(section: etree._Element, lines: list[str]) -> None:
    text = _el(section, "text")
    for line in lines:
        _el(text, "paragraph", line)


def _disability(section: etree._Element, s: DecisionSnapshot) -> list[str]:
    d = s.decision
    obs = _observation(section, "814")
    if not d.recognised:
        _el(obs, "value", xsi_type="CD", nullFlavor="NA")
        reason = _observation(obs, "4168", nested=True)
        _el(reason, "value", d.justification or "Инвалидность не установлена", xsi_type="ST")
        return ["Инвалидность не установлена", f"Причина отказа: {d.justification or '—'}"]
    code, name = GROUP_1053[d.group]
    period = _el(obs, "effectiveTime")
    _el(period, "low", value=_ts(d.date))
    if d.until:
        _el(period, "high", value=_ts(d.until))
    _coded(obs, "value", code, GROUPS, name, xsi_type="CD")
    lines = [f"Инвалидность: {d.group_label}, установлена {d.date:%d.%m.%Y}"]
    if d.cause and d.cause in CAUSE_1474:
        cause_code = CAUSE_1474[d.cause]
        cause = _coded(_observation(obs, "8040", nested=True), "value", cause_code, CAUSES,
                       CAUSE_NAMES_1474.get(cause_code, d.cause_label or ""), xsi_type="CD")  # fmt: skip
        if d.cause_label:
            _el(cause, "originalText", d.cause_label)
        lines.append(f"Причина инвалидности: {d.cause_label}")
    extra = s.protocol.data.get("82")
    for c in extra if isinstance(extra, list) else ([extra] if extra else []):
        label = option_label(s, "82", str(c))
        _el(_observation(obs, "8041", nested=True), "value", label, xsi_type="ST")
        lines.append(f"Дополнительная запись к причине инвалидности: {label}")
    _bool(obs, "8043", d.term == "indefinite", nested=True)
    if (term := term_code(s)) is not None:
        _coded(_observation(obs, "4115", nested=True), "value", term, TERMS, TERM_358_NAMES[term], xsi_type="CD")
    lines.append(
        f"Срок: {'бессрочно' if d.term == 'indefinite' else d.term_text}" + (f", до {d.until:%d.%m.%Y}" if d.until else "")
    )
    return lines


def _body(doc: etree._Element, s: DecisionSnapshot) -> None:
    d = s.decision
    section = _el(_el(_el(_el(doc, "component"), "structuredBody"), "component"), "section")
    _el(section, "title", "Результаты проведенной медико-социальной экспертизы")
    lines = [f"Акт медико-социальной экспертизы № {s.numbers.act} от {d.date:%d.%m.%Y}; {s.bureau.name}"]
    scratch = etree.Element(_q("section"))  # entries are built first, the narrative must precede them in CDA
    act = _observation(scratch, "4066")
    _el(act, "effectiveTime", value=_ts(d.date))
    _el(act, "value", s.numbers.act, xsi_type="ST")
    _el(_observation(act, "11003", nested=True), "value", s.numbers.act, xsi_type="ST")
    lines += _disability(scratch, s)
    if d.reexam_on:
        _el(_observation(scratch, "4090"), "value", xsi_type="TS", value=_ts(d.reexam_on))
        lines.append(f"Дата очередного проведения медико-социальной экспертизы: {d.reexam_on:%d.%m.%Y}")
    for i in impairments_block(s):  # 389н п.79
        obs = _observation(scratch, "8039")
        _el(obs, "text", f"{i['label']}" + (f" ({i['severity']})" if i["severity"] else ""))
        _el(obs, "value", xsi_type="PQ", value=str(i["percent"]), unit="%")
        lines.append(f"{i['label']}: {i['percent']} %")
    if d.percent is not None:  # 389н п.79.13.4: the summary severity
        obs = _observation(scratch, "8044")
        if d.degree:
            _el(obs, "text", f"{d.degree} степень")
        _el(obs, "value", xsi_type="PQ", value=str(d.percent), unit="%")
        lines.append(f"Степень выраженности стойких нарушений функций: {d.percent} %")
    for lim in limitations_block(s):  # 389н п.78
        obs = _observation(scratch, "12482")
        _el(obs, "text", lim["label"])
        _el(obs, "value", xsi_type="INT", value=lim["degree"])
        lines.append(f"{lim['label']}: {lim['degree']} степень")
    if d.professional_loss_percent is not None:
        _el(_observation(scratch, "4058"), "value", xsi_type="PQ", value=str(d.professional_loss_percent), unit="%")
        lines.append(f"Степень утраты профессиональной трудоспособности: {d.professional_loss_percent} %")
    _bool(scratch, "4092", d.ipra)
    _bool(scratch, "4093", d.prp)
    lines.append(f"Разработана ИПРА: {'да, № ' + (s.numbers.ipra or '') if d.ipra else 'нет'}")
    entries = list(scratch)
    _narrative(section, lines)
    section.extend(entries)


def build_xml(s: DecisionSnapshot) -> bytes:
    """The CDA document; well-formed, namespaced, with a fixed serialisation (see the module docstring)."""
    doc = etree.Element(_q("ClinicalDocument"), nsmap=NSMAP)
    _header(doc, s)
    _body(doc, s)
    etree.indent(doc, space="  ")
    return bytes(etree.tostring(doc, xml_declaration=True, encoding="UTF-8"))
