"""«Акт медико-социальной экспертизы гражданина» (form by приказ Минтруда России от 09.09.2022 № 517н; ПП 588 п.38).

The official blank of 517н is not in the corpora we hold (reference/ipra_and_certificate.md): the act is built from
the facts the protocol of 389н records (purposes п.23, form п.20, diagnoses п.77, limitations п.78, impairments п.79,
decision п.80–86(1), ИПРА п.92) and the ФГИС ФРИ category MSE.ACT (number, date, purpose, впервые/повторно), and it
says so in its print note. The votes of the specialists and a special opinion are recorded to prove the majority
(АР п.50, п.78, п.91; process.md §1.2); the head's signature block ends it (ПП 588 п.38 [K]).
"""

from __future__ import annotations

from typing import Any

from .common import (
    ROLE_LABELS,
    VOTE_LABELS,
    act_reference,
    bureau_block,
    coded,
    day,
    impairments_block,
    limitations_block,
    outcome_block,
    person_block,
)
from .snapshot import DecisionSnapshot

KIND = "act"
TITLE = "Акт медико-социальной экспертизы гражданина"
NOTE = (
    "Форма документа воспроизведена по структуре сведений протокола проведения медико-социальной экспертизы "
    "(приказ Минтруда России от 04.07.2022 № 389н) и ФГИС ФРИ; бланк акта по приказу Минтруда России "
    "от 09.09.2022 № 517н не опубликован в доступных источниках."
)


def applies(s: DecisionSnapshot) -> bool:
    return True  # ПП 588 п.38: an act is drawn up for every MSE


def title(s: DecisionSnapshot) -> str:
    return f"{TITLE} № {s.numbers.act} от {s.decision.date:%d.%m.%Y}"


def _diagnoses(s: DecisionSnapshot) -> dict[str, Any]:
    data = s.protocol.data

    def text(key: str) -> str | None:
        value = data.get(key)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or None
        return str(value) if value not in (None, "") else None

    return {  # 389н п.77
        "main": text("77.1"),
        "main_icd10": text("77.2"),
        "main_complications": text("77.3"),
        "concomitant": text("77.4"),
        "concomitant_icd10": text("77.5"),
        "concomitant_complications": text("77.6"),
    }


def document(s: DecisionSnapshot) -> dict[str, Any]:
    d = s.decision
    return {
        "document": f"{KIND}/1",
        "title": TITLE,
        "form_basis": "приказ Минтруда России от 09.09.2022 № 517н",
        **act_reference(s),
        "issued_on": day(s.issued_on),
        "bureau": bureau_block(s),
        "person": person_block(s),
        "case": {
            "number": s.case.number,
            "registered_on": day(s.case.registered_on),
            "primary": s.case.primary,
            "purposes": [coded(s, "23", c) for c in s.case.purposes],
            "form_of_conducting": coded(s, "20", s.case.form_of_conducting),
        },
        "protocol": {
            "number": s.protocol.number,
            "date": day(s.protocol.date),
            "form": s.protocol.form,
            "edition": s.protocol.edition,
            "sha256": s.protocol.sha256,
        },
        "diagnoses": _diagnoses(s),
        "impairments": impairments_block(s),
        "summary": {"percent": d.percent, "degree": d.degree},  # 389н п.79.13
        "limitations": limitations_block(s),
        "outcome": outcome_block(s),
        "decision": {
            "date": day(d.date),
            "ruleset": d.ruleset,
            "ruleset_title": d.ruleset_title,
            "professional_loss_percent": d.professional_loss_percent,
            "care_need": d.care_need,
            "ipra": d.ipra,
            "ipra_number": s.numbers.ipra if d.ipra else None,
            "prp": d.prp,
            "justification": d.justification,
            "departs": d.departs,
            "departure_reason": d.departure_reason,
        },
        "votes": [
            {
                "full_name": v.full_name,
                "role": v.role,
                "role_label": ROLE_LABELS.get(v.role, v.role),
                "vote": v.vote,
                "vote_label": VOTE_LABELS[v.vote],
                "opinion": v.opinion,
            }
            for v in s.votes
        ],
        "special_opinion": d.special_opinion,
        "head": {"full_name": s.head.full_name, "position": s.head.position},
    }


def note(s: DecisionSnapshot) -> str:
    return NOTE
