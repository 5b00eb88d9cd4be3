"""reference versions: a version per scope of reference data (0: what all jurisdictions share;
else a jurisdiction's id), given a new value by triggers whenever a row of the scope changes

Revision ID: 0012
Revises: 0010

The reference cache (app/services/reference/cache.py) compares these with the versions its
copies were read at, so that a change made by any process, or by hand in psql, is seen by the
next request everywhere. A new version is never one the scope had before, even after a rollback:
a sequence on PostgreSQL (nextval is not rolled back), random() on SQLite.

PostgreSQL: statement-level triggers over the transition tables, one bump per statement however
many rows it changes (a bump per row would update the same version row once per row of a bulk
edit, and PostgreSQL slows down quadratically on that within one transaction), plus TRUNCATE.
SQLite: row-level triggers (no TRUNCATE there; a DELETE without WHERE fires them).

users: only the columns a staff alert's audience reads count (not password_hash, session_version,
e-mail or the retired lockout columns), so signing in and out changes nothing cached.

SQLite note: a batch migration that recreates one of REFERENCE_TABLES drops its triggers; such a
migration must create them again (sqlite_triggers(table)). tests/integration/core/
test_reference_cache.py checks at head that a change to each table still moves its version.
"""
import re

from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

# table -> the scopes a row `r` of it belongs to, as SQL expressions
SCOPES = {
    "jurisdictions": ("0", "r.id"),
    "categories": ("0",),
    "users": ("0",),
    "districts": ("r.jurisdiction_id",),
    "villages": ("(SELECT jurisdiction_id FROM districts WHERE id = r.district_id)",),
    "sla_policies": ("r.jurisdiction_id",),
    "routing_rules": ("r.jurisdiction_id",),
    "agencies": ("r.jurisdiction_id",),
    "escalation_contacts": ("r.jurisdiction_id",),
}
REFERENCE_TABLES = tuple(SCOPES)
# What a staff alert's audience reads of a user (app/services/messaging/notifications.py).
USER_COLUMNS = ("id", "name", "role", "active", "jurisdiction_id", "agency_id", "phone", "telegram_chat_id",
                "language")
EVENTS = ("insert", "update", "delete")


def _scopes(table: str, row: str) -> list[str]:
    return [re.sub(r"\br\.", f"{row}.", expr) for expr in SCOPES[table]]


def sqlite_triggers(table: str) -> list[str]:
    statements = []
    for event in EVENTS:
        rows = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}[event]
        scopes = " UNION ".join(f"SELECT {expr} AS scope" for row in rows for expr in _scopes(table, row))
        when = ""
        if table == "users" and event == "update":
            when = " WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in USER_COLUMNS)
        statements.append(
            f"""CREATE TRIGGER {table}_reference_versions_{event} AFTER {event.upper()} ON {table}{when}
            BEGIN
              INSERT INTO reference_versions (scope, version)
              SELECT scope, random() FROM ({scopes}) WHERE scope IS NOT NULL
              ON CONFLICT (scope) DO UPDATE SET version = excluded.version;
            END""")
    return statements


# PostgreSQL: one trigger function per way of finding a row's scopes.
PG_FUNCTIONS = {"shared": "categories", "staff": "users", "jurisdiction": "jurisdictions",
                "in_jurisdiction": "districts", "village": "villages"}  # function -> a table it serves
PG_FUNCTION_OF = {table: name for name, table in PG_FUNCTIONS.items()}
TRANSITION = {"insert": "NEW TABLE AS changed_new", "update": "OLD TABLE AS changed_old NEW TABLE AS changed_new",
              "delete": "OLD TABLE AS changed_old"}


def _pg_function(name: str, table: str) -> str:
    def scopes(rows):
        return " || ".join(f"ARRAY(SELECT DISTINCT {expr} FROM {rows} AS r)" for expr in SCOPES[table])
    unchanged = ""
    if table == "users":
        columns = ", ".join(USER_COLUMNS)
        unchanged = (f"IF TG_OP = 'UPDATE' THEN IF NOT EXISTS (SELECT {columns} FROM changed_old "
                     f"EXCEPT SELECT {columns} FROM changed_new) THEN RETURN NULL; END IF; END IF;")
    return f"""CREATE FUNCTION reference_versions_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          scopes integer[] := '{{}}';
        BEGIN
          {unchanged}
          IF TG_OP <> 'INSERT' THEN scopes := scopes || {scopes('changed_old')}; END IF;
          IF TG_OP <> 'DELETE' THEN scopes := scopes || {scopes('changed_new')}; END IF;
          PERFORM reference_versions_bump(scopes);
          RETURN NULL;
        END $$"""


PG_SETUP = [
    "CREATE SEQUENCE reference_version_seq",
    """CREATE FUNCTION reference_versions_bump(scopes integer[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO reference_versions (scope, version)
        SELECT scope, nextval('reference_version_seq') FROM (SELECT DISTINCT unnest(scopes) AS scope) AS changed
        WHERE scope IS NOT NULL
        ON CONFLICT (scope) DO UPDATE SET version = EXCLUDED.version $$""",
    # TRUNCATE fires no other trigger: every scope moves on.
    """CREATE FUNCTION reference_versions_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM reference_versions_bump(ARRAY[0] || ARRAY(SELECT scope FROM reference_versions)
                                          || ARRAY(SELECT id FROM jurisdictions));
          RETURN NULL;
        END $$""",
    *(_pg_function(name, table) for name, table in PG_FUNCTIONS.items()),
]


def pg_triggers(table: str) -> list[str]:
    function = f"reference_versions_{PG_FUNCTION_OF.get(table, 'in_jurisdiction')}()"
    return [*(f"CREATE TRIGGER {table}_reference_versions_{event} AFTER {event.upper()} ON {table} "
              f"REFERENCING {TRANSITION[event]} FOR EACH STATEMENT EXECUTE FUNCTION {function}" for event in EVENTS),
            f"CREATE TRIGGER {table}_reference_versions_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION reference_versions_truncated()"]


def upgrade() -> None:
    op.create_table(
        "reference_versions",
        sa.Column("scope", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_reference_versions")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    statements = list(PG_SETUP) if postgres else []
    for table in REFERENCE_TABLES:
        statements += pg_triggers(table) if postgres else sqlite_triggers(table)
    for statement in statements:
        op.execute(statement)
    fresh = "nextval('reference_version_seq')" if postgres else "random()"
    op.execute(f"INSERT INTO reference_versions (scope, version) "
               f"SELECT 0, {fresh} UNION ALL SELECT id, {fresh} FROM jurisdictions")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in REFERENCE_TABLES:
        for event in (*EVENTS, "truncate") if postgres else EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_reference_versions_{event}" + (f" ON {table}" if postgres else ""))
    if postgres:
        for name in (*PG_FUNCTIONS, "truncated"):
            op.execute(f"DROP FUNCTION IF EXISTS reference_versions_{name}()")
        op.execute("DROP FUNCTION IF EXISTS reference_versions_bump(integer[])")
        op.execute("DROP SEQUENCE IF EXISTS reference_version_seq")
    op.drop_table("reference_versions")
