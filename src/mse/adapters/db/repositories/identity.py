"""Accounts, UI sessions and API tokens (only hashes of secrets are stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from mse.adapters.db.tables import api_tokens, sessions, users
from mse.domain.identity import Role
from mse.services.ports import Account, ApiTokenRecord, SessionRecord


def _account(row: object) -> Account:
    r = row._mapping  # type: ignore[attr-defined]
    return Account(r["id"], r["login"], r["password_hash"], Role(r["role"]), r["display_name"], r["staff_id"],
                   r["unit_id"], r["medical_org_id"], r["person_id"], r["is_demo"], r["active"])


def _token(row: object) -> ApiTokenRecord:
    r = row._mapping  # type: ignore[attr-defined]
    return ApiTokenRecord(r["id"], r["prefix"], r["user_id"], r["name"], r["created_at"], r["expires_at"], r["revoked_at"])


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

    def session_account(self, token_hash: str) -> tuple[SessionRecord, Account] | None:
        """The session and its account in one statement (every request of a person resolves it)."""
        r = self.conn.execute(select(users, sessions.c.csrf_token, sessions.c.expires_at.label("session_expires_at"))
                              .join(sessions, sessions.c.user_id == users.c.id)
                              .where(sessions.c.token_hash == token_hash)).first()
        return (SessionRecord(r.id, r.csrf_token, r.session_expires_at), _account(r)) if r else None

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

    def tokens_of(self, user_id: int) -> list[ApiTokenRecord]:
        return [_token(r) for r in self.conn.execute(select(api_tokens).where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.id))]

    def get_token(self, token_id: int) -> ApiTokenRecord | None:
        r = self.conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        return _token(r) if r else None
