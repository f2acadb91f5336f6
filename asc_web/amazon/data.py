"""The store's Amazon data: Sales getOrderMetrics, Orders v0 getOrders, Listings Items
2021-08-01 searchListingsItems. Each returns plain records; failures raise ``AmazonError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from . import spapi
from .errors import AmazonError
from .http import Timeouts

# Amazon's documented default usage plans: (requests per second, burst).
RATES = {"sales": (0.5, 15), "orders": (0.0167, 20), "listings": (5.0, 5)}
ORDERS_PER_PAGE = 100
LISTINGS_PER_PAGE = 20


@dataclass(frozen=True)
class DayFigures:
    """One day of getOrderMetrics (Day granularity)."""

    day: date
    currency: str
    sales_minor: int
    orders: int
    units: int


@dataclass(frozen=True)
class Metrics:
    """getOrderMetrics' days, and the rate Amazon stated for the operation."""

    days: list[DayFigures]
    rate: float | None


@dataclass(frozen=True)
class Order:
    """An order of getOrders, without buyer data."""

    amazon_order_id: str
    purchased_at: datetime
    last_updated_at: datetime
    status: str
    items: int
    total_minor: int | None
    currency: str | None


@dataclass(frozen=True)
class OrdersPage:
    """One page of getOrders: its orders, the token of the next page, and where the search
    ends (``LastUpdatedBefore``, given on every page)."""

    orders: list[Order]
    next_token: str | None
    updated_before: datetime | None
    rate: float | None


@dataclass(frozen=True)
class ListingRecord:
    """One listing of searchListingsItems with summaries and issues."""

    sku: str
    asin: str | None
    name: str
    status: str
    issues: list[dict]
    updated: datetime | None


@dataclass(frozen=True)
class ListingsPage:
    """One page of searchListingsItems."""

    listings: list[ListingRecord]
    next_token: str | None
    total: int
    rate: float | None


def order_metrics(
    base_url: str, token: str, marketplace_id: str, start: datetime, end: datetime,
    time_zone: str, timeouts: Timeouts,
) -> Metrics:  # fmt: skip
    """Daily figures from ``start`` to ``end`` (days in ``time_zone``)."""
    params = {
        "marketplaceIds": marketplace_id,
        "interval": f"{_iso_local(start)}--{_iso_local(end)}",
        "granularity": "Day",
        "granularityTimeZone": time_zone,
    }
    answer = spapi.get("sales", base_url + "/sales/v1/orderMetrics", token, params, timeouts)
    try:
        return Metrics([_day(entry) for entry in answer.body["payload"]], answer.rate)
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation):
        raise _unexpected("sales") from None


def orders_page(
    base_url: str, token: str, marketplace_id: str, *, updated_after: datetime | None = None,
    next_token: str | None = None, timeouts: Timeouts,
) -> OrdersPage:  # fmt: skip
    """One page of the orders updated after ``updated_after`` (or the page ``next_token``)."""
    params = {"MarketplaceIds": marketplace_id, "MaxResultsPerPage": str(ORDERS_PER_PAGE)}
    if next_token:
        params["NextToken"] = next_token
    else:
        params["LastUpdatedAfter"] = _iso_utc(updated_after)
    answer = spapi.get("orders", base_url + "/orders/v0/orders", token, params, timeouts)
    try:
        payload = answer.body["payload"]
        before = payload.get("LastUpdatedBefore")
        return OrdersPage(
            [_order(entry) for entry in payload.get("Orders", [])],
            payload.get("NextToken") or None,
            _parse_time(before) if before else None,
            answer.rate,
        )
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation):
        raise _unexpected("orders") from None


def listings_page(
    base_url: str, token: str, seller_id: str, marketplace_id: str, *,
    page_token: str | None = None, newest_first: bool = False, timeouts: Timeouts,
) -> ListingsPage:  # fmt: skip
    """One page of the seller's listings in a marketplace, with summaries and issues: by SKU,
    or the most recently updated first."""
    params = {
        "marketplaceIds": marketplace_id,
        "includedData": "summaries,issues",
        "pageSize": str(LISTINGS_PER_PAGE),
        "sortBy": "lastUpdatedDate" if newest_first else "sku",
        "sortOrder": "DESC" if newest_first else "ASC",
    }
    if page_token:
        params["pageToken"] = page_token
    url = f"{base_url}/listings/2021-08-01/items/{quote(seller_id, safe='')}"
    answer = spapi.get("listings", url, token, params, timeouts)
    body = answer.body
    try:
        return ListingsPage(
            [_listing(item) for item in body.get("items", [])],
            (body.get("pagination") or {}).get("nextToken") or None,
            int(body.get("numberOfResults", 0)),
            answer.rate,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _unexpected("listings") from None


def minor_units(amount: str) -> int:
    """``"12.34"`` -> 1234 (Amazon sends amounts as decimal strings)."""
    return int((Decimal(amount) * 100).to_integral_value())


def _day(entry: dict) -> DayFigures:
    """Read one bucket: its interval starts with the day, in the time zone asked for."""
    sales = entry["totalSales"]
    return DayFigures(
        day=date.fromisoformat(entry["interval"][:10]),
        currency=sales["currencyCode"],
        sales_minor=minor_units(sales["amount"]),
        orders=int(entry["orderCount"]),
        units=int(entry["unitCount"]),
    )


def _order(entry: dict) -> Order:
    """Read one order (only the fields ASC Web keeps)."""
    total = entry.get("OrderTotal")
    items = int(entry.get("NumberOfItemsShipped", 0)) + int(entry.get("NumberOfItemsUnshipped", 0))
    return Order(
        amazon_order_id=str(entry["AmazonOrderId"])[:32],
        purchased_at=_parse_time(entry["PurchaseDate"]),
        last_updated_at=_parse_time(entry["LastUpdateDate"]),
        status=str(entry["OrderStatus"])[:32],
        items=items,
        total_minor=minor_units(total["Amount"]) if total else None,
        currency=total["CurrencyCode"] if total else None,
    )


def _listing(item: dict) -> ListingRecord:
    """Read one listing's first summary and its issues."""
    summary = (item.get("summaries") or [{}])[0]
    updated = summary.get("lastUpdatedDate")
    return ListingRecord(
        sku=str(item["sku"])[:64],
        asin=summary.get("asin"),
        name=summary.get("itemName") or "",
        status=",".join(summary.get("status") or []),
        issues=[
            {
                "code": issue.get("code", ""),
                "message": issue.get("message", ""),
                "severity": issue.get("severity", ""),
            }
            for issue in item.get("issues") or []
        ],
        updated=_parse_time(updated) if updated else None,
    )


def _iso_utc(moment: datetime | None) -> str:
    """An ISO 8601 UTC time with a Z, to the second."""
    if moment is None:
        raise ValueError("a search needs its start")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_local(moment: datetime) -> str:
    """An ISO 8601 time with its offset, as getOrderMetrics' interval takes it."""
    return moment.isoformat(timespec="seconds")


def _parse_time(value: str) -> datetime:
    """Amazon's ISO 8601 times (``Z`` or an offset) as aware UTC datetimes."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _unexpected(operation: str) -> AmazonError:
    return AmazonError(operation, "bad_response", "Unexpected answer.", 200)
