"""The dashboard's totals on the store's sync row: lifetime sales and orders, listings per
status

The dashboard summed every day of a store's daily sales and grouped every one of its
listings on each view: a cost that follows the store's history and catalog, not the page.
The sync now counts both when it writes the rows they count (asc_web/sync/totals.py); the
upgrade counts them once for the stores synced already.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 21:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = ("lifetime_sales_minor", "lifetime_orders", "listings_by_status")


def upgrade():
    with op.batch_alter_table("store_syncs") as batch:
        batch.add_column(sa.Column("lifetime_sales_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("lifetime_orders", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("listings_by_status", sa.JSON(), nullable=True))
    syncs = sa.table(
        "store_syncs",
        sa.column("store_id", sa.Integer()),
        sa.column("metrics_synced_at", sa.DateTime()),
        sa.column("lifetime_sales_minor", sa.BigInteger()),
        sa.column("lifetime_orders", sa.Integer()),
        sa.column("listings_by_status", sa.JSON()),
    )
    days = sa.table(
        "daily_sales",
        sa.column("store_id", sa.Integer()),
        sa.column("sales_minor", sa.BigInteger()),
        sa.column("orders", sa.Integer()),
    )
    listings = sa.table(
        "listings", sa.column("store_id", sa.Integer()), sa.column("status", sa.String())
    )
    mine = days.c.store_id == syncs.c.store_id

    def total(column):
        summed = sa.select(sa.func.coalesce(sa.func.sum(column), 0)).where(mine)
        return summed.scalar_subquery()

    bind = op.get_bind()
    bind.execute(
        syncs.update()
        .where(syncs.c.metrics_synced_at.is_not(None))
        .values(lifetime_sales_minor=total(days.c.sales_minor),
                lifetime_orders=total(days.c.orders))
    )  # fmt: skip
    # Every store with a sync row: its listings as the dashboard grouped them until now.
    by_store: dict[int, list] = {
        store_id: [] for store_id in bind.scalars(sa.select(syncs.c.store_id))
    }
    count = sa.func.count().label("n")
    rows = bind.execute(
        sa.select(listings.c.store_id, listings.c.status, count)
        .group_by(listings.c.store_id, listings.c.status)
        .order_by(listings.c.store_id, count.desc(), listings.c.status)
    )  # fmt: skip
    for store_id, status, n in rows:
        if store_id in by_store:
            by_store[store_id].append([status, n])
    if by_store:
        bind.execute(
            syncs.update().where(syncs.c.store_id == sa.bindparam("id"))
            .values(listings_by_status=sa.bindparam("counts", type_=sa.JSON())),
            [{"id": store_id, "counts": counts} for store_id, counts in by_store.items()],
        )  # fmt: skip


def downgrade():
    with op.batch_alter_table("store_syncs") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
