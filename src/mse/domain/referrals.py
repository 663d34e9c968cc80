"""The referral to МСЭ (направление, form 088/у) as the intake sees it: states, findings, priority.

States follow process.md §3.3 for the intake part of the life-cycle: an incoming referral is
RECEIVED, either NOT_ACCEPTED at receipt (§6.4, NA1–NA4) or entered in the registration journal;
a registered referral is then ACCEPTED (a case goes on to scheduling) or RETURNED to the medical
organisation with coded reasons (§6.5, RR1–RR5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class ReferralState(StrEnum):
    RECEIVED = "received"  # Поступило: receipt checks passed, waits for the registrar
    NOT_ACCEPTED = "not_accepted"  # Не принято (EREF s.23)
    ACCEPTED = "accepted"  # Зарегистрировано, сведения проверены: дело передано на запись на МСЭ
    RETURNED = "returned"  # Зарегистрировано и возвращено в МО с указанием причин (EREF s.28)


STATE_LABELS: dict[ReferralState, str] = {
    ReferralState.RECEIVED: "Поступило, ожидает регистрации",
    ReferralState.NOT_ACCEPTED: "Не принято",
    ReferralState.ACCEPTED: "Зарегистрировано",
    ReferralState.RETURNED: "Возвращено в медицинскую организацию",
}


class Channel(StrEnum):
    API_JSON = "api_json"  # POST /api/v1/referrals
    API_SEMD = "api_semd"  # POST /api/v1/referrals/semd (СЭМД ред.6)
    IMPORT = "import"  # `mse referrals import DIR` by an operator
    PAPER = "paper"  # a paper referral entered at the bureau (the «бумажный аналог» of NA2)


class Stage(StrEnum):
    RECEIPT = "receipt"  # before registration: a failure means «не принято»
    CONTENT = "content"  # after registration: a failure is a reason to return to the МО


class Priority(StrEnum):
    """Categories the regional agreement singles out for prioritised handling (EREF s.20, process.md R11)."""

    PALLIATIVE = "palliative"  # 088/у п.3
    PROSTHETICS = "prosthetics"  # 088/у п.4: in-patient after amputation, needs primary prosthetics
    SICK_LEAVE = "sick_leave"  # 088/у п.26.1: on an electronic sick-leave certificate
    HOME_VISIT = "home_visit"  # 088/у п.2: МСЭ at home (not a priority of EREF s.20, but the queue shows it)


PRIORITY_LABELS: dict[Priority, str] = {
    Priority.PALLIATIVE: "Паллиативная помощь",
    Priority.PROSTHETICS: "Ампутация, первичное протезирование",
    Priority.SICK_LEAVE: "Листок нетрудоспособности",
    Priority.HOME_VISIT: "МСЭ на дому",
}


def priorities_of(data: dict[str, object]) -> list[Priority]:
    out: list[Priority] = []
    if data.get("needsPalliativeCare") is True:
        out.append(Priority.PALLIATIVE)
    if data.get("needsPrimaryProsthetics") is True:
        out.append(Priority.PROSTHETICS)
    if data.get("elnPresent") is True:
        out.append(Priority.SICK_LEAVE)
    if data.get("needsHomeVisit") is True:
        out.append(Priority.HOME_VISIT)
    return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed check: a rule id with its legal citation and a Russian explanation."""

    rule_id: str  # "NA1", "RR3"…
    code: str  # stable machine code, e.g. "examinations_incomplete"
    stage: Stage
    title: str  # the wording of the act
    message: str  # what exactly is wrong in this referral
    citation: str
    details: tuple[str, ...] = ()
    verified: bool = True  # False when the rule rests on a recalled (K) or assumed reading


@dataclass(frozen=True, slots=True)
class RuleNote:
    """A check that could not be evaluated (e.g. the examination list for the diagnosis is not loaded)."""

    rule_id: str
    message: str


@dataclass(frozen=True, slots=True)
class ReturnReason:
    """A reason in the return notice; ``code`` is the rule id (RR1–RR5), text is editable Russian wording."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Requisites:
    """What makes two referrals «документы с аналогичными реквизитами» (EREF s.23).

    ASSUMPTION (process.md §3.6.1): sender + ВК protocol number and date + the patient; the exact
    key is not in the sources, so it is a value object that the duplicate rule compares.
    """

    sender_ogrn: str
    protocol_number: str
    protocol_date: date | None
    patient_key: str  # СНИЛС digits, or normalised name + birth date when there is no СНИЛС


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    notes: list[RuleNote] = field(default_factory=list)
    evaluated_at: datetime | None = None

    @property
    def receipt_failures(self) -> list[Finding]:
        return [f for f in self.findings if f.stage is Stage.RECEIPT]

    @property
    def content_failures(self) -> list[Finding]:
        return [f for f in self.findings if f.stage is Stage.CONTENT]
