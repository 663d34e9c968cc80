"""Referral intake in a real browser: the МО sends two referrals, the registrar returns one and registers the other."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from mse.adapters.signature.signer import GostCmsSigner
from mse.domain.values import make_snils
from tests.browser.conftest import LiveServer
from tests.browser.test_ui import login
from tests.intake_support import envelope, rich_referral

pytestmark = pytest.mark.browser
ELKIN_SNILS = "112-233-445 95"  # the patient of tests/intake_support.rich_referral
SMIRNOVA_SNILS = make_snils("509876543").formatted


def _referral(server: LiveServer, **changes: Any) -> dict[str, Any]:
    """A recent referral of the demo МО (dates relative to today: the live server runs on the real clock)."""
    today = date.today()
    iso = {"protocolDate": today - timedelta(days=2), "consentDate": today - timedelta(days=3),
           "fillDate": today - timedelta(days=1)}
    exams = [{**e, "date": (today - timedelta(days=10 + i)).isoformat()}
             for i, e in enumerate(rich_referral()["examinations"])]
    return rich_referral(organizationOgrn=server.medical_org_ogrn, organizationName=server.medical_org_name,
                         examinations=exams, **{k: v.isoformat() for k, v in iso.items()}, **changes)


def send_referrals(browser: Browser, server: LiveServer, documents: list[tuple[str, dict[str, Any]]]) -> None:
    """The МО user's browser session posts each signed document to the API (cookie + CSRF header, as the UI does)."""
    context = browser.new_context(base_url=server.url)
    try:
        page = context.new_page()
        login(page, "medical_org", server.password)
        expect(page).to_have_url(server.url + "/")
        token = page.locator('meta[name="csrf-token"]').get_attribute("content")
        assert token
        signer = GostCmsSigner(server.medical_org_cert.cert, server.medical_org_cert.key)
        for document_id, referral in documents:
            body = envelope(referral, document_id=document_id, ogrn=server.medical_org_ogrn, bureau_id=server.registrar_bureau_id)
            r = context.request.post("/api/v1/referrals", headers={"X-CSRF-Token": token}, multipart={
                "document": {"name": "referral.json", "mimeType": "application/json", "buffer": body},
                "signature": {"name": "referral.json.sig", "mimeType": "application/pkcs7-signature", "buffer": signer.sign(body)},
            })
            assert r.status == 201, r.text()
            assert r.json()["state"] == "received", r.json()
    finally:
        context.close()


def test_registrar_returns_one_referral_and_registers_another(page: Page, browser: Browser, live_server: LiveServer) -> None:
    send_referrals(browser, live_server, [
        ("ui-weak", _referral(live_server, anamnesisDisease="нет", rehabRecommendations=None, protocolNumber="ВК-501")),
        ("ui-good", _referral(live_server, patientLastName="Смирнова", patientFirstName="Анна", patientMiddleName="Сергеевна",
                              sex="2", snils=SMIRNOVA_SNILS, protocolNumber="ВК-502")),
    ])

    login(page, "registrar", live_server.password)
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Направления на МСЭ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Очередь направлений")
    table = page.locator("main table")
    # Narrow the queue to the patient (the demo data may fill more than one page of the queue).
    page.get_by_label("Поиск").fill(ELKIN_SNILS)
    page.get_by_role("button", name="Показать").click()
    expect(page.get_by_label("Поиск")).to_have_value(ELKIN_SNILS)
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(live_server.medical_org_name)

    # 1. Return the referral with content findings; the suggested reason text is edited.
    table.get_by_role("link", name="Ёлкин Пётр Ильич").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ёлкин")
    expect(page.get_by_role("heading", name="Результаты автоматической проверки")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Подпись действительна")
    rr2 = page.get_by_role("checkbox", name=re.compile(r"^RR2"))
    expect(rr2).to_be_checked()  # pre-ticked from the automatic check
    text = page.get_by_label("Пояснение к причине RR2")
    expect(text).not_to_have_value("")
    text.fill("Анамнез заболевания не описан: укажите течение и проведённое лечение")
    page.get_by_role("checkbox", name=re.compile(r"^RR5")).uncheck()
    page.get_by_role("button", name="Вернуть в медицинскую организацию").click()

    decision = page.locator("#decision")
    expect(decision).to_contain_text("возвращено в медицинскую организацию")
    expect(decision).to_contain_text("Анамнез заболевания не описан: укажите течение")
    expect(decision.get_by_role("link", name="скачать XML")).to_be_visible()
    expect(page.get_by_role("button", name="Зарегистрировать")).to_have_count(0)

    # 2. Back to the queue: the returned referral has left it; open the other one and register it.
    page.get_by_role("navigation", name="Навигационная цепочка").get_by_role("link", name="Очередь направлений").click()
    page.get_by_label("Поиск").fill(ELKIN_SNILS)
    page.get_by_role("button", name="Показать").click()
    expect(page.locator("main")).to_contain_text("Ничего не найдено")  # the returned one left the queue
    page.get_by_label("Поиск").fill(SMIRNOVA_SNILS)
    page.get_by_role("button", name="Показать").click()
    table.get_by_role("link", name="Смирнова Анна Сергеевна").click()
    page.get_by_role("button", name="Зарегистрировать").click()
    expect(page.locator("#decision")).to_contain_text(re.compile(r"Направление зарегистрировано: № \S+/\d{4} от \d\d\.\d\d\.\d{4}"))
    number = re.search(r"№ (\S+)", page.locator("#decision").inner_text())
    assert number

    # 3. The registration journal has both.
    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Направления на МСЭ").click()
    page.get_by_role("navigation", name="Приём направлений").get_by_role("link", name="Журнал регистрации").click()
    journal = page.locator("main table")
    expect(journal).to_contain_text("Ёлкин Пётр Ильич")
    expect(journal).to_contain_text("Возвращено в МО")
    expect(journal).to_contain_text("Смирнова Анна Сергеевна")
    expect(journal).to_contain_text(number[1])
    expect(journal).to_contain_text("Принято к рассмотрению")

    page.get_by_label("Номер, фамилия или СНИЛС").fill(number[1])
    page.get_by_role("button", name="Показать").click()
    expect(journal.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_label("Номер, фамилия или СНИЛС")).to_have_value(number[1])
