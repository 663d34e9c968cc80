"""What the services need from storage: read models and repository protocols.

Adapters (adapters/db/repositories) implement these; services never import adapters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol

from mse.domain.audit import AuditEntry, ChainedEntry
from mse.domain.identity import Role
from mse.domain.organisation import MedicalOrganisation, OrgUnit, Position, Profile, Region, StaffMember, UnitKind
from mse.domain.people import Person, PersonData
from mse.domain.policy import PersonFilter
from mse.services.intake_ports import IntakeRepo
from mse.services.protocol_ports import ProtocolRepo

# ---- read models -------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitWithCounts:
    unit: OrgUnit
    staff_count: int
    depth: int


@dataclass(frozen=True)
class PersonQuery:
    snils: str | None = None
    surname: str | None = None
    name: str | None = None
    patronymic: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True)
class PersonRow:
    """A search hit: enough for a list line, plus where the record lives (for the policy)."""

    id: int
    full_name: str
    birth_date: date
    snils: str | None
    bureau_id: int | None
    unit_path: str | None
    source_org_id: int | None


@dataclass(frozen=True)
class Account:
    id: int
    login: str
    password_hash: str | None
    role: Role
    display_name: str
    staff_id: int | None
    unit_id: int | None
    medical_org_id: int | None
    person_id: int | None
    is_demo: bool
    active: bool


@dataclass(frozen=True)
class SessionRecord:
    user_id: int
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class ApiTokenRecord:
    id: int
    prefix: str
    user_id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class AuditQuery:
    actor_login: str | None = None
    action: str | None = None
    object_kind: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


# ---- repositories ------------------------------------------------------------------------


class OrganisationRepo(Protocol):
    def regions(self) -> list[Region]: ...
    def region(self, code: str) -> Region | None: ...
    def add_unit(self, *, kind: UnitKind, name: str, short_name: str, region_code: str | None,
                 parent: OrgUnit | None, profile: Profile | None, address: str | None) -> OrgUnit: ...
    def get_unit(self, unit_id: int) -> OrgUnit | None: ...
    def unit_by_short_name(self, short_name: str) -> OrgUnit | None: ...
    def units_by_ids(self, ids: list[int]) -> list[OrgUnit]: ...
    def root(self) -> OrgUnit | None: ...
    def tree_with_staff_counts(self) -> list[UnitWithCounts]: ...
    def count_units(self) -> int: ...
    def add_medical_org(self, *, name: str, ogrn: str, region_code: str, address: str | None) -> MedicalOrganisation: ...
    def get_medical_org(self, org_id: int) -> MedicalOrganisation | None: ...
    def medical_org_by_ogrn(self, ogrn: str) -> MedicalOrganisation | None: ...
    def medical_orgs(self, region_code: str | None = None, *, limit: int = 50, offset: int = 0) -> tuple[list[MedicalOrganisation], int]: ...
    def add_staff(self, *, unit_id: int, position: Position, surname: str, name: str, patronymic: str | None) -> StaffMember: ...
    def get_staff(self, staff_id: int) -> tuple[StaffMember, OrgUnit] | None: ...
    def staff_of_unit(self, unit_id: int) -> list[StaffMember]: ...
    def count_staff(self) -> int: ...


class PeopleRepo(Protocol):
    def add(self, data: PersonData, *, bureau_id: int | None, source_org_id: int | None, now: datetime) -> int: ...
    def snils_taken(self, snils: str) -> int | None: ...
    def get(self, person_id: int) -> tuple[Person, str | None] | None: ...
    def search(self, query: PersonQuery, f: PersonFilter, *, limit: int, offset: int) -> tuple[list[PersonRow], int]: ...
    def count(self) -> int: ...


class IdentityRepo(Protocol):
    def add_account(self, *, login: str, password_hash: str | None, role: Role, display_name: str, now: datetime,
                    staff_id: int | None = None, unit_id: int | None = None, medical_org_id: int | None = None,
                    person_id: int | None = None, is_demo: bool = False) -> int: ...
    def account_by_login(self, login: str) -> Account | None: ...
    def account(self, user_id: int) -> Account | None: ...
    def accounts(self, *, limit: int, offset: int) -> tuple[list[Account], int]: ...
    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...
    def deactivate_demo_accounts(self) -> int: ...
    def activate_demo_accounts(self) -> int: ...
    def add_session(self, *, token_hash: str, user_id: int, csrf_token: str, now: datetime, expires_at: datetime, ip: str | None) -> None: ...
    def session(self, token_hash: str) -> SessionRecord | None: ...
    def touch_session(self, token_hash: str, expires_at: datetime) -> None: ...
    def delete_session(self, token_hash: str) -> None: ...
    def purge_expired_sessions(self, now: datetime) -> int: ...
    def add_token(self, *, token_hash: str, prefix: str, user_id: int, name: str, now: datetime, expires_at: datetime | None) -> int: ...
    def token_by_hash(self, token_hash: str) -> ApiTokenRecord | None: ...
    def tokens_of(self, user_id: int) -> list[ApiTokenRecord]: ...
    def get_token(self, token_id: int) -> ApiTokenRecord | None: ...


class AuditRepo(Protocol):
    def append(self, entry: AuditEntry) -> ChainedEntry: ...
    def head(self) -> tuple[int, str]: ...
    def iterate(self, batch: int = 5000) -> Iterator[ChainedEntry]: ...
    def count(self) -> int: ...
    def page(self, q: AuditQuery, *, limit: int, offset: int) -> tuple[list[ChainedEntry], int]: ...


class UnitOfWork(Protocol):
    """One transaction. `with uow:` rolls back on exit unless `commit()` was called (cosmicpython)."""

    @property
    def orgs(self) -> OrganisationRepo: ...
    @property
    def people(self) -> PeopleRepo: ...
    @property
    def identity(self) -> IdentityRepo: ...
    @property
    def audit(self) -> AuditRepo: ...
    @property
    def intake(self) -> IntakeRepo: ...
    @property
    def protocols(self) -> ProtocolRepo: ...

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
