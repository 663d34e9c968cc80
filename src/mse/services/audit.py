"""Recording, sealing and verifying the audit trail.

Recording writes an event in the caller's transaction; sealing chains the recorded events later, in batches, under
the chain head (issue 7, P11; docs/adr/0005-deferred-audit-chaining.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mse.domain.audit import AuditEntry, ChainedEntry, ChainProblem, verify_chain
from mse.domain.errors import Forbidden
from mse.domain.identity import Actor
from mse.domain.policy import Action, Kind, allowed
from mse.domain.ports import Clock
from mse.services.ports import AuditQuery, UnitOfWork


def record(uow: UnitOfWork, actor: Actor, action: str, kind: str, object_id: object | None, clock: Clock, *,
           reason: str | None = None, details: dict[str, Any] | None = None) -> None:
    """Append one event in the caller's transaction: it commits (or not) with the change it records."""
    uow.audit.append(AuditEntry(
        at=clock.now(), actor_user_id=actor.user_id or None, actor_login=actor.login, actor_role=actor.role.value,
        action=action, object_kind=kind, object_id=None if object_id is None else str(object_id),
        ip=actor.ip, reason=reason, details=details,
    ))


SEAL_BATCH = 1000


def seal(uow: UnitOfWork, *, limit: int = SEAL_BATCH) -> int:
    """One pass of the sealer: chain the oldest `limit` pending events, in one transaction; returns how many."""
    n = uow.audit.seal(limit)
    uow.commit()
    return n


def seal_pending(uow_factory: Callable[[], UnitOfWork], *, batch: int = SEAL_BATCH) -> int:
    """Chain everything pending, a batch per transaction (the head is held for one batch at a time, not the backlog)."""
    total = 0
    while True:
        with uow_factory() as uow:
            n = seal(uow, limit=batch)
        total += n
        if n < batch:
            return total


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    head_seq: int
    problems: list[ChainProblem]
    pending: int = 0  # events recorded but not yet chained when the check began (chained by it before the walk)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(uow: UnitOfWork) -> VerifyReport:
    """Walk the whole chain. Pending events are chained first (`head` seals, and that is committed), so every event
    committed before the check is checked; the walk stops at the head it read (events chained meanwhile are not
    mistaken for a broken tail)."""
    pending = uow.audit.pending()
    head_seq, head_hash = uow.audit.head()
    uow.commit()  # keep what was sealed and free the head: the sealer need not wait for the walk of the whole chain
    checked, problems = verify_chain(uow.audit.iterate(through=head_seq), head_seq, head_hash)
    return VerifyReport(checked, head_seq, problems, pending)


def browse(uow: UnitOfWork, actor: Actor, query: AuditQuery, clock: Clock, *, limit: int, offset: int) -> tuple[list[ChainedEntry], int]:
    """The auditor's view. Reading the trail is itself recorded (who watched the watchers)."""
    if not allowed(actor, Kind.AUDIT, Action.READ):
        raise Forbidden("Журнал аудита доступен только аудитору")
    rows, total = uow.audit.page(query, limit=limit, offset=offset)
    record(uow, actor, "audit.read", Kind.AUDIT.value, None, clock,
           details={"filters": sorted(k for k, v in vars(query).items() if v), "offset": offset})
    uow.commit()
    return rows, total
