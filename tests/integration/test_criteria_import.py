"""Importing appendix rows of the criteria from CSV and XLSX into criteria_appendix_rows (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select
from typer import Typer
from typer.testing import CliRunner

from mse.adapters.db.tables import audit_events, criteria_appendix_rows
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.refdata.criteria_appendix import COLUMNS, parse_csv, parse_xlsx, shipped_rows
from mse.domain.errors import Forbidden, ValidationFailed
from mse.domain.identity import SYSTEM_ACTOR, Actor, Role
from mse.services import criteria
from tests.audit_support import seal
from tests.support import FixedClock

GOOD = [
    ["374n", "10.4.1", "", "", "дыхание", "child", "после трансплантации легкого", "90", "100", "ЦРГ 5", "2025-03-01", "", "consultant"],
    ["374n", "15.2.2", "аномалии", "Q25; Q26-Q28", "кровообращение", "all", "характеристика", "40", "60", "", "2025-03-01", "", "src"],
    ["585n", "10.4.4", "", "J84", "дыхание", "child", "осложнения", "90", "100", "", "2020-01-01", "2025-02-28", "studfile"],
]


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    import csv

    w = csv.writer(out)
    w.writerow(COLUMNS)
    w.writerows(rows)
    return out.getvalue()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    for r in rows:
        sheet.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(criteria_appendix_rows)).scalar_one())


def test_csv_and_xlsx_read_the_same_rows() -> None:
    xrows: list[list[object]] = [[*r[:7], int(r[7]), int(r[8]), r[9], date.fromisoformat(r[10]),
                                  date.fromisoformat(r[11]) if r[11] else None, r[12]] for r in GOOD]
    assert parse_csv(csv_text(GOOD)) == parse_xlsx(xlsx_bytes(xrows))
    assert parse_csv(csv_text(GOOD))[1].icd10 == ("Q25", "Q26-Q28")


@pytest.mark.parametrize(("row", "column"), [
    (["374n", "10.4.1", "", "", "f", "child", "c", "95", "100", "", "2025-03-01", "", "s"], "percent_min"),
    (["374n", "10.4.1", "", "", "f", "child", "c", "90", "80", "", "2025-03-01", "", "s"], "percent_max"),
    (["374n", "10.4.1", "", "J9", "f", "child", "c", "90", "100", "", "2025-03-01", "", "s"], "icd10"),
    (["374n", "10.4.1", "", "", "f", "kids", "c", "90", "100", "", "2025-03-01", "", "s"], "population"),
    (["585n", "10.4.1", "", "", "f", "child", "c", "90", "100", "ЦРГ 5", "2020-01-01", "2025-02-28", "s"], "crg"),
    (["585n", "10.4.1", "", "", "f", "child", "c", "90", "100", "", "2020-01-01", "", "s"], "valid_to"),
    (["374n", "10.4.1", "", "", "f", "child", "c", "90", "100", "", "2024-03-01", "", "s"], "valid_from"),
    (["664n", "10.4.1", "", "", "f", "child", "c", "90", "100", "", "2025-03-01", "", "s"], "ruleset"),
    (["374n", "x", "", "", "f", "child", "c", "90", "100", "", "2025-03-01", "", "s"], "item"),
    (["374n", "10.4.1", "", "", "", "child", "c", "90", "100", "", "2025-03-01", "", "s"], "function_type"),
])
def test_bad_cell_named_by_row_and_column(row: list[str], column: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_csv(csv_text([GOOD[1], row]))
    messages = [p.message for p in err.value.problems]
    assert any(m.startswith(f"Строка 3, столбец «{column}»") for m in messages), messages


def test_duplicate_point_and_missing_column() -> None:
    with pytest.raises(ValidationFailed, match="ничего не загружено"):
        parse_csv(csv_text([GOOD[0], GOOD[0]]))
    with pytest.raises(ValidationFailed) as err:
        parse_csv("ruleset,item\n374n,1\n")
    assert "нет столбцов" in err.value.problems[0].message


def test_import_replaces_groups_and_is_idempotent(engine: Engine) -> None:
    clock = FixedClock()
    rows = parse_csv(csv_text(GOOD))
    result = criteria.import_rows(lambda: SqlAlchemyUnitOfWork(engine), SYSTEM_ACTOR, rows, source="t.csv", clock=clock)
    assert (result.loaded, result.unchanged, count(engine)) == (3, 0, 3)
    again = criteria.import_rows(lambda: SqlAlchemyUnitOfWork(engine), SYSTEM_ACTOR, rows, source="t.csv", clock=clock)
    assert (again.loaded, again.unchanged, count(engine)) == (0, 3, 3)
    # a corrected 374н file replaces the 374н group only
    fixed = parse_csv(csv_text([GOOD[0]]))
    criteria.import_rows(lambda: SqlAlchemyUnitOfWork(engine), SYSTEM_ACTOR, fixed, source="fix.csv", clock=clock)
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert sorted(r.item for r in uow.criteria.rows()) == ["10.4.1", "10.4.4"]
        assert [r.item for r in criteria.rows_in_force(uow, date(2025, 2, 28))] == ["10.4.4"]
        assert [r.item for r in criteria.rows_in_force(uow, date(2025, 3, 1))] == ["10.4.1"]
    seal(engine)  # events are chained after commit (ADR 0005)
    with engine.connect() as c:
        events = c.execute(select(func.count()).select_from(audit_events).where(audit_events.c.action == "criteria.appendix.import"))
        assert events.scalar_one() == 2  # the unchanged re-import records nothing
    expert = Actor(user_id=0, login="e", role=Role.EXPERT, display_name="e", channel="cli")
    with pytest.raises(Forbidden):
        criteria.import_rows(lambda: SqlAlchemyUnitOfWork(engine), expert, rows, source="t.csv", clock=clock)


def test_bad_file_leaves_no_partial_rows(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mse.cli_rules import register

    monkeypatch.setenv("MSE_DATABASE_URL", str(engine.url.render_as_string(hide_password=False)))
    from mse.cli_intake import register as register_intake
    from mse.settings import get_settings

    get_settings.cache_clear()
    app = Typer()
    register_intake(app)
    register(app)
    good = tmp_path / "good.csv"
    good.write_text(csv_text([[*GOOD[0][:9], "ЦРГ 4", *GOOD[0][10:]]]), encoding="utf-8")  # not the shipped ЦРГ 5
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([GOOD[1], [*GOOD[2][:7], "95", "100", "", "2020-01-01", "2025-02-28", "s"]]))
    runner = CliRunner()
    first = runner.invoke(app, ["refdata", "criteria", "load", str(good), "--format", "json"])
    assert first.exit_code == 0, first.output
    assert count(engine) == 1
    second = runner.invoke(app, ["refdata", "criteria", "load", str(bad)])
    assert second.exit_code == 2
    assert "Строка 3, столбец «percent_min»" in second.output
    assert count(engine) == 1  # nothing of the bad file, the earlier rows intact
    evaluated = runner.invoke(app, ["rules", "evaluate", "examples/decision-input-child.json", "--format", "json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert '"ЦРГ 4"' in evaluated.stdout  # rows from the database, not the shipped file
    assert "взяты из" not in evaluated.output
    get_settings.cache_clear()


def test_shipped_rows_are_374n_with_percent() -> None:
    rows = shipped_rows()
    assert [(r.ruleset, r.item, r.population.value, r.percent_min, r.percent_max, r.crg) for r in rows] == [
        ("374n", "10.4.1", "child", 90, 100, "ЦРГ 5")]


def test_demo_load_step_is_idempotent(engine: Engine) -> None:
    from mse.demo.load import _criteria_appendix

    _criteria_appendix(engine, FixedClock())  # type: ignore[arg-type]
    _criteria_appendix(engine, FixedClock())  # type: ignore[arg-type]
    assert count(engine) == 1


def test_evaluate_cli_without_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mse.cli_rules import register
    from mse.settings import get_settings

    monkeypatch.setenv("MSE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    get_settings.cache_clear()
    app = Typer()
    register(app)
    runner = CliRunner()
    try:
        ok = runner.invoke(app, ["rules", "evaluate", "examples/decision-input.json"])
        assert ok.exit_code == 0, ok.output
        assert "взяты из" in ok.output  # the notice: shipped rows
        assert "Инвалидность: 80.2 — вторая группа" in ok.output
        bad = tmp_path / "bad.json"
        bad.write_text('{"decision_date": "2026-03-10", "birth_date": "1970-01-01", "purposes": ["23.1"], '
                       '"impairments": [{"type": "79.4", "percent": 75}]}', encoding="utf-8")
        res = runner.invoke(app, ["rules", "evaluate", str(bad), "--format", "json"])
        assert res.exit_code == 2
        assert "impairments.0.percent" in res.stdout
        broken = tmp_path / "broken.json"
        broken.write_text("{", encoding="utf-8")
        assert runner.invoke(app, ["rules", "evaluate", str(broken)]).exit_code == 2
    finally:
        get_settings.cache_clear()
