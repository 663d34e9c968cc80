"""The result documents rendered in a pool of processes outside the API process (issue 7, P7 and P11).

WeasyPrint is CPU-bound Python: a decision's four PDFs take ~0.6–1.2 s of CPU, and rendered in the request's thread
they hold the GIL that every other request of the server process needs — P7 measured the p95 of a one-row DB call
of the same process ×14.7 while a thread renders, ×0.98 while another process renders. ``RenderPool`` is a
``DocumentBuilder`` (``services.decision_ports``) with the call signature of ``build_documents``: the snapshot is
read in the caller (a bad one raises ``SnapshotInvalid`` there, as in-process), each PDF is one task for a bounded
``ProcessPoolExecutor``, and the JSON and XML documents (~1 ms each) are built in the caller while the PDFs render.
The bytes are those of ``build_documents`` — every document is a pure function of the snapshot (``printing.py``;
tests/integration/test_render_pool.py). With more than one process a decision's PDFs render side by side.

The pool never leaves a request hanging: a crashed render process (``BrokenProcessPool``) or a call that exceeds
``timeout_s`` ends in ``Unavailable`` (HTTP 503, a machine code, a Russian message) and the pool is replaced; the
decision service renders before its write transaction, so nothing was saved and the head may simply sign again.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from collections.abc import Iterable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from mse.adapters.pdf.form_pdf import OUTPUT_INTENT, SRGB_PROFILE, TEMPLATES, font_config, font_urls
from mse.domain.errors import Unavailable

from .printing import html_to_pdf
from .render import RenderedDocument, build_document, kinds_for
from .snapshot import read_snapshot

# Not "fork": the server process runs threads (uvicorn's loop, anyio's thread pool, the delivery worker) and a forked
# child would inherit their locks in whatever state they were; a spawned worker imports the package afresh.
START_METHOD = "spawn"
STOP_GRACE_S = 10.0  # on server stop: a render in progress may finish (one PDF: ≤ 0.3 s measured in P7)

TIMEOUT = "render_timeout"
FAILED = "render_failed"
STOPPED = "render_stopped"


def _warm_html() -> str:
    """A one-line page with the fonts, colour profile and stylesheet of the real documents (``_pdf_style.html``)."""
    fonts = font_urls()
    return (f'<html lang="ru"><head><style>@color-profile {OUTPUT_INTENT} {{ src: url("{SRGB_PROFILE.as_uri()}"); '
            f'components: r, g, b; }}'
            f'@font-face {{ font-family: "MSE DejaVu Sans"; font-weight: 400; src: url("{fonts["regular"]}"); }}'
            f'@font-face {{ font-family: "MSE DejaVu Sans"; font-weight: 700; src: url("{fonts["bold"]}"); }}</style>'
            f'<link rel="stylesheet" href="{(TEMPLATES / "print.css").as_uri()}"></head>'
            f'<body><p>Подготовка печати <b>МСЭ</b></p></body></html>')


def _init_worker() -> None:
    """Once per render process. Ctrl+C reaches the whole process group: the server, not the worker, decides when
    rendering stops (``close``). Then the one-time set-up: fontconfig, Pango, both fonts in this thread's
    configuration (``form_pdf.font_config``) — otherwise paid by the first real decision (~0.7 s, P7)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    font_config()
    html_to_pdf(_warm_html(), b"0" * 32)


def _ready() -> bool:
    return True


def _render_pdf(snapshot: bytes, kind: str) -> RenderedDocument:
    return build_document(snapshot, kind, "pdf")


def _stop(executor: ProcessPoolExecutor, grace_s: float) -> None:
    """Shut the executor down: queued renders cancelled, running ones given ``grace_s``, then their processes killed.
    Waits for the executor's own thread, so its queues are released before the server process exits (else the
    resource tracker reports their semaphores as leaked)."""
    processes = list((executor._processes or {}).values())  # 3.11 has no terminate_workers() (3.14 has)

    def kill() -> None:
        for process in processes:
            if process.is_alive():
                process.kill()

    killer = threading.Timer(grace_s, kill)
    killer.daemon = True
    killer.start()
    try:
        executor.shutdown(wait=True, cancel_futures=True)
    finally:
        killer.cancel()
    for process in processes:
        process.join(1.0)


class RenderPool:
    """``pool(snapshot)`` → the documents ``build_documents(snapshot)`` gives, the PDFs rendered by ``processes``
    worker processes. Thread-safe: the request threads of one server process share one pool."""

    def __init__(self, processes: int, *, timeout_s: float) -> None:
        if processes < 1:
            raise ValueError("a render pool needs at least one process")
        self.processes = processes
        self.timeout_s = timeout_s
        self.restarts = 0  # pools replaced after a crash or a timeout (bench and tests read it)
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False

    # ------------------------------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Spawn and warm the processes now (server start-up) instead of on the first decision; does not wait."""
        executor = self._current()
        for _ in range(self.processes):  # each submit spawns a process while none is idle
            executor.submit(_ready)

    def wait_ready(self) -> None:
        """Block until every process has finished its set-up (benchmarks and tests time rendering, not spawning)."""
        executor = self._current()
        for future in [executor.submit(_ready) for _ in range(self.processes)]:
            future.result(timeout=max(self.timeout_s, 60.0))

    def pids(self) -> list[int]:
        """The render processes running now (operations; the tests stop and kill them)."""
        with self._lock:
            executor = self._executor
        return sorted((executor._processes or {}) if executor is not None else ())

    def close(self, grace_s: float = STOP_GRACE_S) -> None:
        """Server stop: queued renders are cancelled (their requests get ``render_stopped``), running ones may finish."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            _stop(executor, grace_s)

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise _stopped()
            if self._executor is None:
                self._executor = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context(START_METHOD),
                                                     initializer=_init_worker)
            return self._executor

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """Drop ``broken`` (once, whichever request notices first) and warm a new pool for the next request."""
        with self._lock:
            if self._executor is not broken or self._closed:
                return
            self._executor = None
            self.restarts += 1
        _stop(broken, 0.0)
        self.start()

    # ------------------------------------------------------------------------------------------ building

    def __call__(self, snapshot: bytes) -> list[RenderedDocument]:
        wanted = kinds_for(read_snapshot(snapshot))  # SnapshotInvalid here, in the caller, as build_documents raises it
        deadline = time.monotonic() + self.timeout_s
        executor, pending = self._submit(snapshot, [kind for kind, fmt in wanted if fmt == "pdf"])
        try:
            local = {(kind, fmt): build_document(snapshot, kind, fmt) for kind, fmt in wanted if fmt != "pdf"}
            rendered = {kind: future.result(timeout=max(0.0, deadline - time.monotonic())) for kind, future in pending.items()}
        except TimeoutError:
            if _cancel(pending.values()):  # a render still running after the whole timeout: its process may hang
                self._replace(executor)
            raise Unavailable(TIMEOUT, f"Документы по решению не сформированы за {self.timeout_s:g} с. "
                                       "Ничего не сохранено — повторите действие позже") from None
        except (BrokenProcessPool, CancelledError) as exc:  # a render process died (killed, out of memory); close()
            _cancel(pending.values())
            if self._closed:
                raise _stopped() from None
            self._replace(executor)
            raise _failed() from exc
        except BaseException:
            _cancel(pending.values())
            raise
        return [rendered[kind] if fmt == "pdf" else local[(kind, fmt)] for kind, fmt in wanted]

    def _submit(self, snapshot: bytes, kinds: list[str]) -> tuple[ProcessPoolExecutor, dict[str, Future[RenderedDocument]]]:
        """One task per PDF. A pool broken by an earlier crash (or replaced meanwhile) is replaced and tried once more:
        this request caused nothing."""
        for attempt in range(2):
            executor = self._current()
            pending: dict[str, Future[RenderedDocument]] = {}
            try:
                for kind in kinds:
                    pending[kind] = executor.submit(_render_pdf, snapshot, kind)
                return executor, pending
            except RuntimeError:  # BrokenProcessPool, or "cannot schedule new futures after shutdown"
                _cancel(pending.values())
                if self._closed:
                    raise _stopped() from None
                if attempt:
                    raise _failed() from None
                self._replace(executor)
        raise AssertionError("unreachable")


def _cancel(futures: Iterable[Future[RenderedDocument]]) -> bool:
    """Cancel what has not started; True when some render is still running."""
    running = [f for f in futures if not f.cancel() and not f.done()]  # a list: every future is cancelled, not the first
    return bool(running)


def _failed() -> Unavailable:
    return Unavailable(FAILED, "Процесс формирования документов по решению аварийно завершился и перезапущен. "
                               "Ничего не сохранено — повторите действие")


def _stopped() -> Unavailable:
    return Unavailable(STOPPED, "Сервер останавливается: документы по решению не сформированы. Ничего не сохранено — "
                                "повторите действие позже")
