"""Contract: a client written from Amazon's documentation works with only base URLs changed."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from asc_web.sandbox import world

# Amazon's base URLs, and where the sandbox serves each (the only thing a client changes).
AMAZON = {
    "lwa": "https://api.amazon.com",
    "na": "https://sellingpartnerapi-na.amazon.com",
}
FORM = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}


def bases(sandbox) -> dict[str, str]:
    """Map each Amazon base URL to the sandbox's."""
    return {AMAZON["lwa"]: f"{sandbox.base}/lwa", AMAZON["na"]: f"{sandbox.base}/spapi/na"}


def test_documented_requests_without_redirect_uri(sandbox):
    """Amazon's examples: code exchange (no redirect_uri), refresh, then the Sellers call."""
    base = bases(sandbox)
    code = sandbox.code()["spapi_oauth_code"]
    token_url = base[AMAZON["lwa"]] + "/auth/o2/token"
    exchanged = requests.post(
        token_url,
        data={"grant_type": "authorization_code", "code": code,
              "client_id": world.CLIENT_ID, "client_secret": world.CLIENT_SECRET},
        headers=FORM,
        timeout=10,
    )  # fmt: skip
    assert exchanged.status_code == 200, exchanged.text
    refresh_token = exchanged.json()["refresh_token"]
    refreshed = requests.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token,
              "client_id": world.CLIENT_ID, "client_secret": world.CLIENT_SECRET},
        headers=FORM,
        timeout=10,
    )  # fmt: skip
    assert refreshed.status_code == 200, refreshed.text
    assert set(refreshed.json()) >= {"access_token", "token_type", "expires_in"}
    response = requests.get(
        base[AMAZON["na"]] + "/sellers/v1/marketplaceParticipations",
        headers={
            "x-amz-access-token": refreshed.json()["access_token"],
            "x-amz-date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
            "user-agent": "My Selling Tool/2.0 (Language=Java/1.8.0.221; Platform=Windows/10)",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.016"
    assert [p["marketplace"]["id"] for p in response.json()["payload"]] == [
        world.US, world.CA, world.MX,
    ]  # fmt: skip
