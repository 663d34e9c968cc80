"""Login and logout pages (session cookie for people; API clients use bearer tokens)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mse.adapters.passwords import Argon2Hasher
from mse.domain.errors import Unauthenticated
from mse.domain.identity import ROLE_LABELS, Role
from mse.services import auth
from mse.settings import Settings
from mse.web.deps import SESSION_COOKIE, ClockDep, CurrentActor, SettingsDep, Uow, client_ip
from mse.web.ui.common import Form, render

router = APIRouter()

# One demo account per role (created by `mse demo load`); shown only on a loopback demo install.
DEMO_LOGINS: tuple[tuple[str, Role], ...] = tuple((role.value, role) for role in Role)


def _hasher(request: Request) -> Argon2Hasher:
    hasher = getattr(request.app.state, "ui_hasher", None)
    if hasher is None:
        hasher = request.app.state.ui_hasher = Argon2Hasher()
    return hasher


def safe_next(target: str | None) -> str:
    """Only a local path: "/x" yes; "//evil", "/\\evil", "https://…" no (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(request: Request, settings: Settings, *, login: str = "", next_url: str = "/",
                error: str | None = None, status: int = 200) -> Response:
    demo = None
    if settings.demo_accounts_allowed:
        demo = {"accounts": [(name, ROLE_LABELS[role]) for name, role in DEMO_LOGINS],
                "password": settings.demo_password}
    return render(request, "login.html", {"login": login, "next": next_url, "error": error, "demo": demo},
                  status=status)


def _signed_in(request: Request, uow: Uow, clock: ClockDep, settings: Settings) -> bool:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return False
    try:
        with uow:
            auth.session_actor(uow, token, clock, ip=client_ip(request), session_hours=settings.session_hours)
    except Unauthenticated:
        return False
    return True


@router.get("/login")
def login_form(request: Request, uow: Uow, clock: ClockDep, settings: SettingsDep) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if _signed_in(request, uow, clock, settings):
        return RedirectResponse(next_url, status_code=303)
    return _login_page(request, settings, next_url=next_url)


@router.post("/login")
def login_submit(request: Request, form: Form, uow: Uow, clock: ClockDep, settings: SettingsDep) -> Response:
    # No session exists yet, so there is no CSRF token to check; the cookie is SameSite=Lax.
    login = str(form.get("login") or "").strip()[:100]
    password = str(form.get("password") or "")[:256]
    next_url = safe_next(str(form.get("next") or ""))
    try:
        with uow:
            new = auth.login(uow, login, password, _hasher(request), clock, ip=client_ip(request),
                             session_hours=settings.session_hours)
    except Unauthenticated:
        return _login_page(request, settings, login=login, next_url=next_url, error=auth.BAD_LOGIN, status=401)
    response = RedirectResponse(next_url, status_code=303)
    # A browser-session cookie: the server enforces the sliding idle expiry (services.auth.session_actor),
    # so an active user is not thrown out when a fixed cookie max-age would run out mid-shift.
    response.set_cookie(SESSION_COOKIE, new.token, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/")
    return response


@router.post("/logout")
def logout(request: Request, actor: CurrentActor, uow: Uow, clock: ClockDep, settings: SettingsDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with uow:
            auth.logout(uow, actor, token, clock)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.secure_cookies)
    return response
