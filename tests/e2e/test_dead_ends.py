"""No dead ends: leaving Seller Central without an answer ends the wait at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from asc_web.extensions import db
from asc_web.models import AuthorizationAttempt
from tests.e2e.test_connect import _prepare, _sign_in
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser
CLOSED = "The Seller Central tab was closed before Amazon sent you back"


def _sign_in_to_seller_central(tab, email: str) -> None:
    tab.get_by_label("Email or mobile phone number").fill(email)
    tab.get_by_label("Password").fill("sandbox-pass")
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_label("Enter OTP").fill(tab.locator("#sandbox-otp").inner_text())
    tab.get_by_role("button", name="Sign in").click()


def _leave(tab, ending: str) -> None:
    """What the merchant sees in Seller Central before closing its tab."""
    if ending == "invalid-access":
        _sign_in_to_seller_central(tab, "na.assistant@example.com")
        expect(tab.get_by_role("heading", name="Invalid Access")).to_be_visible()
    elif ending == "cancel":
        _sign_in_to_seller_central(tab, "na.primary@example.com")
        tab.get_by_role("button", name="Cancel").click()
        expect(tab.get_by_text("You cancelled the authorization")).to_be_visible()
    else:
        expect(tab.get_by_label("Email or mobile phone number")).to_be_visible()
    tab.close()


@pytest.mark.parametrize("ending", ["invalid-access", "cancel", "closed"])
def test_leaving_seller_central_without_an_answer_ends_the_wait(live_server, page, ending):
    store_id = _prepare(live_server, "Amazon Store USA", "US")
    _sign_in(page, live_server)
    card = page.locator(f"#store-{store_id}")
    with page.expect_popup() as popup:
        card.get_by_role("button", name="Connect store").click()
    expect(card).to_contain_text("Awaiting authorization")
    expect(card).to_contain_text("Only the primary user of the Seller Central account")
    _leave(popup.value, ending)

    expect(card).not_to_contain_text("Awaiting authorization", timeout=5_000)
    expect(card).to_contain_text("Not connected")
    expect(card.locator(".last-failure")).to_contain_text(CLOSED)
    expect(card.locator(".last-failure")).to_contain_text(
        "only the primary user of the Seller Central account can authorize"
    )
    screenshot(page, f"dead-end-{ending}")

    # Connect store works at the first click, and the failure gives way to the new attempt.
    with page.expect_popup() as again:
        card.get_by_role("button", name="Connect store").click()
    expect(card).to_contain_text("Awaiting authorization")
    expect(card.locator(".last-failure")).to_have_count(0)
    again.value.close()
    expect(card).not_to_contain_text("Awaiting authorization", timeout=5_000)

    page.goto(f"{live_server.url}/stores/{store_id}")
    activity = page.locator("main")
    expect(activity).to_contain_text("Left Seller Central without finishing")


def test_a_second_click_brings_the_open_seller_central_tab_forward(live_server, page):
    store_id = _prepare(live_server, "Amazon Store USA", "US")
    _sign_in(page, live_server)
    card = page.locator(f"#store-{store_id}")
    with page.expect_popup() as popup:
        card.get_by_role("button", name="Connect store").click()
    expect(card).to_contain_text("Awaiting authorization")
    expect(popup.value).to_have_url(re.compile(r"/sandbox/sellercentral/us/"))
    card.get_by_role("button", name="Connect store").click()
    page.wait_for_timeout(300)  # give a (wrong) second tab the chance to appear
    assert len(page.context.pages) == 2
    with live_server.app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuthorizationAttempt.id))) == 1
    popup.value.close()
