"""performance rollups: frozen facts of closed complaints, monthly rollups, and the triggers
that queue a closed complaint whenever something its figures depend on changes

Revision ID: 0008
Revises: 0007

SQLite note: a batch migration that recreates complaints, breaches, events, agencies or
jurisdictions drops their triggers; such a migration must create them again (TRIGGERS_SQLITE).
"""
from alembic import op
import sqlalchemy as sa
import app.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

QUEUE = "INSERT INTO performance_pending (complaint_id)"
CLOSED_OF = "(SELECT status FROM complaints WHERE id = {}) = 'closed'"

TRIGGERS_SQLITE = [
    f"""CREATE TRIGGER complaints_performance_insert AFTER INSERT ON complaints WHEN NEW.status = 'closed'
        BEGIN {QUEUE} VALUES (NEW.id); END""",
    f"""CREATE TRIGGER complaints_performance_update AFTER UPDATE ON complaints
        WHEN NEW.status = 'closed' OR OLD.status = 'closed'
        BEGIN {QUEUE} VALUES (OLD.id); {QUEUE} SELECT NEW.id WHERE NEW.id <> OLD.id; END""",
    f"""CREATE TRIGGER complaints_performance_delete AFTER DELETE ON complaints WHEN OLD.status = 'closed'
        BEGIN {QUEUE} VALUES (OLD.id); END""",
    f"""CREATE TRIGGER breaches_performance_insert AFTER INSERT ON breaches WHEN {CLOSED_OF.format('NEW.complaint_id')}
        BEGIN {QUEUE} VALUES (NEW.complaint_id); END""",
    f"""CREATE TRIGGER breaches_performance_update AFTER UPDATE ON breaches
        WHEN {CLOSED_OF.format('NEW.complaint_id')} OR {CLOSED_OF.format('OLD.complaint_id')}
        BEGIN {QUEUE} VALUES (OLD.complaint_id); {QUEUE} SELECT NEW.complaint_id WHERE NEW.complaint_id <> OLD.complaint_id; END""",
    f"""CREATE TRIGGER breaches_performance_delete AFTER DELETE ON breaches WHEN {CLOSED_OF.format('OLD.complaint_id')}
        BEGIN {QUEUE} VALUES (OLD.complaint_id); END""",
    f"""CREATE TRIGGER events_performance_insert AFTER INSERT ON events
        WHEN NEW.kind IN ('transferred', 'assigned') AND {CLOSED_OF.format('NEW.complaint_id')}
        BEGIN {QUEUE} VALUES (NEW.complaint_id); END""",
    f"""CREATE TRIGGER agencies_performance_code AFTER UPDATE OF code ON agencies WHEN OLD.code IS NOT NEW.code
        BEGIN {QUEUE} SELECT id FROM complaints WHERE status = 'closed'; END""",
    f"""CREATE TRIGGER jurisdictions_performance_timezone AFTER UPDATE OF timezone ON jurisdictions
        WHEN OLD.timezone IS NOT NEW.timezone
        BEGIN {QUEUE} SELECT id FROM complaints WHERE status = 'closed' AND jurisdiction_id = NEW.id; END""",
]

# PostgreSQL: row-level triggers whose WHEN clause is tested before any call, so inserting or
# updating a complaint that is not (and was not) closed does no work at all (intake, lifecycle).
TRIGGERS_PG = [
    f"""CREATE FUNCTION performance_queue_complaint() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN {QUEUE} VALUES (OLD.id); END IF;
          IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.id <> OLD.id) THEN {QUEUE} VALUES (NEW.id); END IF;
          RETURN NULL;
        END $$""",
    """CREATE TRIGGER complaints_performance_insert AFTER INSERT ON complaints FOR EACH ROW
        WHEN (NEW.status = 'closed') EXECUTE FUNCTION performance_queue_complaint()""",
    """CREATE TRIGGER complaints_performance_update AFTER UPDATE ON complaints FOR EACH ROW
        WHEN (NEW.status = 'closed' OR OLD.status = 'closed') EXECUTE FUNCTION performance_queue_complaint()""",
    """CREATE TRIGGER complaints_performance_delete AFTER DELETE ON complaints FOR EACH ROW
        WHEN (OLD.status = 'closed') EXECUTE FUNCTION performance_queue_complaint()""",
    f"""CREATE FUNCTION performance_queue_breach() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' AND {CLOSED_OF.format('OLD.complaint_id')} THEN {QUEUE} VALUES (OLD.complaint_id); END IF;
          IF TG_OP <> 'DELETE' AND {CLOSED_OF.format('NEW.complaint_id')} THEN {QUEUE} VALUES (NEW.complaint_id); END IF;
          RETURN NULL;
        END $$""",
    """CREATE TRIGGER breaches_performance AFTER INSERT OR UPDATE OR DELETE ON breaches
        FOR EACH ROW EXECUTE FUNCTION performance_queue_breach()""",
    f"""CREATE FUNCTION performance_queue_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF {CLOSED_OF.format('NEW.complaint_id')} THEN {QUEUE} VALUES (NEW.complaint_id); END IF;
          RETURN NULL;
        END $$""",
    """CREATE TRIGGER events_performance_insert AFTER INSERT ON events FOR EACH ROW
        WHEN (NEW.kind IN ('transferred', 'assigned')) EXECUTE FUNCTION performance_queue_event()""",
    f"""CREATE FUNCTION performance_queue_agency() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {QUEUE} SELECT id FROM complaints WHERE status = 'closed'; RETURN NULL; END $$""",
    """CREATE TRIGGER agencies_performance_code AFTER UPDATE OF code ON agencies FOR EACH ROW
        WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION performance_queue_agency()""",
    f"""CREATE FUNCTION performance_queue_jurisdiction() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {QUEUE} SELECT id FROM complaints WHERE status = 'closed' AND jurisdiction_id = NEW.id;
        RETURN NULL; END $$""",
    """CREATE TRIGGER jurisdictions_performance_timezone AFTER UPDATE OF timezone ON jurisdictions FOR EACH ROW
        WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION performance_queue_jurisdiction()""",
]
# (the first three: an unreleased draft of this revision used statement-level triggers)
PG_FUNCTIONS = ("performance_queue_inserted", "performance_queue_updated", "performance_queue_deleted",
                "performance_queue_complaint", "performance_queue_breach", "performance_queue_event",
                "performance_queue_agency", "performance_queue_jurisdiction")
TRIGGERS = (("complaints", "complaints_performance_insert"), ("complaints", "complaints_performance_update"),
            ("complaints", "complaints_performance_delete"), ("breaches", "breaches_performance_insert"),
            ("breaches", "breaches_performance_update"), ("breaches", "breaches_performance_delete"),
            ("breaches", "breaches_performance"), ("events", "events_performance_insert"),
            ("agencies", "agencies_performance_code"), ("jurisdictions", "jurisdictions_performance_timezone"))


def upgrade() -> None:
    op.create_table(
        "performance_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_pending")),
    )
    with op.batch_alter_table("performance_pending", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_pending_complaint_id"), ["complaint_id"], unique=False)
    op.create_table(
        "performance_facts",
        sa.Column("complaint_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("handle_due_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("official_from_head", sa.Boolean(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("ack_s", sa.Integer(), nullable=True),
        sa.Column("handle_s", sa.Integer(), nullable=True),
        sa.Column("ack_bucket", sa.Integer(), nullable=True),
        sa.Column("handle_bucket", sa.Integer(), nullable=True),
        sa.Column("handled", sa.Boolean(), nullable=False),
        sa.Column("handled_on_time", sa.Boolean(), nullable=False),
        sa.Column("handled_late", sa.Boolean(), nullable=False),
        sa.Column("ack_on_time", sa.Boolean(), nullable=False),
        sa.Column("ack_late", sa.Boolean(), nullable=False),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_performance_facts")),
    )
    with op.batch_alter_table("performance_facts", schema=None) as batch_op:
        batch_op.create_index("ix_performance_facts_due", ["jurisdiction_id", "handle_due_at"], unique=False)
        batch_op.create_index("ix_performance_facts_ack_bucket", ["ack_bucket"], unique=False)
        batch_op.create_index("ix_performance_facts_handle_bucket", ["handle_bucket"], unique=False)
    op.create_table(
        "performance_breach_facts",
        sa.Column("breach_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("handle_due_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("notify_failed", sa.Boolean(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("breach_id", name=op.f("pk_performance_breach_facts")),
    )
    with op.batch_alter_table("performance_breach_facts", schema=None) as batch_op:
        batch_op.create_index("ix_performance_breach_facts_due", ["jurisdiction_id", "handle_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_performance_breach_facts_complaint_id"), ["complaint_id"], unique=False)
    op.create_table(
        "performance_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("dim", sa.String(length=12), nullable=False),
        sa.Column("key_a", sa.Integer(), nullable=True),
        sa.Column("key_b", sa.Integer(), nullable=True),
        sa.Column("key_c", sa.Boolean(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("handled_on_time", sa.Integer(), nullable=False),
        sa.Column("handled_late", sa.Integer(), nullable=False),
        sa.Column("ack_on_time", sa.Integer(), nullable=False),
        sa.Column("ack_late", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_rollups")),
    )
    with op.batch_alter_table("performance_rollups", schema=None) as batch_op:
        batch_op.create_index("ix_performance_rollups_month", ["jurisdiction_id", "month", "dim", "kind"], unique=False)
    for statement in TRIGGERS_PG if op.get_bind().dialect.name == "postgresql" else TRIGGERS_SQLITE:
        op.execute(statement)
    # Complaints closed before this revision: computed live until the rollup job has taken them in.
    op.execute("INSERT INTO performance_pending (complaint_id) SELECT id FROM complaints WHERE status = 'closed'")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        for function in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    for table in ("performance_rollups", "performance_breach_facts", "performance_facts", "performance_pending"):
        op.drop_table(table)
