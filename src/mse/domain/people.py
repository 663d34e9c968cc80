"""Person registry: the citizen's personal data, 389н items 4–18.

Personal data live in their own tables; cases and protocols hold only `person_id`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from mse.domain.errors import FieldProblem, ValidationFailed
from mse.domain.values import FullName, Ogrn, Sex, Snils


class Citizenship(StrEnum):
    """389н п.9 (ФНСИ 1.2.643.5.1.13.13.99.2.315)."""

    RF = "rf"  # гражданин Российской Федерации
    FOREIGN = "foreign"  # гражданин иностранного государства, находящийся на территории РФ
    STATELESS = "stateless"  # лицо без гражданства, находящееся на территории РФ


CITIZENSHIP_LABELS = {
    Citizenship.RF: "гражданин Российской Федерации",
    Citizenship.FOREIGN: "гражданин иностранного государства, находящийся на территории Российской Федерации",
    Citizenship.STATELESS: "лицо без гражданства, находящееся на территории Российской Федерации",
}


class AddressKind(StrEnum):
    """389н п.11: which address is given (нужное подчеркнуть)."""

    RESIDENCE = "residence"  # места жительства
    STAY = "stay"  # места пребывания
    ACTUAL = "actual"  # места фактического проживания на территории РФ
    PENSION_FILE = "pension_file"  # место нахождения пенсионного дела инвалида, выехавшего за пределы РФ


ADDRESS_KIND_LABELS = {
    AddressKind.RESIDENCE: "адрес места жительства",
    AddressKind.STAY: "адрес места пребывания",
    AddressKind.ACTUAL: "адрес места фактического проживания на территории Российской Федерации",
    AddressKind.PENSION_FILE: "место нахождения пенсионного дела инвалида, выехавшего на постоянное жительство за пределы Российской Федерации",
}


class DocumentKind(StrEnum):
    """389н п.16 with 685н п.9(6): identity documents."""

    PASSPORT_RF = "passport_rf"
    BIRTH_CERTIFICATE = "birth_certificate"
    TEMPORARY_ID = "temporary_id"
    FOREIGN_PASSPORT = "foreign_passport"
    RESIDENCE_PERMIT = "residence_permit"
    TEMPORARY_RESIDENCE = "temporary_residence"
    REFUGEE = "refugee"
    OTHER = "other"


DOCUMENT_KIND_LABELS = {
    DocumentKind.PASSPORT_RF: "паспорт гражданина Российской Федерации",
    DocumentKind.BIRTH_CERTIFICATE: "свидетельство о рождении",
    DocumentKind.TEMPORARY_ID: "временное удостоверение личности гражданина Российской Федерации",
    DocumentKind.FOREIGN_PASSPORT: "паспорт иностранного гражданина",
    DocumentKind.RESIDENCE_PERMIT: "вид на жительство",
    DocumentKind.TEMPORARY_RESIDENCE: "разрешение на временное проживание",
    DocumentKind.REFUGEE: "удостоверение беженца",
    DocumentKind.OTHER: "иной документ, удостоверяющий личность",
}


class RepresentativeKind(StrEnum):
    """389н п.17 (нужное подчеркнуть)."""

    LEGAL = "legal"  # законный представитель
    AUTHORISED = "authorised"  # уполномоченный представитель
    FAMILY_OF_DECEASED = "family_of_deceased"  # член семьи умершего инвалида / пострадавшего


REPRESENTATIVE_KIND_LABELS = {
    RepresentativeKind.LEGAL: "законный представитель",
    RepresentativeKind.AUTHORISED: "уполномоченный представитель",
    RepresentativeKind.FAMILY_OF_DECEASED: "член семьи умершего инвалида (пострадавшего)",
}


@dataclass(frozen=True)
class IdentityDocument:
    kind: DocumentKind
    number: str
    series: str | None = None
    issued_by: str | None = None
    issue_date: date | None = None


@dataclass(frozen=True)
class Address:
    """389н п.11.1–11.8."""

    kind: AddressKind
    country: str
    postal_code: str | None
    region_code: str | None
    region: str
    settlement: str
    house: str
    district: str | None = None
    rural: bool = False  # 11.5: сельское (True) или городское (False) поселение
    street: str | None = None
    apartment: str | None = None

    @property
    def one_line(self) -> str:
        # Federal cities (Москва, Санкт-Петербург, Севастополь) are both the subject and the settlement.
        same_city = self.region.removeprefix("г. ").strip() == self.settlement.strip()
        settlement = None if same_city or not self.settlement else ("с. " if self.rural else "г. ") + self.settlement
        parts = [self.postal_code, self.region, self.district, settlement,
                 self.street, f"д. {self.house}" if self.house else None,
                 f"кв. {self.apartment}" if self.apartment else None]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Contacts:
    """389н п.14."""

    phone_home: str | None = None
    phone_mobile: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Representative:
    """389н п.17.1–17.6 (a guardian organisation, 17.7, is recorded by its ОГРН)."""

    kind: RepresentativeKind
    full_name: FullName
    birth_date: date | None = None
    document: IdentityDocument | None = None
    authority_document: str | None = None  # 17.4: наименование, серия, номер, кем и когда выдан
    snils: Snils | None = None
    contacts: Contacts = field(default_factory=Contacts)
    organisation_name: str | None = None  # 17.7.1
    organisation_ogrn: Ogrn | None = None  # 17.7.3


@dataclass(frozen=True)
class PersonData:
    """Everything about a person that a registrar enters; validated by `validate_person`."""

    full_name: FullName
    birth_date: date
    sex: Sex
    citizenship: Citizenship
    snils: Snils | None
    documents: tuple[IdentityDocument, ...] = ()
    addresses: tuple[Address, ...] = ()
    contacts: Contacts = field(default_factory=Contacts)
    homeless: bool = False  # 389н п.12
    representatives: tuple[Representative, ...] = ()


@dataclass(frozen=True)
class Person:
    id: int
    data: PersonData
    bureau_id: int | None  # the bureau that keeps the record (scope for staff access)
    source_org_id: int | None  # the medical organisation that submitted it, if any


_POSTCODE = re.compile(r"^\d{6}$")
_PHONE = re.compile(r"^\+?[\d\s()\-]{5,20}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def validate_person(data: PersonData, today: date) -> None:
    """Cross-field rules of 389н items 4–18; raises ValidationFailed naming every bad field."""
    problems: list[FieldProblem] = []
    if data.birth_date > today:
        problems.append(FieldProblem("birth_date", "Дата рождения не может быть в будущем"))
    elif today.year - data.birth_date.year > 130:
        problems.append(FieldProblem("birth_date", "Дата рождения указана неверно (возраст больше 130 лет)"))
    if data.citizenship is Citizenship.RF and data.snils is None:
        problems.append(FieldProblem("snils", "Для гражданина Российской Федерации СНИЛС обязателен (389н п.15)", "required"))
    if not data.documents:
        problems.append(FieldProblem("documents", "Укажите документ, удостоверяющий личность (389н п.16)", "required"))
    for i, doc in enumerate(data.documents):
        if not doc.number.strip():
            problems.append(FieldProblem(f"documents.{i}.number", "Укажите номер документа", "required"))
        if doc.issue_date and doc.issue_date > today:
            problems.append(FieldProblem(f"documents.{i}.issue_date", "Дата выдачи не может быть в будущем"))
        if doc.issue_date and doc.issue_date < data.birth_date:
            problems.append(FieldProblem(f"documents.{i}.issue_date", "Документ не может быть выдан до рождения"))
    if not data.addresses and not data.homeless:
        problems.append(FieldProblem("addresses", "Укажите адрес или отметьте «лицо без определенного места жительства» (389н п.11, 12)", "required"))
    for i, addr in enumerate(data.addresses):
        if addr.postal_code and not _POSTCODE.match(addr.postal_code):
            problems.append(FieldProblem(f"addresses.{i}.postal_code", "Почтовый индекс — 6 цифр"))
        for name, value, label in (("region", addr.region, "субъект РФ"), ("settlement", addr.settlement, "населённый пункт"), ("house", addr.house, "дом")):
            if not value.strip():
                problems.append(FieldProblem(f"addresses.{i}.{name}", f"Укажите {label} (389н п.11)", "required"))
    _check_contacts(data.contacts, "contacts", problems)
    for i, rep in enumerate(data.representatives):
        if rep.birth_date and rep.birth_date > today:
            problems.append(FieldProblem(f"representatives.{i}.birth_date", "Дата рождения не может быть в будущем"))
        _check_contacts(rep.contacts, f"representatives.{i}.contacts", problems)
    if problems:
        raise ValidationFailed(problems)


def _check_contacts(c: Contacts, prefix: str, problems: list[FieldProblem]) -> None:
    for name, value in (("phone_home", c.phone_home), ("phone_mobile", c.phone_mobile)):
        if value and not _PHONE.match(value):
            problems.append(FieldProblem(f"{prefix}.{name}", "Номер телефона указан неверно"))
    if c.email and not EMAIL_PATTERN.match(c.email):
        problems.append(FieldProblem(f"{prefix}.email", "Адрес электронной почты указан неверно"))


def age_on(birth: date, day: date) -> tuple[int, str]:
    """389н п.5: full years; for a child under one year, full months."""
    years = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    if years >= 1:
        return years, "лет"
    months = (day.year - birth.year) * 12 + day.month - birth.month - (day.day < birth.day)
    return max(months, 0), "месяцев"
