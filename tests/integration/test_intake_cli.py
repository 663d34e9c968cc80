"""The intake commands of `mse`: forms export, referrals check / import, refdata exams load / show."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from mse.adapters.db.engine import make_engine
from mse.adapters.db.migrate import upgrade
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.cli import app
from mse.forms import available_forms, form_in_force, load_form, schema_as_data
from mse.settings import get_settings
from tests.builders import build_world
from tests.intake_support import TestPki, envelope, rich_referral

runner = CliRunner()

GOOD_CSV = ("icd_ranges,code,name,basic,section,valid_from,valid_to\n"
            "I69,B01.023.001,Прием врача-невролога первичный,1,1,2021-07-01,\n"
            "I69,A05.23.009,МРТ головного мозга,1,1,2021-07-01,\n")
BAD_CSV = ("icd_ranges,code,name,basic,section,valid_from,valid_to\n"
           "I69,B01.023.001,Прием врача-невролога первичный,1,1,2021-07-01,\n"
           "I69,,МРТ,3,1,не дата,\n")


@pytest.fixture
def cli_db(tmp_path: Path, pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    engine = make_engine(url)
    build_world(engine)
    monkeypatch.setenv("MSE_DATABASE_URL", url)
    monkeypatch.setenv("MSE_TRUSTED_ROOTS", str(pki.roots))
    monkeypatch.setenv("MSE_BUREAU_SIGNING_CERT", str(tmp_path / "none.crt"))
    monkeypatch.setenv("MSE_BUREAU_SIGNING_KEY", str(tmp_path / "none.key"))
    get_settings.cache_clear()
    yield engine
    engine.dispose()
    get_settings.cache_clear()


def _write(directory: Path, name: str, body: bytes, pki: TestPki, *, sign: bool = True) -> Path:
    path = directory / name
    path.write_bytes(body)
    if sign:
        (directory / f"{name}.sig").write_bytes(pki.sign(body))
    return path


def _exported_codes(data: dict[str, Any]) -> set[str]:
    """Every key, item code, option code and fixed-row code in an exported schema."""
    out: set[str] = set()

    def walk(items: list[dict[str, Any]]) -> None:
        for it in items:
            out.update((it["key"], it["code"]))
            out.update(o["code"] for o in (*it.get("options", ()), *it.get("rows", ())))
            walk(it.get("columns", []))

    for section in data["sections"]:
        walk(section["items"])
    return out


def test_forms_export_json_has_every_item_once() -> None:
    forms = available_forms()
    assert {"referral-088u", "protocol-389n"} <= set(forms)
    listing = runner.invoke(app, ["forms", "list", "--format", "json"])
    assert listing.exit_code == 0, listing.output
    listed = [(f["form"], f["version"]) for f in json.loads(listing.stdout)["forms"]]
    assert listed == [(name, v) for name, versions in sorted(forms.items()) for v in versions]
    for name, versions in forms.items():
        latest = load_form(name, versions[-1])
        r = runner.invoke(app, ["forms", "export", name, "--date", latest.valid_from.isoformat(), "--format", "json"])
        assert r.exit_code == 0, r.output
        data = json.loads(r.stdout)
        assert data["version"] == versions[-1]
        keys = [it["key"] for s in data["sections"] for it in s["items"]]
        assert data["item_count"] == len(keys), name
        assert len(set(keys)) == len(keys), name
        assert keys == [it.key for it in latest.items()], name
        # The whole schema of the edition, every option and condition included.
        assert data == json.loads(json.dumps(schema_as_data(latest), ensure_ascii=False)), name
    referral = json.loads(runner.invoke(app, ["forms", "export", "referral-088u", "--format", "json"]).stdout)
    assert referral["item_count"] == 119
    for name in forms:
        text = runner.invoke(app, ["forms", "export", name])
        assert text.exit_code == 0, text.output
        assert "Пунктов:" in text.stdout
    assert "patientBirthDate" in runner.invoke(app, ["forms", "export", "referral-088u"]).stdout
    assert runner.invoke(app, ["forms", "export", "no-such-form"]).exit_code == 2


def test_forms_export_protocol_edition_in_force_on_a_date() -> None:
    r = runner.invoke(app, ["forms", "export", "protocol-389n", "--date", "2024-06-01", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["version"] == "2024-01-01"
    codes = _exported_codes(data)
    assert "20.4" in codes  # from 01.01.2024 (order point 3)
    assert "3.4" not in codes  # added by 685н
    assert data == json.loads(json.dumps(schema_as_data(form_in_force("protocol-389n", date(2024, 6, 1))), ensure_ascii=False))
    before = json.loads(runner.invoke(app, ["forms", "export", "protocol-389n", "--date", "2023-12-31", "--format", "json"]).stdout)
    assert before["version"] == "2023-06-01"
    assert "20.4" not in _exported_codes(before)
    assert "20.3" in _exported_codes(before)


@pytest.mark.parametrize("bad", ["2024-13-01", "01.06.2024", "завтра"])
def test_forms_export_rejects_a_malformed_date_in_russian(bad: str) -> None:
    r = runner.invoke(app, ["forms", "export", "protocol-389n", "--date", bad, "--format", "json"])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert f"Неверная дата «{bad}»" in r.stderr
    assert "ГГГГ-ММ-ДД" in r.stderr


def test_forms_export_date_before_the_first_edition() -> None:
    r = runner.invoke(app, ["forms", "export", "protocol-389n", "--date", "2020-01-01", "--format", "json"])
    assert r.exit_code == 2
    assert "Нет версии формы «protocol-389n», действующей на 01.01.2020" in " ".join(r.stderr.split())


def test_check_clean_and_failing_referrals_without_storing(cli_db: Engine, pki: TestPki, tmp_path: Path) -> None:
    clean = _write(tmp_path, "clean.json", envelope(rich_referral(), document_id="chk-1"), pki)
    r = runner.invoke(app, ["referrals", "check", str(clean)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["would_be"] == "принято"
    assert out["signature"]["valid"]
    assert out["codes"] == []
    failing = _write(tmp_path, "bad.json", envelope(rich_referral(anamnesisDisease="нет", diagnosisMainIcd="I63"), document_id="chk-2"), pki)
    r = runner.invoke(app, ["referrals", "check", str(failing)])
    assert r.exit_code == 1
    assert set(json.loads(r.stdout)["codes"]) == {"RR2", "RR4"}
    stranger = tmp_path / "stranger.json"
    stranger.write_bytes(envelope(rich_referral(), document_id="chk-3"))
    sig = tmp_path / "other.sig"
    sig.write_bytes(pki.sign(stranger.read_bytes(), pki.stranger))
    r = runner.invoke(app, ["referrals", "check", str(stranger), "--signature", str(sig)])
    assert r.exit_code == 1
    assert json.loads(r.stdout)["quarantine"]["code"] == "certificate_untrusted"
    broken = _write(tmp_path, "broken.json", b"{not json", pki)
    r = runner.invoke(app, ["referrals", "check", str(broken)])
    assert r.exit_code == 2
    assert json.loads(r.stdout)["error"]["code"] == "json_malformed"
    with SqlAlchemyUnitOfWork(cli_db) as uow:
        assert uow.intake.quarantine(limit=5, offset=0)[1] == 0  # nothing stored
        assert uow.intake.referral_by_document(1, "chk-1") is None


def test_import_reports_each_file_and_goes_on(cli_db: Engine, pki: TestPki, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    body = envelope(rich_referral(), document_id="imp-1")
    _write(folder, "a-good.json", body, pki)
    _write(folder, "b-twin.json", envelope(rich_referral(), document_id="imp-2"), pki)  # same requisites: NA1
    _write(folder, "c-again.json", body, pki)  # the same document again: replay
    _write(folder, "d-broken.json", b'{"document_id": ', pki)
    r = runner.invoke(app, ["referrals", "import", str(folder), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    by_file = {f["file"]: f for f in out["files"]}
    assert by_file["a-good.json"]["result"] == "принято"
    assert by_file["a-good.json"]["id"]
    assert by_file["b-twin.json"]["result"] == "не принято"
    assert by_file["b-twin.json"]["codes"] == ["NA1"]
    assert by_file["c-again.json"]["result"] == "повтор"
    assert by_file["c-again.json"]["id"] == by_file["a-good.json"]["id"]
    assert by_file["d-broken.json"]["result"] == "карантин"
    assert "json_malformed" in by_file["d-broken.json"]["codes"]
    assert out["summary"] == {"принято": 1, "не принято": 1, "повтор": 1, "карантин": 1}
    text = runner.invoke(app, ["referrals", "import", str(folder)])
    assert text.exit_code == 0
    assert "Всего файлов: 4" in text.stdout


def test_exams_load_is_all_or_nothing(cli_db: Engine, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    bad.write_text(BAD_CSV, encoding="utf-8")
    r = runner.invoke(app, ["refdata", "exams", "load", str(good)])
    assert r.exit_code == 0
    assert "Загружено обследований: 2" in r.stdout
    r = runner.invoke(app, ["refdata", "exams", "load", str(bad), "--format", "json"])
    assert r.exit_code == 1
    errors = json.loads(r.stdout)["errors"]
    assert errors
    assert all("Строка 3" in e["message"] for e in errors)
    shown = runner.invoke(app, ["refdata", "exams", "show", "--format", "json"])
    assert json.loads(shown.stdout)["rows"] == 2  # the old list is intact
