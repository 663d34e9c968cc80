"""The intake commands of `mse`: forms export, referrals check / import, refdata exams load / show."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from mse.adapters.db.engine import make_engine
from mse.adapters.db.migrate import upgrade
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.cli import app
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


def test_forms_export_json_has_every_item_once() -> None:
    r = runner.invoke(app, ["forms", "export", "referral-088u", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    keys = [it["key"] for s in data["sections"] for it in s["items"]]
    assert data["item_count"] == len(keys) == 119
    assert len(set(keys)) == len(keys)
    text = runner.invoke(app, ["forms", "export", "referral-088u"])
    assert text.exit_code == 0
    assert "patientBirthDate" in text.stdout
    listing = runner.invoke(app, ["forms", "list", "--format", "json"])
    assert json.loads(listing.stdout)["forms"][0]["form"] == "referral-088u"
    assert runner.invoke(app, ["forms", "export", "no-such-form"]).exit_code == 2


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
