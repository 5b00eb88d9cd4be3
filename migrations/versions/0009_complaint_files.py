"""complaint files: stored files of a complaint found by a random reference, never by a path

Revision ID: 0009
Revises: 0008

Existing evidence photos the staff web wrote itself (evidence/<24 hex>.jpg|png) become rows and
their complaints' handle_evidence names the new reference; any other photo value (a path a
client sent) is removed from handle_evidence. The audit events keep what was claimed.

Before this revision a client could name any file, so two complaints may name the same web photo
(one stored it, the other claimed it): the file goes to the complaint whose `handled` event named it
first (that handling stored it), and is removed from the others' handle_evidence.
"""
import re
import secrets
from datetime import datetime, timezone

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
    sa.column("actor", sa.String), sa.column("at", app.models.base.UtcDateTime()),
    sa.column("data", app.models.base.JsonType))
NEVER = datetime.max.replace(tzinfo=timezone.utc)
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
    kept, claims = [], {}  # (complaint id, evidence without its photo, web photo or None); path -> claims
    for complaint_id, evidence, handled_at, updated_at in rows:
        if not isinstance(evidence, dict) or "photo" not in evidence:
            continue
        evidence = dict(evidence)
        photo = evidence.pop("photo")
        web_photo = photo if isinstance(photo, str) and WEB_EVIDENCE.fullmatch(photo) else None
        if web_photo is not None:
            claims.setdefault(web_photo, []).append(_claim(conn, complaint_id, web_photo, handled_at, updated_at))
        kept.append((complaint_id, evidence, web_photo))
    owners = {path: min(found) for path, found in claims.items()}  # the first handling that named it
    for complaint_id, evidence, web_photo in kept:
        owner = owners.get(web_photo)
        if owner is not None and owner[1] == complaint_id:
            at, _complaint_id, actor = owner
            ref = secrets.token_urlsafe(18)
            conn.execute(complaint_files.insert().values(
                ref=ref, complaint_id=complaint_id, purpose="evidence", stored_path=web_photo,
                content_type=TYPES[WEB_EVIDENCE.fullmatch(web_photo).group(1)], uploaded_by=actor, created_at=at))
            evidence["photo"] = ref
        conn.execute(complaints.update().where(complaints.c.id == complaint_id)
                     .values(handle_evidence=evidence or None))


def _claim(conn, complaint_id, photo, handled_at, updated_at) -> tuple:
    """(when, complaint id, who) a complaint's handling named `photo`: its first `handled` event whose
    evidence names it, else its last `handled` event (the one that left handle_evidence as it is)."""
    handled = conn.execute(sa.select(events.c.actor, events.c.at, events.c.data)
                           .where(events.c.complaint_id == complaint_id, events.c.kind == "handled")
                           .order_by(events.c.seq)).all()
    naming = [e for e in handled if isinstance(e.data, dict) and isinstance(e.data.get("evidence"), dict)
              and e.data["evidence"].get("photo") == photo]
    event = naming[0] if naming else (handled[-1] if handled else None)
    at = (event.at if event is not None else None) or handled_at or updated_at
    return (at or NEVER, complaint_id, event.actor if event is not None else None)


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
