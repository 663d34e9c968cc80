"""The «Классификации и критерии» as dated rule sets: 585н (01.01.2020–28.02.2025) and 374н (from 01.03.2025).

Each set is a data file (rules/criteria/data/<id>.json) of small cited entries; ``verified: false`` marks a fact
recalled from the acts but not read in the workplace's reference files [K] — the evaluator shows it as such.
A case is judged by the set in force on its decision date (DESIGN.md §3; domain.periods.in_force, both ends inclusive).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from mse.domain.periods import in_force

_DATA = "mse.rules.criteria.data"
SET_KEYS = frozenset({"id", "act", "title", "valid_from", "valid_to", "entries"})
ENTRY_KEYS = frozenset({"id", "title", "value", "citation", "verified", "note"})
ENTRY_REQUIRED = frozenset({"id", "title", "value", "citation", "verified"})
DEGREES = ("I", "II", "III", "IV")
# Entries every set must carry (the evaluator reads them by these suffixes); "crg.appendix" is optional (374н only).
REQUIRED = (
    "scale", *(f"degree.{d}" for d in DEGREES), "combination.dominant", "combination.aggravation", "combination.cap",
    "age.adult", "age.counting", "outcome.adult", "outcome.child", "outcome.adult_limitations", "term.adult", "term.child",
    "term.fnsi", "term.reexam", "term.until", "term.child_age_cap", "indefinite.stated_ground", "indefinite.four_years",
    "appendix.reference",
)
OPTIONAL = ("crg.appendix",)


class RuleSetError(ValueError):
    """A rule-set data file is malformed (a developer error: the sets ship with the package)."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    value: Any
    citation: str
    verified: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Degree:
    name: str  # "I".."IV"
    min: int
    max: int
    label: str
    option: int  # protocol option N of 79.x.N / 79.13.4.N
    entry: Entry


@dataclass(frozen=True)
class RuleSet:
    id: str  # "585n" | "374n"
    act: str
    title: str
    valid_from: date
    valid_to: date | None
    entries: Mapping[str, Entry]  # by suffix ("degree.III")

    def entry(self, suffix: str) -> Entry:
        return self.entries[suffix]

    def has(self, suffix: str) -> bool:
        return suffix in self.entries

    def in_force_on(self, day: date) -> bool:
        return in_force(self.valid_from, self.valid_to, day)

    @property
    def scale(self) -> tuple[int, int, int]:
        v = self.entry("scale").value
        return int(v["min"]), int(v["max"]), int(v["step"])

    def degrees(self) -> list[Degree]:
        out = []
        for name in DEGREES:
            e = self.entry(f"degree.{name}")
            out.append(Degree(name, int(e.value["min"]), int(e.value["max"]), str(e.value["label"]), int(e.value["option"]), e))
        return out

    def degree_of(self, percent: int) -> Degree:
        for d in self.degrees():
            if d.min <= percent <= d.max:
                return d
        raise ValueError(f"{percent} % is outside every degree of {self.id}")

    def valid_percent(self, percent: int) -> bool:
        lo, hi, step = self.scale
        return lo <= percent <= hi and (percent - lo) % step == 0

    def reference_day(self, day: date) -> date:
        """``day`` moved into the set's validity (the alternative evaluation under a set not in force that day)."""
        if day < self.valid_from:
            return self.valid_from
        if self.valid_to is not None and day > self.valid_to:
            return self.valid_to
        return day


def _date(raw: object, where: str) -> date:
    if not isinstance(raw, str):
        raise RuleSetError(f"{where}: expected an ISO date")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise RuleSetError(f"{where}: bad date {raw!r}") from exc


def _entry(raw: object, set_id: str, n: int) -> tuple[str, Entry]:
    where = f"{set_id}.entries[{n}]"
    if not isinstance(raw, dict):
        raise RuleSetError(f"{where}: expected an object")
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise RuleSetError(f"{where}: unknown keys {sorted(unknown)}")
    missing = ENTRY_REQUIRED - set(raw)
    if missing:
        raise RuleSetError(f"{where}: missing keys {sorted(missing)}")
    eid = raw["id"]
    if not isinstance(eid, str) or not eid.startswith(f"{set_id}."):
        raise RuleSetError(f"{where}: id must start with {set_id!r}.")
    if not isinstance(raw["verified"], bool):
        raise RuleSetError(f"{where}: verified must be true or false")
    for key in ("title", "citation"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise RuleSetError(f"{where}: {key} must be a non-empty string")
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise RuleSetError(f"{where}: note must be a string")
    suffix = eid[len(set_id) + 1:]
    return suffix, Entry(eid, raw["title"], raw["value"], raw["citation"], raw["verified"], note)


def _check_shapes(rs: RuleSet) -> None:
    """The values the evaluator reads: degrees contiguous over the scale, outcome codes, terms."""
    try:
        lo, hi, step = rs.scale
        if not (0 < lo < hi and step > 0 and (hi - lo) % step == 0):
            raise RuleSetError(f"{rs.id}: bad scale")
        expected = lo
        for d in rs.degrees():
            if d.min != expected or d.max < d.min or (d.max - lo) % step:
                raise RuleSetError(f"{rs.id}: degree {d.name} does not continue the scale at {expected}")
            expected = d.max + step
        if expected != hi + step:
            raise RuleSetError(f"{rs.id}: degrees do not reach {hi}")
        for who in ("adult", "child"):
            table = rs.entry(f"outcome.{who}").value
            if set(table) != set(DEGREES) or not all(v in ("80.1", "80.2", "80.3", "80.4", "80.5") for v in table.values()):
                raise RuleSetError(f"{rs.id}: outcome.{who} must map I..IV to 80.1..80.5")
        codes = rs.entry("term.fnsi").value["codes"]
        for group in rs.entry("term.adult").value.values():
            if int(group["years"]) < 1 or group["fnsi"] not in codes:
                raise RuleSetError(f"{rs.id}: term.adult has a bad term")
        child = rs.entry("term.child").value
        if child["default"] not in {o["fnsi"] for o in child["options"]} or not all(o["fnsi"] in codes for o in child["options"]):
            raise RuleSetError(f"{rs.id}: term.child has a bad option")
        int(rs.entry("combination.aggravation").value["increment"])
        int(rs.entry("combination.cap").value["max"])
        int(rs.entry("age.adult").value["years"])
        int(rs.entry("indefinite.four_years").value["years"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise RuleSetError(f"{rs.id}: a value lacks {exc}") from exc


def parse_ruleset(raw: object) -> RuleSet:
    if not isinstance(raw, dict):
        raise RuleSetError("a rule set must be an object")
    unknown = set(raw) - SET_KEYS
    if unknown:
        raise RuleSetError(f"unknown keys {sorted(unknown)}")
    if SET_KEYS - set(raw):
        raise RuleSetError(f"missing keys {sorted(SET_KEYS - set(raw))}")
    set_id = raw["id"]
    if not isinstance(set_id, str) or not set_id:
        raise RuleSetError("id must be a non-empty string")
    valid_from = _date(raw["valid_from"], f"{set_id}.valid_from")
    valid_to = None if raw["valid_to"] is None else _date(raw["valid_to"], f"{set_id}.valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise RuleSetError(f"{set_id}: valid_to before valid_from")
    if not isinstance(raw["entries"], list):
        raise RuleSetError(f"{set_id}: entries must be a list")
    entries: dict[str, Entry] = {}
    for n, item in enumerate(raw["entries"]):
        suffix, entry = _entry(item, set_id, n)
        if suffix in entries:
            raise RuleSetError(f"{set_id}: duplicate entry {entry.id}")
        entries[suffix] = entry
    missing = [s for s in REQUIRED if s not in entries]
    if missing:
        raise RuleSetError(f"{set_id}: missing entries {missing}")
    extra = [s for s in entries if s not in REQUIRED and s not in OPTIONAL]
    if extra:
        raise RuleSetError(f"{set_id}: unknown entries {extra}")
    rs = RuleSet(set_id, str(raw["act"]), str(raw["title"]), valid_from, valid_to, entries)
    _check_shapes(rs)
    return rs


def validate_rulesets(raws: Sequence[object]) -> tuple[RuleSet, ...]:
    """All sets, ordered by start date; ids unique and validity periods not overlapping (one set per day)."""
    sets = sorted((parse_ruleset(r) for r in raws), key=lambda s: s.valid_from)
    ids = [s.id for s in sets]
    if len(set(ids)) != len(ids):
        raise RuleSetError(f"duplicate rule set ids {ids}")
    for prev, nxt in zip(sets, sets[1:], strict=False):
        if prev.valid_to is None or prev.valid_to >= nxt.valid_from:
            raise RuleSetError(f"validity of {prev.id} overlaps {nxt.id}")
    return tuple(sets)


@cache
def rulesets() -> tuple[RuleSet, ...]:
    root = resources.files(_DATA)
    raws = [json.loads(f.read_text(encoding="utf-8")) for f in sorted(root.iterdir(), key=lambda f: f.name)
            if f.name.endswith(".json")]
    return validate_rulesets(raws)


def ruleset_by_id(set_id: str) -> RuleSet:
    for rs in rulesets():
        if rs.id == set_id:
            return rs
    raise KeyError(set_id)


def ruleset_in_force(day: date) -> RuleSet | None:
    """The set in force on ``day`` (the decision date), or None before 01.01.2020."""
    return next((rs for rs in rulesets() if rs.in_force_on(day)), None)


def other_ruleset(rs: RuleSet) -> RuleSet | None:
    """The neighbouring set (the one before, else the one after) — for the alternative evaluation."""
    sets = rulesets()
    i = next(n for n, s in enumerate(sets) if s.id == rs.id)
    if i > 0:
        return sets[i - 1]
    return sets[i + 1] if i + 1 < len(sets) else None
