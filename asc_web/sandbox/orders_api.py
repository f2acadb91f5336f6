"""Orders API v0 getOrders: the seller's orders by creation or last update, 100 a page.

No buyer personal data is ever answered (no BuyerInfo, no ShippingAddress), so no
restricted data token is needed or asked for.
"""

from __future__ import annotations

import base64
import json
from typing import NamedTuple

from flask import request
from werkzeug.wrappers import Response

from . import ledger, operations, seeding, spapi, store, world
from .ledger import Order
from .operations import invalid

bp = spapi.bp
# Amazon answers nothing newer than two minutes before the request.
SETTLE_S = 120
MAX_MARKETPLACES = 50


class Query(NamedTuple):
    """A getOrders search, carried from page to page inside NextToken."""

    by_update: bool
    after: float
    before: float
    marketplaces: list[str]
    statuses: list[str]
    channels: list[str]
    per_page: int
    last: list | None  # [time, order id] of the previous page's last order


@bp.get("/<any(na, eu):region>/orders/v0/orders")
def get_orders(region: str) -> Response:
    """Answer one page of the seller's orders matching the filters."""
    gate = operations.enter("orders", region)
    if gate.answer is not None:
        return gate.answer
    conn = store.get_db()
    now = store.now(conn)
    try:
        query = _parse(now)
    except ValueError as exc:
        return invalid(str(exc), gate.rate)
    problem = operations.marketplace_problem(conn, gate.seller_id, region, query.marketplaces)
    if problem is not None:
        return invalid(problem, gate.rate)
    found: list[Order] = []
    # A later page starts at the previous page's last time: earlier orders cannot follow it.
    after = query.after if query.last is None else max(query.after, query.last[0])
    for marketplace_id in query.marketplaces:
        pick = ledger.orders_updated if query.by_update else ledger.orders_purchased
        found += pick(conn, gate.seller_id, marketplace_id, after, query.before, now)
    selected = sorted(
        (
            (_key(order, query.by_update), order)
            for order in found
            if (not query.statuses or order.status in query.statuses)
            and (not query.channels or order.channel in query.channels)
        ),
        key=lambda pair: pair[0],
    )
    if query.last is not None:
        last = tuple(query.last)
        selected = [pair for pair in selected if pair[0] > last]
    page = selected[: query.per_page]
    payload: dict = {"Orders": [describe(order) for _, order in page]}
    if len(selected) > query.per_page:
        payload["NextToken"] = _token(query._replace(last=list(page[-1][0])))
    payload["LastUpdatedBefore" if query.by_update else "CreatedBefore"] = operations.iso(
        query.before
    )
    return spapi.reply(200, {"payload": payload}, gate.rate)


def _key(order: Order, by_update: bool) -> tuple[float, str]:
    """Return the sort key of an order in a search (the time searched on, then the id)."""
    return (order.last_update if by_update else order.purchase, order.order_id)


def describe(order: Order) -> dict:
    """Return an order in getOrders' shape (Amazon's field names, no buyer data)."""
    marketplace = world.MARKETPLACES[order.marketplace_id]
    shipped = order.units if order.status == "Shipped" else 0
    unshipped = 0 if order.status in ("Shipped", "Canceled") else order.units
    return {
        "AmazonOrderId": order.order_id,
        "PurchaseDate": operations.iso(order.purchase),
        "LastUpdateDate": operations.iso(order.last_update),
        "OrderStatus": order.status,
        "FulfillmentChannel": order.channel,
        "SalesChannel": marketplace.name,
        "OrderType": "StandardOrder",
        "ShipServiceLevel": "Std Dom",
        "ShipmentServiceLevelCategory": "Standard",
        "OrderTotal": {"CurrencyCode": marketplace.currency, "Amount": seeding.money(order.total)},
        "NumberOfItemsShipped": shipped,
        "NumberOfItemsUnshipped": unshipped,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": order.marketplace_id,
        "IsBusinessOrder": order.business,
        "IsPrime": order.prime,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "HasRegulatedItems": False,
    }


def _parse(now: float) -> Query:
    """Read the request's filters (or its NextToken's); ValueError says what is wrong."""
    marketplaces = operations.query_list("MarketplaceIds")
    if not marketplaces:
        raise ValueError("MarketplaceIds is required.")
    if len(marketplaces) > MAX_MARKETPLACES:
        raise ValueError(f"MarketplaceIds accepts at most {MAX_MARKETPLACES} values.")
    token = request.args.get("NextToken")
    if token is not None:
        # Amazon: NextToken does not change the filters of the search it continues.
        return _untoken(token)
    args = request.args
    created_after, updated_after = args.get("CreatedAfter"), args.get("LastUpdatedAfter")
    if created_after and updated_after:
        raise ValueError("CreatedAfter and LastUpdatedAfter cannot both be set.")
    if not created_after and not updated_after:
        raise ValueError("Either CreatedAfter or LastUpdatedAfter must be set.")
    by_update = bool(updated_after)
    if by_update and (args.get("CreatedAfter") or args.get("CreatedBefore")):
        raise ValueError("CreatedBefore cannot be set when LastUpdatedAfter is set.")
    if not by_update and args.get("LastUpdatedBefore"):
        raise ValueError("LastUpdatedBefore cannot be set when CreatedAfter is set.")
    after_name = "LastUpdatedAfter" if by_update else "CreatedAfter"
    before_name = "LastUpdatedBefore" if by_update else "CreatedBefore"
    after = _time(args.get(after_name, ""), after_name)
    latest = now - SETTLE_S
    if after > latest:
        raise ValueError(f"{after_name} must be at least two minutes before the current time.")
    before = latest
    if args.get(before_name):
        before = _time(args[before_name], before_name)
        if before < after or before > latest:
            raise ValueError(
                f"{before_name} must be after {after_name} and at least two minutes before"
                " the current time."
            )
    statuses = operations.query_list("OrderStatuses")
    unknown = [status for status in statuses if status not in ledger.ORDER_STATUSES]
    if unknown:
        raise ValueError(f"Invalid OrderStatuses value: {unknown[0]}.")
    channels = operations.query_list("FulfillmentChannels")
    if any(channel not in ("AFN", "MFN") for channel in channels):
        raise ValueError("FulfillmentChannels values must be AFN or MFN.")
    per_page = args.get("MaxResultsPerPage", "100")
    if not per_page.isdigit() or not 1 <= int(per_page) <= 100:
        raise ValueError("MaxResultsPerPage must be between 1 and 100.")
    return Query(by_update, after, before, marketplaces, statuses, channels, int(per_page), None)


def _time(value: str, name: str) -> float:
    """Parse an ISO 8601 parameter; ValueError names it."""
    try:
        return operations.parse_time(value)
    except ValueError:
        raise ValueError(f"{name} must be an ISO 8601 date-time.") from None


def _token(query: Query) -> str:
    """Pack a search and its position into an opaque NextToken."""
    return base64.urlsafe_b64encode(json.dumps(query._asdict()).encode()).decode()


def _untoken(token: str) -> Query:
    """Unpack a NextToken made by _token; ValueError if it is not one."""
    try:
        fields = json.loads(base64.urlsafe_b64decode(token.encode()))
        query = Query(**fields)
        if not isinstance(query.last, list) or not isinstance(query.per_page, int):
            raise TypeError
    except (ValueError, TypeError, UnicodeError):
        raise ValueError("Invalid NextToken.") from None
    return query._replace(last=list(query.last))
