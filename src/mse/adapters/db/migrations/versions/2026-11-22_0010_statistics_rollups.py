"""Statistics rollups (issue 7): decisions of a year by subject × month × disability group × case outcome
(`stat_rollups`), and when each year was last refreshed (`stat_refreshes`). Counts only, no personal data.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('stat_rollups',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('grp', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('decisions', sa.Integer(), nullable=False),
    sa.Column('percent_sum', sa.Integer(), nullable=False),
    sa.Column('percent_n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', 'month', 'region_code', 'grp', 'outcome', name=op.f('pk_stat_rollups'))
    )
    op.create_table('stat_refreshes',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source_rows', sa.Integer(), nullable=False),
    sa.Column('cells', sa.Integer(), nullable=False),
    sa.Column('millis', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_stat_refreshes'))
    )


def downgrade() -> None:
    op.drop_table('stat_refreshes')
    op.drop_table('stat_rollups')
