"""posts and their holders over time: accountable posts (agency head, camat, village head, sekda,
regent, triage desk), tenures with from/until, the posts' audit trail, and contracts tied to a tenure

Revision ID: 0014
Revises: 0013

Today's agency heads become the first holders of their agencies' head posts. Sigap never recorded
when a head was set, so each holds from the start of the records of their jurisdiction (its first
complaint, else its first SLA policy): every figure reads exactly as before the migration. The
frozen facts and rollups that said "whoever heads the agency now" are pinned to that head, which is
what they showed; from here on a new head is a new tenure and an old month never moves.
"""
from alembic import op
import sqlalchemy as sa
import app.models.base
from app.clock import SystemClock

revision = "0014"
down_revision = "0017"
branch_labels = None
depends_on = None

UTC = app.models.base.UtcDateTime(timezone=True)


def _now_param():
    return sa.bindparam("now", SystemClock().now(), type_=UTC)


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"],
                                name=op.f("fk_posts_jurisdiction_id_jurisdictions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_posts_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_posts_district_id_districts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], name=op.f("fk_posts_village_id_villages"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.UniqueConstraint("key", name=op.f("uq_posts_key")),
    )
    for column in ("jurisdiction_id", "agency_id", "district_id", "village_id"):
        op.create_index(op.f(f"ix_posts_{column}"), "posts", [column], unique=False)
    op.create_table(
        "post_holders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("from_at", UTC, nullable=False),
        sa.Column("until_at", UTC, nullable=True),
        sa.Column("assigned_by", sa.String(length=120), nullable=False),
        sa.Column("assigned_at", UTC, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_post_holders_post_id_posts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_post_holders_user_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["contact_id"], ["escalation_contacts.id"],
                                name=op.f("fk_post_holders_contact_id_escalation_contacts"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_holders")),
    )
    op.create_index("ix_post_holders_post_from", "post_holders", ["post_id", "from_at"], unique=False)
    op.create_index(op.f("ix_post_holders_user_id"), "post_holders", ["user_id"], unique=False)
    op.create_table(
        "post_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_post_events_post_id_posts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_events")),
    )
    op.create_index("uq_post_events_seq", "post_events", ["post_id", "seq"], unique=True)
    with op.batch_alter_table("performance_contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_performance_contracts_holder_id_post_holders"), "post_holders",
                                    ["holder_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index(batch_op.f("ix_performance_contracts_holder_id"), ["holder_id"], unique=False)
    _migrate_data()


def _migrate_data() -> None:
    now = _now_param()
    ins = "INSERT INTO posts (key, kind, jurisdiction_id, agency_id, district_id, village_id, created_at) "
    op.execute(sa.text(ins + """SELECT 'agency_head:' || code, 'agency_head', jurisdiction_id, id, NULL, NULL, :now
        FROM agencies""").bindparams(now))
    for kind in ("regent", "regional_secretary", "triage_desk"):
        op.execute(sa.text(ins + f"""SELECT '{kind}:' || code, '{kind}', id, NULL, NULL, NULL, :now
            FROM jurisdictions""").bindparams(now))
    op.execute(sa.text(ins + """SELECT 'camat:' || j.code || ':' || d.code, 'camat', j.id, NULL, d.id, NULL, :now
        FROM districts d JOIN jurisdictions j ON j.id = d.jurisdiction_id""").bindparams(now))
    op.execute(sa.text(ins + """SELECT 'village_head:' || j.code || ':' || v.code, 'village_head', j.id, NULL,
            d.id, v.id, :now
        FROM villages v JOIN districts d ON d.id = v.district_id JOIN jurisdictions j ON j.id = d.jurisdiction_id"""
                       ).bindparams(now))
    # Today's heads, holding since the jurisdiction's records began.
    op.execute(sa.text("""INSERT INTO post_holders (post_id, user_id, contact_id, name, title, from_at, until_at,
            assigned_by, assigned_at, note)
        SELECT p.id, a.head_user_id, NULL, COALESCE(a.head_name, u.name), a.head_title,
            COALESCE((SELECT MIN(received_at) FROM complaints c WHERE c.jurisdiction_id = a.jurisdiction_id),
                     (SELECT MIN(effective_from) FROM sla_policies s WHERE s.jurisdiction_id = a.jurisdiction_id),
                     :now),
            NULL, 'migration 0014', :now, 'head of the agency when tenures began to be recorded'
        FROM agencies a JOIN posts p ON p.agency_id = a.id AND p.kind = 'agency_head'
        LEFT JOIN users u ON u.id = a.head_user_id
        WHERE a.head_user_id IS NOT NULL OR a.head_name IS NOT NULL""").bindparams(now))
    op.execute("""UPDATE performance_contracts SET holder_id = (
        SELECT MIN(h.id) FROM post_holders h JOIN posts p ON p.id = h.post_id
        WHERE p.kind = 'agency_head' AND p.agency_id = performance_contracts.agency_id
          AND h.user_id = performance_contracts.official_id)""")
    # Facts and rollups that deferred to "the agency's head now": pinned to that head.
    op.execute("""UPDATE performance_facts SET official_id = (
        SELECT head_user_id FROM agencies WHERE agencies.id = performance_facts.agency_id),
        official_from_head = false WHERE official_from_head""")
    op.execute("""UPDATE performance_rollups SET key_b = (
        SELECT head_user_id FROM agencies WHERE agencies.id = performance_rollups.key_a),
        key_c = false WHERE dim = 'official' AND key_c""")


def downgrade() -> None:
    with op.batch_alter_table("performance_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_contracts_holder_id"))
        batch_op.drop_constraint(batch_op.f("fk_performance_contracts_holder_id_post_holders"), type_="foreignkey")
        batch_op.drop_column("holder_id")
    op.drop_index("uq_post_events_seq", table_name="post_events")
    op.drop_table("post_events")
    op.drop_index(op.f("ix_post_holders_user_id"), table_name="post_holders")
    op.drop_index("ix_post_holders_post_from", table_name="post_holders")
    op.drop_table("post_holders")
    for column in ("jurisdiction_id", "agency_id", "district_id", "village_id"):
        op.drop_index(op.f(f"ix_posts_{column}"), table_name="posts")
    op.drop_table("posts")
