"""Recording and verifying the audit trail."""

from __future__ import annotations

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


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    head_seq: int
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(uow: UnitOfWork) -> VerifyReport:
    head_seq, head_hash = uow.audit.head()
    checked, problems = verify_chain(uow.audit.iterate(), head_seq, head_hash)
    return VerifyReport(checked, head_seq, problems)


def browse(uow: UnitOfWork, actor: Actor, query: AuditQuery, clock: Clock, *, limit: int, offset: int) -> tuple[list[ChainedEntry], int]:
    """The auditor's view. Reading the trail is itself recorded (who watched the watchers)."""
    if not allowed(actor, Kind.AUDIT, Action.READ):
        raise Forbidden("Журнал аудита доступен только аудитору")
    rows, total = uow.audit.page(query, limit=limit, offset=offset)
    record(uow, actor, "audit.read", Kind.AUDIT.value, None, clock,
           details={"filters": sorted(k for k, v in vars(query).items() if v), "offset": offset})
    uow.commit()
    return rows, total
