"""Shared helpers of the server-rendered UI: the page actor, navigation, rendering, paging."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from mse.domain.errors import Unauthenticated
from mse.domain.identity import Actor, Role
from mse.domain.people import age_on
from mse.domain.policy import Action, Kind, may_ever
from mse.web import deps


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str
    label: str


def nav_items(actor: Actor) -> list[NavItem]:
    """Menu entries the role may use at all (record-level checks stay in the services)."""
    items = [NavItem("home", "/", "Главная")]
    if actor.role is Role.CITIZEN:
        if actor.person_id is not None:
            items.append(NavItem("persons", f"/persons/{actor.person_id}", "Мои сведения"))
    elif may_ever(actor, Kind.PERSON, Action.READ):
        items.append(NavItem("persons", "/persons", "Граждане"))
    if may_ever(actor, Kind.PERSON, Action.CREATE):
        items.append(NavItem("persons_new", "/persons/new", "Зарегистрировать гражданина"))
    if may_ever(actor, Kind.PROTOCOL, Action.READ):
        items.append(NavItem("protocols", "/protocols", "Протоколы МСЭ"))
    if may_ever(actor, Kind.OUTBOX, Action.READ):
        items.append(NavItem("outbox", "/outbox", "Отправка результатов"))
    if actor.role in (Role.REGISTRAR, Role.HEAD):  # services/scheduling.SCHEDULING_ROLES
        items.append(NavItem("schedule", "/schedule", "Расписание"))
    if actor.role in (Role.HEAD, Role.MAIN_EXPERT, Role.FEDERAL_EXPERT):  # services/deadline_control.VIEW_ROLES
        items.append(NavItem("deadlines", "/deadlines", "Контроль сроков"))
    if may_ever(actor, Kind.UNIT, Action.READ):
        items.append(NavItem("institutions", "/institutions", "Учреждения"))
    if may_ever(actor, Kind.AUDIT, Action.READ):
        items.append(NavItem("audit", "/audit", "Журнал аудита"))
    return items


async def ui_actor(request: Request) -> Actor:
    """CurrentActor plus the menu, kept on request.state so error pages show it too.

    An HTMX request whose session has ended gets HX-Redirect to the login page (htmx does not swap a 401,
    and a followed redirect would put the login form inside the results block).
    """
    try:
        # deps has no public name for the credential step; it is the same function CurrentActor depends on.
        resolved = await run_in_threadpool(deps.resolve_credentials, request)
    except Unauthenticated:
        if request.headers.get("hx-request") == "true":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(401, headers={"HX-Redirect": f"/login?next={quote(target)}"}) from None
        raise
    actor = await deps.current_actor(request, resolved)
    request.state.nav = nav_items(actor)
    return actor


UiActor = Annotated[Actor, Depends(ui_actor)]


async def form_data(request: Request) -> FormData:
    """The parsed form (Starlette caches it, so the CSRF check and the handler share one parse)."""
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def render(request: Request, template: str, context: Mapping[str, Any] | None = None, *,
           status: int = 200, section: str | None = None) -> HTMLResponse:
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request, template, {**(context or {}), "section": section}, status_code=status,
    )
    # Pages carry personal data: never keep them in shared or browser caches.
    response.headers["Cache-Control"] = "no-store"
    return response


def ru_plural(n: int, one: str, few: str, many: str) -> str:
    """1 год, 2 года, 5 лет; 11–14 always take the «many» form."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def age_text(birth: date, today: date) -> str:
    """389н п.5: full years; under one year — full months."""
    value, unit = age_on(birth, today)
    if unit == "лет":
        return f"{value} {ru_plural(value, 'год', 'года', 'лет')}"
    return f"{value} {ru_plural(value, 'месяц', 'месяца', 'месяцев')}"


def is_htmx_fragment(request: Request) -> bool:
    """An HTMX swap (not a history restore, which needs the whole page)."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


def text_param(params: Mapping[str, str], name: str, max_len: int = 100) -> str:
    return (params.get(name) or "").strip()[:max_len]


def page_param(params: Mapping[str, str], name: str = "page") -> int:
    raw = params.get(name) or ""
    return min(int(raw), 100_000) if raw.isdigit() and int(raw) > 0 else 1


def query_url(base: str, params: Iterable[tuple[str, str]], page: int = 1) -> str:
    """A GET address with the non-empty parameters only (page 1 is the default and is left out)."""
    query = [(k, v) for k, v in params if v] + ([("page", str(page))] if page > 1 else [])
    return f"{base}?{urlencode(query)}" if query else base


@dataclass(frozen=True)
class Pager:
    """«Показано 1–20 из N» with links that keep the current filters."""

    page: int
    per_page: int
    total: int
    base: str
    params: tuple[tuple[str, str], ...]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + self.per_page, self.total)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def url(self, page: int) -> str:
        return query_url(self.base, self.params, page)

    @property
    def prev_url(self) -> str | None:
        return self.url(self.page - 1) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.page + 1) if self.page < self.pages else None

