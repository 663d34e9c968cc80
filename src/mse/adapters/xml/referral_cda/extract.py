"""Extractor: a ред.6 ClinicalDocument read back as form 088/у items and header facts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from mse.forms.model import ItemType

from .common import (
    _PASSPORT,
    BIRTH_WEIGHT,
    CS_FIELDS,
    DAILY_OUTPUT,
    NS,
    SNILS_ROOT,
    VITALS,
    WAIST_HIP,
    _date_from_ts,
    _form,
    _subjects,
)

# ---------------------------------------------------------------------------------------------- extraction


@dataclass(frozen=True, slots=True)
class ExtractedReferral:
    """A referral read from a CDA ред.6 document: form data plus header facts."""

    data: dict[str, Any]
    document_id: tuple[str, str]  # ClinicalDocument/id (root, extension) — the idempotency key
    set_id: tuple[str, str] | None
    version_number: int | None
    created_at: datetime | None
    sender_oid: str | None
    sender_name: str | None
    sender_ogrn: str | None
    patient_snils: str | None
    codes: dict[str, str] = field(default_factory=dict)


def _x(node: etree._Element, path: str) -> list[Any]:
    result = node.xpath(path, namespaces=NS)
    assert isinstance(result, list)
    return result


def _first(node: etree._Element, path: str) -> Any:
    found = _x(node, path)
    return found[0] if found else None


def _text(node: etree._Element | None, path: str = ".") -> str | None:
    if node is None:
        return None
    found = _first(node, path)
    if found is None:
        return None
    value = found if isinstance(found, str) else (found.text if found.get("nullFlavor") is None else None)
    return str(value) if value is not None and str(value) != "" else None


def _attr(node: etree._Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = _first(node, path)
    return str(found) if found is not None and str(found) != "" else None


def _parse_ts(value: str | None) -> datetime | None:
    if not value:
        return None
    m = re.fullmatch(r"(\d{8})(\d{4})(\d{2})?([+-]\d{4})", value)
    if not m:
        return None
    return datetime.strptime(m.group(1) + m.group(2) + (m.group(3) or "00") + m.group(4), "%Y%m%d%H%M%S%z")


def _num(value: str | None, kind: ItemType) -> int | float | None:
    if value is None:
        return None
    try:
        return int(value) if kind in (ItemType.INTEGER, ItemType.YEAR) else float(value)
    except ValueError:
        return None


def _sections(root: etree._Element) -> dict[str, etree._Element]:
    return {str(_attr(s, "v3:code/@code")): s for s in _x(root, "v3:component/v3:structuredBody/v3:component/v3:section")}


def _field_value(section: etree._Element | None, code: str, what: str = "v3:value") -> etree._Element | None:
    if section is None:
        return None
    found = _first(section, f".//v3:observation[v3:code/@code='{code}' and v3:code/@codeSystem='{CS_FIELDS}']/{what}")
    return found if isinstance(found, etree._Element) else None


def _narrative_items(root: etree._Element) -> Iterator[tuple[str, str]]:
    for para in _x(root, ".//v3:text//v3:paragraph[starts-with(@ID, 'f-')]"):
        caption = _first(para, "v3:caption")
        value = caption.tail if caption is not None else para.text
        if value:
            yield str(para.get("ID"))[2:], str(value)


def extract_referral(root: etree._Element) -> ExtractedReferral:
    """Read a referral (form 088/у items) and the header facts from a ред.6 ``ClinicalDocument``."""
    schema = _form()
    data: dict[str, Any] = {}
    codes: dict[str, str] = {}

    def put(key: str, value: Any) -> None:
        if value is not None and value != "" and value != []:
            data[key] = value

    role = _first(root, "v3:recordTarget/v3:patientRole")
    snils = _attr(role, f"v3:id[@root='{SNILS_ROOT}']/@extension") if role is not None else None
    if role is not None:
        patient = _first(role, "v3:patient")
        put("snils", snils)
        local = _attr(role, "v3:id[1]/@extension")
        if local and snils and local != re.sub(r"\D", "", snils):
            codes["patientId"] = local
        put("patientLastName", _text(patient, "v3:name/v3:family"))
        put("patientFirstName", _text(patient, "v3:name/v3:given"))
        put("patientMiddleName", _text(patient, "v3:name/identity:Patronymic"))
        put("patientBirthDate", _date_from_ts(_attr(patient, "v3:birthTime/@value")))
        put("sex", _attr(patient, "v3:administrativeGenderCode/@code"))
        _read_identity(role, "identity:IdentityDoc", "idDoc", "idDocType", put, codes)
        put("omsPolicyNumber", _text(role, "identity:InsurancePolicy/identity:Number"))
        policy_type = _attr(role, "identity:InsurancePolicy/identity:InsurancePolicyType/@code")
        if policy_type and policy_type != "3":
            codes["omsPolicyType"] = policy_type
        _read_residence(role, put, codes)
        phones = [str(t)[4:] for t in _x(role, "v3:telecom/@value") if str(t).startswith("tel:")]
        put("contactPhones", ", ".join(phones) or None)
        put("contactEmail", next((str(t)[7:] for t in _x(role, "v3:telecom/@value") if str(t).startswith("mailto:")), None))
        guardian = _first(patient, "v3:guardian") if patient is not None else None
        if guardian is not None:
            _read_guardian(guardian, put, codes)
    sections = _sections(root)
    _read_scoporg(sections.get("SCOPORG"), put)
    _read_consent(sections.get("CONSENT"), put)
    _read_work(sections.get("WORK"), put)
    _read_edu(sections.get("EDU"), put)
    _read_socanam(sections.get("SOCANAM"), put, codes)
    _read_vitals(sections.get("VITALPARAM"), put, data)
    put("healthStatus", _text(_field_value(sections.get("STATECUR"), "4109")))
    put("complaints", _text(_field_value(sections.get("STATECUR"), "835")))
    _read_proc(sections.get("PROC"), put)
    _read_dgn(sections.get("DGN"), put)
    for code, key in (("4054", "clinicalPrognosis"), ("4055", "rehabPotential"), ("4056", "rehabPrognosis")):
        put(key, _attr(_field_value(sections.get("SCORES"), code), "@code"))
    regime = sections.get("REGIME")
    for code, key in (
        ("4111", "reconstructiveSurgery"),
        ("4112", "prostheticsOrthotics"),
        ("4113", "sanatoriumTreatment"),
        ("12132", "medicationsList"),
        ("4114", "rehabRecommendations"),
    ):
        put(key, _text(_field_value(regime, code)))
    put("specialMedicalCare", _text(_field_value(sections.get("OUTSPECMEDCARE"), "12133")))
    _read_commission(root, put)
    for key, value in _narrative_items(root):
        if key in data or key not in {it.key for it in schema.items()}:
            continue
        item = schema.item(key)
        if item.type is ItemType.BOOLEAN:
            put(key, value.strip() == "да")
        elif item.type in (ItemType.INTEGER, ItemType.DECIMAL, ItemType.YEAR):
            put(key, _num(value.strip(), item.type))
        else:
            put(key, value)
    if data.get("elnNumber"):
        data["elnPresent"] = True
    custodian = _first(root, "v3:custodian/v3:assignedCustodian/v3:representedCustodianOrganization")
    provider = _first(root, "v3:recordTarget/v3:patientRole/v3:providerOrganization")
    put("organizationName", _text(custodian, "v3:name"))
    put("organizationAddress", _text(custodian, "v3:addr/v3:streetAddressLine"))
    put("organizationOgrn", _text(provider, "identity:Props/identity:Ogrn"))
    version = _attr(root, "v3:versionNumber/@value")
    id_root, id_ext = _attr(root, "v3:id/@root") or "", _attr(root, "v3:id/@extension") or ""
    set_root, set_ext = _attr(root, "v3:setId/@root"), _attr(root, "v3:setId/@extension")
    return ExtractedReferral(
        data=data,
        document_id=(id_root, id_ext),
        set_id=(set_root, set_ext or "") if set_root else None,
        version_number=int(version) if version and version.isdigit() else None,
        created_at=_parse_ts(_attr(root, "v3:effectiveTime/@value")),
        sender_oid=_attr(custodian, "v3:id/@root")
        or _attr(root, "v3:author/v3:assignedAuthor/v3:representedOrganization/v3:id/@root"),
        sender_name=_text(custodian, "v3:name") or _text(root, "v3:author/v3:assignedAuthor/v3:representedOrganization/v3:name"),
        sender_ogrn=_text(provider, "identity:Props/identity:Ogrn"),
        patient_snils=snils,
        codes=codes,
    )


PutFn = Callable[[str, Any], None]


def _read_identity(node: etree._Element, tag: str, prefix: str, code_key: str, put: PutFn, codes: dict[str, str]) -> None:
    doc = _first(node, tag)
    if doc is None or doc.get("nullFlavor"):
        return
    kind = _first(doc, "identity:IdentityCardType")
    name = kind.get("displayName") if kind is not None else None
    put(f"{prefix}Name", name)
    code = kind.get("code") if kind is not None else None
    if code and not (code == "1" and name and _PASSPORT.search(name)):
        codes[code_key] = code
    series, number = _text(doc, "identity:Series"), _text(doc, "identity:Number")
    put(f"{prefix}SeriesNumber", " ".join(p for p in (series, number) if p) or None)
    put(f"{prefix}IssuedBy", _text(doc, "identity:IssueOrgName"))
    put(f"{prefix}IssueDate", _date_from_ts(_attr(doc, "identity:IssueDate/@value")))


def _read_residence(role: etree._Element, put: PutFn, codes: dict[str, str]) -> None:
    addr = _first(role, "v3:addr")
    if addr is None:
        return
    parts = {
        "residenceCountry": "v3:country",
        "residenceSubject": "v3:state",
        "residenceDistrict": "v3:county",
        "residenceLocality": "v3:city",
        "residenceStreet": "v3:streetName",
        "residenceHouse": "v3:houseNumber",
        "residenceApartment": "v3:unitID",
    }
    for key, path in parts.items():
        put(key, _first(addr, path).text if _first(addr, path) is not None else None)
    put("residencePostcode", _text(addr, "v3:postalCode") or _text(addr, "v3:additionalLocator"))
    state = _first(addr, "address:stateCode")
    if state is not None and _first(addr, "v3:state") is None:
        put("residenceSubject", state.get("displayName"))
    if not any(_first(addr, p) is not None for p in parts.values()):
        put("residenceLocality", _text(addr, "v3:streetAddressLine"))
    subject = _first(addr, "v3:state")
    region = state.get("code") if state is not None else None
    if region and not (subject is not None and _subjects().get((subject.text or "").lower()) == region):
        codes["residenceRegionCode"] = region
    aoguid = _text(addr, "fias:Address/fias:AOGUID")
    if aoguid:
        codes["residenceAoguid"] = aoguid
    houseguid = _text(addr, "fias:Address/fias:HOUSEGUID")
    if houseguid:
        codes["residenceHouseguid"] = houseguid


def _read_guardian(guardian: etree._Element, put: PutFn, codes: dict[str, str]) -> None:
    person = _first(guardian, "v3:guardianPerson/v3:name")
    if person is not None:
        names = [_text(person, "v3:family"), _text(person, "v3:given"), _text(person, "identity:Patronymic")]
        put("repFullName", " ".join(n for n in names if n) or None)
        put("repSnils", _attr(guardian, f"v3:id[@root='{SNILS_ROOT}']/@extension"))
        put("repBirthDate", _date_from_ts(_attr(guardian, "PII:birthTime/@value")))
        _read_identity(guardian, "identity:IdentityDoc", "repIdDoc", "repIdDocType", put, codes)
        auth = _first(guardian, "identity:AuthorityDoc")
        if auth is not None:
            _read_identity(guardian, "identity:AuthorityDoc", "repAuthDoc", "repAuthDocType", put, codes)
            kind = _attr(auth, "identity:IdentityCardType/@code")
            if kind:
                codes["repAuthDocType"] = kind
        phones = [str(t)[4:] for t in _x(guardian, "v3:telecom/@value") if str(t).startswith("tel:")]
        put("repPhones", ", ".join(phones) or None)
        put("repEmail", next((str(t)[7:] for t in _x(guardian, "v3:telecom/@value") if str(t).startswith("mailto:")), None))
        return
    org = _first(guardian, "v3:guardianOrganization")
    if org is not None:
        put("guardianOrgName", _text(org, "v3:name"))
        put("guardianOrgOgrn", _text(org, "identity:Props/identity:Ogrn"))
        put("guardianOrgAddress", _text(org, "v3:addr/v3:streetAddressLine"))


def _read_scoporg(section: etree._Element | None, put: PutFn) -> None:
    if section is None:
        return
    act = _first(section, "v3:entry/v3:act[v3:code/@code='34']")
    if act is not None:
        put(
            "purposes",
            [
                str(c)
                for c in _x(act, "v3:entryRelationship/v3:observation/v3:code[@codeSystem='1.2.643.5.1.13.13.99.2.147']/@code")
            ],
        )
        put(
            "referralOrder",
            _attr(act, "v3:entryRelationship/v3:observation/v3:code[@codeSystem='1.2.643.5.1.13.13.11.1007']/@code"),
        )
        protocol = _first(act, f"v3:entryRelationship/v3:observation[v3:code/@code='4059' and v3:code/@codeSystem='{CS_FIELDS}']")
        if protocol is not None:
            put("protocolNumber", _text(protocol, "v3:value"))
            put("protocolDate", _date_from_ts(_attr(protocol, "v3:effectiveTime/@value")))
        for code, key in (("4060", "needsHomeVisit"), ("4061", "needsPalliativeCare"), ("7012", "needsPrimaryProsthetics")):
            flag = _attr(_field_value(act, code), "@value")
            if flag in ("true", "false"):
                put(key, flag == "true")
        put("fillDate", _date_from_ts(_attr(_field_value(act, "4062"), "@value")))
    put("citizenship", _attr(section, "v3:entry/v3:observation/v3:code[@codeSystem='1.2.643.5.1.13.13.99.2.315']/@code"))
    put("militaryStatus", _attr(section, "v3:entry/v3:observation/v3:code[@codeSystem='1.2.643.5.1.13.13.99.2.314']/@code"))
    stay = _first(section, "v3:entry/v3:act[v3:code/@codeSystem='1.2.643.5.1.13.13.99.2.856']")
    if stay is not None:
        put("stayLocation", _attr(stay, "v3:code/@code"))
        role = _first(stay, "v3:participant/v3:participantRole[not(@nullFlavor)]")
        if role is not None:
            put("stayOrgOgrn", _text(role, "identity:Props/identity:Ogrn"))
            put("stayOrgAddress", _text(role, "v3:addr/v3:streetAddressLine"))


def _read_consent(section: etree._Element | None, put: PutFn) -> None:
    put("consentDate", _date_from_ts(_attr(_field_value(section, "12485"), "@value")))
    put("preferredForm", _attr(_field_value(section, "12480"), "@code"))
    if section is not None:
        put(
            "noticeMethods",
            [
                str(c)
                for c in _x(
                    section, f".//v3:observation[v3:code/@code='12481' and v3:code/@codeSystem='{CS_FIELDS}']/v3:value/@code"
                )
            ],
        )


def _read_work(section: etree._Element | None, put: PutFn) -> None:
    if section is None:
        return
    organizer = _first(section, "v3:entry/v3:organizer")
    if organizer is None:
        return
    role = _first(organizer, "v3:participant/v3:participantRole[not(@nullFlavor)]")
    if role is not None:
        put("workPlace", _text(role, "v3:playingEntity/v3:name"))
        put("workAddress", _text(role, "v3:addr/v3:streetAddressLine"))
    for code, key in (
        ("4074", "workProfession"),
        ("4075", "workQualification"),
        ("4076", "workExperience"),
        ("4078", "workCurrentJob"),
        ("4081", "workConditions"),
    ):
        put(key, _text(_field_value(organizer, code, "v3:text")))


def _read_edu(section: etree._Element | None, put: PutFn) -> None:
    if section is None:
        return
    put(
        "educationOrg",
        _text(
            section,
            "v3:entry/v3:observation[v3:code/@code='4100']/v3:performer/v3:assignedEntity/v3:representedOrganization/v3:name",
        ),
    )
    put("educationCourse", _text(_field_value(section, "12137")))
    put("educationProfession", _text(_field_value(section, "4078")))


def _read_socanam(section: etree._Element | None, put: PutFn, codes: dict[str, str]) -> None:
    if section is None:
        return
    year = _text(_field_value(section, "4101"))
    put("observedSinceYear", int(year) if year and year.isdigit() else None)
    put("anamnesisDisease", _text(_field_value(section, "4102")))
    put("anamnesisLife", _text(_field_value(section, "4103")))
    put("physicalDevelopment", _text(_field_value(section, "4082", "v3:text")))
    organizer = _first(section, "v3:entry/v3:organizer")
    if organizer is not None:
        rows = []
        for act in _x(organizer, "v3:component/v3:act"):
            row = {
                "startDate": _date_from_ts(_attr(act, "v3:effectiveTime/v3:low/@value")),
                "endDate": _date_from_ts(_attr(act, "v3:effectiveTime/v3:high/@value")),
                "duration": _text(act, "v3:text"),
                "diagnosis": _attr(act, "v3:entryRelationship/v3:observation/v3:code/@displayName")
                or _attr(act, "v3:entryRelationship/v3:observation/v3:code/@code"),
            }
            rows.append({k: v for k, v in row.items() if v is not None})
        put("tempDisability", rows)
        put("elnNumber", _attr(_field_value(organizer, "4063"), "@value"))
    disability = _first(section, "v3:entry/v3:observation[v3:code/v3:qualifier]")
    if disability is not None:
        put("prevDisability", _attr(disability, "v3:code/@code"))
        order = _attr(disability, "v3:code/v3:qualifier/v3:value/@code")
        if order:
            codes["prevDisabilityOrder"] = order
        put("prevDisabilityUntil", _date_from_ts(_attr(disability, "v3:effectiveTime/v3:high/@value")))
        term = _attr(_field_value(disability, "4115"), "@code")
        if term:
            codes["prevDisabilityTerm"] = term
        put("prevPeriod", _attr(_field_value(disability, "4169"), "@code"))
        put("prevCause", _attr(disability, "v3:entryRelationship/v3:act/v3:code/@code"))
        put("prevCauseText", _text(disability, "v3:entryRelationship/v3:act/v3:text"))
    loss = _first(section, f"v3:entry/v3:observation[v3:code/@code='4058' and v3:code/@codeSystem='{CS_FIELDS}']")
    if loss is not None:  # structured 4058 (from other МИС): percent, until, term name
        put("prevProfLossPercent", _num(_attr(loss, "v3:value/@value"), ItemType.INTEGER))
        put("prevProfLossUntil", _date_from_ts(_attr(loss, "v3:effectiveTime/v3:high/@value")))
        put("prevProfLossTerm", _attr(_field_value(loss, "4083"), "@displayName"))
    put("rehabProgramNumber", _text(_field_value(section, "4104")))
    put("msProtocolNumber", _text(_field_value(section, "4105")))
    put("msProtocolDate", _date_from_ts(_attr(_field_value(section, "4106"), "@value")))
    put("rehabMeasuresDone", _text(_field_value(section, "4107")))
    put("rehabRestoration", _attr(_field_value(section, "4064"), "@code"))
    put("rehabCompensation", _attr(_field_value(section, "4065"), "@code"))


def _read_vitals(section: etree._Element | None, put: PutFn, data: dict[str, Any]) -> None:
    if section is None:
        return
    birth = (data.get("patientBirthDate") or "").replace("-", "")
    by_code = {spec[0]: key for key, spec in {**VITALS, **WAIST_HIP}.items()}
    by_code[DAILY_OUTPUT[0]] = "dailyOutput"
    for organizer in _x(section, "v3:entry/v3:organizer"):
        when = _attr(organizer, "v3:effectiveTime/@value") or ""
        for observation in _x(organizer, "v3:component/v3:observation"):
            code = _attr(observation, "v3:code/@code") or ""
            key = (
                "birthWeight"
                if code == BIRTH_WEIGHT[0]
                and birth
                and when[:8] == birth
                and _attr(observation, "v3:value/@unit") == BIRTH_WEIGHT[2]
                else by_code.get(code)
            )
            if key:
                put(key, _num(_attr(observation, "v3:value/@value"), _form().item(key).type))
    put("bodyBuild", _attr(_field_value(section, "4108"), "@code"))


def _read_proc(section: etree._Element | None, put: PutFn) -> None:
    if section is None:
        return
    rows = []
    for exam in _x(section, "v3:entry/v3:observation[v3:code/@code='4110']/v3:entryRelationship/v3:observation"):
        row = {
            "date": _date_from_ts(_attr(exam, "v3:effectiveTime/@value")),
            "code": _attr(exam, "v3:code/@code"),
            "name": _attr(exam, "v3:code/@displayName"),
            "result": _text(exam, "v3:value"),
        }
        rows.append({k: v for k, v in row.items() if v is not None})
    put("examinations", rows)


def _read_dgn(section: etree._Element | None, put: PutFn) -> None:
    if section is None:
        return
    main = _first(section, "v3:entry/v3:act/v3:entryRelationship/v3:observation[v3:code/@code='1']")
    if main is not None:
        put("diagnosisMainIcd", _attr(main, "v3:value/@code"))
        put("diagnosisMain", _text(main, "v3:text"))
    icds = [str(c) for c in _x(section, "v3:entry/v3:act/v3:entryRelationship/v3:observation[v3:code/@code='3']/v3:value/@code")]
    put("comorbiditiesIcd", icds)


def _read_commission(root: etree._Element, put: PutFn) -> None:
    def short(entity: etree._Element) -> str | None:
        family = _text(entity, "v3:assignedPerson/v3:name/v3:family")
        given = _text(entity, "v3:assignedPerson/v3:name/v3:given")
        patronymic = _text(entity, "v3:assignedPerson/v3:name/identity:Patronymic")
        if not family:
            return None
        return f"{family} {(given or '')[:1]}.{patronymic[:1] + '.' if patronymic else ''}"

    chair = _first(root, "v3:documentationOf/v3:serviceEvent/v3:performer[@typeCode='PPRF']/v3:assignedEntity")
    if chair is not None:
        put("commissionChairName", short(chair))
    members = [short(e) for e in _x(root, "v3:documentationOf/v3:serviceEvent/v3:performer[@typeCode='SPRF']/v3:assignedEntity")]
    put("commissionMembers", [{"name": m} for m in members if m])
