"""Tables of statistics (issue 7, migration 0010): rollups of the decisions of a year by subject, month, disability
group and case outcome, and the record of each refresh. Counts only — no person, case or document identifiers.
Part of the one `metadata` of tables.py, which imports this module at its end."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from mse.adapters.db.tables import TS, metadata

# One cell of the national year: decisions (status «issued») dated in `year`/`month`, by the subject of the deciding
# unit, the group of item 80 ("80.1"…"80.5", "none" when not recorded) and the case's state at the refresh.
stat_rollups: Table = Table(
    "stat_rollups",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("region_code", String(2), primary_key=True),  # "--" when the unit has no subject
    Column("grp", String(8), primary_key=True),
    Column("outcome", String(32), primary_key=True),
    Column("decisions", Integer, nullable=False),
    Column("percent_sum", Integer, nullable=False),  # of the final percent (outcome.final_percent): average = sum / n
    Column("percent_n", Integer, nullable=False),  # decisions with a final percent
)

# When the rollups of a year were last rebuilt, from how many decisions (the query says «по состоянию на …»).
stat_refreshes: Table = Table(
    "stat_refreshes",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("refreshed_at", TS, nullable=False),
    Column("source_rows", Integer, nullable=False),
    Column("cells", Integer, nullable=False),
    Column("millis", Integer, nullable=False),
)
