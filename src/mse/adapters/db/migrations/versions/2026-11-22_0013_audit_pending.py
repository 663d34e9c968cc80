"""Audit events awaiting their place in the hash chain (issue 7, P11; docs/adr/0005-deferred-audit-chaining.md).

Every committing transaction locked the one-row chain head to append its events: ~29 ms of the head per referral on
PostgreSQL, so no more than ≈34 referrals/s for the whole country. Transactions now write their events to
`audit_pending` (no lock); the sealer chains them into `audit_events` in batches. Rows are only inserted and deleted
(by the sealer): an UPDATE is refused by a trigger, as on `audit_events`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_pending',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_login', sa.String(length=100), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_kind', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_pending'))
    )
    # A recorded event is never edited, chained or not (the sealer inserts its copy and deletes the pending row).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_pending_no_update() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'audit_pending is insert-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_pending_no_change BEFORE UPDATE ON audit_pending"
            " FOR EACH ROW EXECUTE FUNCTION audit_pending_no_update()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending"
            " BEGIN SELECT RAISE(ABORT, 'audit_pending is insert-only'); END"
        )


def downgrade() -> None:
    # Events still waiting would be lost with the table: they must be chained first (`mse audit seal`).
    waiting = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM audit_pending")).scalar_one()
    if waiting:
        raise RuntimeError(f"audit_pending holds {waiting} events not yet chained: run `mse audit seal` before downgrading")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_pending_no_change ON audit_pending")
        op.execute("DROP FUNCTION IF EXISTS audit_pending_no_update()")
    op.drop_table('audit_pending')
