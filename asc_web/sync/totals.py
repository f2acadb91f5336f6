"""The dashboard's totals of a store's Amazon data, counted whenever the sync writes the rows
they count and kept on the store's sync row: a dashboard then reads none of the days or
listings they sum or chart, whether a store has a month of sales or ten years, ten listings or
100,000."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ..extensions import db
from ..models import DailySales, Listing, StoreSync
from . import figures


def count_sales(sync: StoreSync) -> None:
    """Lifetime sales and orders: every day of the store's daily sales (flushed first)."""
    db.session.flush()
    sales, orders = db.session.execute(
        select(func.coalesce(func.sum(DailySales.sales_minor), 0),
               func.coalesce(func.sum(DailySales.orders), 0))
        .where(DailySales.store_id == sync.store_id)
    ).one()  # fmt: skip
    sync.lifetime_sales_minor, sync.lifetime_orders = int(sales), int(orders)


def count_chart(sync: StoreSync, today: date) -> None:
    """The revenue chart's bars of each period up to ``today`` (the marketplace's day): one
    indexed read of the days they draw, at most two years (flushed first)."""
    db.session.flush()
    days = db.session.execute(
        select(DailySales.day, DailySales.sales_minor, DailySales.orders).where(
            DailySales.store_id == sync.store_id, DailySales.day >= figures.chart_since(today)
        )
    )
    sync.chart = figures.chart(days, today)


def count_listings(sync: StoreSync) -> None:
    """The store's listings: in all, with issues, and per status most first (one read)."""
    db.session.flush()
    count = func.count().label("n")
    rows = db.session.execute(
        select(Listing.status, count, func.count().filter(Listing.issue_count > 0))
        .where(Listing.store_id == sync.store_id)
        .group_by(Listing.status).order_by(count.desc(), Listing.status)
    ).all()  # fmt: skip
    sync.listings_total = sum(n for _status, n, _issues in rows)
    sync.listings_with_issues = sum(issues for _status, _n, issues in rows)
    sync.listings_by_status = [[status, n] for status, n, _issues in rows]


def forget(sync: StoreSync) -> None:
    """No totals: the store's data was removed (it now sells for another seller)."""
    sync.lifetime_sales_minor = sync.lifetime_orders = sync.listings_by_status = None
    sync.chart = None
    sync.listings_total = sync.listings_with_issues = None
