"""Referral fixtures for intake tests: a test PKI, a rich valid referral 088/у, envelopes and signatures."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mse.adapters.signature.pki import IssuedCertificate, create_root_ca, issue_certificate, write_trusted_roots
from mse.adapters.signature.signer import GostCmsSigner
from mse.domain.values import make_ogrn

OGRN_X = make_ogrn("102770000001").digits  # МО X (Moscow) of tests/builders.py
OGRN_Y = make_ogrn("102500000002").digits  # МО Y (Moscow region)


@dataclass
class TestPki:
    __test__ = False
    roots: Path
    mo_x: IssuedCertificate
    mo_y: IssuedCertificate
    bureau: IssuedCertificate
    stranger: IssuedCertificate  # issued by a root the platform does not trust

    def sign(self, body: bytes, cert: IssuedCertificate | None = None) -> bytes:
        cert = cert or self.mo_x
        return GostCmsSigner(cert.cert, cert.key).sign(body)


def make_pki(directory: Path) -> TestPki:
    root = create_root_ca(directory, name="root", common_name="Тестовый УЦ")
    other = create_root_ca(directory, name="other-root", common_name="Чужой УЦ")
    return TestPki(
        roots=write_trusted_roots(directory / "trusted-roots.pem", root),
        mo_x=issue_certificate(root, directory, name="mo-x", common_name="ГБУЗ Поликлиника X", organization="Поликлиника X", ogrn=OGRN_X),
        mo_y=issue_certificate(root, directory, name="mo-y", common_name="ГБУЗ Поликлиника Y", organization="Поликлиника Y", ogrn=OGRN_Y),
        bureau=issue_certificate(root, directory, name="bureau", common_name="Бюро МСЭ", organization="ФКУ ГБ МСЭ", ogrn="1027739000018"),
        stranger=issue_certificate(other, directory, name="stranger", common_name="Посторонний", ogrn=OGRN_X),
    )


RICH_REFERRAL: dict[str, Any] = {
    "organizationName": "ГБУЗ «Поликлиника X»", "organizationAddress": "г. Москва, ул. Лесная, д. 1", "organizationOgrn": OGRN_X,
    "protocolNumber": "ВК-118", "protocolDate": "2026-02-26", "needsHomeVisit": False, "needsPalliativeCare": False,
    "needsPrimaryProsthetics": False, "purposes": ["1", "10"],
    "patientLastName": "Ёлкин", "patientFirstName": "Пётр", "patientMiddleName": "Ильич", "patientBirthDate": "1971-05-14",
    "patientAge": "54", "sex": "1", "citizenship": "1", "militaryStatus": "4",
    "residenceCountry": "Российская Федерация", "residencePostcode": "125009", "residenceSubject": "г. Москва",
    "residenceLocality": "Москва", "residenceStreet": "ул. Тверская", "residenceHouse": "7", "residenceApartment": "12",
    "stayLocation": "5", "contactPhones": "+7 495 123-45-67", "snils": "112-233-445 95",
    "idDocName": "Паспорт гражданина Российской Федерации", "idDocSeriesNumber": "4510 123456", "idDocIssuedBy": "ОВД Тверской",
    "idDocIssueDate": "2016-06-01", "referralOrder": "1", "consentDate": "2026-02-25", "preferredForm": "1", "noticeMethods": ["3"],
    "employment": "не работает", "observedSinceYear": 2019,
    "anamnesisDisease": "С 2019 г. артериальная гипертензия, в 2025 г. ишемический инсульт в бассейне левой СМА; "
                        "стационарное лечение, ранняя реабилитация, сохраняется правосторонний гемипарез.",
    "anamnesisLife": "Рос и развивался соответственно возрасту. Вредные привычки отрицает.",
    "tempDisability": [{"startDate": "2025-09-01", "endDate": "2026-01-20", "duration": "142 дня", "diagnosis": "I63.5"}],
    "elnPresent": False, "bodyHeight": 176, "bodyWeight": 82.5, "bodyMassIndex": 26.6, "bodyBuild": "1",
    "healthStatus": "Состояние средней степени тяжести. Правосторонний гемипарез, умеренная моторная афазия.",
    "complaints": "Слабость в правых конечностях, затруднение речи.",
    "examinations": [
        {"date": "2026-02-10", "code": "B01.023.001", "name": "Прием (осмотр, консультация) врача-невролога первичный", "result": "Гемипарез справа"},
        {"date": "2026-02-11", "code": "A05.23.009", "name": "Магнитно-резонансная томография головного мозга", "result": "Постинсультная киста"},
    ],
    "diagnosisMain": "Последствия ишемического инсульта в бассейне левой средней мозговой артерии",
    "diagnosisMainIcd": "I69.3", "comorbidities": "Гипертоническая болезнь III стадии", "comorbiditiesIcd": ["I11.9"],
    "clinicalPrognosis": "11", "rehabPotential": "15", "rehabPrognosis": "18",
    "rehabRecommendations": "Курс реабилитации в неврологическом отделении, кинезиотерапия, логопед.",
    "fillDate": "2026-02-27", "commissionChairName": "Иванов И. И.", "commissionMembers": [{"name": "Петрова А. А."}, {"name": "Сидоров С. С."}],
}


def rich_referral(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(RICH_REFERRAL)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def envelope(referral: dict[str, Any], *, document_id: str = "doc-1", ogrn: str = OGRN_X, bureau_id: int | None = None) -> bytes:
    doc: dict[str, Any] = {"document_id": document_id, "sender_ogrn": ogrn, "referral": referral}
    if bureau_id is not None:
        doc["bureau_id"] = bureau_id
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")
