"""The head's signature with the PDFs rendered in the server's render pool (issue 7, P7; MSE_RENDER_PROCESSES=1, what
`mse serve` runs): the documents are issued and reproducible; a render that hangs ends in a 503 with a machine code
after MSE_RENDER_TIMEOUT_S, nothing is saved, and signing again works on the replaced pool."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mse.adapters.documents.results.pool import TIMEOUT, RenderPool
from mse.domain.identity import Role
from mse.settings import Settings
from tests.api.test_decision_pages import filled_case, keys, vote
from tests.api.test_protocol_pages import csrf
from tests.intake_support import TestPki

__all__ = ["keys"]  # the fixture, re-used


@pytest.fixture
def app_settings(app_settings: Settings) -> Settings:
    return app_settings.model_copy(update={"render_processes": 1, "render_timeout_s": 60.0})


def _hang(pool: RenderPool) -> None:
    """The only render process stops taking work; the next call waits for the (short) timeout."""
    pool.wait_ready()
    (pid,) = pool.pids()
    pool.timeout_s = 1.0
    os.kill(pid, signal.SIGSTOP)


def test_the_head_issues_through_the_pool_and_a_hung_render_saves_nothing(
        login_as: Callable[[Role], TestClient], pki: TestPki, keys: Path) -> None:
    case_id = filled_case(login_as, pki)
    assert vote(login_as(Role.EXPERT), case_id, "for") == 303
    head = login_as(Role.HEAD)
    pool = head.app.state.protocols.documents  # type: ignore[attr-defined]
    assert isinstance(pool, RenderPool)  # started by the app's lifespan

    _hang(pool)
    refused = head.post(f"/cases/{case_id}/decision/issue", data={"csrf_token": csrf(head)}, follow_redirects=False,
                        headers={"Accept": "text/html"})
    assert refused.status_code == 503
    assert "Ничего не сохранено" in refused.text
    body = head.get(f"/api/v1/cases/{case_id}/decision").json()
    assert body["status"] != "issued"
    assert body["documents"] == []
    assert pool.restarts == 1

    pool.timeout_s = 60.0
    issued = head.post(f"/cases/{case_id}/decision/issue", data={"csrf_token": csrf(head)}, follow_redirects=False)
    assert issued.status_code == 303, issued.text
    body = head.get(f"/api/v1/cases/{case_id}/decision").json()
    assert body["status"] == "issued"
    assert len(body["documents"]) == 9
    pdf = next(d["id"] for d in body["documents"] if d["format"] == "pdf")
    assert head.get(f"/api/v1/documents/{pdf}/reproduce").json()["reproducible"] is True

    _hang(pool)
    problem = head.get(f"/api/v1/documents/{pdf}/reproduce")
    assert problem.status_code == 503
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert problem.json()["code"] == TIMEOUT
    assert "не сформированы за 1 с" in problem.json()["detail"]
