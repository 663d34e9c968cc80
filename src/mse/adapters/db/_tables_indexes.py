"""Indexes of issue 7 (migration 0009) on existing tables: person search by a surname with a typo (pg_trgm) and the
deadline sweep (the due dates of open cases). Attached to the tables of the one `metadata` of tables.py, which
imports this module at its end, so `tests/integration/test_migrations.py` compares them with the migrated schema.
"""

from __future__ import annotations

from sqlalchemy import Index, Table, text

from mse.adapters.db.tables import cases, persons

# The states of a closed case (services.scheduling.CLOSED_STATES when migration 0009 was written). A partial index
# holds only the open cases, so the sweep reads the few that are due, not every case ever registered; PostgreSQL
# uses it whenever the query excludes at least these states (it does: `state NOT IN CLOSED_STATES`). SQLite (since
# migration 0014) has the same partial indexes, but its planner matches a partial index only when the query repeats the
# index's terms literally, constants in the same order: the due-items query therefore writes `OPEN_CASES` as this text.
CLOSED_AT_0009 = ("not_accepted", "returned_to_mo", "decided", "documents_issuing", "completed", "superseded", "terminated",
                  "under_appeal", "under_control", "appeal_at_origin", "forwarded_up")
OPEN_CASES = text("state NOT IN (" + ", ".join(f"'{s}'" for s in CLOSED_AT_0009) + ")")

# Covering (migration 0014): the sweep's counts read the bureau, the state and the id (for «no decision issued») from the
# index alone — at 1 M open cases the 70 k due rows otherwise cost as many random heap reads (P9: 1.7 s → ≈ 70 ms).
ix_cases_open_due_decision = Index("ix_cases_open_due_decision", cases.c.due_decision, cases.c.bureau_id, cases.c.state,
                                   postgresql_where=OPEN_CASES, sqlite_where=OPEN_CASES, postgresql_include=["id"])
# Migration 0012: only the open cases still awaiting an invitation (the marker `invited_on` is set by the booking).
AWAITING_INVITATION = text("invited_on IS NULL AND state NOT IN (" + ", ".join(f"'{s}'" for s in CLOSED_AT_0009) + ")")
ix_cases_awaiting_invitation = Index("ix_cases_awaiting_invitation", cases.c.due_invitation, cases.c.bureau_id, cases.c.state,
                                     cases.c.invited_on, postgresql_where=AWAITING_INVITATION, sqlite_where=AWAITING_INVITATION,
                                     postgresql_include=["id"])

# Trigram GIN index for the surname with a typo (PostgreSQL: `%` / `similarity` of pg_trgm), with the first name as a
# second GIN column (btree_gin) so "surname with a typo + name" intersects both inside the index: a common ending
# ("-енко", "-ов") alone matches a large share of the register. SQLite has no trigram index: there it is a plain index
# on the two keys (the repository ranks the distinct surnames itself, repositories/people_search.py); declared for both
# so the schema comparison of tests/integration/test_migrations.py holds on both databases.
ix_persons_surname_key_trgm = Index("ix_persons_surname_key_trgm", persons.c.surname_key, persons.c.name_key,
                                    postgresql_using="gin", postgresql_ops={"surname_key": "gin_trgm_ops"})

INDEXED: tuple[Table, ...] = (cases, persons)
