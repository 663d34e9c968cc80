"""Audit events and their hash chain (append-only; 152-ФЗ ст.19, ПП 1119 — учёт доступа к ПДн).

Each event stores `prev_hash` and `hash = SHA-256(prev_hash || canonical JSON of the event)`.
`seq` is dense (assigned under the chain-head lock), so a deleted row leaves a gap, an edited row
breaks its own hash, and a truncated tail disagrees with the chain head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """What happened; no personal-data values, only ids and field names."""

    at: datetime
    actor_user_id: int | None
    actor_login: str
    actor_role: str
    action: str  # e.g. person.read, person.create, session.login, audit.read
    object_kind: str
    object_id: str | None
    ip: str | None = None
    reason: str | None = None
    details: dict[str, Any] | None = None


@dataclass(frozen=True)
class ChainedEntry:
    seq: int
    entry: AuditEntry
    prev_hash: str
    hash: str


def canonical(entry: AuditEntry) -> bytes:
    body = {
        "at": entry.at.isoformat(),
        "actor_user_id": entry.actor_user_id,
        "actor_login": entry.actor_login,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "object_kind": entry.object_kind,
        "object_id": entry.object_id,
        "ip": entry.ip,
        "reason": entry.reason,
        "details": entry.details or {},
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def chain_hash(seq: int, prev_hash: str, entry: AuditEntry) -> str:
    h = hashlib.sha256()
    h.update(f"{seq}:{prev_hash}:".encode())
    h.update(canonical(entry))
    return h.hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str  # edited | deleted | reordered | tail_truncated
    message: str


def verify_chain(rows: Iterable[ChainedEntry], head_seq: int, head_hash: str) -> tuple[int, list[ChainProblem]]:
    """Walk the chain in seq order; returns (rows checked, problems naming each bad event)."""
    problems: list[ChainProblem] = []
    expected_seq, prev = 1, GENESIS
    count = 0
    for row in rows:
        count += 1
        if row.seq > expected_seq:
            missing = f"№{expected_seq}" if row.seq == expected_seq + 1 else f"№{expected_seq}–{row.seq - 1}"
            problems.append(ChainProblem(expected_seq, "deleted", f"Удалены события {missing}"))
        elif row.seq < expected_seq:
            problems.append(ChainProblem(row.seq, "reordered", f"Событие №{row.seq} повторяется или нарушен порядок"))
        if row.prev_hash != prev and row.seq == expected_seq:
            problems.append(ChainProblem(row.seq, "edited", f"Событие №{row.seq}: ссылка на предыдущее событие не совпадает"))
        if chain_hash(row.seq, row.prev_hash, row.entry) != row.hash:
            problems.append(ChainProblem(row.seq, "edited", f"Событие №{row.seq} изменено после записи (хэш не совпадает)"))
        expected_seq, prev = row.seq + 1, row.hash
    if head_seq >= expected_seq:
        problems.append(ChainProblem(expected_seq, "tail_truncated", f"Удалены последние события №{expected_seq}–{head_seq}"))
    elif head_seq and head_hash != prev:
        problems.append(ChainProblem(head_seq, "edited", f"Событие №{head_seq} не совпадает с заголовком цепочки"))
    return count, problems
