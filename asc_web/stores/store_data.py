"""The store dashboard's Amazon data: lifetime sales, the revenue chart, recent orders and
listings, read with a few indexed queries whatever the history size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .. import cursors
from ..models import AmazonOrder, Store, StoreSync
from ..sync import figures
from . import charts


@dataclass(frozen=True)
class StoreData:
    """What the dashboard's Amazon panels show."""

    sync: StoreSync | None
    lifetime_minor: int
    lifetime_orders: int
    first_day: date | None
    revenue: figures.Revenue
    bars: list[charts.Bar]
    orders: figures.OrdersPage
    zone: ZoneInfo
    by_status: list[tuple[str, int]]
    issues: list[figures.ListingIssues]
    # Where the merchant is (kept by every link of the panels).
    period: str
    before: str | None
    after: str | None

    def period_args(self, period: str) -> dict:
        """Query arguments for the chart of ``period``, on the same page of orders."""
        return self._args(period=period, before=self.before, after=self.after)

    def page_args(self, before: str | None = None, after: str | None = None) -> dict:
        """Query arguments for another page of orders, with the same chart."""
        return self._args(period=self.period, before=before, after=after)

    @staticmethod
    def _args(**values) -> dict:
        if values.get("period") == "day":
            values.pop("period")
        return {key: value for key, value in values.items() if value}

    def local(self, order: AmazonOrder) -> datetime:
        """When the order was purchased, in the marketplace's time zone."""
        return order.purchased_at.astimezone(self.zone)

    @property
    def issues_total(self) -> int:
        """How many listings have issues (the last listings sync's count)."""
        if self.sync is None or self.sync.listings_with_issues is None:
            return len(self.issues)
        return self.sync.listings_with_issues


def load(store: Store, args, now: datetime) -> StoreData | None:
    """The panels' figures for ``store`` (``args``: the query string's ``period``,
    ``before`` and ``after``); None for a store that was never connected.

    Two queries (a page of orders, the listings with issues); none before the store's first
    sync, which writes the first of its data. The totals and the chart's bars are the sync's
    own counts on the sync row (asc_web/sync/totals.py); a store synced before they were
    kept reads its chart's days until its next sync."""
    sync = store.sync
    if sync is None and store.authorization is None:
        return None
    period = args.get("period", "day")
    period = period if period in figures.PERIODS else "day"
    before = args.get("before") if cursors.decode(args.get("before")) else None
    after = args.get("after") if not before and cursors.decode(args.get("after")) else None
    revenue = figures.revenue(store, period, now)
    sales, orders = figures.lifetime(sync)
    return StoreData(
        sync=sync,
        lifetime_minor=sales,
        lifetime_orders=orders,
        first_day=sync.first_order_day if sync else None,
        revenue=revenue,
        bars=charts.bars([bucket.sales_minor for bucket in revenue.buckets]),
        orders=figures.orders_page(store.id, before, after) if sync else figures.NO_ORDERS,
        zone=ZoneInfo(store.marketplace.time_zone),
        by_status=figures.listings_by_status(sync),
        issues=figures.listings_with_issue_list(store.id) if sync else [],
        period=period,
        before=before,
        after=after,
    )
