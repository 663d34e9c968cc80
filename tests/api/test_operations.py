"""Operations endpoints: liveness, readiness (fails while migrations are behind), metrics, self-hosted docs."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from mse.adapters.db import migrate
from mse.settings import Settings
from mse.web.app import create_app
from tests.support import FixedClock


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_readyz_fails_while_migrations_are_behind(db_url: str, engine: Engine, clock: FixedClock) -> None:
    migrate.downgrade(db_url, "0001")
    with TestClient(create_app(Settings(database_url=db_url, env="test"), engine=engine, clock=clock)) as c:
        r = c.get("/readyz")
    assert r.status_code == 503
    assert r.json()["code"] == "migrations_pending"
    assert "mse db upgrade" in r.json()["detail"]


def test_metrics_use_route_templates_not_raw_paths(client: TestClient) -> None:
    client.get("/api/v1/persons/123456")  # 401, but counted
    text = client.get("/metrics").text
    assert 'route="/api/v1/persons/{person_id}"' in text
    assert "123456" not in text  # ids, СНИЛС and names never become metric labels


def test_request_id_is_echoed(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc123"}).headers["x-request-id"] == "abc123"


def test_docs_are_self_hosted(client: TestClient) -> None:
    html = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/persons" in spec["paths"]
