"""`generate(engine, scale=…, seed=…)`: one synthetic national year written in bulk, chunk by chunk.

Deterministic: the same seed, scale and year on an empty database give identical rows (ids included); every random
draw comes from an RNG seeded by (seed, stage, chunk). Each chunk is one transaction: persons, then referrals with
their cases and history, then protocols and decisions; PostgreSQL sequences are moved past the ids written.

Next to `mse demo load`: the generated tree hangs under the same Federal bureau (created here when absent) and every
generated unit and organisation is marked «(синт.)»; nothing of the demo slice is touched. Loading the demo AFTER a
generation is a no-op (it sees the Federal bureau) — load the demo first when you want its accounts. A second
generation into the same database is refused (`created=False`): use a fresh database for another seed or scale.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, Table, insert, select

from mse.adapters.calendar_ru import RussianCalendar
from mse.adapters.db import tables as t
from mse.adapters.db.uow import SqlAlchemyUnitOfWork
from mse.demo.national import cases as cs
from mse.demo.national import outcomes as oc
from mse.demo.national import persons as ps
from mse.demo.national import tree as tr
from mse.demo.national.plan import CHILD_MAX_AGE, REGION_POPULATION, SAME_PERSON_SHARE, Plan, make_plan
from mse.demo.national.writer import BulkWriter
from mse.domain.identity import SYSTEM_ACTOR
from mse.domain.ports import SystemClock
from mse.services import audit

Progress = Callable[[str, int, int], None]
CHUNK = 5_000

STAGE_TREE = "Учреждения МСЭ и медицинские организации"
STAGE_PERSONS = "Граждане (документы, адреса)"
STAGE_CASES = "Направления, дела и их история"
STAGE_OUTCOMES = "Протоколы и решения"
STAGES = (STAGE_TREE, STAGE_PERSONS, STAGE_CASES, STAGE_OUTCOMES)

_ID_TABLES = (t.org_units, t.medical_orgs, t.staff, t.persons, t.person_documents, t.person_addresses, t.incoming_documents,
              t.referrals, t.cases, t.case_history, t.protocols, t.decisions)


@dataclass
class GenerateSummary:
    created: bool
    scale: float
    seed: int
    year: int
    rows: dict[str, int] = field(default_factory=dict)  # table → rows written
    seconds: dict[str, float] = field(default_factory=dict)  # stage → seconds (drawing + writing)
    stage_rows: dict[str, int] = field(default_factory=dict)  # stage → rows written
    total_seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def rate(self, stage: str) -> float:
        s = self.seconds.get(stage, 0.0)
        return self.stage_rows.get(stage, 0) / s if s else 0.0


def already_generated(conn: Connection) -> bool:
    q = select(t.org_units.c.id).where(t.org_units.c.short_name.endswith(tr.SYNTHETIC_MARK)).limit(1)
    return conn.execute(q).first() is not None


def workdays(year: int) -> list[date]:
    """The working days of the year by the production calendar (holidays.Russia; no administrator overrides)."""
    calendar = RussianCalendar()
    day, out = date(year, 1, 1), []
    while day.year == year:
        if calendar.is_working_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out


class _Run:
    def __init__(self, plan: Plan, conn: Connection, progress: Progress) -> None:
        self.plan, self.conn, self.report = plan, conn, progress
        self.w = BulkWriter(conn)
        self.summary = GenerateSummary(True, plan.scale, plan.seed, plan.year)
        self.next = {tb.name: self.w.next_id(tb) for tb in _ID_TABLES}
        self.counters = cs.Counters(self.next["incoming_documents"], self.next["referrals"], self.next["cases"],
                                    self.next["case_history"])

    def write(self, stage: str, table: Table, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
        n = self.w.write(table, columns, rows)
        self.summary.rows[table.name] = self.summary.rows.get(table.name, 0) + n
        self.summary.stage_rows[stage] = self.summary.stage_rows.get(stage, 0) + n

    def timed(self, stage: str, started: float) -> None:
        self.summary.seconds[stage] = self.summary.seconds.get(stage, 0.0) + time.perf_counter() - started

    def sync(self) -> None:
        for tb in _ID_TABLES:
            self.w.sync_sequence(tb)


def generate(engine: Engine, *, scale: float, seed: int = 2026, year: int = 2025, progress: Progress | None = None,
             chunk: int = CHUNK) -> GenerateSummary:
    plan = make_plan(scale, seed=seed, year=year)
    report: Progress = progress or (lambda _s, _d, _t: None)
    began = time.perf_counter()
    with engine.connect() as conn:
        if already_generated(conn):
            return GenerateSummary(False, scale, seed, year)
        run = _Run(plan, conn, report)
        tree, region_names = _tree(run, conn)
        conn.commit()
        _chunks(run, tree, region_names, chunk)
        _counters(conn, run.counters.journal, year)
        conn.commit()
    with SqlAlchemyUnitOfWork(engine) as uow:
        audit.record(uow, SYSTEM_ACTOR, "demo.generate", "national_load", None, SystemClock(),
                     details={"scale": scale, "seed": seed, "year": year, "rows": run.summary.rows})
        uow.commit()
    run.summary.total_seconds = time.perf_counter() - began
    return run.summary


def _tree(run: _Run, conn: Connection) -> tuple[tr.TreeRows, dict[str, str]]:
    started = time.perf_counter()
    plan = run.plan
    region_names = {r.code: r.name for r in conn.execute(select(t.regions).order_by(t.regions.c.code))
                    if r.code in REGION_POPULATION}
    root = conn.execute(select(t.org_units.c.id, t.org_units.c.path).where(t.org_units.c.parent_id.is_(None),
                                                                           t.org_units.c.kind == "federal")
                        .order_by(t.org_units.c.id).limit(1)).first()
    taken_ogrn = set(conn.execute(select(t.medical_orgs.c.ogrn)).scalars())
    now = datetime(plan.year, 1, 1, 6, 0, tzinfo=UTC)
    maker = ps.PersonMaker(random.Random(f"{plan.seed}:staff"), ps.SnilsSource(plan.seed), year=plan.year, now=now,
                           region_names=region_names)
    rows = tr.build_tree(root=(root.id, root.path) if root else None, next_unit=run.next["org_units"],
                         next_org=run.next["medical_orgs"], next_staff=run.next["staff"], region_names=region_names,
                         bureaus=plan.bureaus_by_region, compositions=plan.compositions_by_region,
                         orgs=plan.medical_orgs_by_region, rng=random.Random(f"{plan.seed}:tree"), people=maker,
                         taken_ogrn=taken_ogrn)
    run.write(STAGE_TREE, t.org_units, tr.UNIT_COLUMNS, rows.units)
    run.write(STAGE_TREE, t.medical_orgs, tr.ORG_COLUMNS, rows.orgs)
    run.write(STAGE_TREE, t.staff, tr.STAFF_COLUMNS, rows.staff)
    run.sync()
    run.timed(STAGE_TREE, started)
    run.report(STAGE_TREE, 1, 1)
    return rows, region_names


def _chunks(run: _Run, tree: tr.TreeRows, region_names: dict[str, str], size: int) -> None:
    plan = run.plan
    regions = {ru.code: ru for ru in tree.regions}
    codes = list(regions)
    weights = [REGION_POPULATION[c] for c in codes]
    ogrn = {int(str(o[0])): str(o[2]) for o in tree.orgs}
    taken = set(run.conn.execute(select(t.persons.c.snils).where(t.persons.c.snils.is_not(None))).scalars())
    snils = ps.SnilsSource(plan.seed, taken)
    days = workdays(plan.year)
    next_person, next_doc, next_addr = run.next["persons"], run.next["person_documents"], run.next["person_addresses"]
    outcomes = oc.OutcomeMaker(random.Random(0), next_protocol=run.next["protocols"], next_decision=run.next["decisions"])
    total = plan.referrals
    for start in range(0, total, size):
        n = min(size, total - start)
        rng = random.Random(f"{plan.seed}:chunk:{start // size}")

        def home(code: str, age: int, rng: random.Random = rng) -> tuple[int, int]:
            ru = regions[code]
            child = age <= CHILD_MAX_AGE
            bureau = rng.choice(ru.child_bureaus if child and ru.child_bureaus and rng.random() < 0.85 else ru.adult_bureaus)
            return bureau, rng.choice(ru.child_orgs if child and ru.child_orgs else ru.adult_orgs)

        # persons: a few referrals are a second one of a person met earlier in the chunk
        started = time.perf_counter()
        repeat = [i > 0 and rng.random() < SAME_PERSON_SHARE for i in range(n)]
        fresh = repeat.count(False)
        homes = rng.choices(codes, weights=weights, k=fresh)
        maker = ps.PersonMaker(rng, snils, year=plan.year, now=datetime.combine(days[start * len(days) // total],
                                                                                   datetime.min.time(), tzinfo=UTC),
                               region_names=region_names)
        batch = maker.batch(range(next_person, next_person + fresh), next_doc, next_addr, homes, home)
        next_person, next_doc, next_addr = next_person + fresh, next_doc + fresh, next_addr + fresh
        run.write(STAGE_PERSONS, t.persons, ps.PERSON_COLUMNS, batch.persons)
        run.write(STAGE_PERSONS, t.person_documents, ps.DOCUMENT_COLUMNS, batch.documents)
        run.write(STAGE_PERSONS, t.person_addresses, ps.ADDRESS_COLUMNS, batch.addresses)
        run.timed(STAGE_PERSONS, started)
        run.report(STAGE_PERSONS, start + n, total)

        started = time.perf_counter()
        rows = cs.CaseRows()
        maker_cases = cs.CaseMaker(rng, run.counters, year=plan.year, workdays=days, total=total, regions=regions, ogrn=ogrn)
        k = 0
        for i in range(n):
            person = batch.facts[rng.randrange(k)] if repeat[i] else batch.facts[k]
            k += 0 if repeat[i] else 1
            maker_cases.referral(rows, start + i, person, person.source_org_id)
        run.write(STAGE_CASES, t.incoming_documents, cs.INCOMING_COLUMNS, rows.incoming)
        run.write(STAGE_CASES, t.cases, cs.CASE_COLUMNS, rows.cases)
        run.write(STAGE_CASES, t.case_history, cs.HISTORY_COLUMNS, rows.history)
        run.write(STAGE_CASES, t.referrals, cs.REFERRAL_COLUMNS, rows.referrals)
        run.timed(STAGE_CASES, started)
        run.report(STAGE_CASES, start + n, total)

        started = time.perf_counter()
        outcomes.rng = rng
        done = oc.OutcomeRows()
        for exam in rows.exams:
            outcomes.add(done, exam)
        run.write(STAGE_OUTCOMES, t.protocols, oc.PROTOCOL_COLUMNS, done.protocols)
        run.write(STAGE_OUTCOMES, t.decisions, oc.DECISION_COLUMNS, done.decisions)
        run.sync()
        run.conn.commit()
        run.timed(STAGE_OUTCOMES, started)
        run.report(STAGE_OUTCOMES, start + n, total)


def _counters(conn: Connection, journal: dict[int, int], year: int) -> None:
    """The registration journal continues after the generated numbers (registration.py numbers `{unit}-{seq}/{year}`)."""
    if journal:
        conn.execute(insert(t.registration_counters), [{"bureau_id": u, "year": year, "last": n} for u, n in sorted(journal.items())])
