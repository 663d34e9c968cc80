"""Case life-cycle: history, deadlines, suspensions (issue 6).

`cases` gets the regime in force at registration (process.md §0.2) and the form of conducting (§3.2);
`case_history` gets the event of the transition table, the actor's role and the facts it was judged on.
Domain events go to the outbox (recipient `internal`), so no table of their own.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regime', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('form_of_conducting', sa.String(length=24), nullable=True))

    with op.batch_alter_table('case_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('actor_role', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))

    # ПП 588 (05.04.2022) applies from 01.07.2022: cases registered before keep the legacy regime (AR, ПП 95).
    op.execute("UPDATE cases SET regime = CASE WHEN registered_on >= '2022-07-01' THEN 'current' ELSE 'legacy' END")


def downgrade() -> None:
    with op.batch_alter_table('case_history', schema=None) as batch_op:
        batch_op.drop_column('details')
        batch_op.drop_column('actor_role')
        batch_op.drop_column('event')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('form_of_conducting')
        batch_op.drop_column('regime')
