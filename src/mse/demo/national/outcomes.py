"""Protocols (389н) and decisions in bulk: the protocol items the card, the summary and the decision read (person,
form of conducting, purposes, ICD-10 of the main disease, impairment with its percent, 80–84), and the decision whose
`outcome` matches them. Synthetic protocols carry no signatures and decisions no votes: `suggestion.synthetic` says so.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from mse.demo.national.cases import Exam
from mse.demo.national.plan import DEGREES, OUTCOME_LABELS, OUTCOME_PERCENTS
from mse.forms.loader import form_in_force

PROTOCOL_FORM = "protocol-389n"
PROTOCOL_COLUMNS = ("id", "case_id", "form", "form_version", "data", "prefilled", "status", "revision", "created_at", "created_by",
                    "updated_at", "updated_by", "canonical_sha256")
DECISION_COLUMNS = ("id", "case_id", "protocol_id", "status", "ruleset", "decision_date", "suggestion", "outcome", "departs",
                    "departure_reason", "revision", "created_at", "created_by", "updated_at", "snapshot", "snapshot_sha256")
CRITERIA_374N_FROM = date(2025, 3, 1)  # 374н replaces 585н from 01.03.2025 (rules/decision_support.py picks the same way)
SYNTHETIC_SUGGESTION = {"synthetic": True, "note": "синтетические данные (mse demo generate): расчёт не выполнялся"}
_OPTION = {"I": 1, "II": 2, "III": 3, "IV": 4}
_FORM_ITEMS = {"at_bureau": ("20.2", "21.1"), "at_home": ("20.2", "21.2"), "in_absentia": ("20.1", None)}
_CAUSES = (("81.1", 0.9), ("81.4", 0.06), ("81.2", 0.03), ("81.3", 0.01))


@cache
def protocol_version(on: date) -> str:
    return form_in_force(PROTOCOL_FORM, on).version


@dataclass
class OutcomeRows:
    protocols: list[tuple[object, ...]] = field(default_factory=list)
    decisions: list[tuple[object, ...]] = field(default_factory=list)


class OutcomeMaker:
    def __init__(self, rng: random.Random, *, next_protocol: int, next_decision: int) -> None:
        self.rng = rng
        self.next_protocol, self.next_decision = next_protocol, next_decision

    def _data(self, e: Exam, percent: int) -> dict[str, object]:
        p, r = e.person, self.rng
        snils = p.snils
        form20, form21 = _FORM_ITEMS.get(e.form, ("20.2", "21.1"))
        kind, series, number, issued_by, issued_on = p.document
        data: dict[str, object] = {
            "2": e.session_on.isoformat(), "4.surname": p.surname, "4.name": p.name, "5": p.birth_date.isoformat(),
            "8": "8.1" if p.sex == "male" else "8.2", "15": f"{snils[0:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:]}",
            "16.number": number, "20": form20, "22.1": "primary" if e.primary else "repeat", "23": list(e.purposes), "77.2": e.icd,
        }
        if p.patronymic:
            data["4.patronymic"] = p.patronymic
        if series:
            data["16.series"] = series
        if issued_by:
            data["16.issuer"] = issued_by
        if issued_on:
            data["16.date"] = issued_on.isoformat()
        if form21:
            data["21"] = form21
        data[e.impairment] = {"option": f"{e.impairment}.{_OPTION[DEGREES[percent]]}", "percent": percent}
        if e.decided_on is None:
            return data
        data["80"] = e.group
        if e.group in ("80.1", "80.2", "80.3"):
            data["81"] = self._cause()
        if e.group != "80.5":
            indefinite = e.group == "80.1" and r.random() < 0.3 or p.age >= 60 and r.random() < 0.25
            data["83.1"] = "indefinite" if indefinite else "term"
            if not indefinite:
                years = 1 if e.group != "80.4" else 2
                until = date(e.session_on.year + years, e.session_on.month, 1)
                data["83.2"] = until.isoformat()
                data["83.term"] = "1 год" if years == 1 else "2 года"
                data["84"] = (until - timedelta(days=30)).isoformat()
        return data

    def _cause(self) -> str:
        x = self.rng.random()
        for code, w in _CAUSES:
            x -= w
            if x < 0:
                return code
        return _CAUSES[0][0]

    def add(self, out: OutcomeRows, e: Exam) -> None:
        r = self.rng
        percent = r.choice(OUTCOME_PERCENTS[e.group])
        data = self._data(e, percent)
        pid = self.next_protocol
        self.next_protocol += 1
        created = e.created_at + timedelta(days=(e.session_on - e.registered_on).days)
        status = "signed" if e.decided_on else "draft"
        prefilled = {k: "регистр граждан" for k in ("4.surname", "4.name", "5", "8", "15") if k in data}
        out.protocols.append((pid, e.case_id, PROTOCOL_FORM, protocol_version(e.registered_on), data, prefilled, status,
                              3 if e.decided_on else 1, created, None, created + timedelta(minutes=r.randint(20, 120)), None, None))
        if e.decided_on is None:
            return
        ruleset = "374n" if e.registered_on >= CRITERIA_374N_FROM else "585n"
        outcome = {"outcome": e.group, "outcome_label": OUTCOME_LABELS[e.group], "final_percent": percent,
                   "degree": DEGREES[percent], "crg": [], "term": None}
        decided_at = created + timedelta(minutes=r.randint(60, 240))
        out.decisions.append((self.next_decision, e.case_id, pid, "issued", ruleset, e.decided_on, SYNTHETIC_SUGGESTION, outcome,
                              False, None, 2, decided_at, None, decided_at, None, None))
        self.next_decision += 1
