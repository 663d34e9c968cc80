"""Intake storage: received documents, referrals, the registration journal, returns, the outbox."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, delete, false, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from mse.adapters.db.tables import (
    case_history,
    cases,
    exam_requirements,
    incoming_documents,
    medical_orgs,
    org_units,
    outbox,
    referral_returns,
    referrals,
    registration_counters,
)
from mse.domain.errors import Conflict
from mse.domain.organisation import UnitKind
from mse.domain.referrals import Channel, ReferralState
from mse.domain.values import normalize_name
from mse.rules.reference import ExamSection, RequiredExam
from mse.services.intake_ports import IncomingRecord, NewReferral, QueueQuery, QueueRow, ReferralFilter, ReferralRecord

_INCOMING_COLUMNS = [c for c in incoming_documents.c if c.name not in ("body", "signature")]


def _incoming(r: Any) -> IncomingRecord:
    return IncomingRecord(
        id=r.id, received_at=r.received_at, channel=r.channel, content_type=r.content_type, filename=r.filename,
        sender_ogrn=r.sender_ogrn, document_id=r.document_id, size=r.size, body_sha256=r.body_sha256, status=r.status,
        problem_code=r.problem_code, problem_message=r.problem_message, problem_details=r.problem_details,
        signature_sha256=r.signature_sha256)


def _referral_select() -> Select[Any]:
    return (
        select(referrals, medical_orgs.c.name.label("sender_name"), medical_orgs.c.region_code.label("sender_region"),
               org_units.c.short_name.label("bureau_name"), org_units.c.path.label("bureau_path"),
               referral_returns.c.reasons.label("return_reasons"), cases.c.due_invitation, cases.c.due_decision)
        .join(medical_orgs, medical_orgs.c.id == referrals.c.sender_org_id)
        .join(org_units, org_units.c.id == referrals.c.bureau_id)
        .outerjoin(referral_returns, referral_returns.c.referral_id == referrals.c.id)
        .outerjoin(cases, cases.c.id == referrals.c.case_id)
    )


def _referral(r: Any) -> ReferralRecord:
    return ReferralRecord(
        id=r.id, incoming_id=r.incoming_id, sender_org_id=r.sender_org_id, sender_name=r.sender_name, sender_region=r.sender_region,
        document_id=r.document_id, bureau_id=r.bureau_id, bureau_name=r.bureau_name, bureau_path=r.bureau_path, channel=r.channel,
        state=ReferralState(r.state), form_version=r.form_version, data=r.data, patient_name=r.patient_name,
        patient_birth_date=r.patient_birth_date, patient_snils=r.patient_snils, protocol_number=r.protocol_number,
        protocol_date=r.protocol_date, diagnosis_icd=r.diagnosis_icd, priorities=list(r.priorities or []),
        signature_valid=r.signature_valid, signer_subject=r.signer_subject, signer_ogrn=r.signer_ogrn, signing_time=r.signing_time,
        checks=r.checks or {}, received_at=r.received_at, decided_at=r.decided_at, registration_number=r.registration_number,
        registration_date=r.registration_date, case_id=r.case_id, return_reasons=list(r.return_reasons or []),
        due_invitation=r.due_invitation, due_decision=r.due_decision)


class IntakeRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ------------------------------------------------------------ received documents
    def store_incoming(self, *, received_at: datetime, channel: Channel, content_type: str, filename: str | None,
                       sender_ogrn: str | None, sender_org_id: int | None, document_id: str | None, body: bytes,
                       signature: bytes | None, status: str, problem_code: str | None, problem_message: str | None,
                       problem_details: list[dict[str, str]] | None, submitted_by: int | None) -> int:
        new_id: int = self.conn.execute(insert(incoming_documents).values(
            received_at=received_at, channel=channel.value, content_type=content_type[:100], filename=(filename or None) and filename[:300],
            sender_ogrn=sender_ogrn, sender_org_id=sender_org_id, document_id=document_id and document_id[:200], body=body,
            body_sha256=hashlib.sha256(body).hexdigest(), size=len(body), signature=signature,
            signature_sha256=hashlib.sha256(signature).hexdigest() if signature else None, status=status, problem_code=problem_code,
            problem_message=problem_message and problem_message[:2000], problem_details=problem_details, submitted_by=submitted_by,
        )).inserted_primary_key[0]  # type: ignore[index]
        return new_id

    def incoming(self, incoming_id: int) -> IncomingRecord | None:
        r = self.conn.execute(select(*_INCOMING_COLUMNS).where(incoming_documents.c.id == incoming_id)).first()
        return _incoming(r) if r else None

    def incoming_body(self, incoming_id: int) -> tuple[bytes, bytes | None] | None:
        r = self.conn.execute(select(incoming_documents.c.body, incoming_documents.c.signature)
                              .where(incoming_documents.c.id == incoming_id)).first()
        return (bytes(r.body), bytes(r.signature) if r.signature is not None else None) if r else None

    def quarantine(self, *, limit: int, offset: int) -> tuple[list[IncomingRecord], int]:
        where = incoming_documents.c.status == "quarantined"
        total = self.conn.execute(select(func.count()).select_from(incoming_documents).where(where)).scalar_one()
        rows = self.conn.execute(select(*_INCOMING_COLUMNS).where(where)
                                 .order_by(incoming_documents.c.received_at.desc(), incoming_documents.c.id.desc())
                                 .limit(limit).offset(offset)).all()
        return [_incoming(r) for r in rows], total

    # ------------------------------------------------------------ referrals
    def default_bureau_for(self, medical_org_id: int) -> int | None:
        org = self.conn.execute(select(medical_orgs.c.bureau_id, medical_orgs.c.region_code).where(medical_orgs.c.id == medical_org_id)).first()
        if org is None:
            return None
        if org.bureau_id is not None:
            return int(org.bureau_id)
        first = self.conn.execute(select(org_units.c.id).where(org_units.c.kind == UnitKind.BUREAU.value,
                                                               org_units.c.region_code == org.region_code)
                                  .order_by(org_units.c.id).limit(1)).scalar()
        return int(first) if first is not None else None

    def add_referral(self, r: NewReferral) -> int:
        values = dict(r.__dict__)
        values["channel"] = r.channel.value
        values["state"] = r.state.value
        values["patient_surname_key"] = normalize_name(str(r.data.get("patientLastName") or ""))[:100]
        try:
            with self.conn.begin_nested():
                new_id: int = self.conn.execute(insert(referrals).values(**values)).inserted_primary_key[0]  # type: ignore[index]
        except IntegrityError as exc:
            if "document" in str(exc.orig).lower() or "uq_referrals_sender_document" in str(exc.orig):
                raise Conflict("referral_document_exists", "Направление с этим идентификатором документа уже получено") from exc
            raise
        return new_id

    def referral(self, referral_id: int) -> ReferralRecord | None:
        r = self.conn.execute(_referral_select().where(referrals.c.id == referral_id)).first()
        return _referral(r) if r else None

    def referral_by_document(self, sender_org_id: int, document_id: str) -> ReferralRecord | None:
        r = self.conn.execute(_referral_select().where(referrals.c.sender_org_id == sender_org_id,
                                                       referrals.c.document_id == document_id)).first()
        return _referral(r) if r else None

    def same_requisites(self, *, sender_org_id: int, protocol_number: str, protocol_date: date | None, patient_key: str) -> ReferralRecord | None:
        if not protocol_number:
            return None
        r = self.conn.execute(_referral_select().where(
            referrals.c.sender_org_id == sender_org_id, referrals.c.protocol_number == protocol_number,
            referrals.c.protocol_date == protocol_date, referrals.c.patient_key == patient_key,
            referrals.c.state.in_([ReferralState.RECEIVED.value, ReferralState.ACCEPTED.value]),
            # The paper analogue is NA2's business («позднее получение»), not a «дубль документа».
            referrals.c.channel != Channel.PAPER.value,
        ).order_by(referrals.c.id).limit(1)).first()
        return _referral(r) if r else None

    def decided_paper_twin(self, *, patient_key: str, protocol_number: str | None, protocol_date: date | None) -> str | None:
        """A case opened from the paper analogue of this referral (same patient and ВК protocol) that is past its decision."""
        if not protocol_number:
            return None
        r = self.conn.execute(
            select(cases.c.number, cases.c.registered_on, cases.c.state).join(referrals, referrals.c.case_id == cases.c.id).where(
                referrals.c.channel == Channel.PAPER.value, referrals.c.patient_key == patient_key,
                referrals.c.protocol_number == protocol_number, referrals.c.protocol_date == protocol_date,
                cases.c.state.in_(DECIDED_CASE_STATES))
            .limit(1)).first()
        return f"дело № {r.number} от {r.registered_on:%d.%m.%Y}" if r else None

    def queue(self, q: QueueQuery, f: ReferralFilter, *, limit: int, offset: int) -> tuple[list[QueueRow], int]:
        query = self._filtered(select(
            referrals.c.id, referrals.c.state, referrals.c.received_at, medical_orgs.c.name.label("sender_name"),
            medical_orgs.c.region_code.label("sender_region"), org_units.c.short_name.label("bureau_name"), referrals.c.patient_name,
            referrals.c.patient_birth_date, referrals.c.diagnosis_icd, referrals.c.priorities, referrals.c.content_failures,
            referrals.c.signature_valid, referrals.c.registration_number, referrals.c.registration_date, referrals.c.document_id,
            referrals.c.priority_rank,
        ).join(medical_orgs, medical_orgs.c.id == referrals.c.sender_org_id).join(org_units, org_units.c.id == referrals.c.bureau_id), f)
        if q.states:
            query = query.where(referrals.c.state.in_([s.value for s in q.states]))
        if q.sender_org_id is not None:
            query = query.where(referrals.c.sender_org_id == q.sender_org_id)
        if q.registered_from:
            query = query.where(referrals.c.registration_date >= q.registered_from)
        if q.registered_to:
            query = query.where(referrals.c.registration_date <= q.registered_to)
        if q.text and q.text.strip():
            text = q.text.strip()
            digits = "".join(ch for ch in text if ch.isdigit())
            conds = [referrals.c.registration_number == text, referrals.c.document_id == text,
                     referrals.c.patient_surname_key.startswith(normalize_name(text.split()[0]), autoescape=True)]
            if len(digits) == 11:
                conds.append(referrals.c.patient_snils == digits)
            query = query.where(or_(*conds))
        total = self.conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        if q.journal:
            order: list[Any] = [referrals.c.registration_date.desc(), referrals.c.decided_at.desc(), referrals.c.id.desc()]
        else:  # priority first, then the oldest item first (first in, first served)
            order = [referrals.c.priority_rank.desc(), referrals.c.received_at, referrals.c.id]
        rows = self.conn.execute(query.order_by(*order).limit(limit).offset(offset)).all()
        return [QueueRow(id=r.id, state=ReferralState(r.state), received_at=r.received_at, sender_name=r.sender_name,
                         sender_region=r.sender_region, bureau_name=r.bureau_name, patient_name=r.patient_name,
                         patient_birth_date=r.patient_birth_date, diagnosis_icd=r.diagnosis_icd, priorities=list(r.priorities or []),
                         content_failures=r.content_failures, signature_valid=r.signature_valid,
                         registration_number=r.registration_number, registration_date=r.registration_date, document_id=r.document_id)
                for r in rows], total

    def queue_counts(self, f: ReferralFilter) -> dict[str, int]:
        query = self._filtered(select(referrals.c.state, func.count().label("n"))
                               .join(org_units, org_units.c.id == referrals.c.bureau_id), f).group_by(referrals.c.state)
        return {r.state: r.n for r in self.conn.execute(query)}

    @staticmethod
    def _filtered(query: Select[Any], f: ReferralFilter) -> Select[Any]:
        if f.deny_all:
            return query.where(false())
        if f.unit_path_prefix is not None:
            query = query.where(org_units.c.path.startswith(f.unit_path_prefix, autoescape=True))
        if f.sender_org_id is not None:
            query = query.where(referrals.c.sender_org_id == f.sender_org_id)
        return query

    # ------------------------------------------------------------ journal, cases, returns
    def next_registration_number(self, bureau_id: int, year: int) -> int:
        key = and_(registration_counters.c.bureau_id == bureau_id, registration_counters.c.year == year)
        current = self.conn.execute(select(registration_counters.c.last).where(key).with_for_update()).scalar()
        if current is None:
            try:
                with self.conn.begin_nested():
                    self.conn.execute(insert(registration_counters).values(bureau_id=bureau_id, year=year, last=1))
                return 1
            except IntegrityError:  # a concurrent first registration of the year: take the row it made
                current = self.conn.execute(select(registration_counters.c.last).where(key).with_for_update()).scalar_one()
        self.conn.execute(update(registration_counters).where(key).values(last=current + 1))
        return int(current) + 1

    def add_case(self, *, number: str, registered_on: date, bureau_id: int, person_id: int | None, state: str, channel: str,
                 purposes: list[str], priority_rank: int, due_invitation: date | None, due_decision: date | None,
                 now: datetime, actor_user_id: int | None, reason: str) -> int:
        case_id: int = self.conn.execute(insert(cases).values(
            number=number, registered_on=registered_on, bureau_id=bureau_id, person_id=person_id, state=state, channel=channel,
            purposes=purposes, priority_rank=priority_rank, due_invitation=due_invitation, due_decision=due_decision,
            created_at=now, updated_at=now)).inserted_primary_key[0]  # type: ignore[index]
        # The life-cycle's events (domain/case_transitions.py): T08 registered, T09 content check, T10 returned to the МО.
        history = [("registered", None, "registered")] if state == "registered" else [
            ("registered", None, "registered"), ("content_check", "registered", "content_check_started"),
            (state, "content_check", "returned_to_mo")]
        self.conn.execute(insert(case_history), [
            {"case_id": case_id, "at": now, "from_state": prev, "to_state": to, "event": event, "actor_user_id": actor_user_id,
             "reason": reason[:500]}
            for to, prev, event in history])
        return case_id

    def set_decided(self, referral_id: int, *, state: ReferralState, now: datetime, by: int | None,
                    registration_number: str, registration_date: date, case_id: int | None) -> bool:
        result = self.conn.execute(update(referrals).where(referrals.c.id == referral_id,
                                                           referrals.c.state == ReferralState.RECEIVED.value).values(
            state=state.value, decided_at=now, decided_by=by, registration_number=registration_number,
            registration_date=registration_date, case_id=case_id))
        return result.rowcount == 1

    def add_return(self, *, referral_id: int, reasons: list[dict[str, str]], notice: bytes, signature: bytes | None,
                   now: datetime, by: int | None) -> int:
        new_id: int = self.conn.execute(insert(referral_returns).values(
            referral_id=referral_id, reasons=reasons, notice=notice, notice_sha256=hashlib.sha256(notice).hexdigest(),
            signature=signature, created_at=now, created_by=by)).inserted_primary_key[0]  # type: ignore[index]
        return new_id

    def return_notice(self, referral_id: int) -> tuple[bytes, bytes | None] | None:
        r = self.conn.execute(select(referral_returns.c.notice, referral_returns.c.signature)
                              .where(referral_returns.c.referral_id == referral_id)).first()
        return (bytes(r.notice), bytes(r.signature) if r.signature is not None else None) if r else None

    # ------------------------------------------------------------ outbox
    def enqueue(self, *, topic: str, aggregate: str, aggregate_id: int, payload: dict[str, Any], now: datetime) -> int:
        new_id: int = self.conn.execute(insert(outbox).values(
            topic=topic, aggregate=aggregate, aggregate_id=aggregate_id, payload=payload, created_at=now, available_at=now,
            attempts=0, dead=False)).inserted_primary_key[0]  # type: ignore[index]
        return new_id

    def outbox_rows(self, *, topic: str | None = None, aggregate_id: int | None = None) -> list[dict[str, Any]]:
        q = select(outbox).order_by(outbox.c.id)
        if topic:
            q = q.where(outbox.c.topic == topic)
        if aggregate_id is not None:
            q = q.where(outbox.c.aggregate_id == aggregate_id)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    # ------------------------------------------------------------ 402н/631н examination list
    def exam_requirements(self) -> list[RequiredExam]:
        rows = self.conn.execute(select(exam_requirements).order_by(exam_requirements.c.id)).all()
        return [RequiredExam(icd_ranges=r.icd_ranges, code=r.code, name=r.name, basic=r.basic, section=ExamSection(r.section),
                             valid_from=r.valid_from, valid_to=r.valid_to) for r in rows]

    def replace_exam_requirements(self, rows: list[RequiredExam], *, source: str, now: datetime) -> int:
        self.conn.execute(delete(exam_requirements))
        if rows:
            self.conn.execute(insert(exam_requirements), [
                {"icd_ranges": e.icd_ranges, "code": e.code, "name": e.name, "basic": e.basic, "section": e.section.value,
                 "valid_from": e.valid_from, "valid_to": e.valid_to, "source": source[:300], "loaded_at": now} for e in rows])
        return len(rows)


# Case states past the decision (process.md §3.3); the life-cycle of issue 6 adds the rest of the machine.
DECIDED_CASE_STATES = ("decided", "documents_issuing", "completed", "under_appeal", "under_control", "superseded")
