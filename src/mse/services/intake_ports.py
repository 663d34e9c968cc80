"""Ports and read models of referral intake (issue 3): what the intake use cases need from storage and adapters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from mse.domain.referrals import Channel, ReferralState
from mse.rules.reference import RequiredExam


class DocumentRejected(Exception):
    """A received document cannot be read as a referral: it goes to quarantine with this code."""

    def __init__(self, code: str, message: str, details: Sequence[dict[str, str]] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = list(details)


@dataclass(frozen=True)
class ParsedReferral:
    document_id: str
    sender_ogrn: str
    data: dict[str, Any]  # the filled form 088/у, keyed by the schema's item keys
    bureau_id: int | None = None  # a target bureau named by the sender, if any


class DocumentReader(Protocol):
    """Reads one format (JSON by the schema, СЭМД CDA XML) into a ParsedReferral or raises DocumentRejected."""

    channel: Channel
    content_type: str

    def read(self, body: bytes) -> ParsedReferral: ...


@dataclass(frozen=True)
class Submission:
    body: bytes
    signature: bytes | None
    filename: str | None = None


@dataclass(frozen=True)
class IncomingRecord:
    id: int
    received_at: datetime
    channel: str
    content_type: str
    filename: str | None
    sender_ogrn: str | None
    document_id: str | None
    size: int
    body_sha256: str
    status: str  # accepted | quarantined
    problem_code: str | None
    problem_message: str | None
    problem_details: list[dict[str, str]] | None
    signature_sha256: str | None = None  # None: no detached signature came with the document


@dataclass(frozen=True)
class ReferralRecord:
    id: int
    incoming_id: int
    sender_org_id: int
    sender_name: str
    sender_region: str
    document_id: str
    bureau_id: int
    bureau_name: str
    bureau_path: str
    channel: str
    state: ReferralState
    form_version: str
    data: dict[str, Any]
    patient_name: str
    patient_birth_date: date | None
    patient_snils: str | None
    protocol_number: str | None
    protocol_date: date | None
    diagnosis_icd: str | None
    priorities: list[str]
    signature_valid: bool | None
    signer_subject: str | None
    signer_ogrn: str | None
    signing_time: datetime | None
    checks: dict[str, Any]
    received_at: datetime
    decided_at: datetime | None
    registration_number: str | None
    registration_date: date | None
    case_id: int | None
    return_reasons: list[dict[str, str]] = field(default_factory=list)
    due_invitation: date | None = None  # DL-04 of the case, as computed at registration
    due_decision: date | None = None  # DL-01


@dataclass(frozen=True)
class NewReferral:
    incoming_id: int
    sender_org_id: int
    document_id: str
    bureau_id: int
    channel: Channel
    state: ReferralState
    form_version: str
    data: dict[str, Any]
    patient_key: str
    patient_snils: str | None
    patient_name: str
    patient_birth_date: date | None
    protocol_number: str | None
    protocol_date: date | None
    diagnosis_icd: str | None
    priorities: list[str]
    priority_rank: int
    signature_valid: bool | None
    signer_subject: str | None
    signer_ogrn: str | None
    signing_time: datetime | None
    checks: dict[str, Any]
    content_failures: int
    received_at: datetime
    duplicate_of_id: int | None


@dataclass(frozen=True)
class QueueQuery:
    states: tuple[ReferralState, ...] = (ReferralState.RECEIVED,)
    text: str | None = None  # registration number, document id, patient surname or СНИЛС
    sender_org_id: int | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    journal: bool = False  # registration journal order (by number) instead of the queue order


@dataclass(frozen=True)
class QueueRow:
    id: int
    state: ReferralState
    received_at: datetime
    sender_name: str
    sender_region: str
    bureau_name: str
    patient_name: str
    patient_birth_date: date | None
    diagnosis_icd: str | None
    priorities: list[str]
    content_failures: int
    signature_valid: bool | None
    registration_number: str | None
    registration_date: date | None
    document_id: str


@dataclass(frozen=True)
class ReferralFilter:
    """SQL-side twin of the REFERRAL/READ policy, like PersonFilter."""

    unit_path_prefix: str | None = None
    sender_org_id: int | None = None
    deny_all: bool = False


class IntakeRepo(Protocol):
    def store_incoming(self, *, received_at: datetime, channel: Channel, content_type: str, filename: str | None,
                       sender_ogrn: str | None, sender_org_id: int | None, document_id: str | None, body: bytes,
                       signature: bytes | None, status: str, problem_code: str | None, problem_message: str | None,
                       problem_details: list[dict[str, str]] | None, submitted_by: int | None) -> int: ...
    def default_bureau_for(self, medical_org_id: int) -> int | None:
        """The bureau the organisation is attached to, else the first bureau of its subject of the RF."""
        ...
    def incoming(self, incoming_id: int) -> IncomingRecord | None: ...
    def incoming_body(self, incoming_id: int) -> tuple[bytes, bytes | None] | None: ...
    def quarantine(self, *, limit: int, offset: int) -> tuple[list[IncomingRecord], int]: ...
    def add_referral(self, r: NewReferral) -> int: ...
    def referral(self, referral_id: int) -> ReferralRecord | None: ...
    def referral_by_document(self, sender_org_id: int, document_id: str) -> ReferralRecord | None: ...
    def same_requisites(self, *, sender_org_id: int, protocol_number: str, protocol_date: date | None, patient_key: str) -> ReferralRecord | None: ...
    def decided_paper_twin(self, *, patient_key: str, protocol_number: str | None, protocol_date: date | None) -> str | None: ...
    def queue(self, q: QueueQuery, f: ReferralFilter, *, limit: int, offset: int) -> tuple[list[QueueRow], int]: ...
    def queue_counts(self, f: ReferralFilter) -> dict[str, int]: ...
    def next_registration_number(self, bureau_id: int, year: int) -> int: ...
    def add_case(self, *, number: str, registered_on: date, bureau_id: int, person_id: int | None, state: str, channel: str,
                 purposes: list[str], priority_rank: int, due_invitation: date | None, due_decision: date | None,
                 now: datetime, actor_user_id: int | None, reason: str) -> int: ...
    def set_decided(self, referral_id: int, *, state: ReferralState, now: datetime, by: int | None,
                    registration_number: str, registration_date: date, case_id: int | None) -> bool: ...
    def add_return(self, *, referral_id: int, reasons: list[dict[str, str]], notice: bytes, signature: bytes | None,
                   now: datetime, by: int | None) -> int: ...
    def return_notice(self, referral_id: int) -> tuple[bytes, bytes | None] | None: ...
    def enqueue(self, *, topic: str, aggregate: str, aggregate_id: int, payload: dict[str, Any], now: datetime) -> int: ...
    def outbox_rows(self, *, topic: str | None = None, aggregate_id: int | None = None) -> list[dict[str, Any]]: ...
    def exam_requirements(self) -> list[RequiredExam]: ...
    def replace_exam_requirements(self, rows: list[RequiredExam], *, source: str, now: datetime) -> int: ...
