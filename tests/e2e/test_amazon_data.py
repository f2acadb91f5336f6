"""A connected store's Amazon data in Chromium: the card shows the import under way, then
the 30-day sales with a sparkline, without a reload; the total matches the sandbox's seeded
orders to the cent. A real worker process syncs, as in production."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from asc_web import clock
from asc_web.amazon.marketplaces import MARKETPLACES
from asc_web.extensions import db
from asc_web.models import Store, StoreSync
from asc_web.rendering import money
from asc_web.stores import services
from tests.e2e.test_connect import _in_new_tab, _prepare, _sign_in
from tests.support import amazon_data
from tests.support.accessibility import audit, with_axe
from tests.support.amazon_data import expected_30_days, seeded_orders
from tests.support.browser import ARTIFACTS, screenshot
from tests.support.data import insert_store
from tests.support.worker import Worker, worker_settings

pytestmark = pytest.mark.browser


@pytest.fixture
def axe_page(browser):
    """A page whose every document loads axe-core (the page's CSP still applies)."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    with_axe(context)
    yield context.new_page()
    context.close()


def part(locator, name: str) -> None:
    """A screenshot of one part of the page (a whole dashboard is too tall to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_a_connected_store_shows_its_import_then_its_30_day_sales_without_reload(
    live_server, axe_page, tmp_path
):
    page = axe_page
    store_id = _prepare(live_server, "Amazon Store USA", "US")
    worker = Worker(
        worker_settings(live_server.app, live_server.url, SYNC_INTERVAL="15m"),
        tmp_path / "worker.log",
    )
    try:
        _sign_in(page, live_server)
        page.evaluate("window.__noReload = true")
        card = page.get_by_role("article", name="Amazon Store USA", exact=True)
        _in_new_tab(page, card, "Connect store", "na.primary@example.com")
        expect(card).to_contain_text("Active", timeout=10_000)

        # The busiest seeded seller (about 8,500 orders): Amazon's getOrders rate keeps the
        # first import going over many runs, and the card follows it by itself.
        progress = card.get_by_role("status").filter(has_text="Importing orders")
        expect(progress).to_have_text(re.compile(r"Importing orders … [1-9][\d,]* so far"),
                                      timeout=30_000)  # fmt: skip
        expect(card.get_by_text("Sales, last 30 days")).to_be_visible(timeout=30_000)
        sparkline = card.get_by_role("img", name=re.compile(r"^Daily sales from "))
        expect(sparkline).to_be_visible()

        with live_server.app.app_context():
            now = clock.utcnow()
        cents = expected_30_days(seeded_orders(live_server, store_id), now)
        assert cents > 0
        written = money(cents, MARKETPLACES["US"])
        expect(card.locator(".figure-value .money")).to_have_text(written)
        expect(sparkline).to_have_accessible_name(re.compile(re.escape(f"{written} in total")))
        assert page.evaluate("window.__noReload") is True
        screenshot(page, "amazon-data-1-card-importing-desktop")

        # Reloaded, the page asks for its importing cards' figures together (one poller for
        # the page, none on the card), and the count goes on growing without another reload.
        page.reload()
        page.evaluate("window.__noReload = true")
        expect(page.locator("#figures-poller[hx-get]")).to_have_count(1)
        expect(card.locator(".figures-poller")).to_have_count(0)
        count = progress.inner_text()
        expect(progress).not_to_have_text(count, timeout=120_000)
        expect(progress).to_have_text(re.compile(r"Importing orders … [1-9][\d,]* so far"))
        assert page.evaluate("window.__noReload") is True

        problems = audit(page, "home with a store importing")  # leaves the page at 390 px
        expect(card.locator(".sparkline")).to_be_visible()
        card.scroll_into_view_if_needed()
        screenshot(page, "amazon-data-2-card-390px")

        page.set_viewport_size({"width": 1280, "height": 860})
        card.get_by_role("link", name="View Store").click()
        expect(page.get_by_role("heading", name="Sales", exact=True)).to_be_visible()
        expect(page.locator("#sales")).to_contain_text("Lifetime sales")
        expect(page.locator("#recent-orders tbody tr")).to_have_count(20)
        page.get_by_role("link", name="Week", exact=True).click()
        expect(page.get_by_role("heading", name="Revenue by week")).to_be_visible()
        page.get_by_text("Show the figures as a table").click()
        expect(page.locator("#sales details table tbody tr")).to_have_count(26)
        screenshot(page, "amazon-data-3-dashboard-desktop")
        part(page.locator("#sales"), "amazon-data-3a-dashboard-sales")
        part(page.locator("#recent-orders"), "amazon-data-3b-dashboard-orders")
        part(page.locator("#listings-with-issues"), "amazon-data-3c-dashboard-issues")
        problems += audit(page, "dashboard with Amazon data")  # leaves the page at 390 px
        screenshot(page, "amazon-data-4-dashboard-390px")
        part(page.locator("#sales"), "amazon-data-4a-dashboard-sales-390px")
        part(page.locator("#recent-orders"), "amazon-data-4b-dashboard-orders-390px")
        assert not problems, "\n".join(problems)
    finally:
        worker.stop()


def test_the_page_poller_follows_every_importing_card_and_removes_a_deleted_one(live_server, page):
    """The home page's one figures poller: each importing card's count moves, the card of a
    store deleted meanwhile goes, and the answers leave nothing behind in the list."""
    app = live_server.app
    usa = _prepare(live_server, "Amazon Store USA", "US")
    canada = insert_store(app, "Amazon Store Canada", "CA")
    amazon_data.connect(app, [usa, canada])
    for store_id in (usa, canada):
        amazon_data.insert_sync(app, store_id, phase="importing", orders_imported=100)
    _sign_in(page, live_server)
    page.evaluate("window.__noReload = true")
    usa_card = page.get_by_role("article", name="Amazon Store USA", exact=True)
    canada_card = page.get_by_role("article", name="Amazon Store Canada", exact=True)
    for card in (usa_card, canada_card):
        expect(card.get_by_role("status")).to_have_text("Importing orders … 100 so far")
    expect(page.locator("#figures-poller[hx-get]")).to_have_count(1)
    expect(page.locator(".store-card .figures-poller")).to_have_count(0)

    def list_nodes() -> int:
        return page.evaluate("document.getElementById('store-results').childNodes.length")

    with app.app_context():  # a colleague deletes one; the other's import goes on
        services.delete_store(db.session.get(Store, canada), None)
        db.session.get(StoreSync, usa).orders_imported = 250
        db.session.commit()
    progress = usa_card.get_by_role("status")
    expect(progress).to_have_text("Importing orders … 250 so far", timeout=15_000)
    expect(canada_card).to_have_count(0)
    nodes = list_nodes()

    with app.app_context():
        db.session.get(StoreSync, usa).orders_imported = 400
        db.session.commit()
    expect(progress).to_have_text("Importing orders … 400 so far", timeout=15_000)
    assert list_nodes() == nodes  # the answers add no blank text to the list
    expect(page.locator("#figures-poller[hx-get]")).to_have_count(1)
    assert page.evaluate("window.__noReload") is True
