"""Builds forms/data/referral-088u/2022-11-21.json from the official field list (provenance tool).

Run once when the field list or a dictionary changes: ``python tools/build_form_088u.py``.
The JSON it writes is the source of truth the platform loads; this script documents how every one
of the 149 rows of ``tests/data/reference/form_088u_2022_fields.csv`` (488н/551н приложение № 1)
became an item or an option, and which ФНСИ code each option carries.
Rows that print several points on one line (8.1/8.2, 17.2.1-17.2.4…) are expanded into one item per
point; mutually exclusive checkboxes of one point (9.x, 10.x, 13.x, 20.x…) become one choice item
whose options keep their point numbers.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "tests/data/reference/form_088u_2022_fields.csv"
NSI = ROOT / "src/mse/refdata/nsi/mse_nsi_dictionaries.json"
OUT = ROOT / "src/mse/forms/data/referral-088u/2022-11-21.json"

PURPOSE = "1.2.643.5.1.13.13.99.2.147"
ADDRESS = [
    ("residenceCountry", "11.1", "Государство", True),
    ("residencePostcode", "11.2", "Почтовый индекс", True),
    ("residenceSubject", "11.3", "Субъект Российской Федерации", True),
    ("residenceDistrict", "11.4", "Район", False),
    ("residenceLocality", "11.5", "Наименование населенного пункта", True),
    ("residenceStreet", "11.6", "Улица", False),
    ("residenceHouse", "11.7", "Дом (корпус, строение)", False),
    ("residenceApartment", "11.8", "Квартира", False),
]
PREV_CAUSE_NSI = {1: "4", 2: "7", 3: "6", 4: "5", 5: "17", 6: "8", 7: "9", 8: "11", 9: "12", 10: "10",
                  11: "13", 12: "14", 13: "15", 14: "16", 15: "18", 16: "21", 17: "19", 18: "20"}


def rows() -> list[dict[str, str]]:
    with CSV.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def main() -> None:
    table = rows()
    by_point = {r["form_point"]: r for r in table}
    nsi = json.loads(NSI.read_text(encoding="utf-8"))["dictionaries"]

    def label(point: str) -> str:
        return by_point[point]["label"]

    def item(key: str, code: str, text: str, kind: str, source: list[str], **extra: object) -> dict[str, object]:
        out: dict[str, object] = {"key": key, "code": code, "label": text, "type": kind, "source": source}
        out.update({k: v for k, v in extra.items() if v not in (None, False)})
        return out

    def options_from(points: list[str], codes: list[str], strip: str = "") -> list[dict[str, str]]:
        return [{"code": c, "label": label(p).removeprefix(strip).strip(), "point": p} for p, c in zip(points, codes, strict=True)]

    header = [
        item("organizationName", "Заголовок", label_of(table, "organizationName"), "text", ["header"], required=True),
        item("organizationAddress", "Заголовок", label_of(table, "organizationAddress"), "text", ["header"], required=True),
        item("organizationOgrn", "Заголовок", label_of(table, "organizationOgrn"), "ogrn", ["header"], required=True),
        item("protocolNumber", "1", label_of(table, "protocolNumber"), "text", ["1"], required=True, max_length=50),
        item("protocolDate", "1", label_of(table, "protocolDate"), "date", ["1"], required=True),
        item("needsHomeVisit", "2", label("2"), "boolean", ["2"]),
        item("needsPalliativeCare", "3", label("3"), "boolean", ["3"]),
        item("needsPrimaryProsthetics", "4", label("4"), "boolean", ["4"]),
    ]
    purposes = [p for p in by_point if p.startswith("5.")]
    header.append(
        item("purposes", "5", "Цель направления на медико-социальную экспертизу", "multichoice", purposes, required=True,
             dictionary=PURPOSE, options=options_from(purposes, [p.split(".")[1] for p in purposes]))
    )

    person = [
        item("patientLastName", "6", "Фамилия", "text", ["6"], required=True, max_length=100),
        item("patientFirstName", "6", "Имя", "text", ["6"], required=True, max_length=100),
        item("patientMiddleName", "6", "Отчество (при наличии)", "text", ["6"], max_length=100),
        item("patientBirthDate", "7", "Дата рождения", "date", ["7"], required=True),
        item("patientAge", "7", "Возраст (полных лет; до 1 года — полных месяцев)", "text", ["7"], max_length=20,
             hint="Вычисляется по дате рождения на дату заполнения направления"),
        item("sex", "8", "Пол", "choice", ["8.1/8.2"], required=True, dictionary="1.2.643.5.1.13.13.11.1040",
             options=[{"code": "1", "label": "мужской", "point": "8.1"}, {"code": "2", "label": "женский", "point": "8.2"}]),
        item("citizenship", "9", "Гражданство", "choice", ["9.1", "9.2"], dictionary="1.2.643.5.1.13.13.99.2.315",
             options=[{"code": r["ID"], "label": r["NAME_F_088_u"], "point": "9.1" if r["ID"] == "1" else "9.2"}
                      for r in nsi["1.2.643.5.1.13.13.99.2.315"]["rows"] if r["NAME_F_088_u"]]),
        item("militaryStatus", "10", "Отношение к воинской обязанности", "choice", ["10.1", "10.2", "10.3", "10.4"],
             dictionary="1.2.643.5.1.13.13.99.2.314",
             options=options_from(["10.1", "10.2", "10.3", "10.4"], ["1", "3", "2", "4"])),
    ]
    person += [item(k, c, f"Адрес места жительства (пребывания, фактического проживания): {t}", "text", [c], required=r, max_length=200)
               for k, c, t, r in ADDRESS]
    person.append(item("noFixedResidence", "12", label("12"), "boolean", ["12"]))
    stay = ["13.1", "13.2", "13.3", "13.4", "13.5"]
    person.append(item("stayLocation", "13", "Гражданин находится", "choice", stay, dictionary="1.2.643.5.1.13.13.99.2.856",
                       options=[{"code": str(n + 1), "label": label(p).removeprefix("Гражданин находится:").split(" (+")[0].strip(), "point": p}
                                for n, p in enumerate(stay)]))
    org_stays = ["1", "2", "3", "4"]
    person += [
        item("stayOrgAddress", "13.1.1–13.4.1", "Адрес организации, в которой находится гражданин", "text", stay[:4],
             required_if={"key": "stayLocation", "in": org_stays}, max_length=300),
        item("stayOrgOgrn", "13.1.2–13.4.2", "ОГРН организации, в которой находится гражданин", "ogrn", stay[:4]),
        item("contactPhones", "14.1", label("14.1"), "phone", ["14.1"]),
        item("contactEmail", "14.2", label("14.2"), "email", ["14.2"]),
        item("snils", "15", "СНИЛС", "snils", ["15"]),
        item("omsPolicyNumber", "15", "Номер полиса ОМС (при наличии)", "text", ["15"], max_length=30),
        item("idDocName", "16.1", "Документ, удостоверяющий личность: наименование", "text", ["16.1"], required=True, max_length=200),
        item("idDocSeriesNumber", "16.2", "Документ, удостоверяющий личность: серия, номер", "text", ["16.2"], required=True, max_length=40),
        item("idDocIssuedBy", "16.3", "Документ, удостоверяющий личность: кем выдан", "text", ["16.3"], max_length=300),
        item("idDocIssueDate", "16.4", "Документ, удостоверяющий личность: дата выдачи", "date", ["16.4"]),
    ]

    rep_if = {"key": "repFullName"}
    rep = [
        item("repFullName", "17.1", "Законный (уполномоченный) представитель: фамилия, имя, отчество (при наличии)", "text", ["17.1"], max_length=300),
        item("repBirthDate", "17.1.1", "Законный (уполномоченный) представитель: дата рождения", "date", ["17.1.1"]),
    ]
    for prefix, key, title, src in (("17.2", "repAuthDoc", "Документ, удостоверяющий полномочия законного (уполномоченного) представителя", "17.2.1-17.2.4"),
                                    ("17.3", "repIdDoc", "Документ, удостоверяющий личность законного (уполномоченного) представителя", "17.3.1-17.3.4")):
        rep += [
            item(f"{key}Name", f"{prefix}.1", f"{title}: наименование", "text", [src], required_if=rep_if, max_length=200),
            item(f"{key}SeriesNumber", f"{prefix}.2", f"{title}: серия, номер", "text", [src], required_if=rep_if, max_length=40),
            item(f"{key}IssuedBy", f"{prefix}.3", f"{title}: кем выдан", "text", [src], max_length=300),
            item(f"{key}IssueDate", f"{prefix}.4", f"{title}: дата выдачи", "date", [src]),
        ]
    rep += [
        item("repPhones", "17.4.1", "Законный (уполномоченный) представитель: номера телефонов", "phone", ["17.4.1"]),
        item("repEmail", "17.4.2", "Законный (уполномоченный) представитель: адрес электронной почты", "email", ["17.4.2"]),
        item("repSnils", "17.5", "СНИЛС законного (уполномоченного) представителя", "snils", ["17.5"]),
        item("guardianOrgName", "17.6.1", "Организация-опекун (попечитель): наименование", "text", ["17.6.1-17.6.3"], max_length=300),
        item("guardianOrgAddress", "17.6.2", "Организация-опекун (попечитель): адрес", "text", ["17.6.1-17.6.3"], max_length=300),
        item("guardianOrgOgrn", "17.6.3", "Организация-опекун (попечитель): ОГРН", "ogrn", ["17.6.1-17.6.3"]),
    ]

    consent = [
        item("referralOrder", "18", "Гражданин направляется на медико-социальную экспертизу", "choice", ["18.1/18.2"], required=True,
             dictionary="1.2.643.5.1.13.13.11.1007",
             options=[{"code": "1", "label": "первично", "point": "18.1"}, {"code": "2", "label": "повторно", "point": "18.2"}]),
        item("consentDate", "19.1", label("19.1"), "date", ["19.1"], required=True),
        item("preferredForm", "19.2", "Предпочтительная форма проведения медико-социальной экспертизы", "choice", ["19.2.1/19.2.2"],
             required=True, dictionary="1.2.643.5.1.13.13.99.2.970",
             options=[{"code": r["ID"], "label": r["NAME_088_488_551"], "point": f"19.2.{r['ID']}"} for r in nsi["1.2.643.5.1.13.13.99.2.970"]["rows"]]),
        item("noticeMethods", "19.3", "Способ получения уведомления о проведении медико-социальной экспертизы", "multichoice",
             ["19.3.1-19.3.3"], dictionary="1.2.643.5.1.13.13.99.2.991",
             options=[{"code": "1", "label": "по телефону (SMS)", "point": "19.3.1"},
                      {"code": "2", "label": "заказным почтовым отправлением", "point": "19.3.2"},
                      {"code": "3", "label": "в форме электронного документа через ЕПГУ", "point": "19.3.3"}]),
    ]

    prev_if = {"key": "referralOrder", "in": ["2"]}
    groups = ["20.1.1", "20.1.2", "20.1.3", "20.1.4"]
    periods = ["20.3.1", "20.3.2", "20.3.3", "20.3.4"]
    causes = [f"20.4.{n}" for n in range(1, 19)]
    previous = [
        item("prevDisability", "20.1", "Результаты предыдущей МСЭ: инвалидность", "choice", groups, dictionary="1.2.643.5.1.13.13.11.1053",
             options=options_from(groups, ["1", "2", "3", "4"], "Результаты предыдущей МСЭ — инвалидность:")),
        item("prevDisabilityUntil", "20.2", label("20.2"), "date", ["20.2"]),
        item("prevPeriod", "20.3", "Период, в течение которого гражданин находился на инвалидности на момент направления", "choice", periods,
             dictionary="1.2.643.5.1.13.13.11.1490",
             options=options_from(periods, ["1", "2", "3", "4"], "Период, в течение которого гражданин находился на инвалидности на момент направления:")),
        item("prevCause", "20.4", "Причина инвалидности", "choice", causes, dictionary="1.2.643.5.1.13.13.11.1474",
             options=options_from(causes, [PREV_CAUSE_NSI[n] for n in range(1, 19)], "Причина инвалидности:")),
        item("prevCauseText", "20.4.17–20.4.18", "Причина инвалидности (указать)", "text", ["20.4.17", "20.4.18"],
             required_if={"key": "prevCause", "in": ["19", "20"]}, max_length=500),
        item("prevProfLossPercent", "20.5", label("20.5"), "integer", ["20.5"], minimum=10, maximum=100),
        item("prevProfLossTerm", "20.6", label("20.6"), "text", ["20.6"], max_length=100),
        item("prevProfLossUntil", "20.7", label("20.7"), "date", ["20.7"]),
        item("prevProfLossRepeat", "20.8", label("20.8"), "text", ["20.8"], max_length=1000),
    ]
    # 20.x is filled for a repeated referral only; the requirement of a group at all is a content check.
    previous[0]["required_if"] = prev_if

    social = [item(r["field_id"], r["form_point"], r["label"], "text", [r["form_point"]], max_length=500)
              for r in table if r["form_point"] in ("21.1", "21.2", "21.3", "22", "22.1", "22.2", "22.3", "22.4", "22.5", "22.6", "22.7")]

    medical = [
        item("observedSinceYear", "23", label("23"), "year", ["23"], required=True),
        item("anamnesisDisease", "24", label("24"), "longtext", ["24"], required=True),
        item("anamnesisLife", "25", label("25"), "longtext", ["25"], required=True),
        item("tempDisability", "26", "Частота и длительность временной нетрудоспособности (за последние 12 месяцев)", "table", ["26"], max_rows=50,
             columns=[item("startDate", "26", "Дата начала", "date", [], required=True),
                      item("endDate", "26", "Дата окончания", "date", []),
                      item("duration", "26", "Число дней (месяцев и дней)", "text", [], max_length=40),
                      item("diagnosis", "26", "Диагноз", "text", [], max_length=300)]),
        item("elnPresent", "26.1", label("26.1"), "boolean", ["26.1"]),
        item("elnNumber", "26.2", label("26.2"), "text", ["26.2"], required_if={"key": "elnPresent"}, max_length=20),
        item("rehabProgramNumber", "27", "ИПРА инвалида (ребенка-инвалида) №", "text", ["27"], max_length=50),
        item("msProtocolNumber", "27", "к протоколу проведения МСЭ №", "text", ["27"], max_length=50),
        item("msProtocolDate", "27", "от (дата протокола проведения МСЭ)", "date", ["27"]),
    ]
    for point, key in (("27.1", "rehabRestoration"), ("27.2", "rehabCompensation")):
        subs = [f"{point}.1", f"{point}.2", f"{point}.3"]
        medical.append(item(key, point, label(point), "choice", [point, *subs], dictionary="1.2.643.5.1.13.13.11.1475",
                            options=options_from(subs, ["1", "2", "3"], "—")))
    medical += [
        item("rehabMeasuresDone", "27", label_of(table, "rehabMeasuresDone"), "longtext", ["27 (free lines)"]),
        item("bodyHeight", "28.1", "Рост (см)", "decimal", ["28.1"], minimum=20, maximum=250),
        item("bodyWeight", "28.2", "Вес (кг)", "decimal", ["28.2"], minimum=0.3, maximum=400),
        item("bodyMassIndex", "28.3", "Индекс массы тела", "decimal", ["28.3"], minimum=5, maximum=100),
        item("bodyBuild", "28.4", label("28.4"), "choice", ["28.4"], dictionary="1.2.643.5.1.13.13.11.1492",
             options=[{"code": r["ID"], "label": r["NAME"]} for r in nsi["1.2.643.5.1.13.13.11.1492"]["rows"]]),
        item("dailyOutput", "28.5", label("28.5"), "integer", ["28.5"], minimum=0, maximum=20000),
        item("waistVolume", "28.6", "Объем талии (см) — при показаниях к обеспечению абсорбирующим бельем", "decimal", ["28.6"], minimum=10, maximum=300),
        item("hipVolume", "28.6", "Объем бедер (см) — при показаниях к обеспечению абсорбирующим бельем", "decimal", ["28.6"], minimum=10, maximum=300),
        item("birthWeight", "28.7", "Масса тела при рождении (г) — детям в возрасте до 3 лет", "integer", ["28.7"], minimum=300, maximum=8000),
        item("physicalDevelopment", "28.8", label("28.8"), "text", ["28.8"], max_length=500),
        item("healthStatus", "29", label("29"), "longtext", ["29"], required=True),
        item("complaints", "29.1", label("29.1"), "longtext", ["29.1"], required=True),
        item("examinations", "30", "Сведения о медицинских обследованиях, необходимых для получения клинико-функциональных данных "
             "в зависимости от заболевания (перечень 402н/631н)", "table", ["30"], max_rows=200,
             dictionary="1.2.643.5.1.13.13.99.2.857",
             columns=[item("date", "30", "Дата", "date", [], required=True),
                      item("code", "30", "Код (при наличии)", "text", [], max_length=40,
                           hint="Код медицинской услуги (номенклатура медицинских услуг) или код ФНСИ 1.2.643.5.1.13.13.99.2.857"),
                      item("name", "30", "Наименование медицинского обследования", "text", [], required=True, max_length=500),
                      item("result", "30", "Результат", "longtext", [], required=True, max_length=5000)]),
        item("diagnosisMain", "31.1", label("31.1"), "longtext", ["31.1"], required=True, max_length=2000),
        item("diagnosisMainIcd", "31.2", label("31.2"), "icd10", ["31.2"], required=True, dictionary="1.2.643.5.1.13.13.11.1005"),
        item("diagnosisComplications", "31.3", label("31.3"), "longtext", ["31.3"], max_length=2000),
        item("comorbidities", "31.4", label("31.4"), "longtext", ["31.4"], max_length=2000),
        item("comorbiditiesIcd", "31.5", label("31.5"), "icd10_list", ["31.5"], dictionary="1.2.643.5.1.13.13.11.1005"),
        item("comorbidityComplications", "31.6", label("31.6"), "longtext", ["31.6"], max_length=2000),
    ]
    assessments = nsi["1.2.643.5.1.13.13.99.2.148"]["rows"]
    for key, point, group, prefix in (("clinicalPrognosis", "32", "Клинический прогноз", "Клинический прогноз "),
                                      ("rehabPotential", "33", "Реабилитационный потенциал", "Реабилитационный потенциал "),
                                      ("rehabPrognosis", "34", "Реабилитационный прогноз", "Реабилитационный прогноз ")):
        opts = [{"code": r["ID"], "label": r["Name"].removeprefix(prefix)} for r in assessments if r["Group"] == group and r["Actual"] == "true"]
        medical.append(item(key, point, group, "choice", [point], dictionary="1.2.643.5.1.13.13.99.2.148", options=opts))
    medical += [
        item("rehabRecommendations", "35", label("35"), "longtext", ["35"]),
        item("medicationsList", "35.1", label("35.1"), "longtext", ["35.1"]),
        item("reconstructiveSurgery", "36", label("36"), "longtext", ["36"]),
        item("prostheticsOrthotics", "37", label("37"), "longtext", ["37"]),
        item("sanatoriumTreatment", "38", label("38"), "longtext", ["38"]),
        item("specialMedicalCare", "39", label("39"), "longtext", ["39"]),
        item("fillDate", "40", label("40"), "date", ["40"], required=True),
        item("commissionChairName", "Подписи", "Председатель врачебной комиссии (фамилия, инициалы)", "text", ["signatures"], required=True, max_length=150),
        item("commissionMembers", "Подписи", "Члены врачебной комиссии (фамилии, инициалы)", "table", ["signatures"], required=True, max_rows=20,
             columns=[item("name", "Подписи", "Фамилия, инициалы", "text", [], required=True, max_length=150)]),
    ]

    form = {
        "form": "referral-088u",
        "version": "2022-11-21",
        "title": "Направление на медико-социальную экспертизу медицинской организацией",
        "form_number": "088/у",
        "act": "приказ Минтруда России № 488н, Минздрава России № 551н от 12.08.2022 (приложения № 1, 2)",
        "valid_from": "2022-11-21",
        "valid_to": None,
        "notes": [
            "Перечень полей — по бланку (приложение № 1); обязательность — по «Порядку заполнения» (приложение № 2) в прочтении "
            "открытого образца T-Damer/MiniMed (см. tests/data/reference/form_088u_2022.SOURCE.md); уточняется по официальному тексту.",
            "Коды вариантов ответа — коды справочников ФНСИ, указанных у пункта; номер пункта бланка — в поле point.",
        ],
        "sections": [
            {"code": "header", "title": "Медицинская организация, протокол врачебной комиссии, цель направления", "items": header},
            {"code": "person", "title": "Сведения о гражданине (пункты 6–16)", "items": person},
            {"code": "representative", "title": "Законный (уполномоченный) представитель (пункт 17)", "items": rep},
            {"code": "consent", "title": "Порядок направления и согласие (пункты 18–19)", "items": consent},
            {"code": "previous", "title": "Результаты предыдущей МСЭ (пункт 20)", "items": previous},
            {"code": "social", "title": "Образование и трудовая деятельность (пункты 21–22)", "items": social},
            {"code": "medical", "title": "Медицинские сведения (пункты 23–40)", "items": medical},
        ],
    }
    OUT.write_text(json.dumps(form, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {sum(len(s['items']) for s in form['sections'])} items")


def label_of(table: list[dict[str, str]], field_id: str) -> str:
    return next(r["label"] for r in table if r["field_id"] == field_id)


if __name__ == "__main__":
    main()
