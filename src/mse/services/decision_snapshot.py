"""The decision snapshot (`mse-decision-snapshot/1`): the one frozen record every issued document is built from.

It is taken when the head signs: the signed protocol (its items are the decision — 389н прил.2 п.15(3)–15(13)),
the suggestion the panel had, the votes, the bureau and the head. Stored as canonical JSON with its SHA-256, so each
document can be rebuilt byte for byte from it later (and compared with what was issued).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from mse.domain.decisions import CastVote
from mse.domain.protocols import DISABILITY_ESTABLISHED, ProtocolRecord
from mse.forms import FormSchema
from mse.rules.criteria.rulesets import ruleset_by_id
from mse.rules.decision_input import IMPAIRMENT_TYPES as IMPAIRMENT_ITEMS
from mse.rules.decision_input import LIMITATION_ITEMS
from mse.rules.decision_protocol import recorded_final

SCHEMA = "mse-decision-snapshot/1"
MILITARY_REGISTER = ("10.1", "10.2", "10.3")  # 389н п.10: состоит / обязан состоять / поступает на воинский учёт


@dataclass(frozen=True)
class BureauFacts:
    name: str
    short_name: str
    parent: str | None
    region: str | None
    address: str | None


@dataclass(frozen=True)
class HeadFacts:
    full_name: str
    position: str


def _text(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    return str(value) if value not in (None, "", [], {}) else None


def _label(schema: FormSchema, key: str, code: str | None) -> str | None:
    if code is None:
        return None
    option = schema.item(key).option(code)
    return option.label if option else None


def decision_date(data: Mapping[str, object], fallback: date) -> date:
    """389н п.3.4 (685н) «дата принятия решения», else п.2 «дата проведения МСЭ», else the given day."""
    for key in ("3.4", "2"):
        value = data.get(key)
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                continue
    return fallback


def is_disability(data: Mapping[str, object]) -> bool:
    return data.get("80") in DISABILITY_ESTABLISHED


def is_military(data: Mapping[str, object]) -> bool:
    return data.get("10") in MILITARY_REGISTER


def _percent(value: object) -> int | None:
    if isinstance(value, Mapping):
        value = value.get("percent")
    return value if isinstance(value, int) else None


def _impairments(schema: FormSchema, data: Mapping[str, object]) -> list[dict[str, object]]:
    return [{"item": key, "label": schema.item(key).label, "percent": _percent(data[key])}
            for key in IMPAIRMENT_ITEMS if isinstance(data.get(key), Mapping)]


def _degree(percent: int | None, ruleset: str) -> str | None:
    """The degree of the recorded percent under the rule set the decision was judged by (one band table: the rules')."""
    if percent is None or not ruleset:
        return None
    try:
        return ruleset_by_id(ruleset).degree_of(percent).name
    except (KeyError, ValueError):
        return None


def _person(data: Mapping[str, object]) -> dict[str, object]:
    address = ", ".join(v for v in (_text(data, k) for k in ("11.2", "11.3", "11.4", "11.5", "11.6", "11.7", "11.8")) if v)
    return {
        "surname": _text(data, "4.surname"), "name": _text(data, "4.name"), "patronymic": _text(data, "4.patronymic"),
        "birth_date": _text(data, "5"), "sex": {"8.1": "male", "8.2": "female"}.get(str(data.get("8"))),
        "snils": _text(data, "15"), "address": address or None,
        "document": {"kind": _text(data, "16.name"), "series": _text(data, "16.series"), "number": _text(data, "16.number"),
                     "issued_on": _text(data, "16.date"), "issued_by": _text(data, "16.issuer")},
    }


def build_snapshot(
    *,
    record: ProtocolRecord,
    schema: FormSchema,
    protocol_sha256: str,
    case_number: str,
    bureau: BureauFacts,
    head: HeadFacts,
    votes: Sequence[CastVote],
    suggestion: Mapping[str, object],
    ruleset: str,
    ruleset_title: str,
    departs: bool,
    departure_reason: str | None,
    issued_on: date,
) -> dict[str, object]:
    data = record.data
    decided = decision_date(data, issued_on)
    outcome = _text(data, "80")
    cause = _text(data, "81")
    percent = recorded_final(data)[1]
    purposes = data.get("23")
    crg = data.get("86(1)")
    return {
        "schema": SCHEMA,
        "issued_on": issued_on.isoformat(),
        "case": {"id": record.case_id, "number": case_number, "registered_on": record.protocol_date.isoformat(),
                 "purposes": list(purposes) if isinstance(purposes, list) else [], "form_of_conducting": _text(data, "20"),
                 "primary": data.get("22.1") != "repeat"},
        "bureau": {"name": bureau.name, "short_name": bureau.short_name, "parent": bureau.parent, "region": bureau.region,
                   "address": bureau.address},
        "person": _person(data),
        "protocol": {"number": record.number, "date": record.protocol_date.isoformat(), "form": record.form,
                     "edition": record.form_version, "sha256": protocol_sha256, "data": dict(data)},
        "decision": {
            "date": decided.isoformat(), "ruleset": ruleset, "ruleset_title": ruleset_title,
            "percent": percent, "degree": _degree(percent, ruleset),
            "group": outcome, "group_label": _label(schema, "80", outcome),
            "cause": cause, "cause_label": _label(schema, "81", cause),
            "term": _text(data, "83.1"), "term_text": _text(data, "83.term") or ("бессрочно" if data.get("83.1") == "indefinite" else None),
            "until": _text(data, "83.2"), "reexam_on": _text(data, "84"),
            "crg": list(crg) if isinstance(crg, list) else [],
            "departs": departs, "departure_reason": departure_reason,
            "limitations": {k: data[k] for k in LIMITATION_ITEMS if k in data},
            "impairments": _impairments(schema, data),
            "professional_loss_percent": data.get("87.1") if isinstance(data.get("87.1"), int) else None,
            "care_need": data.get("98") == "yes" or data.get("99") == "yes",
            "ipra": data.get("92") == "yes", "prp": data.get("94") == "yes",
            "justification": _text(data, "102"), "special_opinion": _text(data, "100"),
            "suggestion": dict(suggestion),
        },
        "votes": [{"full_name": v.full_name, "role": v.role, "vote": v.vote.value, "opinion": v.opinion} for v in votes],
        "head": {"full_name": head.full_name, "position": head.position},
        "numbers": {"act": record.number, "certificate": f"МСЭ-{decided.year} {record.case_id:07d}",
                    "ipra": f"{record.number}-ИПРА", "extract": f"{record.number}-В"},
    }
