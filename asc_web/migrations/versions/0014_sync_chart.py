"""The dashboard's revenue chart on the store's sync row

The dashboard read up to two years of a store's daily sales on each view to draw its chart
(the day, week and month bars). The sync now buckets them when it writes the days
(asc_web/sync/totals.py) and keeps the bars on the sync row; a store synced before the
upgrade gets them at its next sync and, until then, its dashboard reads the days as before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 23:30:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("store_syncs") as batch:
        batch.add_column(sa.Column("chart", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("store_syncs") as batch:
        batch.drop_column("chart")
