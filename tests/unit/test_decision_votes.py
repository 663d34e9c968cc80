"""The panel's votes (АР п.50: simple majority of the specialists who conducted the MSE; a tie goes to the main bureau)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mse.domain.decisions import (
    CastVote,
    DecisionPolicy,
    DecisionStatus,
    Majority,
    Vote,
    check_may_escalate,
    check_may_issue,
    check_vote,
    tally,
)
from mse.domain.errors import Conflict, ValidationFailed

AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def votes(*cast: str) -> tuple[CastVote, ...]:
    return tuple(CastVote(user_id=i + 1, full_name=f"Специалист {i + 1}", role="expert", vote=Vote(v),
                          opinion=None if v == "for" else "Иное мнение", voted_at=AT) for i, v in enumerate(cast))


@pytest.mark.parametrize(("cast", "expected"), [
    ((), Majority.NONE),
    (("for",), Majority.FOR),
    (("against",), Majority.AGAINST),
    (("for", "against"), Majority.TIE),
    (("for", "for", "against"), Majority.FOR),
    (("for", "against", "against"), Majority.AGAINST),
    (("for", "for", "against", "against"), Majority.TIE),
    (("for", "for", "for", "against", "against"), Majority.FOR),
])
def test_simple_majority(cast: tuple[str, ...], expected: Majority) -> None:
    assert tally(votes(*cast)) is expected


@pytest.mark.parametrize(("cast", "code"), [
    ((), "decision_no_votes"),
    (("for", "against"), "decision_tie"),
    (("against", "against", "for"), "decision_rejected"),
])
def test_head_may_not_issue_without_a_majority_for(cast: tuple[str, ...], code: str) -> None:
    with pytest.raises(Conflict) as err:
        check_may_issue(DecisionStatus.VOTING, votes(*cast), DecisionPolicy())
    assert err.value.code == code


def test_head_issues_a_majority_decision_once() -> None:
    check_may_issue(DecisionStatus.VOTING, votes("for", "for", "against"), DecisionPolicy())
    with pytest.raises(Conflict) as err:
        check_may_issue(DecisionStatus.ISSUED, votes("for"), DecisionPolicy())
    assert err.value.code == "decision_issued"
    with pytest.raises(Conflict) as err:
        check_may_issue(DecisionStatus.ESCALATED, votes("for", "against"), DecisionPolicy())
    assert err.value.code == "decision_escalated"


def test_a_casting_vote_is_a_policy_choice() -> None:
    check_may_issue(DecisionStatus.VOTING, votes("for", "against"), DecisionPolicy(head_breaks_tie=True))


def test_only_a_tie_is_escalated() -> None:
    check_may_escalate(DecisionStatus.VOTING, votes("for", "against"))
    for cast in (("for",), ("for", "for", "against")):
        with pytest.raises(Conflict) as err:
            check_may_escalate(DecisionStatus.VOTING, votes(*cast))
        assert err.value.code == "decision_not_tied"
    with pytest.raises(Conflict):
        check_may_escalate(DecisionStatus.ESCALATED, votes("for", "against"))


def test_a_vote_against_needs_a_special_opinion_and_nobody_votes_twice() -> None:
    with pytest.raises(ValidationFailed) as err:
        check_vote((), 7, Vote.AGAINST, "  ")
    assert err.value.problems[0].field == "opinion"
    check_vote((), 7, Vote.AGAINST, "Степень выраженности нарушений — умеренная")
    check_vote((), 7, Vote.FOR, None)
    with pytest.raises(Conflict) as err2:
        check_vote(votes("for"), 1, Vote.FOR, None)
    assert err2.value.code == "decision_already_voted"
