"""API request/response models. Field descriptions are Russian: they are the API's documentation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mse.domain.identity import Role
from mse.domain.organisation import Position, Profile, UnitKind
from mse.domain.people import (
    Address,
    AddressKind,
    Citizenship,
    Contacts,
    DocumentKind,
    IdentityDocument,
    Person,
    PersonData,
    Representative,
    RepresentativeKind,
)
from mse.domain.values import FullName, Ogrn, Sex, Snils

T = TypeVar("T")
MAX_ID = 2_147_483_647  # ids are 32-bit integers in both databases
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
Str100 = Annotated[str, Field(min_length=1, max_length=100)]
OptStr = Annotated[str | None, Field(default=None, max_length=500)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Всего найдено")
    limit: int
    offset: int


def _name_part(v: str | None) -> str | None:
    if v:
        FullName.parse(v, v)  # the domain's character rules, reported per field
    return v


def _snils(v: str | None) -> str | None:
    return None if v in (None, "") else Snils.parse(v).digits


class DocumentIn(Strict):
    kind: DocumentKind = Field(description="Вид документа, удостоверяющего личность (389н п.16)")
    series: Annotated[str | None, Field(max_length=20)] = None
    number: Annotated[str, Field(min_length=1, max_length=40)]
    issued_by: OptStr = None
    issue_date: date | None = None

    def to_domain(self) -> IdentityDocument:
        return IdentityDocument(self.kind, self.number, self.series, self.issued_by, self.issue_date)


class AddressIn(Strict):
    kind: AddressKind = AddressKind.RESIDENCE
    country: Annotated[str, Field(max_length=100)] = "Россия"
    postal_code: Annotated[str | None, Field(max_length=6)] = None
    region_code: Annotated[str | None, Field(max_length=2)] = None
    region: Annotated[str, Field(min_length=1, max_length=200)]
    district: Annotated[str | None, Field(max_length=200)] = None
    settlement: Annotated[str, Field(min_length=1, max_length=200)]
    rural: bool = False
    street: Annotated[str | None, Field(max_length=200)] = None
    house: Annotated[str, Field(min_length=1, max_length=50)]
    apartment: Annotated[str | None, Field(max_length=20)] = None

    def to_domain(self) -> Address:
        return Address(self.kind, self.country, self.postal_code, self.region_code, self.region, self.settlement,
                       self.house, self.district, self.rural, self.street, self.apartment)


class ContactsIn(Strict):
    phone_home: Annotated[str | None, Field(max_length=32)] = None
    phone_mobile: Annotated[str | None, Field(max_length=32)] = None
    email: Annotated[str | None, Field(max_length=200)] = None

    def to_domain(self) -> Contacts:
        return Contacts(self.phone_home, self.phone_mobile, self.email)


class RepresentativeIn(Strict):
    kind: RepresentativeKind
    surname: Str100
    name: Str100
    patronymic: Annotated[str | None, Field(max_length=100)] = None
    birth_date: date | None = None
    document: DocumentIn | None = None
    authority_document: OptStr = None
    snils: str | None = None
    contacts: ContactsIn = ContactsIn()
    organisation_name: OptStr = None
    organisation_ogrn: str | None = None

    _v_snils = field_validator("snils")(_snils)
    _v_names = field_validator("surname", "name", "patronymic")(_name_part)

    @field_validator("organisation_ogrn")
    @classmethod
    def _ogrn(cls, v: str | None) -> str | None:
        return None if v in (None, "") else Ogrn.parse(v).digits

    def to_domain(self) -> Representative:
        return Representative(
            self.kind, FullName.parse(self.surname, self.name, self.patronymic), self.birth_date,
            self.document.to_domain() if self.document else None, self.authority_document,
            Snils(self.snils) if self.snils else None, self.contacts.to_domain(), self.organisation_name,
            Ogrn(self.organisation_ogrn) if self.organisation_ogrn else None,
        )


class PersonIn(Strict):
    """Регистрация гражданина: сведения 389н п.4–18."""

    surname: Str100 = Field(description="Фамилия")
    name: Str100 = Field(description="Имя")
    patronymic: Annotated[str | None, Field(max_length=100, description="Отчество (при наличии)")] = None
    birth_date: date = Field(description="Дата рождения")
    sex: Sex = Field(description="Пол: male — мужской, female — женский")
    citizenship: Citizenship = Citizenship.RF
    snils: str | None = Field(None, description="СНИЛС, 11 цифр (допускается формат 123-456-789 01)")
    documents: list[DocumentIn] = Field(default_factory=list, max_length=10)
    addresses: list[AddressIn] = Field(default_factory=list, max_length=5)
    contacts: ContactsIn = ContactsIn()
    homeless: bool = Field(False, description="Лицо без определённого места жительства (389н п.12)")
    representatives: list[RepresentativeIn] = Field(default_factory=list, max_length=5)
    bureau_id: DbId | None = Field(None, description="Бюро, за которым закрепляется запись; по умолчанию — бюро пользователя")

    _v_snils = field_validator("snils")(_snils)
    _v_names = field_validator("surname", "name", "patronymic")(_name_part)

    def to_domain(self) -> PersonData:
        return PersonData(
            full_name=FullName.parse(self.surname, self.name, self.patronymic), birth_date=self.birth_date, sex=self.sex,
            citizenship=self.citizenship, snils=Snils(self.snils) if self.snils else None,
            documents=tuple(d.to_domain() for d in self.documents), addresses=tuple(a.to_domain() for a in self.addresses),
            contacts=self.contacts.to_domain(), homeless=self.homeless,
            representatives=tuple(r.to_domain() for r in self.representatives),
        )


class PersonOut(BaseModel):
    id: int
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    sex: Sex
    citizenship: Citizenship
    snils: str | None = Field(description="СНИЛС в формате 123-456-789 01")
    homeless: bool
    documents: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    contacts: dict[str, Any]
    representatives: list[dict[str, Any]]
    bureau_id: int | None
    source_org_id: int | None

    @classmethod
    def of(cls, p: Person) -> PersonOut:
        d = p.data
        return cls(
            id=p.id, surname=d.full_name.surname, name=d.full_name.name, patronymic=d.full_name.patronymic,
            birth_date=d.birth_date, sex=d.sex, citizenship=d.citizenship, snils=d.snils.formatted if d.snils else None,
            homeless=d.homeless,
            documents=[{"kind": x.kind, "series": x.series, "number": x.number, "issued_by": x.issued_by, "issue_date": x.issue_date} for x in d.documents],
            addresses=[{**vars(a), "one_line": a.one_line} for a in d.addresses],
            contacts=vars(d.contacts),
            representatives=[{"kind": r.kind, "full_name": r.full_name.display, "birth_date": r.birth_date,
                              "snils": r.snils.formatted if r.snils else None, "contacts": vars(r.contacts)} for r in d.representatives],
            bureau_id=p.bureau_id, source_org_id=p.source_org_id,
        )


class PersonListItem(BaseModel):
    id: int
    full_name: str
    birth_date: date
    snils: str | None


class Created(BaseModel):
    id: int


class UnitOut(BaseModel):
    id: int
    kind: UnitKind
    name: str
    short_name: str
    region_code: str | None
    parent_id: int | None
    profile: Profile | None
    address: str | None
    staff_count: int
    depth: int


class UnitIn(Strict):
    kind: UnitKind
    name: Annotated[str, Field(min_length=3, max_length=500)]
    short_name: Annotated[str, Field(min_length=2, max_length=200)]
    parent_id: DbId | None = None
    region_code: Annotated[str | None, Field(pattern=r"^\d{2}$")] = None
    profile: Profile | None = None
    address: OptStr = None


class StaffOut(BaseModel):
    id: int
    position: Position
    full_name: str
    email: str | None = Field(None, description="Служебный адрес электронной почты (сведения о просрочках — руководителю)")


class MedicalOrgIn(Strict):
    name: Annotated[str, Field(min_length=3, max_length=500)]
    ogrn: Annotated[str, Field(min_length=13, max_length=20)]
    region_code: Annotated[str, Field(pattern=r"^\d{2}$")]
    address: OptStr = None


class MedicalOrgOut(BaseModel):
    id: int
    name: str
    ogrn: str
    region_code: str
    address: str | None


class RegionOut(BaseModel):
    code: str
    name: str


class MeOut(BaseModel):
    user_id: int
    login: str
    role: Role
    role_label: str
    display_name: str
    unit_id: int | None
    medical_org_id: int | None
    person_id: int | None


class TokenIn(Strict):
    user_id: DbId
    name: Annotated[str, Field(min_length=3, max_length=200)]
    days: Annotated[int | None, Field(ge=1, le=1095)] = 365


class TokenOut(BaseModel):
    id: int
    token: str = Field(description="Показывается один раз; в системе хранится только хэш")
    prefix: str


class AuditOut(BaseModel):
    seq: int
    at: datetime
    actor_login: str
    actor_role: str
    action: str
    object_kind: str
    object_id: str | None
    ip: str | None
    reason: str | None
    details: dict[str, Any] | None
    hash: str
