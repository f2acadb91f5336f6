"""Listings Items API searchListingsItems: a few hundred listings per store, some with issues."""

from __future__ import annotations

from collections import Counter

import pytest

from asc_web.sandbox import world

NA = world.NA_SELLER
LISTINGS = f"/listings/2021-08-01/items/{NA}"


@pytest.fixture
def fast(sandbox):
    """Lift the searchListingsItems limits for tests that walk every page."""
    sandbox.hook("settings", listings_rate=1000, listings_burst=100_000)
    return sandbox


def walk(sandbox, token: str, path: str = LISTINGS, region: str = "na", **params) -> list[dict]:
    """Follow nextToken to the end and return every item."""
    items, token_param = [], {}
    while True:
        response = sandbox.spapi(token, path, region=region, **params, **token_param)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        next_token = body.get("pagination", {}).get("nextToken")
        if next_token is None:
            assert len(items) == body["numberOfResults"]
            return items
        token_param = {"pageToken": next_token}


def test_pages_walk_every_listing_once(fast, na_token):
    """Twenty a page, every listing of the store once; the hook lists the same SKUs."""
    items = walk(fast, na_token, marketplaceIds=world.US, pageSize=20)
    skus = [item["sku"] for item in items]
    assert 200 <= len(skus) <= 400 and len(set(skus)) == len(skus)
    hooked = fast.data("listings", seller_id=NA, marketplace_id=world.US)["listings"]
    assert sorted(skus) == sorted(listing["sku"] for listing in hooked)


def test_default_order_is_last_updated_first(fast, na_token):
    """Without sortBy, Amazon's default: lastUpdatedDate, newest first."""
    items = walk(fast, na_token, marketplaceIds=world.US, pageSize=20)
    dates = [item["summaries"][0]["lastUpdatedDate"] for item in items]
    assert dates == sorted(dates, reverse=True)
    by_sku = walk(fast, na_token, marketplaceIds=world.US, pageSize=20, sortBy="sku",
                  sortOrder="ASC")  # fmt: skip
    assert [item["sku"] for item in by_sku] == sorted(item["sku"] for item in items)


def test_issues_of_every_severity_and_errors_are_not_buyable(fast, na_token):
    """Some listings carry ERROR, WARNING and INFO issues; ones with an ERROR are not buyable."""
    items = walk(fast, na_token, marketplaceIds=world.US, includedData="summaries,issues",
                 pageSize=20)  # fmt: skip
    severities = Counter(issue["severity"] for item in items for issue in item["issues"])
    assert all(severities[level] > 0 for level in ("ERROR", "WARNING", "INFO"))
    for item in items:
        has_error = any(issue["severity"] == "ERROR" for issue in item["issues"])
        assert ("BUYABLE" in item["summaries"][0]["status"]) is not has_error
    with_issues = sum(1 for item in items if item["issues"])
    assert 0 < with_issues < len(items) / 3


def test_summaries_only_by_default(fast, na_token):
    """includedData defaults to summaries: no issues unless asked for."""
    response = fast.spapi(na_token, LISTINGS, marketplaceIds=world.US)
    item = response.json()["items"][0]
    assert set(item) == {"sku", "summaries"}
    assert len(response.json()["items"]) == 10  # Amazon's default pageSize


def test_filter_by_issue_severity(fast, na_token):
    """withIssueSeverity keeps only listings with an issue of that severity."""
    items = walk(fast, na_token, marketplaceIds=world.US, includedData="issues",
                 withIssueSeverity="ERROR", pageSize=20)  # fmt: skip
    assert items
    assert all(any(i["severity"] == "ERROR" for i in item["issues"]) for item in items)


def test_added_issue_is_seen_in_the_next_call(fast, na_token):
    """An issue added by the hook appears at once, and the listing becomes the latest updated."""
    clean = next(
        listing
        for listing in fast.data("listings", seller_id=NA, marketplace_id=world.US)["listings"]
        if not listing["issues"]
    )
    issue = {"sku": clean["sku"], "severity": "ERROR", "message": "The brand is not approved."}
    added = fast.hook("listings/issues", seller_id=NA, marketplace_id=world.US, **issue)
    assert added.status_code == 201, added.text
    response = fast.spapi(
        na_token, LISTINGS, marketplaceIds=world.US, includedData="summaries,issues"
    )
    first = response.json()["items"][0]
    assert first["sku"] == clean["sku"]
    assert [issue["message"] for issue in first["issues"]] == ["The brand is not approved."]
    assert first["summaries"][0]["status"] == []


def test_issue_hook_refuses_unknown_sku_and_severity(sandbox):
    """The issue hook names what is wrong."""
    body = {"seller_id": NA, "marketplace_id": world.US}
    assert sandbox.hook("listings/issues", sku="NOPE", severity="ERROR", **body).status_code == 400
    assert sandbox.hook("listings/issues", sku="11-113-0001", severity="FATAL",
                        **body).status_code == 400  # fmt: skip


def test_listings_are_the_same_after_a_reset(fast, na_token):
    """The seeded listings are deterministic."""
    first = walk(fast, na_token, marketplaceIds=world.CA, includedData="summaries,issues",
                 pageSize=20)  # fmt: skip
    fast.hook("reset")
    fast.hook("settings", listings_rate=1000, listings_burst=100_000)
    token = fast.tokens()["access_token"]
    assert walk(fast, token, marketplaceIds=world.CA, includedData="summaries,issues",
                pageSize=20) == first  # fmt: skip


def test_uk_listings_on_the_eu_endpoint(sandbox):
    """The UK seller's listings answer on the EU endpoint for its own seller id."""
    token = sandbox.tokens("uk.primary@example.com", site="uk")["access_token"]
    path = f"/listings/2021-08-01/items/{world.UK_SELLER}"
    response = sandbox.spapi(token, path, region="eu", marketplaceIds=world.UK)
    assert response.status_code == 200
    assert response.json()["items"][0]["summaries"][0]["marketplaceId"] == world.UK


def test_another_sellers_id_is_refused(sandbox, na_token):
    """The path's sellerId must be the token's seller."""
    path = f"/listings/2021-08-01/items/{world.UK_SELLER}"
    response = sandbox.spapi(na_token, path, marketplaceIds=world.US)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "Unauthorized"


@pytest.mark.parametrize(
    "params",
    [{}, {"marketplaceIds": world.US, "pageSize": 0}, {"marketplaceIds": world.US, "pageSize": 21},
     {"marketplaceIds": world.US, "includedData": "everything"},
     {"marketplaceIds": world.US, "sortBy": "price"},
     {"marketplaceIds": world.US, "withIssueSeverity": "INFO"},
     {"marketplaceIds": world.US, "identifiers": "11-113-0001"},
     {"marketplaceIds": world.US, "pageToken": "bm90LWEtdG9rZW4="},
     {"marketplaceIds": "XXXXXXXX"}, {"marketplaceIds": world.UK}],
)  # fmt: skip
def test_bad_parameters_are_refused(fast, na_token, params):
    """Broken parameters answer 400 BAD_REQUEST (the model's example code)."""
    response = fast.spapi(na_token, LISTINGS, **params)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["code"] == "BAD_REQUEST"


def test_page_token_serves_only_its_own_search(fast, na_token):
    """A page token from one search is refused by another."""
    first = fast.spapi(na_token, LISTINGS, marketplaceIds=world.US, pageSize=5).json()
    other = fast.spapi(na_token, LISTINGS, marketplaceIds=world.CA, pageSize=5,
                       pageToken=first["pagination"]["nextToken"])  # fmt: skip
    assert other.status_code == 400


def test_previous_token_goes_back_a_page(fast, na_token):
    """pagination.previousToken of the second page gives the first page again."""
    params = {"marketplaceIds": world.US, "pageSize": 7, "sortBy": "sku", "sortOrder": "ASC"}
    first = fast.spapi(na_token, LISTINGS, **params).json()
    assert "previousToken" not in first.get("pagination", {})
    second = fast.spapi(na_token, LISTINGS, pageToken=first["pagination"]["nextToken"],
                        **params).json()  # fmt: skip
    assert [i["sku"] for i in second["items"]] != [i["sku"] for i in first["items"]]
    back = fast.spapi(na_token, LISTINGS, pageToken=second["pagination"]["previousToken"],
                      **params).json()  # fmt: skip
    assert back["items"] == first["items"]
