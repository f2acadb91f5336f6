"""What ASC Web keeps of each store's Amazon data: daily sales, orders, listings, sync state.

Money is kept in minor units (cents, pence, centavos) as integers: every marketplace ASC Web
serves has a two-decimal currency, and integers add up the same on SQLite and PostgreSQL.
Orders carry no buyer personal data: getOrders is called without a restricted data token.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import db


def _now() -> datetime:
    return clock.utcnow()


class StoreSync(db.Model):
    """How far a store's sync got: resumable after a crash, one run at a time per store."""

    __tablename__ = "store_syncs"
    __table_args__ = (Index("ix_store_syncs_due", "next_run_at"),)

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    # The seller whose data this is: connecting the store to another seller starts afresh.
    selling_partner_id: Mapped[str | None] = mapped_column(String(32))
    # "importing" until the first import of orders is complete, then "ready".
    phase: Mapped[str] = mapped_column(String(16), default="importing")
    # Orders are complete up to this moment (getOrders' LastUpdatedBefore of the last
    # finished search); the next search starts a little before it.
    orders_complete_until: Mapped[datetime | None]
    # A search under way: where it started, and Amazon's NextToken for its next page.
    search_after: Mapped[datetime | None]
    next_token: Mapped[str | None] = mapped_column(Text)
    # Orders of the store kept so far (the card shows it while the first import runs).
    orders_imported: Mapped[int] = mapped_column(default=0)
    first_order_day: Mapped[date | None] = mapped_column(Date)
    metrics_synced_at: Mapped[datetime | None]
    # The card's figures, kept here so a page of cards reads them with the stores: the last
    # RECENT_DAYS days of sales as [["2026-12-04", minor units], ...] (days with sales only)
    # and the listing counts of the last listings sync.
    recent_sales: Mapped[list | None] = mapped_column(JSON)
    # The dashboard's totals, counted when the sync writes what they count (so a dashboard
    # reads none of the days or listings they sum, however many a store has): sales and
    # orders of every day kept (daily_sales), and how many listings have each of Amazon's
    # statuses, most first: [["BUYABLE,DISCOVERABLE", 240], ...] (None: not counted yet).
    lifetime_sales_minor: Mapped[int | None] = mapped_column(BigInteger)
    lifetime_orders: Mapped[int | None]
    listings_by_status: Mapped[list | None] = mapped_column(
        JSON, deferred=True, deferred_group="dashboard"
    )
    # The dashboard's revenue chart, bucketed when the sync writes the days: for each period
    # ("day", "week", "month") the bars up to the sync's day that had sales or orders, as
    # [["2026-11-30", minor units, orders], ...] (None: not counted yet; the dashboard then
    # reads the days). Deferred with the listings per status: only the dashboard loads
    # them, in its own store query (a page of cards leaves both JSON texts unread).
    chart: Mapped[dict | None] = mapped_column(JSON, deferred=True, deferred_group="dashboard")
    listings_synced_at: Mapped[datetime | None]
    # The last time every listing was read (the others read only the newest changes).
    listings_full_at: Mapped[datetime | None]
    listings_total: Mapped[int | None]
    listings_with_issues: Mapped[int | None]
    last_run_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    # Why the last run stopped early, in the merchant's words (None when it went well).
    last_problem: Mapped[str | None] = mapped_column(Text)
    next_run_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=_now)


class DailySales(db.Model):
    """One day of a store's sales as Amazon's Sales API counts them (day in the marketplace's
    time zone; orders purchased that day whose status is not Canceled)."""

    __tablename__ = "daily_sales"

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    sales_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    orders: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=0)


class AmazonOrder(db.Model):
    """An order as getOrders lists it, without buyer data; one row per Amazon order id."""

    __tablename__ = "amazon_orders"
    __table_args__ = (
        Index("uq_amazon_orders_store_order", "store_id", "amazon_order_id", unique=True),
        Index("ix_amazon_orders_store_purchased", "store_id", "purchased_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    amazon_order_id: Mapped[str] = mapped_column(String(32))
    purchased_at: Mapped[datetime]
    last_updated_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(32))
    items: Mapped[int] = mapped_column(default=0)
    total_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))


class Listing(db.Model):
    """One of the seller's listings in the store's marketplace, with Amazon's issues."""

    __tablename__ = "listings"
    __table_args__ = (Index("ix_listings_store_issues", "store_id", "issue_count"),)

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    asin: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text, default="")
    # Amazon's statuses joined by commas ("BUYABLE,DISCOVERABLE"; "" when neither).
    status: Mapped[str] = mapped_column(String(64), default="")
    issue_count: Mapped[int] = mapped_column(default=0)
    # [{"code", "message", "severity"}] as Amazon reported them.
    issues: Mapped[list | None] = mapped_column(JSON)
    synced_at: Mapped[datetime] = mapped_column(default=_now)


class RateBucket(db.Model):
    """ASC Web's own token bucket per authorization (seller and region) and Amazon operation,
    so every server together stays within Amazon's documented rate."""

    __tablename__ = "rate_buckets"

    authorization_id: Mapped[int] = mapped_column(
        ForeignKey("authorizations.id", ondelete="CASCADE"), primary_key=True
    )
    operation: Mapped[str] = mapped_column(String(32), primary_key=True)
    tokens: Mapped[float]
    updated_at: Mapped[datetime]
