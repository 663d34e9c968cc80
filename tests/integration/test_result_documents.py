"""Result documents from the decision snapshot: which exist, what they say, PDF/A, JSON, CDA, byte reproducibility."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import pypdf
import pytest
from lxml import etree

from mse.adapters.documents.results import (
    RenderedDocument,
    SnapshotInvalid,
    build_document,
    build_documents,
    read_snapshot,
)
from mse.adapters.documents.results.printing import pdf_identifier
from mse.adapters.xml.xsd import xsd_violations
from mse.domain.canonical import canonical_json
from mse.domain.errors import NotFound, ValidationFailed

DATA = Path(__file__).parents[1] / "data"
FIXTURES = ("adult", "child", "not_established")
V3 = {"v3": "urn:hl7-org:v3", "xsi": "http://www.w3.org/2001/XMLSchema-instance", "identity": "urn:hl7-ru:identity"}
ALL_PRINTED = [(k, f) for k in ("act", "certificate", "ipra", "extract_sfr") for f in ("pdf", "json")]


def raw(name: str) -> bytes:
    return (DATA / f"decision_snapshot_{name}.json").read_bytes()


def snapshot(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(raw(name))
    return loaded


_timings: list[str] = []


@cache
def docs(name: str) -> dict[tuple[str, str], RenderedDocument]:
    start = time.perf_counter()
    built = build_documents(raw(name))
    elapsed = time.perf_counter() - start
    pages = sum(len(pypdf.PdfReader(io.BytesIO(d.content)).pages) for d in built if d.format == "pdf")
    _timings.append(
        f"{name}: {len(built)} files, {pages} PDF pages, {elapsed * 1000:.0f} ms, {elapsed * 1000 / pages:.0f} ms/page"
    )
    return {(d.kind, d.format): d for d in built}


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def json_doc(name: str, kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(docs(name)[(kind, "json")].content)
    return loaded


def xml_root(name: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(docs(name)[("semd_results", "xml")].content, parser)


def entry_value(root: etree._Element, field: str) -> etree._Element:
    found = root.xpath(f"//v3:observation[v3:code/@code='{field}']/v3:value", namespaces=V3)
    assert isinstance(found, list)
    assert len(found) == 1, f"field {field}: {found}"
    value = found[0]
    assert isinstance(value, etree._Element)
    return value


@pytest.fixture(autouse=True)
def _weasyprint_is_quiet(caplog: pytest.LogCaptureFixture) -> Any:
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


# --- which documents exist ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("adult", {*ALL_PRINTED, ("semd_results", "xml")}),
        ("child", {*ALL_PRINTED, ("semd_results", "xml")}),
        (
            "not_established",
            {("act", "pdf"), ("act", "json"), ("certificate", "pdf"), ("certificate", "json"), ("semd_results", "xml")},
        ),
    ],
)
def test_the_decision_decides_which_documents_exist(name: str, expected: set[tuple[str, str]]) -> None:
    built = docs(name)
    assert set(built) == expected
    for (kind, fmt), d in built.items():
        assert d.media_type == {"pdf": "application/pdf", "json": "application/json", "xml": "application/xml"}[fmt]
        assert d.filename.startswith(kind + "-")
        assert d.filename.endswith("." + fmt)
        assert d.content.startswith({"pdf": b"%PDF-1.7", "json": b"{", "xml": b"<?xml"}[fmt])


def test_titles_follow_the_outcome_and_the_age() -> None:
    assert docs("adult")[("certificate", "pdf")].title.startswith(
        "Справка, подтверждающая факт установления инвалидности № МСЭ-2026 0000041"
    )
    assert docs("not_established")[("certificate", "pdf")].title.startswith("Справка о результатах медико-социальной экспертизы")
    assert docs("adult")[("ipra", "pdf")].title.startswith("Индивидуальная программа реабилитации или абилитации инвалида №")
    assert docs("child")[("ipra", "pdf")].title.startswith(
        "Индивидуальная программа реабилитации или абилитации ребенка-инвалида №"
    )


# --- what the PDFs say -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "facts"),
    [
        (
            "adult",
            "act",
            [
                "Акт медико-социальной экспертизы гражданина № 77-0001-2026-000041 от 10.03.2026",
                "Кузнецова Анна Петровна",
                "112-233-445 95",
                "I69.3",
                "Инвалидность: вторая группа",
                "Причина инвалидности: общее заболевание",
                "01.04.2027",
                "01.03.2027",
                "выраженные нарушения",
                "способность к передвижению",
                "Смирнов Иван Сергеевич",
                "23.13. разработки индивидуальной программы",
                "517н не опубликован в доступных источниках",
            ],
        ),
        (
            "adult",
            "certificate",
            [
                "Кузнецова Анна Петровна",
                "вторая группа",
                "Инвалидность установлена: 1 год",
                "Дата, до которой установлена инвалидность: 01.04.2027",
                "№ 77-0001-2026-000041 от 10.03.2026",
            ],
        ),
        (
            "adult",
            "ipra",
            [
                "77-0001-2026-000041-ИПРА",
                "Протезно-ортопедическая помощь",
                "Протезирование",
                "Обеспечение техническими средствами реабилитации",
                "Центр занятости населения",
                "Медицинская реабилитация: мероприятия не определены",
                "486н не опубликован",
            ],
        ),
        (
            "adult",
            "extract_sfr",
            [
                "Фонда пенсионного и социального страхования",
                "77-0001-2026-000041-В",
                "МСЭ-2026 0000041",
                "вторая группа",
                "01.04.2027",
            ],
        ),
        (
            "child",
            "act",
            [
                "Соколов Артём Дмитриевич",
                'категория "ребенок-инвалид"',
                "ЦРГ 5",
                "против (особое мнение)",
                "Особое мнение",
                "Соколова Елена Викторовна",
            ],
        ),
        (
            "child",
            "ipra",
            [
                "ребенка-инвалида",
                "ЦРГ 5",
                "Соколова Елена Викторовна",
                "Кресло-коляска",
                "Профессиональная реабилитация и абилитация: не нуждается",
                "Протезно-ортопедическая помощь: мероприятия не определены",
                "способность к обучению 1",
            ],
        ),
        (
            "not_established",
            "act",
            [
                "Белов Сергей Андреевич",
                "Инвалидность: не установлена",
                "незначительные нарушения",
                "Разработана ИПРА инвалида (ребенка-инвалида): нет",
            ],
        ),
        (
            "not_established",
            "certificate",
            [
                "Справка о результатах медико-социальной экспертизы",
                "Белов Сергей Андреевич",
                "Инвалидность: не установлена",
                "оснований для установления инвалидности нет",
            ],
        ),
    ],
)
def test_pdf_text_carries_the_key_facts(name: str, kind: str, facts: list[str]) -> None:
    text = pdf_text(docs(name)[(kind, "pdf")].content)
    missing = [f for f in facts if f not in text]
    assert missing == [], text


def test_a_child_certificate_has_no_cause_and_the_adult_no_child_wording() -> None:
    child = pdf_text(docs("child")[("certificate", "pdf")].content)
    assert "Причина инвалидности" not in child  # the snapshot gives no cause for 80.4
    assert "ребенка-инвалида" not in pdf_text(docs("adult")[("ipra", "pdf")].content).split("(ребенка-инвалида)")[0]


@pytest.mark.parametrize("name", FIXTURES)
def test_pdfs_are_pdfa_3b_tagged_with_embedded_fonts_and_fixed_metadata(name: str) -> None:
    issued = snapshot(name)["issued_on"].replace("-", "")
    for (kind, fmt), d in docs(name).items():
        if fmt != "pdf":
            continue
        reader = pypdf.PdfReader(io.BytesIO(d.content))
        xmp = reader.xmp_metadata
        assert xmp is not None
        assert (xmp.pdfaid_part, xmp.pdfaid_conformance) == ("3", "B")
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root
        assert root["/MarkInfo"]["/Marked"].value is True
        assert root["/Lang"] == "ru"
        assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
        assert reader.metadata is not None
        assert reader.metadata.title == d.title
        assert str(reader.metadata["/CreationDate"]).startswith(f"D:{issued}")  # the snapshot's date, not "now"
        assert str(reader.metadata["/ModDate"]).startswith(f"D:{issued}")
        assert reader.trailer["/ID"][0].original_bytes == pdf_identifier(read_snapshot(raw(name)), kind)
        fonts = [f.get_object() for p in reader.pages for f in p["/Resources"]["/Font"].get_object().values()]
        assert {str(f["/BaseFont"]).split("+")[-1] for f in fonts} == {"MSE-DejaVu-Sans", "MSE-DejaVu-Sans-Bold"}
        assert all("/FontFile2" in dd["/FontDescriptor"] for f in fonts for dd in f["/DescendantFonts"])


# --- JSON -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_json_documents_are_canonical_and_equal_the_snapshot_facts(name: str) -> None:
    s = snapshot(name)
    d, p, n = s["decision"], s["person"], s["numbers"]
    for (kind, fmt), doc in docs(name).items():
        if fmt != "json":
            continue
        loaded = json.loads(doc.content)
        assert canonical_json(loaded) == doc.content
        assert loaded["document"] == f"{kind}/1"
        assert loaded["person"]["full_name"] == " ".join(x for x in (p["surname"], p["name"], p["patronymic"]) if x)
        assert (loaded["person"]["birth_date"], loaded["person"]["snils"]) == (p["birth_date"], p["snils"])
        outcome = loaded["outcome"]
        assert (outcome["group"], outcome["group_label"], outcome["cause"]) == (d["group"], d["group_label"], d["cause"])
        assert (outcome["until"], outcome["reexam_on"]) == (d["until"], d["reexam_on"])
        assert [c["code"] for c in outcome["crg"]] == d["crg"]
    act = json_doc(name, "act")
    assert (act["number"], act["date"], act["issued_on"]) == (n["act"], d["date"], s["issued_on"])
    assert [i["percent"] for i in act["impairments"]] == [i["percent"] for i in d["impairments"]]
    assert {lim["item"]: lim["degree"] for lim in act["limitations"]} == d["limitations"]
    assert [(v["full_name"], v["vote"]) for v in act["votes"]] == [(v["full_name"], v["vote"]) for v in s["votes"]]
    assert act["protocol"]["sha256"] == s["protocol"]["sha256"]
    assert [p["code"] for p in act["case"]["purposes"]] == s["case"]["purposes"]


def test_ipra_json_sections_come_from_the_protocol_appendix() -> None:
    sections = {sec["key"]: sec for sec in json_doc("child", "ipra")["sections"]}
    assert sections["appendix.1"]["status"] == "defined"
    assert sections["appendix.7.1"]["rows"][0]["event"].startswith("7-01-01 Кресло-коляска")
    assert sections["appendix.4"]["rows"][0]["row_label"] == "Социально-педагогическая реабилитация и абилитация"
    assert sections["appendix.3"]["status"] == "not_needed"  # marked so in decision.ipra_not_needed
    assert sections["appendix.2"]["status"] == "not_determined"  # empty, not marked: no finding
    restrictions = {r["item"]: r["degree"] for r in json_doc("child", "ipra")["life_restrictions"]}
    assert len(restrictions) == 7
    assert (restrictions["78.6"], restrictions["78.3"]) == ("1", None)


# --- CDA --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_semd_header_and_generic_cda_schema(name: str) -> None:
    root = xml_root(name)
    assert root.xpath("string(v3:templateId/@root)", namespaces=V3) == "1.2.643.5.1.13.13.15.5.3"
    assert root.xpath("string(v3:code/@code)", namespaces=V3) == "35"
    assert root.xpath("string(v3:code/@codeSystem)", namespaces=V3) == "1.2.643.5.1.13.13.11.1522"
    snils = root.xpath("string(//v3:patientRole/v3:id[@root='1.2.643.100.3']/@extension)", namespaces=V3)
    assert snils == snapshot(name)["person"]["snils"]
    assert root.xpath("string(//v3:patient/v3:name/identity:Patronymic)", namespaces=V3) == snapshot(name)["person"]["patronymic"]
    assert xsd_violations(root) == []  # the generic CDA schema of ред.6 — not the results guide's own schema
    assert entry_value(root, "4066").text == snapshot(name)["numbers"]["act"]


@pytest.mark.parametrize(
    ("name", "group", "cause", "term", "ipra"),
    [("adult", "2", "4", "1", "true"), ("child", "4", None, "2", "true"), ("not_established", None, None, None, "false")],
)
def test_semd_coded_values(name: str, group: str | None, cause: str | None, term: str | None, ipra: str) -> None:
    root = xml_root(name)
    disability = entry_value(root, "814")
    if group is None:
        assert disability.get("nullFlavor") == "NA"
        assert "оснований для установления инвалидности нет" in (entry_value(root, "4168").text or "")
    else:
        assert (disability.get("code"), disability.get("codeSystem")) == (group, "1.2.643.5.1.13.13.11.1053")
        assert entry_value(root, "8043").get("value") == "false"
        assert entry_value(root, "4090").get("value") == snapshot(name)["decision"]["reexam_on"].replace("-", "")
    if cause is not None:
        assert (entry_value(root, "8040").get("code"), entry_value(root, "8040").get("codeSystem")) == (
            cause,
            "1.2.643.5.1.13.13.11.1474",
        )
    else:
        assert root.xpath("//v3:observation[v3:code/@code='8040']", namespaces=V3) == []
    if term is not None:
        assert (entry_value(root, "4115").get("code"), entry_value(root, "4115").get("codeSystem")) == (
            term,
            "1.2.643.5.1.13.13.99.2.358",
        )
    assert entry_value(root, "4092").get("value") == ipra
    percents = root.xpath("//v3:observation[v3:code/@code='8039']/v3:value/@value", namespaces=V3)
    assert percents == [str(i["percent"]) for i in snapshot(name)["decision"]["impairments"]]
    degrees = root.xpath("//v3:observation[v3:code/@code='12482']/v3:value/@value", namespaces=V3)
    assert degrees == list(snapshot(name)["decision"]["limitations"].values())


# --- reproducibility ----------------------------------------------------------------------------------------------


_HASH_SCRIPT = """
import hashlib, sys
from mse.adapters.documents.results import build_documents
for d in build_documents(open(sys.argv[1], "rb").read()):
    print(d.kind, d.format, hashlib.sha256(d.content).hexdigest())
"""


def _hashes(built: list[RenderedDocument] | dict[tuple[str, str], RenderedDocument]) -> list[str]:
    items = built.values() if isinstance(built, dict) else built
    return [f"{d.kind} {d.format} {hashlib.sha256(d.content).hexdigest()}" for d in items]


@pytest.mark.parametrize("name", FIXTURES)
def test_same_snapshot_same_bytes_in_this_and_another_process(name: str) -> None:
    first = _hashes(docs(name))
    assert _hashes(build_documents(raw(name))) == first
    env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "Asia/Vladivostok"}
    out = subprocess.run(  # noqa: S603 - the interpreter running the tests
        [sys.executable, "-c", _HASH_SCRIPT, str(DATA / f"decision_snapshot_{name}.json")],
        capture_output=True, text=True, check=True, env=env, timeout=120,
    )  # fmt: skip
    assert out.stdout.splitlines() == first


def test_a_changed_snapshot_changes_every_document() -> None:
    changed = snapshot("adult")
    changed["person"]["surname"] = "Кузнецова-Орлова"
    before = {(d.kind, d.format): d.content for d in docs("adult").values()}
    after = {(d.kind, d.format): d.content for d in build_documents(json.dumps(changed, ensure_ascii=False).encode())}
    assert set(before) == set(after)
    assert [k for k in before if before[k] == after[k]] == []


# --- errors -----------------------------------------------------------------------------------------------------


def _without(path: str) -> bytes:
    data = snapshot("adult")
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[p]
    del node[last]
    return json.dumps(data, ensure_ascii=False).encode()


@pytest.mark.parametrize("path", ["decision.group", "person.birth_date", "numbers.act", "issued_on", "head", "decision.cause"])
def test_a_missing_required_key_is_a_russian_error_naming_it(path: str) -> None:
    with pytest.raises(SnapshotInvalid) as err:
        build_documents(_without(path))
    assert err.value.code == "decision_snapshot_invalid"
    assert f"нет обязательного поля «{path}»" in err.value.message
    assert err.value.problems[0].field == path


def test_mistyped_and_foreign_snapshots_are_refused() -> None:
    data = snapshot("adult")
    data["decision"]["until"] = "01.04.2027"
    with pytest.raises(SnapshotInvalid, match="decision.until.*ГГГГ-ММ-ДД"):
        read_snapshot(json.dumps(data).encode())
    data = snapshot("adult") | {"schema": "mse-decision-snapshot/2"}
    with pytest.raises(SnapshotInvalid, match="неизвестная схема снимка"):
        read_snapshot(json.dumps(data).encode())
    with pytest.raises(SnapshotInvalid, match="не является документом JSON"):
        read_snapshot(b"\xff not json")


def test_unknown_members_are_ignored() -> None:
    data = snapshot("not_established") | {"future_member": {"x": 1}}
    data["decision"]["future_flag"] = True
    assert [d.kind for d in build_documents(json.dumps(data, ensure_ascii=False).encode())] == [
        "act", "act", "certificate", "certificate", "semd_results",
    ]  # fmt: skip


def test_build_document_gives_one_or_says_why_not() -> None:
    one = build_document(raw("adult"), "extract_sfr", "json")
    assert one.content == docs("adult")[("extract_sfr", "json")].content
    with pytest.raises(NotFound) as err:
        build_document(raw("not_established"), "ipra", "pdf")
    assert err.value.code == "result_document_not_found"
    with pytest.raises(ValidationFailed, match="не бывает"):
        build_document(raw("adult"), "semd_results", "pdf")


def test_render_time_per_page(capsys: pytest.CaptureFixture[str]) -> None:
    docs.cache_clear()
    for name in FIXTURES:
        docs(name)
    with capsys.disabled():
        print("\nresult documents:", "; ".join(_timings[-3:]))
    per_page = [float(t.rsplit(", ", 1)[1].removesuffix(" ms/page")) for t in _timings[-3:]]
    assert max(per_page) < 1000  # a page of a result document renders well under a second


def test_the_decision_service_shape_is_accepted() -> None:
    """services/decision_snapshot.py writes null members where the protocol is silent and extra ones (suggestion)."""
    data = snapshot("not_established")
    data["bureau"] = {k: data["bureau"][k] for k in ("name", "short_name", "parent", "region")} | {"address": None}
    data["person"]["document"] = dict.fromkeys(("kind", "series", "number", "issued_on", "issued_by"))
    data["decision"] |= {"care_need": False, "suggestion": {"group": "80.5"}, "term_text": None}
    data["numbers"] |= {"certificate": "МСЭ-2026 0000063", "ipra": "77-0001-2026-000063-ИПРА", "extract": "77-0001-2026-000063-В"}
    built = {(d.kind, d.format): d for d in build_documents(json.dumps(data, ensure_ascii=False).encode())}
    assert set(built) == {
        ("act", "pdf"),
        ("act", "json"),
        ("certificate", "pdf"),
        ("certificate", "json"),
        ("semd_results", "xml"),
    }
    assert json.loads(built[("act", "json")].content)["person"]["document"] is None
    assert "Справка о результатах медико-социальной экспертизы № МСЭ-2026 0000063" in built[("certificate", "pdf")].title
