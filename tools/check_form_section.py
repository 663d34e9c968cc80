"""Checks one section file of an amended form (e.g. the protocol of 389н) on its own.

    .venv/bin/python tools/check_form_section.py src/mse/forms/data/protocol-389n/02-section-II.json

Parses it as every edition of its form would (so items/options with valid_from are exercised),
reports loader errors, then prints the item keys and option codes it defines. Conditions that read
items of other sections are reported as external references, not as errors.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from mse.forms.loader import SchemaError, parse_form


def main(path: str) -> int:
    section = json.loads(Path(path).read_text(encoding="utf-8"))
    form = json.loads((Path(path).parent / "form.json").read_text(encoding="utf-8"))
    external: set[str] = set()
    keys = {i["key"] for i in section["items"]}
    for i in section["items"]:
        for name in ("shown_if", "required_if"):
            external |= _keys(i.get(name)) - keys
    stubs = [{"key": k, "code": k, "label": "(другой раздел)", "type": "text"} for k in sorted(external)]
    for ed in form["editions"]:
        raw = {
            "form": form["form"], "version": ed["version"], "title": form["title"], "act": form["act"],
            "valid_from": ed["valid_from"], "facts": form.get("facts", []),
            "sections": [section, {"code": "_", "title": "_", "items": stubs}],
        }
        try:
            schema = parse_form(raw, on=date.fromisoformat(ed["valid_from"]))
        except (SchemaError, KeyError, ValueError) as exc:
            print(f"edition {ed['version']}: ERROR {exc!r}")
            return 1
        n_items = len(schema.sections[0].items)
        n_opts = sum(len(it.options) for it in schema.sections[0].items)
        print(f"edition {ed['version']}: {n_items} items, {n_opts} options")
    print("external references:", ", ".join(sorted(external)) or "none")
    codes = []
    for i in section["items"]:
        codes.append(i["key"])
        codes += [o["code"] for o in i.get("options", [])]
    print("codes:", " ".join(codes))
    return 0


def _keys(cond: dict | None) -> set[str]:
    if not cond:
        return set()
    out = set(cond.get("count", []))
    if "key" in cond:
        out.add(cond["key"])
    for sub in (*cond.get("all", []), *cond.get("any", []), *([cond["not"]] if "not" in cond else [])):
        out |= _keys(sub)
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
