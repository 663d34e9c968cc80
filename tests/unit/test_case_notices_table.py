"""Every transition that must tell the citizen has a notification (or names the service that writes it), and every
notification renders in Russian without a missing placeholder."""

from __future__ import annotations

import pytest

from mse.domain.case_lifecycle import TRANSITIONS
from mse.services.case_notices import CITIZEN, CITIZEN_NOTICES, DELEGATED
from mse.services.notification_texts import TEXTS, render
from mse.services.notifications import EPGU_STATUS, EVENT_LABELS

NOTIFYING = sorted({t.event for t in TRANSITIONS if CITIZEN in t.effects})


@pytest.mark.parametrize("event", NOTIFYING)
def test_each_notifying_transition_is_mapped_once(event: str) -> None:
    assert (event in CITIZEN_NOTICES) != (event in DELEGATED), f"{event}: mapped twice or not at all"


def test_no_rule_for_a_transition_that_does_not_notify() -> None:
    assert set(CITIZEN_NOTICES) | set(DELEGATED) <= set(NOTIFYING)


@pytest.mark.parametrize("kind", sorted({r.event for r in CITIZEN_NOTICES.values()} | {"invitation"}))
def test_each_notification_renders_and_reaches_the_portal(kind: str) -> None:
    ctx = {"case_number": "77-1/2026", "bureau_name": "Бюро № 1", "full_name": "Иванов Пётр Сергеевич", "reason": "причина",
           "details": "подробности", "date": "02.03.2026", "time": "10:00", "place": "бюро", "address": "Москва",
           "room": "101", "form": "очно"}
    subject, body, sms = render(kind, ctx)
    assert "77-1/2026" in subject
    assert "$" not in body + sms
    assert TEXTS[kind].source
    assert kind in EVENT_LABELS
    assert kind in EPGU_STATUS
