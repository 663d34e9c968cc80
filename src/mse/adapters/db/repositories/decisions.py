"""Decision storage: the decision of a case, the specialists' votes, the issued documents with their bytes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from mse.adapters.db.tables import decision_votes, decisions, issued_documents
from mse.domain.decisions import CastVote, DecisionRecord, DecisionStatus, Vote
from mse.services.decision_ports import IssuedDocument, NewDecision, NewDocument


class DecisionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _votes(self, decision_id: int) -> tuple[CastVote, ...]:
        q = select(decision_votes).where(decision_votes.c.decision_id == decision_id).order_by(decision_votes.c.id)
        return tuple(CastVote(user_id=r.user_id, full_name=r.full_name, role=r.role, vote=Vote(r.vote), opinion=r.opinion,
                              voted_at=r.voted_at) for r in self.conn.execute(q))

    def _record(self, r: Row[Any] | None) -> DecisionRecord | None:
        if r is None:
            return None
        return DecisionRecord(
            id=r.id, case_id=r.case_id, protocol_id=r.protocol_id, status=DecisionStatus(r.status), ruleset=r.ruleset,
            decision_date=r.decision_date, suggestion=dict(r.suggestion), outcome=dict(r.outcome), departs=r.departs,
            departure_reason=r.departure_reason, revision=r.revision, votes=self._votes(r.id), snapshot_sha256=r.snapshot_sha256,
        )

    def by_case(self, case_id: int) -> DecisionRecord | None:
        return self._record(self.conn.execute(select(decisions).where(decisions.c.case_id == case_id)).first())

    def get(self, decision_id: int) -> DecisionRecord | None:
        return self._record(self.conn.execute(select(decisions).where(decisions.c.id == decision_id)).first())

    def add(self, new: NewDecision) -> int:
        res = self.conn.execute(insert(decisions).values(
            case_id=new.case_id, protocol_id=new.protocol_id, status=DecisionStatus.VOTING.value, ruleset=new.ruleset,
            decision_date=new.decision_date, suggestion=new.suggestion, outcome=new.outcome, departs=new.departs,
            departure_reason=new.departure_reason, revision=1, created_at=new.now, created_by=new.user_id or None,
            updated_at=new.now,
        ))
        return int(res.inserted_primary_key[0])  # type: ignore[index]

    def update(self, decision_id: int, *, expected_revision: int, now: datetime, status: DecisionStatus | None = None,
               suggestion: dict[str, object] | None = None, outcome: dict[str, object] | None = None,
               departs: bool | None = None, departure_reason: str | None = None,
               snapshot: bytes | None = None, snapshot_sha256: str | None = None) -> bool:
        values: dict[str, Any] = {"revision": expected_revision + 1, "updated_at": now}
        for name, value in (("suggestion", suggestion), ("outcome", outcome), ("departs", departs),
                            ("departure_reason", departure_reason), ("snapshot", snapshot), ("snapshot_sha256", snapshot_sha256)):
            if value is not None:
                values[name] = value
        if status is not None:
            values["status"] = status.value
        res = self.conn.execute(update(decisions).where(decisions.c.id == decision_id,
                                                        decisions.c.revision == expected_revision).values(**values))
        return res.rowcount == 1

    def add_vote(self, decision_id: int, vote: CastVote) -> None:
        self.conn.execute(insert(decision_votes).values(
            decision_id=decision_id, user_id=vote.user_id, full_name=vote.full_name, role=vote.role, vote=vote.vote.value,
            opinion=vote.opinion, voted_at=vote.voted_at,
        ))

    def snapshot(self, decision_id: int) -> bytes | None:
        value = self.conn.execute(select(decisions.c.snapshot).where(decisions.c.id == decision_id)).scalar_one_or_none()
        return bytes(value) if value is not None else None

    def add_document(self, new: NewDocument) -> int:
        res = self.conn.execute(insert(issued_documents).values(
            case_id=new.case_id, decision_id=new.decision_id, kind=new.kind, format=new.format, media_type=new.media_type,
            filename=new.filename, content=new.content, sha256=new.sha256, snapshot_sha256=new.snapshot_sha256,
            signature=new.signature, signed_by=new.signed_by, created_at=new.now,
        ))
        return int(res.inserted_primary_key[0])  # type: ignore[index]

    @staticmethod
    def _meta(r: Row[Any]) -> IssuedDocument:
        return IssuedDocument(id=r.id, case_id=r.case_id, decision_id=r.decision_id, kind=r.kind, format=r.format,
                              media_type=r.media_type, filename=r.filename, sha256=r.sha256, snapshot_sha256=r.snapshot_sha256,
                              signed_by=r.signed_by, created_at=r.created_at)

    _META_COLUMNS = tuple(c for c in issued_documents.c if c.name not in ("content", "signature"))

    def documents(self, case_id: int) -> list[IssuedDocument]:
        q = select(*self._META_COLUMNS).where(issued_documents.c.case_id == case_id).order_by(issued_documents.c.id)
        return [self._meta(r) for r in self.conn.execute(q)]

    def document(self, document_id: int) -> tuple[IssuedDocument, bytes, bytes | None] | None:
        r = self.conn.execute(select(issued_documents).where(issued_documents.c.id == document_id)).first()
        if r is None:
            return None
        return self._meta(r), bytes(r.content), bytes(r.signature) if r.signature is not None else None
