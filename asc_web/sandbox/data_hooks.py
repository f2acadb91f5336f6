"""Test hooks on the seeded data: read a seller's orders and listings, add orders and issues.

They share the hooks blueprint, so the same protection applies (loopback only, never in
production mode).
"""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from . import ledger, operations, seeding, store
from .hooks import _body, bad, bp
from .orders_api import describe
from .seeding import Issue, Item
from .store import get_db


def _seller_marketplace(source: dict) -> tuple[str, str] | Response:
    """Return the participating (seller_id, marketplace_id) named, or a 400 answer."""
    seller_id = str(source.get("seller_id", ""))
    marketplace_id = str(source.get("marketplace_id", ""))
    if not ledger.participates(get_db(), seller_id, marketplace_id):
        return bad("seller_id and marketplace_id must name a seller and a marketplace it sells in")
    return seller_id, marketplace_id


def _order_json(order: ledger.Order) -> dict:
    """Return an order as getOrders shows it, plus its lines and what the Sales API counts."""
    return {
        **describe(order),
        "Items": [
            {"SellerSKU": item.sku, "ASIN": item.asin, "QuantityOrdered": item.quantity,
             "ItemPrice": seeding.money(item.price)}
            for item in order.items
        ],
        "CountedInSales": order.status not in seeding.UNCOUNTED_STATUSES,
    }  # fmt: skip


@bp.get("/orders")
def list_orders() -> Response:
    """List a seller's orders in a marketplace purchased in a window (default: all so far)."""
    named = _seller_marketplace(request.args)
    if isinstance(named, Response):
        return named
    conn = get_db()
    now = store.now(conn)
    try:
        start = operations.parse_time(request.args.get("created_after", "1970-01-01T00:00:00Z"))
        end = operations.parse_time(request.args["created_before"]) if (
            request.args.get("created_before")) else now  # fmt: skip
    except ValueError:
        return bad("created_after and created_before must be ISO 8601 date-times")
    orders = ledger.orders_purchased(conn, *named, start, end, now)
    return jsonify(
        {
            "seller_id": named[0],
            "marketplace_id": named[1],
            "time_zone": seeding.TIME_ZONES[named[1]],
            "now": operations.iso(now),
            "orders": [_order_json(order) for order in orders],
        }
    )


@bp.post("/orders")
def add_order() -> Response:
    """Add an order (default: one unit of the first listing without errors, Pending, now)."""
    body = _body()
    named = _seller_marketplace(body)
    if isinstance(named, Response):
        return named
    conn = get_db()
    status = body.get("status", "Pending")
    if status not in ledger.ORDER_STATUSES:
        return bad(f"status must be one of {', '.join(ledger.ORDER_STATUSES)}")
    channel = body.get("fulfillment_channel", "MFN")
    if channel not in ("AFN", "MFN"):
        return bad("fulfillment_channel must be AFN or MFN")
    catalog = {listing.sku: listing for listing in seeding.listings(*named)}
    lines = body.get("items") or [{"sku": next(iter(seeding.sellable(*named))).sku}]
    items = []
    for line in lines if isinstance(lines, list) else [None]:
        if not isinstance(line, dict) or line.get("sku") not in catalog:
            return bad("items must be a list of {sku, quantity} with the seller's SKUs")
        quantity = line.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            return bad("quantity must be a positive integer")
        listing = catalog[line["sku"]]
        items.append(Item(listing.sku, listing.asin, quantity, listing.price))
    now = store.now(conn)
    purchase = now
    if body.get("purchase_date") is not None:
        try:
            purchase = operations.parse_time(str(body["purchase_date"]))
        except ValueError:
            return bad("purchase_date must be an ISO 8601 date-time")
        if purchase > now:
            return bad("purchase_date cannot be after the sandbox clock")
    order_id = ledger.add_order(conn, *named, items, status, purchase, channel)
    order = ledger.find_order(conn, order_id)
    return jsonify(_order_json(order)), 201


@bp.post("/orders/<order_id>/status")
def change_order_status(order_id: str) -> Response:
    """Move an order to a new status at the sandbox clock (its LastUpdateDate)."""
    status = _body().get("status")
    if status not in ledger.ORDER_STATUSES:
        return bad(f"status must be one of {', '.join(ledger.ORDER_STATUSES)}")
    conn = get_db()
    order = ledger.find_order(conn, order_id)
    if order is None:
        return bad(f"unknown order: {order_id!r}")
    ledger.change_status(conn, order, status)
    return jsonify(_order_json(ledger.find_order(conn, order_id)))


@bp.get("/listings")
def list_listings() -> Response:
    """List a seller's listings in a marketplace with their issues and status."""
    named = _seller_marketplace(request.args)
    if isinstance(named, Response):
        return named
    listings = ledger.listings(get_db(), *named)
    return jsonify(
        {
            "seller_id": named[0],
            "marketplace_id": named[1],
            "listings": [
                {
                    **{k: v for k, v in item.items() if k not in ("issues", "created", "updated")},
                    "price": seeding.money(item["price"]),
                    "created": operations.iso(item["created"]),
                    "updated": operations.iso(item["updated"]),
                    "issues": [issue._asdict() for issue in item["issues"]],
                }
                for item in listings
            ],
        }
    )


@bp.post("/listings/issues")
def add_listing_issue() -> Response:
    """Add an issue to a listing (its lastUpdatedDate becomes the sandbox clock)."""
    body = _body()
    named = _seller_marketplace(body)
    if isinstance(named, Response):
        return named
    sku = body.get("sku")
    if sku not in {listing.sku for listing in seeding.listings(*named)}:
        return bad("sku must be one of the seller's SKUs in that marketplace")
    severity = body.get("severity")
    if severity not in seeding.ISSUES:
        return bad("severity must be ERROR, WARNING or INFO")
    template = seeding.ISSUES[severity][0]
    categories = body.get("categories", list(template.categories))
    attributes = body.get("attribute_names", list(template.attribute_names))
    code, message = body.get("code", template.code), body.get("message", template.message)
    texts = [code, message, *categories, *attributes] if isinstance(categories, list) and (
        isinstance(attributes, list)) else [None]  # fmt: skip
    if not all(isinstance(text, str) and text for text in texts):
        return bad("code, message, categories and attribute_names must be (lists of) strings")
    issue = Issue(code, message, severity, tuple(categories), tuple(attributes))
    added_at = ledger.add_issue(get_db(), *named, sku, issue)
    return jsonify({"sku": sku, **issue._asdict(), "added_at": operations.iso(added_at)}), 201
