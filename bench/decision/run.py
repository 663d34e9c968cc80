"""Decision-support benchmark (not a test): evaluations per second vs a bare JSON parse of the same input.

    .venv/bin/python -m bench.decision.run [--n 5000] [--repeat 3] [--format json]

Input: examples/decision-input.json with three impairments and aggravation, a registration date before
01.03.2025 (so every evaluation also computes the alternative under 585н), against the shipped appendix rows.
Per document, in the same run:

* raw      — ``orjson.loads`` of the bytes (baseline);
* parse    — raw + ``parse_input`` (validation with Russian messages);
* evaluate — parse + ``evaluate`` + ``to_json`` (the whole suggestion with its steps and the alternative).

Each variant: a warm-up, then ``--repeat`` timed runs of N documents; best and median reported. One process, no database.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from mse.adapters.refdata.criteria_appendix import shipped_rows
from mse.rules.decision_input import parse_input
from mse.rules.decision_support import evaluate

ROOT = Path(__file__).resolve().parents[2]


def document() -> bytes:
    data: dict[str, Any] = json.loads((ROOT / "examples" / "decision-input.json").read_text(encoding="utf-8"))
    data["registration_date"] = "2025-02-20"
    data["decision_date"] = "2025-03-10"
    data["impairments"].append({"type": "79.1", "percent": 40, "icd10": "F06.7"})
    data["icd10"].append("F06.7")
    data["aggravation"] = True
    return orjson.dumps(data)


def timed(fn: Callable[[], object], n: int, repeat: int) -> list[float]:
    for _ in range(min(n, 200)):
        fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append(time.perf_counter() - start)
    return runs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--format", choices=("text", "json"), default="text")
    args = ap.parse_args(argv)
    raw, rows = document(), shipped_rows()
    variants: dict[str, Callable[[], object]] = {
        "raw": lambda: orjson.loads(raw),
        "parse": lambda: parse_input(orjson.loads(raw)),
        "evaluate": lambda: evaluate(parse_input(orjson.loads(raw)), rows).to_json(),
    }
    report: dict[str, Any] = {"n": args.n, "repeat": args.repeat, "bytes": len(raw), "variants": {}}
    for name, fn in variants.items():
        runs = timed(fn, args.n, args.repeat)
        best, median = min(runs), statistics.median(runs)
        report["variants"][name] = {"best_per_s": round(args.n / best), "median_per_s": round(args.n / median),
                                    "best_us": round(best / args.n * 1e6, 2)}
    base = report["variants"]["raw"]["best_us"]
    for v in report["variants"].values():
        v["x_raw"] = round(v["best_us"] / base, 1)
    if args.format == "json":
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        print(f"decision support, {args.n} documents x {args.repeat} runs, input {len(raw)} bytes")
        for name, v in report["variants"].items():
            print(f"  {name:<9} {v['best_per_s']:>9}/s best  {v['median_per_s']:>9}/s median  {v['best_us']:>8} us/doc  x{v['x_raw']} raw")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
