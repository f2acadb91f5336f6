"""Connect store in Chromium: Seller Central opens in a new tab, the card turns Active live."""

import re

import pytest
from playwright.sync_api import expect

from asc_web.extensions import db
from asc_web.models import ProductAttribute, Store, Website
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser


def _prepare(live_server, name: str, country: str) -> int:
    """An admin and one store, made directly in the database."""
    from asc_web.auth import services

    with live_server.app.app_context():
        services.create_user("owner@example.com", PASSWORD, "admin")
        store = Store(
            name=name,
            name_key=name.casefold(),
            email="shop@example.com",
            marketplace_code=country,
            website_id=db.session.scalar(db.select(Website.id)),
            product_id_type="ASIN",
            attribute_id=db.session.scalar(db.select(ProductAttribute.id)),
        )
        db.session.add(store)
        db.session.commit()
        return store.id


def _sign_in(page, live_server):
    page.goto(live_server.url + "/login")
    page.get_by_label("Email Address").fill("owner@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Amazon Stores", exact=True)).to_be_visible()


def _seller_central(tab, email: str):
    """Sign in, pass two-step verification, consent and continue, as the seller."""
    tab.get_by_label("Email or mobile phone number").fill(email)
    tab.get_by_label("Password").fill("sandbox-pass")
    tab.get_by_role("button", name="Sign in").click()
    code = tab.locator("#sandbox-otp").inner_text()
    tab.get_by_label("Enter OTP").fill(code)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("button", name="Next")).to_be_disabled()
    tab.get_by_label(re.compile(r"^I understand")).check()
    tab.get_by_role("button", name="Next").click()
    expect(tab.get_by_text("You are almost done")).to_be_visible()
    tab.get_by_role("button", name="Continue").click()


@pytest.mark.parametrize(
    ("name", "country", "email", "seller"),
    [
        ("Amazon Store USA", "US", "na.primary@example.com", "A1NASELLER0001"),
        ("Amazon Store UK", "UK", "uk.primary@example.com", "A1UKSELLER0002"),
    ],
)
def test_connect_store_in_a_new_tab_turns_the_card_active_without_reload(
    live_server, page, name, country, email, seller
):
    store_id = _prepare(live_server, name, country)
    _sign_in(page, live_server)
    page.evaluate("window.__noReload = true")
    card = page.locator(f"#store-{store_id}")
    expect(card).to_contain_text("Not connected")
    with page.expect_popup() as popup:
        card.get_by_role("button", name="Connect store").click()
    tab = popup.value
    expect(card).to_contain_text("Awaiting authorization")
    screenshot(page, f"connect-{country.lower()}-1-awaiting")
    _seller_central(tab, email)
    tab.wait_for_event("close")
    expect(card).to_contain_text("Active", timeout=10_000)
    expect(card).to_contain_text(seller)
    expect(card).to_contain_text("Authorized until")
    expect(page.locator("#flash-messages")).to_contain_text(
        f"“{name}” is connected with Amazon Seller Central until"
    )
    assert page.evaluate("window.__noReload") is True
    screenshot(page, f"connect-{country.lower()}-3-active")


def test_when_the_new_tab_is_blocked_the_flow_runs_in_this_tab(live_server, page):
    store_id = _prepare(live_server, "Amazon Store USA", "US")
    page.add_init_script("window.open = function () { return null; }")
    _sign_in(page, live_server)
    page.locator(f"#store-{store_id}").get_by_role("button", name="Connect store").click()
    _seller_central(page, "na.primary@example.com")
    expect(page.get_by_role("heading", name="Store connected")).to_be_visible()
    expect(page.get_by_role("heading", name="Amazon Stores", exact=True)).to_be_visible(
        timeout=10_000
    )
    expect(page.locator(f"#store-{store_id}")).to_contain_text("Active")


def test_a_refused_connection_is_explained_on_the_card(live_server, page):
    store_id = _prepare(live_server, "Amazon Store Mexico", "MX")
    _sign_in(page, live_server)
    card = page.locator(f"#store-{store_id}")
    with page.expect_popup() as popup:
        card.get_by_role("button", name="Connect store").click()
    tab = popup.value
    _seller_central(tab, "us.only@example.com")
    tab.wait_for_event("close")
    expect(page.locator("#flash-messages")).to_contain_text("does not sell in Mexico")
    expect(card).to_contain_text("Not connected")
