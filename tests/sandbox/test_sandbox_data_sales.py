"""Sales API getOrderMetrics: figures that a caller can recompute from the orders themselves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from asc_web.sandbox import world

METRICS = "/sales/v1/orderMetrics"
NA = world.NA_SELLER
LA = ZoneInfo("America/Los_Angeles")


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Return the start of a local day."""
    return datetime.combine(day, time(), zone)


def interval(start: datetime, end: datetime) -> str:
    """Format Amazon's interval parameter."""
    return f"{start.isoformat()}--{end.isoformat()}"


def last_days(count: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the last `count` whole local days before today in a time zone."""
    today = datetime.now(zone).date()
    return local_midnight(today - timedelta(days=count), zone), local_midnight(today, zone)


def expected(sandbox, seller: str, marketplace: str, start: datetime, end: datetime) -> dict:
    """Recompute the figures from the orders hook: every order but canceled ones."""
    orders = sandbox.data("orders", seller_id=seller, marketplace_id=marketplace)["orders"]
    kept = [
        order
        for order in orders
        if start <= datetime.fromisoformat(order["PurchaseDate"]) < end
        and order["OrderStatus"] != "Canceled"
    ]
    lines = [item for order in kept for item in order["Items"]]
    return {
        "orderCount": len(kept),
        "orderItemCount": len(lines),
        "unitCount": sum(item["QuantityOrdered"] for item in lines),
        "totalSales": sum(Decimal(i["ItemPrice"]) * i["QuantityOrdered"] for i in lines),
    }


def figures(bucket: dict) -> dict:
    """Return a bucket's figures in the shape `expected` computes."""
    return {
        "orderCount": bucket["orderCount"],
        "orderItemCount": bucket["orderItemCount"],
        "unitCount": bucket["unitCount"],
        "totalSales": Decimal(bucket["totalSales"]["amount"]),
    }


def la(start: datetime, end: datetime, granularity: str, **extra: str) -> dict:
    """Return the parameters of a US request in Pacific time."""
    return {"marketplaceIds": world.US, "granularity": granularity,
            "granularityTimeZone": "America/Los_Angeles", "interval": interval(start, end),
            **extra}  # fmt: skip


def metrics(sandbox, token: str, region: str = "na", **params) -> list[dict]:
    """Call getOrderMetrics and return its payload."""
    response = sandbox.spapi(token, METRICS, region=region, **params)
    assert response.status_code == 200, response.text
    return response.json()["payload"]


@pytest.fixture
def fast(sandbox):
    """Lift the getOrderMetrics limits for tests that call it many times."""
    sandbox.hook("settings", sales_rate=1000, sales_burst=100_000)
    return sandbox


@pytest.mark.parametrize(
    ("marketplace", "zone_name", "currency"),
    [(world.US, "America/Los_Angeles", "USD"), (world.CA, "America/Los_Angeles", "CAD"),
     (world.MX, "America/Mexico_City", "MXN")],
)  # fmt: skip
def test_thirty_day_total_matches_the_orders_to_the_cent(
    fast, na_token, marketplace, zone_name, currency
):
    """The last 30 local days' Total equals the sum of the orders, in the marketplace's money."""
    zone = ZoneInfo(zone_name)
    start, end = last_days(30, zone)
    params = {"marketplaceIds": marketplace, "granularity": "Total",
              "interval": interval(start, end), "granularityTimeZone": zone_name}  # fmt: skip
    (total,) = metrics(fast, na_token, **params)
    assert figures(total) == expected(fast, NA, marketplace, start, end)
    assert total["totalSales"]["currencyCode"] == currency
    assert total["orderCount"] > 30


def test_uk_total_on_the_eu_endpoint(sandbox):
    """The UK seller's figures are in GBP on London days, on the EU endpoint."""
    token = sandbox.tokens("uk.primary@example.com", site="uk")["access_token"]
    zone = ZoneInfo("Europe/London")
    start, end = last_days(7, zone)
    params = {"marketplaceIds": world.UK, "granularity": "Total", "interval": interval(start, end),
              "granularityTimeZone": "Europe/London"}  # fmt: skip
    (total,) = metrics(sandbox, token, region="eu", **params)
    assert figures(total) == expected(sandbox, world.UK_SELLER, world.UK, start, end)
    assert total["totalSales"]["currencyCode"] == "GBP"


def test_days_follow_local_midnight_and_add_up(fast, na_token):
    """Day buckets run from local midnight to midnight, each equal to that day's orders."""
    start, end = last_days(10, LA)
    days = metrics(fast, na_token, **la(start, end, "Day"))
    assert len(days) == 10
    for index, bucket in enumerate(days):
        low = local_midnight(start.date() + timedelta(days=index), LA)
        high = local_midnight(low.date() + timedelta(days=1), LA)
        assert bucket["interval"] == (
            f"{low.strftime('%Y-%m-%dT%H:%M')}{low.strftime('%z')[:3]}:{low.strftime('%z')[3:]}"
            f"--{high.strftime('%Y-%m-%dT%H:%M')}{high.strftime('%z')[:3]}:{high.strftime('%z')[3:]}"
        )
        assert figures(bucket) == expected(fast, NA, world.US, low, high)


@pytest.mark.parametrize(("first_day", "weekday"), [("Monday", 0), ("Sunday", 6)])
def test_weeks_start_on_the_day_asked(fast, na_token, first_day, weekday):
    """Week buckets start on Monday or Sunday; the partial head counts only the interval."""
    start, end = last_days(30, LA)
    weeks = metrics(fast, na_token, **la(start, end, "Week", firstDayOfWeek=first_day))
    starts = [datetime.fromisoformat(bucket["interval"].split("--")[0]) for bucket in weeks]
    assert {moment.weekday() for moment in starts} == {weekday}
    assert starts[0] <= start < starts[0] + timedelta(days=7)
    total = sum(Decimal(bucket["totalSales"]["amount"]) for bucket in weeks)
    assert total == expected(fast, NA, world.US, start, end)["totalSales"]


def test_months_and_hours(fast, na_token):
    """Month buckets start on the 1st; Hour buckets (no time zone needed) add up to the day."""
    start, end = last_days(70, LA)
    months = metrics(fast, na_token, **la(start, end, "Month"))
    assert [b["interval"][8:10] for b in months] == ["01"] * len(months)
    assert len(months) in (3, 4)
    day_start = datetime.combine(datetime.now(UTC).date() - timedelta(days=3), time(), UTC)
    day = f"{day_start:%Y-%m-%dT%H:%M:%SZ}--{day_start + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}"
    hours = metrics(fast, na_token, marketplaceIds=world.US, granularity="Hour", interval=day)
    assert len(hours) == 24 and hours[0]["interval"].endswith("Z")
    (total,) = metrics(fast, na_token, marketplaceIds=world.US, granularity="Total", interval=day)
    assert sum(bucket["orderCount"] for bucket in hours) == total["orderCount"]


def test_hooks_change_the_figures_at_once(fast, na_token):
    """An added order counts at once; an order canceled by the hook stops counting."""
    today = datetime.now(LA).date()
    # The interval may end in the future: it then holds what happens until now.
    start, end = (
        local_midnight(today - timedelta(days=3), LA),
        local_midnight(today + timedelta(days=2), LA),
    )
    params = la(start, end, "Total")
    (before,) = metrics(fast, na_token, **params)
    added = fast.hook("orders", seller_id=NA, marketplace_id=world.US,
                      items=[{"sku": "11-113-0002", "quantity": 3}]).json()  # fmt: skip
    (after_add,) = metrics(fast, na_token, **params)
    amount = Decimal(added["OrderTotal"]["Amount"])
    assert (
        Decimal(after_add["totalSales"]["amount"])
        == Decimal(before["totalSales"]["amount"]) + amount
    )
    assert after_add["unitCount"] == before["unitCount"] + 3
    fast.hook(f"orders/{added['AmazonOrderId']}/status", status="Canceled")
    (after_cancel,) = metrics(fast, na_token, **params)
    assert after_cancel["totalSales"] == before["totalSales"]


def test_buyer_types_split_the_total(fast, na_token):
    """B2B and B2C figures add up to All; the average unit price is total / units."""
    start, end = last_days(60, LA)
    params = la(start, end, "Total")
    (every,) = metrics(fast, na_token, **params)
    (b2b,) = metrics(fast, na_token, buyerType="B2B", **params)
    (b2c,) = metrics(fast, na_token, buyerType="B2C", **params)
    assert b2b["orderCount"] > 0 and b2c["orderCount"] > 0
    assert b2b["orderCount"] + b2c["orderCount"] == every["orderCount"]
    assert Decimal(b2b["totalSales"]["amount"]) + Decimal(b2c["totalSales"]["amount"]) == Decimal(
        every["totalSales"]["amount"]
    )
    average = Decimal(every["totalSales"]["amount"]) / every["unitCount"]
    assert abs(Decimal(every["averageUnitPrice"]["amount"]) - average) <= Decimal("0.005")


def test_seeded_figures_are_the_same_after_a_reset(fast, na_token):
    """The same interval gives the same figures after a reset (a deterministic seed)."""
    start, end = last_days(90, LA)
    params = {**la(start, end, "Week"), "marketplaceIds": world.CA}
    first = metrics(fast, na_token, **params)
    fast.hook("reset")
    fast.hook("settings", sales_rate=1000, sales_burst=100_000)
    assert metrics(fast, fast.tokens()["access_token"], **params) == first


NOW = datetime.now(UTC).replace(microsecond=0)
WEEK = f"{(NOW - timedelta(days=7)).isoformat()}--{NOW.isoformat()}"


@pytest.mark.parametrize(
    "params",
    [
        {"granularity": "Day", "interval": WEEK},  # granularityTimeZone missing
        {"granularity": "Fortnight", "interval": WEEK},
        {"granularity": "Total", "interval": "last week"},
        {"granularity": "Total", "interval": "2026-01-01T00:00:00--2026-01-02T00:00:00"},
        {"granularity": "Total", "interval": f"{NOW.isoformat()}--{NOW.isoformat()}"},
        {"granularity": "Day", "interval": WEEK, "granularityTimeZone": "America/Los_Angeles"},
        {"granularity": "Day", "interval": WEEK, "granularityTimeZone": "Mars/Olympus"},
        {"granularity": "Total", "interval": WEEK, "asin": "B000000000", "sku": "X"},
        {"granularity": "Total", "interval": WEEK, "buyerType": "Robots"},
        {"granularity": "Total", "interval": WEEK, "firstDayOfWeek": "Friday"},
        {"granularity": "Total",
         "interval": f"{(NOW - timedelta(days=800)).isoformat()}--{NOW.isoformat()}"},
        {"granularity": "Hour",
         "interval": f"{(NOW - timedelta(days=40)).isoformat()}--{NOW.isoformat()}"},
        {"granularity": "Total", "interval": WEEK, "marketplaceIds": f"{world.US},{world.CA}"},
    ],
)  # fmt: skip
def test_bad_parameters_are_invalid_input(fast, na_token, params):
    """Amazon's rules for interval, granularity, time zone and filters answer 400."""
    response = fast.spapi(na_token, METRICS, **{"marketplaceIds": world.US, **params})
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_years_start_on_january_first(fast, na_token):
    """Year buckets run from 1 January to 1 January in the time zone asked for."""
    start, end = last_days(400, LA)
    years = metrics(fast, na_token, **la(start, end, "Year"))
    last_year = (end - timedelta(seconds=1)).year
    assert [int(bucket["interval"][:4]) for bucket in years] == list(
        range(start.year, last_year + 1)
    )
    assert {bucket["interval"][4:16] for bucket in years} == {"-01-01T00:00"}
    assert years[-1]["interval"].split("--")[1][:10] == f"{last_year + 1}-01-01"
    total = sum(Decimal(bucket["totalSales"]["amount"]) for bucket in years)
    assert total == expected(fast, NA, world.US, start, end)["totalSales"]
