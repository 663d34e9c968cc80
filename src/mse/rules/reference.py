"""Reference data the intake rules consult, as ports: ICD-10 and the examination list of 402н/631н.

The examination list («Перечень медицинских обследований…», совместный приказ Минтруда России
№ 402н / Минздрава России № 631н от 10.06.2021; ФНСИ 1.2.643.5.1.13.13.99.2.857) is not available in
this workplace (DESIGN.md §9): it is administrator-loadable data, and the rules work with whatever
subset is loaded, saying plainly when nothing is loaded for a diagnosis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from mse.domain.periods import in_force


class IcdDictionary(Protocol):
    def exists(self, code: str) -> bool: ...
    def is_specific(self, code: str) -> bool:
        """False for a rubric that has subdivisions (I63 when I63.0…I63.9 exist): МКБ-10 asks for the most specific code."""
        ...
    def name(self, code: str) -> str | None: ...


class ExamSection(StrEnum):
    ADULT = "adult"  # Раздел I — лица 18 лет и старше
    CHILD = "child"  # Раздел II — лица (дети) до 18 лет


@dataclass(frozen=True, slots=True)
class RequiredExam:
    icd_ranges: str  # as in 857 CATEGORY_ICD10: "I60-I69", "E10-E14, E66", "G35"
    code: str  # НМУ code, e.g. "B01.023.001"
    name: str
    basic: bool  # 1 — основное, 2 — дополнительное (BASIC_ADDITIONAL)
    section: ExamSection
    valid_from: date
    valid_to: date | None = None

    def covers(self, icd_code: str) -> bool:
        return icd_in_ranges(icd_code, self.icd_ranges)

    def in_force_on(self, day: date) -> bool:
        return in_force(self.valid_from, self.valid_to, day)


class ExamRequirements(Protocol):
    def for_diagnosis(self, icd_code: str, section: ExamSection, on: date) -> Sequence[RequiredExam]: ...
    def is_loaded(self) -> bool: ...


class ExamList:
    """Whatever subset of the list is loaded; an empty list says «not loaded», never «nothing required»."""

    def __init__(self, rows: Sequence[RequiredExam]) -> None:
        self.rows = list(rows)

    def is_loaded(self) -> bool:
        return bool(self.rows)

    def for_diagnosis(self, icd_code: str, section: ExamSection, on: date) -> list[RequiredExam]:
        return [e for e in self.rows if e.section is section and e.in_force_on(on) and icd_in_ranges(icd_code, e.icd_ranges)]


_RANGE = re.compile(r"^([A-Z])(\d\d)(?:\.(\d{1,2}))?$")


def _rubric_key(code: str) -> tuple[str, int, int] | None:
    m = _RANGE.match(code.strip().rstrip("+*"))
    if not m:
        return None
    return m.group(1), int(m.group(2)), int(m.group(3) or -1)


Bounds = tuple[tuple[str, int, int], tuple[str, int, int]]


@lru_cache(maxsize=4096)  # the lists repeat a few hundred range strings; parsing them per call was RR3's main cost (issue 7, P2)
def _bounds(ranges: str) -> tuple[Bounds, ...]:
    """The (low, high) rubric keys of "E10-E14, E66, I63.5"; a subdivision of -1 is a whole rubric."""
    out: list[Bounds] = []
    for part in (p.strip() for p in ranges.replace(";", ",").split(",")):
        if not part:
            continue
        low_raw, _, high_raw = part.partition("-")
        low = _rubric_key(low_raw)
        high = _rubric_key(high_raw) if high_raw else low
        if low is None or high is None:
            continue
        # A range bound without a subdivision covers the whole rubric (E14 covers E14.9).
        out.append((low, (high[0], high[1], high[2] if high[2] >= 0 else 99)))
    return tuple(out)


def icd_in_ranges(icd_code: str, ranges: str) -> bool:
    """Whether ``icd_code`` falls in a list of rubric ranges such as "E10-E14, E66, I63.5"."""
    target = _rubric_key(icd_code)
    if target is None:
        return False
    return any(lo <= target <= hi or (lo[2] < 0 and target[:2] == lo[:2]) for lo, hi in _bounds(ranges))
