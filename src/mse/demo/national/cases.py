"""Referrals, cases and their history in bulk: each referral's story through the year (process.md §3 transitions),
cut at 31 December — so late registrations are still open, as in a real year-end — and the appeals a few per cent of
the decisions bring to the main bureau.

Every row an intake would write is written: the received document (a small placeholder body, content type
`SYNTHETIC_CONTENT_TYPE`), the referral (`data.synthetic = true`), the case with its journal number, every history
row. What the protocol stage needs is handed on as `Exam` items.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import orjson

from mse.demo.national.persons import PersonFacts
from mse.demo.national.plan import (
    ADULT_OUTCOMES,
    APPEAL_FATES,
    APPEAL_SHARE,
    AWAITING_DOCUMENTS_SHARE,
    CHILD_MAX_AGE,
    CHILD_OUTCOMES,
    DAYS_APPEAL_DECIDED,
    DAYS_AWAITING,
    DAYS_TO_APPEAL,
    DAYS_TO_COMPLETE,
    DAYS_TO_SCHEDULE,
    DAYS_TO_SESSION,
    ICD_CLASSES,
    NOT_ACCEPTED_SHARE,
    REPEAT_SHARE,
    RETURNED_SHARE,
    TERMINATED_SHARE,
)
from mse.demo.national.tree import RegionUnits
from mse.domain.case_model import regime_for
from mse.domain.values import normalize_name

SYNTHETIC_CONTENT_TYPE = "application/vnd.mse.synthetic+json"
REFERRAL_FORM_VERSION = "2022-11-21"  # referral-088u edition in force

INCOMING_COLUMNS = ("id", "received_at", "channel", "content_type", "filename", "sender_ogrn", "sender_org_id", "document_id",
                    "body", "body_sha256", "size", "signature", "signature_sha256", "status", "problem_code", "problem_message",
                    "problem_details", "submitted_by")
REFERRAL_COLUMNS = ("id", "incoming_id", "sender_org_id", "document_id", "bureau_id", "channel", "state", "form_version", "data",
                    "patient_key", "patient_snils", "patient_name", "patient_surname_key", "patient_birth_date", "protocol_number",
                    "protocol_date", "diagnosis_icd", "priorities", "priority_rank", "signature_valid", "signer_subject",
                    "signer_ogrn", "signing_time", "checks", "content_failures", "received_at", "decided_at", "decided_by",
                    "registration_number", "registration_date", "case_id", "duplicate_of_id")
CASE_COLUMNS = ("id", "number", "registered_on", "bureau_id", "person_id", "state", "channel", "purposes", "priority_rank",
                "due_invitation", "due_decision", "created_at", "updated_at", "regime", "form_of_conducting", "invited_on")
HISTORY_COLUMNS = ("id", "case_id", "at", "from_state", "to_state", "actor_user_id", "reason", "event", "actor_role", "details")

_FORMS = (("at_bureau", 0.8), ("in_absentia", 0.15), ("at_home", 0.05))
_ROLES = {"T08": "registrar", "T09": "registrar", "T10": "registrar", "T11": "registrar", "T12": "registrar", "T14": "registrar",
          "T16": "expert", "T23": "expert", "T24": "head", "T25": "head", "T26": "system", "T27": "system", "T28": "system",
          "T32": "registrar", "T40": "registrar"}
_STEPS = {"T08": ("registered", None, "registered"), "T09": ("content_check_started", "registered", "content_check"),
          "T10": ("returned_to_mo", "content_check", "returned_to_mo"), "T11": ("postponed", "registered", "awaiting_documents"),
          "T12": ("documents_supplied", "awaiting_documents", "scheduled"), "T14": ("scheduled", "registered", "scheduled"),
          "T16": ("session_opened", "scheduled", "in_expertise"), "T23": ("decision_adopted", "in_expertise", "decided"),
          "T24": ("documents_issuing", "decided", "documents_issuing"), "T25": ("completed", "documents_issuing", "completed"),
          "T26": ("appeal_opened", "completed", "under_appeal"), "T27": ("upheld", "under_appeal", "completed"),
          "T28": ("superseded", "under_appeal", "superseded"), "T32": ("appeal_registered_upper", None, "registered"),
          "T40": ("terminated", None, "terminated")}


@dataclass(frozen=True, slots=True)
class Exam:
    """A case that reached the session: the protocol stage writes its protocol (and decision when `decided_on`)."""

    case_id: int
    number: str
    registered_on: date
    person: PersonFacts
    session_on: date
    decided_on: date | None
    purposes: tuple[str, ...]
    primary: bool
    icd: str
    impairment: str  # 79.x
    group: str  # 80.x
    form: str
    created_at: datetime


@dataclass
class CaseRows:
    incoming: list[tuple[object, ...]] = field(default_factory=list)
    referrals: list[tuple[object, ...]] = field(default_factory=list)
    cases: list[tuple[object, ...]] = field(default_factory=list)
    history: list[tuple[object, ...]] = field(default_factory=list)
    exams: list[Exam] = field(default_factory=list)


def _pick(rng: random.Random, items: tuple[tuple[str, float], ...]) -> str:
    x = rng.random() * sum(w for _, w in items)
    for item, w in items:
        x -= w
        if x < 0:
            return item
    return items[-1][0]


def _icd(rng: random.Random, child: bool) -> tuple[str, str]:
    weights = [c[2] if child else c[1] for c in ICD_CLASSES]
    codes = rng.choices(ICD_CLASSES, weights=weights)[0][3]
    return rng.choice(codes)


def _at(day: date, minutes: int) -> datetime:
    """A moment of a working day (09:00 Moscow = 06:00 UTC, plus `minutes`), in UTC."""
    return datetime.combine(day, time(6, 0), tzinfo=UTC) + timedelta(minutes=minutes)


@dataclass
class Counters:
    """Running ids and the journal numbers of each unit, carried from chunk to chunk."""

    incoming: int
    referral: int
    case: int
    history: int
    journal: dict[int, int] = field(default_factory=dict)

    def number(self, unit_id: int, year: int) -> str:
        seq = self.journal.get(unit_id, 0) + 1
        self.journal[unit_id] = seq
        return f"{unit_id}-{seq:06d}/{year}"


class CaseMaker:
    def __init__(self, rng: random.Random, counters: Counters, *, year: int, workdays: list[date], total: int,
                 regions: dict[str, RegionUnits], ogrn: dict[int, str]) -> None:
        self.rng, self.c, self.year, self.workdays, self.total = rng, counters, year, workdays, total
        self.cutoff = date(year, 12, 31)
        self.regions, self.ogrn = regions, ogrn

    def _history(self, out: CaseRows, case_id: int, steps: list[tuple[str, date]], first_at: datetime) -> None:
        minute = 0
        prev: str | None = None
        for t, day in steps:
            event, _, to = _STEPS[t]
            minute += self.rng.randint(5, 90)
            at = first_at if t in ("T08", "T32") else _at(day, minute)
            reason = "Зарегистрировано (синтетические данные mse demo generate)" if t in ("T08", "T32") else None
            details: dict[str, object] = {"transition": t, "synthetic": True} if t in ("T08", "T32") else {"transition": t}
            out.history.append((self.c.history, case_id, at, prev, to, None, reason, event, _ROLES[t], details))
            self.c.history += 1
            prev = to

    def _case(self, out: CaseRows, *, unit_id: int, person: PersonFacts, registered_on: date, registered_at: datetime,
              state: str, channel: str, purposes: list[str], form: str | None, steps: list[tuple[str, date]]) -> tuple[int, str]:
        case_id, number = self.c.case, self.c.number(unit_id, self.year)
        self.c.case += 1
        last = steps[-1][1] if steps else registered_on
        updated = registered_at if last == registered_on else _at(last, 480)
        out.cases.append((case_id, number, registered_on, unit_id, person.id, state, channel, purposes, 0,
                          registered_on + timedelta(days=7), registered_on + timedelta(days=30), registered_at, updated,
                          regime_for(registered_on), form,
                          # DL-04 met on the day of the booking (T14, or T12 after a postponement): migration 0012
                          next((day for t, day in steps if t in ("T12", "T14")), None)))
        self._history(out, case_id, steps, registered_at)
        return case_id, number

    def referral(self, out: CaseRows, index: int, person: PersonFacts, sender_org_id: int) -> None:
        r, c = self.rng, self.c
        day = self.workdays[min(len(self.workdays) - 1, index * len(self.workdays) // self.total)]
        received = _at(day, r.randint(0, 540))
        child = person.age <= CHILD_MAX_AGE
        icd, impairment = _icd(r, child)
        purposes = ["23.2"] if child else ["23.1"]
        document_id = f"SYNTH-{self.year}-{index + 1:08d}"
        body = orjson.dumps({"synthetic": True, "documentId": document_id})
        out.incoming.append((c.incoming, received, "import", SYNTHETIC_CONTENT_TYPE, "synthetic.json", self.ogrn[sender_org_id],
                             sender_org_id, document_id, body, hashlib.sha256(body).hexdigest(), len(body), None, None,
                             "accepted", None, None, None, None))
        u = r.random()
        state = "not_accepted" if u < NOT_ACCEPTED_SHARE else "returned" if u < NOT_ACCEPTED_SHARE + RETURNED_SHARE else "accepted"
        case_id: int | None = None
        number: str | None = None
        decided_at = received + timedelta(minutes=r.randint(20, 600)) if state != "not_accepted" else None
        if state == "returned":
            check = decided_at.date() if decided_at else day
            case_id, number = self._case(out, unit_id=person.bureau_id, person=person, registered_on=day,
                                         registered_at=decided_at or received, state="returned_to_mo", channel="import",
                                         purposes=purposes, form=None, steps=[("T08", day), ("T09", check), ("T10", check)])
        elif state == "accepted":
            case_id, number = self._registered(out, person, day, decided_at or received, purposes, icd, impairment, child)
        name = " ".join(p for p in (person.surname, person.name, person.patronymic) if p)
        data = {"synthetic": True, "documentId": document_id, "patientLastName": person.surname, "patientFirstName": person.name,
                "patientMiddleName": person.patronymic, "patientBirthDate": person.birth_date.isoformat(), "snils": person.snils,
                "diagnosisMainIcd": icd, "purposes": purposes, "protocolNumber": f"ВК-{index + 1}",
                "protocolDate": (day - timedelta(days=r.randint(1, 20))).isoformat()}
        out.referrals.append((c.referral, c.incoming, sender_org_id, document_id, person.bureau_id, "import",
                              state, REFERRAL_FORM_VERSION, data, person.snils, person.snils, name, normalize_name(person.surname),
                              person.birth_date, data["protocolNumber"], date.fromisoformat(str(data["protocolDate"])), icd,
                              [], 0, None, "синтетические данные (без подписи)", None, None, {"synthetic": True},
                              1 if state == "returned" else 0, received, decided_at, None, number,
                              day if number else None, case_id, None))
        c.referral += 1
        c.incoming += 1

    def _registered(self, out: CaseRows, person: PersonFacts, day: date, at: datetime, purposes: list[str], icd: str,
                    impairment: str, child: bool) -> tuple[int, str]:
        r, cut = self.rng, self.cutoff
        steps: list[tuple[str, date]] = [("T08", day)]
        if r.random() < AWAITING_DOCUMENTS_SHARE:
            steps += [("T11", day + timedelta(days=1)), ("T12", day + timedelta(days=1 + r.randint(*DAYS_AWAITING)))]
        else:
            steps.append(("T14", day + timedelta(days=r.randint(*DAYS_TO_SCHEDULE))))
        session = steps[-1][1] + timedelta(days=r.randint(*DAYS_TO_SESSION))
        done = session + timedelta(days=r.randint(*DAYS_TO_COMPLETE))
        steps += [("T16", session), ("T23", session), ("T24", session), ("T25", done)]
        group = _pick(r, CHILD_OUTCOMES if child else ADULT_OUTCOMES)
        form = _pick(r, _FORMS)
        appeal = r.random() < APPEAL_SHARE and not child
        appealed_on = done + timedelta(days=r.randint(*DAYS_TO_APPEAL))
        fate = _pick(r, APPEAL_FATES)
        appeal_decided = appealed_on + timedelta(days=r.randint(*DAYS_APPEAL_DECIDED))
        terminated = r.random() < TERMINATED_SHARE
        end = day
        if terminated:  # withdrawn / died / moved before the session
            steps = [s for s in steps if s[0] in ("T08", "T11", "T14")]
            end = steps[-1][1] + timedelta(days=r.randint(1, 10))
        steps = [s for s in steps if s[1] <= cut]
        if appeal and steps[-1][0] == "T25" and appealed_on <= cut:
            steps.append(("T26", appealed_on))
            if fate != "pending" and appeal_decided <= cut:
                steps.append(("T27" if fate == "upheld" else "T28", appeal_decided))
        state = _STEPS[steps[-1][0]][2]
        if terminated and end <= cut:
            steps.append(("T40", end))
            state = "terminated"
        reached = {t for t, _ in steps}
        case_id, number = self._case(out, unit_id=person.bureau_id, person=person, registered_on=day, registered_at=at,
                                     state=state, channel="import", purposes=purposes,
                                     form=form if reached & {"T14", "T12"} else None, steps=steps)
        if "T16" in reached:
            out.exams.append(Exam(case_id, number, day, person, session, session if "T23" in reached else None, tuple(purposes),
                                  r.random() >= REPEAT_SHARE, icd, impairment, group, form, at))
        if "T26" in reached:
            self._appeal(out, person, appealed_on, appeal_decided, fate, icd, impairment, group)
        return case_id, number

    def _appeal(self, out: CaseRows, person: PersonFacts, on: date, decided: date, fate: str, icd: str, impairment: str,
                group: str) -> None:
        """The appeal is a new case at the main bureau's first expert composition (АР: обжалование в главное бюро)."""
        r, cut = self.rng, self.cutoff
        unit = self.regions[person.region_code].compositions[0]
        session = decided if fate != "pending" else on + timedelta(days=r.randint(5, 20))
        steps = [("T32", on), ("T14", on + timedelta(days=r.randint(1, 4))), ("T16", session)]
        if fate != "pending":
            steps += [("T23", session), ("T24", session), ("T25", session + timedelta(days=1))]
        steps = [s for s in steps if s[1] <= cut]
        at = _at(on, r.randint(0, 480))
        case_id, number = self._case(out, unit_id=unit, person=person, registered_on=on, registered_at=at,
                                     state=_STEPS[steps[-1][0]][2], channel="paper", purposes=["23.1"], form="at_bureau",
                                     steps=steps)
        reached = {t for t, _ in steps}
        if fate == "superseded":  # the upper bureau changed the decision: another group
            group = r.choice([g for g, _ in ADULT_OUTCOMES if g != group])
        if "T16" in reached:
            out.exams.append(Exam(case_id, number, on, person, session, session if "T23" in reached else None, ("23.1",),
                                  False, icd, impairment, group, "at_bureau", at))
