"""The case state machine: `fire(state, event, role, facts)` over THE table (`case_transitions.TRANSITIONS`).

Refusals are coded (RFC 9457 `code` in the API):
  transition_unknown_event          — no such event in the table (422 via ValidationFailed)
  transition_not_allowed            — the event does not apply in the current state (409)
  transition_role_forbidden         — the role may not trigger it (403, process.md §1.4)
  transition_guard_failed:<guard>   — a precondition does not hold (409)
Refusal of the service itself has no transition at all (АР п.29, process.md §6.2).
"""

from __future__ import annotations

from mse.domain.case_model import (
    FORM_LABELS,
    GUARDS,
    STATE_LABELS,
    SYSTEM,
    TERMINAL,
    TERMINATION_REASONS,
    CaseFacts,
    Effect,
    Form,
    Party,
    Purpose,
    State,
    Transition,
    regime_for,
)
from mse.domain.case_status import CitizenStatus, StatusField, citizen_status
from mse.domain.case_transitions import TRANSITIONS
from mse.domain.errors import Conflict, FieldProblem, Forbidden, ValidationFailed
from mse.domain.identity import ROLE_LABELS, Role

__all__ = ["FORM_LABELS", "GUARDS", "STATE_LABELS", "SYSTEM", "TERMINAL", "TERMINATION_REASONS", "TRANSITIONS", "BY_EVENT",
           "CaseFacts", "CitizenStatus", "Effect", "Form", "Purpose", "State", "StatusField", "Transition", "available",
           "citizen_status", "failed_guards", "fire", "party_label", "regime_for"]

BY_EVENT: dict[str, Transition] = {t.event: t for t in TRANSITIONS}
assert len(BY_EVENT) == len(TRANSITIONS), "every event names exactly one transition"
assert all(g in GUARDS for t in TRANSITIONS for g in t.guards), "every guard is a named predicate"


def _party(role: Party | str) -> str:
    return role.value if isinstance(role, Role) else str(role)


def party_label(party: str) -> str:
    return "Система" if party == SYSTEM else ROLE_LABELS[Role(party)]


def failed_guards(transition: Transition, facts: CaseFacts) -> list[str]:
    return [g for g in transition.guards if not GUARDS[g][0](facts)]


def fire(state: State | None, event: str, role: Party | str, facts: CaseFacts | None = None) -> Transition:
    """Which transition `event` is from `state` for `role`, or a coded refusal. Checks in the order:
    event known, state, role, guards (the first failing guard is named in the code)."""
    transition = BY_EVENT.get(event)
    if transition is None:
        raise ValidationFailed([FieldProblem("event", f"Неизвестное действие «{event[:64]}»", "transition_unknown_event")],
                               "Неизвестное действие с делом")
    if state not in transition.sources:
        where = STATE_LABELS[state] if state is not None else "дело ещё не создано"
        raise Conflict("transition_not_allowed",
                       f"Действие «{transition.label}» недоступно в состоянии «{where}» ({transition.id})")
    party = _party(role)
    if not transition.may(party):
        raise Forbidden(f"Действие «{transition.label}» ({transition.id}) не может выполнить "
                        f"{party_label(party) if party in {SYSTEM, *Role} else party}", "transition_role_forbidden")
    failed = failed_guards(transition, facts or CaseFacts())
    if failed:
        raise Conflict(f"transition_guard_failed:{failed[0]}",
                       f"Действие «{transition.label}» ({transition.id}) невозможно: {GUARDS[failed[0]][1]}")
    return transition


def available(state: State | None, role: Party | str) -> list[Transition]:
    """The events the role may trigger from this state (guards are checked when fired: a button may still be refused)."""
    party = _party(role)
    return [t for t in TRANSITIONS if state in t.sources and t.may(party)]
