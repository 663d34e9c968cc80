"""Form 088/у (JSON keyed by the items of ``forms/data/referral-088u/2022-11-21.json``) ⇄ СЭМД
«Направление на медико-социальную экспертизу (CDA) Редакция 6» (templateId 1.2.643.5.1.13.13.14.34.9.6).

``build_referral_cda`` writes a document that passes the official XSD and every assert/report of the official
Schematron (``semd/121.sch``); ``extract_referral`` reads one back. Comments cite the Schematron requirement
(«У3-15» …) that each piece implements. The structure follows the Schematron, the only precise description of
ред.6 available here (the IG itself, portal material 4283, is not).

Facts ред.6 needs that form 088/у does not hold come from elsewhere:

- ``SenderInfo`` (the sending МО and its staff): МО OID/name/ОГРН/address (ФИАС, region code), the signing
  doctor's СНИЛС and position (ФНСИ 1.2.643.5.1.13.13.11.1002), the СНИЛС/position of the commission members
  named in the form (looked up by "Фамилия И.О."), the addressee МСЭ institution. Demo defaults throughout.
- ``codes`` (``Mapping[str, str]``, keys in ``CODE_KEYS``): codes for what the form holds as free text or not
  at all — document types (ФНСИ 1.2.643.5.1.13.13.99.2.48 / 99.2.313), the term and order of the previous
  disability (99.2.358 / 11.1041), ФИАС GUIDs of the residence. ``extract_referral`` returns them in
  ``ExtractedReferral.codes``.

Items ред.6 makes mandatory although the form does not (the builder raises ``CdaBuildError`` listing the
missing ones): snils (У1-20 id[2]), citizenship (У3-2), militaryStatus (У3-4), stayLocation (У3-3; for 13.1–13.4
also stayOrgOgrn), idDocIssueDate (У1-20 IssueDate), bodyHeight, bodyWeight, bodyMassIndex (У3-22: ≥3 vital
organizers), bodyBuild (У3-23), noticeMethods (У3-40), ICD-10 code at the start of every tempDisability row
diagnosis (У3-13), the ФНСИ 99.2.857 code of every examinations row (У3-26), repIdDocIssueDate /
repAuthDocIssueDate and guardianOrgOgrn when those parts are present (У1-20), prevPeriod when prevDisability is
given (У3-15), and a phone/e-mail of the patient when the guardian (a representative without contacts, or an
organisation) has none (У1-20 patientRole/telecom).

Round trip — ``extract_referral(build_referral_cda(x)).data == x`` holds for every item except:

- needsHomeVisit, needsPalliativeCare, needsPrimaryProsthetics: always present in ред.6 as true/false (У3-1),
  so an absent checkbox is read back as ``False``;
- elnPresent: not an element of ред.6; read back as ``True`` when an ЭЛН number is present, else absent;
- guardianOrgName/Address/Ogrn when a representative person (repFullName) is also given: ред.6 has one
  ``guardian`` (person *or* organisation), the person wins and the organisation is not written;
- items carried only in the narrative (section ``text``, paragraphs with our own ``ID``s) because ред.6 has no
  structured element for them or requires codes we do not have: patientAge, noFixedResidence, employment,
  diagnosisComplications, comorbidities, comorbidityComplications, prevProfLossPercent/Term/Until/Repeat
  (4058 needs the term coded in ФНСИ 1.2.643.5.1.13.13.99.2.325, not available), elnNumber without
  tempDisability rows. They round-trip for documents made here; from other МИС they are read only when present
  in structured form (prevProfLoss* from entry 4058, for instance);
- addresses: ред.6 wants every non-null ``addr`` coded (region code, postal code, ФИАС AOGUID — У1-3). The
  residence is coded when ``codes`` gives residenceAoguid (region code from refdata/subjects_rf.csv by name);
  otherwise, like stayOrgAddress, workAddress and guardianOrgAddress (free text in the form), it is written as
  ``addr nullFlavor="OTH"`` with the text in streetAddressLine — valid, but not coded;
- the address parts are read back from AD parts (country/county/city/streetName/houseNumber/unitID); other
  МИС often send ``streetAddressLine`` only, which then lands in residenceLocality.
"""

from .build import build_referral_cda, missing_for_cda
from .common import (
    ADDRESS,
    BIRTH_WEIGHT,
    CODE_KEYS,
    CS,
    CS_FIELDS,
    CS_ICD,
    CS_SECTIONS,
    DAILY_OUTPUT,
    FIAS,
    FIELD_NAMES,
    FORM,
    IDENTITY,
    MEDSERVICE,
    MINZDRAV_OID,
    NS,
    NSMAP,
    PII,
    SNILS_ROOT,
    VITALS,
    WAIST_HIP,
    XSI,
    CdaBuildError,
)
from .extract import ExtractedReferral, PutFn, extract_referral
from .sender import Address, SenderInfo, Staff

__all__ = [
    "ADDRESS",
    "BIRTH_WEIGHT",
    "CODE_KEYS",
    "CS",
    "CS_FIELDS",
    "CS_ICD",
    "CS_SECTIONS",
    "DAILY_OUTPUT",
    "FIAS",
    "FIELD_NAMES",
    "FORM",
    "IDENTITY",
    "MEDSERVICE",
    "MINZDRAV_OID",
    "NS",
    "NSMAP",
    "PII",
    "SNILS_ROOT",
    "VITALS",
    "WAIST_HIP",
    "XSI",
    "Address",
    "CdaBuildError",
    "ExtractedReferral",
    "PutFn",
    "SenderInfo",
    "Staff",
    "build_referral_cda",
    "extract_referral",
    "missing_for_cda",
]
