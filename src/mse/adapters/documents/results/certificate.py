"""The справка issued to the citizen after the decision (process.md §5.1 D13 / D15).

* Инвалидность установлена (389н п.80.1–80.4): «Справка, подтверждающая факт установления инвалидности»
  (ПП 588 абз.10 п.46; AR п.62) — group or category, cause, term, the dates, the act it rests on.
* Не установлена (80.5): «Справка о результатах медико-социальной экспертизы» (AR п.63, D15) — the result and
  its basis. The kind is ``certificate`` in both cases; only the title and the content differ.

Neither blank is in the corpora we hold: the form in force before the draft order of 13.02.2025 was not
retrieved (reference/ipra_and_certificate.md). The content follows the ФГИС ФРИ categories GENERAL.INVALIDITY and
MSE.ACT (серия и номер справки, дата акта), and the print note says the blank is not published in our sources.
"""

from __future__ import annotations

from typing import Any

from .common import act_reference, bureau_block, coded, day, outcome_block, person_block
from .snapshot import DecisionSnapshot

KIND = "certificate"
TITLE_DISABILITY = "Справка, подтверждающая факт установления инвалидности"
TITLE_RESULTS = "Справка о результатах медико-социальной экспертизы"
NOTE = (
    "Форма документа воспроизведена по структуре сведений ФГИС ФРИ; бланк справки, подтверждающей факт "
    "установления инвалидности (абз. 10 п. 46 Правил, утв. постановлением Правительства РФ от 05.04.2022 № 588), "
    "не опубликован в доступных источниках."
)
NOTE_RESULTS = (
    "Форма документа воспроизведена по структуре сведений ФГИС ФРИ; бланк справки о результатах медико-социальной "
    "экспертизы не опубликован в доступных источниках."
)


def applies(s: DecisionSnapshot) -> bool:
    return True  # D13 when recognised, D15 otherwise


def note(s: DecisionSnapshot) -> str:
    return NOTE if s.decision.recognised else NOTE_RESULTS


def _number(s: DecisionSnapshot) -> str:
    # D15 carries no number of its own in the seeds: it is identified by the act it rests on.
    return s.numbers.certificate or s.numbers.act


def title(s: DecisionSnapshot) -> str:
    head = TITLE_DISABILITY if s.decision.recognised else TITLE_RESULTS
    return f"{head} № {_number(s)} от {s.issued_on:%d.%m.%Y}"


def document(s: DecisionSnapshot) -> dict[str, Any]:
    d = s.decision
    return {
        "document": f"{KIND}/1",
        "variant": "disability" if d.recognised else "results",
        "title": TITLE_DISABILITY if d.recognised else TITLE_RESULTS,
        "number": _number(s),
        "issued_on": day(s.issued_on),
        "bureau": bureau_block(s),
        "person": person_block(s, with_document=False),
        "examined_on": day(d.date),
        "purposes": [coded(s, "23", c) for c in s.case.purposes],
        "outcome": outcome_block(s),
        "professional_loss_percent": d.professional_loss_percent,
        "justification": None if d.recognised else d.justification,  # D15: the result and its basis
        "act": act_reference(s),
        "head": {"full_name": s.head.full_name, "position": s.head.position},
    }
