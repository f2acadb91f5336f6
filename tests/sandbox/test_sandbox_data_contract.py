"""Contract: every answer of the data operations validates against Amazon's official models.

The models (tests/support/vendor/selling-partner-api-models) are made strict first: a field
the model does not declare fails the check, so a misspelt or invented field cannot pass.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest

from asc_web.sandbox import world

NA = world.NA_SELLER
LISTINGS = f"/listings/2021-08-01/items/{NA}"
ORDERS = "/orders/v0/orders"
METRICS = "/sales/v1/orderMetrics"
# A week two months back: inside the seeded history, whenever the tests run.
START = (datetime.now(UTC) - timedelta(days=60)).date()
WEEK = f"{START}T00:00:00Z--{START + timedelta(days=7)}T00:00:00Z"
SINCE = f"{START}T00:00:00Z"

# Each operation with a valid request and a request Amazon refuses with 400.
CASES = {
    "getOrderMetrics": (
        METRICS,
        {"marketplaceIds": world.US, "granularity": "Day", "granularityTimeZone": "UTC",
         "interval": WEEK},
        {"marketplaceIds": world.US, "granularity": "Fortnight", "interval": WEEK},
    ),
    "getOrders": (
        ORDERS,
        {"MarketplaceIds": world.US, "CreatedAfter": SINCE, "MaxResultsPerPage": 20},
        {"MarketplaceIds": world.US, "CreatedAfter": SINCE, "LastUpdatedAfter": SINCE},
    ),
    "searchListingsItems": (
        LISTINGS,
        {"marketplaceIds": world.US, "includedData": "summaries,issues", "pageSize": 20},
        {"marketplaceIds": world.US, "pageSize": 21},
    ),
}  # fmt: skip
OPERATION_OF = {
    "getOrderMetrics": "sales",
    "getOrders": "orders",
    "searchListingsItems": "listings",
}


@pytest.mark.parametrize("operation", CASES)
def test_success_answer_matches_the_model(sandbox, na_token, matches_model, operation):
    """A valid request answers 200 with a body the official model accepts, with content."""
    path, good, _ = CASES[operation]
    response = sandbox.spapi(na_token, path, **good)
    assert response.status_code == 200, response.text
    matches_model(operation, response)
    body = response.json()
    assert body.get("payload") or body.get("items")  # not an empty answer that passes trivially


@pytest.mark.parametrize("operation", CASES)
def test_bad_parameter_answer_matches_the_model(sandbox, na_token, matches_model, operation):
    """A refused parameter answers 400 in errors[] with a message naming the problem."""
    path, _, bad = CASES[operation]
    response = sandbox.spapi(na_token, path, **bad)
    assert response.status_code == 400, response.text
    matches_model(operation, response)
    error = response.json()["errors"][0]
    assert error["code"] in ("InvalidInput", "BAD_REQUEST")
    assert error["message"]


@pytest.mark.parametrize("operation", CASES)
def test_missing_token_answer_matches_the_model(sandbox, matches_model, operation):
    """Without an access token the answer is 403 Unauthorized in the model's shape."""
    path, good, _ = CASES[operation]
    response = sandbox.spapi(None, path, **good)
    assert response.status_code == 403
    matches_model(operation, response)
    assert response.json()["errors"][0]["code"] == "Unauthorized"


@pytest.mark.parametrize("operation", CASES)
def test_throttled_answer_matches_the_model(sandbox, na_token, matches_model, operation):
    """Past the burst the answer is 429 QuotaExceeded in the model's shape."""
    path, good, _ = CASES[operation]
    sandbox.hook("settings", **{f"{OPERATION_OF[operation]}_burst": 1})
    assert sandbox.spapi(na_token, path, **good).status_code == 200
    response = sandbox.spapi(na_token, path, **good)
    assert response.status_code == 429
    matches_model(operation, response)
    assert response.json()["errors"][0]["code"] == "QuotaExceeded"


@pytest.mark.parametrize("operation", CASES)
@pytest.mark.parametrize("status", [500, 503])
def test_injected_failure_matches_the_model(sandbox, na_token, matches_model, operation, status):
    """A failure injected by the fail hook is declared by the model and shaped like it."""
    path, good, _ = CASES[operation]
    sandbox.hook("fail", endpoint=OPERATION_OF[operation], status=status)
    response = sandbox.spapi(na_token, path, **good)
    assert response.status_code == status
    matches_model(operation, response)


def test_not_participating_marketplace_matches_the_model(sandbox, matches_model):
    """A marketplace the seller does not sell in is refused with 400 in the model's shape."""
    token = sandbox.tokens("us.only@example.com")["access_token"]
    response = sandbox.spapi(token, ORDERS, MarketplaceIds=world.MX, CreatedAfter=SINCE)
    assert response.status_code == 400
    matches_model("getOrders", response)
    assert world.MX in response.json()["errors"][0]["message"]


def test_strict_models_reject_an_undeclared_field(sandbox, na_token, matches_model):
    """The check can fail: an order with one field the model does not declare is refused."""
    path, good, _ = CASES["getOrders"]
    response = sandbox.spapi(na_token, path, **good)
    body = response.json()
    body["payload"]["Orders"][0]["BuyerName"] = "Somebody"
    response._content = json.dumps(body).encode()
    with pytest.raises(jsonschema.ValidationError):
        matches_model("getOrders", response)


@pytest.mark.parametrize(
    ("operation", "prefix"),
    [("getOrderMetrics", "sales"), ("getOrders", "orders"), ("searchListingsItems", "listings")],
)
def test_default_limits_are_the_models_usage_plan(sandbox, official_model, operation, prefix):
    """The sandbox's default rate and burst are the usage plan table in Amazon's model."""
    model, path = official_model(operation)
    description = model["paths"][path]["get"]["description"]
    match = re.search(r"\|\s*Rate \(requests per second\)\s*\|\s*Burst\s*\|\s*\n\|[-\s|]+\n"
                      r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|", description)  # fmt: skip
    assert match, "no usage plan table in the model"
    defaults = sandbox.hook("stats").json()["settings"]
    assert defaults[f"{prefix}_rate"] == float(match.group(1))
    assert defaults[f"{prefix}_burst"] == int(match.group(2))
