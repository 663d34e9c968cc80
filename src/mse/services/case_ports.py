"""What the case life-cycle services need from storage (implemented in adapters/db/repositories/cases.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class CaseRecord:
    """A case as the life-cycle sees it, with where it lives (policy scope) and who sent its referral."""

    id: int
    number: str
    state: str
    registered_on: date
    bureau_id: int
    bureau_name: str
    unit_path: str
    person_id: int | None
    channel: str
    purposes: list[str]
    regime: str | None
    form_of_conducting: str | None
    due_invitation: date | None
    due_decision: date | None
    referral_id: int | None
    referral_org_id: int | None  # the МО that sent the referral (its users see the case's status)
    referral_received_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    case_id: int
    at: datetime
    from_state: str | None
    to_state: str
    event: str | None
    actor_user_id: int | None
    actor_role: str | None
    reason: str | None
    details: dict[str, Any] | None


@dataclass(frozen=True)
class HistoryRow:
    id: int
    at: datetime
    from_state: str | None
    to_state: str
    event: str | None
    actor_user_id: int | None
    actor_name: str | None
    actor_role: str | None
    reason: str | None
    details: dict[str, Any] | None


class CaseRepo(Protocol):
    def get(self, case_id: int) -> CaseRecord | None: ...
    def set_state(self, case_id: int, *, expected: str, to: str, now: datetime, form_of_conducting: str | None = None) -> bool: ...
    def add_history(self, entry: HistoryEntry) -> int: ...
    def history(self, case_id: int, *, limit: int, offset: int) -> tuple[list[HistoryRow], int]: ...
    def all_history(self, case_id: int, *, cap: int = 10_000) -> list[HistoryRow]: ...
    def last_entry(self, case_id: int) -> HistoryRow | None: ...
