"""Manage Your Apps over real HTTP: sign-in and back, the listing, Remove, who may see it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from asc_web.sandbox import create_app, world

APP = world.APPLICATION_NAME
NOT_AUTHORIZED = f"{APP} is not authorized for this account."


def day(moment: datetime) -> str:
    """Format a date as the page shows it, e.g. Mar 4, 2026."""
    return f"{moment:%b} {moment.day}, {moment.year}"


def test_sign_in_comes_back_to_manage_your_apps(sandbox):
    """An anonymous visitor signs in (password, then 2FA) and lands on the page asked for."""
    flow = sandbox.flow("ca")
    response = flow.manage(login=None)
    assert response.url.endswith("/sellercentral/ca/ap/signin")
    page = flow.otp(page=flow.sign_in())
    assert page.status_code == 200
    assert page.url.endswith("/sellercentral/ca/apps/manage")
    assert "<h1>Manage Your Apps</h1>" in page.text
    assert NOT_AUTHORIZED in page.text
    assert ">Remove</button>" not in page.text


def test_lists_live_authorization_with_sandbox_dates(sandbox):
    """The app appears with Authorized on and Expires, both on the sandbox clock."""
    sandbox.hook("clock", advance_days=40)
    sandbox.tokens()
    now = datetime.fromisoformat(sandbox.hook("stats").json()["now"])
    page = sandbox.flow().manage()
    assert page.status_code == 200
    assert f"<td>{APP}</td>" in page.text
    assert "Authorized on" in page.text and "Expires" in page.text
    assert day(now) in page.text
    assert day(now + timedelta(days=365)) in page.text
    assert ">Remove</button>" in page.text
    assert NOT_AUTHORIZED not in page.text


@pytest.mark.parametrize("end", ["revoke", "expire"])
def test_revoked_or_expired_is_not_listed(sandbox, end):
    """Only live authorizations are listed."""
    sandbox.tokens()
    if end == "revoke":
        sandbox.hook("revoke", email=sandbox.primary)
    else:
        sandbox.hook("clock", advance_days=366)
    page = sandbox.flow().manage()
    assert NOT_AUTHORIZED in page.text and ">Remove</button>" not in page.text


def test_other_sellers_authorizations_are_not_shown(sandbox):
    """A seller sees only its own authorizations."""
    sandbox.tokens("uk.primary@example.com", site="uk")
    assert NOT_AUTHORIZED in sandbox.flow().manage().text


def test_remove_revokes_every_refresh_token(sandbox):
    """Remove ends all of the seller's tokens for the app at once and confirms it."""
    first, second = sandbox.tokens(), sandbox.tokens()
    other = sandbox.tokens("us.only@example.com")
    flow = sandbox.flow()
    flow.manage()
    response = flow.press("remove")
    assert response.status_code == 200
    assert response.history[0].status_code == 303
    assert response.url.endswith("/sellercentral/us/apps/manage")
    assert f"{APP} was removed." in response.text
    assert NOT_AUTHORIZED in response.text
    for tokens in (first, second):
        assert sandbox.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
        assert sandbox.sellers(tokens["access_token"]).status_code == 403
    assert sandbox.refresh(other["refresh_token"]).status_code == 200
    assert f"{APP} was removed." not in flow.manage().text, "the confirmation shows once"


def test_remove_in_strict_mode_too(sandbox):
    """Strict mode changes nothing about Remove."""
    sandbox.hook("settings", retire_previous_tokens=True)
    tokens = sandbox.tokens()
    flow = sandbox.flow()
    flow.manage()
    flow.press("remove")
    assert sandbox.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert sandbox.hook("stats").json()["refresh_tokens_live"] == 0


def test_secondary_user_gets_invalid_access(sandbox):
    """A secondary user sees Invalid Access (403) and cannot remove the app."""
    tokens = sandbox.tokens()
    flow = sandbox.flow()
    page = flow.manage("na.assistant@example.com")
    assert page.status_code == 403
    assert "Invalid Access:</strong> You do not have permissions" in page.text
    assert flow.press("remove").status_code == 403
    assert sandbox.refresh(tokens["refresh_token"]).status_code == 200


def test_remove_needs_sign_in_csrf_and_a_known_app(sandbox):
    """Remove refuses a forged form, an unknown app and an anonymous visitor."""
    tokens = sandbox.tokens()
    flow = sandbox.flow()
    flow.manage()
    assert flow.press("remove", application_id="amzn1.sp.solution.unknown").status_code == 400
    good = flow.csrf
    flow.csrf = "forged"
    assert "session has expired" in flow.press("remove").text
    flow.csrf = good
    flow.http.post(flow.url("/ap/signout"), data={"csrf_token": good})
    anonymous = flow.press("remove", follow=False)
    assert anonymous.status_code == 400  # signed out: the form's session is gone
    assert sandbox.refresh(tokens["refresh_token"]).status_code == 200


def test_latest_request_is_resumed_after_sign_in(sandbox):
    """A consent request started after visiting Manage Your Apps wins, and the other way."""
    flow = sandbox.flow()
    flow.http.get(flow.url("/apps/manage"))
    flow.start()
    assert "I understand" in flow.otp(page=flow.sign_in()).text
    other = sandbox.flow()
    other.start()
    other.http.get(other.url("/apps/manage"))
    assert other.otp(page=other.sign_in()).url.endswith("/apps/manage")


@pytest.mark.parametrize(
    ("target", "lands"),
    [("/sandbox/sellercentral/us/apps/manage", "/sandbox/sellercentral/us/apps/manage"),
     ("https://evil.example.com/sandbox/x", "/sandbox/"),
     ("//evil.example.com/sandbox/x", "/sandbox/"),
     ("/elsewhere", "/sandbox/"), ("/sandbox\\\\evil", "/sandbox/")],
)  # fmt: skip
def test_only_sandbox_paths_are_resumed(tmp_path, target, lands):
    """The remembered page must be a path on the sandbox, whatever got into the session."""
    client = create_app({"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3")}).test_client()
    with client.session_transaction() as session:
        session.update({"signin": world.USERS[0].email, "csrf": "token", "next": target})
    mfa = client.get("/sandbox/sellercentral/us/ap/mfa").text
    code = re.search(r'id="sandbox-otp"[^>]*>(\d{6})<', mfa).group(1)
    response = client.post(
        "/sandbox/sellercentral/us/ap/mfa", data={"otp": code, "csrf_token": "token"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == lands
