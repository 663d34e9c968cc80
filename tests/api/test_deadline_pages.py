"""«Контроль сроков» and «Запись на освидетельствование» over HTTP: access per role, filters, paging, empty states,
audited listings; the scheduling form keeps the input and shows coded errors inline."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from mse.adapters.db.tables import audit_events, outbox
from mse.domain.identity import Role
from mse.domain.scheduling import local_moment
from tests.audit_support import seal
from tests.builders import World
from tests.scheduling_support import add_case, set_up_bureau
from tests.support import FixedClock

MONDAY = date(2026, 3, 2)


@pytest.fixture
def deadlines(engine: Engine, clock: FixedClock, world: World) -> dict[str, int]:
    return {
        "a1_overdue": add_case(engine, clock, world.units["A1"], "77-1-0001/2026", due_decision=MONDAY - timedelta(days=3)),
        "a1_today": add_case(engine, clock, world.units["A1"], "77-1-0002/2026", due_invitation=MONDAY,
                             due_decision=MONDAY + timedelta(days=30)),
        "a2_risk": add_case(engine, clock, world.units["A2"], "77-2-0001/2026", due_decision=MONDAY + timedelta(days=1)),
        "b1_overdue": add_case(engine, clock, world.units["B1"], "50-1-0001/2026", due_invitation=MONDAY - timedelta(days=1)),
    }


ROW = re.compile(r'<tr id="d-\d+-(DL-\d+)" class="deadline deadline--(\w+)">\s*<td>№ ([^<]+)</td>')


def listed(html: str) -> set[str]:
    return {f"{number}:{kind}:{status}" for kind, status, number in ROW.findall(html)}


@pytest.mark.parametrize(("role", "expected"), [
    (Role.HEAD, {"77-1-0001/2026:DL-01:overdue", "77-1-0002/2026:DL-04:due_today"}),
    (Role.MAIN_EXPERT, {"77-1-0001/2026:DL-01:overdue", "77-1-0002/2026:DL-04:due_today", "77-2-0001/2026:DL-01:at_risk"}),
    (Role.FEDERAL_EXPERT, {"77-1-0001/2026:DL-01:overdue", "77-1-0002/2026:DL-04:due_today", "77-2-0001/2026:DL-01:at_risk",
                           "50-1-0001/2026:DL-04:overdue"}),
])
def test_heads_and_upper_roles_see_their_tree(login_as: Callable[[Role], TestClient], deadlines: dict[str, int], role: Role,
                                              expected: set[str], engine: Engine) -> None:
    client = login_as(role)
    r = client.get("/deadlines")
    assert r.status_code == 200
    assert listed(r.text) == expected
    assert "Контроль сроков" in r.text
    seal(engine)  # events are chained after commit (ADR 0005)
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(audit_events).where(audit_events.c.action == "deadline.list")).scalar_one() == 1


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.EXPERT, Role.MEDICAL_ORG, Role.CITIZEN, Role.AUDITOR, Role.ADMIN])
def test_other_roles_are_refused(login_as: Callable[[Role], TestClient], deadlines: dict[str, int], role: Role) -> None:
    client = login_as(role)
    r = client.get("/deadlines")
    assert r.status_code == 403
    assert "/deadlines" not in client.get("/").text  # no menu item either


def test_filters_sort_and_empty_states(login_as: Callable[[Role], TestClient], deadlines: dict[str, int], world: World) -> None:
    client = login_as(Role.FEDERAL_EXPERT)
    assert listed(client.get("/deadlines?status=overdue").text) == {"77-1-0001/2026:DL-01:overdue", "50-1-0001/2026:DL-04:overdue"}
    assert listed(client.get("/deadlines?kind=DL-04").text) == {"77-1-0002/2026:DL-04:due_today", "50-1-0001/2026:DL-04:overdue"}
    assert listed(client.get(f"/deadlines?bureau={world.units['A2']}").text) == {"77-2-0001/2026:DL-01:at_risk"}
    by_case, by_due, by_bureau = (client.get(f"/deadlines?sort={s}").text for s in ("case", "due", "bureau"))
    assert by_case.index("№ 50-1-0001/2026") < by_case.index("№ 77-1-0001/2026")
    assert by_due.index("№ 77-1-0001/2026") < by_due.index("№ 50-1-0001/2026")  # 27.02 before 01.03
    assert by_bureau.index("№ 77-2-0001/2026") < by_bureau.index("№ 50-1-0001/2026")  # A2 before B1
    empty = client.get(f"/deadlines?status=at_risk&bureau={world.units['B1']}")
    assert "По выбранным условиям сроков нет." in empty.text
    assert "Показано 1–" in client.get("/deadlines").text


def test_empty_dashboard(login_as: Callable[[Role], TestClient]) -> None:
    r = login_as(Role.HEAD).get("/deadlines")
    assert r.status_code == 200
    assert "Сегодня нет истекающих, находящихся под угрозой или просроченных сроков." in r.text


def test_registrar_schedules_a_case_and_errors_keep_the_input(login_as: Callable[[Role], TestClient], engine: Engine,
                                                              clock: FixedClock, world: World) -> None:
    b = set_up_bureau(engine, clock, world)
    client = login_as(Role.REGISTRAR)
    page = client.get(f"/cases/{b.case_id}/schedule?day={b.day.isoformat()}")
    assert page.status_code == 200
    assert "Расписание" in page.text  # the menu item
    key = f"{local_moment(b.day, 600).isoformat()}|{b.staff_id}|{b.room_id}"
    assert f'value="{key}"' in page.text
    csrf = str(client.headers["X-CSRF-Token"])
    bad = client.post(f"/cases/{b.case_id}/schedule", data={
        "csrf_token": csrf, "procedure": "primary", "form_code": "20.3", "place_code": "21.8", "day": b.day.isoformat(),
        "slot": key})
    assert bad.status_code == 409
    assert "316н" in bad.text
    assert 'value="21.8" selected' in bad.text
    home = client.post(f"/cases/{b.case_id}/schedule", data={
        "csrf_token": csrf, "procedure": "primary", "form_code": "20.2", "place_code": "21.2", "day": b.day.isoformat(),
        "slot": f"{local_moment(b.day, 600).isoformat()}|{b.staff_id}|", "place_text": "г. Москва, ул. Тверская, 7-12"})
    assert home.status_code == 409
    assert "заключения врачебной комиссии" in home.text
    assert "г. Москва, ул. Тверская, 7-12" in home.text  # the input is kept
    ok = client.post(f"/cases/{b.case_id}/schedule", data={
        "csrf_token": csrf, "procedure": "primary", "form_code": "20.2", "place_code": "21.1", "day": b.day.isoformat(),
        "slot": key}, follow_redirects=True)
    assert ok.status_code == 200
    assert "Запись сохранена" in ok.text
    assert "приглашение на МСЭ" in ok.text
    assert "el***@example.ru" in ok.text
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(outbox).where(outbox.c.topic == "notify.email")).scalar_one() == 1
    day = client.get(f"/schedule?day={b.day.isoformat()}")
    assert day.status_code == 200
    assert "77-1-0001/2026" in day.text


def test_schedule_page_refuses_other_roles_and_foreign_cases(login_as: Callable[[Role], TestClient], engine: Engine,
                                                            clock: FixedClock, world: World) -> None:
    b = set_up_bureau(engine, clock, world)
    foreign = add_case(engine, clock, world.units["B1"], "50-1-0009/2026")
    assert login_as(Role.EXPERT).get(f"/cases/{b.case_id}/schedule").status_code == 403
    client = login_as(Role.REGISTRAR)
    assert client.get(f"/cases/{foreign}/schedule").status_code == 404
