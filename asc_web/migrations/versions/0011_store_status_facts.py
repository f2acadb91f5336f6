"""The facts a store's status is derived from, on the store's own row, kept by the database.

A status depends on the store's authorization (revoked? when does it expire?) and on its
open connect attempt (until when does it wait?), each in another table. Filtering the home
page by status joined or probed those tables for every store walked, and counting a status
visited every match. Two columns on ``stores`` hold copies of those facts, never a status
(statuses depend on the current time and stay derived, ``models/status.py``):

- ``connection_valid_until``: the authorization's ``expires_at``; once it is revoked,
  1970-01-01 (a revoked authorization is over whatever the time); NULL without one.
- ``awaiting_until``: the latest ``expires_at`` of the store's unfinished attempts (not
  consumed, or consumed and still being processed); NULL when there is none.

Triggers keep both in step with every write to ``stores``, ``authorizations`` and
``authorization_attempts``, whoever makes it (the app, a CLI, a bulk script); the upgrade
fills them for the stores that exist. The index ``(active, connection_valid_until,
awaiting_until)`` answers a status from the store rows alone.

``store_totals``: one row holding how many stores there are, kept by triggers on insert and
delete. Every home page shows the number: PostgreSQL counts rows by visiting them (13 ms at
100,000 stores from an index, 34 ms before the table was vacuumed), SQLite by counting
b-tree entries (cheap, but the same table serves both). On PostgreSQL a statement-level
trigger adds a bulk insert's rows in one update.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:00:00

"""

# ruff: noqa: S608 -- the SQL below is built from this file's constants only, no input.
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

EPOCH = "1970-01-01 00:00:00.000000"
UNFINISHED = "(consumed_at IS NULL OR outcome = 'processing')"

SQLITE_EPOCH = f"'{EPOCH}'"
POSTGRESQL_EPOCH = f"TIMESTAMP '{EPOCH}'"
# A store's connection_valid_until read from its authorization (``{store}``: the store row,
# ``{epoch}``: the database's 1970 literal): the triggers of both databases and the fill.
_VALID_UNTIL = (
    "(SELECT CASE WHEN revoked_at IS NULL THEN expires_at ELSE {epoch} END "
    "FROM authorizations WHERE authorizations.id = {store}.authorization_id)"
)
_SET_VALID_UNTIL = (
    f"UPDATE stores SET connection_valid_until = {_VALID_UNTIL} WHERE id = {{store}}.id;"
)
_SQLITE_VALID_UNTIL = _SET_VALID_UNTIL.format(store="new", epoch=SQLITE_EPOCH)
# The store's latest unfinished attempt (``{row}``: the trigger's new or old row), the same
# statement in SQLite's triggers and PostgreSQL's function.
_AWAITING = (
    "UPDATE stores SET awaiting_until = (SELECT max(expires_at) FROM authorization_attempts "
    f"WHERE store_id = {{row}}.store_id AND {UNFINISHED}) WHERE id = {{row}}.store_id;"
)
_old_unfinished = "(old.consumed_at IS NULL OR old.outcome = 'processing')"
_new_unfinished = "(new.consumed_at IS NULL OR new.outcome = 'processing')"
SQLITE_TRIGGERS = {
    "stores_status_facts_insert": "AFTER INSERT ON stores WHEN new.authorization_id IS NOT NULL "
    f"BEGIN {_SQLITE_VALID_UNTIL} END",
    "stores_status_facts_update": "AFTER UPDATE OF authorization_id ON stores "
    f"BEGIN {_SQLITE_VALID_UNTIL} END",
    "authorizations_status_facts_update": "AFTER UPDATE OF revoked_at, expires_at ON "
    "authorizations BEGIN UPDATE stores SET connection_valid_until = CASE WHEN "
    f"new.revoked_at IS NULL THEN new.expires_at ELSE {SQLITE_EPOCH} END "
    "WHERE authorization_id = new.id; END",
    # Before the row goes: the foreign key's SET NULL may not fire the stores trigger.
    "authorizations_status_facts_delete": "BEFORE DELETE ON authorizations BEGIN UPDATE stores "
    "SET connection_valid_until = NULL WHERE authorization_id = old.id; END",
    # Only an unfinished attempt (before or after the write) can move awaiting_until: a
    # finished one written or pruned (the history, in bulk) fires nothing.
    "attempts_status_facts_insert": "AFTER INSERT ON authorization_attempts "
    f"WHEN {_new_unfinished} BEGIN {_AWAITING.format(row='new')} END",
    "attempts_status_facts_update": "AFTER UPDATE OF store_id, expires_at, consumed_at, outcome "
    f"ON authorization_attempts WHEN {_old_unfinished} OR {_new_unfinished} "
    f"BEGIN {_AWAITING.format(row='old')} {_AWAITING.format(row='new')} END",
    "attempts_status_facts_delete": "AFTER DELETE ON authorization_attempts "
    f"WHEN {_old_unfinished} BEGIN {_AWAITING.format(row='old')} END",
    "stores_total_insert": "AFTER INSERT ON stores "
    "BEGIN UPDATE store_totals SET stores = stores + 1 WHERE id = 1; END",
    "stores_total_delete": "AFTER DELETE ON stores "
    "BEGIN UPDATE store_totals SET stores = stores - 1 WHERE id = 1; END",
}

# PostgreSQL: one function per table, row triggers calling them.
POSTGRESQL_FUNCTIONS = {
    "stores_status_facts": f"""
        BEGIN
          {_SET_VALID_UNTIL.format(store="NEW", epoch=POSTGRESQL_EPOCH)}
          RETURN NULL;
        END""",
    "authorizations_status_facts": f"""
        BEGIN
          IF TG_OP = 'DELETE' THEN
            UPDATE stores SET connection_valid_until = NULL WHERE authorization_id = OLD.id;
            RETURN OLD;
          END IF;
          UPDATE stores SET connection_valid_until = CASE WHEN NEW.revoked_at IS NULL
              THEN NEW.expires_at ELSE {POSTGRESQL_EPOCH} END
          WHERE authorization_id = NEW.id;
          RETURN NULL;
        END""",
    "attempts_status_facts": f"""
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {_AWAITING.format(row="OLD")}
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {_AWAITING.format(row="NEW")}
          END IF;
          RETURN NULL;
        END""",
    # Both row-count triggers name their transition table "changed".
    "stores_total_changed": """
        BEGIN
          UPDATE store_totals
          SET stores = stores + CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END
                                * (SELECT count(*) FROM changed)
          WHERE id = 1;
          RETURN NULL;
        END""",
    "stores_total_emptied": """
        BEGIN
          UPDATE store_totals SET stores = 0 WHERE id = 1;
          RETURN NULL;
        END""",
}
POSTGRESQL_TRIGGERS = {
    "stores_status_facts_insert": "AFTER INSERT ON stores FOR EACH ROW "
    "WHEN (NEW.authorization_id IS NOT NULL) EXECUTE FUNCTION stores_status_facts()",
    "stores_status_facts_update": "AFTER UPDATE OF authorization_id ON stores FOR EACH ROW "
    "WHEN (OLD.authorization_id IS DISTINCT FROM NEW.authorization_id) "
    "EXECUTE FUNCTION stores_status_facts()",
    "authorizations_status_facts_update": "AFTER UPDATE OF revoked_at, expires_at ON "
    "authorizations FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR "
    "OLD.expires_at IS DISTINCT FROM NEW.expires_at) "
    "EXECUTE FUNCTION authorizations_status_facts()",
    "authorizations_status_facts_delete": "BEFORE DELETE ON authorizations FOR EACH ROW "
    "EXECUTE FUNCTION authorizations_status_facts()",
    "attempts_status_facts_insert": "AFTER INSERT ON authorization_attempts FOR EACH ROW "
    f"WHEN {_new_unfinished} EXECUTE FUNCTION attempts_status_facts()",
    "attempts_status_facts_update": "AFTER UPDATE OF store_id, expires_at, consumed_at, "
    f"outcome ON authorization_attempts FOR EACH ROW WHEN ({_old_unfinished} OR "
    f"{_new_unfinished}) EXECUTE FUNCTION attempts_status_facts()",
    "attempts_status_facts_delete": "AFTER DELETE ON authorization_attempts FOR EACH ROW "
    f"WHEN {_old_unfinished} EXECUTE FUNCTION attempts_status_facts()",
    "stores_total_insert": "AFTER INSERT ON stores REFERENCING NEW TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION stores_total_changed()",
    "stores_total_delete": "AFTER DELETE ON stores REFERENCING OLD TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION stores_total_changed()",
    "stores_total_truncate": "AFTER TRUNCATE ON stores "
    "FOR EACH STATEMENT EXECUTE FUNCTION stores_total_emptied()",
}
TRIGGER_TABLES = {
    "stores_status_facts_insert": "stores",
    "stores_status_facts_update": "stores",
    "authorizations_status_facts_update": "authorizations",
    "authorizations_status_facts_delete": "authorizations",
    "attempts_status_facts_insert": "authorization_attempts",
    "attempts_status_facts_update": "authorization_attempts",
    "attempts_status_facts_delete": "authorization_attempts",
    "stores_total_insert": "stores",
    "stores_total_delete": "stores",
    "stores_total_truncate": "stores",
}

FILL = (
    f"UPDATE stores SET connection_valid_until = {_VALID_UNTIL}, "
    "awaiting_until = (SELECT max(expires_at) FROM authorization_attempts "
    f"WHERE store_id = stores.id AND {UNFINISHED})"
)


def upgrade():
    dialect = op.get_bind().dialect.name
    # Plain ADD COLUMN (no table rebuild): migration 0010's search triggers stay.
    op.add_column("stores", sa.Column("connection_valid_until", sa.DateTime(), nullable=True))
    op.add_column("stores", sa.Column("awaiting_until", sa.DateTime(), nullable=True))
    op.create_table(
        "store_totals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("stores", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_store_totals_one_row"),
    )
    op.execute("INSERT INTO store_totals (id, stores) SELECT 1, count(*) FROM stores")
    if dialect == "postgresql":
        op.execute(FILL.format(store="stores", epoch=POSTGRESQL_EPOCH))
        for name, body in POSTGRESQL_FUNCTIONS.items():
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
        for name, definition in POSTGRESQL_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")
    else:
        op.execute(FILL.format(store="stores", epoch=SQLITE_EPOCH))
        for name, definition in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")
    op.create_index(
        "ix_stores_status_facts", "stores", ["active", "connection_valid_until", "awaiting_until"]
    )
    # The triggers' look-up of a store's unfinished attempts: the few open ones, not every
    # attempt the store ever had.
    op.create_index(
        "ix_attempts_unfinished", "authorization_attempts", ["store_id", "expires_at"],
        sqlite_where=sa.text(UNFINISHED), postgresql_where=sa.text(UNFINISHED),
    )  # fmt: skip


def downgrade():
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_attempts_unfinished", table_name="authorization_attempts")
    op.drop_index("ix_stores_status_facts", table_name="stores")
    if dialect == "postgresql":
        for name, table in TRIGGER_TABLES.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("store_totals")
    # In place (SQLite 3.35+ drops a column without rebuilding: the search triggers stay).
    op.execute("ALTER TABLE stores DROP COLUMN awaiting_until")
    op.execute("ALTER TABLE stores DROP COLUMN connection_valid_until")
