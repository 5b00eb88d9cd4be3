"""posts' trail heads: each post keeps its trail's event count and the keyed seal of its last event
(posts.audit_seq, posts.audit_seal), as complaints do since 0016, so that a post's last events deleted
together with the post_holders rows they record are caught by `audit verify`

Revision ID: 0033
Revises: 0032

Post trails have been keyed from their first event, so the heads are backfilled whole here: each
post's events are read in order and, when the chain verifies under the audit key this migration runs
with (SIGAP_AUDIT_KEY, the development key when unset, as the application reads it), its count and
seal are written. A chain that does not verify under that key (tampered, or the migration run without
the production key) gets its count and no seal: `audit verify` then reports its head as not sealed,
and the post's next event seals it (its edited events stay reported).

Downgrading drops the two columns.
"""
import os

from alembic import op
import sqlalchemy as sa

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both backends (SQLite 3.35+ adds and drops these columns in place).
    op.add_column("posts", sa.Column("audit_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("posts", sa.Column("audit_seal", sa.String(64), nullable=True))
    _backfill(op.get_bind())


def _backfill(connection) -> None:
    from app.domain.audit_chain import head_seal, verify_chain
    from app.models.post import Post, PostEvent
    from config import DEVELOPMENT_AUDIT_KEY

    key = (os.environ.get("SIGAP_AUDIT_KEY") or DEVELOPMENT_AUDIT_KEY).encode("utf-8")
    posts, events = Post.__table__, PostEvent.__table__
    names = dict(connection.execute(sa.select(posts.c.id, posts.c.key)).all())
    chains: dict[int, list] = {}
    for ev in connection.execute(sa.select(events.c.post_id, events.c.seq, events.c.kind, events.c.at,
                                           events.c.actor, events.c.note, events.c.data, events.c.prev_hash,
                                           events.c.hash).order_by(events.c.post_id, events.c.seq)):
        chains.setdefault(ev.post_id, []).append(ev)
    for post_id, chain in chains.items():
        name = names.get(post_id)
        if name is None:
            continue
        holds = not verify_chain(name, chain, key)
        connection.execute(posts.update().where(posts.c.id == post_id).values(
            audit_seq=chain[-1].seq,
            audit_seal=head_seal(key, name, len(chain), chain[-1].hash) if holds else None))


def downgrade() -> None:
    op.execute("ALTER TABLE posts DROP COLUMN audit_seal")
    op.execute("ALTER TABLE posts DROP COLUMN audit_seq")
