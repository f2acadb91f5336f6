"""One North America authorization for three stores, in Chromium, through the sandbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from playwright.sync_api import expect

from asc_web import clock
from tests.e2e.test_connect import _in_new_tab, _prepare, _seller_central, _sign_in
from tests.e2e.test_stores import fill_store_form
from tests.support.browser import screenshot
from tests.support.data import insert_store

pytestmark = pytest.mark.browser
STORES = (("Amazon Store USA", "US"), ("Amazon Store Canada", "CA"), ("Amazon Store Mexico", "MX"))


def _hook(live_server, name: str, **body) -> dict:
    response = requests.post(f"{live_server.sandbox}/_hooks/{name}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def _stats(live_server) -> dict:
    return requests.get(f"{live_server.sandbox}/_hooks/stats", timeout=10).json()


def _check(live_server) -> str:
    result = live_server.app.test_cli_runner().invoke(args=["connections", "check"])
    assert result.exit_code == 0, result.output
    return result.output


def _cards(page):
    return {name: page.get_by_role("article", name=name, exact=True) for name, _ in STORES}


def _three_connected(live_server, page):
    """US connected in a new tab, then Canada and Mexico set up from its offer."""
    ids = [insert_store(live_server.app, name, country) for name, country in STORES]
    _sign_in(page, live_server)
    cards = _cards(page)
    _in_new_tab(page, cards["Amazon Store USA"], "Connect store", "na.primary@example.com")
    expect(cards["Amazon Store USA"]).to_contain_text("Active", timeout=10_000)
    cards["Amazon Store USA"].get_by_role("button", name="Set up Canada and Mexico").click()
    expect(page.locator(".store-card.status-active")).to_have_count(3)
    return ids


@pytest.mark.parametrize("strict", [False, True], ids=["amazon-rules", "retire-previous-token"])
def test_us_canada_and_mexico_share_one_authorization_and_one_token_refresh(
    live_server, page, strict
):
    _prepare(live_server)
    if strict:  # a stricter Amazon: a new refresh token retires the previous one
        _hook(live_server, "settings", retire_previous_tokens=True)
    _sign_in(page, live_server)
    for name, country in STORES:
        page.goto(live_server.url + "/stores/new")
        fill_store_form(
            page, name, {"US": "United States", "CA": "Canada", "MX": "Mexico"}[country]
        )
        page.get_by_role("button", name="Connect", exact=True).click()
        expect(page.get_by_text(f"The Amazon store “{name}” was added.")).to_be_visible()
    cards = _cards(page)
    _in_new_tab(page, cards["Amazon Store USA"], "Connect store", "na.primary@example.com")
    expect(cards["Amazon Store USA"]).to_contain_text("Active", timeout=10_000)
    # Mexico in its own tab, with the same seller: it joins the North America authorization.
    _in_new_tab(page, cards["Amazon Store Mexico"], "Connect store", "na.primary@example.com")
    mexico = cards["Amazon Store Mexico"]
    expect(mexico).to_contain_text("Active", timeout=10_000)
    expect(mexico).to_contain_text("This seller also sells in Canada")
    mexico.get_by_role("button", name="Use it for “Amazon Store Canada”").click()
    expect(page.locator("#flash-messages")).to_contain_text(
        "“Amazon Store Canada” now uses the authorization of seller A1NASELLER0001"
    )
    assert _stats(live_server)["consents"] == 2  # US and Mexico; Canada needed none
    for name, _ in STORES:
        expect(cards[name]).to_contain_text("Active")
        expect(cards[name]).to_contain_text("A1NASELLER0001")
    expect(cards["Amazon Store USA"].locator(".also-used-by")).to_have_text(
        "Amazon Store Canada, Amazon Store Mexico"
    )
    screenshot(page, f"authorization-shared-{'strict' if strict else 'amazon'}")

    _hook(live_server, "clock", advance_seconds=2 * 3600)  # both clocks: tokens expired
    before = _stats(live_server)["token_calls"]["refresh_token"]
    assert "Checked 3 store(s): 3 ok" in _check(live_server)
    assert _stats(live_server)["token_calls"]["refresh_token"] - before == 1
    _sign_in(page, live_server)
    for name, _ in STORES:
        expect(cards[name]).to_contain_text("Active")


def test_renewing_from_the_canada_card_renews_all_three_without_reload(live_server, page):
    _prepare(live_server)
    _three_connected(live_server, page)
    _hook(live_server, "clock", advance_days=340)  # Amazon's clock and ours
    _sign_in(page, live_server)  # months later: sign in again
    cards = _cards(page)
    for card in cards.values():
        expect(card).to_contain_text("Renewal due")
    page.evaluate("window.__noReload = true")
    _in_new_tab(page, cards["Amazon Store Canada"], "Renew authorization",
                "na.primary@example.com")  # fmt: skip
    with live_server.app.app_context():  # the console's clock follows the sandbox's
        new_until = (clock.utcnow() + timedelta(days=365)).strftime("%b %-d, %Y")
    for card in cards.values():
        expect(card).to_contain_text("Active", timeout=10_000)
        expect(card).to_contain_text(new_until)
    assert page.evaluate("window.__noReload") is True
    screenshot(page, "authorization-renewed-from-canada")


def test_manage_your_apps_remove_then_re_authorize_through_the_login_uri(
    live_server, page, browser
):
    _prepare(live_server)
    _three_connected(live_server, page)
    # Seller Central in another browser, where nobody is signed in to ASC Web.
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    seller = context.new_page()
    try:
        seller.goto(f"{live_server.sandbox}/sellercentral/us/apps/manage")
        seller.get_by_label("Email or mobile phone number").fill("na.primary@example.com")
        seller.get_by_label("Password").fill("sandbox-pass")
        seller.get_by_role("button", name="Sign in").click()
        seller.get_by_label("Enter OTP").fill(seller.locator("#sandbox-otp").inner_text())
        seller.get_by_role("button", name="Sign in").click()
        expect(seller.get_by_text("ASC Web (sandbox)").first).to_be_visible()
        seller.get_by_role("button", name="Remove").click()
        expect(seller.get_by_role("button", name="Remove")).to_have_count(0)

        assert "3 revoked" in _check(live_server)
        page.reload()
        for card in _cards(page).values():
            expect(card).to_contain_text("Reconnect required")
        page.goto(live_server.url + "/errors")
        expect(page.locator("main")).to_contain_text("invalid_grant")

        seller.get_by_role("button", name=re.compile(r"Re-Authorize|Authorize now")).click()
        expect(seller.get_by_text("Sign in to ASC Web to finish the authorization")).to_be_visible()
        seller.get_by_label("Email Address").fill("owner@example.com")
        seller.get_by_label("Password").fill("correct horse battery")
        seller.get_by_role("button", name="Sign in").click()
        for name, _ in STORES:
            expect(seller.locator("main")).to_contain_text(f"“{name}”")
        screenshot(seller, "login-uri-confirm")
        seller.get_by_role("button", name="Continue to Amazon").click()
        _seller_central(seller, "na.primary@example.com")
        expect(seller.get_by_role("heading", name="Store connected")).to_be_visible()
    finally:
        context.close()
    page.goto(live_server.url + "/")
    for card in _cards(page).values():
        expect(card).to_contain_text("Active")
