"""Use cases of the case life-cycle: fire a transition of THE table, read the history, show the citizen's status.

One transition is one transaction: authorise (the role per the table, the bureau tree per the policy), check the
guards, move the state by compare-and-set on the state the actor saw, write the history row (who, when, from → to,
event, why), the domain event to the outbox and the audit entry — all or nothing.

Domain events (`case.<event>`) go to the outbox with recipient `internal` and are settled at once (delivered_at =
written_at): they are a durable, ordered feed for in-house consumers, never sent to a state system by the worker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from mse.domain.case_lifecycle import (
    BY_EVENT,
    STATE_LABELS,
    SYSTEM,
    CaseFacts,
    CitizenStatus,
    Form,
    State,
    Transition,
    available,
    citizen_status,
    fire,
    party_label,
)
from mse.domain.errors import Conflict, DomainError, NotFound
from mse.domain.identity import SYSTEM_ACTOR, Actor
from mse.domain.policy import Action, Kind, Scope, allowed
from mse.domain.ports import MOSCOW, Clock
from mse.domain.scheduling import PLACE_LABELS, AppointmentStatus, address_of
from mse.rules.calendar_terms import TermUnit
from mse.rules.deadline_policy import Elapsed, Regime, Suspension, elapsed, regime_on
from mse.rules.deadline_table import deadline
from mse.rules.intake import reason_titles
from mse.services import audit, case_notices
from mse.services.case_ports import CaseRecord, HistoryEntry, HistoryRow
from mse.services.ports import UnitOfWork
from mse.services.scheduling_ports import AppointmentRecord

UowFactory = Callable[[], UnitOfWork]
CASE_NOT_FOUND = "Дело не найдено или у вас нет доступа к нему"
INTERNAL = "internal"  # outbox recipient of domain events: never delivered over HTTP


@dataclass(frozen=True)
class CaseView:
    id: int
    number: str
    state: State
    state_label: str
    registered_on: date
    bureau_name: str
    regime: str | None
    form_of_conducting: str | None
    due_invitation: date | None
    due_decision: date | None
    updated_at: datetime
    fired: Transition | None = None  # the transition just made, when the view is the answer to one


@dataclass(frozen=True)
class HistoryView:
    row: HistoryRow
    from_label: str | None
    to_label: str
    transition_id: str | None
    event_label: str | None
    role_label: str | None


@dataclass(frozen=True)
class StatusView:
    case_id: int
    number: str
    status: CitizenStatus
    state: State | None  # the internal state: for staff only (the citizen and the МО see the status)


def party_of(actor: Actor) -> str:
    """The table's party: the system actor (integrations, timers) or the person's role."""
    return SYSTEM if actor.user_id == SYSTEM_ACTOR.user_id and actor.login == SYSTEM_ACTOR.login else actor.role.value


def _scope(record: CaseRecord) -> Scope:
    return Scope(unit_path=record.unit_path, medical_org_id=record.referral_org_id, person_id=record.person_id)


def _load(uow: UnitOfWork, actor: Actor, case_id: int, clock: Clock, kind: Kind, action: Action) -> CaseRecord:
    record = uow.cases.get(case_id)
    if record is None:
        raise NotFound("case", CASE_NOT_FOUND)
    if party_of(actor) != SYSTEM and not allowed(actor, kind, action, _scope(record)):
        # Someone else's case is «not found»: its existence is personal data too. The attempt is kept in the trail.
        audit.record(uow, actor, f"{kind.value}.{action.value}.denied", Kind.CASE.value, case_id, clock)
        uow.commit()
        raise NotFound("case", CASE_NOT_FOUND)
    return record


def _view(record: CaseRecord, fired: Transition | None = None) -> CaseView:
    state = State(record.state)
    return CaseView(id=record.id, number=record.number, state=state, state_label=STATE_LABELS[state],
                    registered_on=record.registered_on, bureau_name=record.bureau_name, regime=record.regime,
                    form_of_conducting=record.form_of_conducting, due_invitation=record.due_invitation,
                    due_decision=record.due_decision, updated_at=record.updated_at, fired=fired)


def _upper(actor: Actor, record: CaseRecord) -> bool:
    """The actor works strictly above the case's bureau (main bureau over its branches, Federal bureau over all)."""
    if party_of(actor) == SYSTEM:
        return True
    path = actor.scope_path
    return bool(path) and record.unit_path.startswith(path) and record.unit_path != path


def known_facts(record: CaseRecord, actor: Actor, given: CaseFacts | None, reason: str | None, today: date) -> CaseFacts:
    """The caller's facts completed by what storage knows; what storage knows wins (a client cannot claim a referral)."""
    facts = given or CaseFacts()
    form = facts.form_of_conducting or (Form(record.form_of_conducting) if record.form_of_conducting else None)
    return replace(facts, reason=reason if reason is not None else facts.reason, has_referral=record.referral_id is not None,
                   actor_upper_level=_upper(actor, record), form_of_conducting=form, today=today,
                   number=record.number, registered_on=record.registered_on, due_decision=record.due_decision)


def documents_due(record: CaseRecord) -> date:
    """DL-05 (АР п.12) from the deadline table, in the regime stamped on the case: the day the missing documents are due."""
    entry = deadline("DL-05", Regime(record.regime) if record.regime else regime_on(record.registered_on))
    assert entry.unit is TermUnit.CALENDAR, "DL-05 is counted in calendar days (АР п.12)"
    return record.registered_on + timedelta(days=entry.value)


def _booking(uow: UnitOfWork, case_id: int) -> AppointmentRecord | None:
    """The case's current booking with a time (absentee forms have none), the latest if there were several."""
    booked = [a for a in uow.scheduling.appointments_of(case_id) if a.status is AppointmentStatus.SCHEDULED and a.starts_at]
    return booked[-1] if booked else None


def _stored_facts(uow: UnitOfWork, record: CaseRecord, event: str) -> dict[str, Any]:
    """Facts storage knows better than any caller: the appointed day of the session (T16 guard «appointed_day_reached»)
    is the booking's, and «all results dispatched» (T25) is what the outbox says — a client cannot claim either."""
    if event == "session_opened":
        booked = _booking(uow, record.id)
        return {"appointed_on": booked.starts_at.astimezone(MOSCOW).date() if booked and booked.starts_at else None}
    if event == "completed":
        return {"dispatches_done": uow.outbox.undelivered_count("case", record.id, "result.") == 0}
    return {}


def _history_details(t: Transition, facts: CaseFacts, details: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"transition": t.id}
    if facts.reason_code:
        out["reason_code"] = facts.reason_code
    if facts.return_reasons:
        out["return_reasons"] = list(facts.return_reasons)
    if facts.missing_documents:
        out["missing_documents"] = list(facts.missing_documents)
    if facts.linked_case_id is not None:
        out["linked_case_id"] = facts.linked_case_id
    if t.event == "session_opened":
        out["panel_size"] = facts.panel_size  # declared by the physician who opens the session (АР п.49: at least 3)
    return out | dict(details or {})


def transition_in(uow: UnitOfWork, actor: Actor, case_id: int, event: str, clock: Clock, *, reason: str | None = None,
                  facts: CaseFacts | None = None, details: Mapping[str, Any] | None = None,
                  expected_state: str | None = None) -> Transition:
    """Fire `event` inside the caller's transaction (no commit): another use case (scheduling, the decision) moves the
    case in the same transaction as its own writes. A refusal is audited by `transition`, not here."""
    record = _load(uow, actor, case_id, clock, Kind.CASE, Action.UPDATE)
    state = State(record.state)
    if expected_state is not None and expected_state != state.value:
        raise Conflict("transition_stale_state", f"Дело уже в состоянии «{STATE_LABELS[state]}»: обновите страницу")
    judged = replace(known_facts(record, actor, facts, reason, clock.today()), **_stored_facts(uow, record, event))
    t = fire(state, event, party_of(actor), judged)
    target = t.target_from(state)
    now = clock.now()
    new_form = judged.form_of_conducting.value if judged.form_of_conducting else None
    if not uow.cases.set_state(case_id, expected=state.value, to=target.value, now=now,
                               form_of_conducting=new_form if new_form != record.form_of_conducting else None):
        raise Conflict("transition_stale_state", "Дело изменено другим пользователем одновременно с вами: обновите страницу")
    party = party_of(actor)
    uow.cases.add_history(HistoryEntry(
        case_id=case_id, at=now, from_state=state.value, to_state=target.value, event=t.event,
        actor_user_id=actor.user_id or None, actor_role=party, reason=judged.reason,
        details=_history_details(t, judged, details)))
    message = uow.outbox.enqueue(f"case.{t.event}", "case", case_id, {
        "case_id": case_id, "number": record.number, "transition": t.id, "event": t.event, "from": state.value,
        "to": target.value, "at": now.isoformat(), "actor_role": party, "effects": [str(e) for e in t.effects],
    }, now, recipient=INTERNAL)
    uow.outbox.mark_delivered(message, now)
    audit.record(uow, actor, "case.transition", Kind.CASE.value, case_id, clock, reason=judged.reason,
                 details={"transition": t.id, "event": t.event, "from": state.value, "to": target.value})
    case_notices.after_transition(uow, actor, case_id, t, judged, clock, documents_due=documents_due(record)
                                  if target is State.AWAITING_DOCUMENTS else None)
    return t


def transition(uow_factory: UowFactory, actor: Actor, case_id: int, event: str, clock: Clock, *, reason: str | None = None,
               facts: CaseFacts | None = None, details: Mapping[str, Any] | None = None,
               expected_state: str | None = None) -> CaseView:
    """Fire `event` on the case. `expected_state` is the state the actor saw (a form, a button): if the case has moved on
    since, the request is refused rather than applied to a state the actor did not see."""
    with uow_factory() as uow:
        try:
            t = transition_in(uow, actor, case_id, event, clock, reason=reason, facts=facts, details=details,
                              expected_state=expected_state)
        except DomainError as exc:
            if exc.code.startswith(("transition_not_allowed", "transition_role_forbidden", "transition_guard_failed")):
                uow.rollback()
                audit.record(uow, actor, "case.transition.refused", Kind.CASE.value, case_id, clock,
                             details={"event": event[:64], "code": exc.code})
                uow.commit()
            raise
        uow.commit()
        updated = uow.cases.get(case_id)
    assert updated is not None
    return _view(updated, t)


def _history_view(row: HistoryRow) -> HistoryView:
    t = BY_EVENT.get(row.event or "")
    return HistoryView(row=row, from_label=STATE_LABELS[State(row.from_state)] if row.from_state else None,
                       to_label=STATE_LABELS[State(row.to_state)], transition_id=t.id if t else None,
                       event_label=t.label if t else None,
                       role_label=party_label(row.actor_role) if row.actor_role else None)


def history(uow: UnitOfWork, actor: Actor, case_id: int, clock: Clock, *, limit: int = 50,
            offset: int = 0) -> tuple[list[HistoryView], int]:
    """Who moved the case when and why (staff of the tree). The reading is audited; the caller commits."""
    _load(uow, actor, case_id, clock, Kind.CASE_HISTORY, Action.READ)
    rows, total = uow.cases.history(case_id, limit=limit, offset=offset)
    audit.record(uow, actor, "case.history.read", Kind.CASE.value, case_id, clock, details={"offset": offset, "count": len(rows)})
    return [_history_view(r) for r in rows], total


def _appointment_facts(uow: UnitOfWork, case_id: int) -> dict[str, Any]:
    """§7.4 SCHEDULED must show date, time, place and room: from the booking the invitation was written from."""
    a = _booking(uow, case_id)
    info = uow.scheduling.case_info(case_id) if a else None
    if a is None or info is None:
        return {}
    local = a.starts_at.astimezone(MOSCOW) if a.starts_at else None
    parts = (f"{local:%d.%m.%Y} в {local:%H:%M}" if local else None, PLACE_LABELS.get(a.place_code or ""),
             address_of(a.place_code, a.place_text, info.unit_address), f"кабинет {a.room_name}" if a.room_name else None)
    return {"appointed_on": local.date() if local else None, "place": ", ".join(p for p in parts if p)}


def _status_facts(uow: UnitOfWork, record: CaseRecord, last: HistoryRow | None) -> CaseFacts:
    d = (last.details or {}) if last else {}
    on = last.at.date() if last else None
    state = State(record.state)
    return CaseFacts(
        number=record.number, registered_on=record.registered_on, due_decision=record.due_decision,
        received_on=record.referral_received_at.date() if record.referral_received_at else None,
        form_of_conducting=Form(record.form_of_conducting) if record.form_of_conducting else None,
        reason=last.reason if last else None, reason_code=d.get("reason_code"),
        return_reasons=tuple(reason_titles(d.get("return_reasons", ()))),
        missing_documents=tuple(d.get("missing_documents", ())),
        due_documents=documents_due(record) if state is State.AWAITING_DOCUMENTS else None,
        decided_on=on if state is State.DECIDED else None, forwarded_on=on if state is State.FORWARDED_UP else None,
        citizen_participation=bool(d.get("citizen_participation")),
        **(_appointment_facts(uow, record.id) if state is State.SCHEDULED else {}),
    )


def case_status(uow: UnitOfWork, actor: Actor, case_id: int, clock: Clock) -> StatusView:
    """§7.4: the citizen's status of his own case; the МО's for its referrals; staff of the tree also get the state."""
    record = _load(uow, actor, case_id, clock, Kind.CASE, Action.READ)
    status = citizen_status(State(record.state), _status_facts(uow, record, uow.cases.last_entry(case_id)))
    audit.record(uow, actor, "case.status.read", Kind.CASE.value, case_id, clock)
    staff = allowed(actor, Kind.CASE_HISTORY, Action.READ, _scope(record))
    return StatusView(case_id=case_id, number=record.number, status=status, state=State(record.state) if staff else None)


@dataclass(frozen=True)
class CaseCard:
    view: CaseView
    status: CitizenStatus
    actions: list[Transition]  # what the actor's role may trigger now (guards are checked on firing)
    history: list[HistoryView] | None  # None: the actor may not see the history
    history_total: int
    protocol_id: int | None = None  # the case's protocol, for those who may read it
    elapsed: Elapsed | None = None  # the service clock since registration, raw and without postponements (C-2)


def card(uow: UnitOfWork, actor: Actor, case_id: int, clock: Clock, *, limit: int = 50, offset: int = 0) -> CaseCard:
    """The case card. Staff read the whole history in one statement and page it here: the page, its total, the last
    entry (the citizen's status) and the postponements (the DL-01 clock) all come from it (bench P3: ≤ a few statements)."""
    record = _load(uow, actor, case_id, clock, Kind.CASE, Action.READ)
    state = State(record.state)
    scope = _scope(record)
    actions = available(state, party_of(actor)) if allowed(actor, Kind.CASE, Action.UPDATE, scope) else []
    rows: list[HistoryView] | None = None
    total, spent = 0, None
    if allowed(actor, Kind.CASE_HISTORY, Action.READ, scope):
        every = uow.cases.all_history(case_id)
        last = every[-1] if every else None
        rows, total = [_history_view(r) for r in every[offset:offset + limit]], len(every)
        spent = elapsed(record.registered_on, clock.today(), postponements(every))
        audit.record(uow, actor, "case.history.read", Kind.CASE.value, case_id, clock, details={"offset": offset, "count": len(rows)})
    else:
        last = uow.cases.last_entry(case_id)
        audit.record(uow, actor, "case.status.read", Kind.CASE.value, case_id, clock)
    status = citizen_status(state, _status_facts(uow, record, last))
    protocol_id = uow.protocols.id_of_case(case_id) if allowed(actor, Kind.PROTOCOL, Action.READ, scope) else None
    return CaseCard(view=_view(record), status=status, actions=actions, history=rows, history_total=total,
                    protocol_id=protocol_id, elapsed=spent)


def postponements(rows: Sequence[HistoryRow]) -> list[Suspension]:
    """The intervals the case awaited documents (T11 «перенос срока» → T12/T14 and on): process.md §3.8 and C-2 —
    the 30-day clock is reported both raw and without them. Taken from the history, so they cannot drift from it."""
    out: list[Suspension] = []
    start: date | None = None
    for r in sorted(rows, key=lambda r: (r.at, r.id)):
        waiting = r.to_state == State.AWAITING_DOCUMENTS.value
        if waiting and start is None:
            start = r.at.date()
        elif not waiting and start is not None:
            out.append(Suspension(start, r.at.date()))
            start = None
    if start is not None:
        out.append(Suspension(start, None))
    return out
