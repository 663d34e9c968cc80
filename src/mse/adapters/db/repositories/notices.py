"""Notifications of a case and deadline control: what was sent to whom (masked), which cases still have running
terms, which overdue items were escalated (once per case, deadline and day — the unique key guarantees it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    Subquery,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError

from mse.adapters.db._tables_indexes import CLOSED_AT_0009, OPEN_CASES
from mse.adapters.db.tables import cases, deadline_escalations, decisions, notifications, org_units, outbox, staff
from mse.domain.organisation import Position, UnitKind
from mse.domain.ports import MOSCOW
from mse.services.scheduling_ports import DueCount, DueRow, DueWindow, NotificationRecord, OpenCase

_n = notifications.c
_ORDER = {"due": ("due_on", "short_name", "number"), "bureau": ("short_name", "due_on", "number"),
          "kind": ("kind", "due_on", "number"), "case": ("number", "kind")}


@contextmanager
def _planned(conn: Connection) -> Iterator[None]:
    """PostgreSQL plans the due-items queries without JIT and without sequential scans, for this statement only.

    Its row estimates for `due_date <= day` come from the whole column, closed cases included — every case closed in
    past years is "due" long ago — so at 1 M open cases it expected ~500 k rows where ~70 k come: it then compiled the
    query with JIT (~170 ms of a 330 ms statement) and chose parallel sequential scans over the partial indexes (P9)."""
    if conn.dialect.name != "postgresql":
        yield
        return
    before = conn.execute(select(func.current_setting("jit"), func.current_setting("enable_seqscan"),
                                 func.set_config("jit", "off", True), func.set_config("enable_seqscan", "off", True))).one()
    try:
        yield
    finally:
        conn.execute(select(func.set_config("jit", before[0], True), func.set_config("enable_seqscan", before[1], True)))


def _due_terms(w: DueWindow, *, rows: bool = True) -> Subquery:
    """The running DL-01 / DL-04 terms due up to the horizon, one row per (case, kind), with their status.

    Two range scans, one per partial due-date index (ix_cases_open_due_decision, ix_cases_awaiting_invitation), glued
    with UNION ALL: the rows are distinct by kind. An OR of the two made PostgreSQL read the whole open-cases index;
    counting and paging in SQL instead of classifying every due item in Python is what keeps the sweep and the
    dashboard of a main bureau flat at a million open cases (issue 7, P9)."""
    decided = exists().where(decisions.c.case_id == cases.c.id, decisions.c.status == "issued")
    # The partial indexes' own text when the closed states are those they were built for: SQLite matches a partial
    # index only against the literal terms of its WHERE (migration 0014).
    state_open = OPEN_CASES if w.closed_states == frozenset(CLOSED_AT_0009) else cases.c.state.not_in(sorted(w.closed_states))
    open_ = and_(state_open, ~decided)
    parts = []
    for kind, due, extra in (("DL-01", cases.c.due_decision, None), ("DL-04", cases.c.due_invitation, cases.c.invited_on.is_(None))):
        if w.kind not in (None, kind):
            continue
        shown = (cases.c.number, cases.c.state) if rows else ()  # counting reads the covering index only (migration 0014)
        q = select(cases.c.id.label("case_id"), literal(kind, String(8)).label("kind"), due.label("due_on"), cases.c.bureau_id,
                   *shown).where(open_, due <= w.horizon)
        if extra is not None:
            q = q.where(extra)
        if w.bureau_id is not None:
            q = q.where(cases.c.bureau_id == w.bureau_id)
        if w.status == "overdue":
            q = q.where(due < w.today)
        elif w.status == "due_today":
            q = q.where(due == w.today)
        elif w.status == "at_risk":
            q = q.where(due > w.today)
        parts.append(q)
    if not parts:  # an unknown kind: no rows (an empty select of the same shape)
        parts.append(select(cases.c.id.label("case_id"), literal("", String(8)).label("kind"), cases.c.due_decision.label("due_on"),
                            cases.c.bureau_id, *((cases.c.number, cases.c.state) if rows else ())).where(cases.c.id.is_(None)))
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("due")


class NoticeRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_notification(self, *, case_id: int, event: str, channel: str, address_masked: str | None, outbox_id: int | None,
                         now: datetime, by: int | None) -> int:
        new_id: int = self.conn.execute(insert(notifications).values(
            case_id=case_id, event=event, channel=channel, address_masked=address_masked, outbox_id=outbox_id,
            created_at=now, created_by=by or None)).inserted_primary_key[0]  # type: ignore[index]
        if event == "invitation":  # DL-04 met (the same marker the booking sets; migration 0012)
            self.conn.execute(update(cases).where(cases.c.id == case_id, cases.c.invited_on.is_(None))
                              .values(invited_on=now.astimezone(MOSCOW).date()))
        return new_id

    def notifications_of(self, case_id: int) -> list[NotificationRecord]:
        q = (select(notifications, outbox.c.delivered_at, outbox.c.dead).outerjoin(outbox, outbox.c.id == _n.outbox_id)
             .where(_n.case_id == case_id).order_by(_n.id))
        return [NotificationRecord(r.id, r.case_id, r.event, r.channel, r.address_masked, r.outbox_id, r.created_at,
                                   r.delivered_at, bool(r.dead)) for r in self.conn.execute(q)]

    def open_cases(self, unit_path_prefix: str | None, closed_states: frozenset[str], due_by: date | None = None) -> list[OpenCase]:
        """Open cases with a running term; with `due_by`, only those with a term due on or before that day (the
        sweep's due / at-risk / overdue items): the partial indexes ix_cases_open_due_* of migration 0009 serve it."""
        invited = cases.c.invited_on.is_not(None)  # set by the booking (migration 0012), not looked up per case
        decided = exists().where(decisions.c.case_id == cases.c.id, decisions.c.status == "issued")
        open_ = cases.c.state.not_in(sorted(closed_states))
        if due_by is None:
            running: ColumnElement[bool] = or_(cases.c.due_invitation.is_not(None), cases.c.due_decision.is_not(None))
        else:
            # Two range scans, one per partial index (ix_cases_open_due_decision, ix_cases_awaiting_invitation): an OR of
            # the two made PostgreSQL read the whole open-cases index and recheck every row (P9 at 1 M: 11 s vs 2.9 s).
            due = union(select(cases.c.id).where(open_, cases.c.due_decision <= due_by),
                        select(cases.c.id).where(open_, cases.c.invited_on.is_(None), cases.c.due_invitation <= due_by)).subquery()
            running = cases.c.id.in_(select(due.c.id))
        q = (select(cases.c.id, cases.c.number, cases.c.state, cases.c.bureau_id, cases.c.due_invitation, cases.c.due_decision,
                    org_units.c.short_name, org_units.c.path, org_units.c.kind, invited.label("invited"), decided.label("decided"))
             .join(org_units, org_units.c.id == cases.c.bureau_id)
             .where(open_, running))
        if unit_path_prefix is not None:
            q = q.where(org_units.c.path.startswith(unit_path_prefix, autoescape=True))
        return [OpenCase(r.id, r.number, r.state, r.bureau_id, r.short_name, r.path, UnitKind(r.kind), r.due_invitation,
                         r.due_decision, bool(r.invited), bool(r.decided)) for r in self.conn.execute(q.order_by(cases.c.id))]

    def add_escalation(self, *, case_id: int, kind: str, on_day: date, due_on: date, unit_id: int, now: datetime) -> int | None:
        """The escalation row, or None when this item was already escalated today (by this or a concurrent sweep)."""
        try:
            with self.conn.begin_nested():
                new_id: int = self.conn.execute(insert(deadline_escalations).values(
                    case_id=case_id, kind=kind, on_day=on_day, due_on=due_on, unit_id=unit_id, created_at=now,
                )).inserted_primary_key[0]  # type: ignore[index]
        except IntegrityError:
            return None
        return new_id

    def set_escalation_outbox(self, escalation_id: int, outbox_id: int) -> None:
        self.conn.execute(update(deadline_escalations).where(deadline_escalations.c.id == escalation_id).values(outbox_id=outbox_id))

    def escalated(self, case_ids: list[int]) -> dict[tuple[int, str], date]:
        out: dict[tuple[int, str], date] = {}
        for chunk in (case_ids[i:i + 5000] for i in range(0, len(case_ids), 5000)):  # SQLite takes 32 766 parameters
            q = select(deadline_escalations.c.case_id, deadline_escalations.c.kind, deadline_escalations.c.on_day).where(
                deadline_escalations.c.case_id.in_(chunk))
            for r in self.conn.execute(q):
                key = (r.case_id, r.kind)
                out[key] = max(out.get(key, r.on_day), r.on_day)
        return out

    def due_counts(self, window: DueWindow) -> list[DueCount]:
        """Counts per bureau, kind and status of the due items under the window (the sweep's report, the dashboard)."""
        due = _due_terms(window, rows=False)
        status = case((due.c.due_on < window.today, "overdue"), (due.c.due_on == window.today, "due_today"), else_="at_risk")
        q = (select(due.c.bureau_id, due.c.kind, status.label("status"), func.count().label("n"))
             .group_by(due.c.bureau_id, due.c.kind, status))
        with _planned(self.conn):
            rows = self.conn.execute(q).all()
        names = self._units({r.bureau_id for r in rows}, window.prefix)
        return [DueCount(r.bureau_id, names[r.bureau_id][0], r.kind, r.status, int(r.n)) for r in rows if r.bureau_id in names]

    def _units(self, ids: set[int], prefix: str | None) -> dict[int, tuple[str, str]]:
        """Short name and path of the bureaus, those under the prefix only (a handful: one query)."""
        if not ids:
            return {}
        q = select(org_units.c.id, org_units.c.short_name, org_units.c.path).where(org_units.c.id.in_(sorted(ids)))
        if prefix is not None:
            q = q.where(org_units.c.path.startswith(prefix, autoescape=True))
        return {r.id: (r.short_name, r.path) for r in self.conn.execute(q)}

    def due_rows(self, window: DueWindow, *, sort: str = "due", limit: int | None = None, offset: int = 0,
                 not_escalated_on: date | None = None) -> list[DueRow]:
        due = _due_terms(window)
        e = deadline_escalations.c
        last = (select(func.max(e.on_day)).where(e.case_id == due.c.case_id, e.kind == due.c.kind).scalar_subquery())
        q = (select(due, org_units.c.short_name, org_units.c.path, last.label("escalated_on"))
             .join(org_units, org_units.c.id == due.c.bureau_id))
        if window.prefix is not None:
            q = q.where(org_units.c.path.startswith(window.prefix, autoescape=True))
        if not_escalated_on is not None:
            q = q.where(~exists().where(e.case_id == due.c.case_id, e.kind == due.c.kind, e.on_day == not_escalated_on))
        columns = {"due_on": due.c.due_on, "short_name": org_units.c.short_name, "number": due.c.number, "kind": due.c.kind}
        q = q.order_by(*(columns[c] for c in _ORDER.get(sort, _ORDER["due"])), due.c.case_id).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        with _planned(self.conn):
            found = self.conn.execute(q).all()
        return [DueRow(r.case_id, r.number, r.state, r.bureau_id, r.short_name, r.path, r.kind, r.due_on, r.escalated_on)
                for r in found]

    def head_email(self, unit_id: int) -> str | None:
        """The work e-mail of the bureau's head (the first head with one), for escalations of overdue terms."""
        r = self.conn.execute(select(staff.c.email).where(and_(
            staff.c.unit_id == unit_id, staff.c.position == Position.HEAD.value, staff.c.email.is_not(None)))
            .order_by(staff.c.id)).first()
        return str(r.email) if r is not None else None

    def head_of(self, unit_id: int) -> str | None:
        r = self.conn.execute(select(staff.c.surname, staff.c.name, staff.c.patronymic).where(
            and_(staff.c.unit_id == unit_id, staff.c.position == Position.HEAD.value)).order_by(staff.c.id)).first()
        return " ".join(p for p in (r.surname, r.name, r.patronymic) if p) if r is not None else None
