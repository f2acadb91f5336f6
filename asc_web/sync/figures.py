"""What the card and the dashboard show of a store's Amazon data, read from what the sync
kept (a few indexed queries per page, whatever the history size)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from ..models import DailySales, Listing, Store, StoreSync

DAYS = 30


@dataclass(frozen=True)
class Recent:
    """The last 30 days (today included, in the marketplace's time zone)."""

    first_day: date
    last_day: date
    currency: str
    total_minor: int
    # One figure per day, oldest first (zero on days without sales): the sparkline.
    daily_minor: list[int]


def local_today(store: Store, now: datetime) -> date:
    """Today in the store's marketplace time zone (Amazon counts days there)."""
    return now.astimezone(ZoneInfo(store.marketplace.time_zone)).date()


def recent_sales(store: Store, sync: StoreSync | None, now: datetime) -> Recent | None:
    """Sales of the last 30 days from the figures the last sync kept on the store's sync row
    (None before the first sales figures arrived)."""
    if sync is None or sync.recent_sales is None:
        return None
    last = local_today(store, now)
    first = last - timedelta(days=DAYS - 1)
    by_day = {date.fromisoformat(day): minor for day, minor in sync.recent_sales}
    daily = [by_day.get(first + timedelta(days=n), 0) for n in range(DAYS)]
    return Recent(first, last, store.marketplace.currency, sum(daily), daily)


def daily_total(store_id: int, first: date, last: date) -> int:
    """Sales from ``first`` to ``last`` (local days, both included) from the daily figures."""
    return db.session.scalar(
        select(func.coalesce(func.sum(DailySales.sales_minor), 0)).where(
            DailySales.store_id == store_id, DailySales.day >= first, DailySales.day <= last
        )
    )


def listings_with_issues(store_id: int) -> int:
    """How many of the store's listings carry at least one issue."""
    return db.session.scalar(
        select(func.count()).select_from(Listing)
        .where(Listing.store_id == store_id, Listing.issue_count > 0)
    )  # fmt: skip


def sync_state(store_id: int) -> StoreSync | None:
    """The store's sync row (None before its first sync)."""
    return db.session.get(StoreSync, store_id)
