"""The expert's workbench in a real browser: a registered case, a complete adult protocol (in person, purposes 23.1
and 23.13) with conditional items reacting, a reported error fixed, signatures of the specialist and the head, the PDF."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from pypdf import PdfReader

from tests.browser.conftest import LiveServer
from tests.browser.test_intake_ui import _referral, send_referrals
from tests.browser.test_ui import login

pytestmark = pytest.mark.browser


def item(page: Page, key: str) -> Locator:
    return page.locator(f'.item[data-key="{key}"]')


def tick(page: Page, key: str, option: str) -> None:
    """Mark one option of an item by keyboard-reachable control (a radio or a checkbox with that value)."""
    item(page, key).locator(f'input[value="{option}"]').check()


def fill(page: Page, key: str, value: str) -> None:
    item(page, key).locator(f'[name="{key}"]').fill(value)


def register_case(browser: Browser, server: LiveServer, document_id: str = "ui-protocol", vk: str = "ВК-777") -> str:
    """The МО sends a referral and the registrar registers it; returns the registration number."""
    send_referrals(browser, server, [(document_id, _referral(server, protocolNumber=vk))])
    context = browser.new_context(base_url=server.url)
    try:
        page = context.new_page()
        login(page, "registrar", server.password)
        page.goto("/intake")
        page.get_by_role("link", name=re.compile("Ёлкин")).first.click()
        page.get_by_role("button", name=re.compile("Зарегистрировать")).click()
        number = page.locator("text=/№ \\S+-\\d{6}\\/\\d{4}/").first.inner_text()
        match = re.search(r"\S+-\d{6}/\d{4}", number)
        assert match is not None, number
        return match.group(0)
    finally:
        context.close()


def wait_saved(page: Page) -> None:
    expect(page.locator("#autosave-state")).to_have_text(re.compile("Сохранено в"), timeout=10_000)


def test_expert_fills_signs_and_prints_a_protocol(page: Page, browser: Browser, live_server: LiveServer) -> None:
    number = register_case(browser, live_server)
    today = date.today()
    login(page, "expert", live_server.password)
    page.get_by_role("link", name="Протоколы МСЭ").click()
    page.get_by_role("button", name=f"Начать протокол № {number}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"№ {number}")
    expect(item(page, "4.surname").locator("input")).to_have_value("Ёлкин")
    expect(item(page, "4.surname")).to_contain_text("заполнено из: направление на МСЭ")

    # Conditional items: the place of an in-person MSE appears only for form 20.2 (389н прил.2 п.10(3)).
    expect(item(page, "21")).to_be_hidden()
    # Keyboard only: focus the option and press Space, as a user without a mouse does.
    item(page, "20").locator('input[value="20.2"]').focus()
    page.keyboard.press("Space")
    expect(item(page, "21")).to_be_visible()
    expect(item(page, "3.2")).to_be_visible()
    tick(page, "21", "21.1")

    fill(page, "2", today.isoformat())
    fill(page, "3.1", "10:00")
    fill(page, "3.2", "09:50")
    fill(page, "3.3", "10:05")
    fill(page, "3.4", today.isoformat())
    born = date(1971, 5, 14)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    fill(page, "5.age", str(age))
    tick(page, "5.age_unit", "years")
    tick(page, "11.kind", "residence")
    tick(page, "11.5.type", "urban")
    tick(page, "23", "23.1")
    tick(page, "23", "23.13")
    fill(page, "77.1", "Последствия ишемического инсульта в бассейне левой СМА")
    tick(page, "70", "not_required")
    expect(item(page, "71")).to_be_hidden()
    tick(page, "78.1", "2")
    tick(page, "78.2", "2")
    expect(item(page, "81")).to_be_hidden()
    tick(page, "80", "80.2")
    expect(item(page, "81")).to_be_visible()
    tick(page, "81", "81.1")
    tick(page, "83.1", "term")
    fill(page, "83.term", "1 год")
    fill(page, "83.2", date(today.year + 1, today.month, 1).isoformat())
    fill(page, "84", date(today.year + 1, today.month, 1).replace(day=1).isoformat())
    tick(page, "92", "yes")
    tick(page, "93", "yes")
    fill(page, "102", "Стойкие выраженные нарушения нейромышечных, скелетных и связанных с движением функций.")

    # A reported error: 60 % does not belong to the marked III степень (70–80 %), then fixed.
    tick(page, "79.2", "79.2.3")
    item(page, "79.2").locator('[name="79.2.percent"]').fill("60")
    wait_saved(page)
    expect(item(page, "79.2").locator(".field-error")).to_contain_text("не соответствует отмеченной степени")
    item(page, "79.2").locator('[name="79.2.percent"]').fill("70")
    wait_saved(page)
    expect(item(page, "79.2").locator(".field-error")).to_have_text("")
    expect(page.locator("#summary-body")).to_contain_text("Протокол заполнен и может быть подписан")

    page.reload()  # what was typed is stored, not just shown
    expect(item(page, "79.2").locator('[name="79.2.percent"]')).to_have_value("70")
    page.get_by_role("button", name=re.compile("^Подписать")).click()
    expect(page.locator("#protocol-status")).to_have_text("на подписании")
    protocol_url = page.url.split("?")[0]

    head = browser.new_context(base_url=live_server.url).new_page()
    login(head, "head", live_server.password)
    head.goto(protocol_url)
    head.get_by_role("button", name=re.compile("^Подписать")).click()
    expect(head.locator("#protocol-status")).to_have_text("подписан")
    with head.expect_download() as download:
        head.get_by_role("link", name="Скачать PDF").click()
    path = download.value.path()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Ёлкин" in text
    assert number in text
    assert re.search(r"70\s*%", text), text
    assert "вторая группа" in text.lower()
    assert "ЧЕРНОВИК" not in text
