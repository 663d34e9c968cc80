"""«Отправка результатов» over HTTP (no browser): who sees which messages, filters, paging, late rows, the resend
button of a dead letter, payloads never shown; the case-level listing and the macro the decision page includes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from mse.adapters.db.tables import audit_events, cases
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.domain.errors import Forbidden, NotFound
from mse.domain.identity import Actor, Role
from mse.services import delivery
from tests.audit_support import seal
from tests.builders import World
from tests.intake_support import TestPki, envelope, rich_referral
from tests.support import FixedClock

SECRET = "СОДЕРЖИМОЕ-НЕ-ДЛЯ-ЭКРАНА"
LATE_DAY = date(2026, 2, 27)  # the clock says 2026-03-02


def csrf(client: TestClient) -> str:
    return str(client.headers["X-CSRF-Token"])


def add_case(engine: Engine, clock: FixedClock, bureau_id: int, number: str) -> int:
    with engine.begin() as c:
        new_id: int = c.execute(insert(cases).values(
            number=number, registered_on=clock.today(), bureau_id=bureau_id, person_id=None, state="decided", channel="api_json",
            purposes=[], priority_rank=0, created_at=clock.now(), updated_at=clock.now())).inserted_primary_key[0]  # type: ignore[index]
    return new_id


@dataclass
class Messages:
    case_a1: int
    case_b1: int
    sfr_dead: int  # A1, late
    mo_delivered: int  # A1
    military_b1: int  # B1, dead, late


@pytest.fixture
def msgs(engine: Engine, clock: FixedClock, world: World) -> Messages:
    a1 = add_case(engine, clock, world.units["A1"], "77-1-0001/2026")
    b1 = add_case(engine, clock, world.units["B1"], "50-1-0001/2026")
    now = clock.now()
    with SqlAlchemyUnitOfWork(engine) as uow:
        sfr = uow.outbox.enqueue("result.sfr", "case", a1, {"x": SECRET}, now, recipient="sfr", due_on=LATE_DAY,
                                 deadline="3 дня со дня принятия решения (адм. регламент п.16)")
        mo = uow.outbox.enqueue("result.mo", "case", a1, {"x": SECRET}, now, recipient="mo")
        mil = uow.outbox.enqueue("result.military", "case", b1, {"x": SECRET}, now, recipient="military", due_on=LATE_DAY)
        uow.outbox.mark_failed(sfr, now, next_available_at=now, error="получатель отклонил сообщение (HTTP 400)", dead=True)
        uow.outbox.mark_delivered(mo, now)
        uow.outbox.mark_failed(mil, now, next_available_at=now, error="получатель отклонил сообщение (HTTP 422)", dead=True)
        uow.commit()
    return Messages(a1, b1, sfr, mo, mil)


def listed_ids(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'<tr id="m-(\d+)"', html)}


@pytest.mark.parametrize(("role", "expected"), [
    (Role.HEAD, {"sfr_dead", "mo_delivered"}),
    (Role.MAIN_EXPERT, {"sfr_dead", "mo_delivered"}),
    (Role.FEDERAL_EXPERT, {"sfr_dead", "mo_delivered", "military_b1"}),
    (Role.ADMIN, {"sfr_dead", "mo_delivered", "military_b1"}),
])
def test_each_role_sees_the_messages_of_its_tree_without_payloads(login_as: Callable[[Role], TestClient], msgs: Messages,
                                                                 role: Role, expected: set[str]) -> None:
    client = login_as(role)
    r = client.get("/outbox")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    assert listed_ids(r.text) == {getattr(msgs, k) for k in expected}
    assert SECRET not in r.text
    assert 'href="/outbox"' in r.text  # the menu item
    assert "Социальный фонд России" in r.text
    assert "Медицинская организация (РЭМД ЕГИСЗ)" in r.text
    assert "Выписка из акта освидетельствования гражданина, признанного инвалидом" in r.text


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.EXPERT, Role.MEDICAL_ORG, Role.CITIZEN, Role.AUDITOR])
def test_other_roles_are_refused_and_have_no_menu_item(login_as: Callable[[Role], TestClient], msgs: Messages, role: Role) -> None:
    client = login_as(role)
    assert client.get("/outbox").status_code == 403
    assert 'href="/outbox"' not in client.get("/").text
    assert client.post(f"/outbox/{msgs.sfr_dead}/retry", data={"csrf_token": csrf(client)}).status_code == 403


def test_late_rows_are_highlighted_and_counted(login_as: Callable[[Role], TestClient], msgs: Messages) -> None:
    r = login_as(Role.HEAD).get("/outbox")
    late_rows = re.findall(r'<tr id="m-(\d+)" class="row--late"', r.text)
    assert late_rows == [str(msgs.sfr_dead)]
    assert "просрочено: <strong>1</strong>" in r.text
    assert "до 27.02.2026" in r.text
    assert "адм. регламент п.16" in r.text
    assert "срок не установлен" in r.text  # the МО has no term (GAP in the acts)
    assert "ожидает отправки: <strong>0</strong>" in r.text
    assert "доставлено: <strong>1</strong>" in r.text


def test_filters_by_status_recipient_and_late(login_as: Callable[[Role], TestClient], msgs: Messages) -> None:
    fed = login_as(Role.FEDERAL_EXPERT)
    assert listed_ids(fed.get("/outbox", params={"status": "dead"}).text) == {msgs.sfr_dead, msgs.military_b1}
    assert listed_ids(fed.get("/outbox", params={"recipient": "mo"}).text) == {msgs.mo_delivered}
    assert listed_ids(fed.get("/outbox", params={"late": "1"}).text) == {msgs.sfr_dead, msgs.military_b1}
    assert listed_ids(fed.get("/outbox", params={"case": str(msgs.case_b1)}).text) == {msgs.military_b1}
    none = fed.get("/outbox", params={"status": "pending"})
    assert listed_ids(none.text) == set()
    assert "По выбранным условиям сообщений нет" in none.text
    bogus = fed.get("/outbox", params={"status": "nonsense", "recipient": "<x>"})
    assert bogus.status_code == 200
    assert len(listed_ids(bogus.text)) == 3


def test_empty_state_and_paging(login_as: Callable[[Role], TestClient], engine: Engine, clock: FixedClock, world: World) -> None:
    head = login_as(Role.HEAD)
    assert "Исходящих сообщений пока нет" in head.get("/outbox").text
    case_id = add_case(engine, clock, world.units["A1"], "77-1-0002/2026")
    with SqlAlchemyUnitOfWork(engine) as uow:
        for _ in range(30):
            uow.outbox.enqueue("result.fri", "case", case_id, {}, clock.now(), recipient="fri")
        uow.commit()
    first = head.get("/outbox")
    assert "Показано 1–25 из 30" in first.text
    assert len(listed_ids(first.text)) == 25
    second = head.get("/outbox", params={"page": "2"})
    assert "Показано 26–30 из 30" in second.text
    assert len(listed_ids(second.text)) == 5
    assert not listed_ids(first.text) & listed_ids(second.text)


def test_head_resends_a_dead_letter(login_as: Callable[[Role], TestClient], msgs: Messages, engine: Engine) -> None:
    head = login_as(Role.HEAD)
    page = head.get("/outbox")
    assert page.text.count("Повторить отправку</button>") == 1  # only the dead letter, not the delivered one
    assert f'action="/outbox/{msgs.sfr_dead}/retry"' in page.text

    no_token = head.post(f"/outbox/{msgs.sfr_dead}/retry", data={}, headers={"X-CSRF-Token": ""})
    assert no_token.status_code == 403

    done = head.post(f"/outbox/{msgs.sfr_dead}/retry", data={"csrf_token": csrf(head), "back": "/outbox?status=dead"},
                     follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/outbox?status=dead&done={msgs.sfr_dead}#m-{msgs.sfr_dead}"
    after = head.get("/outbox", params={"status": "pending"})
    assert listed_ids(after.text) == {msgs.sfr_dead}
    assert "ожидает отправки" in after.text
    seal(engine)  # events are chained after commit (ADR 0005)
    with engine.connect() as c:
        actions = [r.action for r in c.execute(select(audit_events.c.action).where(audit_events.c.object_kind == "outbox"))]
    assert "outbox.retry" in actions
    assert "outbox.list" in actions

    again = head.post(f"/outbox/{msgs.sfr_dead}/retry", data={"csrf_token": csrf(head)})
    assert again.status_code == 409
    assert "Повторить можно только сообщение, отправка которого остановлена" in again.text
    foreign = head.post(f"/outbox/{msgs.military_b1}/retry", data={"csrf_token": csrf(head)})
    assert foreign.status_code == 404  # another region's message: not even its existence is shown
    evil = head.post(f"/outbox/{msgs.mo_delivered}/retry", data={"csrf_token": csrf(head), "back": "https://evil.example/"},
                     follow_redirects=False)
    assert evil.status_code == 409


def test_admin_may_resend_any_dead_letter(login_as: Callable[[Role], TestClient], msgs: Messages) -> None:
    admin = login_as(Role.ADMIN)
    r = admin.post(f"/outbox/{msgs.military_b1}/retry", data={"csrf_token": csrf(admin), "back": "//evil.example/"},
                   follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/outbox?done=")


def test_returned_referral_notices_are_listed_for_the_bureau(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    mo = login_as(Role.MEDICAL_ORG)
    body = envelope(rich_referral(), document_id="doc-outbox")
    sent = mo.post("/api/v1/referrals", files={"document": ("r.json", body, "application/json"),
                                               "signature": ("r.json.sig", pki.sign(body), "application/pkcs7-signature")})
    assert sent.status_code == 201, sent.text
    registrar = login_as(Role.REGISTRAR)
    back = registrar.post(f"/api/v1/referrals/{sent.json()['id']}/return",
                          json={"reasons": [{"code": "RR2", "text": "Не приложены результаты обследований"}]})
    assert back.status_code == 200, back.text
    head = login_as(Role.HEAD).get("/outbox")
    assert "Уведомление о возврате направления на МСЭ" in head.text
    assert "ТФОМС" in head.text
    assert "направление" in head.text
    assert len(listed_ids(head.text)) == 2
    assert listed_ids(login_as(Role.HEAD).get("/outbox", params={"recipient": "foms"}).text).__len__() == 1


def actor_of(role: Role, world: World, scope: str) -> Actor:
    return Actor(world.accounts[role], role.value, role, "x", scope_path=scope)


def test_messages_for_case_and_the_macro(client: TestClient, engine: Engine, clock: FixedClock, world: World, msgs: Messages) -> None:
    head = actor_of(Role.HEAD, world, world.unit_paths["A1"])
    with SqlAlchemyUnitOfWork(engine) as uow:
        rows = delivery.messages_for_case(uow, head, msgs.case_a1, clock)
        assert [v.row.id for v in rows] == [msgs.sfr_dead, msgs.mo_delivered]
        assert rows[0].late
        assert rows[0].may_retry
        assert not rows[1].late
        assert not rows[1].may_retry
        with pytest.raises(NotFound):
            delivery.messages_for_case(uow, head, msgs.case_b1, clock)
        with pytest.raises(Forbidden):
            delivery.messages_for_case(uow, actor_of(Role.EXPERT, world, world.unit_paths["A1"]), msgs.case_a1, clock)
    macro = client.app.state.templates.env.get_template("outbox/_status.html").module.delivery_table  # type: ignore[attr-defined]
    html = str(macro(rows))
    assert "Социальный фонд России" in html
    assert "доставлено" in html
    assert "просрочено" in html
    assert "Повторить отправку" not in html  # no token given: read-only block
    assert SECRET not in html
    with_button = str(macro(rows, csrf="tok", back="/cases/1"))
    assert with_button.count("Повторить отправку</button>") == 1
    assert 'value="/cases/1"' in with_button
