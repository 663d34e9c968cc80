"""«Кабинеты и график приёма» over HTTP: the head keeps his own bureau's rooms and specialists' hours (days off of the
production calendar skipped, overlaps never doubled); errors inline with the input kept; other bureaus are not found;
other roles are refused; every change and read is audited. The FixedClock's day is Monday 02.03.2026."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from mse.adapters.db.tables import audit_events, staff_availability
from mse.domain.identity import Role
from tests.audit_support import seal
from tests.builders import World


def _audited(engine: Engine, action: str) -> int:
    seal(engine)  # events are chained after commit (ADR 0005)
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(audit_events).where(audit_events.c.action == action)).scalar_one())


def test_the_head_adds_rooms_of_his_bureau(login_as: Callable[[Role], TestClient], engine: Engine) -> None:
    client = login_as(Role.HEAD)
    page = client.get("/bureau/setup")
    assert page.status_code == 200
    assert "Кабинетов ещё нет" in page.text
    csrf = str(client.headers["X-CSRF-Token"])
    r = client.post("/bureau/setup/rooms", data={"csrf_token": csrf, "room_name": " 101 ", "accessible": "1"})
    assert r.status_code == 200  # after the 303
    assert "Кабинет «101» добавлен" in r.text
    assert "101 — <span class=\"badge\">доступен для инвалидной коляски</span>" in r.text
    again = client.post("/bureau/setup/rooms", data={"csrf_token": csrf, "room_name": "101"})
    assert again.status_code == 422
    assert "Кабинет «101» уже есть в этом бюро" in again.text
    blank = client.post("/bureau/setup/rooms", data={"csrf_token": csrf, "room_name": "  "})
    assert blank.status_code == 422
    assert "Укажите номер или название кабинета" in blank.text
    assert _audited(engine, "room.create") == 1
    assert _audited(engine, "bureau_setup.read") >= 4


def test_hours_skip_days_off_and_never_double(login_as: Callable[[Role], TestClient], engine: Engine, world: World) -> None:
    client = login_as(Role.HEAD)
    csrf = str(client.headers["X-CSRF-Token"])
    form = {"csrf_token": csrf, "staff_id": str(world.staff["expert"]), "first": "2026-03-02", "last": "2026-03-08",
            "from": "09:00", "to": "12:00"}
    r = client.post("/bureau/setup/hours", data=form)
    assert r.status_code == 200
    assert "График задан на 5 дн.; пропущено выходных и нерабочих дней: 2" in r.text
    assert "09:00–12:00" in r.text
    r = client.post("/bureau/setup/hours", data={**form, "from": "11:00", "to": "13:00"})
    assert "График задан на 0 дн." in r.text
    assert "дней, где приём уже назначен в это время: 5" in r.text
    with engine.connect() as c:
        rows = c.execute(select(staff_availability.c.day).where(staff_availability.c.staff_id == world.staff["expert"])).all()
    assert len(rows) == 5
    bad = client.post("/bureau/setup/hours", data={**form, "from": "12:00", "to": "09:00"})
    assert bad.status_code == 422
    assert "Окончание приёма должно быть позже начала" in bad.text
    assert 'value="12:00"' in bad.text  # the input is kept
    late = client.post("/bureau/setup/hours", data={**form, "last": "2026-03-01"})
    assert late.status_code == 422
    assert "Дата окончания раньше даты начала" in late.text
    garbled = client.post("/bureau/setup/hours", data={**form, "first": "02.03.2026"})
    assert garbled.status_code == 422
    assert "Значение указано неверно" in garbled.text
    assert _audited(engine, "availability.create") == 2


def test_another_bureau_is_not_found_for_a_head(login_as: Callable[[Role], TestClient], world: World) -> None:
    client = login_as(Role.HEAD)
    csrf = str(client.headers["X-CSRF-Token"])
    assert client.get(f"/bureau/setup?unit={world.units['B1']}").status_code == 404
    assert client.post("/bureau/setup/rooms", data={"csrf_token": csrf, "unit": str(world.units["B1"]),
                                                    "room_name": "5"}).status_code == 404


def test_the_administrator_chooses_the_bureau(login_as: Callable[[Role], TestClient], world: World) -> None:
    client = login_as(Role.ADMIN)
    assert client.get("/bureau/setup").status_code == 404
    assert client.get(f"/bureau/setup?unit={world.units['B1']}").status_code == 200


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.EXPERT, Role.MAIN_EXPERT, Role.CITIZEN, Role.MEDICAL_ORG, Role.AUDITOR])
def test_other_roles_are_refused(login_as: Callable[[Role], TestClient], role: Role) -> None:
    assert login_as(role).get("/bureau/setup").status_code == 403
