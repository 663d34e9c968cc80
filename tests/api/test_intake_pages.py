"""The intake pages over HTTP (no browser): queue, referral view with register/return, journal CSV, quarantine, access."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from mse.domain.identity import Role
from tests.intake_support import TestPki, envelope, rich_referral


def send(client: TestClient, pki: TestPki, body: bytes, *, signature: bytes | None = None) -> dict[str, object]:
    sig = signature if signature is not None else pki.sign(body)
    r = client.post("/api/v1/referrals", files={"document": ("referral.json", body, "application/json"),
                                               "signature": ("referral.json.sig", sig, "application/pkcs7-signature")})
    result: dict[str, object] = r.json()
    return result


def csrf(client: TestClient) -> str:
    return str(client.headers["X-CSRF-Token"])


def weak_referral(mo: TestClient, pki: TestPki) -> int:
    """A referral with content findings RR2 and RR5 (see test_referrals_api)."""
    status = send(mo, pki, envelope(rich_referral(anamnesisDisease="нет", rehabRecommendations=None, protocolNumber="ВК-119"),
                                    document_id="doc-weak"))
    assert status["state"] == "received", status
    return int(status["id"])  # type: ignore[call-overload]


def test_empty_queue_says_so_and_is_not_cached(login_as: Callable[[Role], TestClient]) -> None:
    registrar = login_as(Role.REGISTRAR)
    r = registrar.get("/intake")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    assert "Очередь направлений" in r.text
    assert "Новых направлений нет" in r.text
    assert 'href="/intake"' in r.text  # the menu link of the registrar


def test_queue_lists_a_referral_with_its_checks(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    referral_id = weak_referral(login_as(Role.MEDICAL_ORG), pki)
    registrar = login_as(Role.REGISTRAR)
    # Search by СНИЛС (surname search on SQLite is a repository matter: lower() there is ASCII-only).
    page = registrar.get("/intake", params={"text": "112-233-445 95"})
    assert page.status_code == 200
    assert f'href="/intake/{referral_id}"' in page.text
    assert "Ёлкин Пётр Ильич" in page.text
    assert "I69.3" in page.text
    assert "Замечаний: 2" in page.text
    assert 'value="112-233-445 95"' in page.text  # the search is kept in the form
    none = registrar.get("/intake", params={"text": "Нетакого"})
    assert "Ничего не найдено" in none.text

    view = registrar.get(f"/intake/{referral_id}")
    assert view.status_code == 200
    assert view.headers["Cache-Control"] == "no-store"
    assert "RR2" in view.text
    assert "Зарегистрировать" in view.text
    assert "Вернуть в медицинскую организацию" in view.text
    assert "Подпись действительна" in view.text
    # The referral is rendered from the form schema: point numbers and option labels, tables as tables.
    assert "31.2" in view.text
    assert "I69.3" in view.text
    assert "B01.023.001" in view.text


def test_return_without_a_reason_keeps_the_typed_text(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    referral_id = weak_referral(login_as(Role.MEDICAL_ORG), pki)
    registrar = login_as(Role.REGISTRAR)
    typed = "Уточните анамнез — набрано вручную"
    r = registrar.post(f"/intake/{referral_id}/return", data={"csrf_token": csrf(registrar), "text.RR2": typed})
    assert r.status_code == 422
    assert "Отметьте хотя бы одну причину возврата" in r.text
    assert typed in r.text
    assert 'name="reason" value="RR2" id="reason-RR2" checked' not in r.text  # nothing ticked stays unticked

    empty_text = registrar.post(f"/intake/{referral_id}/return",
                                data={"csrf_token": csrf(registrar), "reason": "RR5", "text.RR5": "  "})
    assert empty_text.status_code == 422
    assert "Поясните причину возврата" in empty_text.text

    done = registrar.post(f"/intake/{referral_id}/return", follow_redirects=False,
                          data={"csrf_token": csrf(registrar), "reason": ["RR2", "RR5"], "text.RR2": typed, "text.RR5": "Нет рекомендаций"})
    assert done.status_code == 303, done.text
    view = registrar.get(done.headers["location"])
    assert "Возвращено в медицинскую организацию" in view.text
    assert typed in view.text
    assert "/register" not in view.text  # no decision form any more
    notice = registrar.get(f"/intake/{referral_id}/return-notice.xml")
    assert notice.status_code == 200
    assert b"RR2" in notice.content
    assert notice.headers["Cache-Control"] == "no-store"
    assert registrar.get(f"/intake/{referral_id}/return-notice.sig").status_code == 200


def test_register_and_export_the_journal(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    good = int(send(mo, pki, envelope(rich_referral(), document_id="doc-good"))["id"])  # type: ignore[call-overload]
    registrar = login_as(Role.REGISTRAR)
    r = registrar.post(f"/intake/{good}/register", data={"csrf_token": csrf(registrar)}, follow_redirects=False)
    assert r.status_code == 303
    view = registrar.get(r.headers["location"])
    number = re.search(r"Направление зарегистрировано: № (\S+) от (\d\d\.\d\d\.\d{4})", view.text)
    assert number, view.text
    assert "Приглашение на медико-социальную экспертизу" in view.text
    again = registrar.post(f"/intake/{good}/register", data={"csrf_token": csrf(registrar)})
    assert again.status_code == 409
    assert "уже обработано" in again.text

    journal = registrar.get("/intake/journal", params={"text": number[1]})
    assert journal.status_code == 200
    assert number[1] in journal.text
    assert "Принято к рассмотрению" in journal.text
    bad_dates = registrar.get("/intake/journal", params={"date_from": "31.02.2026"})
    assert bad_dates.status_code == 422
    assert "ДД.ММ.ГГГГ" in bad_dates.text

    export = registrar.get("/intake/journal.csv")
    assert export.status_code == 200
    assert export.headers["Cache-Control"] == "no-store"
    assert export.headers["content-type"].startswith("text/csv")
    assert export.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["№ п/п", "Регистрационный номер", "Дата регистрации", "Отправитель", "Пациент", "Дата рождения",
                       "Диагноз", "Результат"]
    assert rows[1][:3] == ["1", number[1], number[2]]
    assert rows[1][4:] == ["Ёлкин Пётр Ильич", "14.05.1971", "I69.3", "Принято к рассмотрению"]


def test_quarantine_lists_a_malformed_upload(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    problem = send(mo, pki, b"{not json")
    assert problem["code"] == "json_malformed"
    registrar = login_as(Role.REGISTRAR)
    page = registrar.get("/intake/quarantine")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "json_malformed" in page.text
    assert "referral.json" in page.text
    assert "не является корректным JSON" in page.text
    import hashlib
    assert hashlib.sha256(b"{not json").hexdigest() in page.text
    link = re.search(r'href="(/intake/quarantine/\d+/file)"', page.text)
    assert link
    raw = registrar.get(link[1])
    assert raw.status_code == 200
    assert raw.content == b"{not json"
    assert registrar.get(link[1].replace("/file", "/signature")).status_code == 200
    assert login_as(Role.EXPERT).get("/intake/quarantine").status_code == 403


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN, Role.MEDICAL_ORG, Role.CITIZEN])
def test_intake_pages_are_for_bureau_staff(login_as: Callable[[Role], TestClient], role: Role) -> None:
    client = login_as(role)
    for path in ("/intake", "/intake/journal", "/intake/journal.csv", "/intake/quarantine", "/intake/1"):
        r = client.get(path)
        assert r.status_code in (403, 404), (path, r.status_code)
    assert 'href="/intake"' not in client.get("/").text


def test_anonymous_is_sent_to_the_login(client: TestClient) -> None:
    r = client.get("/intake", follow_redirects=False)
    assert r.status_code in (302, 303, 401)
