"""Reading the 402н/631н examination list from an administrator's CSV file (stored in table exam_requirements)."""

from __future__ import annotations

import csv
import io
from datetime import date

from mse.domain.errors import FieldProblem, ValidationFailed
from mse.rules.reference import ExamSection, RequiredExam, icd_in_ranges

CSV_COLUMNS = ("icd_ranges", "code", "name", "basic", "section", "valid_from", "valid_to")


def parse_exam_csv(text: str) -> list[RequiredExam]:
    """Columns: icd_ranges, code, name, basic (1 основное / 2 дополнительное), section (1 взрослые / 2 дети), valid_from, valid_to.

    All-or-nothing: any bad row rejects the whole file, with the row numbers, so nothing half-loaded replaces the list.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed([FieldProblem("file", f"Нет столбцов: {', '.join(missing)}")], "Файл перечня обследований не распознан")
    rows: list[RequiredExam] = []
    problems: list[FieldProblem] = []
    for n, raw in enumerate(reader, start=2):
        try:
            ranges = (raw["icd_ranges"] or "").strip()
            if not ranges or not icd_in_ranges(ranges.split(",")[0].split("-")[0].strip(), ranges):
                raise ValueError("неверные рубрики МКБ-10")
            if raw["basic"].strip() not in ("1", "2"):
                raise ValueError("basic: 1 (основное) или 2 (дополнительное)")
            if raw["section"].strip() not in ("1", "2"):
                raise ValueError("section: 1 (18 лет и старше) или 2 (до 18 лет)")
            if not raw["code"].strip() or not raw["name"].strip():
                raise ValueError("не заполнены код или наименование обследования")
            rows.append(RequiredExam(
                icd_ranges=ranges, code=raw["code"].strip(), name=raw["name"].strip(), basic=raw["basic"].strip() == "1",
                section=ExamSection.ADULT if raw["section"].strip() == "1" else ExamSection.CHILD,
                valid_from=date.fromisoformat(raw["valid_from"].strip()),
                valid_to=date.fromisoformat(raw["valid_to"].strip()) if (raw.get("valid_to") or "").strip() else None))
        except (ValueError, KeyError, AttributeError) as exc:
            problems.append(FieldProblem(f"row.{n}", f"Строка {n}: {exc}"))
    if problems:
        raise ValidationFailed(problems[:50], "Файл перечня обследований содержит ошибки; ничего не загружено")
    return rows
