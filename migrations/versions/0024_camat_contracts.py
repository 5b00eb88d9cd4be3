"""camats hold contracts too: a performance contract names either an agency (its head's post) or a
kecamatan (its camat's post); and three indexes for the live part of a performance report

Revision ID: 0024
Revises: 0023

Existing contracts all name an agency and keep it. A camat's contract has no agency: its actuals
are the per-kecamatan figures (complaints located in the kecamatan, whichever agency held them)
whose handle deadline fell within the camat's tenure.

The indexes (docs/performance.md, "Speed"): the complaints still open by handle deadline (partial,
holding their ids: read without the table), agency changes only (partial: transfers and
assignments), and breaches by complaint holding what attribution reads (PostgreSQL: an index-only
scan). On a database that holds data they are built in place.
"""
from alembic import op
import sqlalchemy as sa

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


LIVE = "status IN ('received', 'triage', 'assigned', 'acknowledged', 'handled', 'resolved')"
CHANGES = "kind IN ('transferred', 'assigned')"


def upgrade() -> None:
    op.create_index("ix_complaints_live_due", "complaints", ["handle_due_at", "jurisdiction_id"],
                    postgresql_include=["id"], postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))
    op.create_index("ix_events_agency_changes", "events", ["complaint_id"],
                    postgresql_where=sa.text(CHANGES), sqlite_where=sa.text(CHANGES))
    op.create_index("ix_breaches_complaint_facts", "breaches", ["complaint_id"],
                    postgresql_include=["kind", "agency_id", "official_id", "notify_failed"])
    with op.batch_alter_table("performance_contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch_op.alter_column("agency_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f("fk_performance_contracts_district_id_districts"), "districts",
                                    ["district_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_performance_contracts_district_id"), ["district_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_breaches_complaint_facts", table_name="breaches")
    op.drop_index("ix_events_agency_changes", table_name="events")
    op.drop_index("ix_complaints_live_due", table_name="complaints")
    op.execute("DELETE FROM performance_contracts WHERE agency_id IS NULL")
    with op.batch_alter_table("performance_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_contracts_district_id"))
        batch_op.drop_constraint(batch_op.f("fk_performance_contracts_district_id_districts"), type_="foreignkey")
        batch_op.drop_column("district_id")
        batch_op.alter_column("agency_id", existing_type=sa.Integer(), nullable=False)
