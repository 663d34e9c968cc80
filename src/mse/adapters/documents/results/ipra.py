"""«Индивидуальная программа реабилитации или абилитации инвалида (ребенка-инвалида)» (ИПРА; приказ Минтруда России
от 13.06.2017 № 486н — порядок разработки и формы; 389н п.92 «разработана ИПРА»; process.md §5.1 D12).

Issued only when the protocol says the ИПРА was developed (snapshot ``decision.ipra``, 389н п.92 «да»); the child's
programme («… ребенка-инвалида») for a person under 18 on the decision date. The official blanks of 486н are not in
the corpora we hold; the structure follows the ФГИС ФРИ categories of the ИПРА (reference/fri_ipra_extract_structure.json:
MSE.IPRA.GENERAL, LIFE_RESTRICT, MED/PROF/SOCIAL/…/TSR events) and the rehabilitation sections are the protocol's
appendix tables (389н прил., «Учет мероприятий и услуг…», items ``appendix.1``…``appendix.7.2``) with their column
labels. An empty section prints «не нуждается» only when the snapshot marks it so (``decision.ipra_not_needed``);
otherwise «мероприятия не определены» — an empty table is not a finding. The ФРИ's psycho-pedagogical section for
children (MSE.IPRA.PSYCHOPED.EVENT) has no table in the protocol, so it is not printed.
"""

from __future__ import annotations

from typing import Any

from .common import (
    LIMITATION_KEYS,
    bureau_block,
    coded,
    day,
    form_items,
    item_label,
    outcome_block,
    person_block,
)
from .snapshot import DecisionSnapshot

KIND = "ipra"
TITLE_ADULT = "Индивидуальная программа реабилитации или абилитации инвалида"
TITLE_CHILD = "Индивидуальная программа реабилитации или абилитации ребенка-инвалида"
NOTE = (
    "Форма документа воспроизведена по структуре сведений ФГИС ФРИ; бланк по приказу Минтруда России "
    "от 13.06.2017 № 486н не опубликован в доступных источниках."
)
SECTIONS = ("appendix.1", "appendix.2", "appendix.3", "appendix.4", "appendix.5", "appendix.6", "appendix.7.1", "appendix.7.2")
STATUS_LABELS = {
    "defined": "мероприятия определены",
    "not_needed": "не нуждается",
    "not_determined": "мероприятия не определены",
}
# Column keys of the appendix tables (389н прил.): 1 мероприятие/ТСР, 5 сроки, 6 исполнитель; 2–4 repeat the act and
# ИПРА numbers, 7–9 record the execution later (form of realisation of the ИПРА) — kept in the JSON, not printed.
EVENT, PERIOD, EXECUTOR = "1", "5", "6"


def applies(s: DecisionSnapshot) -> bool:
    return s.decision.recognised and s.decision.ipra  # 389н п.92


def note(s: DecisionSnapshot) -> str:
    return NOTE


def _title(s: DecisionSnapshot) -> str:
    return TITLE_CHILD if s.is_child else TITLE_ADULT


def title(s: DecisionSnapshot) -> str:
    return f"{_title(s)} № {s.numbers.ipra} от {s.decision.date:%d.%m.%Y}"


def _section(s: DecisionSnapshot, key: str) -> dict[str, Any]:
    item = form_items(s.protocol.form, s.protocol.edition).get(key)
    raw = s.protocol.data.get(key)
    rows = [r for r in raw if isinstance(r, dict)] if isinstance(raw, list) else []
    row_labels = {o.code: o.label for o in item.rows} if item else {}
    columns = {c.key: c.label for c in item.columns} if item else {}
    printed = []
    for r in rows:
        cells = {str(k): v for k, v in sorted(r.items()) if k != "row" and v not in (None, "")}
        row = r.get("row")
        printed.append(
            {
                "row": row,
                "row_label": row_labels.get(str(row)) if row is not None else None,
                "event": cells.get(EVENT),
                "period": cells.get(PERIOD),
                "executor": cells.get(EXECUTOR),
                "cells": cells,
            }
        )
    if printed:
        status = "defined"
    elif key in s.decision.ipra_not_needed:
        status = "not_needed"
    else:
        status = "not_determined"
    return {
        "key": key,
        "code": item.code if item else key,
        "label": item.label if item else key,
        "columns": columns,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "rows": printed,
    }


def document(s: DecisionSnapshot) -> dict[str, Any]:
    d = s.decision
    return {
        "document": f"{KIND}/1",
        "title": _title(s),
        "child": s.is_child,
        "number": s.numbers.ipra,
        "developed_on": day(d.date),  # MSE.IPRA.GENERAL: дата разработки
        "issued_on": day(s.issued_on),
        "protocol": {"number": s.protocol.number, "date": day(s.protocol.date)},
        "act": {"number": s.numbers.act, "date": day(d.date)},
        "primary": s.case.primary,
        "form_of_conducting": coded(s, "20", s.case.form_of_conducting),
        "valid_until": day(d.until),  # the programme runs for the term of the disability; None — бессрочно
        "bureau": bureau_block(s),
        "person": person_block(s),
        "outcome": outcome_block(s),
        "life_restrictions": [  # MSE.IPRA.LIFE_RESTRICT: all seven categories, a degree only where one was set
            {"item": k, "label": item_label(s, k).removesuffix(" (степень)"), "degree": d.limitations.get(k)}
            for k in LIMITATION_KEYS
        ],
        "sections": [_section(s, k) for k in SECTIONS],
        "head": {"full_name": s.head.full_name, "position": s.head.position},
    }
