"""Cases for the life-cycle: read with scope, change state by compare-and-set, append history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, insert, select, update

from mse.adapters.db.tables import case_history, cases, org_units, referrals, users
from mse.services.case_ports import CaseRecord, HistoryEntry, HistoryRow

_h = case_history.c


class CaseRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, case_id: int) -> CaseRecord | None:
        q = (select(cases, org_units.c.name.label("bureau_name"), org_units.c.path.label("unit_path"),
                    referrals.c.id.label("referral_id"), referrals.c.sender_org_id, referrals.c.received_at)
             .join(org_units, org_units.c.id == cases.c.bureau_id)
             .outerjoin(referrals, referrals.c.case_id == cases.c.id)
             .where(cases.c.id == case_id).order_by(referrals.c.id).limit(1))
        r = self.conn.execute(q).first()
        if r is None:
            return None
        return CaseRecord(
            id=r.id, number=r.number, state=r.state, registered_on=r.registered_on, bureau_id=r.bureau_id,
            bureau_name=r.bureau_name, unit_path=r.unit_path, person_id=r.person_id, channel=r.channel,
            purposes=list(r.purposes or []), regime=r.regime, form_of_conducting=r.form_of_conducting,
            due_invitation=r.due_invitation, due_decision=r.due_decision, referral_id=r.referral_id,
            referral_org_id=r.sender_org_id, referral_received_at=r.received_at, updated_at=r.updated_at)

    def set_state(self, case_id: int, *, expected: str, to: str, now: datetime, form_of_conducting: str | None = None) -> bool:
        """Compare-and-set: only when the case is still in `expected` (a concurrent transition makes this False)."""
        values: dict[str, Any] = {"state": to, "updated_at": now}
        if form_of_conducting is not None:
            values["form_of_conducting"] = form_of_conducting
        done = self.conn.execute(update(cases).where(cases.c.id == case_id, cases.c.state == expected).values(**values))
        return done.rowcount == 1

    def add_history(self, entry: HistoryEntry) -> int:
        new_id: int = self.conn.execute(insert(case_history).values(
            case_id=entry.case_id, at=entry.at, from_state=entry.from_state, to_state=entry.to_state, event=entry.event,
            actor_user_id=entry.actor_user_id, actor_role=entry.actor_role,
            reason=entry.reason[:500] if entry.reason else None, details=entry.details,
        )).inserted_primary_key[0]  # type: ignore[index]
        return new_id

    def history(self, case_id: int, *, limit: int, offset: int) -> tuple[list[HistoryRow], int]:
        total = self.conn.execute(select(func.count()).select_from(case_history).where(_h.case_id == case_id)).scalar_one()
        rows = self.conn.execute(_history().where(_h.case_id == case_id).order_by(_h.at, _h.id).limit(limit).offset(offset)).all()
        return [_row(r) for r in rows], int(total)

    def all_history(self, case_id: int, *, cap: int = 10_000) -> list[HistoryRow]:
        """The whole history in order, in one statement (the case card pages it and derives the clock from it)."""
        return [_row(r) for r in self.conn.execute(_history().where(_h.case_id == case_id).order_by(_h.at, _h.id).limit(cap))]

    def last_entry(self, case_id: int) -> HistoryRow | None:
        r = self.conn.execute(_history().where(_h.case_id == case_id).order_by(_h.at.desc(), _h.id.desc()).limit(1)).first()
        return _row(r) if r else None


def _history() -> Select[Any]:
    return select(case_history, users.c.display_name).outerjoin(users, users.c.id == _h.actor_user_id)


def _row(r: Any) -> HistoryRow:
    return HistoryRow(id=r.id, at=r.at, from_state=r.from_state, to_state=r.to_state, event=r.event,
                      actor_user_id=r.actor_user_id, actor_name=r.display_name, actor_role=r.actor_role, reason=r.reason,
                      details=dict(r.details) if r.details else None)
