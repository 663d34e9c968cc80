"""The deadline sweep's due-date indexes become covering, and partial on SQLite too (issue 7, bench P9).

Plain on SQLite since 0009, the index on `due_decision` also held every closed case of the past years — all of them
"due" long ago — so the range scan of the sweep read the whole closed history and checked each row's state: with the
index the sweep was slower than without it (P9 at 1 M open cases: 6.9 s against 2.9 s). Partial, it holds only the open
cases, as on PostgreSQL. SQLite uses a partial index only when the query repeats its terms literally; the due-items
query writes them with the same constants in the same order (adapters/db/_tables_indexes.py).

Covering: the sweep counts the due items per bureau from the index alone (due date, bureau, state; the id — INCLUDE on
PostgreSQL, the rowid on SQLite — for «no decision issued»). At 1 M open cases the ~70 k due rows otherwise cost as many
random heap reads, scattered over the whole table (P9 on PostgreSQL: ~310 ms of 330 ms of the counting query).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy (a migration never imports the application): the closed states at 0009, in the order of 0009/0012.
CLOSED = ("not_accepted", "returned_to_mo", "decided", "documents_issuing", "completed", "superseded", "terminated",
          "under_appeal", "under_control", "appeal_at_origin", "forwarded_up")
OPEN_CASES = "state NOT IN (" + ", ".join(f"'{s}'" for s in CLOSED) + ")"
AWAITING = "invited_on IS NULL AND " + OPEN_CASES
INDEXES = (("ix_cases_open_due_decision", ["due_decision", "bureau_id", "state"], OPEN_CASES),
           ("ix_cases_awaiting_invitation", ["due_invitation", "bureau_id", "state", "invited_on"], AWAITING))
BEFORE = {"ix_cases_open_due_decision": ["due_decision"], "ix_cases_awaiting_invitation": ["due_invitation"]}


def upgrade() -> None:
    for name, columns, where in INDEXES:
        op.drop_index(name, table_name='cases')
        op.create_index(name, 'cases', columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where),
                        postgresql_include=["id"])


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, _, where in INDEXES:
        op.drop_index(name, table_name='cases')
        op.create_index(name, 'cases', BEFORE[name], **({"postgresql_where": sa.text(where)} if postgres else {}))
