"""Namespaces, code systems, element, date and number helpers and reference look-ups shared by the builder and extractor."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from lxml import etree

from mse.adapters.xml.safe import CDA_NS
from mse.forms import load_form
from mse.forms.model import FormSchema

from .sender import Address

XSI = "http://www.w3.org/2001/XMLSchema-instance"
IDENTITY = "urn:hl7-ru:identity"
ADDRESS = "urn:hl7-ru:address"
FIAS = "urn:hl7-ru:fias"
MEDSERVICE = "urn:hl7-ru:medService"
PII = "urn:hl7-ru:PII"
NSMAP = {None: CDA_NS, "xsi": XSI, "identity": IDENTITY, "address": ADDRESS, "fias": FIAS, "medService": MEDSERVICE, "PII": PII}
NS = {"v3": CDA_NS, "xsi": XSI, "identity": IDENTITY, "address": ADDRESS, "fias": FIAS, "PII": PII}

FORM = ("referral-088u", "2022-11-21")
SNILS_ROOT = "1.2.643.100.3"
MINZDRAV_OID = "1.2.643.5.1.13"

# Code systems: OID → (name, version). Versions are those of the ФНСИ snapshots we have (nsi/*.json) or, where
# we have none, the versions seen in published templates; ред.6 only requires them to be non-empty.
CS: dict[str, tuple[str, str]] = {
    "1.2.643.5.1.13.13.11.1522": ("Виды медицинской документации", "4.45"),
    "1.2.643.5.1.13.13.99.2.285": ("Уровень конфиденциальности медицинского документа", "1.1"),
    "1.2.643.5.1.13.13.99.2.48": ("Документы, удостоверяющие личность", "4.2"),
    "1.2.643.5.1.13.13.99.2.313": ("Документы, удостоверяющие полномочия законного представителя", "1.1"),
    "1.2.643.5.1.13.13.11.1035": ("Виды полиса обязательного медицинского страхования", "1.3"),
    "1.2.643.5.1.13.13.11.1504": ("Тип адреса пациента", "1.3"),
    "1.2.643.5.1.13.13.99.2.206": ("Субъекты Российской Федерации", "6.3"),
    "1.2.643.5.1.13.13.11.1040": ("Пол пациента", "2.1"),
    "1.2.643.5.1.13.13.11.1002": ("Должности медицинских и фармацевтических работников", "7.5"),
    "1.2.643.5.1.13.13.99.2.726": ("Типы документированных событий", "1.1"),
    "1.2.643.5.1.13.13.99.2.197": ("Секции электронных медицинских документов", "1.5"),
    "1.2.643.5.1.13.13.99.2.166": ("Кодируемые поля CDA документов", "5.41"),
    "1.2.643.5.1.13.13.99.2.147": ("Цели направления на медико-социальную экспертизу", "2.1"),
    "1.2.643.5.1.13.13.11.1007": ("Вид случая госпитализации или обращения (первичный, повторный)", "2.1"),
    "1.2.643.5.1.13.13.99.2.315": ("Категории гражданства", "4.1"),
    "1.2.643.5.1.13.13.99.2.856": ("Местонахождение граждан для медико-социальной экспертизы", "1.1"),
    "1.2.643.5.1.13.13.99.2.314": ("Отношение к воинской обязанности", "1.2"),
    "1.2.643.5.1.13.13.99.2.970": ("Предпочтительная форма проведения медико-социальной экспертизы", "2.1"),
    "1.2.643.5.1.13.13.99.2.991": ("Способ получения уведомления о проведении медико-социальной экспертизы", "1.1"),
    "1.2.643.5.1.13.13.11.1053": ("Группы инвалидности", "3.4"),
    "1.2.643.5.1.13.13.11.1041": ("Тип установления инвалидности (впервые, повторно)", "1.1"),
    "1.2.643.5.1.13.13.99.2.358": ("Срок, на который установлена инвалидность", "1.3"),
    "1.2.643.5.1.13.13.11.1490": (
        "Период, в течение которого гражданин находился на инвалидности на дату направления на МСЭ",
        "1.1",
    ),
    "1.2.643.5.1.13.13.11.1474": ("Причины инвалидности", "2.3"),
    "1.2.643.5.1.13.13.11.1475": ("Результаты индивидуальной программы реабилитации инвалидов", "2.1"),
    "1.2.643.5.1.13.13.11.1492": ("Типы телосложения", "1.1"),
    "1.2.643.5.1.13.13.99.2.262": ("Витальные параметры", "1.3"),
    "1.2.643.5.1.13.13.99.2.148": ("Оценки состояния для медико-социальной экспертизы", "3.1"),
    "1.2.643.5.1.13.13.11.1076": ("Степень обоснованности диагноза", "1.2"),
    "1.2.643.5.1.13.13.11.1077": ("Виды нозологических единиц диагноза", "1.3"),
    "1.2.643.5.1.13.13.11.1005": (
        "Международная классификация болезней и состояний, связанных со здоровьем 10 пересмотра. Версия 4",
        "2.24",
    ),
    "1.2.643.5.1.13.13.99.2.857": ("Медицинские обследования для медико-социальной экспертизы", "4.2"),
}
CS_FIELDS = "1.2.643.5.1.13.13.99.2.166"
CS_SECTIONS = "1.2.643.5.1.13.13.99.2.197"
CS_ICD = "1.2.643.5.1.13.13.11.1005"

# Coded fields (ФНСИ 1.2.643.5.1.13.13.99.2.166) used here and their names.
FIELD_NAMES = {
    "835": "Жалобы пациента",
    "4054": "Клинический прогноз",
    "4055": "Реабилитационный потенциал",
    "4056": "Реабилитационный прогноз",
    "4057": "Временная нетрудоспособность",
    "4059": "Протокол врачебной комиссии",
    "4060": "Медико-социальную экспертизу необходимо проводить на дому (Отметка)",
    "4061": "Нуждаемость в оказании паллиативной медицинской помощи",
    "4062": "Дата выдачи направления на МСЭ",
    "4063": "Номер электронного листка нетрудоспособности",
    "4064": "Восстановление нарушенных функций",
    "4065": "Достижение компенсации утраченных/отсутствующих функций",
    "4073": "Сведения о трудовой деятельности (при осуществлении трудовой деятельности)",
    "4074": "Основная профессия (специальность, должность)",
    "4075": "Квалификация (класс, разряд, категория, звание)",
    "4076": "Стаж работы",
    "4077": "Выполняемая работа на момент направления на медико-социальную экспертизу",
    "4078": "Профессия",
    "4079": "Специальность",
    "4080": "Должность",
    "4081": "Условия и характер выполняемого труда",
    "4082": "Физическое развитие (в отношении детей в возрасте до 3 лет)",
    "4100": "Сведения о получении образования",
    "4101": "Год, с которого наблюдается в медицинской организации",
    "4102": "Анамнез заболевания",
    "4103": "Анамнез жизни",
    "4104": "Номер ИПРА",
    "4105": "Номер протокола проведения медико-социальной экспертизы",
    "4106": "Дата протокола проведения медико-социальной экспертизы",
    "4107": "Результаты и эффективность проведенных мероприятий медицинской реабилитации, рекомендованных ИПРА (текстовое описание)",
    "4108": "Телосложение",
    "4109": "Состояние здоровья гражданина при направлении на медико-социальную экспертизу",
    "4110": "Сведения о медицинских обследованиях, необходимых для получения клинико-функциональных данных",
    "4111": "Рекомендуемые мероприятия по реконструктивной хирургии",
    "4112": "Рекомендуемые мероприятия по протезированию и ортезированию, техническим средствам реабилитации",
    "4113": "Санаторно-курортное лечение",
    "4114": "Рекомендуемые мероприятия по медицинской реабилитации",
    "4115": "Срок, на который установлена инвалидность",
    "4169": "Период, в течение которого гражданин находился на инвалидности на момент направления на МСЭ",
    "7012": "Нуждаемость в первичном протезировании",
    "12132": "Перечень медицинских изделий для медицинского применения",
    "12133": "Посторонний специальный медицинский уход",
    "12137": "Курс",
    "12480": "Предпочтительная форма проведения медико-социальной экспертизы",
    "12481": "Предпочтительный способ получения уведомления о проведении медико-социальной экспертизы",
    "12485": "Дата согласия гражданина (его законного или уполномоченного представителя) на направление и проведение МСЭ",
}

# Vital parameters (ФНСИ 1.2.643.5.1.13.13.99.2.262) → (item key, display name, unit). Birth weight is body mass
# (50) measured on the birth date (the organizer's effectiveTime), in grams.
VITALS = {
    "bodyHeight": ("51", "Длина тела", "см"),
    "bodyWeight": ("50", "Масса тела", "кг"),
    "bodyMassIndex": ("10", "Индекс массы тела", "кг/м2"),
}
WAIST_HIP = {"waistVolume": ("54", "Окружность талии", "см"), "hipVolume": ("55", "Окружность бедер", "см")}
DAILY_OUTPUT = ("56", "Суточный объем физиологических отправлений", "мл")
BIRTH_WEIGHT = ("50", "Масса тела", "г")

CODE_KEYS = {
    "idDocType": "Код вида документа, удостоверяющего личность (ФНСИ 1.2.643.5.1.13.13.99.2.48)",
    "repIdDocType": "Код вида документа, удостоверяющего личность представителя (ФНСИ 1.2.643.5.1.13.13.99.2.48)",
    "repAuthDocType": "Код вида документа, удостоверяющего полномочия представителя (ФНСИ 1.2.643.5.1.13.13.99.2.313)",
    "prevDisabilityTerm": "Срок, на который была установлена инвалидность (ФНСИ 1.2.643.5.1.13.13.99.2.358)",
    "prevDisabilityOrder": "Инвалидность была установлена впервые/повторно (ФНСИ 1.2.643.5.1.13.13.11.1041)",
    "omsPolicyType": "Вид полиса ОМС (ФНСИ 1.2.643.5.1.13.13.11.1035)",
    "patientId": "Идентификатор пациента в МИС",
    "residenceRegionCode": "Код субъекта РФ адреса пациента (ФНСИ 1.2.643.5.1.13.13.99.2.206)",
    "residenceAoguid": "ФИАС AOGUID адреса пациента",
    "residenceHouseguid": "ФИАС HOUSEGUID адреса пациента",
}
_PASSPORT = re.compile(r"паспорт\s+гражданина\s+(рф|российской\s+федерации)", re.IGNORECASE)
_ICD_AT_START = re.compile(r"^\s*([A-Z]\d\d(?:\.\d{1,2})?)\b")


class CdaBuildError(ValueError):
    """The referral cannot be written as a valid ред.6 document; ``problems`` are Russian messages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# ---------------------------------------------------------------------------------------------- reference data


@cache
def _icd_names() -> dict[str, str]:
    text = resources.files("mse.refdata").joinpath("icd10_ru.csv").read_text(encoding="utf-8")
    return {row["code"]: row["name"] for row in csv.DictReader(text.splitlines())}


@cache
def _subjects() -> dict[str, str]:
    """Region name (lower case) → code of ФНСИ 1.2.643.5.1.13.13.99.2.206 (refdata/subjects_rf.csv)."""
    text = resources.files("mse.refdata").joinpath("subjects_rf.csv").read_text(encoding="utf-8")
    return {row["name"].lower(): row["code"] for row in csv.DictReader(text.splitlines())}


@cache
def _form() -> FormSchema:
    return load_form(*FORM)


def _label(key: str, code: str) -> str:
    option = _form().item(key).option(code)
    return option.label if option else code


# ---------------------------------------------------------------------------------------------- XML helpers


def _q(tag: str) -> str:
    if ":" in tag:
        prefix, local = tag.split(":", 1)
        return f"{{{NSMAP[prefix]}}}{local}"
    return f"{{{CDA_NS}}}{tag}"


def _el(parent: etree._Element | None, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.Element(_q(tag), nsmap=NSMAP) if parent is None else etree.SubElement(parent, _q(tag))
    for name, value in attrs.items():
        el.set(f"{{{XSI}}}type" if name == "xsi_type" else name, value)
    if text is not None:
        el.text = text
    return el


def _coded(parent: etree._Element, tag: str, code: str, system: str, display: str, **attrs: str) -> etree._Element:
    name, version = CS[system]
    return _el(
        parent, tag, code=code, codeSystem=system, codeSystemVersion=version, codeSystemName=name, displayName=display, **attrs
    )


def _field_code(parent: etree._Element, code: str) -> etree._Element:
    return _coded(parent, "code", code, CS_FIELDS, FIELD_NAMES[code])


def _ts_date(value: str) -> str:
    return date.fromisoformat(value).strftime("%Y%m%d")


def _ts_datetime(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise CdaBuildError(["Время создания документа должно содержать часовой пояс"])
    offset = moment.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    if minutes < 0:
        raise CdaBuildError(["Часовой пояс времени создания должен быть восточнее Гринвича (формат ред.6, Core03-1)"])
    return moment.strftime("%Y%m%d%H%M%S") + f"+{minutes // 60:02d}{minutes % 60:02d}"


def _date_from_ts(value: str | None) -> str | None:
    if not value or len(value) < 8:
        return None
    return f"{value[0:4]}-{value[4:6]}-{value[6:8]}"


def _number(value: object) -> str:
    return str(value)


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value)


def _split_series_number(value: str) -> tuple[str | None, str]:
    head, sep, tail = value.strip().rpartition(" ")
    return (head, tail) if sep and head else (None, value.strip())


def _split_full_name(value: str) -> tuple[str, str, str | None]:
    parts = value.split()
    if len(parts) < 2:
        return parts[0] if parts else value, "-", None
    return parts[0], parts[1], " ".join(parts[2:]) or None


def _name(parent: etree._Element, family: str, given: str, patronymic: str | None) -> None:
    name = _el(parent, "name")
    _el(name, "family", family)
    _el(name, "given", given)
    if patronymic:
        _el(name, "identity:Patronymic", patronymic, xsi_type="ST")


def _addr_coded(parent: etree._Element, address: Address, *, kind: tuple[str, str] | None = None) -> etree._Element:
    """A fully coded address (У1-3, Core02-1): streetAddressLine, region code, postal code, ФИАС."""
    addr = _el(parent, "addr")
    if kind:
        _coded(addr, "address:Type", kind[0], "1.2.643.5.1.13.13.11.1504", kind[1], xsi_type="CD")
    _el(addr, "streetAddressLine", address.text)
    _coded(addr, "address:stateCode", address.region_code, "1.2.643.5.1.13.13.99.2.206", address.region_name, xsi_type="CD")
    _el(addr, "postalCode", address.postal_code)
    fias = _el(addr, "fias:Address")
    _el(fias, "fias:AOGUID", address.aoguid)
    if address.houseguid:
        _el(fias, "fias:HOUSEGUID", address.houseguid)
    else:
        _el(fias, "fias:HOUSEGUID", nullFlavor="NI")
    return addr


def _addr_text(parent: etree._Element, text: str) -> etree._Element:
    """An address known only as text: nullFlavor OTH (it cannot be coded as ред.6 requires — no ФИАС/region
    codes), the text kept in streetAddressLine (Core02-1 streetAddressLine must be non-empty)."""
    addr = _el(parent, "addr", nullFlavor="OTH")
    _el(addr, "streetAddressLine", text)
    return addr


def _telecoms(parent: etree._Element, phones: str | None, email: str | None) -> int:
    count = 0
    for phone in re.split(r"[,;]", phones or ""):
        if phone.strip():
            _el(parent, "telecom", value="tel:" + phone.strip())
            count += 1
    if email:
        _el(parent, "telecom", value="mailto:" + email.strip())
        count += 1
    return count


def _narrative(section: etree._Element, rows: Sequence[tuple[str, str | None, str | None]]) -> None:
    """Section text: one paragraph per (caption, value, ID); paragraphs with an ID carry narrative-only items."""
    text = _el(section, "text")
    shown = [r for r in rows if r[1]]
    if not shown:
        _el(text, "paragraph", "Сведения отсутствуют")
        return
    for caption, value, ident in shown:
        para = _el(text, "paragraph")
        if ident:
            para.set("ID", ident)
        _el(para, "caption", caption)
        para[-1].tail = value


def _section(body: etree._Element, code: str, display: str, title: str) -> etree._Element:
    section = _el(_el(body, "component"), "section")
    _coded(section, "code", code, CS_SECTIONS, display)
    _el(section, "title", title)
    return section


def _obs(parent: etree._Element, code: str, *, mood: str = "EVN") -> etree._Element:
    observation = _el(parent, "observation", classCode="OBS", moodCode=mood)
    _field_code(observation, code)
    return observation


def _st_entry(section: etree._Element, code: str, value: str | None, *, required: bool = False) -> None:
    """An entry observation with an ST value (e.g. У3-10 4102); ``required`` writes nullFlavor when absent."""
    if value is None and not required:
        return
    observation = _obs(_el(section, "entry"), code)
    if value is None:
        _el(observation, "value", xsi_type="ST", nullFlavor="NA")
    else:
        _el(observation, "value", value, xsi_type="ST")
