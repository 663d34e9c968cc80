"""The printed form: real WeasyPrint renders, read back with pypdf (text, PDF/A metadata, tags, fonts)."""

from __future__ import annotations

import io
import logging
import time
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pypdf
import pytest

from mse.adapters.pdf import FontsMissingError, PrintHeader, SignatureLine, form_pdf, render_form_html, render_form_pdf
from mse.forms.loader import load_form, parse_form
from mse.forms.model import FormSchema

HEADER = PrintHeader(
    institution="ФКУ «Главное бюро медико-социальной экспертизы по Тестовой области» Минтруда России, бюро № 7",
    number="123/2025",
    date=date(2025, 3, 4),
    title="Протокол проведения медико-социальной экспертизы гражданина",
)
TITLE = "Протокол проведения медико-социальной экспертизы гражданина N 123/2025 от 04.03.2025"
MSK = timezone(timedelta(hours=3))
SIGNERS = (
    SignatureLine(
        "head", "Сидорова Анна Петровна", "Руководитель бюро", "01A2B3C4D5E6F708", datetime(2025, 3, 4, 15, 20, tzinfo=MSK)
    ),
    SignatureLine(
        "specialist",
        "Кузнецов Борис Иванович",
        "Врач по медико-социальной экспертизе",
        "7F00AA11",
        datetime(2025, 3, 4, 15, 5, tzinfo=MSK),
    ),
    SignatureLine("specialist", "Орлова Вера Сергеевна", "Специалист по реабилитации"),
)


def _opts(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"code": c, "label": label} for c, label in pairs]


SYNTHETIC: dict[str, Any] = {
    "form": "synthetic-print",
    "version": "2025-01-01",
    "title": "Протокол проведения медико-социальной экспертизы гражданина",
    "act": "синтетическая форма для теста печати",
    "valid_from": "2025-01-01",
    "sections": [
        {
            "code": "title",
            "title": "Титульная часть",
            "items": [
                {"key": "T.1", "code": "T.1", "label": "наименование учреждения", "type": "text"},
            ],
        },
        {
            "code": "I",
            "title": "Раздел I. Общие данные о гражданине",
            "items": [
                {"key": "3", "code": "3", "label": "Время проведения экспертизы", "type": "heading"},
                {"key": "3.1", "code": "3.1", "label": "Назначено", "type": "time"},
                {"key": "3.2", "code": "3.2", "label": "Дата решения", "type": "date"},
                {"key": "4.surname", "code": "4", "label": "Фамилия", "type": "text"},
                {"key": "12", "code": "12", "label": "Лицо без определенного места жительства", "type": "boolean"},
                {"key": "13", "code": "13", "label": "Гражданин находится в стационаре", "type": "boolean"},
                {
                    "key": "20",
                    "code": "20",
                    "label": "Форма проведения экспертизы",
                    "type": "choice",
                    "options": _opts(
                        ("20.1", "Очно в бюро"), ("20.2", "Заочно по документам"), ("20.3", "Дистанционно с видеосвязью")
                    ),
                },
                {
                    "key": "21",
                    "code": "21",
                    "label": "Сведения о занятости",
                    "type": "multichoice",
                    "options": _opts(
                        ("21.1", "Работает по трудовому договору"),
                        ("21.2", "Учится в колледже"),
                        ("21.3", "Состоит на учете в службе занятости"),
                        ("21.4", "Не работает и не учится"),
                    ),
                },
                {"key": "22", "code": "22", "label": "Степень утраты профессиональной трудоспособности", "type": "percent"},
                {"key": "23", "code": "23", "label": "Анамнез заболевания", "type": "longtext"},
                {"key": "24", "code": "24", "label": "Сведения о прежних освидетельствованиях", "type": "heading"},
                {"key": "24.1", "code": "24.1", "label": "Наименование прежнего бюро", "type": "text"},
                {"key": "25", "code": "25", "label": "Примечание врача", "type": "text"},
                {"key": "26", "code": "26", "label": "Масса тела, кг", "type": "decimal"},
            ],
        },
        {
            "code": "VI",
            "title": "Раздел VI. Клинико-функциональные данные",
            "items": [
                {"key": "79", "code": "79", "label": "Оценка степени выраженности нарушений функций", "type": "heading"},
                {
                    "key": "79.1",
                    "code": "79.1",
                    "label": "Нарушения психических функций",
                    "type": "score",
                    "options": _opts(
                        ("79.1.1", "незначительные нарушения"),
                        ("79.1.2", "умеренные нарушения"),
                        ("79.1.3", "выраженные нарушения"),
                        ("79.1.4", "значительно выраженные нарушения"),
                    ),
                },
                {"key": "79.13", "code": "79.13", "label": "Нарушения сенсорных функций", "type": "heading"},
                {
                    "key": "79.13.1",
                    "code": "79.13.1",
                    "label": "Нарушения функции зрения",
                    "type": "score",
                    "options": _opts(("79.13.1.1", "зрение снижено слегка"), ("79.13.1.2", "зрение снижено сильно")),
                },
                {
                    "key": "30",
                    "code": "30",
                    "label": "Результаты обследований",
                    "type": "table",
                    "rows": _opts(("30.1", "Общий анализ крови"), ("30.2", "Рентгенография грудной клетки")),
                    "columns": [
                        {"key": "date", "code": "30", "label": "Дата", "type": "date"},
                        {"key": "result", "code": "30", "label": "Результат", "type": "text"},
                    ],
                },
            ],
        },
        {
            "code": "VII",
            "title": "Раздел VII. Решения учреждения",
            "items": [
                {"key": "90", "code": "90", "label": "Особое мнение специалиста", "type": "longtext"},
            ],
        },
    ],
}

FILLED: dict[str, object] = {
    "T.1": "не печатается отдельно",
    "3.1": "10:30",
    "3.2": "2025-03-04",
    "4.surname": "Петров <b>&</b> сын",
    "12": True,
    "13": False,
    "20": "20.2",
    "21": ["21.1", "21.3"],
    "22": 40,
    "23": "Болеет с 2019 года.\nУхудшение после травмы.",
    "24.1": "",
    "26": 72.5,
    "79.1": {"option": "79.1.3", "percent": 70},
    "30": [{"row": "30.1", "date": "2025-02-10", "result": "Без патологии"}, {"row": "30.2"}],
}


@cache
def synthetic() -> FormSchema:
    return parse_form(SYNTHETIC)


@cache
def pdf_of(*, signed: bool, compact: bool) -> bytes:
    return render_form_pdf(synthetic(), FILLED, header=HEADER, signatures=SIGNERS, signed=signed, compact=compact)


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, whitespace collapsed; a line broken after a hyphen is joined back."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().replace("-\n", "-").split()) for page in reader.pages]


def text_of(pdf: bytes) -> str:
    return " ".join(page_texts(pdf))


@pytest.fixture(autouse=True)
def _weasyprint_is_quiet(caplog: pytest.LogCaptureFixture) -> Any:
    """A missing font, a refused URL or an unsupported CSS rule is logged by WeasyPrint: none is expected."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


def test_compact_print_has_the_filled_items_with_codes_and_formatted_values() -> None:
    text = text_of(pdf_of(signed=True, compact=True))
    for expected in (
        "3. Время проведения экспертизы",
        "3.1. Назначено: 10:30",
        "3.2. Дата решения: 04.03.2025",
        "4. Фамилия: Петров <b>&</b> сын",
        "☒ 12. Лицо без определенного места жительства",
        "20. Форма проведения экспертизы: ☒ 20.2. Заочно по документам",
        "☒ 21.1. Работает по трудовому договору",
        "☒ 21.3. Состоит на учете в службе занятости",
        "22. Степень утраты профессиональной трудоспособности: 40 %",
        "26. Масса тела, кг: 72,5",
        "Болеет с 2019 года. Ухудшение после травмы.",
        "79. Оценка степени выраженности нарушений функций",
        "79.1. Нарушения психических функций: ☒ 79.1.3. выраженные нарушения — 70 %",
        "30.1. Общий анализ крови 10.02.2025 Без патологии",
        "Раздел I. Общие данные о гражданине",
        "Раздел VI. Клинико-функциональные данные",
    ):
        assert expected in text


def test_compact_print_leaves_out_unmarked_options_empty_items_and_their_headings() -> None:
    text = text_of(pdf_of(signed=True, compact=True))
    for absent in (
        # unmarked options of a choice, of a multichoice, other rows of a score
        "Очно в бюро",
        "Дистанционно с видеосвязью",
        "Учится в колледже",
        "Не работает и не учится",
        "незначительные нарушения",
        "значительно выраженные нарушения",
        # an unticked checkbox, an empty item, an empty fixed table row
        "Гражданин находится в стационаре",
        "Примечание врача",
        "Рентгенография грудной клетки",
        # a heading with no filled sub-item; a nested heading whose score is empty
        "Сведения о прежних освидетельствованиях",
        "Наименование прежнего бюро",
        "Нарушения сенсорных функций",
        "Нарушения функции зрения",
        # a section with nothing filled; no empty boxes at all
        "Раздел VII",
        "Особое мнение",
        "☐",
        # the title part is printed by the header, not as a section
        "Титульная часть",
        "не печатается отдельно",
    ):
        assert absent not in text


def test_full_print_has_every_item_and_option() -> None:
    text = text_of(pdf_of(signed=True, compact=False))
    for expected in (
        "☐ 20.1. Очно в бюро",
        "☒ 20.2. Заочно по документам",
        "☐ 21.2. Учится в колледже",
        "☐ 13. Гражданин находится в стационаре",
        "24. Сведения о прежних освидетельствованиях",
        "24.1. Наименование прежнего бюро:",
        "25. Примечание врача:",
        "79.13. Нарушения сенсорных функций",
        "☐ 79.13.1.2. зрение снижено сильно",
        "☒ 79.1.3. выраженные нарушения — 70 %",
        "30.2. Рентгенография грудной клетки",
        "Раздел VII. Решения учреждения",
        "90. Особое мнение специалиста:",
    ):
        assert expected in text


def test_title_part_and_page_numbers() -> None:
    pdf = pdf_of(signed=True, compact=True)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = text_of(pdf)
    assert HEADER.institution in text
    assert TITLE in text
    assert f"Страница 1 из {len(reader.pages)}" in text
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


def test_user_text_is_escaped_in_html() -> None:
    html = render_form_html(synthetic(), FILLED, header=HEADER)
    assert "Петров &lt;b&gt;&amp;&lt;/b&gt; сын" in html
    assert "<b>&</b>" not in html


def test_pdf_is_pdfa_3b_tagged_with_embedded_fonts_and_metadata() -> None:
    pdf = pdf_of(signed=True, compact=True)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert xmp.pdfaid_part == "3"
    assert xmp.pdfaid_conformance == "B"
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "ru"
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert reader.metadata is not None
    assert reader.metadata.title == TITLE
    fonts = [f.get_object() for p in reader.pages for f in p["/Resources"]["/Font"].get_object().values()]
    descriptors = [d["/FontDescriptor"] for f in fonts for d in f["/DescendantFonts"]]
    assert {str(f["/BaseFont"]).split("+")[-1] for f in fonts} == {"MSE-DejaVu-Sans", "MSE-DejaVu-Sans-Bold"}
    assert all("/FontFile2" in d for d in descriptors)  # TrueType programs embedded (subset)


def test_draft_banner_only_when_not_signed() -> None:
    draft, final = text_of(pdf_of(signed=False, compact=True)), text_of(pdf_of(signed=True, compact=True))
    assert "ЧЕРНОВИК — не подписан" in draft
    assert "ЧЕРНОВИК" not in final


def test_signature_block() -> None:
    text = text_of(pdf_of(signed=True, compact=True))
    for expected in (
        "Руководитель бюро (главного бюро, Федерального бюро) или уполномоченное им должностное лицо Сидорова Анна Петровна",
        "Специалисты бюро (главного бюро, Федерального бюро), проводившие медико-социальную экспертизу:",
        "Кузнецов Борис Иванович — Врач по медико-социальной экспертизе",
        "Орлова Вера Сергеевна — Специалист по реабилитации",
        "Подписано усиленной квалифицированной электронной подписью Сертификат: 01A2B3C4D5E6F708",
        "Дата и время подписания: 04.03.2025 15:20 (UTC+03:00)",
        "Сертификат: 7F00AA11",
        "Дата: 04.03.2025",
        "М.П.",
    ):
        assert expected in text
    assert text.count("Подписано усиленной квалифицированной электронной подписью") == 3
    assert "Подписано" not in text_of(pdf_of(signed=False, compact=True))


def test_unknown_signer_role_is_refused() -> None:
    with pytest.raises(ValueError, match="роль"):
        render_form_html(synthetic(), {}, header=HEADER, signatures=[SignatureLine("clerk", "Иванов И. И.", "Регистратор")])


def test_missing_fonts_are_named_with_their_debian_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(form_pdf, "FONT_DIR", tmp_path)
    with pytest.raises(FontsMissingError, match="fonts-dejavu-core"):
        render_form_pdf(synthetic(), FILLED, header=HEADER)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/font.ttf",
        "file:///etc/passwd",
        "file:///usr/share/fonts/truetype/dejavu/../../../../../etc/passwd",
        "ftp://example.org/x",
        "data:text/css,p{}",
    ],
)
def test_fetcher_refuses_everything_but_local_fonts_and_templates(url: str) -> None:
    with pytest.raises(ValueError, match="запрещена"):
        form_pdf.LocalFileFetcher().fetch(url)


def test_referral_form_renders() -> None:
    schema = load_form("referral-088u", "2022-11-21")
    data = {
        "purposes": ["1"],
        "patientLastName": "Смирнова",
        "patientBirthDate": "1961-07-15",
        "sex": "2",
        "needsHomeVisit": True,
    }
    header = PrintHeader("Бюро № 3", "45", date(2025, 1, 9), schema.title)
    compact = text_of(render_form_pdf(schema, data, header=header))
    assert "6. Фамилия: Смирнова" in compact
    assert "7. Дата рождения: 15.07.1961" in compact
    assert "8. Пол: ☒ 8.2. женский" in compact
    assert "мужской" not in compact
    full = page_texts(render_form_pdf(schema, data, header=header, compact=False))
    assert "☐ 8.1. мужской" in " ".join(full)
    assert len(full) > 1
    assert all("ЧЕРНОВИК — не подписан" in page for page in full)  # the banner is on every page of a draft


def test_render_time_of_a_300_item_document(capsys: pytest.CaptureFixture[str]) -> None:
    items: list[dict[str, Any]] = []
    data: dict[str, object] = {}
    for n in range(1, 61):  # 60 points × 5 items
        options = _opts(*((f"{n}.3.{k}", f"вариант {k} пункта {n}") for k in range(1, 5)))
        items += [
            {"key": f"{n}", "code": f"{n}", "label": f"Пункт {n}: сведения", "type": "heading"},
            {"key": f"{n}.1", "code": f"{n}.1", "label": "Текстовое поле", "type": "text"},
            {"key": f"{n}.2", "code": f"{n}.2", "label": "Дата", "type": "date"},
            {"key": f"{n}.3", "code": f"{n}.3", "label": "Выбор", "type": "choice", "options": options},
            {"key": f"{n}.4", "code": f"{n}.4", "label": "Описание", "type": "longtext"},
        ]
        data |= {f"{n}.1": f"значение {n}", f"{n}.2": "2025-03-04", f"{n}.3": f"{n}.3.2", f"{n}.4": "Текст описания. " * 6}
    raw = {**SYNTHETIC, "sections": [{"code": "I", "title": "Раздел I", "items": items}]}
    schema = parse_form(raw)
    timings = []
    for compact in (True, False):
        start = time.perf_counter()
        pdf = render_form_pdf(schema, data, header=HEADER, signatures=SIGNERS, signed=True, compact=compact)
        elapsed = time.perf_counter() - start
        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        timings.append(
            f"{'compact' if compact else 'full'}: {len(items)} items, {elapsed:.2f} s, {pages} pages, {len(pdf) / 1024:.0f} KiB"
        )
        assert pdf.startswith(b"%PDF-1.7")
    with capsys.disabled():
        print("\nPDF render timing —", "; ".join(timings), f"(at {datetime.now(UTC):%H:%M:%S} UTC)")
