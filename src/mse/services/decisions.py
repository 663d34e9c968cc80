"""Use cases of the expert decision: the suggestion beside the protocol, the specialists' votes (each vote is their
signature of the protocol), escalation on a tie, and the head's signature that issues the documents and sends the
results out.

Flow (389н прил.2 п.17–18; АР п.50): specialists vote for or against the decision written in the protocol's items
78–102 while signing it; a decision that departs from the suggestion needs a written justification in item 102
before the first signature freezes the content; the head signs last — only a decision the majority supports — and
that signature takes the snapshot, builds every document from it, signs each with the head's key, stores them with
their hashes and writes the outbox messages with their legal terms, all in one transaction.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from mse.domain.canonical import canonical_json
from mse.domain.case_model import CaseFacts, State
from mse.domain.decisions import (
    CastVote,
    DecisionPolicy,
    DecisionRecord,
    DecisionStatus,
    Majority,
    Vote,
    check_may_escalate,
    check_may_issue,
    check_vote,
    tally,
)
from mse.domain.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from mse.domain.identity import Actor, Role
from mse.domain.policy import Action
from mse.domain.ports import Clock
from mse.domain.protocols import SPECIALIST_ROLES, ProtocolRecord, ProtocolStatus
from mse.domain.signatures import StaffKeys
from mse.forms.validate import IcdLookup
from mse.rules.deadlines import result_routes
from mse.services import audit
from mse.services.cases import transition_in
from mse.services.decision_ports import DocumentBuilder, IssuedDocument, NewDecision, NewDocument, RenderedDocument
from mse.services.decision_snapshot import (
    BureauFacts,
    HeadFacts,
    build_snapshot,
    decision_date,
    is_disability,
    is_military,
)
from mse.services.decision_support_bridge import Suggested, suggest
from mse.services.ports import UnitOfWork
from mse.services.protocols import access_protocol, content_digest, schema_of, sign_in

UowFactory = Callable[[], UnitOfWork]
POLICY = DecisionPolicy()
DOC_NOT_FOUND = "Документ не найден или у вас нет доступа к нему"


@dataclass(frozen=True)
class Panel:
    """What the decision panel beside the protocol shows."""

    record: ProtocolRecord
    suggested: Suggested
    decision: DecisionRecord | None
    majority: Majority
    documents: list[IssuedDocument] = field(default_factory=list)

    @property
    def may_vote(self) -> bool:
        return self.record.status is not ProtocolStatus.SIGNED and (self.decision is None
                                                                    or self.decision.status is DecisionStatus.VOTING)


def _protocol_of_case(uow: UnitOfWork, actor: Actor, case_id: int, clock: Clock, action: Action) -> ProtocolRecord:
    protocol = uow.protocols.by_case(case_id)
    if protocol is None:
        raise NotFound("protocol", "Протокол по этому делу ещё не открыт")
    return access_protocol(uow, actor, protocol.id, clock, action)


def panel(uow_factory: UowFactory, actor: Actor, case_id: int, clock: Clock) -> Panel:
    with uow_factory() as uow:
        record = _protocol_of_case(uow, actor, case_id, clock, Action.READ)
        decision = uow.decisions.by_case(case_id)
        suggested = suggest(uow, record, today=clock.today())
        documents = uow.decisions.documents(case_id)
        audit.record(uow, actor, "decision.read", "case", case_id, clock)
        uow.commit()
    return Panel(record, suggested, decision, tally(decision.votes) if decision else Majority.NONE, documents)


def _require_justification(suggested: Suggested, decision: DecisionRecord | None, reason: str | None) -> str | None:
    """A decision that departs from the suggestion is justified in writing (389н п.15(13), item 102: «обоснование
    экспертного решения»): the first vote states why the panel departs; it goes into the act and the snapshot."""
    if not suggested.departures:
        return None
    if decision is not None and decision.departure_reason:
        return decision.departure_reason
    text = (reason or "").strip()
    if len(text) < 10:
        raise ValidationFailed(
            [FieldProblem("departure_reason", "Решение отличается от расчёта по классификациям и критериям ("
                          + "; ".join(suggested.departures) + "): изложите обоснование отступления (к пункту 102)",
                          "departure_reason")],
            "Решение расходится с расчётом: нужно письменное обоснование (пункт 102)",
        )
    return text


def vote(uow_factory: UowFactory, actor: Actor, case_id: int, *, choice: Vote, opinion: str | None, position: str,
         keys: StaffKeys, clock: Clock, icd_exists: IcdLookup | None = None, departure_reason: str | None = None) -> DecisionRecord:
    """A specialist who conducted the MSE votes and signs the protocol in one step (АР п.50; 389н прил.2 п.18)."""
    if actor.role not in SPECIALIST_ROLES:
        raise Forbidden("Голосуют специалисты, проводившие медико-социальную экспертизу; руководитель подписывает решение последним")
    with uow_factory() as uow:
        record = _protocol_of_case(uow, actor, case_id, clock, Action.UPDATE)
        decision = uow.decisions.by_case(case_id)
        if decision is not None and decision.status is not DecisionStatus.VOTING:
            raise Conflict("decision_not_voting", "Голосование по этому делу закрыто")
        check_vote(decision.votes if decision else (), actor.user_id, choice, opinion)
        # The signature's own checks (a complete, consistent protocol) come first; nothing is written unless all pass.
        sign_in(uow, actor, record, position=position, keys=keys, clock=clock, icd_exists=icd_exists)
        suggested = suggest(uow, record, today=clock.today())
        reason = _require_justification(suggested, decision, departure_reason)
        now = clock.now()
        if decision is None:
            decision_id = uow.decisions.add(NewDecision(
                case_id=case_id, protocol_id=record.id, ruleset=suggested.ruleset,
                decision_date=decision_date(record.data, clock.today()), suggestion=suggested.suggestion,
                outcome=suggested.outcome, departs=bool(suggested.departures), departure_reason=reason, now=now,
                user_id=actor.user_id))
        else:
            decision_id = decision.id
        uow.decisions.add_vote(decision_id, CastVote(user_id=actor.user_id, full_name=actor.display_name, role=actor.role.value,
                                                     vote=choice, opinion=(opinion or "").strip() or None, voted_at=now))
        audit.record(uow, actor, "decision.vote", "case", case_id, clock, details={"vote": choice.value})
        uow.commit()
        saved = uow.decisions.get(decision_id)
    assert saved is not None
    return saved


def escalate(uow_factory: UowFactory, actor: Actor, case_id: int, clock: Clock) -> DecisionRecord:
    """A tie is not a decision: the head passes the case to the main bureau (policy where the seeds are silent)."""
    if actor.role is not Role.HEAD:
        raise Forbidden("Передать дело в главное бюро может руководитель бюро")
    with uow_factory() as uow:
        _protocol_of_case(uow, actor, case_id, clock, Action.UPDATE)
        decision = uow.decisions.by_case(case_id)
        if decision is None:
            raise Conflict("decision_no_votes", "Специалисты ещё не голосовали")
        check_may_escalate(decision.status, decision.votes)
        if not uow.decisions.update(decision.id, expected_revision=decision.revision, now=clock.now(),
                                    status=DecisionStatus.ESCALATED):
            raise Conflict("decision_revision_conflict", "Решение изменилось: обновите страницу")
        audit.record(uow, actor, "decision.escalate", "case", case_id, clock, details={"policy": POLICY.tie_resolution})
        uow.commit()
        saved = uow.decisions.get(decision.id)
    assert saved is not None
    return saved


@dataclass(frozen=True)
class _Prepared:
    record: ProtocolRecord
    decision: DecisionRecord
    snapshot: bytes
    documents: Sequence[RenderedDocument]


def _bureau(uow: UnitOfWork, bureau_id: int) -> BureauFacts:
    unit = uow.orgs.get_unit(bureau_id)
    assert unit is not None
    parent = uow.orgs.get_unit(unit.parent_id) if unit.parent_id else None
    region = uow.orgs.region(unit.region_code) if unit.region_code else None
    return BureauFacts(name=unit.name, short_name=unit.short_name, parent=parent.name if parent else None,
                       region=region.name if region else None, address=unit.address)


def _prepare(uow_factory: UowFactory, actor: Actor, case_id: int, *, position: str, clock: Clock,
             build: DocumentBuilder) -> _Prepared:
    """Read and render outside the write transaction: rendering PDFs must not hold the database lock."""
    with uow_factory() as uow:
        record = _protocol_of_case(uow, actor, case_id, clock, Action.UPDATE)
        if record.status is not ProtocolStatus.SIGNING:
            raise Conflict("protocol_not_ready_for_head", "Руководитель подписывает протокол после голосования специалистов")
        decision = uow.decisions.by_case(case_id)
        if decision is None:
            raise Conflict("decision_no_votes", "Специалисты, проводившие медико-социальную экспертизу, ещё не проголосовали")
        check_may_issue(decision.status, decision.votes, POLICY)
        case = uow.protocols.case_context(case_id)
        assert case is not None
        bureau = _bureau(uow, case.bureau_id)
        suggested = suggest(uow, record, today=clock.today())
        uow.commit()  # the audit of the read
    _, protocol_sha256 = content_digest(record)
    snapshot = canonical_json(build_snapshot(
        record=record, schema=schema_of(record), protocol_sha256=protocol_sha256, case_number=case.number, bureau=bureau,
        head=HeadFacts(actor.display_name, position), votes=decision.votes, suggestion=suggested.suggestion,
        ruleset=suggested.ruleset, ruleset_title=suggested.ruleset_title, departs=decision.departs,
        departure_reason=decision.departure_reason, issued_on=clock.today(),
    ))
    return _Prepared(record, decision, snapshot, build(snapshot))


def _payload(case_id: int, snapshot_sha256: str, docs: Mapping[tuple[str, str], tuple[RenderedDocument, int, str]],
             wanted: tuple[tuple[str, str], ...]) -> dict[str, object]:
    return {"case_id": case_id, "snapshot_sha256": snapshot_sha256, "documents": [
        {"id": doc_id, "kind": doc.kind, "format": doc.format, "title": doc.title, "media_type": doc.media_type,
         "filename": doc.filename, "sha256": sha, "content_base64": base64.b64encode(doc.content).decode()}
        for key in wanted if key in docs for doc, doc_id, sha in [docs[key]]
    ]}


def issue(uow_factory: UowFactory, actor: Actor, case_id: int, *, position: str, keys: StaffKeys, clock: Clock,
          build: DocumentBuilder, icd_exists: IcdLookup | None = None) -> DecisionRecord:
    """The head signs last: protocol final, documents issued and signed, results queued with their terms."""
    if actor.role is not Role.HEAD:
        raise Forbidden("Решение подписывает руководитель бюро (389н прил.2 п.17)")
    prepared = _prepare(uow_factory, actor, case_id, position=position, clock=clock, build=build)
    snapshot_sha256 = hashlib.sha256(prepared.snapshot).hexdigest()
    signer = keys.signer_for(str(actor.user_id), actor.display_name)
    # Sign before the write transaction: a signature per document (openssl, ~10–15 ms each) must not keep the case's rows
    # locked and a pooled connection idle in a transaction (on SQLite: the only write lock of the database). If the
    # transaction then refuses (a concurrent change), the signatures are dropped with the rest (P11, issue 7).
    signatures = [signer.sign(doc.content) for doc in prepared.documents]
    with uow_factory() as uow:
        record = _protocol_of_case(uow, actor, case_id, clock, Action.UPDATE)
        decision = uow.decisions.by_case(case_id)
        if record.revision != prepared.record.revision or decision is None or decision.revision != prepared.decision.revision:
            raise Conflict("decision_revision_conflict", "Протокол или голосование изменились во время подписания: повторите")
        sign_in(uow, actor, record, position=position, keys=keys, clock=clock, icd_exists=icd_exists)
        now = clock.now()
        if not uow.decisions.update(decision.id, expected_revision=decision.revision, now=now, status=DecisionStatus.ISSUED,
                                    snapshot=prepared.snapshot, snapshot_sha256=snapshot_sha256):
            raise Conflict("decision_revision_conflict", "Решение изменилось во время подписания: повторите")
        stored: dict[tuple[str, str], tuple[RenderedDocument, int, str]] = {}
        for doc, signature in zip(prepared.documents, signatures, strict=True):
            sha = hashlib.sha256(doc.content).hexdigest()
            doc_id = uow.decisions.add_document(NewDocument(
                case_id=case_id, decision_id=decision.id, kind=doc.kind, format=doc.format, media_type=doc.media_type,
                filename=doc.filename, content=doc.content, sha256=sha, snapshot_sha256=snapshot_sha256,
                signature=signature, signed_by=actor.user_id, now=now))
            stored[(doc.kind, doc.format)] = (doc, doc_id, sha)
        decided = decision_date(record.data, clock.today())
        for route in result_routes(decided, disability=is_disability(record.data), military=is_military(record.data)):
            uow.outbox.enqueue(topic=route.topic, aggregate="case", aggregate_id=case_id, now=now, recipient=route.recipient,
                               due_on=route.due(decided), deadline=route.explain(decided),
                               payload=_payload(case_id, snapshot_sha256, stored, route.documents))
        _advance_case(uow, actor, case_id, clock)
        audit.record(uow, actor, "decision.issue", "case", case_id, clock,
                     details={"snapshot_sha256": snapshot_sha256, "documents": len(stored)})
        uow.commit()
        saved = uow.decisions.get(decision.id)
    assert saved is not None
    return saved


def _advance_case(uow: UnitOfWork, actor: Actor, case_id: int, clock: Clock) -> None:
    """T23 «решение принято» and T24 «оформление документов» in the same transaction — when the case is in the
    expertise (the session was opened, T16). A case whose protocol was filled without an opened session (the session
    step is not yet enforced before the protocol) keeps its state; its card shows what may follow."""
    case = uow.cases.get(case_id)
    if case is None or case.state != State.IN_EXPERTISE.value:
        return
    transition_in(uow, actor, case_id, "decision_adopted", clock, facts=CaseFacts(majority_reached=True, citizen_present=True))
    transition_in(uow, actor, case_id, "documents_issuing", clock)


def _access_case(uow: UnitOfWork, actor: Actor, case_id: int, clock: Clock) -> None:
    _protocol_of_case(uow, actor, case_id, clock, Action.READ)


def document(uow_factory: UowFactory, actor: Actor, document_id: int, clock: Clock) -> tuple[IssuedDocument, bytes, bytes | None]:
    """One issued document's exact bytes and the head's signature (a read of personal data: audited)."""
    with uow_factory() as uow:
        found = uow.decisions.document(document_id)
        if found is None:
            raise NotFound("document", DOC_NOT_FOUND)
        try:
            _access_case(uow, actor, found[0].case_id, clock)
        except NotFound:
            raise NotFound("document", DOC_NOT_FOUND) from None
        audit.record(uow, actor, "document.read", "document", document_id, clock, details={"kind": found[0].kind})
        uow.commit()
    return found


def reproduce(uow_factory: UowFactory, actor: Actor, document_id: int, clock: Clock, build: DocumentBuilder) -> bool:
    """Rebuild a document from the stored snapshot and compare bytes with what was issued."""
    meta, content, _ = document(uow_factory, actor, document_id, clock)
    with uow_factory() as uow:
        snapshot = uow.decisions.snapshot(meta.decision_id)
    if snapshot is None:
        return False
    rebuilt = {(d.kind, d.format): d.content for d in build(snapshot)}
    return rebuilt.get((meta.kind, meta.format)) == content
