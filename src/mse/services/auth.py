"""Login, UI sessions, API tokens, and turning a credential into an Actor."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from mse.domain.audit import AuditEntry
from mse.domain.errors import Forbidden, NotFound, Unauthenticated
from mse.domain.identity import Actor, Role
from mse.domain.organisation import UnitKind
from mse.domain.policy import Action, Kind, Scope, allowed, scope_path_for
from mse.domain.ports import Clock, PasswordHasher
from mse.services import audit
from mse.services.ports import Account, ApiTokenRecord, UnitOfWork, UnitPaths

TOKEN_PREFIX = "mse_"  # noqa: S105 — a public prefix that makes leaked tokens greppable
BAD_LOGIN = "Неверное имя пользователя или пароль"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def build_actor(uow: UnitOfWork, account: Account, *, channel: str, ip: str | None) -> Actor:
    """The actor of an account read on its own (login, tests): its unit's lineage is one more statement."""
    unit_path = main_path = root_path = None
    if account.unit_id is not None:
        for a in uow.orgs.lineage(account.unit_id):  # root first; the unit itself last
            unit_path = a.path
            if a.kind is UnitKind.MAIN:
                main_path = a.path
            if a.kind is UnitKind.FEDERAL:
                root_path = a.path
    return actor_of(account, UnitPaths(unit_path, main_path, root_path), channel=channel, ip=ip)


def actor_of(account: Account, paths: UnitPaths, *, channel: str, ip: str | None) -> Actor:
    """The actor of an account whose unit paths came with it (the per-request lookups: one statement, issue 7 P3)."""
    return Actor(
        user_id=account.id, login=account.login, role=account.role, display_name=account.display_name,
        unit_id=account.unit_id, scope_path=scope_path_for(account.role, paths.unit_path, paths.main_path, paths.root_path),
        medical_org_id=account.medical_org_id, person_id=account.person_id, channel=channel, ip=ip,
    )


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str
    actor: Actor
    expires_at: datetime


def login(uow: UnitOfWork, login_name: str, password: str, hasher: PasswordHasher, clock: Clock, *,
          ip: str | None, session_hours: int) -> NewSession:
    account = uow.identity.account_by_login(login_name.strip())
    if account is not None and account.password_hash:
        ok = hasher.verify(account.password_hash, password)
    else:
        hasher.hash(password)  # spend the same time, so timing does not reveal which logins exist
        ok = False
    if account is None or not ok or not account.active:
        # Not yet anybody: the event names the typed login and the role "anonymous", never a real role.
        uow.audit.append(AuditEntry(
            at=clock.now(), actor_user_id=None, actor_login=login_name.strip()[:100] or "?", actor_role="anonymous",
            action="session.login_failed", object_kind="session", object_id=None, ip=ip,
            details={"reason": "inactive" if account and ok else "bad_credentials"},
        ))
        uow.commit()
        raise Unauthenticated(BAD_LOGIN, "bad_credentials")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = clock.now() + timedelta(hours=session_hours)
    uow.identity.add_session(token_hash=_digest(token), user_id=account.id, csrf_token=csrf, now=clock.now(),
                             expires_at=expires, ip=ip)
    actor = build_actor(uow, account, channel="ui", ip=ip)
    audit.record(uow, actor, "session.login", "session", account.id, clock)
    uow.commit()
    return NewSession(token, csrf, actor, expires)


def session_actor(uow: UnitOfWork, token: str, clock: Clock, *, ip: str | None, session_hours: int) -> tuple[Actor, str]:
    """The actor and CSRF token of a live session; sliding expiry (an idle shift ends it)."""
    found = uow.identity.session_principal(_digest(token))
    if found is None or found[0].expires_at <= clock.now():
        raise Unauthenticated("Сеанс завершён, войдите снова", "session_expired")
    rec, account, paths = found
    if not account.active:
        raise Unauthenticated("Учётная запись отключена", "account_inactive")
    new_expiry = clock.now() + timedelta(hours=session_hours)
    if new_expiry - rec.expires_at > timedelta(minutes=5):  # avoid a write on every request
        uow.identity.touch_session(_digest(token), new_expiry)
        uow.commit()
    return actor_of(account, paths, channel="ui", ip=ip), rec.csrf_token


def logout(uow: UnitOfWork, actor: Actor, token: str, clock: Clock) -> None:
    uow.identity.delete_session(_digest(token))
    audit.record(uow, actor, "session.logout", "session", actor.user_id, clock)
    uow.commit()


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str  # shown once; only its hash is stored
    prefix: str


def issue_api_token(uow: UnitOfWork, actor: Actor, clock: Clock, *, user_id: int, name: str,
                    days: int | None = 365) -> IssuedToken:
    if not allowed(actor, Kind.API_TOKEN, Action.CREATE):
        raise Forbidden("Выпускать токены доступа может только администратор")
    owner = uow.identity.account(user_id)
    if owner is None:
        raise NotFound("account", "Учётная запись не найдена")
    if owner.role is not Role.MEDICAL_ORG:
        raise Forbidden("Токены выпускаются только для информационных систем медицинских организаций", "token_role_not_allowed")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    prefix = token[:12]
    expires = clock.now() + timedelta(days=days) if days else None
    token_id = uow.identity.add_token(token_hash=_digest(token), prefix=prefix, user_id=user_id, name=name,
                                      now=clock.now(), expires_at=expires)
    audit.record(uow, actor, "api_token.create", Kind.API_TOKEN.value, token_id, clock, details={"owner": user_id})
    uow.commit()
    return IssuedToken(token_id, token, prefix)


def token_actor(uow: UnitOfWork, token: str, clock: Clock, *, ip: str | None) -> Actor:
    found = uow.identity.token_principal(_digest(token))  # token, account and unit paths: one statement (issue 7, P1)
    if found is None:
        raise Unauthenticated("Токен доступа недействителен или отозван", "invalid_token")
    rec, account, paths = found
    if rec.revoked_at is not None or (rec.expires_at is not None and rec.expires_at <= clock.now()):
        raise Unauthenticated("Токен доступа недействителен или отозван", "invalid_token")
    if not account.active:
        raise Unauthenticated("Учётная запись отключена", "account_inactive")
    return actor_of(account, paths, channel="api-token", ip=ip)


def read_token(uow: UnitOfWork, actor: Actor, token_id: int) -> ApiTokenRecord:
    rec = uow.identity.get_token(token_id)
    if rec is None or not allowed(actor, Kind.API_TOKEN, Action.READ, Scope(owner_user_id=rec.user_id)):
        raise NotFound("api_token", "Токен не найден")
    return rec

