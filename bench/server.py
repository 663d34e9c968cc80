"""The platform as a real server on loopback for the HTTP benchmarks (P1, P3, P4, P10), and the `wrk` runner.

`serve(url, …)` starts `python -m mse serve` as a SUBPROCESS (the same entry point as production: uvicorn, one
process) on a free 127.0.0.1 port against a given database, waits for /readyz and stops it afterwards.
`run_wrk(…)` drives it with wrk (Debian package `wrk`, see scripts/bench-deps) and a Lua script from bench/lua/:
the common part (per-thread status counters, a JSON summary) is prepended to the benchmark's own script.
Every load run is bounded in time (-d) and, where it consumes pre-signed documents, in count.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

LUA_DIR = Path(__file__).resolve().parent / "lua"
WRK_MISSING = "не установлена программа wrk (scripts/bench-deps или apt-get install wrk)"


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> int:
        """Resident memory of the server (VmRSS), KiB: the process and, with several workers, all its children."""
        total = 0
        for pid in [self.pid, *_children(self.pid)]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue  # a worker that just exited
        if not total:
            raise RuntimeError("VmRSS не найден")
        return total

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [g for c in found for g in _children(c)]


# One server process per core, as deployed (`mse serve --workers`): one Python process uses one core.
WORKERS = max(1, os.cpu_count() or 1)


@contextmanager
def serve(database_url: str, *, workdir: Path, trusted_roots: Path, env: dict[str, str] | None = None,
          ready_timeout: float = 60.0) -> Iterator[Server]:
    """`mse serve` on 127.0.0.1:<free port> against `database_url` (already migrated); stopped on exit."""
    port = free_port()
    log = workdir / f"server-{port}.log"
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("MSE_")}
    child_env.update({
        "MSE_DATABASE_URL": database_url, "MSE_HOST": "127.0.0.1", "MSE_PORT": str(port), "MSE_ENV": "test",
        "MSE_WORKERS": str(WORKERS),
        "MSE_TRUSTED_ROOTS": str(trusted_roots), "MSE_DEMO_ACCOUNTS": "false", "MSE_COOKIE_SECURE": "false",
        # No bureau key: return notices are not signed in these runs (not on the measured paths).
        "MSE_BUREAU_SIGNING_CERT": str(workdir / "absent.crt"), "MSE_BUREAU_SIGNING_KEY": str(workdir / "absent.key"),
        **(env or {}),
    })
    with log.open("wb") as sink:
        # cwd=workdir: the developer's .env in the repository is not read by the benchmark server.
        process = subprocess.Popen([sys.executable, "-m", "mse", "serve"], cwd=workdir, env=child_env,
                                   stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(server, ready_timeout)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"сервер завершился с кодом {server.process.returncode}:\n{server.log_tail()}")
            try:
                if client.get(server.base_url + "/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"сервер не готов за {timeout:.0f} с:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # uvicorn: graceful shutdown
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# ---- wrk ---------------------------------------------------------------------------------------------------------------

@dataclass
class WrkResult:
    """What one wrk run reports (bench/lua/common.lua prints it as JSON): latency in seconds."""

    requests: int
    seconds: float
    rate: float  # completed requests per second over the run
    p50: float
    p95: float
    p99: float
    mean: float
    max: float
    statuses: dict[str, int]
    socket_errors: dict[str, int]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Non-2xx answers plus connect/read/write/timeout errors."""
        bad = sum(n for code, n in self.statuses.items() if not code.startswith("2"))
        return bad + sum(self.socket_errors.values())

    def summary(self) -> dict[str, Any]:
        return {"requests": self.requests, "seconds": round(self.seconds, 2), "rate": round(self.rate, 1),
                "p50_ms": round(self.p50 * 1000, 2), "p95_ms": round(self.p95 * 1000, 2), "p99_ms": round(self.p99 * 1000, 2),
                "mean_ms": round(self.mean * 1000, 2), "max_ms": round(self.max * 1000, 2), "statuses": self.statuses,
                "socket_errors": self.socket_errors, **self.extra}


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(base_url: str, script: str, args: list[str], *, workdir: Path, threads: int, connections: int,
            seconds: float, path: str = "/") -> WrkResult:
    """Run wrk with bench/lua/common.lua + bench/lua/<script>.lua (script "a+b": a.lua then b.lua, the later
    overriding the former's hooks); `args` reach the script's init(args)."""
    if not wrk_available():
        raise RuntimeError(WRK_MISSING)
    parts = ["common", *script.split("+")]
    body = "\n".join((LUA_DIR / f"{name}.lua").read_text(encoding="utf-8") for name in parts)
    lua = workdir / f"wrk-{script.replace('+', '-')}.lua"
    lua.write_text(body, encoding="utf-8")
    duration = max(1, round(seconds))
    argv = ["wrk", "-t", str(threads), "-c", str(max(connections, threads)), "-d", f"{duration}s", "--timeout", "10s",
            "-s", str(lua), base_url + path, "--", *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=False)  # noqa: S603
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk завершился с кодом {done.returncode}: {done.stderr.strip()[-500:]} {done.stdout.strip()[-500:]}")
    data = json.loads(line[len("BENCHJSON "):])
    seconds_run = data["duration_us"] / 1e6
    requests = int(data["requests"])
    return WrkResult(
        requests=requests, seconds=seconds_run, rate=requests / seconds_run if seconds_run else 0.0,
        p50=data["p50_us"] / 1e6, p95=data["p95_us"] / 1e6, p99=data["p99_us"] / 1e6, mean=data["mean_us"] / 1e6,
        max=data["max_us"] / 1e6, statuses={str(k): int(v) for k, v in data["statuses"].items()},
        socket_errors={k: int(v) for k, v in data["errors"].items() if int(v)},
        extra={k: v for k, v in data.items() if k.startswith("x_")})


def healthz_rate(server: Server, *, workdir: Path, seconds: float, connections: int = 32) -> WrkResult:
    """The baseline of the HTTP benchmarks: `GET /healthz` of the same server at saturation."""
    return run_wrk(server.base_url, "get", ["0", "/healthz"], workdir=workdir, threads=2, connections=connections, seconds=seconds)


def pacing_delay_ms(target_rate: float, connections: int, service_seconds: float) -> float:
    """Think time per connection so that `connections` closed-loop connections offer about `target_rate` req/s."""
    period = connections / target_rate if target_rate > 0 else 1.0
    return max(0.0, (period - service_seconds) * 1000)


def count_statements(database_url: str, trusted_roots: Path, method: str, path: str, *, headers: dict[str, str],
                     body: bytes | None = None, warmup: int = 1) -> tuple[int, list[str], int]:
    """SQL statements one request issues, counted in-process (the same app, a SQLAlchemy before_cursor_execute
    listener on its engine) after `warmup` identical requests; returns (count, first lines, HTTP status)."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from mse.adapters.db.engine import make_engine
    from mse.settings import Settings
    from mse.web.app import create_app

    engine = make_engine(database_url)
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append(" ".join(statement.split())[:120])

    settings = Settings(database_url=database_url, env="test", trusted_roots=trusted_roots, cookie_secure=False,
                        log_level="WARNING", bureau_signing_cert=trusted_roots.parent / "absent.crt",
                        bureau_signing_key=trusted_roots.parent / "absent.key")
    try:
        with TestClient(create_app(settings, engine=engine)) as client:
            status = 0
            for _ in range(warmup + 1):
                seen.clear()
                status = client.request(method, path, headers=headers, content=body).status_code
        return len(seen), list(seen), status
    finally:
        engine.dispose()
