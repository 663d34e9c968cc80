"""Scheduling and deadline control in a real browser, on a server whose clock the test moves: the registrar books an
in-person MSE; the citizen's invitation arrives at a local SMTP server; days pass; the case shows at risk, then overdue,
on the head's «Контроль сроков» dashboard."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, select, update

from mse.adapters.db.engine import make_engine
from mse.adapters.db.migrate import upgrade
from mse.adapters.db.tables import cases, persons
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.demo.load import load_demo
from mse.domain.organisation import Position
from mse.domain.scheduling import Availability
from mse.jobs.worker import build_worker, notification_channels
from mse.settings import Settings
from mse.web.app import create_app
from tests.browser.conftest import DEMO_PASSWORD, _loopback_socket, _ThreadServer
from tests.browser.test_ui import login
from tests.scheduling_support import Collector, add_case, smtp_server
from tests.support import FixedClock

pytestmark = pytest.mark.browser
EMAIL = "kuznetsova.a@example.ru"
START = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)  # Monday 02.03.2026, 09:30 in Moscow


@dataclass
class Clocked:
    url: str
    engine: Engine
    clock: FixedClock
    settings: Settings
    smtp: Collector
    case_id: int
    number: str
    day: date  # the day with a free slot


@pytest.fixture(scope="module")
def clocked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clocked]:
    db = tmp_path_factory.mktemp("clocked-db") / "mse.sqlite3"
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    load_demo(engine, persons=40, password=DEMO_PASSWORD, fast_hashes=True)
    clock = FixedClock(START)
    with SqlAlchemyUnitOfWork(engine) as uow:
        registrar = uow.identity.account_by_login("registrar")
        assert registrar is not None
        assert registrar.unit_id is not None
        bureau_id = registrar.unit_id
        expert = next(s for s in uow.orgs.staff_of_unit(bureau_id) if s.position is Position.EXPERT)
    with engine.begin() as c:
        person_id = c.execute(select(persons.c.id).where(persons.c.bureau_id == bureau_id).limit(1)).scalar_one()
        c.execute(update(persons).where(persons.c.id == person_id).values(email=EMAIL))
    # A registered case: the invitation is due in 5 calendar days (АР п.11), the decision in 30 (АР п.10).
    number = "77-1-0777/2026"
    case_id = add_case(engine, clock, bureau_id, number, person_id=person_id,
                       due_invitation=START.date() + timedelta(days=5), due_decision=START.date() + timedelta(days=30))
    day = START.date() + timedelta(days=1)
    with SqlAlchemyUnitOfWork(engine) as uow:  # demo bureaus have rooms 101 and 102; the expert receives on that day
        uow.scheduling.add_availability(Availability(expert.id, day, 9 * 60, 12 * 60))
        uow.commit()
    with smtp_server() as (collector, port):
        settings = Settings(database_url=url, env="test", log_json=True, cookie_secure=False, demo_password=DEMO_PASSWORD,
                            smtp_host="127.0.0.1", smtp_port=port, smtp_from="bureau1@mse.example")
        app = create_app(settings, engine=engine, clock=clock)
        sock = _loopback_socket()
        server = _ThreadServer(uvicorn.Config(app, host="127.0.0.1", port=int(sock.getsockname()[1]), log_level="warning",
                                              lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mse-clocked-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the clocked server did not start")
            time.sleep(0.02)
        try:
            yield Clocked(f"http://127.0.0.1:{sock.getsockname()[1]}", engine, clock, settings, collector, case_id, number, day)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
            engine.dispose()


def deliver(c: Clocked) -> None:
    """One pass of the delivery worker (outbox → SMTP), on the server's clock."""
    worker, transport = build_worker(c.engine, {}, clock=c.clock, channels=notification_channels(c.settings, 5.0))
    try:
        worker.run_once()
    finally:
        transport.close()


def dashboard_row(page: Page, c: Clocked) -> str:
    page.goto(f"{c.url}/deadlines")
    row = page.locator("tr", has_text=c.number)
    return " ".join(row.all_inner_texts())


def test_registrar_schedules_invitation_arrives_then_at_risk_then_overdue(page: Page, browser: Browser, clocked: Clocked) -> None:
    c = clocked
    login(page, "registrar", DEMO_PASSWORD, base=c.url)
    page.goto(f"{c.url}/cases/{c.case_id}/schedule")
    page.get_by_label("Форма проведения (п.20 протокола)").select_option("20.2")
    page.get_by_label("Место проведения (п.21 протокола)").select_option("21.1")
    page.get_by_label("Дата", exact=True).fill(c.day.isoformat())
    page.get_by_role("button", name="Показать свободное время").click()
    page.get_by_label("Время, кабинет и специалист").select_option(index=1)
    page.get_by_role("button", name="Записать и направить приглашение").click()
    expect(page.get_by_role("status").first).to_contain_text("Запись сохранена")
    with c.engine.connect() as conn:
        assert conn.execute(select(cases.c.state).where(cases.c.id == c.case_id)).scalar_one() == "scheduled"

    deliver(c)
    letters = [m for m in c.smtp.messages if EMAIL in str(m["To"])]
    assert len(letters) == 1, [str(m["To"]) for m in c.smtp.messages]
    body = letters[0].get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert f"{c.day:%d.%m.%Y}" in text
    assert "101" in text or "102" in text  # the room
    deliver(c)
    assert len([m for m in c.smtp.messages if EMAIL in str(m["To"])]) == 1  # delivered once

    head = browser.new_context().new_page()
    login(head, "head", DEMO_PASSWORD, base=c.url)
    assert c.number not in dashboard_row(head, c)  # 30 days ahead: on track, not listed

    c.clock.advance(days=27)  # Sunday 29.03: the decision is due on Wednesday 01.04 — one working day left on Tuesday
    c.clock.advance(days=2)  # Tuesday 31.03.2026
    login(head, "head", DEMO_PASSWORD, base=c.url)  # the session expired with the days that passed
    row = dashboard_row(head, c)
    assert "под угрозой" in row, row

    c.clock.advance(days=2)  # Thursday 02.04.2026: past the due date
    login(head, "head", DEMO_PASSWORD, base=c.url)
    row = dashboard_row(head, c)
    assert "просрочено" in row, row
    head.goto(f"{c.url}/deadlines?status=overdue")
    expect(head.locator("tr", has_text=c.number)).to_have_count(1)
    assert re.search(r"просрочено", head.locator("main").inner_text())
