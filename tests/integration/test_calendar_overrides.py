"""Production-calendar overrides in the database (SQLite and PostgreSQL): audited, admin only, and they move due dates."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from mse.adapters.calendar_ru import RussianCalendar
from mse.adapters.db.tables import audit_events
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.cli import app as cli_app
from mse.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from mse.domain.identity import SYSTEM_ACTOR, Actor, Role
from mse.rules.calendar_terms import TermUnit, due
from mse.rules.deadline_policy import Regime
from mse.rules.deadline_table import deadline
from mse.services import calendar as calendar_service
from mse.services.calendar_ports import OverrideKind
from mse.settings import get_settings
from tests.audit_support import seal
from tests.support import FixedClock

REGISTRAR = Actor(user_id=0, login="reg", role=Role.REGISTRAR, display_name="Регистратор")


def _count_audit(engine: Engine, action: str) -> int:
    seal(engine)  # events are chained after commit (ADR 0005)
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(audit_events).where(audit_events.c.action == action)).scalar_one())


def test_an_override_changes_a_due_date_and_is_audited(engine: Engine, clock: FixedClock) -> None:
    start = date(2025, 4, 28)
    with SqlAlchemyUnitOfWork(engine) as uow:
        before = due(start, 10, TermUnit.WORKING, calendar_service.working_calendar(uow, RussianCalendar))
    assert before.due == date(2025, 5, 16)
    with SqlAlchemyUnitOfWork(engine) as uow:
        saved = calendar_service.add_override(uow, SYSTEM_ACTOR, clock, day=date(2025, 5, 14), kind="holiday",
                                              reason="Нерабочий день (пример)", source="Постановление (пример)")
    assert saved.id is not None
    assert saved.kind is OverrideKind.HOLIDAY
    with SqlAlchemyUnitOfWork(engine) as uow:
        cal = calendar_service.working_calendar(uow, RussianCalendar)
        after = due(start, 10, TermUnit.WORKING, cal)
        dl09 = deadline("DL-09", Regime.CURRENT).compute(date(2025, 5, 12), cal)
        stored = calendar_service.list_overrides(uow, year=2025)
    assert after.due == date(2025, 5, 19)
    assert after.explanation == "+10 рабочих дней от 28.04.2025; 1–4, 8–11, 14 и 17–18 мая — выходные → 19.05.2025"
    assert dl09.due == date(2025, 5, 20)  # 13, 15, 16, 19, 20 May
    assert [(o.day, o.reason, o.created_at) for o in stored] == [(date(2025, 5, 14), "Нерабочий день (пример)", clock.now())]
    assert _count_audit(engine, "calendar.override.add") == 1


def test_a_working_saturday_override_and_remove(engine: Engine, clock: FixedClock) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        calendar_service.add_override(uow, SYSTEM_ACTOR, clock, day=date(2027, 1, 9), kind=OverrideKind.WORKDAY,
                                      reason="Рабочая суббота", source="Постановление (пример)")
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert calendar_service.working_calendar(uow, RussianCalendar).is_working_day(date(2027, 1, 9))
        with pytest.raises(Conflict) as exc:
            calendar_service.add_override(uow, SYSTEM_ACTOR, clock, day=date(2027, 1, 9), kind="holiday", reason="x", source="y")
        assert exc.value.code == "calendar_override_exists"
    with SqlAlchemyUnitOfWork(engine) as uow:
        removed = calendar_service.remove_override(uow, SYSTEM_ACTOR, clock, day=date(2027, 1, 9))
    assert removed.kind is OverrideKind.WORKDAY
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert not calendar_service.working_calendar(uow, RussianCalendar).is_working_day(date(2027, 1, 9))
        with pytest.raises(NotFound):
            calendar_service.remove_override(uow, SYSTEM_ACTOR, clock, day=date(2027, 1, 9))
    assert _count_audit(engine, "calendar.override.remove") == 1


def test_only_the_administrator_edits_and_input_is_validated(engine: Engine, clock: FixedClock) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        with pytest.raises(Forbidden):
            calendar_service.add_override(uow, REGISTRAR, clock, day=date(2027, 1, 9), kind="workday", reason="x", source="y")
    assert _count_audit(engine, "calendar.override.add.denied") == 1
    with SqlAlchemyUnitOfWork(engine) as uow:
        with pytest.raises(ValidationFailed) as exc:
            calendar_service.add_override(uow, SYSTEM_ACTOR, clock, day=date(2027, 1, 9), kind="workday", reason=" ", source="")
        assert {p.field for p in exc.value.problems} == {"reason", "source"}
        with pytest.raises(ValidationFailed):
            calendar_service.add_override(uow, SYSTEM_ACTOR, clock, day=date(2027, 1, 9), kind="weekend", reason="x", source="y")
        assert calendar_service.list_overrides(uow) == []


def _cli(db_url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("MSE_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["calendar", *args])
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.stdout, result.stderr


def test_cli_override_then_due_and_show(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _cli(db_url, monkeypatch, "due", "2025-04-28", "10", "--unit", "working")
    assert code == 0
    assert "16.05.2025" in out
    assert "1–4 и 8–11 мая — выходные" in out
    code, out, _ = _cli(db_url, monkeypatch, "override", "add", "2025-05-14", "--kind", "holiday", "--reason",
                        "Нерабочий день (пример)", "--source", "Постановление (пример)", "--format", "json")
    assert code == 0
    assert json.loads(out)["ok"]
    code, out, _ = _cli(db_url, monkeypatch, "due", "2025-04-28", "10", "--unit", "working", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["due"] == "2025-05-19"
    assert data["overrides_loaded"] is True
    code, out, _ = _cli(db_url, monkeypatch, "show", "2025-05", "--format", "json")
    shown = {d["day"]: d for d in json.loads(out)["days_off"]}
    assert shown["2025-05-14"]["overridden"]
    assert shown["2025-05-09"]["reason"] == "День Победы"
    assert json.loads(out)["working_days"] == 17
    code, out, _ = _cli(db_url, monkeypatch, "override", "add", "2025-05-14", "--kind", "holiday", "--reason", "x", "--source", "y")
    assert code == 1
    assert "уже задано исключение" in out
    code, out, _ = _cli(db_url, monkeypatch, "override", "list", "--format", "json")
    assert [o["day"] for o in json.loads(out)["overrides"]] == ["2025-05-14"]
    code, out, _ = _cli(db_url, monkeypatch, "override", "remove", "2025-05-14")
    assert code == 0
    assert "удалено" in out


@pytest.mark.parametrize(("args", "message"), [
    (("due", "28.04.2025", "10"), "не распознана"),
    (("due", "2025-04-28", "десять"), "не целое"),
    (("due", "2025-04-28", "10", "--unit", "days"), "Неизвестная единица"),
    (("show", "2025-13"), "не распознан"),
    (("override", "add", "2025-05-14", "--kind", "weekend", "--reason", "x", "--source", "y"), "Неизвестный вид дня"),
])
def test_cli_bad_input_exits_2_with_a_russian_message(db_url: str, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
                                                      message: str) -> None:
    code, _, err = _cli(db_url, monkeypatch, *args)
    assert code == 2
    assert message in err
