"""The expert decision of one case as the core sees it: the panel's votes, the majority, and what may follow.

AR п.50, п.78, п.91 (process.md §1.2): the decision is taken by a simple majority of the specialists who conducted
the MSE; votes are recorded per specialist to prove the majority (ASSUMPTION in process.md). The seeds say nothing of
a tie: the issue's resolution is to pass the case to the main bureau (consultation/escalation), kept here as dated
policy. The head signs last (389н прил.2 п.17) and does not break a tie (``DecisionPolicy.head_breaks_tie``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from mse.domain.errors import Conflict, FieldProblem, ValidationFailed


class DecisionStatus(StrEnum):
    VOTING = "voting"  # specialists vote as they sign the protocol
    ESCALATED = "escalated"  # the votes split evenly: passed to the main bureau
    ISSUED = "issued"  # the head signed: the documents are issued from the snapshot and the results sent


STATUS_LABELS: dict[DecisionStatus, str] = {
    DecisionStatus.VOTING: "голосование специалистов",
    DecisionStatus.ESCALATED: "передано в главное бюро (голоса разделились поровну)",
    DecisionStatus.ISSUED: "решение принято, документы оформлены",
}


class Vote(StrEnum):
    FOR = "for"
    AGAINST = "against"


VOTE_LABELS: dict[Vote, str] = {Vote.FOR: "за", Vote.AGAINST: "против (особое мнение)"}


class Majority(StrEnum):
    NONE = "none"  # nobody has voted yet
    FOR = "for"
    AGAINST = "against"
    TIE = "tie"


@dataclass(frozen=True, slots=True)
class CastVote:
    user_id: int
    full_name: str
    role: str
    vote: Vote
    opinion: str | None
    voted_at: datetime


@dataclass(frozen=True, slots=True)
class DecisionPolicy:
    """How votes turn into a decision; a dated choice where the seeds are silent (process.md §10)."""

    valid_from: date = date(2013, 1, 1)
    head_breaks_tie: bool = False  # the seeds give the head no casting vote
    tie_resolution: str = "escalate_to_main_bureau"
    citation: str = "АР п.50, п.78, п.91 (простое большинство); при равенстве голосов — решение проекта: главное бюро"


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    id: int
    case_id: int
    protocol_id: int
    status: DecisionStatus
    ruleset: str
    decision_date: date
    suggestion: dict[str, object]
    outcome: dict[str, object]
    departs: bool
    departure_reason: str | None
    revision: int
    votes: tuple[CastVote, ...] = ()
    snapshot_sha256: str | None = None


def tally(votes: Sequence[CastVote]) -> Majority:
    pro = sum(1 for v in votes if v.vote is Vote.FOR)
    contra = len(votes) - pro
    if not votes:
        return Majority.NONE
    if pro == contra:
        return Majority.TIE
    return Majority.FOR if pro > contra else Majority.AGAINST


def check_vote(votes: Sequence[CastVote], user_id: int, vote: Vote, opinion: str | None) -> None:
    if any(v.user_id == user_id for v in votes):
        raise Conflict("decision_already_voted", "Вы уже проголосовали по этому решению")
    if vote is Vote.AGAINST and not (opinion or "").strip():
        raise ValidationFailed([FieldProblem("opinion", "Изложите особое мнение: специалист, голосующий против, "
                                             "обосновывает его (389н прил.2 п.15(13), пункт 100)", "required")],
                               "Голос «против» требует особого мнения")


def check_may_issue(status: DecisionStatus, votes: Sequence[CastVote], policy: DecisionPolicy) -> None:
    """The head may sign and issue only a decision the majority of the specialists supports."""
    if status is DecisionStatus.ISSUED:
        raise Conflict("decision_issued", "Решение уже принято и документы оформлены")
    if status is DecisionStatus.ESCALATED:
        raise Conflict("decision_escalated", "Дело передано в главное бюро: решение бюро не принимается")
    majority = tally(votes)
    if majority is Majority.NONE:
        raise Conflict("decision_no_votes", "Специалисты, проводившие медико-социальную экспертизу, ещё не проголосовали")
    if majority is Majority.TIE and not policy.head_breaks_tie:
        raise Conflict("decision_tie", "Голоса специалистов разделились поровну: решение не принято, дело передаётся "
                       "в главное бюро (кнопка «Передать в главное бюро»)")
    if majority is Majority.AGAINST:
        raise Conflict("decision_rejected", "Большинство специалистов проголосовало против решения, записанного в протоколе: "
                       "его нельзя подписать")


def check_may_escalate(status: DecisionStatus, votes: Sequence[CastVote]) -> None:
    if status is not DecisionStatus.VOTING:
        raise Conflict("decision_not_voting", "Передать в главное бюро можно только решение на голосовании")
    if tally(votes) is not Majority.TIE:
        raise Conflict("decision_not_tied", "В главное бюро передаётся дело, по которому голоса разделились поровну")
