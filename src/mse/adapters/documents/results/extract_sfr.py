"""«Выписка из акта медико-социальной экспертизы гражданина, признанного инвалидом» for the Social Fund (СФР).

Sent to the body that pays the pension within 3 days of the decision (AR п.64, process.md §5.1 D16); only when
disability is established (389н п.80.1–80.4). The form in force is set under ПП 588 абз.10 п.46 and was not
retrieved (a new form was only drafted on 13.02.2025, reference/ipra_and_certificate.md); the content follows the
ФГИС ФРИ categories GENERAL.INVALIDITY (группа, причина, даты, дата выдачи выписки) and MSE.ACT (серия и номер
выписки, дата акта), and the print note says the blank is not published in our sources.
"""

from __future__ import annotations

from typing import Any

from .common import act_reference, bureau_block, day, outcome_block, person_block
from .snapshot import DecisionSnapshot

KIND = "extract_sfr"
TITLE = "Выписка из акта медико-социальной экспертизы гражданина, признанного инвалидом"
RECIPIENT = "Территориальный орган Фонда пенсионного и социального страхования Российской Федерации"
NOTE = (
    "Форма документа воспроизведена по структуре сведений ФГИС ФРИ; бланк выписки из акта медико-социальной "
    "экспертизы (абз. 10 п. 46 Правил, утв. постановлением Правительства РФ от 05.04.2022 № 588) "
    "не опубликован в доступных источниках."
)


def applies(s: DecisionSnapshot) -> bool:
    return s.decision.recognised  # D16: «гражданина, признанного инвалидом»


def note(s: DecisionSnapshot) -> str:
    return NOTE


def title(s: DecisionSnapshot) -> str:
    return f"{TITLE} № {s.numbers.extract} от {s.issued_on:%d.%m.%Y}"


def document(s: DecisionSnapshot) -> dict[str, Any]:
    d = s.decision
    return {
        "document": f"{KIND}/1",
        "title": TITLE,
        "number": s.numbers.extract,
        "issued_on": day(s.issued_on),
        "recipient": RECIPIENT,
        "bureau": bureau_block(s),
        "person": person_block(s),
        "act": act_reference(s),
        "examined_on": day(d.date),
        "outcome": outcome_block(s),
        "certificate_number": s.numbers.certificate,
        "professional_loss_percent": d.professional_loss_percent,
        "ipra": {"developed": d.ipra, "number": s.numbers.ipra if d.ipra else None},
        "head": {"full_name": s.head.full_name, "position": s.head.position},
    }
