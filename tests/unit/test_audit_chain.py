"""The audit hash chain names every edited, deleted or truncated event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from mse.domain.audit import GENESIS, AuditEntry, ChainedEntry, chain_hash, verify_chain


def chain(n: int) -> list[ChainedEntry]:
    out, prev = [], GENESIS
    for seq in range(1, n + 1):
        e = AuditEntry(datetime(2026, 1, 1, 10, seq, tzinfo=UTC), 7, "registrar", "registrar", "person.read", "person", str(seq))
        h = chain_hash(seq, prev, e)
        out.append(ChainedEntry(seq, e, prev, h))
        prev = h
    return out


def test_intact_chain_has_no_problems() -> None:
    rows = chain(5)
    assert verify_chain(rows, 5, rows[-1].hash) == (5, [])


def test_edited_event_is_named() -> None:
    rows = chain(5)
    rows[2] = replace(rows[2], entry=replace(rows[2].entry, object_id="999"))
    _, problems = verify_chain(rows, 5, rows[-1].hash)
    assert [(p.seq, p.kind) for p in problems] == [(3, "edited")]


def test_deleted_event_is_named() -> None:
    rows = chain(5)
    del rows[1]
    _, problems = verify_chain(rows, 5, rows[-1].hash)
    assert (2, "deleted") in [(p.seq, p.kind) for p in problems]


def test_truncated_tail_is_detected_from_the_head() -> None:
    rows = chain(5)
    _, problems = verify_chain(rows[:3], 5, rows[-1].hash)
    assert [(p.seq, p.kind) for p in problems] == [(4, "tail_truncated")]


def test_rehashed_forgery_still_breaks_the_next_link() -> None:
    rows = chain(4)
    forged = replace(rows[1].entry, action="person.update")
    rows[1] = replace(rows[1], entry=forged, hash=chain_hash(2, rows[1].prev_hash, forged))
    _, problems = verify_chain(rows, 4, rows[-1].hash)
    assert (3, "edited") in [(p.seq, p.kind) for p in problems]
