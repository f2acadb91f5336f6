"""Sales API v1 getOrderMetrics: order figures per hour, day, week, month, year or in total.

Figures come from the same orders getOrders answers: every order purchased in the interval
(start inclusive, end exclusive) whose status now is not Canceled; totalSales is the sum of
the order lines (price x units), averageUnitPrice is totalSales / unitCount rounded half up.
Each bucket is labelled with its whole hour, day, week, month or year in the time zone asked
for, but counts only what falls inside the interval (Amazon's partial head and tail).
"""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import request
from werkzeug.wrappers import Response

from . import ledger, operations, seeding, spapi, store, world
from .operations import invalid

bp = spapi.bp
GRANULARITIES = ("Hour", "Day", "Week", "Month", "Year", "Total")
MAX_BUCKETS = 2000


@bp.get("/<any(na, eu):region>/sales/v1/orderMetrics")
def order_metrics(region: str) -> Response:
    """Answer the order metrics of one marketplace over an interval."""
    gate = operations.enter("sales", region)
    if gate.answer is not None:
        return gate.answer
    conn = store.get_db()
    now = store.now(conn)
    try:
        marketplace_id, start, end, buckets, filters = _parse(now)
    except ValueError as exc:
        return invalid(str(exc), gate.rate)
    problem = operations.marketplace_problem(conn, gate.seller_id, region, [marketplace_id])
    if problem is not None:
        return invalid(problem, gate.rate)
    orders = [
        order
        for order in ledger.orders_purchased(
            conn, gate.seller_id, marketplace_id, start.timestamp(), end.timestamp(), now
        )
        if order.purchase < end.timestamp() and order.status not in seeding.UNCOUNTED_STATUSES
    ]
    times = [order.purchase for order in orders]
    currency = world.MARKETPLACES[marketplace_id].currency
    payload = []
    for low, high in buckets:
        first = bisect.bisect_left(times, max(low, start).timestamp())
        last = bisect.bisect_left(times, min(high, end).timestamp())
        payload.append(_figures(orders[first:last], filters, currency, _label(low, high)))
    return spapi.reply(200, {"payload": payload}, gate.rate)


def _figures(orders: list, filters: dict, currency: str, label: str) -> dict:
    """Sum one bucket's orders (only the lines the ASIN/SKU filter keeps)."""
    order_count = item_count = units = sales = 0
    for order in orders:
        if filters["business"] is not None and order.business != filters["business"]:
            continue
        if filters["channel"] and order.channel != filters["channel"]:
            continue
        lines = [
            item
            for item in order.items
            if (not filters["asin"] or item.asin == filters["asin"])
            and (not filters["sku"] or item.sku == filters["sku"])
        ]
        if not lines:
            continue
        order_count += 1
        item_count += len(lines)
        units += sum(item.quantity for item in lines)
        sales += sum(item.quantity * item.price for item in lines)
    average = 0
    if units:
        average = int((Decimal(sales) / units).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return {
        "interval": label,
        "unitCount": units,
        "orderItemCount": item_count,
        "orderCount": order_count,
        "averageUnitPrice": {"amount": seeding.money(average), "currencyCode": currency},
        "totalSales": {"amount": seeding.money(sales), "currencyCode": currency},
    }


def _label(low: datetime, high: datetime) -> str:
    """Format a bucket as Amazon does: 2018-09-01T00:00-07:00--2018-09-02T00:00-07:00."""
    return f"{_stamp(low)}--{_stamp(high)}"


def _stamp(moment: datetime) -> str:
    """Format one boundary to the minute with its offset (Z for UTC itself)."""
    offset = moment.utcoffset() or timedelta()
    if moment.tzinfo is UTC or (
        isinstance(moment.tzinfo, ZoneInfo) and moment.tzinfo.key in ("UTC", "Etc/UTC")
    ):
        return moment.strftime("%Y-%m-%dT%H:%MZ")
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return (
        moment.strftime("%Y-%m-%dT%H:%M")
        + f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    )


def _parse(now: float) -> tuple:
    """Read and check the parameters; ValueError says what is wrong."""
    args = request.args
    marketplaces = operations.query_list("marketplaceIds")
    if len(marketplaces) != 1:
        raise ValueError("marketplaceIds must name exactly one marketplace.")
    granularity = args.get("granularity", "")
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}.")
    start, end = _interval(args.get("interval", ""))
    limit = timedelta(days=30) if granularity == "Hour" else timedelta(days=731)
    if start < datetime.fromtimestamp(now, UTC) - limit:
        raise ValueError(
            "The interval must start within 30 days from now for granularity Hour"
            " and within two years from now otherwise."
        )
    zone_name = args.get("granularityTimeZone")
    if zone_name is None and granularity not in ("Hour", "Total"):
        raise ValueError("granularityTimeZone is required for this granularity.")
    tz: tzinfo = start.tzinfo or UTC
    if zone_name is not None:
        try:
            tz = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"Invalid granularityTimeZone: {zone_name}.") from None
        if any(moment.astimezone(tz).utcoffset() != moment.utcoffset() for moment in (start, end)):
            raise ValueError("granularityTimeZone must match the offsets of the interval.")
    first_day = args.get("firstDayOfWeek", "Monday")
    if first_day not in ("Monday", "Sunday"):
        raise ValueError("firstDayOfWeek must be Monday or Sunday.")
    buyer = args.get("buyerType", "All")
    if buyer not in ("B2B", "B2C", "All"):
        raise ValueError("buyerType must be B2B, B2C or All.")
    channel = args.get("fulfillmentNetwork")
    if channel not in (None, "AFN", "MFN"):
        raise ValueError("fulfillmentNetwork must be AFN or MFN.")
    if args.get("asin") and args.get("sku"):
        raise ValueError("Specify asin or sku, not both.")
    filters = {
        "business": {"B2B": True, "B2C": False}.get(buyer),
        "channel": channel,
        "asin": args.get("asin"),
        "sku": args.get("sku"),
    }
    buckets = _buckets(start.astimezone(tz), end.astimezone(tz), granularity, first_day)
    return marketplaces[0], start, end, buckets, filters


def _interval(value: str) -> tuple[datetime, datetime]:
    """Parse 'start--end' (absolute ISO 8601 times, start before end)."""
    parts = value.split("--")
    if len(parts) != 2:
        raise ValueError("interval must be two ISO 8601 date-times separated by '--'.")
    try:
        start, end = (datetime.fromisoformat(part) for part in parts)
    except ValueError:
        raise ValueError("interval must be two ISO 8601 date-times separated by '--'.") from None
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("interval dates must give Z or an offset.")
    if start >= end:
        raise ValueError("interval must end after it starts.")
    return start, end


def _buckets(start: datetime, end: datetime, granularity: str, first_day: str) -> list:
    """Return the (low, high) boundaries covering [start, end) in start's time zone."""
    if granularity == "Total":
        return [(start, end)]
    tz = start.tzinfo
    if granularity == "Hour":
        low = datetime.fromtimestamp(start.timestamp() // 3600 * 3600, tz)
        step = lambda moment: datetime.fromtimestamp(moment.timestamp() + 3600, tz)  # noqa: E731
    else:
        day = start.date()
        if granularity == "Week":
            weekday = day.weekday() if first_day == "Monday" else (day.weekday() + 1) % 7
            day -= timedelta(days=weekday)
        elif granularity == "Month":
            day = day.replace(day=1)
        elif granularity == "Year":
            day = day.replace(month=1, day=1)
        low = datetime.combine(day, time(), tz)
        step = lambda moment: datetime.combine(_next(moment.date(), granularity), time(), tz)  # noqa: E731
    buckets = []
    while low < end:
        high = step(low)
        buckets.append((low, high))
        if len(buckets) > MAX_BUCKETS:
            raise ValueError("The interval holds too many buckets for this granularity.")
        low = high
    return buckets


def _next(day: date, granularity: str) -> date:
    """Return the first day of the next day, week, month or year."""
    if granularity == "Day":
        return day + timedelta(days=1)
    if granularity == "Week":
        return day + timedelta(days=7)
    if granularity == "Month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day.replace(year=day.year + 1, month=1, day=1)
