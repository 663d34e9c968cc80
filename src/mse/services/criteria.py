"""Use cases of the criteria appendix: import rows (all-or-nothing, audited), and the rows in force on a day.

Rows are replaced by groups — same rule set and same start of validity (ruleset + valid_from): loading a corrected
file for 374н from 01.03.2025 replaces that group and leaves the rows of other sets and periods alone. Loading the
same rows again changes nothing and records nothing (``mse demo load`` relies on it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from mse.domain.errors import Forbidden
from mse.domain.identity import Actor, Role
from mse.domain.ports import Clock
from mse.rules.criteria.appendix import QuantRow
from mse.services import audit
from mse.services.ports import UnitOfWork


@dataclass(frozen=True)
class ImportResult:
    loaded: int  # rows written
    unchanged: int  # rows of groups that were already stored exactly so
    groups: list[dict[str, object]]  # per group: ruleset, valid_from, rows, replaced, changed


def import_rows(uow_factory: Callable[[], UnitOfWork], actor: Actor, rows: Sequence[QuantRow], *, source: str,
                clock: Clock) -> ImportResult:
    """Replace the stored groups the file covers, in one transaction, with one audit event (administrators only)."""
    if actor.role is not Role.ADMIN:
        raise Forbidden("Загружать строки приложения к классификациям и критериям может только администратор")
    groups: dict[tuple[str, date], list[QuantRow]] = {}
    for row in rows:
        groups.setdefault((row.ruleset, row.valid_from), []).append(row)
    report: list[dict[str, object]] = []
    loaded = unchanged = 0
    with uow_factory() as uow:
        now = clock.now()
        for (ruleset, valid_from), new in sorted(groups.items()):
            old = uow.criteria.group(ruleset, valid_from)
            if sorted(old, key=_key) == sorted(new, key=_key):
                unchanged += len(new)
                report.append({"ruleset": ruleset, "valid_from": valid_from.isoformat(), "rows": len(new), "replaced": 0, "changed": False})
                continue
            loaded += uow.criteria.replace_group(ruleset, valid_from, new, now=now, user_id=actor.user_id or None)
            report.append({"ruleset": ruleset, "valid_from": valid_from.isoformat(), "rows": len(new), "replaced": len(old), "changed": True})
        if loaded:
            audit.record(uow, actor, "criteria.appendix.import", "criteria_appendix", None, clock,
                         details={"source": source[:300], "loaded": loaded, "groups": [g for g in report if g["changed"]]})
            uow.commit()
    return ImportResult(loaded, unchanged, report)


def _key(row: QuantRow) -> tuple[str, str, str, date]:
    return row.key


def rows_in_force(uow: UnitOfWork, on: date) -> list[QuantRow]:
    """The appendix rows of every rule set in force on ``on`` (the evaluator picks those of the set it applies)."""
    return uow.criteria.rows_in_force(on)


def all_rows(uow: UnitOfWork) -> list[QuantRow]:
    """Every stored row: for an evaluation with its alternative under the other set, whose rows ended before the
    decision date (the evaluator itself keeps only the rows in force on the day it judges by)."""
    return uow.criteria.rows()
