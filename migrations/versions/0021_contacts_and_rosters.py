"""contacts and rosters as data: each escalation contact's channels in order of preference and the
post it speaks for, and duty rosters (piket) as shifts with hours, days, holidays and a validity
period (a handover ends lines at a moment and starts new ones then)

Revision ID: 0021
Revises: 0018

Columns are added in place (no SQLite rebuild of escalation_contacts, which would drop 0012's
triggers). duty_shifts is reference data of its jurisdiction like the contacts: its own triggers
move the jurisdiction's reference version, so a cached audience never outlives a roster change.
Existing contacts keep their behaviour: no channels listed means the preferred `channel` first.
"""
from alembic import op
import sqlalchemy as sa
import app.models.base

revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None

EVENTS = ("insert", "update", "delete")
TRANSITION = {"insert": "NEW TABLE AS changed_new", "update": "OLD TABLE AS changed_old NEW TABLE AS changed_new",
              "delete": "OLD TABLE AS changed_old"}


def _sqlite_triggers(table: str) -> list[str]:
    statements = []
    for event in EVENTS:
        rows = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}[event]
        scopes = " UNION ".join(f"SELECT {row}.jurisdiction_id AS scope" for row in rows)
        statements.append(
            f"""CREATE TRIGGER {table}_reference_versions_{event} AFTER {event.upper()} ON {table}
            BEGIN
              INSERT INTO reference_versions (scope, version)
              SELECT scope, random() FROM ({scopes}) WHERE scope IS NOT NULL
              ON CONFLICT (scope) DO UPDATE SET version = excluded.version;
            END""")
    return statements


def _pg_triggers(table: str) -> list[str]:
    # reference_versions_in_jurisdiction() (migration 0012) bumps each changed row's jurisdiction_id.
    return [*(f"CREATE TRIGGER {table}_reference_versions_{event} AFTER {event.upper()} ON {table} "
              f"REFERENCING {TRANSITION[event]} FOR EACH STATEMENT "
              f"EXECUTE FUNCTION reference_versions_in_jurisdiction()" for event in EVENTS),
            f"CREATE TRIGGER {table}_reference_versions_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION reference_versions_truncated()"]


def upgrade() -> None:
    op.add_column("escalation_contacts", sa.Column("channels", sa.String(length=60), nullable=True))
    op.add_column("escalation_contacts", sa.Column("post_id", sa.Integer(), nullable=True))
    op.create_table(
        "duty_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.String(length=20), nullable=False),
        sa.Column("start_local", sa.String(length=5), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("holidays", sa.String(length=10), nullable=False),
        sa.Column("valid_from", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", app.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"],
                                name=op.f("fk_duty_shifts_jurisdiction_id_jurisdictions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["escalation_contacts.id"],
                                name=op.f("fk_duty_shifts_contact_id_escalation_contacts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_shifts")),
    )
    op.create_index(op.f("ix_duty_shifts_jurisdiction_id"), "duty_shifts", ["jurisdiction_id"], unique=False)
    op.create_index(op.f("ix_duty_shifts_contact_id"), "duty_shifts", ["contact_id"], unique=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in (_pg_triggers("duty_shifts") if postgres else _sqlite_triggers("duty_shifts")):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index(op.f("ix_duty_shifts_contact_id"), table_name="duty_shifts")
    op.drop_index(op.f("ix_duty_shifts_jurisdiction_id"), table_name="duty_shifts")
    op.drop_table("duty_shifts")  # its triggers go with it
    op.execute("ALTER TABLE escalation_contacts DROP COLUMN post_id")
    op.execute("ALTER TABLE escalation_contacts DROP COLUMN channels")
