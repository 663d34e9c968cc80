"""What the statistics service needs from storage: the rollup cells of a year and the same figures computed live."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Dimension(StrEnum):
    REGION = "region"  # subject of the Russian Federation of the deciding unit
    MONTH = "month"  # month of the decision date
    GROUP = "group"  # item 80 of the protocol (80.1 … 80.5)
    OUTCOME = "outcome"  # state of the case


ALL_DIMENSIONS: tuple[Dimension, ...] = (Dimension.REGION, Dimension.MONTH, Dimension.GROUP, Dimension.OUTCOME)


@dataclass(frozen=True, slots=True)
class StatFilter:
    year: int
    region: str | None = None
    group: str | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class Cell:
    """One row of a statistics table: the values of the chosen dimensions (in their order) and the measures."""

    key: tuple[str | int, ...]
    decisions: int
    percent_sum: int
    percent_n: int


@dataclass(frozen=True, slots=True)
class Refreshed:
    year: int
    refreshed_at: datetime
    source_rows: int
    cells: int
    millis: int


class StatisticsRepo(Protocol):
    def rebuild(self, year: int, *, now: datetime) -> Refreshed: ...
    def cells(self, by: Sequence[Dimension], f: StatFilter) -> list[Cell]: ...
    def live_cells(self, by: Sequence[Dimension], f: StatFilter) -> list[Cell]: ...
    def refreshed(self, year: int) -> Refreshed | None: ...
