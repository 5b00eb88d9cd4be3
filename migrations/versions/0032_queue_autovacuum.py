"""the rollup queue vacuumed and analysed by row count, not by a fraction of its size

Revision ID: 0032
Revises: 0031

performance_pending is a queue: every change to a complaint adds a row, the performance_rollup
job takes them out. PostgreSQL's default autovacuum waits for 20 % of the rows it last counted to
change; after a burst or a backfill it counted millions, so for a long while the planner still
believed the drained queue held them and every year's report read the dead pages (seconds at 10M
complaints, docs/scaling.md). Fixed thresholds keep its statistics within a few thousand rows of
the truth. SQLite: nothing to do.
"""
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

QUEUE = "performance_pending"
SETTINGS = ("autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, "
            "autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {QUEUE} SET ({SETTINGS})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {QUEUE} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
                   "autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)")
