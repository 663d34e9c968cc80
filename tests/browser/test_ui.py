"""The Russian UI in a real browser: login, home page, person search and card, audit journal, registration form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def login(page: Page, username: str, password: str, *, base: str = "") -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Имя пользователя", exact=True).fill(username)
    page.get_by_label("Пароль", exact=True).fill(password)
    page.get_by_role("button", name="Войти").click()


def test_registrar_logs_in_searches_and_opens_a_card(page: Page, live_server: LiveServer) -> None:
    login(page, "registrar", live_server.password)

    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("header")).to_contain_text("Регистратор бюро")
    expect(page.locator("main")).to_contain_text(live_server.registrar_bureau)
    nav = page.get_by_role("navigation", name="Основное меню")
    expect(nav.get_by_role("link", name="Зарегистрировать гражданина")).to_be_visible()
    expect(nav.get_by_role("link", name="Журнал аудита")).to_have_count(0)

    nav.get_by_role("link", name="Граждане").click()
    page.get_by_label("Фамилия", exact=True).fill(live_server.known_surname.upper())  # case-insensitive search
    page.get_by_role("button", name="Найти").click()

    results = page.locator("#results")
    expect(results).to_contain_text(re.compile(r"Показано 1–\d+ из \d+"))
    first = results.get_by_role("link", name=re.compile(live_server.known_surname)).first
    expect(first).to_be_visible()
    expect(page).to_have_url(re.compile(r"/persons\?.*surname="))  # HTMX pushed the search into the address
    expect(page.get_by_label("Фамилия", exact=True)).to_have_value(live_server.known_surname.upper())

    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(live_server.known_surname)
    expect(page.get_by_role("heading", name="Основные сведения")).to_be_visible()
    expect(page.locator("main")).to_contain_text(re.compile(r"\d{3}-\d{3}-\d{3} \d{2}"))  # formatted СНИЛС

    # The same search works as a plain page load (no JavaScript needed).
    page.goto(f"/persons?q=1&surname={live_server.known_surname}")
    expect(page.locator("#results table")).to_contain_text(live_server.known_surname)


def test_wrong_password_keeps_the_login(page: Page, live_server: LiveServer) -> None:
    login(page, "registrar", "не-тот-пароль")

    expect(page.get_by_role("alert")).to_have_text("Неверное имя пользователя или пароль")
    expect(page.get_by_label("Имя пользователя", exact=True)).to_have_value("registrar")
    expect(page.get_by_label("Пароль", exact=True)).to_have_value("")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_auditor_sees_the_registrar_login(page: Page, browser: Browser, live_server: LiveServer) -> None:
    other = browser.new_context(base_url=live_server.url)
    try:
        login(other.new_page(), "registrar", live_server.password)
    finally:
        other.close()

    login(page, "auditor", live_server.password)
    expect(page.locator("header")).to_contain_text("Аудитор")
    expect(page.locator("main table")).to_contain_text("Вход в систему")

    page.get_by_role("navigation", name="Основное меню").get_by_role("link", name="Журнал аудита").click()
    page.get_by_label("Логин пользователя").fill("registrar")
    page.get_by_label("Действие").select_option(label="Вход в систему")
    page.get_by_role("button", name="Показать").click()

    rows = page.locator("main table tbody tr")
    expect(rows.first).to_contain_text("registrar")
    expect(rows.first).to_contain_text("Вход в систему")
    expect(rows.first).to_contain_text("Регистратор бюро")
    expect(page.locator("main")).to_contain_text(re.compile(r"Показано 1–\d+ из \d+"))


def test_registration_keeps_values_and_explains_a_bad_snils(page: Page, live_server: LiveServer) -> None:
    login(page, "registrar", live_server.password)
    page.goto("/persons/new")

    typed = {
        "Фамилия": "Проверкина",
        "Имя": "Анна",
        "Отчество (при наличии)": "Сергеевна",
        "СНИЛС": "123-456-789 00",  # wrong control number (it must be 64)
        "Серия": "45 10",
        "Номер": "123456",
        "Кем выдан": "ОВД района Арбат г. Москвы",
        "Населённый пункт": "Москва",
        "Улица": "ул. Арбат",
        "Дом": "10",
        "Квартира": "5",
        "Почтовый индекс": "119002",
        "Телефон (мобильный)": "+7 916 123-45-67",
    }
    for label, value in typed.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Дата рождения", exact=True).fill("1980-05-17")
    page.get_by_label("женский").check()
    page.get_by_label("Субъект Российской Федерации").select_option(label="г. Москва")
    page.get_by_role("button", name="Зарегистрировать").click()

    snils_error = page.locator("#err-snils")
    expect(snils_error).to_have_text("Неверная контрольная сумма СНИЛС")
    expect(page.get_by_label("СНИЛС", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Сведения заполнены с ошибками")
    for label, value in typed.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    expect(page.get_by_label("Дата рождения", exact=True)).to_have_value("1980-05-17")
    expect(page.get_by_label("женский")).to_be_checked()
    expect(page.get_by_label("Субъект Российской Федерации")).to_have_value(re.compile(r"^\d{2}$"))
