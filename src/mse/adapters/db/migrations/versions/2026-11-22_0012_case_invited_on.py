"""The day a case's invitation was written (DL-04 met) kept on the case row (issue 7, bench P9).

The deadline sweep asked, for every open case, whether an invitation notification or an appointment existed: with
most open cases past their invitation date that was a check of nearly every case against every invitation ever
written. The booking now marks the case in its own transaction, and a partial index holds only the open cases still
awaiting an invitation. Existing cases are back-filled from their appointments and invitation notifications.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy (a migration never imports the application): the closed states at 0009/0012.
CLOSED = ("not_accepted", "returned_to_mo", "decided", "documents_issuing", "completed", "superseded", "terminated",
          "under_appeal", "under_control", "appeal_at_origin", "forwarded_up")
AWAITING = "invited_on IS NULL AND state NOT IN (" + ", ".join(f"'{s}'" for s in CLOSED) + ")"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_on', sa.Date(), nullable=True))
    # Back-fill: the first appointment or invitation notification of each case (dates in UTC are close enough for a
    # marker whose only use is «an invitation exists»).
    op.execute("""
        UPDATE cases SET invited_on = (
            SELECT MIN(d) FROM (
                SELECT CAST(a.created_at AS DATE) AS d FROM appointments a WHERE a.case_id = cases.id
                UNION ALL
                SELECT CAST(n.created_at AS DATE) AS d FROM notifications n WHERE n.case_id = cases.id AND n.event = 'invitation'
            ) AS invited)
        WHERE invited_on IS NULL""")
    op.drop_index('ix_cases_open_due_invitation', table_name='cases')
    where = {"postgresql_where": sa.text(AWAITING)} if postgres else {}
    op.create_index('ix_cases_awaiting_invitation', 'cases', ['due_invitation'], **where)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index('ix_cases_awaiting_invitation', table_name='cases')
    where = {"postgresql_where": sa.text("state NOT IN (" + ", ".join(f"'{s}'" for s in CLOSED) + ")")} if postgres else {}
    op.create_index('ix_cases_open_due_invitation', 'cases', ['due_invitation'], **where)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('invited_on')
