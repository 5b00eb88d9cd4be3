"""audit chain heads: each complaint keeps its chain's event count and the keyed seal of its last
event (complaints.audit_seq, complaints.audit_seal), so that events deleted at the end are caught

Revision ID: 0016
Revises: 0013

Existing chains get their event count here and no seal: they are "not keyed yet" (unkeyed SHA-256,
which anyone with database access can recompute). Run `flask --app wsgi audit rekey` once after
this migration, with SIGAP_AUDIT_KEY set: it verifies each old chain and re-hashes it with the key
(`audit verify` reports unkeyed chains until then). Events the application appends to an old chain
before the rekey stay unkeyed, so the rekey finds each chain of one kind.

Downgrading drops the two columns; the chains stay keyed, which the previous release's `audit
verify` (unkeyed only) reports as edited.
"""
from alembic import op
import sqlalchemy as sa

revision = "0016"
down_revision = "0020"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both backends: SQLite (3.35+) adds and drops these columns in place, where a
# batch copy of complaints would trip over the triggers that read it.


def upgrade() -> None:
    op.add_column("complaints", sa.Column("audit_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("complaints", sa.Column("audit_seal", sa.String(64), nullable=True))
    op.execute("UPDATE complaints SET audit_seq = COALESCE("
               "(SELECT MAX(seq) FROM events WHERE events.complaint_id = complaints.id), 0)")


def downgrade() -> None:
    op.execute("ALTER TABLE complaints DROP COLUMN audit_seal")
    op.execute("ALTER TABLE complaints DROP COLUMN audit_seq")
