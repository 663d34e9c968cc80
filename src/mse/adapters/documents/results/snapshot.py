"""The decision snapshot (schema ``mse-decision-snapshot/1``): a typed, validating reader.

The decision service freezes everything the result documents print into one canonical JSON document the moment
the head signs (the act, справка, ИПРА, выписка and the СЭМД are all rendered from it, so they can never disagree
and can be re-rendered byte for byte). Unknown members are ignored (the schema may gain optional members);
a missing or mistyped required member is a ``SnapshotInvalid`` naming it in Russian.

Conditional requirements follow the outcome (389н п.80): a group or «ребенок-инвалид» (80.1–80.4) needs the term
(п.83) and, with a term, the date until which it is set (п.83.2), and the numbers of the справка and the выписка;
a group (80.1–80.3) also needs its cause (п.81); an ИПРА (п.92 «да») needs its number. For 80.4 the cause is
printed when given (the protocol checks demand it), but the reader does not insist: the source does not say it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mse.domain.protocols import DISABILITY_ESTABLISHED

from .fields import SnapshotInvalid, _Obj

SCHEMA = "mse-decision-snapshot/1"
RECOGNISED = DISABILITY_ESTABLISHED  # 389н п.80: инвалидность установлена
GROUPS = ("80.1", "80.2", "80.3")
CHILD = "80.4"
NOT_ESTABLISHED = "80.5"
OUTCOMES = (*RECOGNISED, NOT_ESTABLISHED)
Day = date  # a field named ``date`` shadows the type inside the dataclasses below


@dataclass(frozen=True, slots=True)
class IdentityDocument:
    kind: str
    series: str | None
    number: str
    issued_on: date | None
    issued_by: str | None


@dataclass(frozen=True, slots=True)
class Person:
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    sex: str  # male | female
    snils: str | None
    address: str | None
    document: IdentityDocument | None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)

    def age_on(self, day: date) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


@dataclass(frozen=True, slots=True)
class Representative:  # законный (уполномоченный) представитель, when the snapshot carries one
    full_name: str
    basis: str | None


@dataclass(frozen=True, slots=True)
class Bureau:
    name: str
    short_name: str | None
    parent: str | None
    region: str | None
    address: str | None
    ogrn: str | None


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    number: str
    registered_on: date
    purposes: tuple[str, ...]  # 389н п.23 option codes
    form_of_conducting: str  # 389н п.20 option code
    primary: bool


@dataclass(frozen=True, slots=True)
class Protocol:
    number: str
    date: date
    form: str
    edition: str
    sha256: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Impairment:
    item: str  # 389н п.79.N
    label: str
    percent: int


@dataclass(frozen=True, slots=True)
class Decision:
    date: date
    ruleset: str
    ruleset_title: str
    percent: int | None
    degree: str | None
    group: str  # 389н п.80 option code
    group_label: str
    cause: str | None  # 389н п.81 option code
    cause_label: str | None
    term: str | None  # "term" | "indefinite" (п.83.1)
    term_text: str | None
    until: Day | None
    reexam_on: Day | None
    crg: tuple[str, ...]  # 389н п.86(1) option codes
    departs: bool
    departure_reason: str | None
    limitations: Mapping[str, str]  # 389н п.78.N → degree "1".."3"
    impairments: tuple[Impairment, ...]
    professional_loss_percent: int | None
    care_need: bool | None
    ipra: bool
    prp: bool
    justification: str | None
    special_opinion: str | None
    # Optional: the ИПРА sections (appendix keys of 389н, e.g. "appendix.5") the experts marked «не нуждается».
    # Without the mark an empty section prints «мероприятия не определены», never «не нуждается».
    ipra_not_needed: tuple[str, ...] = ()

    @property
    def recognised(self) -> bool:
        return self.group in RECOGNISED


@dataclass(frozen=True, slots=True)
class Vote:
    full_name: str
    role: str
    vote: str  # for | against
    opinion: str | None


@dataclass(frozen=True, slots=True)
class Head:
    full_name: str
    position: str


@dataclass(frozen=True, slots=True)
class Numbers:
    act: str
    certificate: str | None
    ipra: str | None
    extract: str | None


@dataclass(frozen=True, slots=True)
class DecisionSnapshot:
    issued_on: date
    case: Case
    bureau: Bureau
    person: Person
    representative: Representative | None
    protocol: Protocol
    decision: Decision
    votes: tuple[Vote, ...]
    head: Head
    numbers: Numbers
    raw: bytes  # the snapshot bytes as given: the PDF identifier is derived from them

    @property
    def is_child(self) -> bool:
        return self.person.age_on(self.decision.date) < 18


# --- reading ---------------------------------------------------------------------------------------------------


def _person(o: _Obj) -> Person:
    doc = o.opt_obj("document")
    if doc is not None and not any(doc.value.get(k) for k in ("kind", "series", "number")):
        doc = None  # the service writes the block with every member null when the protocol has no document (п.16)
    sex = o.text("sex")
    if sex not in ("male", "female"):
        raise SnapshotInvalid(o._key("sex"), f"поле «{o._key('sex')}» должно быть male или female")
    return Person(
        surname=o.text("surname"),
        name=o.text("name"),
        patronymic=o.opt_text("patronymic"),
        birth_date=o.day("birth_date"),
        sex=sex,
        snils=o.opt_text("snils"),
        address=o.opt_text("address"),
        document=None
        if doc is None
        else IdentityDocument(
            doc.text("kind"), doc.opt_text("series"), doc.text("number"), doc.opt_day("issued_on"), doc.opt_text("issued_by")
        ),
    )


def _decision(o: _Obj) -> Decision:
    group = o.text("group")
    if group not in OUTCOMES:
        raise SnapshotInvalid(o._key("group"), f"поле «{o._key('group')}» должно быть одним из {', '.join(OUTCOMES)} (389н п.80)")
    limitations = o.obj("limitations").value
    if not all(isinstance(v, str) for v in limitations.values()):
        raise SnapshotInvalid(o._key("limitations"), f"степени в «{o._key('limitations')}» должны быть строками")
    d = Decision(
        date=o.day("date"),
        ruleset=o.text("ruleset"),
        ruleset_title=o.text("ruleset_title"),
        percent=o.opt_integer("percent"),
        degree=o.opt_text("degree"),
        group=group,
        group_label=o.text("group_label"),
        cause=o.opt_text("cause"),
        cause_label=o.opt_text("cause_label"),
        term=o.opt_text("term"),
        term_text=o.opt_text("term_text"),
        until=o.opt_day("until"),
        reexam_on=o.opt_day("reexam_on"),
        crg=o.texts("crg"),
        departs=o.flag("departs"),
        departure_reason=o.opt_text("departure_reason"),
        limitations=dict(sorted(limitations.items())),
        impairments=tuple(Impairment(i.text("item"), i.text("label"), i.integer("percent")) for i in o.objects("impairments")),
        professional_loss_percent=o.opt_integer("professional_loss_percent"),
        care_need=o.opt_flag("care_need"),
        ipra=o.flag("ipra"),
        prp=o.flag("prp"),
        justification=o.opt_text("justification"),
        special_opinion=o.opt_text("special_opinion"),
        ipra_not_needed=o.opt_texts("ipra_not_needed"),
    )
    if d.recognised:  # 389н п.81, п.83
        if d.group in GROUPS and not d.cause:
            o.require("cause", "при установлении группы указывается причина инвалидности, 389н п.81")
        if d.cause and not d.cause_label:
            o.require("cause_label", "наименование причины инвалидности")
        if d.term not in ("term", "indefinite"):
            o.require("term", "срок инвалидности: term или indefinite, 389н п.83.1")
        if d.term == "term" and (d.until is None or not d.term_text):
            o.require("until" if d.until is None else "term_text", "инвалидность установлена на срок, 389н п.83.2")
    elif d.ipra:
        raise SnapshotInvalid(
            o._key("ipra"), "ИПРА разрабатывается только инвалиду (ребенку-инвалиду): инвалидность не установлена (80.5)"
        )
    return d


def read_snapshot(raw: bytes) -> DecisionSnapshot:
    """Parse and validate the snapshot bytes; ``SnapshotInvalid`` names the first missing or mistyped member."""
    try:
        loaded = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotInvalid("$", f"снимок решения не является документом JSON ({exc})") from None
    top = _Obj(loaded, "")
    schema = top.text("schema")
    if schema != SCHEMA:
        raise SnapshotInvalid("schema", f"неизвестная схема снимка «{schema}», ожидается «{SCHEMA}»")
    case, bureau, protocol, head, numbers = (top.obj(k) for k in ("case", "bureau", "protocol", "head", "numbers"))
    decision = _decision(top.obj("decision"))
    rep = top.opt_obj("representative")
    snapshot = DecisionSnapshot(
        issued_on=top.day("issued_on"),
        case=Case(
            case.integer("id"),
            case.text("number"),
            case.day("registered_on"),
            case.texts("purposes"),
            case.text("form_of_conducting"),
            case.flag("primary"),
        ),
        bureau=Bureau(
            bureau.text("name"),
            bureau.opt_text("short_name"),
            bureau.opt_text("parent"),
            bureau.opt_text("region"),
            bureau.opt_text("address"),
            bureau.opt_text("ogrn"),
        ),
        person=_person(top.obj("person")),
        representative=None if rep is None else Representative(rep.text("full_name"), rep.opt_text("basis")),
        protocol=Protocol(
            protocol.text("number"),
            protocol.day("date"),
            protocol.text("form"),
            protocol.text("edition"),
            protocol.text("sha256"),
            protocol.obj("data").value,
        ),
        decision=decision,
        votes=tuple(Vote(v.text("full_name"), v.text("role"), _vote(v), v.opt_text("opinion")) for v in top.objects("votes")),
        head=Head(head.text("full_name"), head.text("position")),
        numbers=Numbers(
            numbers.text("act"), numbers.opt_text("certificate"), numbers.opt_text("ipra"), numbers.opt_text("extract")
        ),
        raw=bytes(raw),
    )
    if decision.recognised:  # the справка and the выписка are issued with their own numbers (ПП 588 п.46 [K])
        for key in ("certificate", "extract"):
            if getattr(snapshot.numbers, key) is None:
                numbers.require(key, "инвалидность установлена: номер справки и выписки обязателен")
    if decision.ipra and snapshot.numbers.ipra is None:
        numbers.require("ipra", "разработана ИПРА, 389н п.92")
    return snapshot


def _vote(v: _Obj) -> str:
    vote = v.text("vote")
    if vote not in ("for", "against"):
        raise SnapshotInvalid(v._key("vote"), f"поле «{v._key('vote')}» должно быть for или against")
    return vote
