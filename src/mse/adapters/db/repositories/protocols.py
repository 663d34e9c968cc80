"""Protocol storage: the document per case, its change history and its signatures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from mse.adapters.db.tables import cases, org_units, protocol_changes, protocol_signatures, protocols, referrals, users
from mse.domain.protocols import ProtocolChange, ProtocolRecord, ProtocolSignature, ProtocolStatus, SignerRole
from mse.services.protocol_ports import CaseContext, NewProtocol, WorkRow


class ProtocolRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def case_context(self, case_id: int) -> CaseContext | None:
        q = (
            select(cases, org_units.c.name.label("bureau_name"), org_units.c.path.label("unit_path"),
                   referrals.c.data.label("referral_data"), referrals.c.patient_name)
            .join(org_units, org_units.c.id == cases.c.bureau_id)
            .outerjoin(referrals, referrals.c.case_id == cases.c.id)
            .where(cases.c.id == case_id)
            .limit(1)
        )
        r = self.conn.execute(q).first()
        if r is None:
            return None
        return CaseContext(
            id=r.id, number=r.number, registered_on=r.registered_on, bureau_id=r.bureau_id, bureau_name=r.bureau_name,
            unit_path=r.unit_path, person_id=r.person_id, state=r.state, referral_data=r.referral_data, patient_name=r.patient_name,
        )

    def _record(self, r: Any) -> ProtocolRecord:
        sigs = tuple(s for s, _ in self.signature_blobs(r.id))
        return ProtocolRecord(
            id=r.id, case_id=r.case_id, form=r.form, form_version=r.form_version, number=r.number, protocol_date=r.registered_on,
            data=dict(r.data), prefilled=dict(r.prefilled), status=ProtocolStatus(r.status), revision=r.revision,
            updated_at=r.updated_at, updated_by=r.updated_by, bureau_id=r.bureau_id, unit_path=r.unit_path, signatures=sigs,
        )

    def _select(self) -> Any:
        return (
            select(protocols, cases.c.number, cases.c.registered_on, cases.c.bureau_id, org_units.c.path.label("unit_path"))
            .join(cases, cases.c.id == protocols.c.case_id)
            .join(org_units, org_units.c.id == cases.c.bureau_id)
        )

    def id_of_case(self, case_id: int) -> int | None:
        """Just the id (a link on the case card), without the protocol's data and signatures."""
        found = self.conn.execute(select(protocols.c.id).where(protocols.c.case_id == case_id)).scalar()
        return None if found is None else int(found)

    def by_case(self, case_id: int) -> ProtocolRecord | None:
        r = self.conn.execute(self._select().where(protocols.c.case_id == case_id)).first()
        return None if r is None else self._record(r)

    def get(self, protocol_id: int) -> ProtocolRecord | None:
        r = self.conn.execute(self._select().where(protocols.c.id == protocol_id)).first()
        return None if r is None else self._record(r)

    def add(self, new: NewProtocol) -> int:
        res = self.conn.execute(insert(protocols).values(
            case_id=new.case_id, form=new.form, form_version=new.form_version, data=new.data, prefilled=new.prefilled,
            status=ProtocolStatus.DRAFT.value, revision=1, created_at=new.now, created_by=new.user_id or None,
            updated_at=new.now, updated_by=new.user_id or None,
        ))
        return int(res.inserted_primary_key[0])  # type: ignore[index]

    def save(self, protocol_id: int, *, data: dict[str, object], expected_revision: int, now: datetime, user_id: int,
             status: ProtocolStatus | None = None, canonical_sha256: str | None = None) -> bool:
        values: dict[str, Any] = {"data": data, "revision": expected_revision + 1, "updated_at": now, "updated_by": user_id or None}
        if status is not None:
            values["status"] = status.value
        if canonical_sha256 is not None:
            values["canonical_sha256"] = canonical_sha256
        res = self.conn.execute(
            update(protocols).where(protocols.c.id == protocol_id, protocols.c.revision == expected_revision).values(**values)
        )
        return res.rowcount == 1

    def add_change(self, protocol_id: int, change: ProtocolChange) -> None:
        self.conn.execute(insert(protocol_changes).values(
            protocol_id=protocol_id, revision=change.revision, at=change.at, user_id=change.user_id or None,
            keys=list(change.keys), before=change.before, after=change.after,
        ))

    def changes(self, protocol_id: int, *, limit: int, offset: int) -> tuple[list[ProtocolChange], int]:
        total = self.conn.execute(
            select(func.count()).select_from(protocol_changes).where(protocol_changes.c.protocol_id == protocol_id)
        ).scalar_one()
        q = (
            select(protocol_changes, users.c.display_name)
            .outerjoin(users, users.c.id == protocol_changes.c.user_id)
            .where(protocol_changes.c.protocol_id == protocol_id)
            .order_by(protocol_changes.c.revision.desc())
            .limit(limit).offset(offset)
        )
        rows = [
            ProtocolChange(revision=r.revision, at=r.at, user_id=r.user_id, user_name=r.display_name, keys=tuple(r.keys),
                           before=dict(r.before), after=dict(r.after))
            for r in self.conn.execute(q)
        ]
        return rows, int(total)

    def add_signature(self, protocol_id: int, signature: ProtocolSignature, cms: bytes) -> None:
        self.conn.execute(insert(protocol_signatures).values(
            protocol_id=protocol_id, role=signature.role.value, user_id=signature.user_id, full_name=signature.full_name,
            position=signature.position, signed_at=signature.signed_at, certificate_serial=signature.certificate_serial,
            canonical_sha256=signature.canonical_sha256, cms=cms,
        ))

    def signature_blobs(self, protocol_id: int) -> list[tuple[ProtocolSignature, bytes]]:
        q = select(protocol_signatures).where(protocol_signatures.c.protocol_id == protocol_id).order_by(protocol_signatures.c.id)
        return [
            (ProtocolSignature(role=SignerRole(r.role), user_id=r.user_id, full_name=r.full_name, position=r.position,
                               signed_at=r.signed_at, certificate_serial=r.certificate_serial,
                               canonical_sha256=r.canonical_sha256), bytes(r.cms))
            for r in self.conn.execute(q)
        ]

    def work_list(self, *, unit_path_prefix: str, limit: int, offset: int) -> tuple[list[WorkRow], int]:
        base = (
            select(cases.c.id, cases.c.number, cases.c.registered_on, referrals.c.patient_name, org_units.c.short_name,
                   protocols.c.id.label("protocol_id"), protocols.c.status, protocols.c.updated_at)
            .join(org_units, org_units.c.id == cases.c.bureau_id)
            .outerjoin(referrals, referrals.c.case_id == cases.c.id)
            .outerjoin(protocols, protocols.c.case_id == cases.c.id)
            .where(org_units.c.path.startswith(unit_path_prefix, autoescape=True))
        )
        total = self.conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        q = base.order_by(cases.c.registered_on.desc(), cases.c.id.desc()).limit(limit).offset(offset)
        rows = [
            WorkRow(case_id=r.id, number=r.number, registered_on=r.registered_on, patient_name=r.patient_name, bureau_name=r.short_name,
                    protocol_id=r.protocol_id, protocol_status=ProtocolStatus(r.status) if r.status else None, updated_at=r.updated_at)
            for r in self.conn.execute(q)
        ]
        return rows, int(total)
