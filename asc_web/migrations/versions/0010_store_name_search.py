"""Search by store name through an index: SQLite FTS5 with trigrams, PostgreSQL pg_trgm.

The home page's ``?q=`` is a substring match on ``stores.name_key``, which a B-tree cannot
answer: ``LIKE '%…%'`` read every store.

- SQLite: ``stores_name_search``, an FTS5 table with the trigram tokenizer over
  ``stores.name_key`` (external content: it keeps only the index, the names stay in
  ``stores``). Triggers keep it in step with every insert, rename and delete, whoever writes;
  the upgrade fills it from the existing stores. ``case_sensitive 1``: the key is folded
  already, so the index compares it as stored, exactly like the ``LIKE`` it replaces.
- PostgreSQL: a GIN index with ``pg_trgm``'s ``gin_trgm_ops`` on ``stores.name_key``, which
  serves the same ``LIKE '%…%'`` (PostgreSQL re-checks each candidate row, so the answer
  stays exact). ``pg_trgm`` ships with PostgreSQL and is a trusted extension since
  PostgreSQL 13: the database's owner may create it.

A later migration that rebuilds ``stores`` on SQLite (a batch migration: copy, drop, rename)
drops these triggers with the old table and must create them again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:00:00

"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE stores_name_search USING fts5("
    "name_key, content='stores', content_rowid='id', tokenize='trigram case_sensitive 1')",
    # An external-content table is told what to remove: the old key, as it was indexed.
    "CREATE TRIGGER stores_name_search_insert AFTER INSERT ON stores BEGIN "
    "INSERT INTO stores_name_search (rowid, name_key) VALUES (new.id, new.name_key); END",
    "CREATE TRIGGER stores_name_search_delete AFTER DELETE ON stores BEGIN "
    "INSERT INTO stores_name_search (stores_name_search, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); END",
    "CREATE TRIGGER stores_name_search_update AFTER UPDATE OF id, name_key ON stores BEGIN "
    "INSERT INTO stores_name_search (stores_name_search, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); "
    "INSERT INTO stores_name_search (rowid, name_key) VALUES (new.id, new.name_key); END",
    # Index the stores that exist already.
    "INSERT INTO stores_name_search (stores_name_search) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS stores_name_search_update",
    "DROP TRIGGER IF EXISTS stores_name_search_delete",
    "DROP TRIGGER IF EXISTS stores_name_search_insert",
    "DROP TABLE IF EXISTS stores_name_search",
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        version = bind.exec_driver_sql("SELECT sqlite_version()").scalar()
        if tuple(int(part) for part in version.split(".")[:2]) < (3, 34):
            raise RuntimeError(
                f"Store search needs SQLite 3.34 or newer (FTS5's trigram tokenizer); this "
                f"Python uses SQLite {version}. Run ASC Web with a Python built with a newer "
                "SQLite (python.org's builds and current Linux distributions have one)."
            )
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_stores_name_key_trgm", "stores", ["name_key"],
            postgresql_using="gin", postgresql_ops={"name_key": "gin_trgm_ops"},
        )  # fmt: skip


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
    elif dialect == "postgresql":
        # The extension stays: it may have been there before, and other schemas or queries
        # of the database may use it; an upgrade again finds it (IF NOT EXISTS).
        op.drop_index("ix_stores_name_key_trgm", table_name="stores")
