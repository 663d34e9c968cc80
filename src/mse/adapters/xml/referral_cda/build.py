"""Entry points of the builder: what ред.6 needs that a referral lacks, and the whole document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from lxml import etree

from .build_body import (
    _consent,
    _dgn,
    _edu,
    _proc,
    _regime,
    _scoporg,
    _scores,
    _socanam,
    _statecur,
    _vitals,
    _work,
)
from .build_header import _header
from .common import (
    _ICD_AT_START,
    _PASSPORT,
    CODE_KEYS,
    CdaBuildError,
    _el,
    _form,
    _narrative,
    _section,
    _st_entry,
    _str,
)
from .sender import SenderInfo

# ---------------------------------------------------------------------------------------------- builder


def missing_for_cda(data: Mapping[str, Any], codes: Mapping[str, str] | None = None) -> list[str]:
    """What ред.6 needs that this referral (and ``codes``) lacks — Russian messages, empty when buildable."""
    codes = codes or {}
    problems: list[str] = []
    schema = _form()

    def need(key: str, rule: str) -> None:
        if _str(data, key) is None and not data.get(key):
            problems.append(f"Для СЭМД ред.6 ({rule}) обязателен пункт {schema.item(key).code} «{schema.item(key).label}»")

    for key, rule in (
        ("snils", "У1-20"),
        ("citizenship", "У3-2"),
        ("militaryStatus", "У3-4"),
        ("stayLocation", "У3-3"),
        ("idDocIssueDate", "У1-20"),
        ("bodyHeight", "У3-22"),
        ("bodyWeight", "У3-22"),
        ("bodyMassIndex", "У3-22"),
        ("bodyBuild", "У3-23"),
        ("noticeMethods", "У3-40"),
    ):
        need(key, rule)
    if data.get("stayLocation") in ("1", "2", "3", "4"):
        need("stayOrgOgrn", "У3-3")
    if _str(data, "idDocName") and not (codes.get("idDocType") or _PASSPORT.search(str(data["idDocName"]))):
        problems.append(f"Не указан код вида документа, удостоверяющего личность: {CODE_KEYS['idDocType']}")
    if _str(data, "repFullName"):
        if _str(data, "repIdDocName"):
            need("repIdDocIssueDate", "У1-20")
            if not (codes.get("repIdDocType") or _PASSPORT.search(str(data["repIdDocName"]))):
                problems.append(f"Не указан {CODE_KEYS['repIdDocType']}")
        if _str(data, "repAuthDocName"):
            need("repAuthDocIssueDate", "У1-20")
            if not codes.get("repAuthDocType"):
                problems.append(f"Не указан {CODE_KEYS['repAuthDocType']}")
    elif _str(data, "guardianOrgName"):
        need("guardianOrgOgrn", "У1-20")
    guardian_contact = _str(data, "repFullName") and (_str(data, "repPhones") or _str(data, "repEmail"))
    has_guardian = _str(data, "repFullName") or _str(data, "guardianOrgName")
    if has_guardian and not guardian_contact and not (_str(data, "contactPhones") or _str(data, "contactEmail")):
        # У1-20 (patientRole/telecom): when the guardian has no contact, the patient's telecom may not be null.
        problems.append("Для СЭМД ред.6 (У1-20) нужен телефон или электронная почта гражданина либо его представителя")
    if _str(data, "prevDisability"):
        need("prevPeriod", "У3-15")
        for key in ("prevDisabilityTerm", "prevDisabilityOrder"):
            if not codes.get(key):
                problems.append(f"Для СЭМД ред.6 (У3-15) не указан {CODE_KEYS[key].lower()}")
    for n, row in enumerate(data.get("tempDisability") or []):
        if not _ICD_AT_START.match(str(row.get("diagnosis") or "")):
            problems.append(f"Пункт 26, строка {n + 1}: для СЭМД ред.6 (У3-13) диагноз должен начинаться с кода МКБ-10")
    for n, row in enumerate(data.get("examinations") or []):
        if not _str(row, "code"):
            problems.append(
                f"Пункт 30, строка {n + 1}: для СЭМД ред.6 (У3-26) нужен код обследования по ФНСИ 1.2.643.5.1.13.13.99.2.857"
            )
    notice = data.get("noticeMethods") or []
    if "1" in notice and not (
        _str(data, "contactPhones") or _str(data, "repPhones") or _str(data, "contactEmail") or _str(data, "repEmail")
    ):
        problems.append("Уведомление по телефону (SMS) выбрано, но телефон не указан (У3-40)")
    return problems


def build_referral_cda(
    data: Mapping[str, Any],
    *,
    document_id: str,
    sender: SenderInfo,
    created_at: datetime,
    codes: Mapping[str, str] | None = None,
    set_id: str | None = None,
    version: int = 1,
) -> bytes:
    """Write the referral as a CDA ред.6 document (UTF-8 bytes with an XML declaration)."""
    codes = dict(codes or {})
    problems = missing_for_cda(data, codes)
    chair = _str(data, "commissionChairName")
    members = [str(r.get("name")) for r in data.get("commissionMembers") or [] if _str(r, "name")]
    for name in [n for n in [chair, *members] if n]:
        if sender.person(name) is None:
            problems.append(f"Нет сведений (СНИЛС, должность) о члене врачебной комиссии «{name}» в SenderInfo.staff")
    if problems:
        raise CdaBuildError(problems)
    # The header items of the form name the sending МО; SenderInfo adds its OID and address codes.
    sender = replace(
        sender,
        mo_name=_str(data, "organizationName") or sender.mo_name,
        mo_ogrn=_str(data, "organizationOgrn") or sender.mo_ogrn,
        mo_address=replace(sender.mo_address, text=_str(data, "organizationAddress") or sender.mo_address.text),
    )
    doc = _el(None, "ClinicalDocument")
    _header(doc, data, document_id=document_id, sender=sender, created_at=created_at, codes=codes, set_id=set_id, version=version)
    body = _el(_el(doc, "component"), "structuredBody")
    _scoporg(body, data, sender)
    _consent(body, data)
    _work(body, data)
    _edu(body, data)
    _socanam(body, data, codes)
    _vitals(body, data)
    _statecur(body, data)
    _proc(body, data)
    _dgn(body, data)
    _scores(body, data)
    _regime(body, data)
    if _str(data, "specialMedicalCare"):
        section = _section(
            body, "OUTSPECMEDCARE", "Посторонний специальный медицинский уход", "ПОСТОРОННИЙ СПЕЦИАЛЬНЫЙ МЕДИЦИНСКИЙ УХОД"
        )
        _narrative(section, [("Посторонний специальный медицинский уход", _str(data, "specialMedicalCare"), None)])
        _st_entry(section, "12133", _str(data, "specialMedicalCare"))  # У3-37
    return bytes(etree.tostring(doc, xml_declaration=True, encoding="UTF-8", pretty_print=True))
