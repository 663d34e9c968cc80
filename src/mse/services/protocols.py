"""Use cases of the protocol of MSE (389н): open (with prefill), autosave drafts, check, sign.

Every read and write of a protocol is audited (it holds personal and health data); every saved
edit is kept as a change (who, when, which items, before/after); from the first signature on the
content is frozen and every signature covers the same canonical JSON (389н прил.2 п.2, п.18).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from mse.domain.canonical import canonical_json
from mse.domain.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from mse.domain.identity import Actor
from mse.domain.people import Person
from mse.domain.policy import Action, Kind, Scope, allowed
from mse.domain.ports import Clock
from mse.domain.protocols import (
    ProtocolChange,
    ProtocolRecord,
    ProtocolSignature,
    apply_changes,
    changes_between,
    check_may_sign,
    ensure_editable,
    signer_role_for,
    status_after_signature,
)
from mse.domain.signatures import StaffKeys
from mse.forms import FormSchema, form_in_force, load_form, validate_document
from mse.forms.conditions import compute_facts
from mse.forms.prefill import prefill, prefill_rules
from mse.forms.validate import FORMAT_CODES, IcdLookup
from mse.rules.protocol_checks import Finding, check_protocol
from mse.services import audit
from mse.services.ports import UnitOfWork
from mse.services.protocol_ports import CaseContext, NewProtocol, WorkRow

FORM = "protocol-389n"
NOT_FOUND = "Протокол не найден или у вас нет доступа к нему"
CASE_NOT_FOUND = "Дело не найдено или у вас нет доступа к нему"

UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class Checked:
    """The full check run before signing: structural problems, and findings of the cross-item rules."""

    problems: list[FieldProblem]
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ready(self) -> bool:
        return not self.problems and not self.errors


@dataclass(frozen=True)
class Saved:
    record: ProtocolRecord
    problems: list[FieldProblem]  # what the draft check still reports (not blocking a draft)
    cleared: list[str]  # items emptied because a choice made them not applicable


def schema_of(record: ProtocolRecord) -> FormSchema:
    return load_form(record.form, record.form_version)


def _scope(unit_path: str) -> Scope:
    return Scope(unit_path=unit_path)


def _case(uow: UnitOfWork, actor: Actor, case_id: int, clock: Clock, action: Action) -> CaseContext:
    case = uow.protocols.case_context(case_id)
    if case is None:
        raise NotFound("case", CASE_NOT_FOUND)
    if not allowed(actor, Kind.PROTOCOL, action, _scope(case.unit_path)):
        audit.record(uow, actor, f"protocol.{action.value}.denied", "case", case_id, clock)
        uow.commit()
        raise NotFound("case", CASE_NOT_FOUND)
    return case


def access_protocol(uow: UnitOfWork, actor: Actor, protocol_id: int, clock: Clock, action: Action = Action.READ) -> ProtocolRecord:
    record = uow.protocols.get(protocol_id)
    if record is None:
        raise NotFound("protocol", NOT_FOUND)
    if not allowed(actor, Kind.PROTOCOL, action, _scope(record.unit_path)):
        audit.record(uow, actor, f"protocol.{action.value}.denied", Kind.PROTOCOL.value, protocol_id, clock)
        uow.commit()
        raise NotFound("protocol", NOT_FOUND)
    if action is Action.READ:
        audit.record(uow, actor, "protocol.read", Kind.PROTOCOL.value, protocol_id, clock)
    return record


def work_list(uow: UnitOfWork, actor: Actor, clock: Clock, *, limit: int, offset: int) -> tuple[list[WorkRow], int]:
    """The registered cases of the actor's part of the tree with their protocol's state (names: audited as a list read)."""
    if not actor.scope_path:
        return [], 0
    rows, total = uow.protocols.work_list(unit_path_prefix=actor.scope_path, limit=limit, offset=offset)
    audit.record(uow, actor, "protocol.list", Kind.PROTOCOL.value, None, clock, details={"count": len(rows), "offset": offset})
    return rows, total


def open_for_case(uow_factory: UowFactory, actor: Actor, case_id: int, clock: Clock) -> ProtocolRecord:
    """The case's protocol; the first opening creates it, prefilled from the case, referral and person."""
    with uow_factory() as uow:
        case = _case(uow, actor, case_id, clock, Action.READ)
        existing = uow.protocols.by_case(case_id)
        if existing is not None:
            audit.record(uow, actor, "protocol.read", Kind.PROTOCOL.value, existing.id, clock)
            uow.commit()
            return existing
        _case(uow, actor, case_id, clock, Action.UPDATE)
        schema = form_in_force(FORM, case.registered_on)
        person = uow.people.get(case.person_id) if case.person_id else None
        data, origin = prefill(prefill_rules(FORM), _sources(case, person[0] if person else None))
        data, _ = _applicable(schema, data)
        origin = {k: v for k, v in origin.items() if k in data}
        protocol_id = uow.protocols.add(NewProtocol(
            case_id=case_id, form=schema.form, form_version=schema.version, data=data, prefilled=origin,
            now=clock.now(), user_id=actor.user_id,
        ))
        audit.record(uow, actor, "protocol.create", Kind.PROTOCOL.value, protocol_id, clock,
                     details={"case_id": case_id, "prefilled": sorted(origin)})
        uow.commit()
        created = uow.protocols.get(protocol_id)
    assert created is not None
    return created


def _sources(case: CaseContext, person: Person | None) -> dict[str, Mapping[str, object]]:
    sources: dict[str, Mapping[str, object]] = {
        "case": {"number": case.number, "registered_on": case.registered_on.isoformat(), "bureau_name": case.bureau_name},
        "referral": case.referral_data or {},
    }
    if person is not None:
        d = person.data
        sources["person"] = {
            "surname": d.full_name.surname, "name": d.full_name.name, "patronymic": d.full_name.patronymic,
            "birth_date": d.birth_date.isoformat(), "sex": d.sex.value, "citizenship": d.citizenship.value,
            "snils": d.snils.formatted if d.snils else None, "homeless": d.homeless or None,
            "phone_home": d.contacts.phone_home, "phone_mobile": d.contacts.phone_mobile, "email": d.contacts.email,
        }
    return sources


def _applicable(schema: FormSchema, data: dict[str, object]) -> tuple[dict[str, object], list[str]]:
    """Drops values of items a choice made not applicable (the procedure says they stay empty)."""
    facts = compute_facts(schema.facts, data)
    cleared = [it.key for it in schema.items()
               if it.key in data and it.shown_if is not None and not it.shown_if.holds(data, facts)]
    return {k: v for k, v in data.items() if k not in cleared}, cleared


def save_draft(uow_factory: UowFactory, actor: Actor, protocol_id: int, changes: Mapping[str, object], *,
               expected_revision: int, clock: Clock) -> Saved:
    """Autosave: applies the changed items; unreadable values are refused (nothing saved), the rest kept."""
    with uow_factory() as uow:
        record = access_protocol(uow, actor, protocol_id, clock, Action.UPDATE)
        ensure_editable(record)
        if record.revision != expected_revision:
            raise Conflict("protocol_revision_conflict",
                           "Протокол изменён другим пользователем или в другой вкладке: обновите страницу, ваши изменения не сохранены")
        schema = schema_of(record)
        data, cleared = _applicable(schema, apply_changes(record.data, changes))
        problems = validate_document(schema, data, check_required=False)
        unreadable = [p for p in problems if p.code in FORMAT_CODES]
        if unreadable:
            raise ValidationFailed(unreadable, "Изменения не сохранены: исправьте отмеченные пункты")
        before, after = changes_between(record.data, data)
        if not before and not after:
            return Saved(record, problems, cleared)
        now = clock.now()
        if not uow.protocols.save(protocol_id, data=data, expected_revision=record.revision, now=now, user_id=actor.user_id):
            raise Conflict("protocol_revision_conflict", "Протокол изменён другим пользователем: обновите страницу")
        uow.protocols.add_change(protocol_id, ProtocolChange(
            revision=record.revision + 1, at=now, user_id=actor.user_id, user_name=actor.display_name,
            keys=tuple(after), before=before, after=after))
        audit.record(uow, actor, "protocol.update", Kind.PROTOCOL.value, protocol_id, clock, details={"items": sorted(after)})
        uow.commit()
    # What was just written, without reading the protocol and its signatures again (issue 7, P4): the UPDATE matched the
    # revision read above, so nothing else changed in between; a draft has no signatures to change.
    saved = replace(record, data=data, revision=record.revision + 1, updated_at=now, updated_by=actor.user_id or None)
    return Saved(saved, problems, cleared)


def check(record: ProtocolRecord, *, icd_exists: IcdLookup | None = None) -> Checked:
    schema = schema_of(record)
    problems = validate_document(schema, record.data, icd_exists=icd_exists)
    return Checked(problems, check_protocol(schema, record.data, on=record.protocol_date))


def signed_content(record: ProtocolRecord) -> dict[str, object]:
    """What every signature covers: the form edition, the number and date, and the items."""
    return {"form": record.form, "version": record.form_version, "number": record.number,
            "date": record.protocol_date.isoformat(), "data": record.data}


def content_digest(record: ProtocolRecord) -> tuple[bytes, str]:
    body = canonical_json(signed_content(record))
    return body, hashlib.sha256(body).hexdigest()


def sign_in(uow: UnitOfWork, actor: Actor, record: ProtocolRecord, *, position: str, keys: StaffKeys, clock: Clock,
            icd_exists: IcdLookup | None = None) -> str:
    """Sign inside the caller's transaction (no commit); returns the SHA-256 of the signed canonical content."""
    role = signer_role_for(actor.role)
    check_may_sign(record, actor.user_id, role)
    result = check(record, icd_exists=icd_exists)
    if not result.ready:
        problems = result.problems + [FieldProblem(f.item, f.message, f.rule_id) for f in result.errors]
        raise ValidationFailed(problems, "Протокол не может быть подписан: не заполнены или противоречат друг другу пункты")
    body, digest = content_digest(record)
    cms = keys.signer_for(str(actor.user_id), actor.display_name).sign(body)
    now = clock.now()
    status = status_after_signature(role)
    if not uow.protocols.save(record.id, data=record.data, expected_revision=record.revision, now=now,
                              user_id=actor.user_id, status=status, canonical_sha256=digest):
        raise Conflict("protocol_revision_conflict", "Протокол изменён во время подписания: проверьте его и подпишите снова")
    uow.protocols.add_signature(record.id, ProtocolSignature(
        role=role, user_id=actor.user_id, full_name=actor.display_name, position=position, signed_at=now,
        certificate_serial=None, canonical_sha256=digest), cms)
    audit.record(uow, actor, "protocol.sign", Kind.PROTOCOL.value, record.id, clock,
                 details={"role": role.value, "sha256": digest, "status": status.value})
    return digest


def sign(uow_factory: UowFactory, actor: Actor, protocol_id: int, *, position: str, keys: StaffKeys, clock: Clock,
         icd_exists: IcdLookup | None = None) -> ProtocolRecord:
    """A specialist or the head signs; the head signs last and the protocol becomes final (п.17–18)."""
    with uow_factory() as uow:
        record = access_protocol(uow, actor, protocol_id, clock, Action.UPDATE)
        sign_in(uow, actor, record, position=position, keys=keys, clock=clock, icd_exists=icd_exists)
        uow.commit()
        signed = uow.protocols.get(protocol_id)
    assert signed is not None
    return signed
