"""What the card and the dashboard show of a store's Amazon data, read from what the sync
kept (a few indexed queries per page, whatever the history size)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, tuple_

from .. import cursors
from ..extensions import db
from ..models import AmazonOrder, DailySales, Listing, Store, StoreSync
from ..rendering import asc_date

DAYS = 30


@dataclass(frozen=True)
class Recent:
    """The last 30 days (today included, in the marketplace's time zone)."""

    first_day: date
    last_day: date
    currency: str
    total_minor: int
    # One figure per day, oldest first (zero on days without sales): the sparkline.
    daily_minor: tuple[int, ...]

    @property
    def most_minor(self) -> int:
        """The best day's sales."""
        return max(self.daily_minor)


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
    daily = [0] * DAYS
    for day, minor in sync.recent_sales:
        n = (date.fromisoformat(day) - first).days
        if 0 <= n < DAYS:
            daily[n] = minor
    return Recent(first, last, store.marketplace.currency, sum(daily), tuple(daily))


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


@dataclass(frozen=True)
class CardFigures:
    """What a store card shows of the store's Amazon data."""

    # The first import of orders is still under way, and how many orders are kept so far.
    importing: bool
    orders_imported: int
    # The 30 days up to today, or up to the last sales figures when the sync has stopped.
    recent: Recent | None
    # None before the first listings sync.
    listings_with_issues: int | None
    # Why the last run stopped early, in the merchant's words.
    problem: str | None
    # Why the sync does not run now (inactive, reconnect required), in the merchant's words.
    stopped: str | None
    # The card asks again every few seconds: the import is under way and moving.
    poll: bool


# Statuses under which the sync runs ("awaiting": a renewal's open attempt; the sync goes on
# with the authorization the store has, and connect's poll refreshes the card already).
SYNCING = ("active", "renewal_due", "awaiting")


def for_card(store: Store, status_code: str, now: datetime) -> CardFigures | None:
    """The card's figures from the sync row loaded with the store (no query); None for a
    store that has never been connected or that sync never ran for and will not now."""
    if store.authorization is None or status_code == "not_connected":
        return None
    sync = store.sync
    syncing = status_code in SYNCING
    if sync is None and not syncing:
        return None
    importing = sync is None or sync.phase == "importing"
    as_of = now if syncing or sync.metrics_synced_at is None else sync.metrics_synced_at
    return CardFigures(
        importing=importing,
        orders_imported=sync.orders_imported if sync else 0,
        recent=recent_sales(store, sync, as_of),
        listings_with_issues=sync.listings_with_issues if sync else None,
        problem=sync.last_problem if sync and syncing else None,
        stopped=None if syncing else _stopped(status_code, sync),
        poll=importing and syncing and status_code != "awaiting",
    )


def _stopped(status_code: str, sync: StoreSync) -> str:
    as_of = f" Figures as of {asc_date(sync.metrics_synced_at)}." if sync.metrics_synced_at else ""
    if status_code == "inactive":
        return f"Sync stopped while this store is inactive.{as_of} Activate it to sync again."
    # The sync's own words when a run found the authorization refused.
    why = sync.last_problem or "Sync stopped: reconnect the store to sync its data again."
    return f"{why}{as_of}"


# -- the dashboard ------------------------------------------------------------------------

PERIODS = ("day", "week", "month")
# How many bars each period's chart draws (the Sales API's history is two years).
BARS = {"day": 30, "week": 26, "month": 24}
ORDERS_PER_PAGE = 20
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Bucket:
    """One bar of the revenue chart: a day, a week (Monday to Sunday) or a month."""

    first: date
    label: str
    sales_minor: int
    orders: int


@dataclass(frozen=True)
class Revenue:
    """The revenue chart's figures, oldest first."""

    period: str
    buckets: list[Bucket]

    @property
    def total_minor(self) -> int:
        """Sales over the whole chart."""
        return sum(bucket.sales_minor for bucket in self.buckets)

    @property
    def best(self) -> Bucket | None:
        """The bucket with the highest sales (the latest of equals), None without sales."""
        best = max(reversed(self.buckets), key=lambda b: b.sales_minor, default=None)
        return best if best is not None and best.sales_minor > 0 else None


def lifetime(sync: StoreSync | None) -> tuple[int, int]:
    """Sales and orders of every day kept (since the first order imported), as the sync
    counted them (no query)."""
    if sync is None:
        return 0, 0
    return sync.lifetime_sales_minor or 0, sync.lifetime_orders or 0


def _bucket_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _previous(start: date, period: str) -> date:
    if period == "week":
        return start - timedelta(days=7)
    if period == "month":
        return (start - timedelta(days=1)).replace(day=1)
    return start - timedelta(days=1)


def _label(start: date, period: str) -> str:
    if period == "month":
        return f"{MONTHS[start.month - 1]} {start.year}"
    written = f"{MONTHS[start.month - 1]} {start.day}, {start.year}"
    return f"Week of {written}" if period == "week" else written


def _starts(today: date, period: str) -> list[date]:
    """The first days of the chart's ``BARS[period]`` buckets up to ``today``, oldest first."""
    starts = [_bucket_start(today, period)]
    while len(starts) < BARS[period]:
        starts.append(_previous(starts[-1], period))
    starts.reverse()
    return starts


def chart_since(today: date) -> date:
    """The first day any period's chart draws up to ``today`` (the oldest month's first)."""
    return min(_starts(today, period)[0] for period in PERIODS)


def chart(days, today: date) -> dict[str, list[list]]:
    """Each period's bars from its chart's first up to ``today`` (and any later day) from
    ``days`` ((day, minor units, orders) rows of the daily sales from ``chart_since(today)``
    on), as the sync keeps them on its row: ``{"day": [["2026-12-03", minor, orders], ...],
    "week": ..., "month": ...}``, buckets with sales or orders only, oldest first. A later
    view draws the same bars as the days would give: its chart starts no earlier."""
    days = list(days)
    kept = {}
    for period in PERIODS:
        first = _starts(today, period)[0]
        sums: dict[date, list[int]] = {}
        for day, minor, orders in days:
            if day >= first:
                bucket = sums.setdefault(_bucket_start(day, period), [0, 0])
                bucket[0] += minor
                bucket[1] += orders
        kept[period] = [[start.isoformat(), *sums[start]] for start in sorted(sums)]
    return kept


def revenue(store: Store, period: str, now: datetime) -> Revenue:
    """The last ``BARS[period]`` days, weeks or months of sales up to today (local days):
    from the bars the sync kept on the store's sync row (no query), or, before its sync
    counted them, from the daily figures (one indexed range read of at most two years of
    days; none for a store the sync never ran for, which has no figures yet)."""
    period = period if period in PERIODS else "day"
    starts = _starts(local_today(store, now), period)
    sales = dict.fromkeys(starts, 0)
    orders = dict.fromkeys(starts, 0)
    sync = store.sync
    if sync is None:
        rows = ()
    elif sync.chart is not None:
        # Bars of the sync's day and before; the days since have no figures yet.
        rows = ((date.fromisoformat(start), minor, n) for start, minor, n in sync.chart[period])
    else:
        rows = db.session.execute(
            select(DailySales.day, DailySales.sales_minor, DailySales.orders)
            .where(DailySales.store_id == store.id, DailySales.day >= starts[0])
        )  # fmt: skip
    for day, minor, count in rows:
        start = _bucket_start(day, period)
        if start in sales:
            sales[start] += minor
            orders[start] += count
    return Revenue(period, [Bucket(s, _label(s, period), sales[s], orders[s]) for s in starts])


@dataclass(frozen=True)
class OrdersPage:
    """A page of the store's orders, newest first, with the cursors of its neighbours."""

    orders: list[AmazonOrder]
    # "before=…" shows the next older page, "after=…" the next newer one; None at an end.
    older: str | None
    newer: str | None


NO_ORDERS = OrdersPage([], None, None)


def orders_page(store_id: int, before: str | None = None, after: str | None = None) -> OrdersPage:
    """20 orders newest first: the newest, the ones older than ``before`` or the ones newer
    than ``after`` (cursors of the index on store, purchase time and id: no page reads the
    orders it skips)."""
    key = tuple_(AmazonOrder.purchased_at, AmazonOrder.id)
    query = select(AmazonOrder).where(AmazonOrder.store_id == store_id)
    newer_side = cursors.decode(after) if not before else None
    older_side = cursors.decode(before)
    if newer_side is not None:
        query = query.where(key > tuple_(*newer_side)).order_by(
            AmazonOrder.purchased_at, AmazonOrder.id
        )
    else:
        if older_side is not None:
            query = query.where(key < tuple_(*older_side))
        query = query.order_by(AmazonOrder.purchased_at.desc(), AmazonOrder.id.desc())
    rows = list(db.session.scalars(query.limit(ORDERS_PER_PAGE + 1)))
    more = len(rows) > ORDERS_PER_PAGE
    rows = rows[:ORDERS_PER_PAGE]
    if newer_side is not None:
        rows.reverse()
        older = _cursor(rows[-1]) if rows else None
        newer = _cursor(rows[0]) if rows and more else None
    else:
        older = _cursor(rows[-1]) if rows and more else None
        newer = _cursor(rows[0]) if rows and older_side is not None else None
    return OrdersPage(rows, older, newer)


def _cursor(order: AmazonOrder) -> str:
    return cursors.encode(order.purchased_at, order.id)


def listings_by_status(sync: StoreSync | None) -> list[tuple[str, int]]:
    """How many listings have each of Amazon's status combinations (in words), most first,
    as the last listings sync counted them (no query)."""
    rows = (sync.listings_by_status if sync else None) or []
    return [(status_words(status), n) for status, n in rows]


def status_words(status: str) -> str:
    """Amazon's listing statuses in words: "BUYABLE,DISCOVERABLE" is "Buyable, discoverable"."""
    if not status:
        return "Neither buyable nor discoverable"
    return ", ".join(part.strip().lower() for part in status.split(",")).capitalize()


SEVERITY_ORDER = {"ERROR": 0, "WARNING": 1}
# A page shows this many listings with issues at most (the card and the heading say how many
# there are in all).
ISSUES_SHOWN = 200


@dataclass(frozen=True)
class ListingIssues:
    """A listing with Amazon's issues, errors first."""

    sku: str
    asin: str | None
    name: str
    status: str
    issues: list[dict]

    @property
    def has_error(self) -> bool:
        """Whether Amazon reports at least one ERROR (the listing may not be buyable)."""
        return any(issue.get("severity") == "ERROR" for issue in self.issues)


def listings_with_issue_list(store_id: int, limit: int = ISSUES_SHOWN) -> list[ListingIssues]:
    """The listings with issues, those with an error first (then by SKU), each listing's
    issues errors first (Amazon's order kept among equals)."""
    rows = db.session.scalars(
        select(Listing).where(Listing.store_id == store_id, Listing.issue_count > 0)
        .order_by(Listing.sku).limit(limit)
    )  # fmt: skip
    listings = [
        ListingIssues(
            row.sku, row.asin, row.name, row.status,
            sorted(row.issues or [], key=lambda i: SEVERITY_ORDER.get(i.get("severity"), 2)),
        )
        for row in rows
    ]  # fmt: skip
    return sorted(listings, key=lambda listing: not listing.has_error)
