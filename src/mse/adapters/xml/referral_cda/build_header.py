"""Builder of the CDA header: document attributes, patient, guardian, author, custodian and commission."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lxml import etree

from mse.adapters.xml.safe import REFERRAL_R6_TEMPLATE
from mse.domain.values import Ogrn, Snils

from .common import (
    _PASSPORT,
    CS,
    MINZDRAV_OID,
    SNILS_ROOT,
    _addr_coded,
    _addr_text,
    _coded,
    _el,
    _name,
    _split_full_name,
    _split_series_number,
    _str,
    _subjects,
    _telecoms,
    _ts_date,
    _ts_datetime,
)
from .sender import Address, SenderInfo, Staff


def _header(
    doc: etree._Element,
    data: Mapping[str, Any],
    *,
    document_id: str,
    sender: SenderInfo,
    created_at: datetime,
    codes: Mapping[str, str],
    set_id: str | None,
    version: int,
) -> None:
    _el(doc, "realmCode", code="RU")  # У1-9
    _el(doc, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_MT000040")  # У1-10
    _el(doc, "templateId", root=REFERRAL_R6_TEMPLATE)  # У1-11
    _el(doc, "id", root=sender.oid("51"), extension=document_id)  # У1-12
    _coded(doc, "code", "34", "1.2.643.5.1.13.13.11.1522", "Направление на медико-социальную экспертизу")  # У1-13
    _el(doc, "title", "Направление на медико-социальную экспертизу")  # У1-14
    _el(doc, "effectiveTime", value=_ts_datetime(created_at))  # У1-15
    _coded(doc, "confidentialityCode", "N", "1.2.643.5.1.13.13.99.2.285", "Обычный")  # У1-16
    _el(doc, "languageCode", code="ru-RU")  # У1-17
    _el(doc, "setId", root=sender.oid("50"), extension=set_id or document_id)  # У1-18
    _el(doc, "versionNumber", value=str(version))  # У1-19
    _record_target(doc, data, sender, codes)  # У1-20
    _author(doc, sender)  # У1-21
    custodian = _el(_el(_el(doc, "custodian"), "assignedCustodian"), "representedCustodianOrganization", classCode="ORG")  # У1-22
    _el(custodian, "id", root=sender.mo_oid)
    _el(custodian, "name", sender.mo_name)
    _el(custodian, "telecom", value="tel:" + sender.mo_phone)
    _addr_coded(custodian, sender.mo_address)
    recipient = _el(_el(_el(doc, "informationRecipient"), "intendedRecipient"), "receivedOrganization")  # Main05-1
    _el(recipient, "id", root=MINZDRAV_OID)
    _el(recipient, "name", "Министерство здравоохранения Российской Федерации (ИЭМК)")
    legal = _el(doc, "legalAuthenticator")  # У1-25
    _el(legal, "time", nullFlavor="NI")
    _el(legal, "signatureCode", nullFlavor="NI")
    _assigned(legal, "assignedEntity", sender.doctor, sender)
    event = _el(_el(doc, "documentationOf"), "serviceEvent")  # У1-27
    _el(
        event,
        "code",
        code=sender.service_event_code,
        codeSystem="1.2.643.5.1.13.13.99.2.726",
        codeSystemVersion=CS["1.2.643.5.1.13.13.99.2.726"][1],
        codeSystemName=CS["1.2.643.5.1.13.13.99.2.726"][0],
        displayName=sender.service_event_name,
    )
    _el(_el(event, "effectiveTime"), "low", nullFlavor="NI")
    chair = _str(data, "commissionChairName")
    if chair:
        person = sender.person(chair)
        assert person is not None
        _assigned(_el(event, "performer", typeCode="PPRF"), "assignedEntity", person, sender, organisation=False)
    for row in data.get("commissionMembers") or []:
        person = sender.person(str(row.get("name")))
        if person is not None:
            _assigned(_el(event, "performer", typeCode="SPRF"), "assignedEntity", person, sender, organisation=False)
    if not chair:  # У1-27: at least one PPRF performer — the signing doctor
        _assigned(_el(event, "performer", typeCode="PPRF"), "assignedEntity", sender.doctor, sender, organisation=False)


def _assigned(parent: etree._Element, tag: str, person: Staff, sender: SenderInfo, *, organisation: bool = True) -> None:
    entity = _el(parent, tag)
    _el(entity, "id", root=sender.oid("70"), extension=person.local_id)
    _el(entity, "id", root=SNILS_ROOT, extension=person.snils)
    _coded(entity, "code", person.position_code, "1.2.643.5.1.13.13.11.1002", person.position_name)
    _name(_el(entity, "assignedPerson"), person.family, person.given, person.patronymic)
    if organisation:
        org = _el(entity, "representedOrganization", classCode="ORG")
        _el(org, "id", root=sender.mo_oid)
        _el(org, "name", sender.mo_name)
        _el(org, "telecom", value="tel:" + sender.mo_phone)
        _addr_coded(org, sender.mo_address)


def _author(doc: etree._Element, sender: SenderInfo) -> None:
    author = _el(doc, "author")
    _el(author, "time", nullFlavor="NI")
    _assigned(author, "assignedAuthor", sender.doctor, sender)


def _record_target(doc: etree._Element, data: Mapping[str, Any], sender: SenderInfo, codes: Mapping[str, str]) -> None:
    role = _el(_el(doc, "recordTarget"), "patientRole")
    snils = Snils.parse(str(data["snils"]))
    _el(role, "id", root=sender.oid("10"), extension=codes.get("patientId") or snils.digits)
    _el(role, "id", root=SNILS_ROOT, extension=snils.formatted)
    # identity:IdentityDoc (У1-20): type, series, number, issuer, issuer code, issue date.
    _identity_doc(
        role,
        "identity:IdentityDoc",
        "1.2.643.5.1.13.13.99.2.48",
        codes.get("idDocType"),
        _str(data, "idDocName"),
        _str(data, "idDocSeriesNumber"),
        _str(data, "idDocIssuedBy"),
        _str(data, "idDocIssueDate"),
        with_org_code=True,
    )
    policy_number = _str(data, "omsPolicyNumber")
    if policy_number:
        policy = _el(role, "identity:InsurancePolicy")
        kind = codes.get("omsPolicyType") or "3"
        names = {
            "1": "Полис ОМС старого образца",
            "2": "Временное свидетельство",
            "3": "Полис ОМС единого образца",
            "4": "Электронный полис ОМС единого образца",
        }
        _coded(
            policy, "identity:InsurancePolicyType", kind, "1.2.643.5.1.13.13.11.1035", names.get(kind, "Полис ОМС"), xsi_type="CD"
        )
        _el(policy, "identity:Number", policy_number, xsi_type="ST")
    else:
        _el(role, "identity:InsurancePolicy", nullFlavor="NI")
    _residence(role, data, codes)
    if not _telecoms(role, _str(data, "contactPhones"), _str(data, "contactEmail")):
        _el(role, "telecom", nullFlavor="NI")
    patient = _el(role, "patient")
    _name(patient, str(data["patientLastName"]), str(data["patientFirstName"]), _str(data, "patientMiddleName"))
    _coded(
        patient,
        "administrativeGenderCode",
        str(data["sex"]),
        "1.2.643.5.1.13.13.11.1040",
        {"1": "Мужской", "2": "Женский"}.get(str(data["sex"]), ""),
    )
    _el(patient, "birthTime", value=_ts_date(str(data["patientBirthDate"])))
    _guardian(patient, data, codes)
    provider = _el(role, "providerOrganization")  # У1-20: the МО the patient is attached to — the sender
    _el(provider, "id", root=sender.mo_oid)
    _el(_el(provider, "identity:Props"), "identity:Ogrn", str(Ogrn.parse(sender.mo_ogrn)), xsi_type="ST")
    _el(provider, "name", sender.mo_name)
    _el(provider, "telecom", value="tel:" + sender.mo_phone)
    _addr_coded(provider, sender.mo_address)


def _identity_doc(
    parent: etree._Element,
    tag: str,
    system: str,
    code: str | None,
    name: str | None,
    series_number: str | None,
    issued_by: str | None,
    issue_date: str | None,
    *,
    with_org_code: bool,
) -> None:
    if not name and not series_number:
        return
    doc = _el(parent, tag)
    code = code or ("1" if name and _PASSPORT.search(name) else "")
    _coded(doc, "identity:IdentityCardType", code, system, name or "", xsi_type="CD")
    series, number = _split_series_number(series_number or "-")
    if series:
        _el(doc, "identity:Series", series, xsi_type="ST")
    else:
        _el(doc, "identity:Series", nullFlavor="NA")
    _el(doc, "identity:Number", number, xsi_type="ST")
    if issued_by:
        _el(doc, "identity:IssueOrgName", issued_by, xsi_type="ST")
    else:
        _el(doc, "identity:IssueOrgName", nullFlavor="NI")
    if with_org_code:
        _el(doc, "identity:IssueOrgCode", nullFlavor="NI")
    _el(doc, "identity:IssueDate", xsi_type="TS", value=_ts_date(issue_date or ""))


def _residence(role: etree._Element, data: Mapping[str, Any], codes: Mapping[str, str]) -> None:
    parts = [
        _str(data, k)
        for k in (
            "residencePostcode",
            "residenceCountry",
            "residenceSubject",
            "residenceDistrict",
            "residenceLocality",
            "residenceStreet",
            "residenceHouse",
            "residenceApartment",
        )
    ]
    line = ", ".join(p for p in parts if p)
    if not line:
        return
    subject = _str(data, "residenceSubject") or ""
    region = codes.get("residenceRegionCode") or _subjects().get(subject.lower())
    postcode = _str(data, "residencePostcode") or ""
    aoguid = codes.get("residenceAoguid")
    if aoguid and region and re.fullmatch(r"\d{6}", postcode):
        addr = _addr_coded(
            role,
            Address(line, postcode, region, subject, aoguid, codes.get("residenceHouseguid")),
            kind=("3", "Адрес фактического проживания (пребывания)"),
        )
    else:
        addr = _addr_text(role, line)
        _coded(
            addr, "address:Type", "3", "1.2.643.5.1.13.13.11.1504", "Адрес фактического проживания (пребывания)", xsi_type="CD"
        )  # У1-20
        if re.fullmatch(r"\d{6}", postcode):
            _el(addr, "postalCode", postcode)
    # Structured AD parts (CDA R2 datatypes) so that every item of п.11 reads back on its own.
    for key, tag in (
        ("residenceCountry", "country"),
        ("residenceSubject", "state"),
        ("residenceDistrict", "county"),
        ("residenceLocality", "city"),
        ("residenceStreet", "streetName"),
        ("residenceHouse", "houseNumber"),
        ("residenceApartment", "unitID"),
    ):
        value = _str(data, key)
        if value:
            _el(addr, tag, value)
    if postcode and not re.fullmatch(r"\d{6}", postcode):
        _el(addr, "additionalLocator", postcode)  # a non-Russian postcode (Extra02-1 wants 6 digits in postalCode)


def _guardian(patient: etree._Element, data: Mapping[str, Any], codes: Mapping[str, str]) -> None:
    full_name = _str(data, "repFullName")
    org_name = _str(data, "guardianOrgName")
    if not full_name and not org_name:
        return
    guardian = _el(patient, "guardian", classCode="GUARD")
    if full_name:
        if _str(data, "repSnils"):
            _el(guardian, "id", root=SNILS_ROOT, extension=Snils.parse(str(data["repSnils"])).formatted)
        if _str(data, "repBirthDate"):
            _el(guardian, "PII:birthTime", value=_ts_date(str(data["repBirthDate"])))
        _identity_doc(
            guardian,
            "identity:IdentityDoc",
            "1.2.643.5.1.13.13.99.2.48",
            codes.get("repIdDocType"),
            _str(data, "repIdDocName"),
            _str(data, "repIdDocSeriesNumber"),
            _str(data, "repIdDocIssuedBy"),
            _str(data, "repIdDocIssueDate"),
            with_org_code=True,
        )
        _identity_doc(
            guardian,
            "identity:AuthorityDoc",
            "1.2.643.5.1.13.13.99.2.313",
            codes.get("repAuthDocType"),
            _str(data, "repAuthDocName"),
            _str(data, "repAuthDocSeriesNumber"),
            _str(data, "repAuthDocIssuedBy"),
            _str(data, "repAuthDocIssueDate"),
            with_org_code=False,
        )
        _telecoms(guardian, _str(data, "repPhones"), _str(data, "repEmail"))
        family, given, patronymic = _split_full_name(full_name)
        _name(_el(guardian, "guardianPerson"), family, given, patronymic)
        return
    org = _el(guardian, "guardianOrganization")
    _el(org, "id", nullFlavor="NI")
    _el(_el(org, "identity:Props"), "identity:Ogrn", str(data["guardianOrgOgrn"]), xsi_type="ST")  # У1-20
    _el(org, "name", org_name)
    if _str(data, "guardianOrgAddress"):
        _addr_text(org, str(data["guardianOrgAddress"]))
