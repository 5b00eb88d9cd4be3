"""metrics without scans: running totals of the schedulers' work (metric_totals) and partial indexes
over open complaints (covering their SLA state), undelivered messages and unmet breaches, so GET
/metrics reads open rows only (app/metrics.py)

Revision ID: 0013
Revises: 0012

The totals that continue a figure the old scrape computed from the tables start from that figure
(SLA steps fired and their lateness from the events, breaches from their rows, failed send attempts
from the outbox's attempt counts): one pass over those tables here, none at any scrape afterwards.
The counters new in this release (messages sent, given up, breaches withdrawn) start at zero.
A scheduler of the previous release still running between this migration and its restart fires
steps without counting them; restart the schedulers right after migrating (docs/deploy.md).

At 1M complaints and 10M events it took 12-37 s on a busy 2-core machine, nearly all of it reading the
events, which blocks no write; the three index builds come last and hold writes to complaints, the
outbox and breaches for about 1.5 s until the commit (bench/metrics_scrape.py prints the time).
"""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('received', 'triage', 'assigned', 'acknowledged')")
WAITING = sa.text("status IN ('pending', 'failed', 'sending')")
UNMET = sa.text("met_at IS NULL")
LATENESS_BUCKETS = (0, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400)
STEP_KINDS = "('reminded', 'warned', 'breached', 'escalated')"


def _backfill() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        late = "CAST(data ->> 'late_seconds' AS BIGINT)"
    else:
        late = "CAST(json_extract(data, '$.late_seconds') AS INTEGER)"
    # Not cumulative (the scrape sums them); a step without a lateness lands in +Inf only, as before.
    bucket = "CASE " + " ".join(f"WHEN late <= {b} THEN '{b}'" for b in LATENESS_BUCKETS) + " ELSE '+Inf' END"
    steps = f"(SELECT kind, {late} AS late FROM events WHERE kind IN {STEP_KINDS}) AS steps"
    insert = "INSERT INTO metric_totals (name, labels, value) "
    op.execute(insert + f"""SELECT 'sigap_sla_step_lateness_seconds_bucket', 'kind=' || kind || ',le=' || bucket,
            count(*)
        FROM (SELECT kind, {bucket} AS bucket FROM {steps}) AS b GROUP BY kind, bucket""")
    op.execute(insert + f"""SELECT 'sigap_sla_step_lateness_seconds_sum', 'kind=' || kind, COALESCE(SUM(late), 0)
        FROM {steps} GROUP BY kind""")
    op.execute(insert + """SELECT 'sigap_breaches_total', 'kind=' || kind, count(*) FROM breaches GROUP BY kind""")
    op.execute(insert + """SELECT 'sigap_outbox_send_failures_total', 'channel=' || channel, failed FROM (
        SELECT channel, SUM(attempts - CASE WHEN status IN ('sent', 'sending') THEN 1 ELSE 0 END) AS failed
        FROM outbox_messages GROUP BY channel) AS f WHERE failed > 0""")


def upgrade() -> None:
    op.create_table(
        "metric_totals",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("labels", sa.String(length=200), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", "labels", name=op.f("pk_metric_totals")),
    )
    # First the long read (no write waits on it), then the index builds, which hold writes to their
    # tables until the commit: a few seconds at millions of rows.
    _backfill()
    # Plain CREATE INDEX (also on SQLite: no batch table rebuild, which would drop 0008's triggers).
    op.create_index("ix_complaints_open_sla", "complaints", ["status"], unique=False,
                    postgresql_include=["received_at", "triage_due_at", "ack_due_at", "handle_due_at",
                                        "acknowledged_at", "ack_breached", "handle_breached", "sla_fired"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_outbox_messages_waiting", "outbox_messages", ["status", "channel", "created_at"],
                    unique=False, postgresql_where=WAITING, sqlite_where=WAITING)
    op.create_index("ix_breaches_unmet", "breaches", ["kind"], unique=False,
                    postgresql_where=UNMET, sqlite_where=UNMET)


def downgrade() -> None:
    op.drop_index("ix_breaches_unmet", table_name="breaches")
    op.drop_index("ix_outbox_messages_waiting", table_name="outbox_messages")
    op.drop_index("ix_complaints_open_sla", table_name="complaints")
    op.drop_table("metric_totals")
