"""Prefill of one form from others, as data (``forms/data/<form>/prefill.json``).

The protocol's section I, the diagnosis and the anthropometry repeat what the registered referral
(088/у) and the person registry already hold; the expert checks them instead of retyping. Each rule
names the target item, the sources in order of preference (``person.surname`` before
``referral.patientLastName``: the registry is the master record) and, for choices, how the
source's codes map onto the target's option codes. Values that do not map are left empty rather
than guessed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .conditions import is_empty

SOURCE_LABELS = {"case": "дело (журнал регистрации)", "referral": "направление на МСЭ", "person": "регистр граждан"}


@dataclass(frozen=True, slots=True)
class PrefillRule:
    to: str
    sources: tuple[str, ...]  # "<source>.<field>"
    mapping: Mapping[str, str] = field(default_factory=dict)
    as_list: bool = False  # wrap a single value into a list (multichoice targets)
    value: object = None  # a constant set when the source is present (a referral from a medical organisation ⇒ 19.1)


@cache
def prefill_rules(form: str) -> tuple[PrefillRule, ...]:
    path = resources.files("mse.forms.data").joinpath(form, "prefill.json")
    if not path.is_file():
        return ()
    raw: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["rules"]
    return tuple(
        PrefillRule(to=r["to"], sources=tuple(r["from"]), mapping=dict(r.get("map", {})), as_list=bool(r.get("as_list", False)),
                    value=r.get("value"))
        for r in raw
    )


def prefill(rules: tuple[PrefillRule, ...], sources: Mapping[str, Mapping[str, object]]) -> tuple[dict[str, object], dict[str, str]]:
    """(values, item → source label) for every rule whose source has a usable value."""
    data: dict[str, object] = {}
    origin: dict[str, str] = {}
    for rule in rules:
        for ref in rule.sources:
            source, _, name = ref.partition(".")
            value = sources.get(source, {}).get(name)
            if is_empty(value):
                continue
            if rule.value is not None:
                value = rule.value
            elif rule.mapping:
                if isinstance(value, list):
                    value = [rule.mapping[str(v)] for v in value if str(v) in rule.mapping]
                else:
                    value = rule.mapping.get(str(value))
                if is_empty(value):
                    continue
            if rule.as_list and not isinstance(value, list):
                value = [value]
            data[rule.to] = value
            origin[rule.to] = SOURCE_LABELS.get(source, source)
            break
    return data, origin
