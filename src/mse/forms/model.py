"""The form-as-data model: an official form is a versioned schema of items keyed by stable keys.

Every legal artifact (the referral 088/у, the protocol of 389н, the IPRA…) is one of these schemas
loaded from a data file in ``forms/data/<form>/<valid_from>.json``; the same schema drives storage
validation, the API's JSON Schema, the web form and the completeness check against the act
(DESIGN.md §3 "One source of truth per legal artifact"). A new order is a new data file with its
own effective date, not new code.

``code`` is the point number as printed in the act ("20.4", "31.2"); it may repeat when the act
prints several fields under one point (088/у п.7: date of birth and age). ``key`` is unique within
the form and is what filled documents are keyed by.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from mse.domain.periods import in_force


class ItemType(StrEnum):
    TEXT = "text"  # one line
    LONGTEXT = "longtext"  # narrative (anamnesis, health status)
    DATE = "date"  # ISO YYYY-MM-DD
    YEAR = "year"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"  # a checkbox
    CHOICE = "choice"  # one option code
    MULTICHOICE = "multichoice"  # a list of option codes
    ICD10 = "icd10"  # one ICD-10 code (ФНСИ 1.2.643.5.1.13.13.11.1005)
    ICD10_LIST = "icd10_list"
    SNILS = "snils"
    OGRN = "ogrn"
    EMAIL = "email"
    PHONE = "phone"
    TABLE = "table"  # rows of ``columns``


@dataclass(frozen=True, slots=True)
class Option:
    code: str  # the value stored: the ФНСИ code where the item has a dictionary
    label: str
    point: str | None = None  # the point number of the checkbox in the printed form


@dataclass(frozen=True, slots=True)
class Condition:
    """``key`` has a value (any truthy one) or, with ``in_``, one of the listed values."""

    key: str
    in_: tuple[str, ...] = ()

    def holds(self, data: dict[str, object]) -> bool:
        value = data.get(self.key)
        if not self.in_:
            return value not in (None, "", [], False)
        if isinstance(value, list):
            return any(str(v) in self.in_ for v in value)
        return value is not None and str(value) in self.in_


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    code: str
    label: str
    type: ItemType
    required: bool = False
    required_if: Condition | None = None
    dictionary: str | None = None  # ФНСИ OID
    options: tuple[Option, ...] = ()
    columns: tuple[Item, ...] = ()
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_rows: int | None = None
    hint: str | None = None
    source: tuple[str, ...] = ()  # the rows of the official field list this item covers

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True, slots=True)
class Section:
    code: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class FormSchema:
    form: str  # e.g. "referral-088u"
    version: str
    title: str
    form_number: str | None
    act: str  # the approving act, cited
    valid_from: date
    valid_to: date | None
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = field(default=())

    def items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.items

    def item(self, key: str) -> Item:
        for it in self.items():
            if it.key == key:
                return it
        raise KeyError(key)

    def in_force_on(self, day: date) -> bool:
        return in_force(self.valid_from, self.valid_to, day)
