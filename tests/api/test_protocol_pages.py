"""The protocol of MSE over HTTP (no browser): opening with prefill, autosave and its refusals, the change history,
conditional items, signing in order and the lock, the PDF and the signed package, and who may see it."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from typer.testing import CliRunner

from mse.adapters.documents.signed_package import read_package, verify_package
from mse.adapters.signature import GostCmsVerifier
from mse.cli import app as cli_app
from mse.domain.identity import Role
from tests.intake_support import TestPki
from tests.protocol_support import ADULT_DECISION, registered_case, staff_keys


def csrf(client: TestClient) -> str:
    return str(client.headers["X-CSRF-Token"])


def open_protocol(client: TestClient, case_id: int) -> int:
    r = client.post(f"/cases/{case_id}/protocol", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    match = re.fullmatch(r"/protocols/(\d+)", r.headers["location"])
    assert match is not None
    return int(match.group(1))


def document(client: TestClient, protocol_id: int) -> dict[str, Any]:
    r = client.get(f"/protocols/{protocol_id}/document.json")
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def form_fields(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The document as the workbench form posts it (one field per value; score and list items split)."""
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            out += [(f"{key}.option", str(value["option"])), (f"{key}.percent", str(value["percent"]))]
        elif isinstance(value, list):
            if value and all(isinstance(v, str) and re.match(r"^\d", v) for v in value) and key not in ("77.5",):
                out += [(key, v) for v in value]
            else:
                out.append((key, ", ".join(map(str, value))))
        elif isinstance(value, bool):
            if value:
                out.append((key, "1"))
        else:
            out.append((key, str(value)))
    return out


def autosave(client: TestClient, protocol_id: int, data: dict[str, Any], revision: int) -> Any:
    fields = [*form_fields(data), ("revision", str(revision)), ("csrf_token", csrf(client))]
    return client.post(f"/protocols/{protocol_id}/autosave", content=urlencode(fields),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})


@pytest.fixture
def keys(client: TestClient, tmp_path: Path) -> Path:
    demo, roots = staff_keys(tmp_path)
    client.app.state.protocols.staff_keys = demo  # type: ignore[attr-defined]
    client.app.state.protocols.demo_keys = True  # type: ignore[attr-defined]
    return roots


def test_opening_prefills_from_the_referral_and_the_case(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    case_id = registered_case(login_as, pki)
    expert = login_as(Role.EXPERT)
    listed = expert.get("/protocols")
    assert f"/cases/{case_id}/protocol" in listed.text
    protocol_id = open_protocol(expert, case_id)
    doc = document(expert, protocol_id)
    data = doc["data"]
    assert doc["number"] == data["T.2.number"]  # 389н прил.2 п.8(2): the number is the registration number
    assert doc["date"] == data["T.2.date"]
    assert data["4.surname"] == "Ёлкин"
    assert data["8"] == "8.1"
    assert data["77.2"] == "I69.3"
    assert data["22.1"] == "primary"
    page = expert.get(f"/protocols/{protocol_id}")
    assert page.status_code == 200
    assert "заполнено из: направление на МСЭ" in page.text
    assert "Раздел VII. Решения, заключения федерального учреждения медико-социальной экспертизы" in page.text
    again = open_protocol(expert, case_id)  # one protocol per expertise
    assert again == protocol_id


def test_autosave_keeps_history_and_refuses_unreadable_values(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    case_id = registered_case(login_as, pki)
    expert = login_as(Role.EXPERT)
    protocol_id = open_protocol(expert, case_id)
    data = document(expert, protocol_id)["data"]
    bad = autosave(expert, protocol_id, {**data, "79.2": {"option": "79.2.3", "percent": "семьдесят"}}, 1)
    assert bad.status_code == 422
    assert any(p["field"] == "79.2" for p in bad.json()["problems"])
    assert "79.2" not in document(expert, protocol_id)["data"]  # nothing was saved
    ok = autosave(expert, protocol_id, {**data, "2": "2026-03-10", "20": "20.2", "21": "21.1"}, 1)
    assert ok.status_code == 200, ok.text
    assert ok.json()["revision"] == 2
    stale = autosave(expert, protocol_id, {**data, "2": "2026-03-11"}, 1)
    assert stale.status_code == 409
    # Without personal presence item 21 is not applicable: the server empties it (389н прил.2 п.10(3)).
    remote = autosave(expert, protocol_id, {**data, "2": "2026-03-10", "20": "20.1", "21": "21.1"}, 2)
    assert remote.json()["cleared"] == ["21"]
    assert "21" not in document(expert, protocol_id)["data"]
    history = expert.get(f"/protocols/{protocol_id}/history")
    assert history.status_code == 200
    assert "Пользователь expert" in history.text
    assert "<code>20</code>: — → 20.2" in history.text


def test_sign_in_order_then_locked_and_verifiable(login_as: Callable[[Role], TestClient], pki: TestPki, keys: Path,
                                                  tmp_path: Path) -> None:
    case_id = registered_case(login_as, pki)
    expert = login_as(Role.EXPERT)
    protocol_id = open_protocol(expert, case_id)
    data = document(expert, protocol_id)["data"]
    incomplete = expert.post(f"/protocols/{protocol_id}/sign", data={"csrf_token": csrf(expert)})
    assert incomplete.status_code == 422
    assert "не может быть подписан" in incomplete.text
    saved = autosave(expert, protocol_id, {**data, **ADULT_DECISION}, 1)
    assert saved.status_code == 200, saved.text
    assert saved.json()["ready"] is True, (saved.json()["problems"], saved.json()["missing"])
    head = login_as(Role.HEAD)
    early = head.post(f"/protocols/{protocol_id}/sign", data={"csrf_token": csrf(head)})
    assert early.status_code == 409  # the head signs after the specialists
    expert = login_as(Role.EXPERT)
    signed = expert.post(f"/protocols/{protocol_id}/sign", data={"csrf_token": csrf(expert)}, follow_redirects=False)
    assert signed.status_code == 303
    frozen = autosave(expert, protocol_id, {**data, **ADULT_DECISION, "102": "иное"}, 2)
    assert frozen.status_code == 409
    head = login_as(Role.HEAD)
    assert head.post(f"/protocols/{protocol_id}/sign", data={"csrf_token": csrf(head)}, follow_redirects=False).status_code == 303
    final = document(head, protocol_id)
    assert final["status"] == "signed"
    package = head.get(f"/protocols/{protocol_id}/signed.json")
    saved = tmp_path / "protocol.signed.json"
    saved.write_bytes(package.content)
    cli = CliRunner().invoke(cli_app, ["documents", "verify", str(saved), "--trusted-roots", str(keys)])
    assert cli.exit_code == 0, cli.output
    assert "Все подписи действительны" in cli.output
    verdict = verify_package(read_package(package.content), GostCmsVerifier(keys))
    assert verdict.valid, verdict.problems
    assert [c.signature.role.value for c in verdict.checks] == ["specialist", "head"]
    tampered = json.loads(package.content)
    tampered["document"]["data"]["80"] = "80.1"
    assert not verify_package(read_package(json.dumps(tampered, ensure_ascii=False).encode()), GostCmsVerifier(keys)).valid
    pdf = head.get(f"/protocols/{protocol_id}/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Ёлкин" in text
    assert "I69.3" in text
    assert "вторая группа" in text.lower()


def test_who_may_see_the_protocol(login_as: Callable[[Role], TestClient], pki: TestPki) -> None:
    case_id = registered_case(login_as, pki)
    expert = login_as(Role.EXPERT)
    protocol_id = open_protocol(expert, case_id)
    registrar = login_as(Role.REGISTRAR)
    assert registrar.get(f"/protocols/{protocol_id}").status_code == 403  # health data: not the registrar's work
    assert login_as(Role.MEDICAL_ORG).get(f"/protocols/{protocol_id}").status_code == 403
    main = login_as(Role.MAIN_EXPERT)  # the main bureau's panel sees its branches' protocols
    assert main.get(f"/protocols/{protocol_id}").status_code == 200
    federal = login_as(Role.FEDERAL_EXPERT)
    assert federal.get(f"/protocols/{protocol_id}").status_code == 200
