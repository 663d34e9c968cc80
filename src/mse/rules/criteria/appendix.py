"""Rows of the quantitative appendix («Количественная система оценки степени выраженности стойких нарушений
функций организма…») as imported reference data, and their matching to a diagnosis by ICD-10 code.

The full tables of 585н (приложения N 1, N 2) and 374н are not in the workplace's reference files
(mse_quant_appendix_fragments.SOURCE.md): the administrator loads whatever rows are available, and the
evaluator says, per diagnosis, when no row is loaded — never «nothing applies».
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mse.domain.periods import in_force
from mse.rules.reference import icd_in_ranges

ICD_CODE = re.compile(r"^[A-Z]\d\d(\.\d{1,2})?$")
ICD_RANGE = re.compile(r"^[A-Z]\d\d(\.\d{1,2})?(-[A-Z]\d\d(\.\d{1,2})?)?$")
ITEM = re.compile(r"^\d{1,2}(\.\d{1,3}){0,4}$")
CRG = re.compile(r"^ЦРГ \d{1,2}(\.\d{1,2})?$")

# The appendix sections follow the ICD-10 classes (mse_quant_appendix_fragments.SOURCE.md: 7 = eye H00–H59,
# 9 = circulatory, 10 = respiratory J, 15 = congenital anomalies, class XVII). A row printed without its own
# ICD codes is matched by the class of its section — flagged as derived, since the act prints no code there.
SECTION_CLASS: dict[int, tuple[str, str]] = {
    1: ("I", "A00-B99"), 2: ("II", "C00-D48"), 3: ("III", "D50-D89"), 4: ("IV", "E00-E90"), 5: ("V", "F00-F99"),
    6: ("VI", "G00-G99"), 7: ("VII", "H00-H59"), 8: ("VIII", "H60-H95"), 9: ("IX", "I00-I99"), 10: ("X", "J00-J99"),
    11: ("XI", "K00-K93"), 12: ("XII", "L00-L99"), 13: ("XIII", "M00-M99"), 14: ("XIV", "N00-N99"), 15: ("XVII", "Q00-Q99"),
}


class Population(StrEnum):
    ADULT = "adult"  # 18 лет и старше (585н приложение N 1; 374н «для взрослых»)
    CHILD = "child"  # до 18 лет (585н приложение N 2; 374н «для детей в возрасте 0 - 17 лет»)
    ALL = "all"

    @property
    def label(self) -> str:
        return {"adult": "18 лет и старше", "child": "дети 0–17 лет", "all": "взрослые и дети"}[self.value]


@dataclass(frozen=True, slots=True)
class QuantRow:
    ruleset: str  # "585n" | "374n"
    item: str  # printed point, e.g. "10.4.1"
    nosology: str
    icd10: tuple[str, ...]  # codes and ranges as printed: ("J95",), ("Q25-Q28",)
    function_type: str
    population: Population
    characteristic: str
    percent_min: int
    percent_max: int
    crg: str | None  # "ЦРГ 5" (374н only)
    valid_from: date
    valid_to: date | None
    source: str

    @property
    def key(self) -> tuple[str, str, str, date]:
        """The natural key (unique in storage): ruleset, item, population, valid_from."""
        return self.ruleset, self.item, self.population.value, self.valid_from

    def in_force_on(self, day: date) -> bool:
        return in_force(self.valid_from, self.valid_to, day)

    def section_class(self) -> tuple[str, str] | None:
        """(ICD-10 class, its code range) derived from the item's first number, or None when unknown."""
        head = self.item.split(".", 1)[0]
        return SECTION_CLASS.get(int(head)) if head.isdigit() else None

    def covers(self, icd_code: str) -> tuple[bool, bool]:
        """(matches, derived): by the row's own codes, else by the class of its section."""
        if self.icd10:
            return icd_in_ranges(icd_code, ", ".join(self.icd10)), False
        derived = self.section_class()
        return (derived is not None and icd_in_ranges(icd_code, derived[1])), True

    def fits_population(self, adult: bool) -> bool:
        return self.population is Population.ALL or (self.population is Population.ADULT) == adult

    def percent_label(self) -> str:
        return f"{self.percent_min}" if self.percent_min == self.percent_max else f"{self.percent_min}–{self.percent_max}"


@dataclass(frozen=True, slots=True)
class RowMatch:
    row: QuantRow
    derived: bool  # matched through the class of the item's section, not a printed code


def match_rows(rows: Iterable[QuantRow], icd_code: str, *, ruleset: str, adult: bool, on: date) -> list[RowMatch]:
    """Rows of ``ruleset`` in force on ``on`` for the age group that cover ``icd_code``; printed codes first."""
    out: list[RowMatch] = []
    for row in rows:
        if row.ruleset != ruleset or not row.in_force_on(on) or not row.fits_population(adult):
            continue
        hit, derived = row.covers(icd_code)
        if hit:
            out.append(RowMatch(row, derived))
    return sorted(out, key=lambda m: (m.derived, _item_key(m.row.item)))


def _item_key(item: str) -> tuple[int, ...]:
    return tuple(int(p) for p in item.split(".") if p.isdigit())


def valid_icd_range(text: str) -> bool:
    return bool(ICD_RANGE.match(text))


def rulesets_of(rows: Sequence[QuantRow]) -> set[str]:
    return {r.ruleset for r in rows}
