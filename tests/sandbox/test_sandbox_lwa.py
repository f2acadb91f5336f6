"""The LWA token endpoint over real HTTP: both grants, every error, lifetimes, headers."""

from __future__ import annotations

import pytest
import requests

from asc_web.sandbox import world

BAD_CODE = "The request has an invalid grant parameter : code"
BAD_REFRESH = (
    "The request has an invalid grant parameter : refresh_token."
    " User may have revoked or didn't grant the permission."
)


def assert_lwa_error(response, status: int, error: str, description: str | None = None) -> None:
    """Check an LWA error: status, JSON body, no-store."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str)
    if description is not None:
        assert body["error_description"] == description


def test_code_exchange_form_encoded(sandbox):
    """A fresh code gives Amazon's token shape, never cacheable."""
    code = sandbox.code()["spapi_oauth_code"]
    response = sandbox.exchange(code)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["access_token"].startswith("Atza|")
    assert body["refresh_token"].startswith("Atzr|")
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600


def test_code_exchange_json_body(sandbox):
    """The sandbox also accepts a JSON body."""
    code = sandbox.code()["spapi_oauth_code"]
    body = {
        "grant_type": "authorization_code", "code": code, "redirect_uri": sandbox.redirect_uri,
        "client_id": world.CLIENT_ID, "client_secret": world.CLIENT_SECRET,
    }  # fmt: skip
    response = requests.post(sandbox.token_url, json=body, timeout=10)
    assert response.status_code == 200
    assert response.json()["refresh_token"].startswith("Atzr|")


def test_code_is_single_use(sandbox):
    """A used code is an invalid grant."""
    code = sandbox.code()["spapi_oauth_code"]
    assert sandbox.exchange(code).status_code == 200
    assert_lwa_error(sandbox.exchange(code), 400, "invalid_grant", BAD_CODE)


def test_code_expires_after_five_minutes(sandbox):
    """The code lives 5 minutes on the sandbox clock."""
    code = sandbox.code()["spapi_oauth_code"]
    moved = sandbox.hook("clock", advance_seconds=301)
    assert moved.status_code == 200 and moved.json()["offset_s"] == 301
    assert_lwa_error(sandbox.exchange(code), 400, "invalid_grant", BAD_CODE)


def test_code_valid_just_before_five_minutes(sandbox):
    """Four minutes in, the code still works."""
    code = sandbox.code()["spapi_oauth_code"]
    moved = sandbox.hook("clock", advance_seconds=240)
    assert moved.status_code == 200 and moved.json()["offset_s"] == 240
    assert sandbox.exchange(code).status_code == 200


@pytest.mark.parametrize(
    "code", ["ANunknowncode000000", "", "x" * 500], ids=["unknown", "empty", "long"]
)
def test_unknown_code(sandbox, code):
    """An unknown code is an invalid grant (an empty one is a missing parameter)."""
    response = sandbox.exchange(code)
    if code:
        assert_lwa_error(response, 400, "invalid_grant", BAD_CODE)
    else:
        assert_lwa_error(response, 400, "invalid_request")


def test_wrong_redirect_uri(sandbox):
    """The code is bound to the redirect URI used on Seller Central."""
    code = sandbox.code()["spapi_oauth_code"]
    other = "http://127.0.0.1:5001/amazon/callback"
    assert_lwa_error(sandbox.exchange(code, redirect_uri=other), 400, "invalid_grant", BAD_CODE)


@pytest.mark.parametrize("omitted", [None, ""], ids=["absent", "empty"])
def test_code_exchange_without_redirect_uri(sandbox, omitted):
    """redirect_uri is optional (an empty one counts as omitted); the code still binds."""
    code = sandbox.code()["spapi_oauth_code"]
    data = {
        "grant_type": "authorization_code", "code": code,
        "client_id": world.CLIENT_ID, "client_secret": world.CLIENT_SECRET,
    }  # fmt: skip
    if omitted is not None:
        data["redirect_uri"] = omitted
    response = requests.post(sandbox.token_url, data=data, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"].startswith("Atzr|")
    assert_lwa_error(sandbox.exchange(code), 400, "invalid_grant", BAD_CODE)


def test_wrong_redirect_uri_does_not_use_up_the_code(sandbox):
    """A mismatched redirect_uri is refused; the right one still works afterwards."""
    code = sandbox.code()["spapi_oauth_code"]
    other = "http://localhost:5000/amazon/callback"
    assert_lwa_error(sandbox.exchange(code, redirect_uri=other), 400, "invalid_grant", BAD_CODE)
    assert sandbox.exchange(code).status_code == 200


@pytest.mark.parametrize(
    "extra",
    [{"client_secret": "wrong"}, {"client_id": "amzn1.application-oa2-client.other"}],
    ids=["wrong-secret", "unknown-client"],
)
def test_client_authentication(sandbox, extra):
    """Wrong client credentials get 401 invalid_client."""
    code = sandbox.code()["spapi_oauth_code"]
    response = sandbox.exchange(code, **extra)
    assert_lwa_error(response, 401, "invalid_client", "Client authentication failed")
    tokens = sandbox.tokens()
    response = sandbox.refresh(tokens["refresh_token"], **extra)
    assert_lwa_error(response, 401, "invalid_client", "Client authentication failed")


@pytest.mark.parametrize("grant", ["client_credentials", "password", "AUTHORIZATION_CODE"])
def test_unsupported_grant_type(sandbox, grant):
    """Only authorization_code and refresh_token are supported."""
    response = requests.post(sandbox.token_url, data={"grant_type": grant}, timeout=10)
    assert_lwa_error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize("missing", ["grant_type", "code", "client_id", "client_secret"])
def test_missing_parameters(sandbox, missing):
    """Each missing parameter is an invalid_request naming it."""
    data = {
        "grant_type": "authorization_code", "code": "ANsomething", "client_id": world.CLIENT_ID,
        "redirect_uri": sandbox.redirect_uri, "client_secret": world.CLIENT_SECRET,
    }  # fmt: skip
    del data[missing]
    response = requests.post(sandbox.token_url, data=data, timeout=10)
    assert_lwa_error(response, 400, "invalid_request")
    assert response.json()["error_description"].endswith(f": {missing}")


def test_malformed_json_and_get(sandbox):
    """A broken JSON body and a GET still answer JSON, never cacheable."""
    response = requests.post(
        sandbox.token_url, data="{not json", headers={"Content-Type": "application/json"},
        timeout=10,
    )  # fmt: skip
    assert_lwa_error(response, 400, "invalid_request")
    response = requests.get(sandbox.token_url, timeout=10)
    assert response.status_code == 405
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json()["error"] == "invalid_request"


def test_refresh_grant(sandbox):
    """Refreshing gives a new access token and the same refresh token."""
    tokens = sandbox.tokens()
    response = sandbox.refresh(tokens["refresh_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["refresh_token"] == tokens["refresh_token"]
    assert body["access_token"].startswith("Atza|")
    assert body["access_token"] != tokens["access_token"]
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600


def test_refresh_json_body(sandbox):
    """The refresh grant also accepts JSON."""
    tokens = sandbox.tokens()
    body = {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": world.CLIENT_ID, "client_secret": world.CLIENT_SECRET,
    }  # fmt: skip
    assert requests.post(sandbox.token_url, json=body, timeout=10).status_code == 200


def test_refresh_after_revoke(sandbox):
    """Revoked on Amazon's side: invalid_grant with Amazon's description."""
    tokens = sandbox.tokens()
    assert sandbox.hook("revoke", email=sandbox.primary).json()["revoked"] == 1
    assert_lwa_error(sandbox.refresh(tokens["refresh_token"]), 400, "invalid_grant", BAD_REFRESH)


def test_refresh_token_lives_365_days(sandbox):
    """Day 364 works; after 366 days the refresh token is an invalid grant."""
    tokens = sandbox.tokens()
    sandbox.hook("clock", advance_days=364)
    assert sandbox.refresh(tokens["refresh_token"]).status_code == 200
    sandbox.hook("clock", advance_days=2)
    assert_lwa_error(sandbox.refresh(tokens["refresh_token"]), 400, "invalid_grant", BAD_REFRESH)


def test_new_refresh_token_leaves_earlier_ones_working(sandbox):
    """As Amazon documents, a new authorization does not invalidate earlier refresh tokens."""
    first = sandbox.tokens()
    second = sandbox.tokens()
    assert first["refresh_token"] != second["refresh_token"]
    assert sandbox.refresh(first["refresh_token"]).status_code == 200
    assert sandbox.refresh(second["refresh_token"]).status_code == 200
    assert sandbox.hook("stats").json()["refresh_tokens_live"] == 2


def test_strict_mode_retires_earlier_refresh_tokens(sandbox):
    """With retire_previous_tokens, a new authorization makes the old refresh token invalid."""
    assert sandbox.hook("settings", retire_previous_tokens=True).status_code == 200
    first = sandbox.tokens()
    second = sandbox.tokens()
    assert_lwa_error(sandbox.refresh(first["refresh_token"]), 400, "invalid_grant", BAD_REFRESH)
    assert sandbox.refresh(second["refresh_token"]).status_code == 200
    assert sandbox.hook("stats").json()["refresh_tokens_live"] == 1


@pytest.mark.parametrize("strict", [False, True])
def test_revoke_stops_every_refresh_token_of_the_seller(sandbox, strict):
    """Revocation ends all of the seller's refresh tokens, in both modes."""
    sandbox.hook("settings", retire_previous_tokens=strict)
    first, second = sandbox.tokens(), sandbox.tokens()
    sandbox.hook("revoke", email=sandbox.primary)
    for tokens in (first, second):
        assert_lwa_error(sandbox.refresh(tokens["refresh_token"]), 400, "invalid_grant")
    assert sandbox.hook("stats").json()["refresh_tokens_live"] == 0


def test_other_sellers_are_independent(sandbox):
    """Authorizing one seller leaves another seller's refresh token alone."""
    uk = sandbox.tokens("uk.primary@example.com", site="uk")
    sandbox.tokens()
    sandbox.hook("revoke", email=sandbox.primary)
    assert sandbox.refresh(uk["refresh_token"]).status_code == 200


def test_unknown_refresh_token(sandbox):
    """An unknown refresh token is an invalid grant."""
    response = sandbox.refresh("Atzr|not-a-real-token")
    assert_lwa_error(response, 400, "invalid_grant", BAD_REFRESH)
