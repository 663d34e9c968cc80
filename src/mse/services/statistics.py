"""Statistics of a national year (issue 7, P8): decisions by subject × month × disability group × case outcome.

Figures are answered from rollups (`refresh` rebuilds a year from the decisions in one transaction; `mse stats
refresh` runs it as a job) and can be checked against the live GROUP BY (`check`). Rollups hold counts only — no
person, case or document identifiers — so reading them is not a personal-data access and is not audited; the
refresh, a change, is. Not exposed over HTTP yet: a web route will need its own policy kind (scope by subject for
a main bureau) before it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mse.domain.case_model import STATE_LABELS, State
from mse.domain.errors import FieldProblem, ValidationFailed
from mse.domain.identity import Actor
from mse.domain.ports import Clock
from mse.rules.decision_support import OUTCOME_LABELS
from mse.services import audit
from mse.services.ports import UnitOfWork
from mse.services.statistics_ports import ALL_DIMENSIONS, Cell, Dimension, Refreshed, StatFilter

UowFactory = Callable[[], UnitOfWork]

MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь")
DIMENSION_LABELS = {Dimension.REGION: "субъект РФ", Dimension.MONTH: "месяц", Dimension.GROUP: "инвалидность (п. 80)",
                    Dimension.OUTCOME: "состояние дела"}
MIN_YEAR, MAX_YEAR = 2000, 2100
_STATES = frozenset(s.value for s in State)


@dataclass(frozen=True, slots=True)
class StatRow:
    key: tuple[str | int, ...]
    labels: tuple[str, ...]
    decisions: int
    average_percent: float | None  # of the final percent (суммарная оценка), when recorded


@dataclass(frozen=True, slots=True)
class StatTable:
    year: int
    by: tuple[Dimension, ...]
    rows: list[StatRow]
    total: int
    as_of: Refreshed | None  # None: the year was never refreshed (every figure is 0)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed([FieldProblem("year", f"Год должен быть от {MIN_YEAR} до {MAX_YEAR}", "range")],
                               "Неверный год статистики")


def refresh(uow_factory: UowFactory, actor: Actor, year: int, clock: Clock) -> Refreshed:
    """Rebuild the rollups of `year` from the decisions (one transaction; readers see the old or the new cells)."""
    _check_year(year)
    with uow_factory() as uow:
        done = uow.statistics.rebuild(year, now=clock.now())
        audit.record(uow, actor, "statistics.refresh", "statistics", year, clock,
                     details={"cells": done.cells, "decisions": done.source_rows, "millis": done.millis})
        uow.commit()
    return done


def _labels(by: Sequence[Dimension], key: tuple[str | int, ...], regions: dict[str, str]) -> tuple[str, ...]:
    out = []
    for dim, value in zip(by, key, strict=True):
        if dim is Dimension.REGION:
            out.append(regions.get(str(value), "субъект не указан"))
        elif dim is Dimension.MONTH:
            out.append(MONTHS[int(value) - 1] if 1 <= int(value) <= 12 else str(value))
        elif dim is Dimension.GROUP:
            out.append(OUTCOME_LABELS.get(str(value), "не указана"))
        else:
            state = str(value)
            out.append(STATE_LABELS[State(state)] if state in _STATES else state)
    return tuple(out)


def _rows(cells: list[Cell], by: Sequence[Dimension], regions: dict[str, str]) -> list[StatRow]:
    return [StatRow(c.key, _labels(by, c.key, regions), c.decisions,
                    round(c.percent_sum / c.percent_n, 1) if c.percent_n else None) for c in cells]


def table(uow: UnitOfWork, year: int, *, by: Sequence[Dimension] = ALL_DIMENSIONS, region: str | None = None,
          group: str | None = None, outcome: str | None = None) -> StatTable:
    """The decisions of `year` by the dimensions `by` (any subset, in that order), answered from the rollups."""
    _check_year(year)
    dims = tuple(by)
    cells = uow.statistics.cells(dims, StatFilter(year, region, group, outcome))
    regions = {r.code: r.name for r in uow.orgs.regions()} if Dimension.REGION in dims else {}
    return StatTable(year, dims, _rows(cells, dims, regions), sum(c.decisions for c in cells), uow.statistics.refreshed(year))


def check(uow: UnitOfWork, year: int) -> list[str]:
    """Where the rollups differ from the live GROUP BY over the decisions (empty: identical). Russian lines."""
    _check_year(year)
    f = StatFilter(year)
    stored = {c.key: c for c in uow.statistics.cells(ALL_DIMENSIONS, f)}
    live = {c.key: c for c in uow.statistics.live_cells(ALL_DIMENSIONS, f)}
    out = []
    for key in sorted(stored.keys() | live.keys(), key=str):
        a, b = stored.get(key), live.get(key)
        if a != b:
            out.append(f"{'/'.join(map(str, key))}: в сводах {a.decisions if a else 0}, по решениям {b.decisions if b else 0}")
    return out
