"""Conditions of a form item, as data: when it is shown (may be filled) and when it is required.

389н прил.2 п.4: "Заполняются строки и пункты Протокола о гражданине … и о цели (целях)" — most
items of the protocol are filled only under a condition stated in the procedure (P9(2): the date of
death only for purpose 23.12; P10(3): item 21 only for an in-person MSE…). The conditions live in
the form's data file, next to the item, with the procedure point cited; this module evaluates them
and phrases them in Russian for error messages.

JSON shapes (one key per node):
  {"key": "20", "in": ["20.2", "20.3"]}  item 20 has one of the values (any of them, for a list)
  {"key": "24.6"}                         item 24.6 is filled
  {"all": [...]}, {"any": [...]}, {"not": {...}}
  {"fact": "age_years", "lt": 18}         a derived fact (see Facts) compared: lt / ge
  {"count": ["79.1", "79.2"], "ge": 2}    at least N of the listed items are filled
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

Data = Mapping[str, object]


def is_empty(value: object) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict | tuple):
        return len(value) == 0
    return False


@dataclass(frozen=True, slots=True)
class Condition:
    key: str | None = None
    in_: tuple[str, ...] = ()
    all_: tuple[Condition, ...] = ()
    any_: tuple[Condition, ...] = ()
    not_: Condition | None = None
    fact: str | None = None
    lt: float | None = None
    ge: float | None = None
    count: tuple[str, ...] = ()

    def holds(self, data: Data, facts: Mapping[str, float | None] | None = None) -> bool:
        facts = facts or {}
        if self.all_:
            return all(c.holds(data, facts) for c in self.all_)
        if self.any_:
            return any(c.holds(data, facts) for c in self.any_)
        if self.not_ is not None:
            return not self.not_.holds(data, facts)
        if self.fact is not None:
            fact = facts.get(self.fact)
            if fact is None:
                return False  # unknown (e.g. no date of birth yet): the condition is not established
            return (self.lt is None or fact < self.lt) and (self.ge is None or fact >= self.ge)
        if self.count:
            filled = sum(1 for k in self.count if not is_empty(data.get(k)))
            return filled >= (self.ge or 1)
        assert self.key is not None
        value = data.get(self.key)
        if not self.in_:
            return not is_empty(value)
        if isinstance(value, list):
            return any(str(v) in self.in_ for v in value)
        if isinstance(value, dict):  # a scored item {"option": …, "percent": …}
            return str(value.get("option")) in self.in_
        return value is not None and str(value) in self.in_

    def keys(self) -> set[str]:
        """Items this condition reads (for the loader's reference check and the UI's live updates)."""
        out: set[str] = set(self.count)
        if self.key:
            out.add(self.key)
        for c in (*self.all_, *self.any_, *((self.not_,) if self.not_ else ())):
            out |= c.keys()
        return out

    def facts(self) -> set[str]:
        out: set[str] = {self.fact} if self.fact else set()
        for c in (*self.all_, *self.any_, *((self.not_,) if self.not_ else ())):
            out |= c.facts()
        return out

    def describe(self) -> str:
        """Russian wording for messages: «в пункте 20 отмечено 20.2»."""
        if self.all_:
            return " и ".join(c.describe() for c in self.all_)
        if self.any_:
            return " или ".join(c.describe() for c in self.any_)
        if self.not_ is not None:
            return f"не выполнено условие «{self.not_.describe()}»"
        if self.fact is not None:
            name = FACT_LABELS.get(self.fact, self.fact)
            parts = [f"меньше {self.lt:g}" if self.lt is not None else "", f"не меньше {self.ge:g}" if self.ge is not None else ""]
            return f"{name} {' и '.join(p for p in parts if p)}"
        if self.count:
            return f"заполнено не менее {self.ge or 1:g} из пунктов {', '.join(self.count)}"
        if not self.in_:
            return f"заполнен пункт {self.key}"
        return f"в пункте {self.key} отмечено {' или '.join(self.in_)}"


FACT_LABELS = {"age_years": "возраст (полных лет)", "age_months": "возраст (полных месяцев)"}


def parse_condition(raw: dict[str, Any] | None) -> Condition | None:
    if raw is None:
        return None
    if "all" in raw:
        return Condition(all_=tuple(_req(parse_condition(c)) for c in raw["all"]))
    if "any" in raw:
        return Condition(any_=tuple(_req(parse_condition(c)) for c in raw["any"]))
    if "not" in raw:
        return Condition(not_=parse_condition(raw["not"]))
    if "fact" in raw:
        return Condition(fact=str(raw["fact"]), lt=raw.get("lt"), ge=raw.get("ge"))
    if "count" in raw:
        return Condition(count=tuple(str(k) for k in raw["count"]), ge=raw.get("ge", 1))
    return Condition(key=str(raw["key"]), in_=tuple(str(v) for v in raw.get("in", ())))


def condition_as_data(cond: Condition) -> dict[str, Any]:
    if cond.all_:
        return {"all": [condition_as_data(c) for c in cond.all_]}
    if cond.any_:
        return {"any": [condition_as_data(c) for c in cond.any_]}
    if cond.not_ is not None:
        return {"not": condition_as_data(cond.not_)}
    if cond.fact is not None:
        return {"fact": cond.fact} | ({"lt": cond.lt} if cond.lt is not None else {}) | ({"ge": cond.ge} if cond.ge is not None else {})
    if cond.count:
        return {"count": list(cond.count), "ge": cond.ge}
    return {"key": cond.key} | ({"in": list(cond.in_)} if cond.in_ else {})


def _req(cond: Condition | None) -> Condition:
    assert cond is not None
    return cond


@dataclass(frozen=True, slots=True)
class AgeFact:
    """A derived fact: the completed years (or months) between the date in ``birth`` and the date in ``on``.

    389н прил.2 п.9(2): age is the number of completed years, for a child under one the number of
    completed months; the reference date is the date of the MSE (item 2) [derived, protocol.md A11].
    """

    name: str
    birth: str
    on: str
    unit: str = "years"  # or "months"

    def value(self, data: Data) -> float | None:
        born, on = as_date(data.get(self.birth)), as_date(data.get(self.on))
        if born is None or on is None or on < born:
            return None
        years, months = completed_age(born, on)
        return years if self.unit == "years" else months


def completed_age(born: date, on: date) -> tuple[int, int]:
    """(completed years, completed months) — the one age rule shared by facts, prefill, checks and the criteria.

    ГК РФ ст.192 п.3: a month (year) ends on the same-numbered day, or on the month's last day when it has no such
    day — so a person born on 29 February is a year older on 28 February of a non-leap year.
    """
    month_done = on.day >= born.day or on.day == calendar.monthrange(on.year, on.month)[1]
    months = (on.year - born.year) * 12 + (on.month - born.month) - (0 if month_done else 1)
    return max(months, 0) // 12, max(months, 0)


def as_date(value: object) -> date | None:
    """An ISO date stored in a document, or None when missing or malformed (the validator reports that)."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def compute_facts(facts: tuple[AgeFact, ...], data: Data) -> dict[str, float | None]:
    return {f.name: f.value(data) for f in facts}
