"""The render pool (issue 7, P7): the same bytes as the in-process build, and no request left hanging when a render
process crashes, hangs or the server stops — a clear 503 code instead, and a fresh pool for the next request."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest

from mse.adapters.documents.results import RenderedDocument, SnapshotInvalid, build_documents
from mse.adapters.documents.results.pool import FAILED, STOPPED, TIMEOUT, RenderPool
from mse.domain.errors import Unavailable
from mse.settings import Settings
from mse.web.protocol_wiring import build_protocols

DATA = Path(__file__).parents[1] / "data"
FIXTURES = ("adult", "child", "not_established")


def raw(name: str) -> bytes:
    return (DATA / f"decision_snapshot_{name}.json").read_bytes()


@cache
def expected(name: str) -> list[RenderedDocument]:
    return build_documents(raw(name))  # in this process, in this thread: what the pool must match byte for byte


@pytest.fixture(scope="module")
def pool() -> Iterator[RenderPool]:
    with RenderPool(2, timeout_s=120) as shared:
        shared.wait_ready()
        yield shared


@pytest.fixture
def own_pool() -> Iterator[RenderPool]:
    """One process, ready: the tests below stop and kill it."""
    with RenderPool(1, timeout_s=120) as fresh:
        fresh.wait_ready()
        yield fresh


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _in_thread(call: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            errors.append(exc)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def test_the_pool_gives_the_bytes_of_the_in_process_build(pool: RenderPool) -> None:
    for name in FIXTURES:
        assert any(d.format == "pdf" for d in expected(name))
        assert pool(raw(name)) == expected(name)  # kind, format, media type, filename, title, content — and the order


def test_concurrent_requests_share_the_pool(pool: RenderPool) -> None:
    with ThreadPoolExecutor(max_workers=len(FIXTURES)) as threads:
        built = list(threads.map(lambda n: pool(raw(n)), FIXTURES))
    assert built == [expected(n) for n in FIXTURES]
    assert pool.restarts == 0


def test_a_bad_snapshot_fails_in_the_caller_as_in_process(pool: RenderPool) -> None:
    with pytest.raises(SnapshotInvalid) as pooled:
        pool(b'{"schema": "mse-decision-snapshot/1"}')
    with pytest.raises(SnapshotInvalid) as local:
        build_documents(b'{"schema": "mse-decision-snapshot/1"}')
    assert (pooled.value.code, pooled.value.message) == (local.value.code, local.value.message)
    assert pool.restarts == 0


def test_a_crashed_render_process_fails_the_request_and_is_replaced(own_pool: RenderPool) -> None:
    (pid,) = own_pool.pids()
    os.kill(pid, signal.SIGSTOP)  # the renders queue up behind a process that cannot take them
    thread, errors = _in_thread(lambda: own_pool(raw("adult")))
    time.sleep(0.3)
    os.kill(pid, signal.SIGKILL)  # out of memory, a segfault in Pango…
    thread.join(30)
    assert not thread.is_alive()
    assert len(errors) == 1, errors
    assert isinstance(errors[0], Unavailable), errors
    assert errors[0].code == FAILED
    assert "перезапущен" in errors[0].message
    assert own_pool.restarts == 1
    assert own_pool(raw("adult")) == expected("adult")  # the next request: a new process
    assert pid not in own_pool.pids()


def test_a_hung_render_times_out_and_its_process_is_killed(own_pool: RenderPool) -> None:
    (pid,) = own_pool.pids()
    own_pool.timeout_s = 1.0
    os.kill(pid, signal.SIGSTOP)  # a render that never returns
    t0 = time.monotonic()
    with pytest.raises(Unavailable) as refused:
        own_pool(raw("child"))
    assert time.monotonic() - t0 < 15
    assert refused.value.code == TIMEOUT
    assert "за 1 с" in refused.value.message
    assert _gone(pid)
    assert own_pool.restarts == 1
    own_pool.timeout_s = 120
    assert own_pool(raw("child")) == expected("child")


def test_stopping_the_server_ends_the_processes_and_refuses_renders(own_pool: RenderPool) -> None:
    pids = own_pool.pids()
    own_pool.close()
    assert all(_gone(pid) for pid in pids)
    with pytest.raises(Unavailable) as refused:
        own_pool(raw("adult"))
    assert refused.value.code == STOPPED


def test_the_server_renders_in_a_pool_only_when_asked() -> None:
    assert build_protocols(Settings(env="test")).documents is build_documents  # tests and the CLI: in the thread
    assert build_protocols(Settings(env="test", render_processes=0)).documents is build_documents
    wiring = build_protocols(Settings(env="test", render_processes=2, render_timeout_s=5))
    assert isinstance(wiring.documents, RenderPool)
    assert (wiring.documents.processes, wiring.documents.timeout_s) == (2, 5)
    assert wiring.documents.pids() == []  # nothing spawned before the server starts (the app's lifespan)
    wiring.close()
