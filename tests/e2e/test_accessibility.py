"""Every page, read by axe-core at 1280 px and 390 px: no serious or critical problem, and
nothing on a phone scrolls sideways."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from asc_web import clock
from asc_web.extensions import db
from asc_web.models import AuthorizationAttempt, CommunicationError, User
from asc_web.sandbox import world
from tests.e2e.test_connect import _prepare, _sign_in
from tests.e2e.test_stores import fill_store_form
from tests.support.accessibility import audit, with_axe
from tests.support.browser import screenshot
from tests.support.data import add_authorization, insert_store

pytestmark = pytest.mark.browser
# Long words a phone must wrap: a store name without spaces, an email, a seller id.
LONG_NAME = "Amazon-Store-United-States-Main-Catalog-2026"
LONG_EMAIL = "merchant.operations.north-america@example-merchant-company.com"


@pytest.fixture
def axe_page(browser):
    """A page whose every document loads axe-core (the page's CSP still applies)."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    with_axe(context)
    page = context.new_page()
    yield page
    context.close()


def _stores_in_every_status(app) -> dict[str, int]:
    """Stores that are active, renewal due, revoked, awaiting, not connected and inactive."""
    now = clock.utcnow()
    ids = {
        "active": insert_store(app, LONG_NAME, "US", email=LONG_EMAIL),
        "renewal_due": insert_store(app, "Amazon Store Canada", "CA"),
        "revoked": insert_store(app, "Amazon Store UK", "UK"),
        "awaiting": insert_store(app, "Amazon Store Mexico", "MX"),
        "not_connected": insert_store(app, "Amazon Store USA Outlet", "US"),
        "inactive": insert_store(app, "Amazon Store USA Paused", "US", active=False),
    }
    with app.app_context():
        add_authorization([ids["active"]], last_checked_at=now, last_check_ok=True)
        add_authorization(
            [ids["renewal_due"]], "A2NASELLER0002", authorized_at=now - timedelta(days=350)
        )
        add_authorization(
            [ids["revoked"]],
            "A1UKSELLER0002",
            "EU",
            revoked_at=now,
            last_checked_at=now,
            last_check_ok=False,
            last_check_message="Amazon no longer accepts this authorization: reconnect the store.",
        )
        user = db.session.scalar(db.select(User))
        db.session.add(
            AuthorizationAttempt(
                state_hash="a" * 64,
                store_id=ids["awaiting"],
                user_id=user.id,
                region="NA",
                session_hash="b" * 64,
                expires_at=now + timedelta(minutes=10),
            )
        )
        db.session.add(
            CommunicationError(
                store_id=ids["revoked"],
                operation="refresh_token",
                code="invalid_grant",
                description="The request has an invalid grant parameter : refresh_token. "
                "User may have revoked or didn't grant the permission.",
            )
        )
        db.session.commit()
    return ids


def _login_uri(live_server) -> str:
    """The Login URI as Manage Your Apps → Re-Authorize opens it."""
    callback = (
        f"{live_server.sandbox}/sellercentral/us/apps/authorize/confirm/{world.APPLICATION_ID}"
    )
    query = {
        "amazon_callback_uri": callback,
        "amazon_state": "amzn-state-a11y",
        "selling_partner_id": "A1NASELLER0001",
        "version": "beta",
    }
    return f"{live_server.url}/amazon/login?{urlencode(query)}"


def test_console_pages_pass_axe_and_fit_a_phone(live_server, axe_page):
    page = axe_page
    _prepare(live_server)
    ids = _stores_in_every_status(live_server.app)
    _sign_in(page, live_server)
    problems = audit(page, "home with six statuses")
    screenshot(page, "a11y-390-home")

    page.goto(live_server.url + "/stores/new")
    page.get_by_label("New Store Name").fill("Amazon Store Outlet")
    page.get_by_label("New Store Name").press("Enter")  # Connect, pressed early
    expect(page.get_by_text("Choose the Amazon marketplace country.")).to_be_visible()
    problems += audit(page, "add form, Connect pressed early")
    screenshot(page, "a11y-390-add-form-early")
    page.goto(live_server.url + "/stores/new")
    fill_store_form(page, "Amazon Store UK", "United Kingdom")
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_text("A store named “Amazon Store UK” already exists.")).to_be_visible()
    problems += audit(page, "add form with errors")
    screenshot(page, "a11y-390-add-form-errors")

    for status in ("active", "revoked", "not_connected"):
        page.goto(f"{live_server.url}/stores/{ids[status]}")
        problems += audit(page, f"dashboard ({status})")
        screenshot(page, f"a11y-390-dashboard-{status}")

    for name, path in [
        ("store settings", f"/stores/{ids['active']}/settings"),
        ("delete confirmation", f"/stores/{ids['active']}/delete"),
        ("disconnect", f"/stores/{ids['active']}/disconnect"),
        ("other marketplaces", f"/stores/{ids['active']}/marketplaces"),
        ("store errors log", f"/stores/{ids['revoked']}/errors"),
        ("Communication Errors Log", "/errors"),
        ("Learning and Preparation", "/learning"),
        ("Pre-Setup Tasks", "/stores/pre-setup"),
        ("Attributes", "/attributes"),
        ("account", "/account"),
        ("users", "/users"),
    ]:
        page.goto(live_server.url + path)
        problems += audit(page, name)

    page.goto(_login_uri(live_server))
    expect(page.get_by_role("button", name="Continue to Amazon")).to_be_visible()
    problems += audit(page, "Login URI confirmation")

    page.set_viewport_size({"width": 1280, "height": 860})
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    problems += audit(page, "sign-in")
    assert not problems, "\n".join(problems)


def test_first_run_setup_passes_axe_and_fits_a_phone(live_server, axe_page):
    page = axe_page
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Create the first admin account")).to_be_visible()
    problems = audit(page, "setup")
    page.get_by_role("button", name="Create admin account").click()
    expect(page.locator(".field-error").first).to_be_visible()
    problems += audit(page, "setup with errors")
    assert not problems, "\n".join(problems)


def test_seller_central_sandbox_pages_pass_axe_and_fit_a_phone(live_server, axe_page):
    page = axe_page
    store_id = _prepare(live_server, "Amazon Store USA", "US")
    _sign_in(page, live_server)
    problems = []
    with page.expect_popup() as popup:
        page.locator(f"#store-{store_id}").get_by_role("button", name="Connect store").click()
    tab = popup.value
    expect(tab.get_by_label("Email or mobile phone number")).to_be_visible()
    problems += audit(tab, "Seller Central sign-in")
    tab.get_by_label("Email or mobile phone number").fill("na.primary@example.com")
    tab.get_by_label("Password").fill(world.PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_label("Enter OTP")).to_be_visible()
    problems += audit(tab, "Seller Central two-step verification")
    tab.get_by_label("Enter OTP").fill(tab.locator("#sandbox-otp").inner_text())
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("button", name="Next")).to_be_visible()
    problems += audit(tab, "Seller Central consent")
    screenshot(tab, "a11y-390-sandbox-consent")
    tab.get_by_label(re.compile(r"^I understand")).check()
    tab.get_by_role("button", name="Next").click()
    expect(tab.get_by_text("You are almost done")).to_be_visible()
    problems += audit(tab, "Seller Central: You are almost done")
    tab.get_by_role("button", name="Continue").click()
    tab.wait_for_event("close")
    expect(page.locator(f"#store-{store_id}")).to_contain_text("Active")

    page.goto(f"{live_server.sandbox}/sellercentral/us/apps/manage")
    expect(page.get_by_role("button", name="Re-Authorize")).to_be_visible()
    problems += audit(page, "Manage Your Apps")
    screenshot(page, "a11y-390-sandbox-manage")
    assert not problems, "\n".join(problems)
