"""One referral through the whole platform, every step by the real service, each stage timed on its own (P11).

Stages (in order):
  intake       — `intake.receive_referral`: parse, verify the МО's GOST signature (openssl), checks, one transaction;
  registration — `registration.register_referral`: the journal number, the case;
  scheduling   — `scheduling.schedule` (a slot at the bureau, the invitation, T14) and T16 «заседание открыто»;
  protocol     — `protocols.open_for_case` (prefill) and AUTOSAVES autosaves that fill ≈250 items of form 389н;
  decision     — three specialists vote (АР п.49: at least three), each vote signs the protocol (GOST, openssl);
  documents    — the head signs: snapshot, the act / справка / ИПРА / extract PDF+JSON and the СЭМД XML rendered and
                 each signed, the result messages queued (T23, T24);
  results      — `delivery.deliver_due` to a real HTTP peer on loopback until nothing is due (T25 on the last one).
The МО signs its referrals before timing (its cost, not ours). Staff certificates are issued before timing.
Besides wall time the meter keeps, per stage, the SQL statements and the CPU seconds (this process and its openssl
children), and across stages the time spent verifying, signing and rendering — the CPU-bound parts that scale out.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from bench import world
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.adapters.documents.json_referral import JsonReferralReader
from mse.adapters.documents.results import build_documents
from mse.adapters.refdata.icd10 import icd10
from mse.adapters.signature.pki import create_root_ca
from mse.adapters.signature.signer import GostCmsSigner
from mse.adapters.signature.staff_keys import DemoStaffKeys
from mse.adapters.signature.verifier import GostCmsVerifier
from mse.domain.case_model import CaseFacts
from mse.domain.decisions import Vote
from mse.domain.identity import SYSTEM_ACTOR, Actor, Role
from mse.domain.organisation import Position, Profile, UnitKind
from mse.domain.scheduling import Availability
from mse.domain.signatures import SignatureVerdict
from mse.domain.values import FullName
from mse.forms import form_in_force
from mse.rules.reference import ExamList
from mse.services import cases, decisions, organisation, protocols, registration, scheduling
from mse.services.decision_ports import DocumentBuilder, RenderedDocument
from mse.services.delivery import deliver_due
from mse.services.delivery_ports import Transport
from mse.services.intake import IntakeReferences, receive_referral
from mse.services.intake_ports import Submission
from mse.services.ports import UnitOfWork

STAGES = ("intake", "registration", "scheduling", "protocol", "decision", "documents", "results")
PARTS = ("verify", "sign", "render")  # CPU-bound work inside the stages (openssl, WeasyPrint)
OGRN = world.OGRN  # the МО of bench/world.py: its certificate carries this ОГРН
DAY = date(2026, 3, 10)  # a Tuesday: registration, session and decision on one day (item 2 of the protocol)
MSK = timedelta(hours=3)
SLOTS_PER_PAIR = 24  # 08:00–20:00 in 30-minute cells (АР п.43, DL-42)
PANEL = 3  # АР п.49: at least three specialists
AUTOSAVES = 10  # the expert fills the protocol in ~10 autosaves (P4 measures one of them)
SPECIALIST, HEAD = "врач по медико-социальной экспертизе", "руководитель бюро медико-социальной экспертизы"
DEPARTURE = "Комиссия учла совокупность нарушений функций организма и данные медицинских документов (нагрузочный тест)"


class BenchClock:
    """The whole run happens on DAY at 07:00 Moscow time: every slot of the day is still ahead, the session day has come."""

    def __init__(self) -> None:
        self.at = datetime(DAY.year, DAY.month, DAY.day, 7, tzinfo=UTC) - MSK

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return (self.at + MSK).date()


# ---------------------------------------------------------------------------------------------- metering

@dataclass
class Sample:
    """One referral: seconds, SQL statements and CPU seconds per stage; seconds of the CPU-bound parts."""

    seconds: dict[str, float] = field(default_factory=dict)
    sql: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    parts: dict[str, float] = field(default_factory=dict)
    completed: bool = False
    outcome: str = ""


class Meter:
    """Per-thread accounting: SQL statements (SQLAlchemy events), the time of verify / sign / render calls, and the time
    transactions stay open ("tx") and hold the audit chain head (from its SELECT … FOR UPDATE to COMMIT: "audit_lock") —
    the one row every writing transaction of the platform takes, so its hold time bounds the rate of the whole system."""

    def __init__(self, engine: Engine) -> None:
        self._local = threading.local()
        event.listen(engine, "before_cursor_execute", self._on_sql)
        event.listen(engine, "begin", self._on_begin)
        event.listen(engine, "commit", self._on_end)
        event.listen(engine, "rollback", self._on_end)

    def _on_sql(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self._local.sql = getattr(self._local, "sql", 0) + 1
        if getattr(self._local, "head_at", None) is None and statement.startswith("SELECT audit_chain_head.id"):
            self._local.head_at = time.perf_counter()

    def _on_begin(self, _conn: Any) -> None:
        self._local.begun_at = time.perf_counter()

    def _on_end(self, _conn: Any) -> None:
        now = time.perf_counter()
        begun, head = getattr(self._local, "begun_at", None), getattr(self._local, "head_at", None)
        self._local.begun_at = self._local.head_at = None
        if begun is not None:
            self.add("tx", now - begun)
            self.add("transactions", 1)
        if head is not None:
            self.add("audit_lock", now - head)
            self.add("audit_locks", 1)

    def statements(self) -> int:
        return int(getattr(self._local, "sql", 0))

    @property
    def sample(self) -> Sample | None:
        return getattr(self._local, "sample", None)

    def begin(self, sample: Sample) -> None:
        self._local.sample = sample

    def add(self, part: str, seconds: float) -> None:
        if (s := self.sample) is not None:
            s.parts[part] = s.parts.get(part, 0.0) + seconds

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        sample = self.sample
        assert sample is not None
        sql0, cpu0, t0 = self.statements(), _cpu(), time.perf_counter()
        yield
        sample.seconds[name] = time.perf_counter() - t0
        sample.cpu[name] = _cpu() - cpu0
        sample.sql[name] = self.statements() - sql0


def _cpu() -> float:
    """CPU seconds of this process and its finished children (openssl). Process-wide: exact only with one worker."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class TimedVerifier:
    def __init__(self, inner: GostCmsVerifier, meter: Meter) -> None:
        self.inner, self.meter = inner, meter

    def verify(self, content: bytes, signature: bytes, *, expected_ogrn: str | None) -> SignatureVerdict:
        t0 = time.perf_counter()
        try:
            return self.inner.verify(content, signature, expected_ogrn=expected_ogrn)
        finally:
            self.meter.add("verify", time.perf_counter() - t0)


class _TimedSigner:
    def __init__(self, inner: GostCmsSigner, meter: Meter) -> None:
        self.inner, self.meter = inner, meter

    def sign(self, content: bytes) -> bytes:
        t0 = time.perf_counter()
        try:
            return self.inner.sign(content)
        finally:
            self.meter.add("sign", time.perf_counter() - t0)


class TimedKeys:
    def __init__(self, inner: DemoStaffKeys, meter: Meter) -> None:
        self.inner, self.meter = inner, meter

    def signer_for(self, user_id: str, full_name: str) -> _TimedSigner:
        return _TimedSigner(self.inner.signer_for(user_id, full_name), self.meter)


# ---------------------------------------------------------------------------------------------- the world

@dataclass
class World:
    engine: Engine
    meter: Meter
    mo: Actor
    registrar: Actor
    experts: list[Actor]
    head: Actor
    slots: list[str]
    keys: TimedKeys
    verifier: TimedVerifier
    refs: IntakeReferences
    fill: dict[str, Any]
    reader: JsonReferralReader = field(default_factory=lambda: JsonReferralReader(max_bytes=2 * 1024 * 1024))
    clock: BenchClock = field(default_factory=BenchClock)
    # The head's documents: in this thread (as the CLI), or a `results.pool.RenderPool` (as `mse serve`; issue 7, P7) —
    # with N processes a decision's four PDFs render side by side. Forked workers (run_processes) render in-thread.
    documents: DocumentBuilder = build_documents

    def uow(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine)


@dataclass(frozen=True)
class Pki:
    roots: Path
    signer: GostCmsSigner
    staff: DemoStaffKeys


def make_pki(directory: Path) -> Pki:
    """The МО's PKI of the HTTP benchmarks (bench/world.py) plus the bureau's demo staff keys (the specialists sign)."""
    base = world.make_pki(directory)
    staff_ca = create_root_ca(directory, name="staff-root", common_name="Демонстрационный УЦ бюро")
    return Pki(base.roots, GostCmsSigner(base.mo.cert, base.mo.key), DemoStaffKeys(directory / "staff", staff_ca))


def signed_referrals(pki: Pki, n: int, *, first: int = 0) -> list[tuple[bytes, bytes]]:
    """n distinct referrals 088/у (bench/world.py's bodies), signed by the МО on both cores."""
    bodies = [world.referral_body(i) for i in range(first, first + n)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(zip(bodies, pool.map(pki.signer.sign, bodies), strict=True))


def protocol_fill() -> dict[str, Any]:
    """The complete adult protocol of bench/protocol (≈250 items), built once (seconds; not timed)."""
    from bench.protocol.run import HELD, full_protocol

    assert HELD == DAY
    return full_protocol(form_in_force("protocol-389n", HELD), icd10().exists)


def build_world(engine: Engine, pki: Pki, fill: dict[str, Any], *, referrals: int) -> World:
    """Bureau tree, the МО, registrar, PANEL experts and the head; rooms and specialists enough for `referrals` slots."""
    clock = BenchClock()
    pairs = max(1, -(-referrals // SLOTS_PER_PAIR))
    with SqlAlchemyUnitOfWork(engine) as uow:
        def unit(kind: UnitKind, name: str, parent: int | None, profile: Profile | None = None) -> tuple[int, str]:
            u = organisation.create_unit(uow, SYSTEM_ACTOR, clock, kind=kind, name=name, short_name=name, parent_id=parent,
                                         region_code=None if kind is UnitKind.FEDERAL else "77", profile=profile)
            return u.id, u.path
        root, _ = unit(UnitKind.FEDERAL, "Федеральное бюро", None)
        main, _ = unit(UnitKind.MAIN, "Главное бюро по г. Москве", root)
        bureau, path = unit(UnitKind.BUREAU, "Бюро № 1", main, Profile.GENERAL)
        mo = organisation.create_medical_org(uow, SYSTEM_ACTOR, clock, name="ГБУЗ «Поликлиника X»", ogrn=OGRN, region_code="77")
        now = clock.now()

        def account(login: str, role: Role, position: Position) -> Actor:
            person = organisation.add_staff(uow, SYSTEM_ACTOR, clock, unit_id=bureau, position=position,
                                            full_name=FullName("Нагрузкин", login, None))
            uid = uow.identity.add_account(login=login, password_hash=None, role=role, display_name=f"Нагрузкин {login}",
                                           now=now, unit_id=bureau, staff_id=person.id)
            return Actor(user_id=uid, login=login, role=role, display_name=f"Нагрузкин {login}", unit_id=bureau, scope_path=path)

        registrar = account("registrar", Role.REGISTRAR, Position.REGISTRAR)
        experts = [account(f"expert{k + 1}", Role.EXPERT, Position.EXPERT) for k in range(PANEL)]
        head = account("head", Role.HEAD, Position.HEAD)
        slots = []
        for k in range(pairs):  # each pair (a specialist, a room) serves one cell of 30 minutes at a time
            staff = organisation.add_staff(uow, SYSTEM_ACTOR, clock, unit_id=bureau, position=Position.EXPERT,
                                           full_name=FullName("Приёмов", f"специалист {k + 1}", None)).id
            room = uow.scheduling.add_room(unit_id=bureau, name=f"{100 + k}", accessible=True)
            uow.scheduling.add_availability(Availability(staff, DAY, 8 * 60, 20 * 60))
            for cell in range(SLOTS_PER_PAIR):
                starts = datetime(DAY.year, DAY.month, DAY.day, 8, tzinfo=UTC) - MSK + timedelta(minutes=30 * cell)
                slots.append(f"{starts.isoformat()}|{staff}|{room}")
        uow.commit()
        refs = IntakeReferences(icd=icd10(), exams=ExamList(uow.intake.exam_requirements()))
    slots.sort()  # by time first: the bureau's day fills up from the morning
    meter = Meter(engine)
    keys = TimedKeys(pki.staff, meter)
    for actor in (*experts, head):  # issue each person's certificate now (openssl ca): not a per-referral cost
        pki.staff.signer_for(str(actor.user_id), actor.display_name)
    mo_actor = Actor(user_id=0, login="mo", role=Role.MEDICAL_ORG, display_name=mo.name, medical_org_id=mo.id, channel="api-token")
    return World(engine, meter, mo_actor, registrar, experts, head, slots, keys, TimedVerifier(GostCmsVerifier(pki.roots), meter),
                 refs, fill)


# ---------------------------------------------------------------------------------------------- one referral

def _build(world: World) -> Callable[[bytes], Sequence[RenderedDocument]]:
    def build(snapshot: bytes) -> Sequence[RenderedDocument]:
        t0 = time.perf_counter()
        try:
            return world.documents(snapshot)
        finally:
            world.meter.add("render", time.perf_counter() - t0)
    return build


def _fill_protocol(world: World, case_id: int) -> None:
    """Open (prefill) and autosave the expert's answers in AUTOSAVES parts, the way the page sends them."""
    clock, expert = world.clock, world.experts[0]
    record = protocols.open_for_case(world.uow, expert, case_id, clock)
    wanted = {k: v for k, v in world.fill.items() if k not in record.data or k in _DECISION_KEYS}
    keys = list(wanted)
    size = -(-len(keys) // AUTOSAVES)
    for part in range(AUTOSAVES + 3):  # + at most 3 passes for items a later answer made applicable again
        chunk = keys[part * size:(part + 1) * size] if part < AUTOSAVES else []
        missing = {k: wanted[k] for k in keys[:part * size] if record.data.get(k) != wanted[k]}
        changes = {**missing, **{k: wanted[k] for k in chunk}}
        if not changes:
            if part >= AUTOSAVES:
                return
            continue
        record = protocols.save_draft(world.uow, expert, record.id, changes, expected_revision=record.revision, clock=clock).record


def _decision_keys() -> frozenset[str]:
    from tests.protocol_support import ADULT_DECISION

    from bench.protocol.run import EXTRA

    return frozenset(ADULT_DECISION) | frozenset(EXTRA) | {"5.age"}


_DECISION_KEYS = _decision_keys()


def drive(world: World, index: int, doc: tuple[bytes, bytes], transport: Transport) -> Sample:
    """Referral `index` from the МО's signed document to the completed case; one Sample of its stages."""
    sample = Sample()
    meter, clock = world.meter, world.clock
    meter.begin(sample)
    body, sig = doc
    with meter.stage("intake"):
        received = receive_referral(world.uow, world.mo, Submission(body, sig, f"p11-{index}.json"), reader=world.reader,
                                    verifier=world.verifier, clock=clock, refs=world.refs)
    referral = received.referral
    if referral.state.value != "received":
        sample.outcome = f"направление не принято: {referral.state.value}"
        return sample
    with meter.stage("registration"), world.uow() as uow:
        case_id = registration.register_referral(uow, world.registrar, referral.id, clock).case_id
    with meter.stage("scheduling"):
        with world.uow() as uow:
            scheduling.schedule(uow, world.registrar, case_id, scheduling.ScheduleInput("20.2", "21.1", world.slots[index]), clock)
        cases.transition(world.uow, world.experts[0], case_id, "session_opened", clock, facts=CaseFacts(panel_size=PANEL))
    with meter.stage("protocol"):
        _fill_protocol(world, case_id)
    icd = world.refs.icd
    icd_exists = icd.exists if icd is not None else None
    with meter.stage("decision"):
        for expert in world.experts:
            decisions.vote(world.uow, expert, case_id, choice=Vote.FOR, opinion=None, position=SPECIALIST, keys=world.keys,
                           clock=clock, icd_exists=icd_exists, departure_reason=DEPARTURE)
    with meter.stage("documents"):
        decisions.issue(world.uow, world.head, case_id, position=HEAD, keys=world.keys, clock=clock, build=_build(world),
                        icd_exists=icd_exists)
    with meter.stage("results"):
        while deliver_due(world.uow, transport, clock, limit=50).claimed:
            pass
    with world.uow() as uow:
        record = uow.cases.get(case_id)
    assert record is not None
    sample.outcome = record.state
    sample.completed = record.state == "completed"
    return sample


# ---------------------------------------------------------------------------------------------- runs

def run_sequential(world: World, docs: Sequence[tuple[bytes, bytes]], indexes: Sequence[int], transport: Transport) -> list[Sample]:
    """One worker: each referral from intake to «completed» before the next one starts."""
    return [drive(world, i, docs[i], transport) for i in indexes]


_FORKED: dict[str, Any] = {}  # what a forked worker inherits: the world (its engine is replaced), the documents, the peer


def _worker_init() -> None:
    from mse.adapters.db.engine import make_engine
    from mse.adapters.delivery import HttpDelivery

    parent: World = _FORKED["world"]
    engine = make_engine(_FORKED["url"])  # never a connection of the parent's pool
    meter = Meter(engine)
    _FORKED["child"] = World(engine, meter, parent.mo, parent.registrar, parent.experts, parent.head, parent.slots,
                             TimedKeys(parent.keys.inner, meter), TimedVerifier(parent.verifier.inner, meter), parent.refs,
                             parent.fill)
    _FORKED["transport"] = HttpDelivery(_FORKED["endpoints"], timeout=10)


def _worker_drive(index: int) -> Sample:
    return drive(_FORKED["child"], index, _FORKED["docs"][index], _FORKED["transport"])


def run_processes(world: World, url: str, docs: Sequence[tuple[bytes, bytes]], indexes: Sequence[int],
                  endpoints: Any, workers: int) -> list[Sample]:
    """`workers` forked processes (WeasyPrint and the pipeline are CPU-bound Python: threads would share one GIL),
    each driving whole referrals; the delivery of one may carry another's messages (the outbox is shared)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _FORKED.update(world=world, url=url, docs=docs, endpoints=endpoints)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker_init) as pool:
            return list(pool.map(_worker_drive, indexes))
    finally:
        _FORKED.clear()
