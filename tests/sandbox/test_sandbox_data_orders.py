"""Orders API v0 getOrders on the seeded data: filters, pages, updates, hooks, no buyer data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from asc_web.sandbox import world

ORDERS = "/orders/v0/orders"
NA = world.NA_SELLER


def ago(**delta: float) -> str:
    """Return an ISO 8601 UTC time that long before now."""
    return (datetime.now(UTC) - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(value: str) -> datetime:
    """Parse an SP-API date-time."""
    return datetime.fromisoformat(value)


@pytest.fixture
def fast(sandbox):
    """Lift the getOrders limits so a test can walk many pages (the watch still counts)."""
    sandbox.hook("settings", orders_rate=1000, orders_burst=100_000)
    return sandbox


def walk(sandbox, token: str, **params) -> tuple[list[dict], list[dict]]:
    """Follow NextToken to the end; return every order and every page's payload."""
    orders, pages = [], []
    response = sandbox.spapi(token, ORDERS, **params)
    while True:
        assert response.status_code == 200, response.text
        payload = response.json()["payload"]
        pages.append(payload)
        orders += payload["Orders"]
        if "NextToken" not in payload:
            return orders, pages
        response = sandbox.spapi(
            token, ORDERS, MarketplaceIds=params["MarketplaceIds"], NextToken=payload["NextToken"]
        )


def test_pages_walk_every_order_once(fast, na_token):
    """Walking NextToken yields each order purchased in the window exactly once, in order."""
    orders, pages = walk(
        fast, na_token, MarketplaceIds=world.US, CreatedAfter=ago(days=20), MaxResultsPerPage=25
    )
    ids = [order["AmazonOrderId"] for order in orders]
    assert len(pages) > 3 and all(len(page["Orders"]) == 25 for page in pages[:-1])
    assert len(ids) == len(set(ids))
    created_before = pages[0]["CreatedBefore"]
    expected = [
        order["AmazonOrderId"]
        for order in fast.data(
            "orders", seller_id=NA, marketplace_id=world.US, created_after=ago(days=20)
        )["orders"]
        if order["PurchaseDate"] <= created_before
    ]
    assert ids == expected
    dates = [order["PurchaseDate"] for order in orders]
    assert dates == sorted(dates)


def test_created_before_defaults_to_two_minutes_ago(fast, na_token):
    """Without CreatedBefore, Amazon answers up to two minutes before the request."""
    response = fast.spapi(na_token, ORDERS, MarketplaceIds=world.US, CreatedAfter=ago(days=1))
    created_before = parse(response.json()["payload"]["CreatedBefore"])
    assert timedelta(minutes=1) < datetime.now(UTC) - created_before < timedelta(minutes=3)


def test_next_token_keeps_the_filters(fast, na_token):
    """A NextToken continues its own search: later pages keep the status filter."""
    orders, pages = walk(
        fast, na_token, MarketplaceIds=world.US, CreatedAfter=ago(days=200),
        OrderStatuses="Canceled", MaxResultsPerPage=5,
    )  # fmt: skip
    assert len(pages) > 1
    assert {order["OrderStatus"] for order in orders} == {"Canceled"}


def test_last_updated_after_returns_orders_created_earlier(fast, na_token):
    """Orders change status after creation: LastUpdatedAfter finds ones created before it."""
    since = ago(days=1)
    orders, pages = walk(fast, na_token, MarketplaceIds=world.US, LastUpdatedAfter=since)
    assert "LastUpdatedBefore" in pages[0] and "CreatedBefore" not in pages[0]
    assert all(order["LastUpdateDate"] >= since for order in orders)
    earlier = [order for order in orders if order["PurchaseDate"] < since]
    assert earlier, "no order created earlier was updated in the last day"
    assert {order["OrderStatus"] for order in earlier} <= {"Unshipped", "Shipped", "Canceled"}
    created, _ = walk(fast, na_token, MarketplaceIds=world.US, CreatedAfter=since)
    assert not {o["AmazonOrderId"] for o in earlier} & {o["AmazonOrderId"] for o in created}


def test_statuses_move_forward_with_the_clock(fast, na_token):
    """An order still Pending now is Shipped or Canceled once the sandbox clock moves on."""
    window = {"MarketplaceIds": world.US, "CreatedAfter": ago(days=2)}
    before, _ = walk(fast, na_token, **window)
    open_ids = {o["AmazonOrderId"] for o in before if o["OrderStatus"] in ("Pending", "Unshipped")}
    assert open_ids
    fast.hook("clock", advance_days=6)
    after, _ = walk(fast, fast.tokens()["access_token"], **window)  # the old one expired
    moved = {o["AmazonOrderId"]: o["OrderStatus"] for o in after if o["AmazonOrderId"] in open_ids}
    assert set(moved) == open_ids
    assert set(moved.values()) <= {"Shipped", "Canceled"}


def test_no_buyer_personal_data(fast, na_token):
    """Orders carry no buyer or address fields, so no restricted data token is needed."""
    orders, _ = walk(fast, na_token, MarketplaceIds=world.US, CreatedAfter=ago(days=10))
    fields = set().union(*(order.keys() for order in orders))
    assert not fields & {"BuyerInfo", "ShippingAddress", "DefaultShipFromLocationAddress",
                         "BuyerTaxInformation", "BuyerEmail", "BuyerName"}  # fmt: skip


@pytest.mark.parametrize(
    ("marketplace_id", "currency", "channel"),
    [(world.US, "USD", "Amazon.com"), (world.CA, "CAD", "Amazon.ca"),
     (world.MX, "MXN", "Amazon.com.mx")],
)  # fmt: skip
def test_orders_in_the_marketplace_currency(fast, na_token, marketplace_id, currency, channel):
    """Each marketplace's orders are priced in its own currency."""
    orders, _ = walk(fast, na_token, MarketplaceIds=marketplace_id, CreatedAfter=ago(days=14))
    assert orders
    assert {order["OrderTotal"]["CurrencyCode"] for order in orders} == {currency}
    assert {order["SalesChannel"] for order in orders} == {channel}
    assert {order["MarketplaceId"] for order in orders} == {marketplace_id}


def test_uk_seller_on_the_eu_endpoint(sandbox):
    """The UK seller's orders are in GBP on the EU endpoint; the NA endpoint refuses the token."""
    token = sandbox.tokens("uk.primary@example.com", site="uk")["access_token"]
    response = sandbox.spapi(
        token, ORDERS, region="eu", MarketplaceIds=world.UK, CreatedAfter=ago(days=7)
    )
    assert response.status_code == 200
    assert {o["OrderTotal"]["CurrencyCode"] for o in response.json()["payload"]["Orders"]} == {
        "GBP"
    }
    other = sandbox.spapi(token, ORDERS, MarketplaceIds=world.UK, CreatedAfter=ago(days=7))
    assert other.status_code == 403


def test_several_marketplaces_in_one_search(fast, na_token):
    """MarketplaceIds takes several marketplaces, comma-separated."""
    orders, _ = walk(
        fast, na_token, MarketplaceIds=f"{world.US},{world.CA}", CreatedAfter=ago(days=7)
    )
    assert {order["MarketplaceId"] for order in orders} == {world.US, world.CA}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"CreatedAfter": "2026-01-01T00:00:00Z", "LastUpdatedAfter": "2026-01-01T00:00:00Z"},
        {"LastUpdatedAfter": "2026-01-01T00:00:00Z", "CreatedBefore": "2026-02-01T00:00:00Z"},
        {"CreatedAfter": "2026-01-01T00:00:00Z", "LastUpdatedBefore": "2026-02-01T00:00:00Z"},
        {"CreatedAfter": "yesterday"},
        {"CreatedAfter": "2026-01-01T00:00:00Z", "MaxResultsPerPage": 0},
        {"CreatedAfter": "2026-01-01T00:00:00Z", "MaxResultsPerPage": 101},
        {"CreatedAfter": "2026-01-01T00:00:00Z", "OrderStatuses": "Lost"},
        {"CreatedAfter": "2026-01-01T00:00:00Z", "CreatedBefore": "2025-12-01T00:00:00Z"},
        {"NextToken": "not-a-token"},
    ],
)
def test_bad_parameters_are_invalid_input(fast, na_token, params):
    """Amazon's parameter rules: each broken one answers 400 InvalidInput."""
    response = fast.spapi(na_token, ORDERS, MarketplaceIds=world.US, **params)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_marketplace_ids_are_required(fast, na_token):
    """Without MarketplaceIds the search is refused."""
    response = fast.spapi(na_token, ORDERS, CreatedAfter=ago(days=1))
    assert response.status_code == 400


def test_times_within_the_last_two_minutes_are_refused(fast, na_token):
    """CreatedAfter and CreatedBefore must be at least two minutes before the request."""
    assert fast.spapi(na_token, ORDERS, MarketplaceIds=world.US,
                      CreatedAfter=ago(seconds=30)).status_code == 400  # fmt: skip
    response = fast.spapi(
        na_token, ORDERS, MarketplaceIds=world.US, CreatedAfter=ago(days=1),
        CreatedBefore=ago(seconds=30),
    )  # fmt: skip
    assert response.status_code == 400


def test_added_order_arrives_two_minutes_later(fast, na_token):
    """An order added by the hook is answered once it is two minutes old (sandbox clock)."""
    added = fast.hook("orders", seller_id=NA, marketplace_id=world.US, status="Unshipped",
                      items=[{"sku": "11-113-0002", "quantity": 2}])  # fmt: skip
    assert added.status_code == 201, added.text
    order_id = added.json()["AmazonOrderId"]
    since = ago(minutes=10)
    first, _ = walk(fast, na_token, MarketplaceIds=world.US, LastUpdatedAfter=since)
    assert order_id not in {order["AmazonOrderId"] for order in first}
    fast.hook("clock", advance_seconds=180)
    later, _ = walk(fast, na_token, MarketplaceIds=world.US, LastUpdatedAfter=since)
    (order,) = [order for order in later if order["AmazonOrderId"] == order_id]
    assert order["OrderStatus"] == "Unshipped"
    assert order["NumberOfItemsUnshipped"] == 2
    assert order["OrderTotal"]["Amount"] == added.json()["OrderTotal"]["Amount"]


def test_status_change_hook_is_seen_by_last_updated_after(fast, na_token):
    """A status change by the hook gives an old order a new LastUpdateDate and status."""
    window = {"created_after": ago(days=300), "created_before": ago(days=299)}
    old = fast.data("orders", seller_id=NA, marketplace_id=world.US, **window)["orders"]
    target = next(order for order in old if order["OrderStatus"] == "Shipped")
    changed = fast.hook(f"orders/{target['AmazonOrderId']}/status", status="Canceled")
    assert changed.status_code == 200, changed.text
    fast.hook("clock", advance_seconds=180)
    since = ago(minutes=5)
    updated, _ = walk(fast, na_token, MarketplaceIds=world.US, LastUpdatedAfter=since)
    (order,) = [o for o in updated if o["AmazonOrderId"] == target["AmazonOrderId"]]
    assert order["OrderStatus"] == "Canceled"
    assert order["PurchaseDate"] == target["PurchaseDate"]
    assert order["LastUpdateDate"] >= since


def test_status_hook_refuses_unknown_orders_and_statuses(sandbox):
    """The status hook names what is wrong."""
    assert sandbox.hook("orders/113-0000000-0000000/status", status="Shipped").status_code == 400
    recent = sandbox.data("orders", seller_id=NA, marketplace_id=world.US,
                          created_after=ago(days=3))["orders"]  # fmt: skip
    assert sandbox.hook(f"orders/{recent[0]['AmazonOrderId']}/status",
                        status="Lost").status_code == 400  # fmt: skip


def test_seeded_orders_are_the_same_after_a_reset(sandbox):
    """The seed is deterministic: the same window gives the same orders after a reset."""
    window = {"seller_id": NA, "marketplace_id": world.CA,
              "created_after": ago(days=100), "created_before": ago(days=90)}  # fmt: skip
    first = sandbox.data("orders", **window)["orders"]
    sandbox.hook("reset")
    assert sandbox.data("orders", **window)["orders"] == first
    assert len(first) > 10


def test_two_years_of_orders_with_weekend_peaks(sandbox):
    """About two years of history; Saturdays and Sundays sell more than weekdays."""
    data = sandbox.data("orders", seller_id=NA, marketplace_id=world.US)
    orders = data["orders"]
    first = parse(orders[0]["PurchaseDate"])
    assert timedelta(days=720) < datetime.now(UTC) - first < timedelta(days=740)
    zone = ZoneInfo(data["time_zone"])
    days = Counter(parse(o["PurchaseDate"]).astimezone(zone).weekday() for o in orders)
    weekday_average = sum(days[d] for d in range(5)) / 5
    assert min(days[5], days[6]) > 1.3 * weekday_average
    statuses = Counter(order["OrderStatus"] for order in orders)
    assert statuses["Shipped"] > 0.9 * len(orders) and statuses["Canceled"] > 0


def test_status_and_channel_filters(fast, na_token):
    """OrderStatuses and FulfillmentChannels keep only the orders asked for."""
    orders, _ = walk(fast, na_token, MarketplaceIds=world.US, CreatedAfter=ago(days=4),
                     OrderStatuses="Pending,Unshipped", FulfillmentChannels="AFN")  # fmt: skip
    assert orders
    assert {order["OrderStatus"] for order in orders} <= {"Pending", "Unshipped"}
    assert {order["FulfillmentChannel"] for order in orders} == {"AFN"}


@pytest.mark.parametrize(
    "body",
    [{"seller_id": world.US_ONLY_SELLER, "marketplace_id": world.MX},
     {"seller_id": NA, "marketplace_id": world.US, "status": "Lost"},
     {"seller_id": NA, "marketplace_id": world.US, "items": [{"sku": "NOPE"}]},
     {"seller_id": NA, "marketplace_id": world.US, "items": [{"sku": "11-113-0002",
                                                              "quantity": 0}]},
     {"seller_id": NA, "marketplace_id": world.US, "purchase_date": "2999-01-01T00:00:00Z"}],
)  # fmt: skip
def test_order_hook_refuses_what_amazon_could_not_have(sandbox, body):
    """The add-order hook refuses a marketplace the seller does not sell in, unknown SKUs,
    statuses and quantities, and orders placed in the future."""
    response = sandbox.hook("orders", **body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_another_process_generates_the_same_orders(sandbox):
    """The seed depends on nothing of the process (hash seeds differ): a fresh interpreter
    generates the very orders the server answers for a past local day."""
    zone = ZoneInfo("America/Los_Angeles")
    day = datetime.now(zone).date() - timedelta(days=50)
    start = datetime.combine(day, datetime.min.time(), zone)
    window = {"created_after": start.isoformat(),
              "created_before": (start + timedelta(hours=23, minutes=59)).isoformat()}  # fmt: skip
    served = sandbox.data("orders", seller_id=NA, marketplace_id=world.US, **window)["orders"]
    script = (
        "import json, sys, datetime; from asc_web.sandbox import seeding; "
        f"day = datetime.date.fromisoformat({day.isoformat()!r}); "
        f"print(json.dumps([o.order_id for o in seeding.day_orders({NA!r}, {world.US!r}, day)]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )  # fmt: skip
    assert json.loads(result.stdout) == [order["AmazonOrderId"] for order in served]
    assert served
