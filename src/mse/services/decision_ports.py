"""What the decision services need from storage (implemented in adapters/db/repositories/decisions.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mse.domain.decisions import CastVote, DecisionRecord, DecisionStatus


@dataclass(frozen=True)
class NewDecision:
    case_id: int
    protocol_id: int
    ruleset: str
    decision_date: date
    suggestion: dict[str, object]
    outcome: dict[str, object]
    departs: bool
    departure_reason: str | None
    now: datetime
    user_id: int


@dataclass(frozen=True)
class IssuedDocument:
    """One issued document: the exact bytes, their hash, the head's CMS over them."""

    id: int
    case_id: int
    decision_id: int
    kind: str
    format: str
    media_type: str
    filename: str
    sha256: str
    snapshot_sha256: str
    signed_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class NewDocument:
    case_id: int
    decision_id: int
    kind: str
    format: str
    media_type: str
    filename: str
    content: bytes
    sha256: str
    snapshot_sha256: str
    signature: bytes | None
    signed_by: int | None
    now: datetime


class DecisionRepo(Protocol):
    def by_case(self, case_id: int) -> DecisionRecord | None: ...
    def get(self, decision_id: int) -> DecisionRecord | None: ...
    def add(self, new: NewDecision) -> int: ...
    def update(self, decision_id: int, *, expected_revision: int, now: datetime, status: DecisionStatus | None = None,
               suggestion: dict[str, object] | None = None, outcome: dict[str, object] | None = None,
               departs: bool | None = None, departure_reason: str | None = None,
               snapshot: bytes | None = None, snapshot_sha256: str | None = None) -> bool:
        """Compare-and-set on the revision: False when someone changed the decision in between."""
        ...
    def add_vote(self, decision_id: int, vote: CastVote) -> None: ...
    def snapshot(self, decision_id: int) -> bytes | None: ...
    def add_document(self, new: NewDocument) -> int: ...
    def documents(self, case_id: int) -> list[IssuedDocument]: ...
    def document(self, document_id: int) -> tuple[IssuedDocument, bytes, bytes | None] | None: ...


class RenderedDocument(Protocol):
    """One built document (adapters/documents/results): exact bytes, ready to hash and sign."""

    @property
    def kind(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def filename(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def content(self) -> bytes: ...


DocumentBuilder = Callable[[bytes], Sequence[RenderedDocument]]
