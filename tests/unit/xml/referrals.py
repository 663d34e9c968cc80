"""Sample referrals (form 088/у JSON) for the СЭМД tests: a rich one and a minimal one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from mse.domain.values import make_ogrn, make_snils

MSK = timezone(timedelta(hours=3))
CREATED_AT = datetime(2024, 3, 15, 10, 30, 0, tzinfo=MSK)
PATIENT_SNILS = make_snils("123456789").formatted
REP_SNILS = make_snils("987654321").formatted

# Codes ред.6 needs that the form does not carry (see referral_cda.CODE_KEYS).
RICH_CODES = {
    "repAuthDocType": "2",
    "prevDisabilityTerm": "2",
    "prevDisabilityOrder": "2",
    "residenceAoguid": "7b6de6a5-86d0-4735-b11a-499081111af8",
    "residenceHouseguid": "a1b2c3d4-0000-4000-8000-000000000001",
}


def minimal() -> dict[str, Any]:
    """Required items of the form plus what ред.6 additionally requires (referral_cda module docstring)."""
    return {
        "organizationName": "ГБУЗ «Городская поликлиника № 1»",
        "organizationAddress": "г. Москва, ул. Примерная, д. 1",
        "organizationOgrn": str(make_ogrn("102770000001")),
        "protocolNumber": "15",
        "protocolDate": "2024-03-14",
        "purposes": ["1"],
        "patientLastName": "Иванов",
        "patientFirstName": "Иван",
        "patientBirthDate": "1970-05-20",
        "sex": "1",
        "residenceCountry": "Российская Федерация",
        "residencePostcode": "101000",
        "residenceSubject": "г. Москва",
        "residenceLocality": "Москва",
        "idDocName": "Паспорт гражданина Российской Федерации",
        "idDocSeriesNumber": "4512 345678",
        "idDocIssueDate": "2015-06-01",
        "referralOrder": "1",
        "consentDate": "2024-03-14",
        "preferredForm": "1",
        "observedSinceYear": 2015,
        "anamnesisDisease": "Болеет с 2019 года, ухудшение в течение последнего года.",
        "anamnesisLife": "Рос и развивался нормально.",
        "healthStatus": "Состояние средней тяжести.",
        "complaints": "Слабость в правых конечностях.",
        "diagnosisMain": "Последствия инфаркта головного мозга",
        "diagnosisMainIcd": "I69.3",
        "fillDate": "2024-03-15",
        "commissionChairName": "Петров П.П.",
        "commissionMembers": [{"name": "Кузнецова О.И."}],
        # ред.6-required although optional in the form:
        "snils": PATIENT_SNILS,
        "citizenship": "1",
        "militaryStatus": "4",
        "stayLocation": "5",
        "bodyHeight": 176,
        "bodyWeight": 82.5,
        "bodyMassIndex": 26.6,
        "bodyBuild": "1",
        "noticeMethods": ["3"],
        # always carried by ред.6 as true/false (У3-1)
        "needsHomeVisit": False,
        "needsPalliativeCare": False,
        "needsPrimaryProsthetics": False,
    }


def rich() -> dict[str, Any]:
    data = minimal()
    data.update(
        {
            "needsHomeVisit": True,
            "needsPalliativeCare": False,
            "needsPrimaryProsthetics": True,
            "purposes": ["1", "3", "10"],
            "patientMiddleName": "Сергеевич",
            "citizenship": "1",
            "militaryStatus": "1",
            "residenceDistrict": "Тверской район",
            "residenceStreet": "ул. Тверская",
            "residenceHouse": "д. 7, корп. 2",
            "residenceApartment": "кв. 15",
            "stayLocation": "1",
            "stayOrgAddress": "г. Москва, ул. Больничная, д. 3",
            "stayOrgOgrn": str(make_ogrn("102770000099")),
            "contactPhones": "+7 (916) 123-45-67, +7 (495) 765-43-21",
            "contactEmail": "ivanov@example.ru",
            "omsPolicyNumber": "7799000011112222",
            "idDocIssuedBy": "ОВД района Тверской г. Москвы",
            "repFullName": "Иванова Мария Петровна",
            "repBirthDate": "1972-02-11",
            "repAuthDocName": "Доверенность",
            "repAuthDocSeriesNumber": "77 АБ 1234567",
            "repAuthDocIssuedBy": "Нотариус г. Москвы Сидоров С.С.",
            "repAuthDocIssueDate": "2024-01-10",
            "repIdDocName": "Паспорт гражданина РФ",
            "repIdDocSeriesNumber": "4513 111222",
            "repIdDocIssuedBy": "ОВД района Арбат г. Москвы",
            "repIdDocIssueDate": "2017-03-03",
            "repPhones": "+7 (903) 111-22-33",
            "repEmail": "ivanova@example.ru",
            "repSnils": REP_SNILS,
            "referralOrder": "2",
            "preferredForm": "2",
            "noticeMethods": ["1", "2", "3"],
            "prevDisability": "2",
            "prevDisabilityUntil": "2024-04-01",
            "prevPeriod": "2",
            "prevCause": "19",
            "prevCauseText": "Военная травма в период прохождения службы",
            "prevProfLossPercent": 40,
            "prevProfLossTerm": "1 год",
            "prevProfLossUntil": "2024-05-01",
            "prevProfLossRepeat": "нет",
            "educationOrg": "ГБПОУ «Колледж связи № 54», г. Москва, ул. Учебная, д. 2",
            "educationCourse": "2 курс",
            "educationProfession": "Техник связи",
            "employment": "Работает",
            "workProfession": "Инженер",
            "workQualification": "Ведущий инженер, 1 категория",
            "workExperience": "25 лет",
            "workCurrentJob": "Инженер-конструктор",
            "workConditions": "Работа в помещении, сидячая",
            "workPlace": "АО «Прибор»",
            "workAddress": "г. Москва, ул. Заводская, д. 10",
            "tempDisability": [
                {"startDate": "2023-09-01", "endDate": "2023-10-15", "duration": "45 дней", "diagnosis": "I63.5 Инфаркт мозга"},
                {"startDate": "2024-01-10", "duration": "продолжается", "diagnosis": "I69.3 Последствия инфаркта мозга"},
            ],
            "elnPresent": True,
            "elnNumber": "910123456789",
            "rehabProgramNumber": "1234.56.77/2022",
            "msProtocolNumber": "2345.6.77/2022",
            "msProtocolDate": "2022-04-01",
            "rehabRestoration": "2",
            "rehabCompensation": "3",
            "rehabMeasuresDone": "Курс реабилитации в стационаре, эффективность частичная.",
            "dailyOutput": 1500,
            "waistVolume": 98.0,
            "hipVolume": 104.5,
            "physicalDevelopment": "Без особенностей",
            "patientAge": "53 года",
            "noFixedResidence": True,
            "examinations": [
                {
                    "date": "2024-02-01",
                    "code": "12",
                    "name": "Магнитно-резонансная томография головного мозга",
                    "result": "Постинфарктная киста в левой гемисфере.",
                },
                {
                    "date": "2024-02-05",
                    "code": "31",
                    "name": "Консультация врача-невролога",
                    "result": "Правосторонний гемипарез.",
                },
            ],
            "diagnosisComplications": "Правосторонний гемипарез",
            "comorbidities": "Гипертоническая болезнь; сахарный диабет 2 типа",
            "comorbiditiesIcd": ["I10", "E11.9"],
            "comorbidityComplications": "Диабетическая ангиопатия",
            "clinicalPrognosis": "11",
            "rehabPotential": "15",
            "rehabPrognosis": "18",
            "rehabRecommendations": "Лечебная физкультура, массаж",
            "medicationsList": "Трость опорная",
            "reconstructiveSurgery": "Не нуждается",
            "prostheticsOrthotics": "Ортез на голеностопный сустав",
            "sanatoriumTreatment": "Санаторий неврологического профиля",
            "specialMedicalCare": "Не нуждается",
            "commissionMembers": [{"name": "Кузнецова О.И."}, {"name": "Смирнов И.О."}],
        }
    )
    return data


if __name__ == "__main__":  # regenerate tests/data/semd/referral_r6_valid.xml: python -m tests.unit.xml.referrals
    from pathlib import Path

    from mse.adapters.xml.referral_cda import SenderInfo, build_referral_cda

    target = Path(__file__).parents[2] / "data" / "semd" / "referral_r6_valid.xml"
    target.write_bytes(
        build_referral_cda(rich(), document_id="088-2024-000123", sender=SenderInfo(), created_at=CREATED_AT, codes=RICH_CODES)
    )
    print(f"wrote {target}")
