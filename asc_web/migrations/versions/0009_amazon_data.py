"""Each store's Amazon data: daily sales, orders (no buyer data), listings, sync state, and
ASC Web's own rate buckets per authorization and operation

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 15:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _store_id(primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "store_id",
        sa.Integer(),
        sa.ForeignKey("stores.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade():
    op.create_table(
        "store_syncs",
        _store_id(primary_key=True),
        sa.Column("selling_partner_id", sa.String(length=32), nullable=True),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("orders_complete_until", sa.DateTime(), nullable=True),
        sa.Column("search_after", sa.DateTime(), nullable=True),
        sa.Column("next_token", sa.Text(), nullable=True),
        sa.Column("orders_imported", sa.Integer(), nullable=False),
        sa.Column("first_order_day", sa.Date(), nullable=True),
        sa.Column("metrics_synced_at", sa.DateTime(), nullable=True),
        sa.Column("recent_sales", sa.JSON(), nullable=True),
        sa.Column("listings_synced_at", sa.DateTime(), nullable=True),
        sa.Column("listings_full_at", sa.DateTime(), nullable=True),
        sa.Column("listings_total", sa.Integer(), nullable=True),
        sa.Column("listings_with_issues", sa.Integer(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_ok_at", sa.DateTime(), nullable=True),
        sa.Column("last_problem", sa.Text(), nullable=True),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_store_syncs_due", "store_syncs", ["next_run_at"])
    op.create_table(
        "daily_sales",
        _store_id(primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("sales_minor", sa.BigInteger(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
    )
    op.create_table(
        "amazon_orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        _store_id(),
        sa.Column("amazon_order_id", sa.String(length=32), nullable=False),
        sa.Column("purchased_at", sa.DateTime(), nullable=False),
        sa.Column("last_updated_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
    )
    op.create_index(
        "uq_amazon_orders_store_order", "amazon_orders", ["store_id", "amazon_order_id"],
        unique=True,
    )  # fmt: skip
    op.create_index(
        "ix_amazon_orders_store_purchased", "amazon_orders", ["store_id", "purchased_at", "id"]
    )
    op.create_table(
        "listings",
        _store_id(primary_key=True),
        sa.Column("sku", sa.String(length=64), primary_key=True),
        sa.Column("asin", sa.String(length=16), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("issue_count", sa.Integer(), nullable=False),
        sa.Column("issues", sa.JSON(), nullable=True),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_listings_store_issues", "listings", ["store_id", "issue_count"])
    op.create_table(
        "rate_buckets",
        sa.Column(
            "authorization_id",
            sa.Integer(),
            sa.ForeignKey("authorizations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("operation", sa.String(length=32), primary_key=True),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade():
    op.drop_table("rate_buckets")
    op.drop_index("ix_listings_store_issues", table_name="listings")
    op.drop_table("listings")
    op.drop_index("ix_amazon_orders_store_purchased", table_name="amazon_orders")
    op.drop_index("uq_amazon_orders_store_order", table_name="amazon_orders")
    op.drop_table("amazon_orders")
    op.drop_table("daily_sales")
    op.drop_index("ix_store_syncs_due", table_name="store_syncs")
    op.drop_table("store_syncs")
