"""Bulk fillers of the in-process benchmarks P6 (persons) and P9 (open cases): deterministic by seed, streamed with
COPY on PostgreSQL and Core executemany on SQLite, never the ORM row by row. Minimal but schema-consistent rows: what
the search and the sweep read, with realistic proportions (see each function). Not the national generator of
`mse demo generate` (issue 7 item 1): a local, small filler so these benchmarks stand alone.
"""

from __future__ import annotations

import bisect
import itertools
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, insert, select, text

from mse.adapters.db.tables import cases, notifications, org_units, persons
from mse.demo.national.writer import BulkWriter
from mse.domain.values import make_snils, normalize_name

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BATCH = 20_000

# Surnames: syllable roots × the common suffixes, drawn with Zipf-like weights (a few very common, a long tail) —
# about 20 000 distinct male forms and their female forms, as the Russian register has a long tail of surnames.
_SYLL = ("ба", "ва", "го", "да", "же", "зу", "ки", "ло", "ма", "не", "по", "ра", "се", "ту", "фе", "ха", "ца", "че", "ша",
         "бе", "ви", "ду", "ка", "ле", "ми", "но", "пу", "ри", "со", "те", "бо", "лу", "ку", "мо", "ре", "сы", "гу", "де")
_SUFFIX = (("ов", "ова"), ("ев", "ева"), ("ин", "ина"), ("ский", "ская"), ("енко", "енко"), ("ук", "ук"), ("цев", "цева"))
_MALE = ("Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Иван", "Михаил", "Николай", "Владимир", "Евгений",
         "Павел", "Юрий", "Олег", "Виктор", "Игорь", "Пётр", "Артём", "Максим", "Роман", "Константин")
_FEMALE = ("Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Мария", "Анна", "Екатерина", "Галина",
           "Людмила", "Марина", "Юлия", "Валентина", "Надежда", "Любовь", "Алёна", "Ксения", "Дарья", "Вера")
_PATRONYMIC = ("Александрович", "Сергеевич", "Иванович", "Петрович", "Николаевич", "Андреевич", "Викторович", "Юрьевич")


def surname_pool() -> list[tuple[str, str]]:
    """(male, female) forms in the order of their frequency rank: shuffled, so the common ones are not all alike."""
    roots = [a + b for a, b in itertools.product(_SYLL, repeat=2)] + [a + b + c for a, b, c in itertools.product(_SYLL[:12], repeat=3)]
    pool = [(r.capitalize() + m, r.capitalize() + f) for r in roots for m, f in _SUFFIX]
    random.Random(7).shuffle(pool)
    return pool


@dataclass(frozen=True)
class Filled:
    rows: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _copy(engine: Engine, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """The generator's bulk path (COPY on PostgreSQL, one driver executemany on SQLite), in batches, one transaction."""
    it = iter(rows)
    with engine.begin() as conn:
        writer = BulkWriter(conn)
        while batch := list(itertools.islice(it, BATCH)):
            writer.write(table, columns, batch)


def add_bureaus(engine: Engine, n: int = 40) -> list[int]:
    """Bureaus under one main bureau path (/1/<k>/), region 77; returns their ids."""
    with engine.begin() as c:
        first = int(c.execute(text("SELECT COALESCE(MAX(id), 0) FROM org_units")).scalar_one()) + 1
        c.execute(insert(org_units), [{"id": first + k, "kind": "bureau", "name": f"Бюро № {k + 1} (бенчмарк)",
                                       "short_name": f"bench-{first + k}", "region_code": "77", "path": f"/1/{first + k}/"}
                                      for k in range(n)])
        if engine.dialect.name == "postgresql":
            c.execute(text("SELECT setval(pg_get_serial_sequence('org_units', 'id'), (SELECT MAX(id) FROM org_units))"))
    return [first + k for k in range(n)]


# ---- persons (P6) ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonSpec:
    id: int
    surname: str
    name: str
    birth_date: date
    snils: str


def person_rows(n: int, seed: int, bureaus: Sequence[int]) -> Iterator[tuple[Any, ...]]:
    rnd = random.Random(seed)
    pool = surname_pool()
    cum = list(itertools.accumulate(1.0 / (rank + 10) ** 0.9 for rank in range(len(pool))))
    total = cum[-1]
    born0 = date(1930, 1, 1).toordinal()
    for i in range(1, n + 1):
        male = rnd.random() < 0.46
        pair = pool[bisect.bisect_left(cum, rnd.random() * total)]
        surname = pair[0] if male else pair[1]
        name = rnd.choice(_MALE if male else _FEMALE)
        patronymic = rnd.choice(_PATRONYMIC)
        if not male:
            patronymic = patronymic[:-2] + "на"
        born = date.fromordinal(born0 + rnd.randrange(90 * 365))
        yield (i, surname, name, patronymic, normalize_name(surname), normalize_name(name), normalize_name(patronymic), born,
               "male" if male else "female", "rf", make_snils(f"{100_000_000 + i:09d}").digits, False, bureaus[i % len(bureaus)],
               NOW, NOW)


PERSON_COLUMNS = ("id", "surname", "name", "patronymic", "surname_key", "name_key", "patronymic_key", "birth_date", "sex",
                  "citizenship", "snils", "homeless", "bureau_id", "created_at", "updated_at")
PERSON_INDEXES = ("ix_persons_surname_key_trgm", "ix_persons_surname_key_birth_date")


def fill_persons(engine: Engine, n: int, seed: int) -> tuple[Filled, Filled]:
    """n persons; the search indexes are dropped for the load and rebuilt after it (as a bulk import would):
    returns (load, index build) timings."""
    bureaus = add_bureaus(engine)
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as c:
        ddl = {r[0]: r[1] for r in c.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'persons'" if pg else
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'persons' AND sql IS NOT NULL"))}
        for name in PERSON_INDEXES:
            c.execute(text(f"DROP INDEX IF EXISTS {name}"))
    t0 = time.perf_counter()
    _copy(engine, persons, PERSON_COLUMNS, person_rows(n, seed, bureaus))
    load = Filled(n, time.perf_counter() - t0)
    t0 = time.perf_counter()
    with engine.begin() as c:
        if pg:
            c.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for name in PERSON_INDEXES:
            c.execute(text(ddl[name]))
        if pg:
            c.execute(text(f"SELECT setval(pg_get_serial_sequence('persons', 'id'), {n})"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE" if pg else "ANALYZE"))  # the new bureaus too: the planner must know there are 40
    return load, Filled(n, time.perf_counter() - t0)


def sample_persons(engine: Engine, k: int, seed: int) -> list[PersonSpec]:
    """k persons spread over the table (by id), for the queries."""
    with engine.connect() as c:
        top = int(c.execute(text("SELECT MAX(id) FROM persons")).scalar_one())
        ids = random.Random(seed + 1).sample(range(1, top + 1), k)
        rows = c.execute(select(persons.c.id, persons.c.surname, persons.c.name, persons.c.birth_date, persons.c.snils)
                         .where(persons.c.id.in_(ids)))
        out = [PersonSpec(r[0], r[1], r[2], r[3] if isinstance(r[3], date) else date.fromisoformat(str(r[3])), r[4]) for r in rows]
    return sorted(out, key=lambda p: ids.index(p.id))


_LETTERS = "абвгдежзиклмнопрстуфхцчшщыэюя"


def typo(word: str, rnd: random.Random) -> str:
    """One registrar's slip inside the word (never the first letter): a wrong, missing, doubled or swapped letter."""
    if len(word) < 4:
        return word + rnd.choice(_LETTERS)
    i = rnd.randrange(1, len(word) - 1)
    kind = rnd.randrange(4)
    if kind == 0:
        return word[:i] + rnd.choice([c for c in _LETTERS if c != word[i]]) + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


# ---- open cases (P9) ---------------------------------------------------------------------------------------------------

OPEN_STATES = ("registered", "content_check", "awaiting_documents", "scheduled", "in_expertise", "additional_exam")
CASE_COLUMNS = ("id", "number", "registered_on", "bureau_id", "state", "channel", "purposes", "priority_rank", "due_invitation",
                "due_decision", "created_at", "updated_at", "invited_on")


def case_rows(n_open: int, n_closed: int, today: date, seed: int, bureaus: Sequence[int],
              invited: list[int]) -> Iterator[tuple[Any, ...]]:
    """Open cases registered over the last 30 days (0.3 % older: overdue), invitations written for almost all those
    older than two days (their ids appended to `invited`); then closed cases of the past year (they must not count)."""
    rnd = random.Random(seed)
    for i in range(1, n_open + n_closed + 1):
        if i <= n_open:
            age = rnd.randrange(31, 40) if rnd.random() < 0.003 else rnd.randrange(0, 31)
            state = rnd.choice(OPEN_STATES)
            if (age > 2 and rnd.random() < 0.99) or rnd.random() < 0.3:
                invited.append(i)
        else:
            age, state = rnd.randrange(31, 365), "completed"
        registered = today - timedelta(days=age)
        invited_on = registered + timedelta(days=1) if invited and invited[-1] == i else None  # the booking's marker (0012)
        yield (i, f"B-{i:08d}", registered, bureaus[i % len(bureaus)], state, "api_json", ["1"], 0,
               registered + timedelta(days=5), registered + timedelta(days=30), NOW, NOW, invited_on)


def fill_cases(engine: Engine, n_open: int, n_closed: int, today: date, seed: int) -> Filled:
    bureaus = add_bureaus(engine)
    invited: list[int] = []
    t0 = time.perf_counter()
    _copy(engine, cases, CASE_COLUMNS, case_rows(n_open, n_closed, today, seed, bureaus, invited))
    _copy(engine, notifications, ("case_id", "event", "channel", "created_at"), ((i, "invitation", "epgu", NOW) for i in invited))
    pg = engine.dialect.name == "postgresql"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        if pg:
            c.execute(text(f"SELECT setval(pg_get_serial_sequence('cases', 'id'), {n_open + n_closed})"))
        c.execute(text("VACUUM ANALYZE" if pg else "ANALYZE"))
    return Filled(n_open + n_closed + len(invited), time.perf_counter() - t0)
