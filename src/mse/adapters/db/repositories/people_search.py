"""The surname with a typo: trigram similarity, as PostgreSQL's pg_trgm computes it, on both databases.

PostgreSQL: `surname_key % :q` (the GIN index ix_persons_surname_key_trgm of migration 0009; the threshold is the
transaction's `pg_trgm.similarity_threshold`, set to THRESHOLD) ranked by `similarity()`. SQLite has no trigram index: the
distinct surname keys (an index-only scan) are scored here with the same formula and threshold, and the persons are
then selected by those keys — the same hits as on PostgreSQL, at a cost that grows with the number of distinct
surnames (fine for the bureau-sized databases SQLite serves).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, false, func, literal, select

from mse.adapters.db.tables import persons

# Lower than pg_trgm's default 0.3: one swapped or wrong letter in a six-letter surname leaves 0.27 (3 of 11 trigrams
# differ), and the registrar's typo must still find the person; the first name narrows the candidates in the index.
THRESHOLD = 0.25
MAX_KEYS = 500  # SQLite: at most this many most similar surnames enter the IN list
_WORD = re.compile(r"[^\W_]+")  # pg_trgm: words are runs of alphanumeric characters


def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigram set: each word lower-cased, padded with two spaces in front and one behind."""
    out: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        out.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return frozenset(out)


def similarity(a: str, b: str) -> float:
    ta, tb = trigrams(a), trigrams(b)
    union = len(ta | tb)
    return len(ta & tb) / union if union else 0.0


def fuzzy_surname(conn: Connection, key: str) -> tuple[ColumnElement[bool], ColumnElement[Any]]:
    """(predicate, rank expression, higher is more similar) for the normalised surname `key` with a possible typo."""
    col = persons.c.surname_key
    if conn.dialect.name == "postgresql":
        # `%` compares with pg_trgm.similarity_threshold; set for this transaction only (set_config(..., true)).
        conn.execute(select(func.set_config("pg_trgm.similarity_threshold", str(THRESHOLD), True)))
        return col.op("%")(key), func.similarity(col, key)
    grams = trigrams(key)
    scored: list[tuple[float, str]] = []
    for (candidate,) in conn.execute(select(col).distinct()):
        other = trigrams(candidate)
        union = len(grams | other)
        score = len(grams & other) / union if union else 0.0
        if score >= THRESHOLD:
            scored.append((score, candidate))
    if not scored:
        return false(), literal(0.0)
    best = sorted(scored, key=lambda s: (-s[0], s[1]))[:MAX_KEYS]
    return col.in_([k for _, k in best]), case({k: s for s, k in best}, value=col, else_=0.0)
