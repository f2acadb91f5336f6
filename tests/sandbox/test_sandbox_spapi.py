"""The Sellers API over real HTTP: participations per seller and region, and every 403."""

from __future__ import annotations

import requests

from asc_web.sandbox import world

DENIED = {"code": "Unauthorized", "message": "Access to requested resource is denied."}


def assert_denied(response) -> None:
    """Check SP-API's 403 Unauthorized shape."""
    assert response.status_code == 403, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert {k: errors[0][k] for k in DENIED} == DENIED
    assert isinstance(errors[0]["details"], str)


def ids(response) -> list[str]:
    """Return the marketplace ids of a participations response."""
    return [entry["marketplace"]["id"] for entry in response.json()["payload"]]


def test_na_primary_participations(sandbox):
    """The NA seller sells in US, CA and MX, with Amazon's field names."""
    response = sandbox.sellers(sandbox.tokens()["access_token"])
    assert response.status_code == 200
    assert response.headers["x-amzn-RequestId"]
    assert ids(response) == [world.US, world.CA, world.MX]
    first = response.json()["payload"][0]
    assert first == {
        "marketplace": {
            "id": "ATVPDKIKX0DER", "name": "Amazon.com", "countryCode": "US",
            "defaultCurrencyCode": "USD", "defaultLanguageCode": "en_US",
            "domainName": "www.amazon.com",
        },
        "storeName": "Sandbox Goods North America",
        "participation": {"isParticipating": True, "hasSuspendedListings": False},
    }  # fmt: skip


def test_us_only_seller_has_no_mx(sandbox):
    """The US-and-CA seller does not participate in Mexico."""
    response = sandbox.sellers(sandbox.tokens("us.only@example.com")["access_token"])
    assert ids(response) == [world.US, world.CA]


def test_uk_seller_on_eu(sandbox):
    """The UK seller's EU token lists the UK marketplace on the EU endpoint only."""
    token = sandbox.tokens("uk.primary@example.com", site="uk")["access_token"]
    response = sandbox.sellers(token, region="eu")
    assert ids(response) == [world.UK]
    assert response.json()["payload"][0]["marketplace"]["defaultCurrencyCode"] == "GBP"
    assert_denied(sandbox.sellers(token, region="na"))


def test_region_is_the_sellers_whatever_the_site(sandbox):
    """An NA seller signing in on the UK site still gets an NA authorization."""
    token = sandbox.tokens(site="uk")["access_token"]
    assert ids(sandbox.sellers(token, region="na")) == [world.US, world.CA, world.MX]


def test_suspended_listings(sandbox):
    """The suspended seller participates in the US with suspended listings."""
    token = sandbox.tokens("suspended@example.com")["access_token"]
    payload = sandbox.sellers(token).json()["payload"]
    assert payload[0]["participation"] == {"isParticipating": True, "hasSuspendedListings": True}


def test_na_token_on_eu_is_denied(sandbox):
    """Tokens are bound to the seller's region."""
    assert_denied(sandbox.sellers(sandbox.tokens()["access_token"], region="eu"))


def test_missing_and_unknown_token(sandbox):
    """No header, or a token the sandbox never issued, is 403."""
    assert_denied(sandbox.sellers(None))
    assert_denied(sandbox.sellers("Atza|made-up"))


def test_access_token_lives_one_hour(sandbox):
    """At 3599 s the token works; at 3601 s it is expired."""
    token = sandbox.tokens()["access_token"]
    sandbox.hook("clock", advance_seconds=3590)
    assert sandbox.sellers(token).status_code == 200
    sandbox.hook("clock", advance_seconds=11)
    response = sandbox.sellers(token)
    assert_denied(response)
    assert "expired" in response.json()["errors"][0]["details"]


def test_refreshed_access_token_works(sandbox):
    """A refreshed access token works after the first one expired."""
    tokens = sandbox.tokens()
    sandbox.hook("clock", advance_seconds=3601)
    access = sandbox.refresh(tokens["refresh_token"]).json()["access_token"]
    assert sandbox.sellers(access).status_code == 200


def test_revoked_access_token_is_denied(sandbox):
    """Revocation stops access tokens at once."""
    token = sandbox.tokens()["access_token"]
    sandbox.hook("revoke", email="na.assistant@example.com")  # same seller as na.primary
    assert_denied(sandbox.sellers(token))


def test_unknown_region_is_json_404(sandbox):
    """Only na and eu exist; the answer is still JSON."""
    response = requests.get(
        f"{sandbox.base}/spapi/fe/sellers/v1/marketplaceParticipations", timeout=10
    )
    assert response.status_code == 404
    assert response.json()["errors"]


def test_python_amazon_sp_api_style(sandbox):
    """A client written against Amazon (plain form post, then the header) just works."""
    params = sandbox.code()
    token_response = requests.post(
        sandbox.token_url,
        data={
            "grant_type": "authorization_code",
            "code": params["spapi_oauth_code"],
            "redirect_uri": sandbox.redirect_uri,
            "client_id": world.CLIENT_ID,
            "client_secret": world.CLIENT_SECRET,
        },
        headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
        timeout=10,
    )
    token_response.raise_for_status()
    access_token = token_response.json()["access_token"]
    response = requests.get(
        f"{sandbox.base}/spapi/na/sellers/v1/marketplaceParticipations",
        headers={"x-amz-access-token": access_token, "accept": "application/json",
                 "user-agent": "python-sp-api-0.19.0 (Language=Python)"},
        timeout=10,
    )  # fmt: skip
    response.raise_for_status()
    payload = response.json()["payload"]
    assert params["selling_partner_id"] == world.NA_SELLER
    for entry in payload:
        assert set(entry) == {"marketplace", "storeName", "participation"}
        assert set(entry["marketplace"]) == {
            "id", "name", "countryCode", "defaultCurrencyCode", "defaultLanguageCode",
            "domainName",
        }  # fmt: skip
        assert set(entry["participation"]) == {"isParticipating", "hasSuspendedListings"}
