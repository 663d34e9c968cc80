"""Builder of the structured body: one function per section (SCOPORG … REGIME)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from .common import (
    _ICD_AT_START,
    BIRTH_WEIGHT,
    CS_ICD,
    CS_SECTIONS,
    DAILY_OUTPUT,
    VITALS,
    WAIST_HIP,
    _addr_text,
    _coded,
    _el,
    _field_code,
    _form,
    _icd_names,
    _label,
    _narrative,
    _number,
    _obs,
    _section,
    _st_entry,
    _str,
    _ts_date,
)
from .sender import SenderInfo


def _scoporg(body: etree._Element, data: Mapping[str, Any], sender: SenderInfo) -> None:
    section = _section(body, "SCOPORG", "Цель направления и медицинская организация, куда направлен", "ЦЕЛЬ НАПРАВЛЕНИЯ")
    purposes = ", ".join(_label("purposes", c) for c in data.get("purposes") or [])
    _narrative(
        section,
        [
            ("Протокол врачебной комиссии", f"№ {data.get('protocolNumber')} от {data.get('protocolDate')}", None),
            ("Цель направления", purposes, None),
            ("Порядок направления", _label("referralOrder", str(data["referralOrder"])), None),
            ("Гражданство", _label("citizenship", str(data["citizenship"])), None),
            ("Отношение к воинской обязанности", _label("militaryStatus", str(data["militaryStatus"])), None),
            ("Гражданин находится", _label("stayLocation", str(data["stayLocation"])), None),
            ("Лицо без определенного места жительства", "да" if data.get("noFixedResidence") else None, "f-noFixedResidence"),
            ("Возраст", _str(data, "patientAge"), "f-patientAge"),
        ],
    )
    # У3-1: the referral act (RQO) with purposes, first/repeat, ВК protocol, flags and the issue date.
    act = _el(_el(section, "entry"), "act", classCode="ACT", moodCode="RQO")
    _coded(act, "code", "34", "1.2.643.5.1.13.13.11.1522", "Направление на медико-социальную экспертизу")
    _el(act, "statusCode", code="active")
    entity = _el(_el(act, "performer"), "assignedEntity")
    _el(entity, "id", nullFlavor="NI")
    org = _el(entity, "representedOrganization")
    _el(org, "id", nullFlavor="NI")
    _el(org, "name", sender.recipient_name)
    _el(org, "telecom", nullFlavor="NI")
    _el(org, "addr", nullFlavor="NI")

    def relationship() -> etree._Element:
        return _el(act, "entryRelationship", typeCode="SUBJ", inversionInd="true")

    for code in data.get("purposes") or []:
        observation = _el(relationship(), "observation", classCode="OBS", moodCode="EVN")
        _coded(observation, "code", code, "1.2.643.5.1.13.13.99.2.147", _label("purposes", code))
    order = str(data["referralOrder"])  # п.18: 1 первично / 2 повторно → ФНСИ 11.1007 (1 первичный, 2 повторный)
    observation = _el(relationship(), "observation", classCode="OBS", moodCode="EVN")
    _coded(observation, "code", order, "1.2.643.5.1.13.13.11.1007", {"1": "Первичный", "2": "Повторный"}.get(order, order))
    observation = _obs(relationship(), "4059")
    _el(observation, "effectiveTime", value=_ts_date(str(data["protocolDate"])))
    _el(observation, "value", str(data["protocolNumber"]), xsi_type="ST")
    for code, key in (("4060", "needsHomeVisit"), ("4061", "needsPalliativeCare"), ("7012", "needsPrimaryProsthetics")):
        _el(_obs(relationship(), code), "value", xsi_type="BL", value="true" if data.get(key) else "false")
    _el(_obs(relationship(), "4062"), "value", xsi_type="TS", value=_ts_date(str(data["fillDate"])))
    # У3-2 citizenship.
    observation = _el(_el(section, "entry"), "observation", classCode="OBS", moodCode="EVN")
    _coded(
        observation,
        "code",
        str(data["citizenship"]),
        "1.2.643.5.1.13.13.99.2.315",
        _label("citizenship", str(data["citizenship"])),
    )
    # У3-3 where the citizen is; for 13.1–13.4 the organisation (ОГРН, address).
    stay = str(data["stayLocation"])
    act = _el(_el(section, "entry"), "act", classCode="ACT", moodCode="EVN")
    _coded(act, "code", stay, "1.2.643.5.1.13.13.99.2.856", _label("stayLocation", stay))
    if stay in ("1", "2", "3", "4"):
        role = _el(_el(act, "participant", typeCode="LOC"), "participantRole")
        _el(role, "id", nullFlavor="NI")
        _el(_el(role, "identity:Props"), "identity:Ogrn", str(data["stayOrgOgrn"]), xsi_type="ST")
        if _str(data, "stayOrgAddress"):
            _addr_text(role, str(data["stayOrgAddress"]))
        else:
            _el(role, "addr", nullFlavor="NI")
    else:
        participant = _el(act, "participant", typeCode="LOC", nullFlavor="NA")
        _el(participant, "participantRole", nullFlavor="NA")
    # У3-4 military status.
    observation = _el(_el(section, "entry"), "observation", classCode="OBS", moodCode="EVN")
    _coded(
        observation,
        "code",
        str(data["militaryStatus"]),
        "1.2.643.5.1.13.13.99.2.314",
        _label("militaryStatus", str(data["militaryStatus"])),
    )


def _consent(body: etree._Element, data: Mapping[str, Any]) -> None:
    section = _section(body, "CONSENT", "Согласие на медицинское вмешательство", "СОГЛАСИЕ НА НАПРАВЛЕНИЕ И ПРОВЕДЕНИЕ МСЭ")
    methods = [str(c) for c in data.get("noticeMethods") or []]
    _narrative(
        section,
        [
            ("Дата согласия", str(data["consentDate"]), None),
            ("Предпочтительная форма проведения МСЭ", _label("preferredForm", str(data["preferredForm"])), None),
            ("Способ получения уведомления", ", ".join(_label("noticeMethods", c) for c in methods), None),
        ],
    )
    _el(_obs(_el(section, "entry"), "12485"), "value", xsi_type="TS", value=_ts_date(str(data["consentDate"])))  # У3-38
    form_code = str(data["preferredForm"])
    _coded(
        _obs(_el(section, "entry"), "12480"),
        "value",
        form_code,
        "1.2.643.5.1.13.13.99.2.970",
        _label("preferredForm", form_code),
        xsi_type="CD",
    )  # У3-39
    for code in methods:  # У3-40: one to three
        _coded(
            _obs(_el(section, "entry"), "12481"),
            "value",
            code,
            "1.2.643.5.1.13.13.99.2.991",
            _label("noticeMethods", code),
            xsi_type="CD",
        )


def _text_component(organizer: etree._Element, code: str, value: str | None) -> None:
    observation = _obs(_el(organizer, "component", typeCode="COMP"), code)
    if value:
        _el(observation, "text", value)
    else:
        _el(observation, "text", nullFlavor="NA")


def _work(body: etree._Element, data: Mapping[str, Any]) -> None:
    section = _section(body, "WORK", "Место работы и должность, условия труда", "ТРУДОВАЯ ДЕЯТЕЛЬНОСТЬ")
    keys = (
        "workProfession",
        "workQualification",
        "workExperience",
        "workCurrentJob",
        "workConditions",
        "workPlace",
        "workAddress",
    )
    labels = {k: _form().item(k).label for k in keys}
    _narrative(
        section,
        [("Сведения о трудовой деятельности", _str(data, "employment"), "f-employment")]
        + [(labels[k], _str(data, k), None) for k in keys],
    )
    if not any(_str(data, k) for k in keys):
        return
    # У3-5: one organizer 4073 with the place of work, 4074–4076, 4077 (4078–4080) and 4081.
    organizer = _el(_el(section, "entry"), "organizer", classCode="CLUSTER", moodCode="EVN")
    _field_code(organizer, "4073")
    _el(organizer, "statusCode", code="completed")
    if _str(data, "workPlace") or _str(data, "workAddress"):
        role = _el(_el(organizer, "participant", typeCode="LOC"), "participantRole", classCode="SDLOC")
        if _str(data, "workAddress"):
            _addr_text(role, str(data["workAddress"]))
        else:
            _el(role, "addr", nullFlavor="NI")
        entity = _el(role, "playingEntity")
        if _str(data, "workPlace"):
            _el(entity, "name", str(data["workPlace"]))
        else:
            _el(entity, "name", nullFlavor="NI")
    else:
        participant = _el(organizer, "participant", typeCode="LOC", nullFlavor="NI")
        _el(participant, "participantRole", nullFlavor="NI")
    _text_component(organizer, "4074", _str(data, "workProfession"))
    _text_component(organizer, "4075", _str(data, "workQualification"))
    _text_component(organizer, "4076", _str(data, "workExperience"))
    current = _el(_el(organizer, "component", typeCode="COMP"), "organizer", classCode="CLUSTER", moodCode="EVN")
    _field_code(current, "4077")
    _el(current, "statusCode", code="completed")
    _text_component(current, "4078", _str(data, "workCurrentJob"))  # п.22.4 is one text: profession (specialty, position)
    _text_component(current, "4079", None)
    _text_component(current, "4080", None)
    _text_component(organizer, "4081", _str(data, "workConditions"))


def _edu(body: etree._Element, data: Mapping[str, Any]) -> None:
    section = _section(body, "EDU", "Образование", "ОБРАЗОВАНИЕ")
    keys = ("educationOrg", "educationCourse", "educationProfession")
    _narrative(section, [(_form().item(k).label, _str(data, k), None) for k in keys])
    if _str(data, "educationOrg"):  # У3-6: the educational organisation as the performer of 4100
        observation = _obs(_el(section, "entry"), "4100")
        entity = _el(_el(observation, "performer"), "assignedEntity")
        _el(entity, "id", nullFlavor="NI")
        org = _el(entity, "representedOrganization", classCode="ORG")
        _el(org, "id", nullFlavor="NI")
        _el(org, "name", str(data["educationOrg"]))
    _st_entry(section, "12137", _str(data, "educationCourse"))  # У3-7
    _st_entry(section, "4078", _str(data, "educationProfession"))  # У3-8


def _socanam(body: etree._Element, data: Mapping[str, Any], codes: Mapping[str, str]) -> None:
    section = _section(body, "SOCANAM", "Социальный анамнез", "АНАМНЕЗ")
    rows: list[tuple[str, str | None, str | None]] = [
        ("Наблюдается в медицинской организации с", _str(data, "observedSinceYear"), None),
        ("Анамнез заболевания", _str(data, "anamnesisDisease"), None),
        ("Анамнез жизни", _str(data, "anamnesisLife"), None),
        ("Физическое развитие", _str(data, "physicalDevelopment"), None),
    ]
    temp = data.get("tempDisability") or []
    if temp:
        rows.append(
            (
                "Временная нетрудоспособность",
                "; ".join(f"{r.get('startDate')} — {r.get('endDate') or '…'}: {r.get('diagnosis')}" for r in temp),
                None,
            )
        )
    if not temp:
        rows.append(("№ ЭЛН", _str(data, "elnNumber"), "f-elnNumber"))
    rows += [
        ("Степень утраты профессиональной трудоспособности, %", _str(data, "prevProfLossPercent"), "f-prevProfLossPercent"),
        (
            "Срок, на который установлена степень утраты профтрудоспособности",
            _str(data, "prevProfLossTerm"),
            "f-prevProfLossTerm",
        ),
        (
            "Дата, до которой установлена степень утраты профтрудоспособности",
            _str(data, "prevProfLossUntil"),
            "f-prevProfLossUntil",
        ),
        ("Степени утраты профтрудоспособности по повторным случаям", _str(data, "prevProfLossRepeat"), "f-prevProfLossRepeat"),
        ("ИПРА №", _str(data, "rehabProgramNumber"), None),
        ("Мероприятия по медицинской реабилитации и их эффективность", _str(data, "rehabMeasuresDone"), None),
    ]
    _narrative(section, rows)
    _st_entry(section, "4101", _str(data, "observedSinceYear"))  # У3-9
    _st_entry(section, "4102", _str(data, "anamnesisDisease"), required=True)  # У3-10
    _st_entry(section, "4103", _str(data, "anamnesisLife"), required=True)  # У3-11
    if _str(data, "physicalDevelopment"):  # У3-12
        _el(_obs(_el(section, "entry"), "4082"), "text", str(data["physicalDevelopment"]))
    if temp:  # У3-13: the periods (4057, each with an ICD-10 diagnosis) and the ЭЛН number (4063)
        organizer = _el(_el(section, "entry"), "organizer", classCode="CLUSTER", moodCode="EVN")
        _el(organizer, "statusCode", code="completed")
        for row in temp:
            act = _el(_el(organizer, "component", typeCode="COMP"), "act", classCode="ACT", moodCode="EVN")
            _field_code(act, "4057")
            if _str(row, "duration"):
                _el(act, "text", str(row["duration"]))
            period = _el(act, "effectiveTime")
            _el(period, "low", value=_ts_date(str(row["startDate"])))
            if _str(row, "endDate"):
                _el(period, "high", value=_ts_date(str(row["endDate"])))
            else:
                _el(period, "high", nullFlavor="NI")
            diagnosis = str(row["diagnosis"])
            match = _ICD_AT_START.match(diagnosis)
            assert match is not None
            observation = _el(_el(act, "entryRelationship", typeCode="RSON"), "observation", classCode="OBS", moodCode="EVN")
            _coded(observation, "code", match.group(1), CS_ICD, diagnosis)
        if _str(data, "elnNumber"):
            observation = _obs(_el(organizer, "component", typeCode="COMP"), "4063")
            _el(observation, "value", xsi_type="INT", value=str(data["elnNumber"]))
    group = _str(data, "prevDisability")
    if group:  # У3-15: the previous disability — group, order, until, term, period, cause
        observation = _el(_el(section, "entry"), "observation", classCode="OBS", moodCode="EVN")
        code = _coded(observation, "code", group, "1.2.643.5.1.13.13.11.1053", _label("prevDisability", group))
        order = codes["prevDisabilityOrder"]
        _coded(
            _el(code, "qualifier"),
            "value",
            order,
            "1.2.643.5.1.13.13.11.1041",
            {"1": "Впервые", "2": "Повторно"}.get(order, order),
        )
        period = _el(observation, "effectiveTime")
        _el(period, "low", nullFlavor="NI")
        if _str(data, "prevDisabilityUntil"):
            _el(period, "high", value=_ts_date(str(data["prevDisabilityUntil"])))
        term = codes["prevDisabilityTerm"]
        terms = {
            "1": "на один год",
            "2": "на два года",
            "3": "на пять лет",
            "4": "до 14 лет",
            "5": "до 18 лет",
            "6": "бессрочно",
            "7": "на 6 месяцев",
        }
        inner = _obs(_el(observation, "entryRelationship", typeCode="COMP"), "4115")
        _coded(inner, "value", term, "1.2.643.5.1.13.13.99.2.358", terms.get(term, term), xsi_type="CD")
        inner = _obs(_el(observation, "entryRelationship", typeCode="COMP"), "4169")
        _coded(
            inner,
            "value",
            str(data["prevPeriod"]),
            "1.2.643.5.1.13.13.11.1490",
            _label("prevPeriod", str(data["prevPeriod"])),
            xsi_type="CD",
        )
        if _str(data, "prevCause"):
            act = _el(
                _el(observation, "entryRelationship", typeCode="CAUS", inversionInd="true"),
                "act",
                classCode="ACT",
                moodCode="EVN",
            )
            _coded(act, "code", str(data["prevCause"]), "1.2.643.5.1.13.13.11.1474", _label("prevCause", str(data["prevCause"])))
            if _str(data, "prevCauseText"):
                _el(act, "text", str(data["prevCauseText"]))
    _st_entry(section, "4104", _str(data, "rehabProgramNumber"))  # У3-16
    _st_entry(section, "4105", _str(data, "msProtocolNumber"))  # У3-17
    if _str(data, "msProtocolDate"):  # У3-18
        _el(_obs(_el(section, "entry"), "4106"), "value", xsi_type="TS", value=_ts_date(str(data["msProtocolDate"])))
    _st_entry(section, "4107", _str(data, "rehabMeasuresDone"))  # У3-19
    for code, key in (("4064", "rehabRestoration"), ("4065", "rehabCompensation")):  # У3-20, У3-21
        if _str(data, key):
            _coded(
                _obs(_el(section, "entry"), code),
                "value",
                str(data[key]),
                "1.2.643.5.1.13.13.11.1475",
                _label(key, str(data[key])),
                xsi_type="CD",
            )


def _vital_organizer(section: etree._Element, when: str, values: list[tuple[tuple[str, str, str], object]]) -> None:
    organizer = _el(_el(section, "entry"), "organizer", classCode="CLUSTER", moodCode="EVN")
    _el(organizer, "statusCode", code="completed")
    _el(organizer, "effectiveTime", value=when)
    for (code, display, unit), value in values:
        observation = _el(_el(organizer, "component", typeCode="COMP"), "observation", classCode="OBS", moodCode="EVN")
        _coded(observation, "code", code, "1.2.643.5.1.13.13.99.2.262", display)
        _el(observation, "value", xsi_type="PQ", value=_number(value), unit=unit)


def _vitals(body: etree._Element, data: Mapping[str, Any]) -> None:
    section = _section(body, "VITALPARAM", "Витальные параметры", "АНТРОПОМЕТРИЧЕСКИЕ ДАННЫЕ И ФИЗИОЛОГИЧЕСКИЕ ПАРАМЕТРЫ")
    keys = ("bodyHeight", "bodyWeight", "bodyMassIndex", "bodyBuild", "dailyOutput", "waistVolume", "hipVolume", "birthWeight")
    rows = [
        (_form().item(k).label, _label(k, str(data[k])) if k == "bodyBuild" and k in data else _str(data, k), None) for k in keys
    ]
    _narrative(section, rows)
    when = _ts_date(str(data["fillDate"]))
    for key, spec in VITALS.items():  # У3-22: at least three organizers
        _vital_organizer(section, when, [(spec, data[key])])
    pair = [(spec, data[key]) for key, spec in WAIST_HIP.items() if data.get(key) is not None]
    if pair:
        _vital_organizer(section, when, pair)
    if data.get("dailyOutput") is not None:
        _vital_organizer(section, when, [(DAILY_OUTPUT, data["dailyOutput"])])
    if data.get("birthWeight") is not None:
        _vital_organizer(section, _ts_date(str(data["patientBirthDate"])), [(BIRTH_WEIGHT, data["birthWeight"])])
    build = str(data["bodyBuild"])  # У3-23
    _coded(
        _obs(_el(section, "entry"), "4108"),
        "value",
        build,
        "1.2.643.5.1.13.13.11.1492",
        _label("bodyBuild", build),
        xsi_type="CD",
    )


def _statecur(body: etree._Element, data: Mapping[str, Any]) -> None:
    section = _section(body, "STATECUR", "Текущее состояние", "СОСТОЯНИЕ ПРИ НАПРАВЛЕНИИ")
    _narrative(
        section,
        [("Состояние здоровья при направлении", _str(data, "healthStatus"), None), ("Жалобы", _str(data, "complaints"), None)],
    )
    _st_entry(section, "4109", _str(data, "healthStatus"), required=True)  # У3-24
    _st_entry(section, "835", _str(data, "complaints"))  # У3-25


def _proc(body: etree._Element, data: Mapping[str, Any]) -> None:
    rows = data.get("examinations") or []
    if not rows:
        return  # У2-7: the section is optional
    section = _section(body, "PROC", "Исследования и процедуры", "МЕДИЦИНСКИЕ ОБСЛЕДОВАНИЯ")
    _narrative(section, [(f"{r.get('date')} {r.get('name')}", _str(r, "result"), None) for r in rows])
    observation = _obs(_el(section, "entry"), "4110")  # У3-26
    for row in rows:
        exam = _el(_el(observation, "entryRelationship", typeCode="COMP"), "observation", classCode="OBS", moodCode="EVN")
        _coded(exam, "code", str(row["code"]), "1.2.643.5.1.13.13.99.2.857", str(row["name"]))
        _el(exam, "effectiveTime", value=_ts_date(str(row["date"])))
        _el(exam, "value", str(row["result"]), xsi_type="ST")
        reference = _el(exam, "reference", typeCode="REFR", nullFlavor="NA")  # no linked protocol document
        _el(reference, "externalDocument", classCode="DOCCLIN", moodCode="EVN", nullFlavor="NA")


def _dgn(body: etree._Element, data: Mapping[str, Any]) -> None:
    section = _section(body, "DGN", "Диагнозы", "ДИАГНОЗЫ")
    _narrative(
        section,
        [
            ("Основное заболевание", f"{data['diagnosisMainIcd']} {data['diagnosisMain']}", None),
            ("Осложнения основного заболевания", _str(data, "diagnosisComplications"), "f-diagnosisComplications"),
            ("Сопутствующие заболевания", _str(data, "comorbidities"), "f-comorbidities"),
            ("Осложнения сопутствующих заболеваний", _str(data, "comorbidityComplications"), "f-comorbidityComplications"),
        ],
    )
    act = _el(_el(section, "entry"), "act", classCode="ACT", moodCode="EVN")  # У3-27
    _coded(act, "code", "3", "1.2.643.5.1.13.13.11.1076", "Заключительный клинический диагноз")

    def diagnosis(kind: str, kind_name: str, icd: str, text: str | None) -> None:
        observation = _el(_el(act, "entryRelationship", typeCode="COMP"), "observation", classCode="OBS", moodCode="EVN")
        _coded(observation, "code", kind, "1.2.643.5.1.13.13.11.1077", kind_name)
        if text:
            _el(observation, "text", text)
        _el(observation, "statusCode", code="completed")
        _coded(observation, "value", icd, CS_ICD, _icd_names().get(icd, icd), xsi_type="CD")

    diagnosis("1", "Основное заболевание", str(data["diagnosisMainIcd"]), str(data["diagnosisMain"]))
    for icd in data.get("comorbiditiesIcd") or []:
        diagnosis("3", "Сопутствующее заболевание", str(icd), None)


def _scores(body: etree._Element, data: Mapping[str, Any]) -> None:
    section = _section(body, "SCORES", "Объективизированная оценка состояния больного", "ОБЪЕКТИВИЗИРОВАННАЯ ОЦЕНКА СОСТОЯНИЯ")
    keys = (("4054", "clinicalPrognosis"), ("4055", "rehabPotential"), ("4056", "rehabPrognosis"))
    _narrative(section, [(_form().item(k).label, _label(k, str(data[k])) if _str(data, k) else None, None) for _, k in keys])
    for code, key in keys:  # У3-28 … У3-30
        if _str(data, key):
            _coded(
                _obs(_el(section, "entry"), code),
                "value",
                str(data[key]),
                "1.2.643.5.1.13.13.99.2.148",
                _label(key, str(data[key])),
                xsi_type="CD",
            )


def _regime(body: etree._Element, data: Mapping[str, Any]) -> None:
    section = _section(body, "REGIME", "Режим и рекомендации", "РЕКОМЕНДАЦИИ")  # У2-10
    treat = _el(_el(section, "component"), "section")
    _coded(treat, "code", "RECTREAT", CS_SECTIONS, "Рекомендованное лечение")
    _el(treat, "title", "Рекомендованное лечение")
    keys = (
        ("4111", "reconstructiveSurgery"),
        ("4112", "prostheticsOrthotics"),
        ("4113", "sanatoriumTreatment"),
        ("12132", "medicationsList"),
    )
    _narrative(treat, [(_form().item(k).label, _str(data, k), None) for _, k in keys])
    for code, key in keys:  # У3-31 … У3-33, У3-35: one entry each, value nullFlavor when not recommended
        _st_entry(treat, code, _str(data, key), required=True)
    other = _el(_el(section, "component"), "section")
    _coded(other, "code", "RECOTHER", CS_SECTIONS, "Прочие рекомендации")
    _el(other, "title", "Прочие рекомендации")
    _narrative(other, [(_form().item("rehabRecommendations").label, _str(data, "rehabRecommendations"), None)])
    _st_entry(other, "4114", _str(data, "rehabRecommendations"))  # У3-36
