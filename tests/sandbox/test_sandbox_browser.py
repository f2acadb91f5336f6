"""The Seller Central screens in a real Chromium: labels, disabled Next, redirect, Cancel."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from asc_web.sandbox import world

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/sandbox-consent.png"


class Callback:
    """A stand-in for the app's /amazon/callback that records every hit."""

    def __init__(self) -> None:
        """Start with no hits."""
        self.hits: list[str] = []
        self.url = ""

    def __call__(self, environ, start_response):
        """Record the query string and answer a tiny page."""
        request = Request(environ)
        if request.path == "/amazon/callback":  # not /favicon.ico
            self.hits.append(request.query_string.decode())
        return Response("<h1>Back in the app</h1>", mimetype="text/html")(environ, start_response)


@pytest.fixture(scope="module")
def callback() -> Iterator[Callback]:
    """Serve the fake app callback on its own loopback port."""
    app = Callback()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.url = f"http://127.0.0.1:{server.server_port}/amazon/callback"
    thread = threading.Thread(target=server.serve_forever, name="callback", daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(browser: Browser, callback: Callback) -> Iterator[Page]:
    """A fresh browser context (own cookies), collecting console errors."""
    callback.hits.clear()
    context = browser.new_context()
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda msg: msg.type == "error" and tab.console_errors.append(msg.text))
    try:
        yield tab
    finally:
        context.close()


def consent_url(sandbox, callback: Callback, **params: str | None) -> str:
    """Build the consent URL the app would open, with overrides."""
    query = {"application_id": world.APPLICATION_ID, "state": "browser-state-1",
             "version": "beta", "redirect_uri": callback.url, **params}  # fmt: skip
    clean = {k: v for k, v in query.items() if v is not None}
    return f"{sandbox.base}/sellercentral/us/apps/authorize/consent?{urlencode(clean)}"


def sign_in(page: Page, email: str = "na.primary@example.com") -> None:
    """Fill sign-in and two-step verification like a person would."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email or mobile phone number").fill(email)
    page.get_by_label("Password").fill(world.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-Step Verification")).to_be_visible()
    code = page.locator("#sandbox-otp").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    page.get_by_label("Enter OTP").fill(code)
    page.get_by_role("button", name="Sign in").click()


def test_full_flow_in_browser(sandbox, callback, page):
    """Sign in, 2FA, tick, Next, Continue: the browser lands on the redirect URI."""
    page.goto(consent_url(sandbox, callback))
    sign_in(page)
    expect(
        page.get_by_role("heading", name=f"{world.APPLICATION_NAME} is requesting access")
    ).to_be_visible()
    next_button = page.get_by_role("button", name="Next")
    expect(next_button).to_be_disabled()
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.get_by_label(re.compile(r"^I understand")).check()
    expect(next_button).to_be_enabled()
    next_button.click()
    expect(page.get_by_role("heading", name="You are almost done")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(re.escape(callback.url) + r"\?"))
    expect(page.get_by_role("heading", name="Back in the app")).to_be_visible()
    params = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert params["state"] == "browser-state-1"
    assert params["selling_partner_id"] == world.NA_SELLER
    assert params["spapi_oauth_code"]
    assert len(callback.hits) == 1
    assert not page.console_errors, page.console_errors
    assert sandbox.exchange(params["spapi_oauth_code"], callback.url).status_code == 200


def test_cancel_in_browser(sandbox, callback, page):
    """Cancel ends on Amazon's page; the app's redirect URI is never visited."""
    page.goto(consent_url(sandbox, callback))
    sign_in(page)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", name="You cancelled the authorization")).to_be_visible()
    assert page.url.startswith(sandbox.base)
    assert callback.hits == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"version": None}, "MD1000"),
        ({"redirect_uri": "http://127.0.0.1:1/amazon/callback#x"}, "MD5110"),
    ],
)
def test_error_page_in_browser(sandbox, callback, page, params, code):
    """An MD error stays on Seller Central's page: no sign-in, no redirect."""
    response = page.goto(consent_url(sandbox, callback, **params))
    assert response is not None and response.status == 400
    expect(page.get_by_role("heading", name="Something went wrong")).to_be_visible()
    expect(page.locator(".error-code")).to_have_text(code)
    expect(page.get_by_text("Sandbox", exact=True).first).to_be_visible()
    assert callback.hits == []


def manage_url(sandbox, site: str = "us") -> str:
    """Return the Manage Your Apps URL of a Seller Central site."""
    return f"{sandbox.base}/sellercentral/{site}/apps/manage"


def test_manage_your_apps_remove_in_browser(sandbox, page):
    """Sign in on Manage Your Apps, see the authorization, Remove it, see it gone."""
    tokens = sandbox.tokens()
    page.goto(manage_url(sandbox))
    sign_in(page)
    expect(page.get_by_role("heading", name="Manage Your Apps")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Authorized on")).to_be_visible()
    expect(page.get_by_role("cell", name=world.APPLICATION_NAME, exact=True)).to_be_visible()
    page.screenshot(path="/tmp/sandbox-manage.png", full_page=True)
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text(f"{world.APPLICATION_NAME} was removed.")
    gone = f"{world.APPLICATION_NAME} is not authorized for this account."
    expect(page.get_by_text(gone)).to_be_visible()
    expect(page.get_by_role("button", name="Remove")).to_have_count(0)
    assert page.url == manage_url(sandbox)
    assert sandbox.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert not page.console_errors, page.console_errors


def test_reauthorize_in_browser(sandbox, callback, page):
    """Re-Authorize lands on the Login URI with the four parameters; the way back works."""
    sandbox.tokens()
    page.goto(manage_url(sandbox))
    sign_in(page)
    page.get_by_role("button", name="Re-Authorize").click()
    page.wait_for_url(re.compile(re.escape(sandbox.login_uri) + r"\?"))
    expect(page.get_by_role("heading", name="ASC Web sign-in (stub)")).to_be_visible()
    login = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert sorted(login) == [
        "amazon_callback_uri", "amazon_state", "selling_partner_id", "version",
    ]  # fmt: skip
    callback_uri = f"{sandbox.base}/sellercentral/us/apps/authorize/confirm/{world.APPLICATION_ID}"
    assert login["amazon_callback_uri"] == callback_uri
    assert login["selling_partner_id"] == world.NA_SELLER
    assert login["version"] == "beta"
    assert len(sandbox.login_page.hits) == 1
    # What the app's Login URI page does next: back to Seller Central with its own state.
    back = {"redirect_uri": callback.url, "amazon_state": login["amazon_state"],
            "state": "browser-state-2", "version": "beta"}  # fmt: skip
    page.goto(f"{callback_uri}?{urlencode(back)}")
    page.get_by_label(re.compile(r"^I understand")).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(re.escape(callback.url) + r"\?"))
    params = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert params["state"] == "browser-state-2"
    assert params["selling_partner_id"] == world.NA_SELLER
    assert sandbox.exchange(params["spapi_oauth_code"], callback.url).status_code == 200
    assert not page.console_errors, page.console_errors


def test_back_to_the_consent_page_keeps_next_in_step_with_the_tick(sandbox, callback, page):
    """Back from "You are almost done": the box comes back ticked, and so does Next enabled."""
    page.goto(consent_url(sandbox, callback))
    sign_in(page)
    page.get_by_label(re.compile(r"^I understand")).check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="You are almost done")).to_be_visible()
    page.go_back()
    expect(page.get_by_label(re.compile(r"^I understand"))).to_be_checked()
    expect(page.get_by_role("button", name="Next")).to_be_enabled()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="You are almost done")).to_be_visible()
    assert not page.console_errors, page.console_errors
