"""sign-in and sessions: a per-user session version (sign-out and account changes end every
earlier session) and the sign-in throttle per typed username and client address.

Revision ID: 0010
Revises: 0009

users.failed_logins and users.locked_until stay for the release being replaced (expand /
contract, docs/deploy.md); nothing reads them any more.
"""
from alembic import op
import sqlalchemy as sa
import app.models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.create_table(
        "sign_in_throttles",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", app.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("next_allowed_at", app.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", app.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", "address", name=op.f("pk_sign_in_throttles")),
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttles")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
