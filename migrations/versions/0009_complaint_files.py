"""complaint files: stored files of a complaint found by a random reference, never by a path

Revision ID: 0009
Revises: 0008

Existing evidence photos the staff web wrote itself (evidence/<24 hex>.jpg|png) become rows and
their complaints' handle_evidence names the new reference; any other photo value (a path a
client sent) is removed from handle_evidence. The audit events keep what was claimed.
"""
import re
import secrets

from alembic import op
import sqlalchemy as sa
import app.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WEB_EVIDENCE = re.compile(r"evidence/[0-9a-f]{24}\.(jpg|png)")
TYPES = {"jpg": "image/jpeg", "png": "image/png"}

complaints = sa.table(
    "complaints", sa.column("id", sa.Integer), sa.column("handle_evidence", app.models.base.JsonType),
    sa.column("handled_at", app.models.base.UtcDateTime()), sa.column("updated_at", app.models.base.UtcDateTime()))
events = sa.table(
    "events", sa.column("complaint_id", sa.Integer), sa.column("seq", sa.Integer), sa.column("kind", sa.String),
    sa.column("actor", sa.String), sa.column("at", app.models.base.UtcDateTime()))
complaint_files = sa.table(
    "complaint_files", sa.column("ref", sa.String), sa.column("complaint_id", sa.Integer),
    sa.column("purpose", sa.String), sa.column("stored_path", sa.String), sa.column("content_type", sa.String),
    sa.column("uploaded_by", sa.String), sa.column("created_at", app.models.base.UtcDateTime()))


def upgrade() -> None:
    op.create_table(
        "complaint_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("stored_path", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("uploaded_by", sa.String(length=120), nullable=True),
        sa.Column("created_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"],
                                name=op.f("fk_complaint_files_complaint_id_complaints"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_files")),
        sa.UniqueConstraint("ref", name=op.f("uq_complaint_files_ref")),
        sa.UniqueConstraint("stored_path", name=op.f("uq_complaint_files_stored_path")),
    )
    with op.batch_alter_table("complaint_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaint_files_complaint_id"), ["complaint_id"], unique=False)
    _adopt_web_evidence()


def _adopt_web_evidence() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(complaints.c.id, complaints.c.handle_evidence, complaints.c.handled_at,
                                  complaints.c.updated_at)
                        .where(complaints.c.handle_evidence.is_not(None))).all()
    for complaint_id, evidence, handled_at, updated_at in rows:
        if not isinstance(evidence, dict) or "photo" not in evidence:
            continue
        evidence = dict(evidence)
        photo = evidence.pop("photo")
        match = WEB_EVIDENCE.fullmatch(photo) if isinstance(photo, str) else None
        if match:
            handled = conn.execute(
                sa.select(events.c.actor, events.c.at)
                .where(events.c.complaint_id == complaint_id, events.c.kind == "handled")
                .order_by(events.c.seq.desc()).limit(1)).first()
            ref = secrets.token_urlsafe(18)
            conn.execute(complaint_files.insert().values(
                ref=ref, complaint_id=complaint_id, purpose="evidence", stored_path=photo,
                content_type=TYPES[match.group(1)], uploaded_by=handled.actor if handled else None,
                created_at=(handled.at if handled else None) or handled_at or updated_at))
            evidence["photo"] = ref
        conn.execute(complaints.update().where(complaints.c.id == complaint_id)
                     .values(handle_evidence=evidence or None))


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(complaints.c.id, complaints.c.handle_evidence)
                        .where(complaints.c.handle_evidence.is_not(None))).all()
    paths = dict(conn.execute(sa.select(complaint_files.c.ref, complaint_files.c.stored_path)).all())
    for complaint_id, evidence in rows:
        if isinstance(evidence, dict) and evidence.get("photo") in paths:
            conn.execute(complaints.update().where(complaints.c.id == complaint_id)
                         .values(handle_evidence={**evidence, "photo": paths[evidence["photo"]]}))
    with op.batch_alter_table("complaint_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_files_complaint_id"))
    op.drop_table("complaint_files")
