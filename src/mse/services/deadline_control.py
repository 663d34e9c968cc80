"""Deadline control («Контроль сроков»): what is due today, at risk and overdue in each bureau; escalation to the head.

Deadlines watched (process.md §4.1, §3.7): DL-04 invitation within 5 calendar days (адм. регламент п.11,
`cases.due_invitation`; met once an invitation is written or an appointment exists), DL-01 the service within 30
calendar days (п.10, `cases.due_decision`; met once the decision is issued), plus whatever `DeadlineSource`s the
life-cycle module adds. «At risk» = at most `risk_working_days` working days left (configurable,
MSE_DEADLINE_RISK_WORKING_DAYS). Overdue items are escalated to the head of the case's bureau (a main bureau's own
head for its cases) once per item and day (адм. регламент п.8: personal responsibility for terms; §3.7
SERVICE_30D «escalation to head»). Time comes from the Clock port.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from mse.domain.errors import Forbidden
from mse.domain.identity import SYSTEM_ACTOR, Actor, Role
from mse.domain.ports import Clock
from mse.rules.deadline_policy import Regime
from mse.rules.deadline_table import deadline
from mse.services import audit
from mse.services.notification_texts import render
from mse.services.notifications import mask_email
from mse.services.ports import UnitOfWork
from mse.services.scheduling import CLOSED_STATES
from mse.services.scheduling_ports import DueRow, DueWindow, OpenCase, WorkingDays

VIEW_ROLES = frozenset({Role.HEAD, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT})
NO_ACCESS = "Контроль сроков доступен руководителю бюро и экспертам главного и Федерального бюро"


class DeadlineStatus(StrEnum):
    DUE_TODAY = "due_today"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    ON_TRACK = "on_track"


STATUS_LABELS = {DeadlineStatus.DUE_TODAY: "истекает сегодня", DeadlineStatus.AT_RISK: "под угрозой",
                 DeadlineStatus.OVERDUE: "просрочено", DeadlineStatus.ON_TRACK: "в срок"}
WATCHED = ("DL-04", "DL-01")  # the invitation and the decision: the terms the case row carries (due_invitation, due_decision)


def _kind_label(deadline_id: str) -> str:
    """From the deadline table (its title, term and source), not restated here."""
    entry = deadline(deadline_id, Regime.CURRENT)
    return f"{entry.title[:1].lower()}{entry.title[1:]} ({entry.limit_text()}, {entry.source})"


KIND_LABELS = {d: _kind_label(d) for d in WATCHED}
SHOWN = (DeadlineStatus.OVERDUE, DeadlineStatus.DUE_TODAY, DeadlineStatus.AT_RISK)


@dataclass(frozen=True)
class DeadlineItem:
    case_id: int
    number: str
    state: str
    bureau_id: int
    bureau_name: str
    unit_path: str
    kind: str
    due_on: date
    status: DeadlineStatus
    working_days_left: int
    days_over: int
    escalated_on: date | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class DeadlineSource(Protocol):
    """More running terms of open cases (the life-cycle module's stored deadlines): (case, kind, due_on) triples."""

    def __call__(self, uow: UnitOfWork, cases: Sequence[OpenCase]) -> list[tuple[OpenCase, str, date]]: ...


def working_days_between(today: date, due: date, calendar: WorkingDays) -> int:
    """Working days after today up to and including the due day (0 when it is due today or already past)."""
    n, day = 0, today + timedelta(days=1)
    while day <= due:
        n += calendar.is_working_day(day)
        day += timedelta(days=1)
    return n


def classify(due: date, today: date, calendar: WorkingDays, risk_working_days: int) -> tuple[DeadlineStatus, int]:
    if due < today:
        return DeadlineStatus.OVERDUE, 0
    if due == today:
        return DeadlineStatus.DUE_TODAY, 0
    left = working_days_between(today, due, calendar)
    return (DeadlineStatus.AT_RISK if left <= risk_working_days else DeadlineStatus.ON_TRACK), left


def _base(c: OpenCase) -> list[tuple[OpenCase, str, date]]:
    out: list[tuple[OpenCase, str, date]] = []
    if c.decided:
        return out
    if c.due_invitation is not None and not c.invited:
        out.append((c, "DL-04", c.due_invitation))
    if c.due_decision is not None:
        out.append((c, "DL-01", c.due_decision))
    return out


def risk_horizon(today: date, calendar: WorkingDays, risk_working_days: int) -> date:
    """The last day whose term is at most `risk_working_days` working days away (classify: at risk or sooner)."""
    day, left = today, 0
    for _ in range(366):  # a calendar with no working day at all would otherwise never end
        following = day + timedelta(days=1)
        left += calendar.is_working_day(following)
        if left > risk_working_days:
            break
        day = following
    return day


def collect(uow: UnitOfWork, unit_path_prefix: str | None, today: date, calendar: WorkingDays, risk_working_days: int,
            sources: Sequence[DeadlineSource] = (), *, due_only: bool = False) -> list[DeadlineItem]:
    """Every running deadline of the open cases under the prefix, classified (on-track ones included).

    `due_only`: only the items due today, at risk or overdue (what the sweep and the dashboard show): the query reads
    the cases with a term up to the risk horizon through the due-date indexes instead of every open case (issue 7, P9).
    Extra `sources` keep the full list of open cases: their stored terms are not on the case row."""
    due_by = risk_horizon(today, calendar, risk_working_days) if due_only and not sources else None
    open_cases = uow.notices.open_cases(unit_path_prefix, CLOSED_STATES, due_by)
    triples = [t for c in open_cases for t in _base(c)]
    for source in sources:
        triples.extend(source(uow, open_cases))
    escalated = uow.notices.escalated([c.id for c in open_cases])
    items = []
    judged: dict[date, tuple[DeadlineStatus, int]] = {}  # thousands of items share a handful of due dates
    for c, kind, due in triples:
        if due not in judged:
            judged[due] = classify(due, today, calendar, risk_working_days)
        status, left = judged[due]
        items.append(DeadlineItem(c.id, c.number, c.state, c.bureau_id, c.bureau_name, c.unit_path, kind, due, status, left,
                                  max(0, (today - due).days), escalated.get((c.id, kind))))
    return [i for i in items if i.status in SHOWN] if due_only else items


def _judge(today: date, calendar: WorkingDays, risk_working_days: int) -> Callable[[DueRow], DeadlineItem]:
    """A due row of the database as an item: its status again from the calendar (the same rule as `classify`; the
    working days left are counted once per due date — thousands of items share a handful of dates)."""
    judged: dict[date, tuple[DeadlineStatus, int]] = {}

    def item(r: DueRow) -> DeadlineItem:
        if r.due_on not in judged:
            judged[r.due_on] = classify(r.due_on, today, calendar, risk_working_days)
        status, left = judged[r.due_on]
        return DeadlineItem(r.case_id, r.number, r.state, r.bureau_id, r.bureau_name, r.unit_path, r.kind, r.due_on, status, left,
                            max(0, (today - r.due_on).days), r.escalated_on)
    return item


def due_window(today: date, calendar: WorkingDays, risk_working_days: int, prefix: str | None = None) -> DueWindow:
    return DueWindow(today, risk_horizon(today, calendar, risk_working_days), CLOSED_STATES, prefix)


# ---------------------------------------------------------------------------------------------- the sweep (job)

@dataclass
class SweepReport:
    today: date
    by_bureau: dict[str, dict[str, int]] = field(default_factory=dict)
    escalated: list[dict[str, object]] = field(default_factory=list)
    calendar_verified: bool = True

    def as_dict(self) -> dict[str, object]:
        return {"today": self.today.isoformat(), "bureaus": self.by_bureau, "escalated": self.escalated,
                "calendar_verified": self.calendar_verified}


AddressBook = Callable[[int], str | None]  # unit id -> the head's (bureau's official) e-mail, when configured


def _overdue_unescalated(uow: UnitOfWork, report: SweepReport, today: date, calendar: WorkingDays, risk_working_days: int,
                         sources: Sequence[DeadlineSource]) -> list[DeadlineItem]:
    """Fills the report's counts per bureau; returns the overdue items not yet escalated today (the sweep's only work).

    The database counts and selects (issue 7, P9): a re-run of the day reads no item at all. Extra `sources` (stored
    terms that are not on the case row) are classified in Python, as before."""
    def tally(bureau: str, status: str, n: int) -> None:
        report.by_bureau.setdefault(bureau, {s.value: 0 for s in SHOWN})[status] += n

    if sources:
        items = collect(uow, None, today, calendar, risk_working_days, sources, due_only=True)
        for i in items:
            tally(i.bureau_name, i.status.value, 1)
        return [i for i in items if i.status is DeadlineStatus.OVERDUE and i.escalated_on != today]
    window = due_window(today, calendar, risk_working_days)
    for c in uow.notices.due_counts(window):
        tally(c.bureau_name, c.status, c.count)
    item = _judge(today, calendar, risk_working_days)
    return [item(r) for r in uow.notices.due_rows(replace(window, status=DeadlineStatus.OVERDUE.value), sort="case",
                                                  not_escalated_on=today)]


def sweep(uow: UnitOfWork, clock: Clock, calendar: WorkingDays, *, risk_working_days: int = 1,
          head_email: AddressBook = lambda unit_id: None, sources: Sequence[DeadlineSource] = ()) -> SweepReport:
    """One pass over all bureaus: counts per bureau, and each overdue item escalated once per day. Commits."""
    today = clock.today()
    report = SweepReport(today, calendar_verified=bool(getattr(calendar, "verified", True)))
    heads: dict[int, tuple[str, str | None]] = {}
    for item in _overdue_unescalated(uow, report, today, calendar, risk_working_days, sources):
        escalation_id = uow.notices.add_escalation(case_id=item.case_id, kind=item.kind, on_day=today, due_on=item.due_on,
                                                   unit_id=item.bureau_id, now=clock.now())
        if escalation_id is None:
            continue  # already escalated today
        if item.bureau_id not in heads:  # once per bureau: a day after a holiday escalates thousands of items
            heads[item.bureau_id] = (uow.notices.head_of(item.bureau_id) or "руководитель бюро", head_email(item.bureau_id))
        head, address = heads[item.bureau_id]
        if address:
            subject, body, _ = render("escalation", {
                "head": head, "case_number": item.number, "bureau_name": item.bureau_name, "deadline": item.kind_label,
                "due_on": f"{item.due_on:%d.%m.%Y}", "days_over": str(item.days_over), "state": item.state})
            outbox_id = uow.outbox.enqueue("notify.email", "case", item.case_id, {
                "event": "escalation", "case_id": item.case_id, "to": address, "subject": subject, "body": body},
                clock.now(), recipient="email")
            uow.notices.set_escalation_outbox(escalation_id, outbox_id)
            uow.notices.add_notification(case_id=item.case_id, event="escalation", channel="email",
                                         address_masked=mask_email(address), outbox_id=outbox_id, now=clock.now(), by=None)
        audit.record(uow, SYSTEM_ACTOR, "deadline.escalate", "case", item.case_id, clock,
                     details={"kind": item.kind, "due_on": item.due_on.isoformat(), "unit_id": item.bureau_id,
                              "sent": bool(address)})
        report.escalated.append({"case": item.number, "kind": item.kind, "due_on": item.due_on.isoformat(),
                                 "bureau": item.bureau_name, "head": head, "sent_to_email": bool(address)})
    uow.commit()
    return report


# ---------------------------------------------------------------------------------------------- the dashboard

SORTS: Mapping[str, Callable[[DeadlineItem], tuple[object, ...]]] = {
    "due": lambda i: (i.due_on, i.bureau_name, i.number),
    "bureau": lambda i: (i.bureau_name, i.due_on, i.number),
    "kind": lambda i: (i.kind, i.due_on, i.number),
    "case": lambda i: (i.number, i.kind),
}


def may_view(actor: Actor) -> bool:
    return actor.role in VIEW_ROLES and bool(actor.scope_path)


@dataclass(frozen=True)
class DashboardQuery:
    status: DeadlineStatus | None = None
    kind: str | None = None
    bureau_id: int | None = None
    sort: str = "due"
    limit: int = 25
    offset: int = 0


@dataclass(frozen=True)
class DashboardPage:
    rows: list[DeadlineItem]
    total: int
    counts: dict[DeadlineStatus, int]
    bureaus: list[tuple[int, str]]
    kinds: list[str]
    today: date


def dashboard(uow: UnitOfWork, actor: Actor, clock: Clock, calendar: WorkingDays, q: DashboardQuery, *,
              risk_working_days: int = 1, sources: Sequence[DeadlineSource] = ()) -> DashboardPage:
    """The actor's part of the tree: items due today, at risk and overdue, filtered, sorted, paged; audited."""
    if not may_view(actor):
        raise Forbidden(NO_ACCESS)
    today = clock.today()
    page = (_page_in_python if sources else _page_in_database)(uow, actor, today, calendar, q, risk_working_days, sources)
    audit.record(uow, actor, "deadline.list", "case", None, clock, details={
        "filters": sorted(k for k, v in (("status", q.status), ("kind", q.kind), ("bureau", q.bureau_id)) if v),
        "count": len(page.rows), "offset": q.offset})
    uow.commit()
    return page


def _wanted(q: DashboardQuery, kind: str, bureau_id: int) -> bool:
    return (q.kind is None or kind == q.kind) and (q.bureau_id is None or bureau_id == q.bureau_id)


def _page_in_database(uow: UnitOfWork, actor: Actor, today: date, calendar: WorkingDays, q: DashboardQuery,
                      risk_working_days: int, sources: Sequence[DeadlineSource]) -> DashboardPage:
    """Counts and one page from the database: a main bureau's or the Federal bureau's view of a million open cases
    reads 25 rows and a few dozen counts, not every due item (issue 7, P9)."""
    window = due_window(today, calendar, risk_working_days, actor.scope_path)
    all_counts = uow.notices.due_counts(window)
    counts = {s: sum(c.count for c in all_counts if c.status == s.value and _wanted(q, c.kind, c.bureau_id)) for s in SHOWN}
    total = counts[q.status] if q.status is not None else sum(counts.values())
    rows = uow.notices.due_rows(replace(window, kind=q.kind, bureau_id=q.bureau_id, status=q.status.value if q.status else None),
                                sort=q.sort, limit=q.limit, offset=q.offset)
    item = _judge(today, calendar, risk_working_days)
    return DashboardPage([item(r) for r in rows], total, counts,
                         sorted({(c.bureau_id, c.bureau_name) for c in all_counts}, key=lambda b: b[1]),
                         sorted({c.kind for c in all_counts} | set(KIND_LABELS)), today)


def _page_in_python(uow: UnitOfWork, actor: Actor, today: date, calendar: WorkingDays, q: DashboardQuery,
                    risk_working_days: int, sources: Sequence[DeadlineSource]) -> DashboardPage:
    """With extra `sources` (terms stored off the case row) every item is classified here."""
    items = [i for i in collect(uow, actor.scope_path, today, calendar, risk_working_days, sources, due_only=True)
             if i.status in SHOWN]
    scoped = [i for i in items if _wanted(q, i.kind, i.bureau_id)]
    counts = {s: sum(1 for i in scoped if i.status is s) for s in SHOWN}
    rows = sorted((i for i in scoped if q.status is None or i.status is q.status), key=SORTS.get(q.sort, SORTS["due"]))
    return DashboardPage(rows[q.offset:q.offset + q.limit], len(rows), counts,
                         sorted({(i.bureau_id, i.bureau_name) for i in items}, key=lambda b: b[1]),
                         sorted({i.kind for i in items} | set(KIND_LABELS)), today)
