"""An index of the stores awaiting Amazon: the Awaiting authorization filter and its count

A few stores wait for Amazon at any time (an open attempt lasts ten minutes), and
``ix_stores_status_facts`` keeps ``awaiting_until`` behind ``active`` and the connection's
expiry: the filter's count walked the active stores' entries to find them (1.9 ms of SQL at
100,000 stores on SQLite, the benchmark's data). ``ix_stores_awaiting`` holds only the stores
that ever had an open attempt (partial: ``awaiting_until IS NOT NULL``), in the order of its
end and with ``active``, so the filter and its count read the entries of the ones still open
and nothing else (that count: 1.9 → 0.2 ms).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 22:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

WHERE = "awaiting_until IS NOT NULL"


def upgrade():
    op.create_index(
        "ix_stores_awaiting", "stores", ["awaiting_until", "active"],
        sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE),
    )  # fmt: skip


def downgrade():
    op.drop_index("ix_stores_awaiting", table_name="stores")
