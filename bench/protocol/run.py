"""Protocol benchmark (not a test): validation of a full protocol of MSE (389н) vs a bare JSON parse.

    .venv/bin/python -m bench.protocol.run [--n 2000] [--repeat 3] [--format json]

One large protocol is built before timing: the complete valid adult protocol of the tests (the referral
fixture prefilled + ADULT_DECISION), more purposes, several impairments with the summary 79.13, and then
every other item the schema shows filled greedily with a value that keeps the document valid (structurally
and by every cross-item rule). It is serialised to JSON bytes once; then, in the same run, per document:

* raw        — ``json.loads`` of the bytes;
* structural — ``json.loads`` + ``validate_document`` (types, options, shown/required conditions, ICD-10
  lookup), as the service's ``check`` does before signing;
* full       — structural + ``check_protocol`` (the cross-item rules of protocol_checks.RULES).

Each variant: a warm-up, then ``--repeat`` timed runs of N documents (time.perf_counter); the best and
the median run are reported. Sequential, one process; no database.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from tests.intake_support import RICH_REFERRAL
from tests.protocol_support import ADULT_DECISION

from mse.adapters.refdata.icd10 import icd10
from mse.domain.values import make_ogrn, make_snils
from mse.forms import FormSchema, Item, ItemType, form_in_force, validate_document
from mse.forms.conditions import compute_facts
from mse.forms.prefill import prefill, prefill_rules
from mse.rules.protocol_checks import check_protocol

HELD = date(2026, 3, 10)  # item 2 of ADULT_DECISION
IcdLookup = Callable[[str], bool]

# On top of the tests' adult protocol: more purposes and their decisions, four impairments and the summary.
EXTRA: dict[str, Any] = {
    "23": ["23.1", "23.3", "23.5", "23.10", "23.11", "23.13", "23.15"],
    "79.1": {"option": "79.1.2", "percent": 40},
    "79.3": {"option": "79.3.1", "percent": 20},
    "79.7": {"option": "79.7.1", "percent": 10},
    "79.13.1": 70,
    "79.13.1.1": "пункт 4 приложения N 1 к Классификациям и критериям",
    "79.13.2": "yes",
    "79.13.3": "Умеренные нарушения психических функций утяжеляют выраженные нарушения нейромышечных, скелетных "
    "и связанных с движением функций, ограничивая самообслуживание и передвижение.",
    "79.13.4": "79.13.4.3",
    "79.13.4.percent": 80,
}

PARAGRAPH = (
    "Со слов гражданина и по данным медицинских документов: состояние после перенесенного ишемического инсульта, "
    "сохраняется правосторонний гемипарез умеренной степени, моторная афазия; нуждается в частичной посторонней помощи "
    "при самообслуживании, передвигается с дополнительной опорой (трость) на короткие расстояния."
)


def adult_protocol() -> dict[str, Any]:
    data, _ = prefill(prefill_rules("protocol-389n"), {
        "case": {"number": "A1-000001/2026", "registered_on": "2026-03-02", "bureau_name": "Бюро № 1"},
        "referral": RICH_REFERRAL,
    })
    data.update(copy.deepcopy(ADULT_DECISION))
    data["5.age"] = 54  # RICH_REFERRAL: born 14.05.1971
    return data


def _candidates(it: Item) -> Iterator[object]:
    """Plausible valid values of an item, most informative first."""
    kind, code = it.type, it.code
    options = [o.code for o in it.options if o.in_force_on(HELD)]
    if kind is ItemType.TEXT:
        yield f"Сведения по пункту {code} (заполнено специалистом бюро)"[: it.max_length or 500]
    elif kind is ItemType.LONGTEXT:
        yield PARAGRAPH
    elif kind is ItemType.DATE:
        yield from ("2025-01-15", "2025-06-30", HELD.isoformat(), "2026-09-01", "2027-03-01")
    elif kind is ItemType.TIME:
        yield "10:00"
    elif kind is ItemType.YEAR:
        yield 2000
    elif kind in (ItemType.INTEGER, ItemType.DECIMAL):
        low = it.minimum if it.minimum is not None else 0
        high = it.maximum if it.maximum is not None else 1000
        for value in (1, 2, low, high):
            if low <= value <= high:
                yield int(value) if kind is ItemType.INTEGER else float(value) + (0.5 if value + 0.5 <= high else 0.0)
    elif kind is ItemType.BOOLEAN:
        yield from (True, False)
    elif kind is ItemType.PERCENT:
        yield from range(10, 101, 10)
    elif kind is ItemType.SCORE:
        yield {"option": options[0], "percent": 20}
    elif kind is ItemType.CHOICE:
        yield from options
    elif kind is ItemType.MULTICHOICE:
        plain = [c for c in options if not (o := it.option(c)) or not o.exclusive]
        if len(plain) > 1:
            yield plain[:3]
        yield from ([c] for c in options)
    elif kind is ItemType.ICD10:
        yield "I69.3"
    elif kind is ItemType.ICD10_LIST:
        yield ["I69.3", "I11.9"]
    elif kind is ItemType.SNILS:
        yield make_snils("123456789").formatted
    elif kind is ItemType.OGRN:
        yield make_ogrn("102770000001").digits
    elif kind is ItemType.EMAIL:
        yield "elkin@example.ru"
    elif kind is ItemType.PHONE:
        yield "+7 495 123-45-67"
    elif kind is ItemType.TABLE:
        yield from _table(it)


def _table(it: Item) -> Iterator[list[dict[str, object]]]:
    def row() -> dict[str, object]:
        return {c.key: v for c in it.columns if (v := next(_candidates(c), None)) is not None}

    if it.rows:
        yield [{"row": r.code, **row()} for r in it.rows]
    else:
        yield [row() for _ in range(min(3, it.max_rows or 3))]
        yield [row()]


def _defects(schema: FormSchema, data: dict[str, Any], icd: IcdLookup, *, complete: bool) -> set[tuple[str, str]]:
    problems = {(p.field, p.code) for p in validate_document(schema, data, icd_exists=icd, check_required=complete)}
    return problems | {(f.item, f.rule_id) for f in check_protocol(schema, data, on=HELD)}


def full_protocol(schema: FormSchema, icd: IcdLookup) -> dict[str, Any]:
    """The adult protocol plus EXTRA, then every other shown item filled where a valid value is found."""
    data = adult_protocol() | copy.deepcopy(EXTRA)
    known = _defects(schema, data, icd, complete=False)  # decisions EXTRA's purposes still await
    for _ in range(3):  # a filled item may show others
        grew = False
        for it in schema.items():
            if not it.holds_value or it.key in data or not it.in_force_on(HELD):
                continue
            if it.shown_if is not None and not it.shown_if.holds(data, compute_facts(schema.facts, data)):
                continue
            for value in _candidates(it):
                trial = {**data, it.key: value}
                after = _defects(schema, trial, icd, complete=False)
                if after <= known:  # nothing new is wrong (and what was missing may now be there)
                    data, known, grew = trial, after, True
                    break
        if not grew:
            break
    if _defects(schema, data, icd, complete=True):
        raise SystemExit(f"the generated protocol is not valid: {validate_document(schema, data, icd_exists=icd)} "
                         f"{check_protocol(schema, data, on=HELD)}")
    return data


def _time(step: Callable[[bytes], object], body: bytes, n: int, repeat: int) -> dict[str, Any]:
    for _ in range(min(n, 200)):  # warm-up
        step(body)
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            step(body)
        runs.append(time.perf_counter() - t0)
    best, median = min(runs), statistics.median(runs)
    return {"per_second_best": round(n / best, 1), "per_second_median": round(n / median, 1),
            "us_per_protocol_best": round(best / n * 1e6, 1), "runs_s": [round(r, 3) for r in runs]}


def run(n: int, repeat: int) -> dict[str, Any]:
    schema = form_in_force("protocol-389n", HELD)
    icd = icd10().exists
    t0 = time.perf_counter()
    doc = full_protocol(schema, icd)
    build = time.perf_counter() - t0
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    shown = sum(1 for it in schema.items() if it.holds_value)

    def raw(b: bytes) -> object:
        return json.loads(b)

    def structural(b: bytes) -> object:
        return validate_document(schema, json.loads(b), icd_exists=icd)

    def full(b: bytes) -> object:
        data = json.loads(b)
        return validate_document(schema, data, icd_exists=icd), check_protocol(schema, data, on=HELD)

    if full(body) != ([], []):  # the timed document is valid, so every variant does its whole work
        raise SystemExit("the serialised protocol does not validate")
    results = {name: _time(step, body, n, repeat) for name, step in (("raw", raw), ("structural", structural), ("full", full))}
    base = results["raw"]["per_second_best"]
    for r in results.values():
        r["slower_than_raw"] = round(base / r["per_second_best"], 1)
    return {"n": n, "repeat": repeat, "form_version": schema.version, "items_filled": len(doc), "items_in_schema": shown,
            "bytes": len(body), "build_s": round(build, 2), "results": results}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=2000, help="protocols per timed run (default 2000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per variant; best and median reported (default 3)")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    args = ap.parse_args(argv)
    out = run(args.n, args.repeat)
    if args.format == "json":
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return 0
    print(f"Протокол 389н (редакция {out['form_version']}): заполнено пунктов {out['items_filled']} из {out['items_in_schema']}, "
          f"{out['bytes']} байт JSON; построен за {out['build_s']} с (не входит в замер)")
    print(f"Протоколов на прогон: {out['n']}, прогонов: {out['repeat']} (лучший / медиана)\n")
    labels = {"raw": "json.loads", "structural": "json.loads + validate_document", "full": "… + check_protocol (правила)"}
    for name, r in out["results"].items():
        print(f"  {labels[name]:32} {r['per_second_best']:9.1f} / {r['per_second_median']:9.1f} прот./с   "
              f"{r['us_per_protocol_best']:8.1f} мкс   медленнее разбора в {r['slower_than_raw']} раза")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
