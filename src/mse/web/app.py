"""create_app(): routers, middleware, static files, templates, error mapping — one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

import mse
from mse.adapters.db.engine import make_engine
from mse.adapters.signature.openssl import SignatureSetupError
from mse.domain.errors import DomainError
from mse.domain.ports import Clock, SystemClock
from mse.settings import Settings, get_settings
from mse.web import errors, health
from mse.web.api import cases as api_cases
from mse.web.api import decision_support as api_decision_support
from mse.web.api import decisions as api_decisions
from mse.web.api import forms as api_forms
from mse.web.api import identity as api_identity
from mse.web.api import organisation as api_organisation
from mse.web.api import persons as api_persons
from mse.web.api import protocols as api_protocols
from mse.web.api import referrals as api_referrals
from mse.web.intake_wiring import build_intake
from mse.web.observability import BodySizeLimitMiddleware, Metrics, RequestContextMiddleware, configure_logging
from mse.web.protocol_wiring import build_protocols
from mse.web.ui import router as ui_router
from mse.web.ui.templating import make_templates

HERE = Path(__file__).parent

API_DESCRIPTION = """
API информационной системы медико-социальной экспертизы.

* Аутентификация информационных систем: заголовок `Authorization: Bearer <токен>` (токен выпускает администратор).
* Аутентификация пользователей UI: cookie сеанса; для изменяющих запросов — заголовок `X-CSRF-Token`.
* Ошибки: RFC 9457 `application/problem+json` с машинным кодом `code` и сообщением на русском языке `detail`.
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.protocols.start()  # the render processes (issue 7, P7), when MSE_RENDER_PROCESSES > 0
    try:
        yield
    finally:
        app.state.protocols.close()


def create_app(settings: Settings | None = None, *, engine: Engine | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        title="МСЭ — API", version=mse.__version__, description=API_DESCRIPTION,
        openapi_url="/api/openapi.json", docs_url=None, redoc_url=None, lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.clock = clock or SystemClock()
    app.state.metrics = Metrics()
    app.state.intake = build_intake(settings, app.state.clock)
    app.state.protocols = build_protocols(settings)
    templates: Jinja2Templates = make_templates(settings)
    app.state.templates = templates

    app.add_exception_handler(DomainError, errors.domain_error_handler)
    app.add_exception_handler(RequestValidationError, errors.request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, errors.http_error_handler)
    app.add_exception_handler(IntegrityError, errors.integrity_error_handler)
    app.add_exception_handler(SignatureSetupError, errors.signature_setup_handler)
    app.add_exception_handler(Exception, errors.unhandled_error_handler)

    app.include_router(health.router)
    for module in (api_persons, api_organisation, api_identity, api_referrals, api_forms, api_protocols,
                   api_decisions, api_decision_support, api_cases):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(ui_router.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json", title="МСЭ — документация API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    # Order: the size limit sees the raw body first; the context middleware wraps everything.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    return app
