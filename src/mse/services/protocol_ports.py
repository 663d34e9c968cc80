"""What the protocol services need from storage (implemented in adapters/db/repositories/protocols.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from mse.domain.protocols import ProtocolChange, ProtocolRecord, ProtocolSignature, ProtocolStatus


@dataclass(frozen=True)
class CaseContext:
    """The registered case a protocol belongs to, with what prefill needs."""

    id: int
    number: str
    registered_on: date
    bureau_id: int
    bureau_name: str  # T.1: the name of the institution as in its charter (п.8(1))
    unit_path: str
    person_id: int | None
    state: str
    referral_data: dict[str, object] | None  # the registered referral (088/у, keyed by the form's keys)
    patient_name: str | None


@dataclass(frozen=True)
class NewProtocol:
    case_id: int
    form: str
    form_version: str
    data: dict[str, object]
    prefilled: dict[str, str]
    now: datetime
    user_id: int


@dataclass(frozen=True)
class WorkRow:
    """One line of the workbench list: a registered case and the state of its protocol."""

    case_id: int
    number: str
    registered_on: date
    patient_name: str | None
    bureau_name: str
    protocol_id: int | None
    protocol_status: ProtocolStatus | None
    updated_at: datetime | None


class ProtocolRepo(Protocol):
    def case_context(self, case_id: int) -> CaseContext | None: ...
    def id_of_case(self, case_id: int) -> int | None: ...
    def by_case(self, case_id: int) -> ProtocolRecord | None: ...
    def get(self, protocol_id: int) -> ProtocolRecord | None: ...
    def add(self, new: NewProtocol) -> int: ...
    def save(self, protocol_id: int, *, data: dict[str, object], expected_revision: int, now: datetime, user_id: int,
             status: ProtocolStatus | None = None, canonical_sha256: str | None = None) -> bool:
        """Compare-and-set on the revision: False when someone saved in between (no change made)."""
        ...
    def add_change(self, protocol_id: int, change: ProtocolChange) -> None: ...
    def changes(self, protocol_id: int, *, limit: int, offset: int) -> tuple[list[ProtocolChange], int]: ...
    def add_signature(self, protocol_id: int, signature: ProtocolSignature, cms: bytes) -> None: ...
    def signature_blobs(self, protocol_id: int) -> list[tuple[ProtocolSignature, bytes]]: ...
    def work_list(self, *, unit_path_prefix: str, limit: int, offset: int) -> tuple[list[WorkRow], int]: ...
