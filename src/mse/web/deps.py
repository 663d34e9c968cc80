"""Annotated dependencies: the unit of work, the clock, and the current actor (session or API token)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Path, Request

from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.errors import Forbidden, Unauthenticated
from mse.domain.identity import Actor
from mse.domain.ports import Clock
from mse.services import auth
from mse.settings import Settings

SESSION_COOKIE = "mse_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_uow(request: Request) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(request.app.state.engine)


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def resolve_credentials(request: Request) -> tuple[Actor, str | None]:
    """Bearer token (system clients) or session cookie (people). Sync: runs in the threadpool."""
    settings = get_settings(request)
    clock = get_clock(request)
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        with get_uow(request) as uow:
            return auth.token_actor(uow, header[7:].strip(), clock, ip=client_ip(request)), None
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthenticated()
    with get_uow(request) as uow:
        actor, csrf = auth.session_actor(uow, cookie, clock, ip=client_ip(request), session_hours=settings.session_hours)
    return actor, csrf


async def current_actor(request: Request, resolved: Annotated[tuple[Actor, str | None], Depends(resolve_credentials)]) -> Actor:
    actor, csrf = resolved
    request.state.actor = actor
    request.state.csrf = csrf
    if csrf is not None and request.method not in SAFE_METHODS:
        # Synchronizer token for cookie-authenticated writes; bearer-token clients are not exposed to CSRF.
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and "form" in request.headers.get("content-type", ""):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
        if not sent or not secrets.compare_digest(sent, csrf):
            raise Forbidden("Форма устарела или отправлена с другого сайта. Обновите страницу и повторите.", "csrf_failed")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
Uow = Annotated[SqlAlchemyUnitOfWork, Depends(get_uow)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PathId = Annotated[int, Path(ge=1, le=2_147_483_647, description="Идентификатор")]
