"""THE transition table walked through `fire`: every transition, every refused role, every guard, every citizen status."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from mse.domain.case_lifecycle import (
    GUARDS,
    SYSTEM,
    TERMINAL,
    TRANSITIONS,
    CaseFacts,
    Form,
    Purpose,
    State,
    Transition,
    available,
    citizen_status,
    fire,
    regime_for,
)
from mse.domain.case_model import FORM_PURPOSES
from mse.domain.errors import Conflict, Forbidden, ValidationFailed
from mse.domain.identity import Role

PARTIES = [SYSTEM, *(r.value for r in Role)]

# For each guard: the facts that make it hold. A transition's facts are the union of its guards' entries.
SATISFY: dict[str, dict[str, Any]] = {
    "reason_given": {"reason": "заявление гражданина"},
    "consent_present": {"consent_present": True},
    "duplicate_found": {"duplicate_of": 7},
    "paper_twin_decided": {"paper_twin_decided": True},
    "signature_invalid": {"signature_invalid": True},
    "other_region": {"other_region": True},
    "not_depersonalised": {"form_of_conducting": Form.AT_BUREAU},
    "has_referral": {"has_referral": True},
    "return_reasons_given": {"return_reasons": ("RR1", "RR3")},
    "missing_documents_listed": {"missing_documents": ("паспорт",)},
    "documents_complete": {"documents_complete": True},
    "form_precondition_met": {"form_of_conducting": Form.AT_BUREAU},
    "appointed_day_reached": {"appointed_on": date(2026, 3, 10), "today": date(2026, 3, 10)},
    "panel_complete": {"panel_size": 3},
    "pdo_items_listed": {"pdo_items": ("обследование в МО",)},
    "consultation_in_pdo": {"pdo_has_consultation": True},
    "remote_consent_if_remote": {},
    "conclusion_received": {"conclusion_received": True},
    "pdo_results_attached": {"pdo_results_attached": True},
    "refusal_statement_filed": {"refusal_statement_filed": True},
    "majority_reached": {"majority_reached": True},
    "presence_for_prof_capacity": {},
    "dispatches_done": {"dispatches_done": True},
    "linked_case_given": {"linked_case_id": 42},
    "upper_bureau_actor": {"actor_upper_level": True},
    "citizen_consent": {"citizen_consent": True},
    "termination_reason_known": {"reason_code": "withdrawn", "reason": "заявление об отзыве"},
    "within_reexam_window": {"reexam_window_open": True},
}

# For each guard: facts (on top of the satisfying ones) that make it fail.
BREAK: dict[str, dict[str, Any]] = {
    "reason_given": {"reason": "   "},
    "consent_present": {"consent_present": False},
    "duplicate_found": {"duplicate_of": None},
    "paper_twin_decided": {"paper_twin_decided": False},
    "signature_invalid": {"signature_invalid": False},
    "other_region": {"other_region": False},
    "not_depersonalised": {"form_of_conducting": Form.DEPERSONALISED},
    "has_referral": {"has_referral": False},
    "return_reasons_given": {"return_reasons": ("RR9",)},
    "missing_documents_listed": {"missing_documents": ()},
    "documents_complete": {"documents_complete": False},
    "form_precondition_met": {"form_of_conducting": Form.REMOTE_ICT, "citizen_consent": True},  # 316н: not a first-level form
    "appointed_day_reached": {"today": date(2026, 3, 9)},
    "panel_complete": {"panel_size": 2},
    "pdo_items_listed": {"pdo_items": ()},
    "consultation_in_pdo": {"pdo_has_consultation": False},
    "remote_consent_if_remote": {"form_of_conducting": Form.REMOTE_ICT, "citizen_consent": False},
    "conclusion_received": {"conclusion_received": False},
    "pdo_results_attached": {"pdo_results_attached": False},
    "refusal_statement_filed": {"refusal_statement_filed": False},
    "majority_reached": {"majority_reached": False},
    "presence_for_prof_capacity": {"purpose": Purpose.PROF_CAPACITY, "citizen_present": False},
    "dispatches_done": {"dispatches_done": False},
    "linked_case_given": {"linked_case_id": None},
    "upper_bureau_actor": {"actor_upper_level": False},
    "citizen_consent": {"citizen_consent": False},
    "termination_reason_known": {"reason_code": "bored"},
    "within_reexam_window": {"reexam_window_open": False},
}


def facts_for(t: Transition) -> CaseFacts:
    values: dict[str, Any] = {}
    for g in t.guards:
        values |= SATISFY[g]
    return CaseFacts(**values)


def some_role(t: Transition) -> str:
    return sorted(t.roles)[0]


WALK = [(t, s) for t in TRANSITIONS for s in t.sources]


@pytest.mark.parametrize(("t", "source"), WALK, ids=[f"{t.id}-{s.name if s else 'new'}" for t, s in WALK])
def test_every_transition_fires_from_every_source(t: Transition, source: State | None) -> None:
    for party in sorted(t.roles):
        got = fire(source, t.event, party, facts_for(t))
        assert got is t
        assert got.target_from(source) == (t.target or source)


REFUSED = [(t, p) for t in TRANSITIONS for p in PARTIES if p not in t.roles]


@pytest.mark.parametrize(("t", "party"), REFUSED, ids=[f"{t.id}-{p}" for t, p in REFUSED])
def test_every_role_not_in_the_table_is_refused_with_a_code(t: Transition, party: str) -> None:
    with pytest.raises(Forbidden) as err:
        fire(t.sources[0], t.event, party, facts_for(t))
    assert err.value.code == "transition_role_forbidden"
    assert t.id in err.value.message


def test_the_refusal_matrix_is_not_trivial() -> None:
    assert len(WALK) >= 60
    assert len(REFUSED) >= 300
    assert {p for t in TRANSITIONS for p in t.roles} == set(PARTIES) - {Role.AUDITOR.value, Role.ADMIN.value}


@pytest.mark.parametrize("t", TRANSITIONS, ids=[t.id for t in TRANSITIONS])
def test_every_transition_is_refused_outside_its_source_states(t: Transition) -> None:
    outside = [s for s in [None, *State] if s not in t.sources]
    for state in outside:
        with pytest.raises(Conflict) as err:
            fire(state, t.event, some_role(t), facts_for(t))
        assert err.value.code == "transition_not_allowed"


GUARDED = [(t, g) for t in TRANSITIONS for g in t.guards]


@pytest.mark.parametrize(("t", "guard"), GUARDED, ids=[f"{t.id}-{g}" for t, g in GUARDED])
def test_each_guard_of_each_transition_refuses_with_its_name(t: Transition, guard: str) -> None:
    broken = replace(facts_for(t), **BREAK[guard])
    with pytest.raises(Conflict) as err:
        fire(t.sources[0], t.event, some_role(t), broken)
    assert err.value.code == f"transition_guard_failed:{guard}"
    assert GUARDS[guard][1] in err.value.message


@pytest.mark.parametrize("guard", sorted(GUARDS))
def test_guard_table(guard: str) -> None:
    predicate = GUARDS[guard][0]
    good = CaseFacts(**SATISFY[guard])
    assert predicate(good) is True
    assert predicate(replace(good, **BREAK[guard])) is False


@pytest.mark.parametrize(("form", "purpose", "extra", "expected"), [
    (Form.AT_BUREAU, Purpose.DISABILITY, {}, True),
    (Form.AT_HOME, Purpose.DISABILITY, {}, False),  # AR p.48: the МО's conclusion is required
    (Form.AT_HOME, Purpose.DISABILITY, {"home_conclusion": True}, True),
    (Form.IN_ABSENTIA, Purpose.PROF_CAPACITY, {}, False),  # AR p.78, C-8
    (Form.IN_ABSENTIA, Purpose.DISABILITY, {}, True),
    (Form.REMOTE_ICT, Purpose.DISABILITY, {"citizen_consent": True}, False),  # 316н: not a first-level MSE
    (Form.REMOTE_ICT, Purpose.APPEAL, {"citizen_consent": True}, True),
    (Form.REMOTE_ICT, Purpose.APPEAL, {}, False),  # 316н п.7: consent
    (Form.DOCUMENTARY, Purpose.DEATH_CAUSE, {}, True),
    (Form.DOCUMENTARY, Purpose.DISABILITY, {}, False),
    (None, Purpose.DISABILITY, {}, False),
])
def test_form_precondition(form: Form | None, purpose: Purpose, extra: dict[str, Any], expected: bool) -> None:
    facts = CaseFacts(form_of_conducting=form, purpose=purpose, **extra)
    assert GUARDS["form_precondition_met"][0](facts) is expected


def test_every_form_serves_some_purpose() -> None:
    assert set(FORM_PURPOSES) == set(Form)
    assert all(FORM_PURPOSES.values())


def test_unknown_event_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed) as err:
        fire(State.REGISTERED, "refuse_service", Role.HEAD)  # АР п.29: no such transition exists
    assert err.value.problems[0].code == "transition_unknown_event"


def test_the_table_covers_the_spec() -> None:
    ids = [t.id for t in TRANSITIONS]
    assert len(ids) == len(set(ids))
    assert {f"T{n:02d}" for n in range(1, 38)} <= set(ids)
    assert all(t.citation for t in TRANSITIONS)
    assert all(t.note for t in TRANSITIONS if not t.verified), "an unverified row says why"
    targets = {t.target for t in TRANSITIONS if t.target} | {s for t in TRANSITIONS for s in t.sources if s}
    assert targets == set(State), "every state is reachable or left"


def test_terminal_states_have_no_way_out_and_the_rest_do() -> None:
    for state in State:
        outgoing = [t for t in TRANSITIONS if state in t.sources]
        assert bool(outgoing) is (state not in TERMINAL), state


def test_available_lists_what_the_role_may_do() -> None:
    assert {t.id for t in available(State.REGISTERED, Role.EXPERT)} == {"T09", "T11", "T14"}
    assert {t.id for t in available(State.REGISTERED, Role.HEAD)} == {"T11", "T14", "T40"}
    assert available(State.REGISTERED, Role.AUDITOR) == []
    assert {t.id for t in available(State.ADDITIONAL_EXAM, Role.CITIZEN)} == {"T21"}


EXPECTED_STATUS = {
    State.RECEIVED: "received", State.NOT_ACCEPTED: "not_accepted", State.REGISTERED: "registered",
    State.CONTENT_CHECK: "registered", State.RETURNED_TO_MO: "returned_to_mo", State.AWAITING_DOCUMENTS: "awaiting_documents",
    State.SCHEDULED: "invited", State.IN_EXPERTISE: "in_expertise", State.ADDITIONAL_EXAM: "additional_exam",
    State.ADDITIONAL_EXAM_CONSULTATION: "consultation", State.TRANSFERRED_UP: "transferred_up", State.DECIDED: "decided",
    State.DOCUMENTS_ISSUING: "documents_issued", State.COMPLETED: "documents_issued", State.UNDER_APPEAL: "under_appeal",
    State.UNDER_CONTROL: "documents_issued", State.SUPERSEDED: "superseded", State.TERMINATED: "terminated",
    State.APPEAL_AT_ORIGIN: "appeal_forwarded", State.FORWARDED_UP: "appeal_forwarded",
}


@pytest.mark.parametrize("state", list(State), ids=[s.name for s in State])
def test_citizen_status_for_every_state(state: State) -> None:
    status = citizen_status(state, CaseFacts())
    assert status.code == EXPECTED_STATUS[state]
    assert status.label
    assert status.proposal
    assert all(f.label for f in status.must_show)


def test_citizen_status_shows_what_section_7_4_asks() -> None:
    facts = CaseFacts(number="77-A1-2026-000001", registered_on=date(2026, 3, 2), due_decision=date(2026, 4, 1))
    shown = {f.code: f.value for f in citizen_status(State.REGISTERED, facts).must_show}
    assert shown == {"registered_on": "02.03.2026", "number": "77-A1-2026-000001", "due_decision": "01.04.2026"}
    returned = {f.code: f.value for f in citizen_status(State.RETURNED_TO_MO, CaseFacts(return_reasons=("RR2", "RR3"))).must_show}
    assert returned["return_reasons"] == "RR2, RR3"
    assert "медицинскую организацию" in (returned["advice"] or "")
    ended = citizen_status(State.TERMINATED, CaseFacts(reason_code="death"))
    assert ended.must_show[0].value == "Смерть гражданина"
    # Control is shown only when the citizen takes part in it (ASSUMPTION, §7.4).
    assert citizen_status(State.UNDER_CONTROL, CaseFacts(citizen_participation=True)).code == "under_control"


@pytest.mark.parametrize(("day", "regime"), [(date(2022, 6, 30), "legacy"), (date(2022, 7, 1), "current"),
                                             (date(2011, 1, 20), "legacy"), (date(2026, 3, 2), "current")])
def test_regime_at_registration(day: date, regime: str) -> None:
    assert regime_for(day) == regime


def test_postponements_are_intervals_of_the_history() -> None:
    """C-2: the days awaiting documents are taken from the history as intervals; the clock is reported both ways."""
    from datetime import UTC, datetime

    from mse.rules.deadline_policy import elapsed
    from mse.services.case_ports import HistoryRow
    from mse.services.cases import postponements

    def row(i: int, day: int, to: str) -> HistoryRow:
        return HistoryRow(id=i, at=datetime(2026, 3, day, 9, tzinfo=UTC), from_state=None, to_state=to, event=None,
                          actor_user_id=None, actor_name=None, actor_role=None, reason=None, details=None)

    rows = [row(1, 2, "registered"), row(2, 3, "awaiting_documents"), row(3, 10, "scheduled")]
    spans = postponements(rows)
    assert [(s.start.day, s.end.day if s.end else None) for s in spans] == [(3, 10)]
    spent = elapsed(date(2026, 3, 2), date(2026, 3, 20), spans)
    assert (spent.raw_days, spent.adjusted_days) == (18, 11)
    assert "показаны оба значения" in spent.explanation
    still = postponements([*rows[:2]])
    assert still[0].end is None
