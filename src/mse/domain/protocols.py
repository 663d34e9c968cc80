"""The protocol of one medico-social expertise (389н) as the core sees it: a document keyed by item
code, its life (draft → signing → signed) and the signing rules.

389н прил.2 п.2 (ред. 203н): the protocol is an electronic document signed with the УКЭП of the head
of the bureau (or an official the head authorised) and of every specialist who conducted the MSE;
п.8(2): its number and date are the registration number and date of the referral (application) in
the incoming journal — i.e. the case's. Once the head has signed, the document is final and locked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from mse.domain.errors import Conflict, Forbidden
from mse.domain.identity import Role


class ProtocolStatus(StrEnum):
    DRAFT = "draft"  # being filled; autosaved
    SIGNING = "signing"  # a specialist has signed: the content is frozen, awaiting the other signatures
    SIGNED = "signed"  # the head signed last: final, locked


STATUS_LABELS: dict[ProtocolStatus, str] = {
    ProtocolStatus.DRAFT: "черновик",
    ProtocolStatus.SIGNING: "на подписании",
    ProtocolStatus.SIGNED: "подписан",
}


class SignerRole(StrEnum):
    HEAD = "head"  # руководитель бюро (главного бюро, Федерального бюро) или уполномоченное лицо (п.17)
    SPECIALIST = "specialist"  # специалист, проводивший МСЭ (п.18)


SIGNER_ROLE_LABELS: dict[SignerRole, str] = {
    SignerRole.HEAD: "Руководитель бюро (главного бюро, Федерального бюро) или уполномоченное им должностное лицо",
    SignerRole.SPECIALIST: "Специалист, проводивший медико-социальную экспертизу",
}

# 389н п.80: the options that establish disability (a group or the category «ребенок-инвалид»); 80.5 — не установлена.
DISABILITY_ESTABLISHED = ("80.1", "80.2", "80.3", "80.4")

SPECIALIST_ROLES = frozenset({Role.EXPERT, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT})


@dataclass(frozen=True, slots=True)
class ProtocolSignature:
    role: SignerRole
    user_id: int
    full_name: str
    position: str
    signed_at: datetime
    certificate_serial: str | None
    canonical_sha256: str


@dataclass(frozen=True, slots=True)
class ProtocolRecord:
    id: int
    case_id: int
    form: str
    form_version: str
    number: str  # = the case's registration number (п.8(2))
    protocol_date: date  # = the case's registration date (п.8(2))
    data: dict[str, object]
    prefilled: dict[str, str]  # item key → where it was prefilled from («направление», «регистр граждан», «дело»)
    status: ProtocolStatus
    revision: int
    updated_at: datetime
    updated_by: int | None
    bureau_id: int
    unit_path: str
    signatures: tuple[ProtocolSignature, ...] = ()

    @property
    def locked(self) -> bool:
        return self.status is not ProtocolStatus.DRAFT


@dataclass(frozen=True, slots=True)
class ProtocolChange:
    revision: int
    at: datetime
    user_id: int | None
    user_name: str | None
    keys: tuple[str, ...]
    before: dict[str, object]
    after: dict[str, object]


def changes_between(old: Mapping[str, object], new: Mapping[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """(before, after) restricted to the items whose value changed; a cleared item appears with None."""
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return {k: old.get(k) for k in keys}, {k: new.get(k) for k in keys}


def apply_changes(data: Mapping[str, object], changes: Mapping[str, object]) -> dict[str, object]:
    """A draft edit: each changed item replaces its value; None or an empty value clears the item."""
    out = dict(data)
    for key, value in changes.items():
        if value is None or value == "" or value == [] or value == {}:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def ensure_editable(record: ProtocolRecord) -> None:
    if record.locked:
        raise Conflict(
            "protocol_locked",
            "Протокол уже подписывается или подписан: изменения не допускаются"
            if record.status is ProtocolStatus.SIGNING
            else "Протокол подписан и не может быть изменён",
        )


def signer_role_for(role: Role) -> SignerRole:
    if role is Role.HEAD:
        return SignerRole.HEAD
    if role in SPECIALIST_ROLES:
        return SignerRole.SPECIALIST
    raise Forbidden("Протокол подписывают руководитель бюро и специалисты, проводившие медико-социальную экспертизу")


def check_may_sign(record: ProtocolRecord, user_id: int, role: SignerRole) -> None:
    """Specialists sign first, the head last (п.17–18); nobody signs twice; a signed protocol is closed."""
    if record.status is ProtocolStatus.SIGNED:
        raise Conflict("protocol_signed", "Протокол уже подписан руководителем")
    if any(s.user_id == user_id for s in record.signatures):
        raise Conflict("protocol_already_signed_by_user", "Вы уже подписали этот протокол")
    if role is SignerRole.HEAD and not any(s.role is SignerRole.SPECIALIST for s in record.signatures):
        raise Conflict(
            "protocol_needs_specialist_signature",
            "Руководитель подписывает протокол после специалистов, проводивших медико-социальную экспертизу",
        )


def status_after_signature(role: SignerRole) -> ProtocolStatus:
    return ProtocolStatus.SIGNED if role is SignerRole.HEAD else ProtocolStatus.SIGNING
