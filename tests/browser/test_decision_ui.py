"""The expert decision in a real browser: a case with a complete protocol; the expert reads the suggestion and its
rationale beside the protocol and votes (signing); the head signs the decision; the справка and the ИПРА PDFs download;
the delivery worker sends the results to a loopback peer and the case shows them as delivered."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from mse.adapters.db.engine import make_engine
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.delivery.http import HttpDelivery
from mse.demo.peer import DemoPeer
from mse.domain.ports import SystemClock
from mse.services.delivery import deliver_due
from tests.browser.conftest import LiveServer
from tests.browser.test_protocol_ui import fill, item, register_case, tick, wait_saved
from tests.browser.test_ui import login

pytestmark = pytest.mark.browser


def fill_adult_protocol(page: Page, today: date) -> None:
    """An adult, in person, purposes 23.1 and 23.13: 70 % (III степень) → II группа for one year."""
    tick(page, "20", "20.2")
    tick(page, "21", "21.1")
    for key, value in (("2", today.isoformat()), ("3.1", "10:00"), ("3.2", "09:50"), ("3.3", "10:05"),
                       ("3.4", today.isoformat())):
        fill(page, key, value)
    born = date(1971, 5, 14)
    fill(page, "5.age", str(today.year - born.year - ((today.month, today.day) < (born.month, born.day))))
    tick(page, "5.age_unit", "years")
    tick(page, "11.kind", "residence")
    tick(page, "11.5.type", "urban")
    tick(page, "23", "23.1")
    tick(page, "23", "23.13")
    fill(page, "77.1", "Последствия ишемического инсульта в бассейне левой СМА")
    tick(page, "70", "not_required")
    tick(page, "78.1", "2")
    tick(page, "78.2", "2")
    tick(page, "79.4", "79.4.3")
    item(page, "79.4").locator('[name="79.4.percent"]').fill("70")
    tick(page, "80", "80.2")
    tick(page, "81", "81.1")
    tick(page, "83.1", "term")
    fill(page, "83.term", "1 год")
    reexam = date(today.year + 1, today.month, 1)
    fill(page, "84", reexam.isoformat())
    fill(page, "83.2", date(reexam.year + (reexam.month == 12), reexam.month % 12 + 1, 1).isoformat())
    tick(page, "92", "yes")
    tick(page, "93", "yes")
    fill(page, "102", "Стойкие выраженные нарушения статодинамических функций (70 %).")
    wait_saved(page)
    expect(page.locator("#summary-body")).to_contain_text("Протокол заполнен и может быть подписан")


def pdf_text(page: Page, link_name: str) -> str:
    with page.expect_download() as download:
        page.locator("#documents tr", has_text=link_name).filter(has_text="PDF").get_by_role("link", name="Скачать").click()
    data = download.value.path().read_bytes()
    assert data.startswith(b"%PDF")
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_expert_decides_head_signs_documents_download_results_delivered(page: Page, browser: Browser,
                                                                       live_server: LiveServer) -> None:
    number = register_case(browser, live_server, "ui-decision", "ВК-778")
    today = date.today()
    login(page, "expert", live_server.password)
    page.get_by_role("link", name="Протоколы МСЭ").click()
    page.get_by_role("button", name=f"Начать протокол № {number}").click()
    fill_adult_protocol(page, today)
    page.locator("#decision-recalc").click()  # the suggestion beside the protocol, for what is saved
    expect(page.locator("#decision-aside-body")).to_contain_text("вторая группа")
    expect(page.locator("#decision-aside-body")).to_contain_text("70 %")

    # The decision panel beside the protocol: the suggestion, its rationale step by step, no departures.
    page.locator("#decision-link").click()
    suggestion = page.locator("#suggestion")
    expect(suggestion.locator('[data-test="final-percent"]').first).to_have_text("70 %")
    expect(suggestion.locator('[data-test="outcome"]').first).to_have_text(re.compile("вторая группа", re.I))
    expect(suggestion.locator(".rationale__step").first).to_be_visible()
    assert suggestion.locator(".rationale__step").count() >= 4
    expect(suggestion).to_contain_text("374н")
    expect(page.locator("#no-departures")).to_be_visible()

    page.get_by_label("за", exact=True).check()
    page.get_by_role("button", name=re.compile("Проголосовать и подписать")).click()
    expect(page.locator("#panel-message")).to_contain_text("Ваш голос учтён")
    expect(page.locator("#majority")).to_contain_text("большинство «за»")
    decision_url = page.url.split("?")[0]

    head = browser.new_context(base_url=live_server.url).new_page()
    login(head, "head", live_server.password)
    head.goto(decision_url)
    head.get_by_role("button", name=re.compile("Подписать решение и оформить документы")).click()
    expect(head.locator("#decision-status")).to_contain_text("решение принято")
    expect(head.locator("#protocol-status")).to_have_text("подписан")

    certificate = pdf_text(head, "Справка")
    assert "Ёлкин" in certificate
    assert "вторая группа" in certificate.lower()
    ipra = pdf_text(head, "Индивидуальная программа")
    assert "Ёлкин" in ipra
    assert "реабилитации" in ipra.lower()
    expect(head.locator("#delivery")).to_contain_text("Социальный фонд России")

    # The delivery worker sends every result to the loopback peer (a stand-in for РЭМД ЕГИСЗ, СФР, ФРИ, ЕПГУ).
    engine = make_engine(live_server.database_url)
    with DemoPeer() as peer, HttpDelivery(peer.endpoints()) as transport:
        counts = deliver_due(lambda: SqlAlchemyUnitOfWork(engine), transport, SystemClock(), limit=100)
        assert counts.delivered >= 4, counts
        held = {m.topic for m in peer.state.stored.values()}
        assert {"result.mo", "result.sfr", "result.fri", "result.epgu"} <= held
    engine.dispose()
    head.reload()
    rows = head.locator("#delivery tbody tr")
    expect(rows.first).to_be_visible()
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text("доставлено")
