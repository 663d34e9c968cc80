"""Reference data: the 89 subjects of the Russian Federation (refdata/subjects_rf.csv).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import csv
from collections.abc import Sequence
from importlib.resources import files

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

regions = sa.table("regions", sa.column("code", sa.String), sa.column("name", sa.String))


def upgrade() -> None:
    text = files("mse.refdata").joinpath("subjects_rf.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) == 89, f"expected 89 subjects, got {len(rows)}"
    op.bulk_insert(regions, rows)


def downgrade() -> None:
    op.execute(regions.delete())
