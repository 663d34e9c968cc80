"""Accounts, UI sessions and API tokens (only hashes of secrets are stored)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Join, Select, bindparam, case, delete, func, insert, null, select, update

from mse.adapters.db.tables import api_tokens, org_units, sessions, users
from mse.domain.identity import Role
from mse.domain.organisation import ALLOWED_PARENTS, UnitKind
from mse.services.ports import Account, ApiTokenRecord, SessionRecord, UnitPaths


def _account(row: object) -> Account:
    r = row._mapping  # type: ignore[attr-defined]
    return Account(r["id"], r["login"], r["password_hash"], Role(r["role"]), r["display_name"], r["staff_id"],
                   r["unit_id"], r["medical_org_id"], r["person_id"], r["is_demo"], r["active"])


def _token(row: object) -> ApiTokenRecord:
    r = row._mapping  # type: ignore[attr-defined]
    return ApiTokenRecord(r["id"], r["prefix"], r["user_id"], r["name"], r["created_at"], r["expires_at"], r["revoked_at"])


def _depth(kind: UnitKind) -> int:
    return 1 + max((_depth(parent) for parent in ALLOWED_PARENTS[kind]), default=0)


# The tree's shape is a domain invariant (federal → main → bureau or composition): a unit has at most this many levels
# above it and itself, so its ancestors are found by primary key, parent by parent.
_LEVELS = max(_depth(kind) for kind in UnitKind)


def _principal(credential: Join, *columns: ColumnElement[Any]) -> Select[Any]:
    """An account (`users`, joined to its credential) with the paths its actor's scope comes from, in one statement.
    Outer joins: accounts of other systems and citizens have no unit. The unit and its parents up to the root are joined
    by primary key (a prefix match of materialised paths, as `lineage`, scans org_units); the nearest main and federal
    bureaus are the first of their kind going up — what auth.build_actor takes from the lineage. Built once, at import:
    making the aliases of org_units costs more Python time than running the query."""
    levels = [org_units.alias("unit")]
    joined = credential.outerjoin(levels[0], levels[0].c.id == users.c.unit_id)
    for i in range(1, _LEVELS):
        levels.append(org_units.alias(f"up{i}"))
        joined = joined.outerjoin(levels[i], levels[i].c.id == levels[i - 1].c.parent_id)

    def nearest(kind: UnitKind) -> ColumnElement[Any]:
        return case(*((u.c.kind == kind.value, u.c.path) for u in levels), else_=null())

    return (select(users, *columns, levels[0].c.path.label("unit_path"), nearest(UnitKind.MAIN).label("main_path"),
                   nearest(UnitKind.FEDERAL).label("root_path"))
            .select_from(joined))


_SESSION_PRINCIPAL = _principal(sessions.join(users, sessions.c.user_id == users.c.id),
                                sessions.c.csrf_token, sessions.c.expires_at.label("session_expires_at")
                                ).where(sessions.c.token_hash == bindparam("token_hash"))
_TOKEN_PRINCIPAL = _principal(api_tokens.join(users, api_tokens.c.user_id == users.c.id),
                              api_tokens.c.id.label("token_id"), api_tokens.c.prefix.label("token_prefix"),
                              api_tokens.c.name.label("token_name"), api_tokens.c.created_at.label("token_created_at"),
                              api_tokens.c.expires_at.label("token_expires_at"), api_tokens.c.revoked_at.label("token_revoked_at")
                              ).where(api_tokens.c.token_hash == bindparam("token_hash"))


def _paths(row: object) -> UnitPaths:
    r = row._mapping  # type: ignore[attr-defined]
    return UnitPaths(r["unit_path"], r["main_path"], r["root_path"])


class IdentityRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_account(self, *, login: str, password_hash: str | None, role: Role, display_name: str, now: datetime,
                    staff_id: int | None = None, unit_id: int | None = None, medical_org_id: int | None = None,
                    person_id: int | None = None, is_demo: bool = False) -> int:
        return int(self.conn.execute(insert(users).values(
            login=login, password_hash=password_hash, role=role.value, display_name=display_name, staff_id=staff_id,
            unit_id=unit_id, medical_org_id=medical_org_id, person_id=person_id, is_demo=is_demo, active=True,
            created_at=now)).inserted_primary_key[0])  # type: ignore[index]

    def account_by_login(self, login: str) -> Account | None:
        r = self.conn.execute(select(users).where(users.c.login == login)).first()
        return _account(r) if r else None

    def account(self, user_id: int) -> Account | None:
        r = self.conn.execute(select(users).where(users.c.id == user_id)).first()
        return _account(r) if r else None

    def accounts(self, *, limit: int, offset: int) -> tuple[list[Account], int]:
        total = self.conn.execute(select(func.count()).select_from(users)).scalar_one()
        rows = self.conn.execute(select(users).order_by(users.c.role, users.c.login).limit(limit).offset(offset))
        return [_account(r) for r in rows], int(total)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))

    def deactivate_demo_accounts(self) -> int:
        return self.conn.execute(update(users).where(users.c.is_demo.is_(True), users.c.active.is_(True)).values(active=False)).rowcount

    def activate_demo_accounts(self) -> int:
        return self.conn.execute(update(users).where(users.c.is_demo.is_(True), users.c.active.is_(False)).values(active=True)).rowcount

    # sessions
    def add_session(self, *, token_hash: str, user_id: int, csrf_token: str, now: datetime, expires_at: datetime, ip: str | None) -> None:
        self.conn.execute(insert(sessions).values(token_hash=token_hash, user_id=user_id, csrf_token=csrf_token,
                                                  created_at=now, expires_at=expires_at, ip=ip))

    def session_principal(self, token_hash: str) -> tuple[SessionRecord, Account, UnitPaths] | None:
        """The session, its account and the paths of its scope in one statement (every request of a person resolves
        it: users then org_units were two — issue 7, P3)."""
        r = self.conn.execute(_SESSION_PRINCIPAL, {"token_hash": token_hash}).first()
        return (SessionRecord(r.id, r.csrf_token, r.session_expires_at), _account(r), _paths(r)) if r else None

    def session(self, token_hash: str) -> SessionRecord | None:
        r = self.conn.execute(select(sessions).where(sessions.c.token_hash == token_hash)).first()
        return SessionRecord(r.user_id, r.csrf_token, r.expires_at) if r else None

    def touch_session(self, token_hash: str, expires_at: datetime) -> None:
        self.conn.execute(update(sessions).where(sessions.c.token_hash == token_hash).values(expires_at=expires_at))

    def delete_session(self, token_hash: str) -> None:
        self.conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def purge_expired_sessions(self, now: datetime) -> int:
        return self.conn.execute(delete(sessions).where(sessions.c.expires_at < now)).rowcount

    # API tokens
    def add_token(self, *, token_hash: str, prefix: str, user_id: int, name: str, now: datetime, expires_at: datetime | None) -> int:
        return int(self.conn.execute(insert(api_tokens).values(
            token_hash=token_hash, prefix=prefix, user_id=user_id, name=name, created_at=now, expires_at=expires_at,
        )).inserted_primary_key[0])  # type: ignore[index]

    def token_by_hash(self, token_hash: str) -> ApiTokenRecord | None:
        r = self.conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
        return _token(r) if r else None

    def token_principal(self, token_hash: str) -> tuple[ApiTokenRecord, Account, UnitPaths] | None:
        """The API token, its account and the paths of its scope in one statement (every request of a system client:
        three before — issue 7, P1)."""
        r = self.conn.execute(_TOKEN_PRINCIPAL, {"token_hash": token_hash}).first()
        if r is None:
            return None
        token = ApiTokenRecord(r.token_id, r.token_prefix, r.id, r.token_name, r.token_created_at, r.token_expires_at,
                               r.token_revoked_at)
        return token, _account(r), _paths(r)

    def tokens_of(self, user_id: int) -> list[ApiTokenRecord]:
        return [_token(r) for r in self.conn.execute(select(api_tokens).where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.id))]

    def get_token(self, token_id: int) -> ApiTokenRecord | None:
        r = self.conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        return _token(r) if r else None
