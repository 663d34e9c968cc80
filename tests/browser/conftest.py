"""Live-server fixtures for the browser suite: a migrated SQLite file with demo data, served by uvicorn
in a background thread, driven by Debian's Chromium through pytest-playwright (no browser download)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page, expect

from mse.adapters.db.engine import make_engine
from mse.adapters.db.migrate import upgrade
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.signature.pki import IssuedCertificate, create_root_ca, issue_certificate, write_trusted_roots
from mse.adapters.signature.staff_keys import DemoStaffKeys
from mse.demo.load import load_demo
from mse.settings import Settings
from mse.web.app import create_app

DEMO_PASSWORD = "demo-mse-2026"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class LiveServer:
    url: str
    password: str
    registrar_bureau: str  # full name of the registrar's bureau
    known_surname: str  # a surname of a person registered in that bureau
    registrar_bureau_id: int
    medical_org_ogrn: str  # the demo «medical_org» account's organisation
    medical_org_name: str
    medical_org_cert: IssuedCertificate  # its signing certificate, issued by a root the server trusts
    database_url: str = ""  # the server's database (a test may run the delivery worker against it)


class _ThreadServer(uvicorn.Server):
    """uvicorn without signal handlers (they belong to the main thread, which pytest owns)."""

    def install_signal_handlers(self) -> None:  # older uvicorn
        pass

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # newer uvicorn
        yield


def _loopback_socket() -> socket.socket:
    """A bound socket on a free loopback port, handed to uvicorn (no window for another process to take it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = tmp_path_factory.mktemp("browser-db") / "mse.sqlite3"
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    load_demo(engine, persons=200, password=DEMO_PASSWORD, fast_hashes=True)
    with SqlAlchemyUnitOfWork(engine) as uow:
        registrar = uow.identity.account_by_login("registrar")
        citizen = uow.identity.account_by_login("citizen")
        assert registrar is not None, "demo data has no registrar account"
        assert citizen is not None, "demo data has no citizen account"
        assert registrar.unit_id is not None
        assert citizen.person_id is not None
        bureau = uow.orgs.get_unit(registrar.unit_id)
        found = uow.people.get(citizen.person_id)
        assert bureau is not None
        assert found is not None
        person, _ = found
        assert person.bureau_id == registrar.unit_id, "the demo citizen is expected in the registrar's bureau"
        mo_account = uow.identity.account_by_login("medical_org")
        assert mo_account is not None, "demo data has no medical_org account"
        assert mo_account.medical_org_id is not None
        mo = uow.orgs.get_medical_org(mo_account.medical_org_id)
        assert mo is not None

    # The same intake settings as the API tests (tests/api/conftest.py): trusted roots and the bureau's signer.
    pki_dir = tmp_path_factory.mktemp("browser-pki")
    root = create_root_ca(pki_dir, name="root", common_name="Тестовый УЦ")
    mo_cert = issue_certificate(root, pki_dir, name="mo", common_name=mo.name, organization=mo.name, ogrn=mo.ogrn)
    bureau_cert = issue_certificate(root, pki_dir, name="bureau", common_name="Бюро МСЭ", organization="ФКУ ГБ МСЭ",
                                    ogrn="1027739000018")
    settings = Settings(database_url=url, env="test", log_json=True, cookie_secure=False, demo_password=DEMO_PASSWORD,
                        trusted_roots=write_trusted_roots(pki_dir / "trusted-roots.pem", root),
                        bureau_signing_cert=bureau_cert.cert, bureau_signing_key=bureau_cert.key)
    app = create_app(settings, engine=engine)
    # Specialists sign protocols with demo keys from the same test CA (what `mse demo load` sets up in var/pki).
    app.state.protocols.staff_keys = DemoStaffKeys(pki_dir / "staff", root)
    app.state.protocols.demo_keys = True
    sock = _loopback_socket()
    port = int(sock.getsockname()[1])
    server = _ThreadServer(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mse-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", DEMO_PASSWORD, bureau.name, person.data.full_name.surname,
                         registrar.unit_id, mo.ogrn, mo.name, mo_cert, url)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Browser tests need Debian's Chromium on PATH (apt-get install chromium); it was not found.",
                    pytrace=False)
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "ru-RU", "timezone_id": "Europe/Moscow",
            "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    """A broken page should fail in seconds, not after Playwright's 30 s default."""
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
