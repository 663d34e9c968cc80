"""МКБ-10 (ФНСИ 1.2.643.5.1.13.13.11.1005 v2.27): the actual codes, read once from refdata/icd10_ru.csv."""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files


class Icd10Dictionary:
    def __init__(self, names: dict[str, str]) -> None:
        self._names = names
        # A code is not specific when a longer code in the dictionary extends it (I63 → I63.0…).
        self._parents = {c.split(".")[0] for c in names if "." in c} | {c[:-1] for c in names if "." in c and len(c.split(".")[1]) == 2}

    def exists(self, code: str) -> bool:
        return code in self._names

    def is_specific(self, code: str) -> bool:
        return code in self._names and code not in self._parents

    def name(self, code: str) -> str | None:
        return self._names.get(code)

    def __len__(self) -> int:
        return len(self._names)


@cache
def icd10() -> Icd10Dictionary:
    text = files("mse.refdata").joinpath("icd10_ru.csv").read_text(encoding="utf-8")
    return Icd10Dictionary({row["code"].rstrip("+*"): row["name"] for row in csv.DictReader(text.splitlines())})
