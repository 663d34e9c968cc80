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

from .conditions import AgeFact, Condition


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
    TABLE = "table"  # rows of ``columns`` (fixed rows when ``rows`` is given)
    TIME = "time"  # HH:MM (389н items 3.1–3.3)
    PERCENT = "percent"  # an integer 0–100
    SCORE = "score"  # one option and its percent: {"option": "79.1.3", "percent": 70} (389н item 79)
    HEADING = "heading"  # a printed heading that holds no value (e.g. "24. Сведения о результатах…")


@dataclass(frozen=True, slots=True)
class Option:
    code: str  # the value stored: the ФНСИ code where the item has a dictionary, else the printed code
    label: str
    point: str | None = None  # the point number of the checkbox in the printed form
    valid_from: date | None = None  # an option added by a later act (389н: 20.3 from 01.06.2023)
    valid_to: date | None = None
    exclusive: bool = False  # in a multichoice: excludes every other option ("не работает")

    def in_force_on(self, day: date) -> bool:
        return in_force(self.valid_from or date.min, self.valid_to, day)


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
    shown_if: Condition | None = None  # otherwise the item is not applicable and must stay empty
    valid_from: date | None = None  # an item added by a later act (389н: 3.4 by 685н)
    valid_to: date | None = None
    cite: str | None = None  # the filling rule, e.g. "389н прил.2 п.10(2)"
    rows: tuple[Option, ...] = ()  # fixed rows of a table item (code, label)
    prefill: str | None = None  # where the value is prefilled from (shown as «заполнено из …»)

    def in_force_on(self, day: date) -> bool:
        return in_force(self.valid_from or date.min, self.valid_to, day)

    @property
    def holds_value(self) -> bool:
        return self.type is not ItemType.HEADING

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
    facts: tuple[AgeFact, ...] = field(default=())
    verified: bool = True  # False: an effective date or wording not confirmed by the seed (said in notes)

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
