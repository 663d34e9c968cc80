"""The suggestion for a protocol: its items → the evaluator's input → the suggestion, and where the written decision
departs from it. The evaluator is pure (rules/decision_support.py); this reads the appendix rows it needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from mse.domain.errors import ValidationFailed
from mse.domain.protocols import ProtocolRecord
from mse.rules.decision_protocol import departures, input_from_protocol
from mse.rules.decision_support import evaluate
from mse.services import criteria
from mse.services.decision_snapshot import decision_date
from mse.services.ports import UnitOfWork


@dataclass(frozen=True)
class Suggested:
    """The suggestion (JSON as the evaluator gives it), the departures (Russian lines), or why none can be made."""

    suggestion: dict[str, object]
    departures: list[str] = field(default_factory=list)
    ruleset: str = ""
    ruleset_title: str = ""
    error: str | None = None

    @property
    def outcome(self) -> dict[str, object]:
        return {k: self.suggestion.get(k) for k in ("outcome", "outcome_label", "final_percent", "degree", "crg", "term")}


def suggest(uow: UnitOfWork, record: ProtocolRecord, *, today: date) -> Suggested:
    born = record.data.get("5")
    if not isinstance(born, str):
        return Suggested({}, error="Расчёт невозможен: в протоколе не указана дата рождения (пункт 5)")
    try:
        inp = input_from_protocol(record.data, birth_date=date.fromisoformat(born), decision_date=decision_date(record.data, today),
                                  registration_date=record.protocol_date)
    except (ValidationFailed, ValueError) as exc:
        problems = exc.problems if isinstance(exc, ValidationFailed) else []
        detail = "; ".join(f"{p.field}: {p.message}" for p in problems) or str(exc)
        return Suggested({}, error=f"Расчёт невозможен: {detail}")
    rows = criteria.all_rows(uow)
    result = evaluate(inp, rows)
    return Suggested(result.to_json(), [d.message for d in departures(result, record.data)], result.ruleset,
                     result.ruleset_title)
