"""Seller Central screens over real HTTP: request checks, sign-in, 2FA, consent, redirect."""

from __future__ import annotations

import re

import pytest

from asc_web.sandbox import world

PRIMARY = "na.primary@example.com"
REDIRECT_URI = "http://127.0.0.1:5000/amazon/callback"


def assert_error_page(response, code: str) -> None:
    """An MD error is Seller Central's own page: 400, no redirect, the code shown."""
    assert response.status_code == 400
    assert not response.history, "Seller Central must not redirect on a request error"
    assert "Something went wrong" in response.text
    assert f'class="error-code">{code}<' in response.text


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"version": None}, "MD1000"),
        ({"version": "alpha"}, "MD1000"),
        ({"redirect_uri": "https://evil.example.com/amazon/callback"}, "MD5101"),
        ({"redirect_uri": "http://127.0.0.1:5000/other"}, "MD5101"),
        ({"redirect_uri": "http://127.0.0.1:5000/amazon/callback?x=1"}, "MD5101"),
        ({"redirect_uri": "http://127.0.0.1:5000/amazon/callback#frag"}, "MD5110"),
        ({"application_id": "amzn1.sp.solution.unknown"}, "MD9999"),
        ({"application_id": world.CLIENT_ID}, "MD9999"),
        ({"state": None}, "MD9999"),
    ],
)
def test_bad_consent_request_shows_error_page(sandbox, params, code):
    """Parameters are checked before sign-in; errors stay on Seller Central."""
    response = sandbox.flow().start(**params)
    assert_error_page(response, code)


def test_error_checked_even_when_signed_in(sandbox):
    """A signed-in seller still gets the MD page, never the redirect URI."""
    flow = sandbox.flow()
    flow.authorize()
    assert_error_page(flow.start(version=None), "MD1000")


@pytest.mark.parametrize("site", ["us", "ca", "mx", "uk"])
def test_consent_goes_to_sign_in(sandbox, site):
    """An anonymous visitor lands on the sign-in form with the verbatim labels."""
    response = sandbox.flow(site).start()
    assert response.status_code == 200
    assert response.url.endswith(f"/sellercentral/{site}/ap/signin")
    for label in ("Email or mobile phone number", "Password", "Sign in", "Sandbox"):
        assert label in response.text


def test_unknown_site_is_404(sandbox):
    """Only the four Seller Central sites exist."""
    flow = sandbox.flow()
    flow.site = "de"
    assert flow.start().status_code == 404


@pytest.mark.parametrize(
    ("login", "password"),
    [(PRIMARY, "wrong-pass"), ("nobody@example.com", world.PASSWORD), (PRIMARY, "")],
)
def test_wrong_credentials(sandbox, login, password):
    """Unknown user and wrong password get the same clear error and stay on sign-in."""
    flow = sandbox.flow()
    flow.start()
    response = flow.sign_in(login, password)
    assert response.status_code == 401
    assert "Your email or mobile phone number, or your password, is incorrect." in response.text
    assert "sandbox-otp" not in response.text


@pytest.mark.parametrize("phone", ["+12065550101", "+1 (206) 555-0101", "2065550101"])
def test_sign_in_with_mobile_phone(sandbox, phone):
    """The mobile phone number works as the login, in usual spellings."""
    params = sandbox.flow().authorize(phone)
    assert params["selling_partner_id"] == world.NA_SELLER


def test_two_step_verification(sandbox):
    """A wrong code keeps the user on 2FA; the shown code lets them through."""
    flow = sandbox.flow()
    flow.start()
    page = flow.sign_in()
    assert page.url.endswith("/ap/mfa")
    assert "Enter OTP" in page.text and "Sign in" in page.text
    wrong = "000000" if "000000" not in page.text else "111111"
    response = flow.otp(wrong)
    assert response.status_code == 401
    assert "not valid" in response.text and response.url.endswith("/ap/mfa")
    response = flow.otp(page=response)
    assert response.status_code == 200
    assert world.APPLICATION_NAME in response.text
    assert re.search(r"<label for=\"consent-ack\">I understand", response.text)
    assert ">Next</button>" in response.text and ">Cancel</button>" in response.text


def test_otp_page_needs_password_step(sandbox):
    """2FA cannot be reached without the password step."""
    flow = sandbox.flow()
    flow.start()
    assert flow.http.get(flow.url("/ap/mfa")).url.endswith("/ap/signin")


def test_secondary_user_gets_invalid_access(sandbox):
    """A non-primary user ends on Invalid Access and can never reach the redirect."""
    flow = sandbox.flow()
    flow.start()
    response = flow.otp(page=flow.sign_in("na.assistant@example.com"))
    assert response.status_code == 403
    assert (
        "Invalid Access:</strong> You do not have permissions to access this page." in response.text
    )
    assert "Contact the primary account holder." in response.text
    assert not any(r.headers["Location"].startswith(REDIRECT_URI) for r in response.history)
    for attempt in (flow.confirm(), flow.complete()):
        assert attempt.status_code == 403
    assert sandbox.hook("stats").json()["consents"] == 0


def test_cancel_never_redirects(sandbox):
    """Cancel ends on Amazon's page and never calls the redirect URI."""
    flow = sandbox.flow()
    flow.start()
    flow.otp(page=flow.sign_in())
    response = flow.confirm("cancel", tick=False)
    assert response.status_code == 200
    assert "You cancelled the authorization" in response.text
    assert not any(r.headers["Location"].startswith(REDIRECT_URI) for r in response.history)
    assert flow.complete().status_code == 400  # nothing left to continue
    assert sandbox.hook("stats").json()["consents"] == 0


def test_next_without_checkbox_is_refused(sandbox):
    """The server refuses Next unless the box is ticked (not only the disabled button)."""
    flow = sandbox.flow()
    flow.start()
    flow.otp(page=flow.sign_in())
    response = flow.confirm(tick=False)
    assert response.status_code == 400
    assert "ticking the box" in response.text
    response = flow.complete()
    assert response.status_code == 302
    assert not response.headers["Location"].startswith(REDIRECT_URI)


def test_full_flow_redirects_with_three_parameters(sandbox):
    """Continue sends 302 to redirect_uri with state, selling_partner_id, spapi_oauth_code."""
    flow = sandbox.flow()
    flow.start(state="a b+c/é")
    flow.otp(page=flow.sign_in())
    almost = flow.confirm()
    assert almost.url.endswith("/apps/authorize/almost-done")
    assert "You are almost done" in almost.text and ">Continue</button>" in almost.text
    response = flow.complete()
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    params = re.findall(r"[?&]([a-z_]+)=", location)
    assert sorted(params) == ["selling_partner_id", "spapi_oauth_code", "state"]
    values = sandbox.callback_params(location)
    assert values["state"] == "a b+c/é"
    assert values["selling_partner_id"] == world.NA_SELLER
    assert re.fullmatch(r"[A-Za-z0-9]{10,}", values["spapi_oauth_code"])
    assert sandbox.hook("stats").json()["consents"] == 1


def test_default_redirect_uri_and_localhost(sandbox):
    """Omitted redirect_uri uses the default; any localhost port is registered."""
    omitted = sandbox.code(redirect_uri=None)
    assert sandbox.exchange(omitted["spapi_oauth_code"]).status_code == 200
    other = "http://localhost:8123/amazon/callback"
    flow = sandbox.flow("uk")
    params = flow.authorize("uk.primary@example.com", redirect_uri=other)
    assert params["selling_partner_id"] == world.UK_SELLER
    assert sandbox.exchange(params["spapi_oauth_code"], other).status_code == 200


def test_signed_in_seller_goes_straight_to_consent(sandbox):
    """A second request in the same browser skips sign-in, like a remembered session."""
    flow = sandbox.flow()
    flow.authorize()
    response = flow.start(state="second")
    assert response.url.split("?")[0].endswith("/apps/authorize/consent")
    assert "I understand" in response.text


def test_forms_need_the_csrf_token(sandbox):
    """A form POST without the session's token is refused."""
    flow = sandbox.flow()
    flow.start()
    flow.csrf = "forged"
    response = flow.sign_in()
    assert response.status_code == 400
    assert "session has expired" in response.text


def test_session_cookie_and_headers(sandbox):
    """The sandbox cookie never collides with the app's; pages load nothing from elsewhere."""
    flow = sandbox.flow()
    response = flow.start()
    cookie = response.history[0].headers["Set-Cookie"]
    assert cookie.startswith("sandbox_session=")
    assert "Path=/sandbox" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert not re.search(r"(src|href)=\"(https?:)?//", response.text)
    assert "<script>" not in response.text
    assert not re.search(r"\son[a-z]+=", response.text), "no inline event handlers"


def test_home_lists_accounts(sandbox):
    """The sandbox home documents the seeded accounts."""
    response = sandbox.flow().http.get(f"{sandbox.base}/")
    assert response.status_code == 200
    for user in world.USERS:
        assert user.email in response.text and user.seller_id in response.text
