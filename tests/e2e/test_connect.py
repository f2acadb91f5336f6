"""Connect store in Chromium: Seller Central opens in a new tab, the card turns Active live."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from asc_web import clock
from asc_web.amazon.marketplaces import MARKETPLACES
from asc_web.extensions import db
from asc_web.models import Store
from tests.conftest import PASSWORD
from tests.e2e.test_stores import fill_store_form
from tests.support.browser import screenshot
from tests.support.data import insert_store

pytestmark = pytest.mark.browser


def _prepare(live_server, name: str | None = None, country: str = "US") -> int | None:
    """An admin and (given a name) one store, made directly in the database."""
    from asc_web.auth import services

    with live_server.app.app_context():
        services.create_user("owner@example.com", PASSWORD, "admin")
        db.session.commit()
    return None if name is None else insert_store(live_server.app, name, country)


def _sign_in(page, live_server):
    page.goto(live_server.url + "/login")
    page.get_by_label("Email Address").fill("owner@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Amazon Stores", exact=True)).to_be_visible()


def _seller_central(tab, email: str):
    """Sign in (unless still signed in), pass two-step verification, consent and continue."""
    sign_in = tab.get_by_label("Email or mobile phone number")
    understand = tab.get_by_label(re.compile(r"^I understand"))
    expect(sign_in.or_(understand)).to_be_visible()
    if sign_in.is_visible():
        sign_in.fill(email)
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


def _in_new_tab(page, card, button: str, email: str, while_awaiting=None):
    """Click ``button`` on the card, go through Seller Central in the tab it opens, and
    wait for that tab to close itself; ``while_awaiting`` runs before signing in."""
    with page.expect_popup() as popup:
        card.get_by_role("button", name=button).click()
    if while_awaiting is not None:
        while_awaiting()
    _seller_central(popup.value, email)
    popup.value.wait_for_event("close")


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
    _prepare(live_server)  # the admin only: the store is added through the form
    _sign_in(page, live_server)
    page.get_by_role("link", name="Add Amazon Store").first.click()
    page.get_by_role("dialog", name="Pre-Setup Tasks").get_by_role("link", name="Continue").click()
    fill_store_form(page, name, MARKETPLACES[country].country)
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_text(f"The Amazon store “{name}” was added.")).to_be_visible()
    page.evaluate("window.__noReload = true")
    card = page.get_by_role("article", name=name, exact=True)
    expect(card).to_contain_text("Not connected")

    def while_awaiting():
        expect(card).to_contain_text("Awaiting authorization")
        screenshot(page, f"connect-{country.lower()}-1-awaiting")

    _in_new_tab(page, card, "Connect store", email, while_awaiting)
    expect(card).to_contain_text("Active", timeout=10_000)
    expect(card).to_contain_text(seller)
    expect(card).to_contain_text("Authorized until")
    expect(page.locator("#flash-messages")).to_contain_text(
        f"“{name}” is connected with Amazon Seller Central until"
    )
    assert page.evaluate("window.__noReload") is True
    screenshot(page, f"connect-{country.lower()}-3-active")
    if country == "US":  # the seller also sells in Canada and Mexico: one click adds both
        expect(card).to_contain_text("This seller also sells in Canada and Mexico")
        card.get_by_role("button", name="Set up Canada and Mexico").click()
        expect(page.locator("#flash-messages")).to_contain_text(
            "“Amazon Store Canada”, “Amazon Store Mexico” now use the authorization"
        )
        expect(page.locator(".store-card.status-active")).to_have_count(3)
        screenshot(page, "connect-us-4-canada-and-mexico-added")
    else:
        expect(card).not_to_contain_text("also sells in")


def test_when_the_new_tab_is_blocked_the_flow_runs_in_this_tab(live_server, page):
    store_id = _prepare(live_server, "Amazon Store USA", "US")
    page.add_init_script("window.open = function () { return null; }")
    _sign_in(page, live_server)
    page.locator(f"#store-{store_id}").get_by_role("button", name="Connect store").click()
    _seller_central(page, "na.primary@example.com")
    expect(page.get_by_role("heading", name="Store connected")).to_be_visible()
    # The result page offers the seller's other marketplaces and waits for an answer.
    expect(page.get_by_text("This seller also sells in Canada and Mexico")).to_be_visible()
    page.get_by_role("link", name="Not now: back to Amazon Stores").click()
    expect(page.get_by_role("heading", name="Amazon Stores", exact=True)).to_be_visible()
    expect(page.locator(f"#store-{store_id}")).to_contain_text("Active")
    expect(page.locator(".store-card")).to_have_count(1)


def test_a_refused_connection_is_explained_on_the_card(live_server, page):
    store_id = _prepare(live_server, "Amazon Store Mexico", "MX")
    _sign_in(page, live_server)
    card = page.locator(f"#store-{store_id}")
    _in_new_tab(page, card, "Connect store", "us.only@example.com")
    expect(page.locator("#flash-messages")).to_contain_text("does not sell in Mexico")
    expect(card).to_contain_text("Not connected")


def test_renewal_due_card_renews_in_a_new_tab_without_reload(live_server, page):
    store_id = _prepare(live_server, "Amazon Store UK", "UK")
    _sign_in(page, live_server)
    card = page.locator(f"#store-{store_id}")
    _in_new_tab(page, card, "Connect store", "uk.primary@example.com")
    expect(card).to_contain_text("Active")

    with live_server.app.app_context():  # eleven months later
        conn = db.session.get(Store, store_id).authorization
        conn.authorized_at = clock.utcnow() - timedelta(days=340)
        conn.expires_at = conn.authorized_at + timedelta(days=365)
        db.session.commit()
        old_until = conn.expires_at.strftime("%b %-d, %Y")
    page.reload()
    expect(page.locator(".attention-banner")).to_contain_text("1 store needs attention")
    expect(card).to_contain_text("Renewal due")
    expect(card).to_contain_text("(25 days left)")
    expect(card).to_contain_text(old_until)
    screenshot(page, "renew-1-due")

    page.evaluate("window.__noReload = true")
    _in_new_tab(
        page,
        card,
        "Renew authorization",
        "uk.primary@example.com",
        lambda: expect(card).to_contain_text("Awaiting authorization"),
    )
    new_until = (clock.utcnow() + timedelta(days=365)).strftime("%b %-d, %Y")
    expect(card).to_contain_text("Active", timeout=10_000)
    expect(card).to_contain_text(new_until)
    expect(card).not_to_contain_text(old_until)
    expect(card.get_by_role("button", name="Renew authorization")).to_have_count(0)
    expect(page.locator(".attention-banner")).to_have_count(0)  # the banner follows
    assert page.evaluate("window.__noReload") is True
    screenshot(page, "renew-2-active")


def test_dashboard_panel_checks_the_connection_in_place(live_server, page):
    store_id = _prepare(live_server, "Amazon Store UK", "UK")
    _sign_in(page, live_server)
    card = page.locator(f"#store-{store_id}")
    _in_new_tab(page, card, "Connect store", "uk.primary@example.com")
    expect(card).to_contain_text("Active")

    card.get_by_role("link", name="View Store").click()
    panel = page.locator("#connection-panel")
    expect(panel).to_contain_text("A1UKSELLER0002")
    expect(panel.get_by_role("link", name="Communication Errors Log")).to_be_visible()
    page.evaluate("window.__noReload = true")
    panel.get_by_role("button", name="Check connection").click()
    expect(page.locator("#flash-messages")).to_contain_text(
        "Amazon answered normally for “Amazon Store UK”."
    )
    expect(page.locator("#connection-panel")).to_contain_text("Amazon answered normally")
    assert page.evaluate("window.__noReload") is True
    screenshot(page, "dashboard-connection-panel")

    page.locator("#connection-panel").get_by_role("link", name="Disconnect").click()
    expect(page.get_by_role("link", name="Manage Your Apps")).to_be_visible()
    page.get_by_role("button", name="Disconnect").click()
    expect(page.locator("#flash-messages")).to_contain_text("is disconnected")
    expect(page.locator("#connection-panel")).to_contain_text("Not connected")
    expect(
        page.locator("#connection-panel").get_by_role("button", name="Connect store")
    ).to_be_visible()
