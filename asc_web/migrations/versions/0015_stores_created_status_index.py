"""The stores' date index carries their id and status facts: deep pages read index entries

A page of the home page takes its 24 ids from the stores in date order (newest first),
skipping the pages before it. ``ix_stores_created`` held the date alone: PostgreSQL fetched
each skipped store's row for its id and sorted equal dates by id, and a status filter's page
read every skipped store's row on both databases to test its status. The index that replaces
it holds the date, the id and the three status facts (``active``, ``connection_valid_until``,
``awaiting_until``, kept by migration 0011's triggers), so skipping a store reads its index
entry only (an index-only scan on PostgreSQL, a covering index on SQLite). Measured
in-process at 100,000 stores (the benchmark's data), the page's whole listing:

| page | SQLite before → after | PostgreSQL before → after |
| --- | --- | --- |
| ``?page=2084`` (the middle) | 2.9 → 3.0 ms | 22.1 → 7.6 ms |
| ``?status=active&page=400`` | 10.6 → 6.2 ms | 15.6 → 8.2 ms |
| ``?status=not_connected&page=700`` | 11.3 → 5.0 ms | 21.5 → 7.7 ms |
| ``?page=1`` | 1.3 → 1.2 ms | 4.5 → 4.2 ms |

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 23:40:00

"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = ["created_at", "id", "active", "connection_valid_until", "awaiting_until"]


def upgrade():
    op.create_index("ix_stores_created_status", "stores", COLUMNS)
    op.drop_index("ix_stores_created", table_name="stores")


def downgrade():
    op.create_index("ix_stores_created", "stores", ["created_at"])
    op.drop_index("ix_stores_created_status", table_name="stores")
