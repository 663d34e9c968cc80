"""Notifications of a case and deadline control: what was sent to whom (masked), which cases still have running
terms, which overdue items were escalated (once per case, deadline and day — the unique key guarantees it)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, Connection, and_, exists, insert, or_, select, union, update
from sqlalchemy.exc import IntegrityError

from mse.adapters.db.tables import cases, deadline_escalations, decisions, notifications, org_units, outbox, staff
from mse.domain.organisation import Position, UnitKind
from mse.domain.ports import MOSCOW
from mse.services.scheduling_ports import NotificationRecord, OpenCase

_n = notifications.c


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
