"""Indexes for person search (pg_trgm on PostgreSQL) and the deadline sweep (issue 7).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy (a migration never imports the application): the closed states of services.scheduling at 0009.
CLOSED = ("not_accepted", "returned_to_mo", "decided", "documents_issuing", "completed", "superseded", "terminated",
          "under_appeal", "under_control", "appeal_at_origin", "forwarded_up")
OPEN_CASES = "state NOT IN (" + ", ".join(f"'{s}'" for s in CLOSED) + ")"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    where = {"postgresql_where": sa.text(OPEN_CASES)} if postgres else {}
    # The deadline sweep: open cases by due date (partial on PostgreSQL — closed cases never enter the index).
    op.create_index('ix_cases_open_due_decision', 'cases', ['due_decision'], **where)
    op.create_index('ix_cases_open_due_invitation', 'cases', ['due_invitation'], **where)
    if postgres:
        # Person search by a surname with a typo: trigram similarity over the normalised surname (pg_trgm), the first
        # name as a second GIN column (btree_gin) so both narrow the candidates inside the index. Both are contrib.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        op.create_index('ix_persons_surname_key_trgm', 'persons', ['surname_key', 'name_key'], postgresql_using='gin',
                        postgresql_ops={'surname_key': 'gin_trgm_ops'})
    else:  # SQLite: no trigram index; a plain one under the same name (the schema stays comparable)
        op.create_index('ix_persons_surname_key_trgm', 'persons', ['surname_key', 'name_key'])

def downgrade() -> None:
    op.drop_index('ix_persons_surname_key_trgm', table_name='persons')  # pg_trgm stays: dropping needs more rights
    op.drop_index('ix_cases_open_due_invitation', table_name='cases')
    op.drop_index('ix_cases_open_due_decision', table_name='cases')
