"""Workbench page benchmark (not a test): weight and time to interactive of the full protocol in Chromium.

    .venv/bin/python -m bench.protocol.workbench [--runs 5] [--format json]

A temporary SQLite database gets the demo slice and 20 demo referrals (some registered); a demo expert's
protocol of one registered case is opened (prefilled, ~330 items on the page). The real app is served by
uvicorn on loopback and Debian's Chromium (headless) loads the workbench `--runs` times with a cold cache.
Reported: HTML bytes (raw and gzip-compressed, what a reverse proxy would send), static assets, the DOM size,
DOMContentLoaded, the load event and «workbench-ready» (the mark workbench.js sets once the conditional
items are applied — the page is usable from then on), and the server time of the page itself.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import sync_playwright

from mse.adapters.db.engine import make_engine
from mse.adapters.db.migrate import upgrade
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.passwords import Argon2Hasher
from mse.demo.load import load_demo
from mse.demo.referrals import DemoPkiPaths
from mse.domain.ports import SystemClock
from mse.services import auth, protocols
from mse.settings import Settings
from mse.web.app import create_app

PASSWORD = "demo-mse-2026"  # noqa: S105 - the published demo password
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu"]


def _prepare(base: Path) -> tuple[Settings, Any, int]:
    url = f"sqlite:///{base / 'bench.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    pki = DemoPkiPaths(base / "pki", base / "pki" / "trusted-roots.pem", base / "pki" / "bureau.crt", base / "pki" / "bureau.key")
    load_demo(engine, persons=60, password=PASSWORD, fast_hashes=True, referrals=20, pki=pki)
    with SqlAlchemyUnitOfWork(engine) as uow:
        account = uow.identity.account_by_login("expert")
        assert account is not None
        rows, _ = uow.protocols.work_list(unit_path_prefix="/", limit=100, offset=0)
    clock = SystemClock()
    with SqlAlchemyUnitOfWork(engine) as uow:
        session = auth.login(uow, "expert", PASSWORD, Argon2Hasher(fast=True), clock, ip="127.0.0.1", session_hours=1)
        actor, _ = auth.session_actor(uow, session.token, clock, ip="127.0.0.1", session_hours=1)
    case = next(r for r in rows if _in_scope(r, actor.scope_path, engine))
    record = protocols.open_for_case(lambda: SqlAlchemyUnitOfWork(engine), actor, case.case_id, clock)
    settings = Settings(database_url=url, env="test", log_json=True, cookie_secure=False, demo_password=PASSWORD,
                        trusted_roots=pki.trusted_roots, bureau_signing_cert=pki.bureau_cert, bureau_signing_key=pki.bureau_key)
    return settings, engine, record.id


def _in_scope(row: Any, scope: str, engine: Any) -> bool:
    with SqlAlchemyUnitOfWork(engine) as uow:
        case = uow.protocols.case_context(row.case_id)
    return case is not None and case.unit_path.startswith(scope)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings, engine, protocol_id = _prepare(Path(tmp))
        app = create_app(settings, engine=engine)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        results = _measure(base, protocol_id, args.runs)
        server.should_exit = True
        thread.join(timeout=10)
    if args.format == "json":
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return
    print(f"Рабочее место специалиста: протокол № {protocol_id}, {args.runs} загрузок (Chromium, холодный кэш)")
    print(f"  HTML: {results['html_bytes'] / 1024:.0f} КиБ (gzip {results['html_gzip_bytes'] / 1024:.0f} КиБ), "
          f"статика: {results['static_bytes'] / 1024:.0f} КиБ, элементов DOM: {results['dom_nodes']}, пунктов: {results['items']}")
    for name, label in (("server_ms", "ответ сервера"), ("dcl_ms", "DOMContentLoaded"), ("load_ms", "load"),
                        ("ready_ms", "готово к работе (workbench-ready)")):
        print(f"  {label}: медиана {results[name]['median']:.0f} мс (мин {results[name]['min']:.0f}, макс {results[name]['max']:.0f})")


def _measure(base: str, protocol_id: int, runs: int) -> dict[str, Any]:
    timings: dict[str, list[float]] = {"server_ms": [], "dcl_ms": [], "load_ms": [], "ready_ms": []}
    out: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for run in range(runs + 1):  # the first load warms the server (templates, form data)
            context = browser.new_context(base_url=base)
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("Имя пользователя", exact=True).fill("expert")
            page.get_by_label("Пароль", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Войти").click()
            page.wait_for_url(base + "/")
            response = page.goto(f"/protocols/{protocol_id}")
            assert response is not None
            assert response.status == 200, response.status
            page.wait_for_function("performance.getEntriesByName('workbench-ready').length > 0")
            nav = page.evaluate("JSON.parse(JSON.stringify(performance.getEntriesByType('navigation')[0]))")
            ready = page.evaluate("performance.getEntriesByName('workbench-ready')[0].startTime")
            if run:
                timings["server_ms"].append(nav["responseEnd"] - nav["requestStart"])
                timings["dcl_ms"].append(nav["domContentLoadedEventEnd"])
                timings["load_ms"].append(nav["loadEventEnd"])
                timings["ready_ms"].append(ready)
            if run == runs:
                html = response.body()
                out["html_bytes"] = len(html)
                out["html_gzip_bytes"] = len(gzip.compress(html))
                out["static_bytes"] = page.evaluate(
                    "performance.getEntriesByType('resource').reduce((s, r) => s + (r.decodedBodySize || 0), 0)")
                out["dom_nodes"] = page.evaluate("document.getElementsByTagName('*').length")
                out["items"] = page.evaluate("document.querySelectorAll('.item[data-key]').length")
            context.close()
        browser.close()
    for name, values in timings.items():
        out[name] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    return out


if __name__ == "__main__":
    main()
