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


QUOTA = {
    "errors": [
        {
            "code": "QuotaExceeded",
            "message": "You exceeded your quota for the requested resource.",
            "details": "",
        }
    ]
}


def test_sellers_throttled_after_burst_and_refilled_by_the_clock(sandbox):
    """Burst 15, then 429 QuotaExceeded; 63 s later (0.016/s) one more call goes through."""
    token = sandbox.tokens()["access_token"]
    for _ in range(15):
        assert sandbox.sellers(token).status_code == 200
    response = sandbox.sellers(token)
    assert response.status_code == 429
    assert response.json() == QUOTA
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.016"
    assert response.headers["x-amzn-RequestId"]
    sandbox.hook("clock", advance_seconds=63)
    assert sandbox.sellers(token).status_code == 200
    assert sandbox.sellers(token).status_code == 429
    stats = sandbox.hook("stats").json()
    assert stats["sellers_throttled"] == 2
    assert stats["sellers_calls"] == 18


def test_throttle_follows_the_settings(sandbox):
    """sellers_rate and sellers_burst change the bucket and the header at once."""
    token = sandbox.tokens()["access_token"]
    sandbox.hook("settings", sellers_rate=0.5, sellers_burst=2)
    first = sandbox.sellers(token)
    assert first.status_code == 200
    assert first.headers["x-amzn-RateLimit-Limit"] == "0.5"
    assert sandbox.sellers(token).status_code == 200
    assert sandbox.sellers(token).status_code == 429
    sandbox.hook("clock", advance_seconds=2)
    assert sandbox.sellers(token).status_code == 200
    assert sandbox.sellers(token).status_code == 429
    sandbox.hook("settings", sellers_burst=40)
    assert all(sandbox.sellers(token).status_code == 200 for _ in range(40))


def test_bucket_is_per_seller_and_shared_by_its_tokens(sandbox):
    """Another seller has its own bucket; a second token of the same seller does not."""
    sandbox.hook("settings", sellers_burst=1)
    first = sandbox.tokens()["access_token"]
    assert sandbox.sellers(first).status_code == 200
    second = sandbox.tokens()["access_token"]
    assert sandbox.sellers(second).status_code == 429
    other = sandbox.tokens("us.only@example.com")["access_token"]
    assert sandbox.sellers(other).status_code == 200


def test_refused_tokens_and_faults_cost_no_quota(sandbox):
    """Bad tokens get 403 and injected faults answer first; neither empties the bucket."""
    sandbox.hook("settings", sellers_burst=1)
    token = sandbox.tokens()["access_token"]
    for _ in range(3):
        response = sandbox.sellers("Atza|made-up")
        assert response.status_code == 403
        assert response.headers["x-amzn-RateLimit-Limit"] == "0.016"
    sandbox.hook("fail", endpoint="sellers", status=503)
    assert sandbox.sellers(token).status_code == 503
    assert sandbox.sellers(token).status_code == 200
    assert sandbox.sellers(token).status_code == 429
    sandbox.hook("fail", endpoint="sellers", status=500)
    assert sandbox.sellers(token).status_code == 500, "the injected fault comes before the bucket"
    assert sandbox.hook("stats").json()["sellers_throttled"] == 1
