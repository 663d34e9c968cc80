"""/healthz (process alive), /readyz (database reachable and migrations at head), /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from mse.adapters.db.migrate import current_revisions, head_revisions
from mse.web.errors import problem

router = APIRouter(include_in_schema=True, tags=["служебные"])


@router.get("/healthz", summary="Процесс работает")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Готовность: база доступна, миграции применены",
            responses={503: {"description": "Не готов", "content": {"application/problem+json": {}}}})
def readyz(request: Request) -> Response:
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = current_revisions(engine)
        heads = head_revisions(str(engine.url))
    except Exception:  # any DB failure means "not ready"; details go to the log, not the client
        return problem(503, "database_unavailable", "База данных недоступна")
    if current != heads:
        return problem(503, "migrations_pending",
                       f"Схема базы данных не обновлена: текущая версия {sorted(current) or 'пусто'}, требуется {sorted(heads)}. "
                       "Выполните «mse db upgrade».")
    return JSONResponse({"status": "ready", "revision": sorted(current)})


@router.get("/metrics", summary="Метрики Prometheus", response_class=Response)
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
