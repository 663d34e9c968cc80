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

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from lxml import etree

from mse.domain.values import Ogrn, Snils, make_ogrn, make_snils
from mse.forms import load_form
from mse.forms.model import FormSchema, ItemType

from .safe import CDA_NS, REFERRAL_R6_TEMPLATE

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


# ---------------------------------------------------------------------------------------------- sender


@dataclass(frozen=True, slots=True)
class Address:
    """An address with the codes ред.6 requires (У1-3: region code, postal code, ФИАС)."""

    text: str
    postal_code: str
    region_code: str  # ФНСИ 1.2.643.5.1.13.13.99.2.206
    region_name: str
    aoguid: str
    houseguid: str | None = None


@dataclass(frozen=True, slots=True)
class Staff:
    """A doctor of the sending МО (author, legal authenticator, member of the medical commission)."""

    family: str
    given: str
    patronymic: str | None
    snils: str
    position_code: str  # ФНСИ 1.2.643.5.1.13.13.11.1002
    position_name: str
    local_id: str

    @property
    def short_name(self) -> str:
        """ "Фамилия И.О." — how form 088/у names the commission."""
        return f"{self.family} {self.given[:1]}.{self.patronymic[:1] + '.' if self.patronymic else ''}"


def _demo_staff(n: int, family: str, given: str, patronymic: str, position: tuple[str, str]) -> Staff:
    return Staff(family, given, patronymic, make_snils(f"{112233440 + n:09d}").formatted, position[0], position[1], f"D{n:04d}")


# Demo staff: position codes of ФНСИ 1.2.643.5.1.13.13.11.1002 here are placeholders, not checked against the
# dictionary (ред.6 checks only that they are present); a real sender passes its own SenderInfo.
_THERAPIST = ("109", "врач-терапевт")
_DEMO_DOCTOR = _demo_staff(1, "Сергеева", "Анна", "Викторовна", _THERAPIST)
_DEMO_COMMISSION = (
    _DEMO_DOCTOR,
    _demo_staff(2, "Петров", "Павел", "Петрович", ("72", "заместитель руководителя (начальника) медицинской организации")),
    _demo_staff(3, "Кузнецова", "Ольга", "Ивановна", ("72", "врач-невролог")),
    _demo_staff(4, "Смирнов", "Игорь", "Олегович", ("72", "врач-хирург")),
)


@dataclass(frozen=True, slots=True)
class SenderInfo:
    """The sending medical organisation and its staff: facts ред.6 needs beyond form 088/у (demo defaults)."""

    mo_oid: str = "1.2.643.5.1.13.13.12.2.77.7777"
    mo_name: str = "ГБУЗ «Городская поликлиника № 1»"
    mo_ogrn: str = field(default_factory=lambda: str(make_ogrn("102770000001")))
    mo_phone: str = "+7 (495) 000-00-01"
    mo_address: Address = Address(
        text="г. Москва, ул. Примерная, д. 1",
        postal_code="101000",
        region_code="77",
        region_name="г. Москва",
        aoguid="0c5b2444-70a0-4932-980c-b4dc0d3f02b5",
        houseguid=None,
    )
    mis_number: str = "1"  # the МИС number and its installation number in document OIDs (…100.<МИС>.<экз>.51)
    mis_instance: str = "1"
    doctor: Staff = _DEMO_DOCTOR  # author and legal authenticator
    staff: tuple[Staff, ...] = _DEMO_COMMISSION  # the commission named in the form, by short_name
    recipient_name: str = "ФКУ «Главное бюро медико-социальной экспертизы»"  # addressee bureau (У3-1 performer)
    service_event_code: str = "1"  # ФНСИ 1.2.643.5.1.13.13.99.2.726 (demo value, not checked against the dictionary)
    service_event_name: str = "Врачебная комиссия"

    def oid(self, suffix: str) -> str:
        return f"{self.mo_oid}.100.{self.mis_number}.{self.mis_instance}.{suffix}"

    def person(self, short_name: str) -> Staff | None:
        key = short_name.replace(" ", "")
        return next((s for s in (self.doctor, *self.staff) if s.short_name.replace(" ", "") == key), None)


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
