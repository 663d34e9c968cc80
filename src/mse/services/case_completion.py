"""T25 «все документы выданы и направлены»: the system completes a case when the last result message is delivered.

The results of MSE go out as outbox messages (`result.mo`, `result.sfr`, `result.fri`, `result.military`,
`result.epgu`, rules/deadlines.RESULT_ROUTES; АР п.16–18, п.62–66). When the worker records the delivery of the last
of them, the case leaves «оформление документов» in the same transaction as that record; a dead message (stopped
after its retries) keeps the case open, where the head sees it on «Отправка результатов».
"""

from __future__ import annotations

from mse.domain.case_model import CaseFacts, State
from mse.domain.errors import Conflict
from mse.domain.identity import SYSTEM_ACTOR
from mse.domain.ports import Clock
from mse.services.cases import transition_in
from mse.services.ports import UnitOfWork

RESULT_TOPICS = "result."


def complete_if_dispatched(uow: UnitOfWork, case_id: int, clock: Clock) -> bool:
    """Fire T25 when the case is issuing documents and no result message of it is left undelivered. No commit."""
    record = uow.cases.get(case_id)
    if record is None or record.state != State.DOCUMENTS_ISSUING.value:
        return False
    if uow.outbox.undelivered_count("case", case_id, RESULT_TOPICS):
        return False
    try:
        transition_in(uow, SYSTEM_ACTOR, case_id, "completed", clock, facts=CaseFacts(dispatches_done=True),
                      reason="Все документы выданы и направлены получателям", expected_state=State.DOCUMENTS_ISSUING.value)
    except Conflict:
        # Another worker delivered the other last message at the same moment and completed the case; the state CAS
        # refused before anything was written, so this delivery's record still commits.
        return False
    return True
