"""The printed form (the protocol of 389н, any form-as-data schema): HTML/CSS → PDF/A-3b, tagged, A4.

389н прил.2 п.6: «при распечатке … допускается вывод на печать только отмеченных и заполненных полей»:
the compact print (default) keeps only marked options and filled items, a heading (24, 79, 79.13…) only
when one of its sub-items is printed; ``compact=False`` prints the whole form with blank lines. Official
section titles and point codes are kept. The signature block of п.17–19 ends the protocol; a draft carries
«ЧЕРНОВИК — не подписан» on every page. DejaVu Sans (fonts-dejavu-core) is embedded; nothing but the
local fonts, the sRGB profile and this package's stylesheet is fetched.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint  # type: ignore[import-untyped]  # no stubs or py.typed in WeasyPrint 70
from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from mse.forms.conditions import is_empty
from mse.forms.model import FormSchema, Item, ItemType, Option, Section

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
TEMPLATES = Path(__file__).parent / "templates"
# The sRGB profile WeasyPrint ships, declared as a CSS @color-profile and used as the PDF/A output intent:
# WeasyPrint 70's built-in output_intent="srgb" leaves this file open (a ResourceWarning on every render).
SRGB_PROFILE = Path(weasyprint.__file__).parent / "pdf" / "sRGB2014.icc"
OUTPUT_INTENT = "--mse-srgb"
CHECKED, UNCHECKED = "☒", "☐"
_POINT = re.compile(r"\d")  # a printed point number starts with a digit ("20.2", "86(1)"); slugs and "Заголовок" do not
# 389н: the title part (section "title", items T.1 institution, T.2 number and date) is what PrintHeader prints.
TITLE_SECTION = "title"
TITLE_PART = re.compile(r"T\.\d")


class FontsMissingError(RuntimeError):
    """The fonts the PDF embeds are not installed."""


@dataclass(frozen=True)
class SignatureLine:
    role: str  # "head" | "specialist"
    full_name: str
    position: str  # e.g. "Руководитель бюро", "Врач по медико-социальной экспертизе"
    certificate_serial: str | None = None
    signed_at: datetime | None = None


@dataclass(frozen=True)
class PrintHeader:
    institution: str  # T.1
    number: str  # protocol number = case registration number
    date: date  # protocol date = registration date
    title: str  # e.g. schema.title


@dataclass(frozen=True)
class Mark:  # one checkbox line: "☒ 20.2. label"
    checked: bool
    code: str | None
    label: str
    extra: str = ""  # " — 70 %" after a scored option


@dataclass(frozen=True)
class Entry:  # one printed item
    kind: str  # heading | field | long | flag | choice | options | table: the template's branch
    code: str | None
    label: str
    depth: int = 0
    value: str = ""
    marks: tuple[Mark, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class PrintedSection:
    code: str
    title: str
    entries: tuple[Entry, ...] = ()

    @property
    def titled(self) -> bool:
        return self.code != TITLE_SECTION  # the title part has no printed heading of its own


# --- what is printed ---------------------------------------------------------------------------


def _under(code: str, heading: str) -> bool:
    return code == heading or code.startswith((heading + ".", heading + "("))


def _point(code: str | None) -> str | None:
    return code if code and _POINT.match(code) else None


def _option_code(o: Option) -> str | None:
    return o.point or _point(o.code)


def _day(value: object) -> str:
    try:
        return date.fromisoformat(str(value)).strftime("%d.%m.%Y")
    except ValueError:
        return str(value)


def _score_text(item: Item, value: object) -> tuple[Mark, ...]:
    if not isinstance(value, Mapping):
        return (Mark(True, None, str(value)),)
    option = item.option(str(value.get("option")))
    percent = value.get("percent")
    extra = f" — {percent}\u00a0%" if percent is not None else ""
    if option is None:
        return (Mark(True, None, str(value.get("option")), extra),)
    return (Mark(True, _option_code(option), option.label, extra),)


def format_value(item: Item, value: object) -> str:
    """A filled value as one line of text (fields and table cells)."""
    if item.type is ItemType.DATE:
        return _day(value)
    if item.type is ItemType.PERCENT:
        return f"{value}\u00a0%"
    if item.type is ItemType.DECIMAL:
        return str(value).replace(".", ",")  # 36,6
    if item.type is ItemType.BOOLEAN:
        return CHECKED if value else ""
    if item.type in (ItemType.CHOICE, ItemType.MULTICHOICE):
        codes = value if isinstance(value, list) else [value]
        return "; ".join(_mark_text(_mark(item, str(c))) for c in codes)
    if item.type is ItemType.SCORE:
        return "; ".join(_mark_text(m) + m.extra for m in _score_text(item, value))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _mark(item: Item, code: str) -> Mark:
    option = item.option(code)
    return Mark(True, _option_code(option), option.label) if option else Mark(True, None, code)


def _mark_text(m: Mark) -> str:
    return f"{m.code}. {m.label}" if m.code else m.label


def _marks(item: Item, value: object, compact: bool) -> tuple[Mark, ...]:
    if item.type is ItemType.SCORE:
        if compact:
            return _score_text(item, value)
        chosen = value.get("option") if isinstance(value, Mapping) else None
        return tuple(
            _score_text(item, value)[0] if o.code == chosen else Mark(False, _option_code(o), o.label, " — ____\u00a0%")
            for o in item.options
        )
    chosen = [str(v) for v in value] if isinstance(value, list) else ([] if is_empty(value) else [str(value)])
    if compact:
        return tuple(_mark(item, c) for c in chosen)
    known = {o.code for o in item.options}
    listed = tuple(Mark(o.code in chosen, _option_code(o), o.label) for o in item.options)
    return listed + tuple(_mark(item, c) for c in chosen if c not in known)


def _table(item: Item, value: object, compact: bool) -> Entry | None:
    rows = [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []
    by_row = {str(r.get("row")): r for r in rows if r.get("row") is not None}
    body: list[tuple[Option | None, Mapping[str, Any]]]
    body = [(o, by_row.get(o.code, {})) for o in item.rows] if item.rows else [(None, r) for r in rows]
    if compact:
        body = [(o, r) for o, r in body if any(not is_empty(r.get(c.key)) for c in item.columns)]
    elif not item.rows:
        body = [*body, (None, {}), (None, {})]  # room to write by hand
    if not body:
        return None
    columns = tuple(c.label for c in item.columns)
    printed = []
    for o, r in body:
        cells = tuple("" if is_empty(r.get(c.key)) else format_value(c, r.get(c.key)) for c in item.columns)
        printed.append(((_mark_text(Mark(True, _option_code(o), o.label)),) if o else ()) + cells)
    return Entry("table", _point(item.code), item.label, columns=(("",) if item.rows else ()) + columns, rows=tuple(printed))


def _entry(item: Item, value: object, compact: bool, depth: int) -> Entry | None:
    code = _point(item.code)
    if item.type is ItemType.TABLE:
        return _table(item, value, compact)
    empty = is_empty(value) or (item.type is ItemType.SCORE and isinstance(value, Mapping) and is_empty(value.get("option")))
    if compact and empty:
        return None
    if item.type is ItemType.BOOLEAN:
        return Entry("flag", code, item.label, depth, marks=(Mark(bool(value), code, item.label),))
    if item.type in (ItemType.CHOICE, ItemType.MULTICHOICE, ItemType.SCORE):
        marks = _marks(item, value, compact)
        kind = "choice" if item.type is not ItemType.MULTICHOICE and len(marks) == 1 else "options"
        return Entry(kind, code, item.label, depth, marks=marks)
    text = "" if empty else format_value(item, value)
    return Entry("long" if item.type is ItemType.LONGTEXT else "field", code, item.label, depth, value=text)


def _entries(section: Section, data: Mapping[str, object], compact: bool) -> Iterator[Entry]:
    items = tuple(i for i in section.items if not TITLE_PART.match(i.code))  # printed by the header
    printed: list[Entry | None] = []
    stack: list[str] = []
    for item in items:
        while stack and not _under(item.code, stack[-1]):
            stack.pop()
        if item.type is ItemType.HEADING:
            printed.append(Entry("heading", _point(item.code), item.label, len(stack)))
            stack.append(item.code)
        else:
            printed.append(_entry(item, data.get(item.key), compact, len(stack)))
    for n, (item, entry) in enumerate(zip(items, printed, strict=True)):
        if entry is None:
            continue
        if compact and item.type is ItemType.HEADING and not _has_printed_sub_item(items, printed, n):
            continue
        yield entry


def _has_printed_sub_item(items: Sequence[Item], printed: Sequence[Entry | None], n: int) -> bool:
    for item, entry in zip(items[n + 1 :], printed[n + 1 :], strict=True):
        if not _under(item.code, items[n].code):
            return False
        if entry is not None and item.type is not ItemType.HEADING:
            return True
    return False


def printed_sections(schema: FormSchema, data: Mapping[str, object], *, compact: bool = True) -> list[PrintedSection]:
    """The sections and items to print, in form order (empty sections are left out of a compact print)."""
    out = [PrintedSection(s.code, s.title, tuple(_entries(s, data, compact))) for s in schema.sections]
    return [s for s in out if s.entries or not compact]


# --- HTML and PDF ------------------------------------------------------------------------------


def font_urls() -> dict[str, str]:
    missing = [FONT_DIR / name for name in FONT_FILES.values() if not (FONT_DIR / name).is_file()]
    if missing:
        raise FontsMissingError(
            f"Не найдены шрифты для печати PDF: {', '.join(str(p) for p in missing)}. "
            "Установите пакет fonts-dejavu-core (sudo apt-get install fonts-dejavu-core)."
        )
    return {kind: (FONT_DIR / name).as_uri() for kind, name in FONT_FILES.items()}


_FONTS = threading.local()


def font_config() -> Any:
    """This thread's WeasyPrint font configuration, made once. Without it every document builds a new one: fontconfig
    loads its configuration again and both @font-face fonts are read, copied to a temporary directory and registered
    again — about a tenth of the CPU of a one-page PDF (P11, issue 7). One per thread: fontconfig and the Pango font
    map are not safe to share between threads. The PDF bytes are the same (tests/integration/test_pdf_font_config.py)."""
    config = getattr(_FONTS, "config", None)
    if config is None:
        config = _FONTS.config = FontConfiguration()
    return config


class LocalFileFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
    """Refuses every URL except file: URLs inside the font and template directories (no network)."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        parts = urlsplit(url)
        path = Path(os.path.normpath(unquote(parts.path)))  # ".." collapsed; symlinked fonts still allowed
        roots = (Path(os.path.normpath(FONT_DIR)), Path(os.path.normpath(TEMPLATES)))
        allowed = path == Path(os.path.normpath(SRGB_PROFILE)) or any(path.is_relative_to(r) for r in roots)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost") or not allowed:
            raise ValueError(f"Печать PDF: загрузка ресурса запрещена: {url}")
        return super().fetch(url, headers)


def _moment(t: datetime) -> str:
    """04.03.2025 15:20 (UTC+03:00); a naive time is printed as given."""
    zone = t.strftime("%z")
    return f"{t:%d.%m.%Y %H:%M}" + (f" (UTC{zone[:3]}:{zone[3:5]})" if zone else "")


_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True
)
_ENV.filters["colon"] = lambda label: label if label.rstrip().endswith((":", "?")) else label.rstrip() + ":"
_ENV.filters["day"] = lambda d: d.strftime("%d.%m.%Y")
_ENV.filters["moment"] = _moment


def render_form_html(
    schema: FormSchema,
    data: Mapping[str, object],
    *,
    header: PrintHeader,
    signatures: Sequence[SignatureLine] = (),
    signed: bool = False,
    compact: bool = True,
) -> str:
    if unknown := sorted({s.role for s in signatures} - {"head", "specialist"}):
        raise ValueError(f"Неизвестная роль подписанта: {', '.join(unknown)} (ожидается head или specialist)")
    return _ENV.get_template("form.html").render(
        schema=schema,
        header=header,
        doc_title=f"{header.title} N {header.number} от {header.date:%d.%m.%Y}",
        sections=printed_sections(schema, data, compact=compact),
        heads=[s for s in signatures if s.role == "head"],
        specialists=[s for s in signatures if s.role == "specialist"],
        signed=signed,
        compact=compact,
        fonts=font_urls(),
        color_profile={"name": OUTPUT_INTENT, "url": SRGB_PROFILE.as_uri()},
        css_url=(TEMPLATES / "print.css").as_uri(),
        checked=CHECKED,
        unchecked=UNCHECKED,
    )


def render_form_pdf(
    schema: FormSchema,
    data: Mapping[str, object],
    *,
    header: PrintHeader,
    signatures: Sequence[SignatureLine] = (),
    signed: bool = False,
    compact: bool = True,
) -> bytes:
    html = render_form_html(schema, data, header=header, signatures=signatures, signed=signed, compact=compact)
    document = weasyprint.HTML(string=html, base_url=TEMPLATES.as_uri() + "/", url_fetcher=LocalFileFetcher())
    pdf = document.write_pdf(pdf_variant="pdf/a-3b", pdf_tags=True, output_intent=OUTPUT_INTENT, font_config=font_config())
    assert isinstance(pdf, bytes)
    return pdf
