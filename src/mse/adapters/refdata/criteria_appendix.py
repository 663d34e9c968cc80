"""Reading rows of the quantitative appendix of the criteria (585н / 374н) from an administrator's CSV or XLSX file.

Columns (header row, any order; docs/decision-support.md):

    ruleset         585n | 374n
    item            printed point, e.g. 10.4.1
    nosology        nosology or group as printed (may be empty)
    icd10           ICD-10 codes / ranges separated by «;» (J95; Q25-Q28); empty → the class of the item's section
    function_type   type of impairment and МКФ codes as printed
    population      adult | child | all
    characteristic  clinical-functional characteristic
    percent_min     10..100, step 10
    percent_max     10..100, step 10, ≥ percent_min
    crg             «ЦРГ N» (374н only) or empty
    valid_from      ISO date, inside the rule set's validity
    valid_to        ISO date or empty
    source          where the row was read (URL or publication)

All-or-nothing: every bad cell is reported with its row and column, and nothing is returned unless all rows are good.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from importlib import resources
from pathlib import Path

from mse.domain.errors import FieldProblem, ValidationFailed
from mse.rules.criteria.appendix import CRG, ITEM, Population, QuantRow, valid_icd_range
from mse.rules.criteria.rulesets import RuleSet, rulesets

COLUMNS = ("ruleset", "item", "nosology", "icd10", "function_type", "population", "characteristic", "percent_min",
           "percent_max", "crg", "valid_from", "valid_to", "source")
REQUIRED_TEXT = ("function_type", "characteristic", "source")
SHIPPED = "appendix_rows.csv"
MAX_ROWS = 20_000
TITLE = "Файл строк приложения к классификациям и критериям содержит ошибки; ничего не загружено"


class _Row:
    def __init__(self, n: int, raw: dict[str, str], sets: dict[str, RuleSet]) -> None:
        self.n, self.raw, self.sets = n, raw, sets
        self.problems: list[FieldProblem] = []

    def bad(self, column: str, message: str) -> None:
        self.problems.append(FieldProblem(f"row.{self.n}.{column}", f"Строка {self.n}, столбец «{column}»: {message}"))

    def text(self, column: str) -> str:
        return self.raw.get(column, "").strip()

    def percent(self, column: str) -> int | None:
        value = self.text(column)
        if value.endswith(".0"):
            value = value[:-2]
        if not value.isdigit() or not (10 <= int(value) <= 100) or int(value) % 10:
            self.bad(column, f"«{value[:20]}» — ожидается число от 10 до 100 с шагом 10")
            return None
        return int(value)

    def day(self, column: str, *, required: bool) -> date | None:
        value = self.text(column)[:10]
        if not value:
            if required:
                self.bad(column, "не заполнено (дата ГГГГ-ММ-ДД)")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.bad(column, f"«{value}» — ожидается дата ГГГГ-ММ-ДД")
            return None

    def parse(self) -> QuantRow | None:
        rs = self.sets.get(self.text("ruleset"))
        if rs is None:
            self.bad("ruleset", f"«{self.text('ruleset')[:20]}» — допустимо {' или '.join(self.sets)}")
        item = self.text("item")
        if not ITEM.match(item):
            self.bad("item", f"«{item[:20]}» — ожидается номер пункта приложения, например 10.4.1")
        codes = tuple(c.strip().upper().replace(" ", "") for c in self.text("icd10").replace(",", ";").split(";") if c.strip())
        for code in codes:
            if not valid_icd_range(code):
                self.bad("icd10", f"«{code[:20]}» — ожидается код или диапазон МКБ-10 (J95, Q25-Q28)")
        try:
            population = Population(self.text("population"))
        except ValueError:
            self.bad("population", f"«{self.text('population')[:20]}» — допустимо adult, child или all")
            population = Population.ALL
        lo, hi = self.percent("percent_min"), self.percent("percent_max")
        if lo is not None and hi is not None and lo > hi:
            self.bad("percent_max", f"{hi} меньше percent_min {lo}")
        crg = self.text("crg") or None
        if crg is not None and not CRG.match(crg):
            self.bad("crg", f"«{crg[:20]}» — ожидается «ЦРГ N» (например, ЦРГ 5) или пусто")
        if crg is not None and rs is not None and not rs.has("crg.appendix"):
            self.bad("crg", f"в {rs.act} целевые реабилитационные группы не предусмотрены")
        for column in REQUIRED_TEXT:
            if not self.text(column):
                self.bad(column, "не заполнено")
        valid_from, valid_to = self.day("valid_from", required=True), self.day("valid_to", required=False)
        if valid_from and valid_to and valid_to < valid_from:
            self.bad("valid_to", "раньше valid_from")
        if rs is not None and valid_from is not None and not rs.in_force_on(valid_from):
            self.bad("valid_from", f"{valid_from:%d.%m.%Y} вне срока действия {rs.act}")
        if rs is not None and rs.valid_to is not None and valid_from is not None and (valid_to is None or valid_to > rs.valid_to):
            self.bad("valid_to", f"строка {rs.id} не может действовать после {rs.valid_to:%d.%m.%Y} — укажите valid_to")
        for column in COLUMNS:
            if len(self.raw.get(column, "")) > (4000 if column == "characteristic" else 2000 if column != "crg" else 40):
                self.bad(column, "слишком длинное значение")
        if self.problems or rs is None or lo is None or hi is None or valid_from is None:
            return None
        return QuantRow(rs.id, item, self.text("nosology"), codes, self.text("function_type"), population,
                        self.text("characteristic"), lo, hi, crg, valid_from, valid_to, self.text("source"))


def parse_rows(header: Sequence[str], records: Iterable[tuple[int, Sequence[str]]]) -> list[QuantRow]:
    """Rows from a header and numbered records (line / sheet row numbers); raises ValidationFailed listing every bad cell."""
    names = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in COLUMNS if c not in names]
    unknown = [h for h in names if h and h not in COLUMNS]
    if missing or unknown:
        text = "; ".join(filter(None, [f"нет столбцов: {', '.join(missing)}" if missing else "",
                                       f"неизвестные столбцы: {', '.join(unknown)}" if unknown else ""]))
        raise ValidationFailed([FieldProblem("file", f"Строка 1 (заголовок): {text}")], "Файл строк приложения не распознан")
    sets = {rs.id: rs for rs in rulesets()}
    rows: list[QuantRow] = []
    problems: list[FieldProblem] = []
    seen: dict[tuple[str, str, str, date], int] = {}
    for n, values in records:
        if n - 1 > MAX_ROWS:
            raise ValidationFailed([FieldProblem("file", f"Больше {MAX_ROWS} строк")], TITLE)
        if not any(str(v).strip() for v in values):
            continue
        raw = {name: "" if v is None else str(v) for name, v in zip(names, values, strict=False)}
        row = _Row(n, raw, sets)
        parsed = row.parse()
        problems += row.problems
        if parsed is not None:
            if parsed.key in seen:
                problems.append(FieldProblem(f"row.{n}.item", f"Строка {n}, столбец «item»: пункт {parsed.item} "
                                             f"({parsed.population.value}, с {parsed.valid_from:%d.%m.%Y}) уже есть в строке {seen[parsed.key]}"))
            seen[parsed.key] = n
            rows.append(parsed)
    if problems:
        raise ValidationFailed(problems[:100], TITLE)
    if not rows:
        raise ValidationFailed([FieldProblem("file", "В файле нет строк")], TITLE)
    return rows


def parse_csv(text: str) -> list[QuantRow]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise ValidationFailed([FieldProblem("file", "Файл пуст")], "Файл строк приложения не распознан")
    return parse_rows(header, ((n, r) for n, r in enumerate(reader, start=2)))


def _cell(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def parse_xlsx(data: bytes) -> list[QuantRow]:
    """The first sheet: a header row, then one appendix row per sheet row (numbers and dates as Excel stores them)."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # only the XLSX import needs it (no stubs)
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed([FieldProblem("file", "Файл не является книгой XLSX")], "Файл строк приложения не распознан") from exc
    try:
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None)
        if header is None:
            raise ValidationFailed([FieldProblem("file", "Лист пуст")], "Файл строк приложения не распознан")
        return parse_rows([_cell(h) for h in header], ((n, [_cell(v) for v in r]) for n, r in enumerate(lines, start=2)))
    finally:
        book.close()


def read_file(path: Path) -> list[QuantRow]:
    """CSV (UTF-8) or XLSX by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return parse_xlsx(path.read_bytes())
    if suffix == ".csv":
        try:
            return parse_csv(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise ValidationFailed([FieldProblem("file", "Файл не в кодировке UTF-8")], "Файл строк приложения не распознан") from exc
    raise ValidationFailed([FieldProblem("file", f"Неизвестный формат «{suffix or path.name}»: ожидается .csv или .xlsx")],
                           "Файл строк приложения не распознан")


def shipped_rows() -> list[QuantRow]:
    """The rows the workplace's reference files hold for 585н/374н with a percent (shipped with the package)."""
    return parse_csv(resources.files("mse.rules.criteria.data").joinpath(SHIPPED).read_text(encoding="utf-8"))


SHIPPED_SOURCE = f"mse.rules.criteria.data/{SHIPPED}"
