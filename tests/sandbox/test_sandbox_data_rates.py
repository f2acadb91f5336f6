"""Usage plans of the data operations: bursts, refill on the sandbox clock, the counts in stats."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from asc_web.sandbox import world

NA = world.NA_SELLER
SINCE = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
NOW = datetime.now(UTC).replace(microsecond=0)
# One cheap valid request per operation, and Amazon's documented (rate, burst).
CALLS = {
    "getOrders": ("/orders/v0/orders", {"MarketplaceIds": world.US, "CreatedAfter": SINCE,
                                        "MaxResultsPerPage": 1}, (0.0167, 20)),
    "getOrderMetrics": ("/sales/v1/orderMetrics", {
        "marketplaceIds": world.US, "granularity": "Total",
        "interval": f"{(NOW - timedelta(days=1)).isoformat()}--{NOW.isoformat()}"}, (0.5, 15)),
    "searchListingsItems": (f"/listings/2021-08-01/items/{NA}",
                            {"marketplaceIds": world.US, "pageSize": 1}, (5.0, 5)),
}  # fmt: skip


def call(sandbox, token: str | None, operation: str):
    """Make one call of an operation."""
    path, params, _ = CALLS[operation]
    return sandbox.spapi(token, path, **params)


def figures(sandbox, operation: str, seller: str = NA) -> dict:
    """Return the stats hook's figures of an operation for a seller."""
    return sandbox.hook("stats").json()["operations"][operation].get(seller, {})


@pytest.mark.parametrize("operation", CALLS)
def test_burst_then_quota_exceeded_with_the_documented_rate(sandbox, na_token, operation):
    """A full bucket serves the burst, then 429; every answer names the documented rate."""
    rate, burst = CALLS[operation][2]
    started = time.monotonic()
    served = 0
    for _ in range(burst + 50):
        response = call(sandbox, na_token, operation)
        assert response.headers["x-amzn-RateLimit-Limit"] == str(rate)
        if response.status_code == 429:
            break
        assert response.status_code == 200, response.text
        served += 1
    else:
        pytest.fail("never throttled")
    # The bucket refills while the calls run (5 a second for listings): allow what it earned.
    earned = (time.monotonic() - started) * rate
    assert burst <= served <= burst + earned + 1
    assert response.json()["errors"][0]["code"] == "QuotaExceeded"
    stats = figures(sandbox, operation)
    assert stats["throttled"] == 1 and stats["calls"] == served + 1, stats
    # The watch on Amazon's plan agrees with the bucket when the limits are the defaults.
    assert stats["over_rate"] == 1 and stats["rate_exceeded"] is True, stats


def test_orders_bucket_refills_on_the_sandbox_clock(sandbox, na_token):
    """getOrders: one request per minute comes back (0.0167/s), measured on the sandbox clock."""
    for _ in range(20):
        assert call(sandbox, na_token, "getOrders").status_code == 200
    assert call(sandbox, na_token, "getOrders").status_code == 429
    sandbox.hook("clock", advance_seconds=61)
    assert call(sandbox, na_token, "getOrders").status_code == 200
    assert call(sandbox, na_token, "getOrders").status_code == 429


def test_calls_within_the_plan_are_not_rate_exceeded(sandbox, na_token):
    """The stats count calls per operation and seller; within the plan, rate_exceeded is false."""
    for _ in range(3):
        assert call(sandbox, na_token, "getOrders").status_code == 200
    assert figures(sandbox, "getOrders") == {
        "calls": 3, "throttled": 0, "over_rate": 0, "rate_exceeded": False,
    }  # fmt: skip
    assert figures(sandbox, "getOrderMetrics") == {}


def test_raised_limits_still_report_exceeding_amazons_rate(sandbox, na_token):
    """With limits raised by the settings hook nothing is refused, yet the stats tell that
    Amazon's documented plan (burst 20) was exceeded."""
    sandbox.hook("settings", orders_rate=1000, orders_burst=100_000)
    for _ in range(25):
        assert call(sandbox, na_token, "getOrders").status_code == 200
    stats = figures(sandbox, "getOrders")
    assert stats["throttled"] == 0 and stats["calls"] == 25
    assert stats["rate_exceeded"] is True and stats["over_rate"] >= 4


def test_injected_quota_errors_then_success(sandbox, na_token):
    """The fail hook makes the next calls answer 429; the one after succeeds."""
    assert sandbox.hook("fail", endpoint="orders", status=429, count=2).status_code == 200
    first, second = call(sandbox, na_token, "getOrders"), call(sandbox, na_token, "getOrders")
    assert first.status_code == second.status_code == 429
    assert first.json()["errors"][0]["code"] == "QuotaExceeded"
    assert first.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    assert call(sandbox, na_token, "getOrders").status_code == 200


def test_refused_tokens_cost_no_quota(sandbox, na_token):
    """403 answers spend nothing: the whole burst is left for the real token."""
    for _ in range(25):
        assert call(sandbox, "Atza|forged", "getOrders").status_code == 403
    for _ in range(20):
        assert call(sandbox, na_token, "getOrders").status_code == 200


def test_buckets_are_per_seller(sandbox, na_token):
    """One seller's empty bucket does not throttle another seller."""
    for _ in range(20):
        call(sandbox, na_token, "getOrders")
    assert call(sandbox, na_token, "getOrders").status_code == 429
    other = sandbox.tokens("us.only@example.com")["access_token"]
    assert call(sandbox, other, "getOrders").status_code == 200
    assert figures(sandbox, "getOrders", world.US_ONLY_SELLER)["rate_exceeded"] is False


def test_an_import_paced_to_the_plan_is_never_rate_exceeded(sandbox, na_token):
    """A caller spending the burst, then one call per refill, is never refused or flagged."""
    params = {"MarketplaceIds": world.US, "CreatedAfter": SINCE, "MaxResultsPerPage": 1}
    for number in range(26):
        if number >= 20:
            sandbox.hook("clock", advance_seconds=60)  # 0.0167/s: one request a minute
        response = sandbox.spapi(na_token, "/orders/v0/orders", **params)
        assert response.status_code == 200, response.text
        params = {"MarketplaceIds": world.US, "NextToken": response.json()["payload"]["NextToken"]}
    assert figures(sandbox, "getOrders") == {
        "calls": 26, "throttled": 0, "over_rate": 0, "rate_exceeded": False,
    }  # fmt: skip
