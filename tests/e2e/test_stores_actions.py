"""Store actions in Chromium: cards and dashboard with htmx, the modal by keyboard, no-JS."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_stores import add_store, fill_store_form, sign_in
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser


def test_card_actions_work_in_place_without_reloading(live_server, page):
    add_store(live_server, "Amazon Store Mexico", "MX")
    keep = add_store(live_server, "Amazon Store Canada", "CA")
    sign_in(live_server, page)
    page.evaluate("window.notReloaded = true")
    card = page.locator(".store-card", has_text="Amazon Store Mexico")

    card.get_by_text("Action").click()
    card.get_by_role("button", name="Deactivate").click()
    expect(card.locator(".status-badge")).to_have_text("Inactive")
    expect(page.get_by_text("“Amazon Store Mexico” is now inactive")).to_be_visible()
    expect(card.get_by_role("button", name="Connect store")).to_have_count(0)

    card.get_by_text("Action").click()
    card.get_by_role("button", name="Activate").click()
    expect(card.locator(".status-badge")).to_have_text("Not connected")

    card.get_by_text("Action").click()
    card.get_by_role("link", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete “Amazon Store Mexico”?")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Your listings, orders and account on Amazon are not affected.")
    screenshot(page, "stores-05-delete-confirmation")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(card).to_be_visible()

    card.get_by_text("Action").click()
    card.get_by_role("link", name="Delete").click()
    confirm.get_by_role("button", name="Delete store").click()
    expect(card).to_have_count(0)
    expect(confirm).to_be_hidden()
    expect(page.get_by_text("The store “Amazon Store Mexico” was deleted")).to_be_visible()
    expect(page.get_by_text("1 store", exact=True)).to_be_visible()
    assert page.evaluate("window.notReloaded") is True

    page.reload()
    expect(page.locator(".store-card")).to_have_count(1)
    expect(page.locator(f"#store-{keep}")).to_be_visible()


def test_dashboard_actions_and_settings_work_in_place(live_server, page):
    store_id = add_store(live_server, "Amazon Store USA")
    add_store(live_server, "Amazon Store UK", "UK")
    sign_in(live_server, page)
    page.goto(f"{live_server.url}/stores/{store_id}")
    page.evaluate("window.notReloaded = true")
    head = page.locator(".store-head")

    head.get_by_role("button", name="Deactivate").click()
    expect(head.locator(".status-badge")).to_have_text("Inactive")
    expect(page.locator(".activity")).to_contain_text("Deactivated the store")
    head.get_by_role("button", name="Activate").click()
    expect(head.locator(".status-badge")).to_have_text("Not connected")

    page.get_by_label("Store Name").fill("amazon store uk")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("A store named “Amazon Store UK” already exists.")).to_be_visible()
    expect(page.get_by_label("Store Name")).to_be_focused()

    page.get_by_label("Store Name").fill("Amazon Store United States")
    page.get_by_label("Email Address").fill("usa@example.com")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("heading", name="Amazon Store United States", level=1)).to_be_visible()
    expect(page.locator(".activity")).to_contain_text("Store name changed from")
    assert page.evaluate("window.notReloaded") is True

    head.get_by_role("link", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete store").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_text("The store “Amazon Store United States” was deleted")).to_be_visible()
    assert page.evaluate("window.notReloaded") is None


def test_pre_setup_tasks_work_with_the_keyboard_and_are_kept(live_server, page):
    sign_in(live_server, page)
    add = page.get_by_role("link", name="Add Amazon Store").first
    add.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Pre-Setup Tasks")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("checkbox").first).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    second = dialog.get_by_role("checkbox").nth(1)
    expect(second).to_be_checked()
    expect(dialog.get_by_text("1 of 8 tasks done")).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_role("link", name="Learning and Preparation").click()
    expect(page.get_by_role("checkbox", name="Primary user's sign-in details")).to_be_checked()
    page.get_by_role("checkbox", name="Primary user's sign-in details").uncheck()
    expect(page.get_by_text("0 of 8 tasks done")).to_be_visible()
    page.reload()
    expect(page.get_by_role("checkbox", name="Primary user's sign-in details")).not_to_be_checked()


def test_filters_and_pages_narrow_a_long_list(live_server, page):
    for i in range(30):
        add_store(live_server, f"Store {i:02d}", ("US", "CA", "MX", "UK")[i % 4], active=i != 3)
    sign_in(live_server, page)
    expect(page.get_by_text("30 stores; showing 1–24")).to_be_visible()
    expect(page.locator(".store-card")).to_have_count(24)
    page.get_by_role("link", name="Next page").click()
    expect(page.locator(".store-card")).to_have_count(6)
    expect(page).to_have_url(re.compile(r"page=2"))

    page.get_by_label("Country").select_option(label="United Kingdom")
    expect(page.get_by_text("7 of 30 stores match")).to_be_visible()
    page.get_by_label("Store name").fill("store 0")
    expect(page.get_by_text("2 of 30 stores match")).to_be_visible()
    page.get_by_label("Status").select_option(label="Inactive")
    expect(page.locator(".store-card")).to_have_count(1)
    expect(page.locator(".store-card")).to_contain_text("Store 03")
    expect(page).to_have_url(re.compile(r"status=inactive"))
    screenshot(page, "stores-06-filtered")


def test_everything_works_without_javascript(live_server, browser):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 860}
    )
    page = context.new_page()
    try:
        sign_in(live_server, page)
        page.get_by_role("link", name="Add Amazon Store").first.click()
        expect(page.get_by_role("heading", name="Pre-Setup Tasks")).to_be_visible()
        page.get_by_role("checkbox").first.check()
        page.get_by_role("button", name="Save").first.click()
        expect(page.get_by_text("1 of 8 tasks done")).to_be_visible()
        page.get_by_role("link", name="Continue").click()

        fill_store_form(page, "Amazon Store USA", "United States")
        page.get_by_role("button", name="Connect", exact=True).click()
        card = page.locator(".store-card", has_text="Amazon Store USA")
        expect(card).to_be_visible()

        card.get_by_text("Action").click()
        card.get_by_role("button", name="Deactivate").click()
        expect(card.locator(".status-badge")).to_have_text("Inactive")

        card.get_by_text("Action").click()
        card.get_by_role("link", name="Delete").click()
        expect(page.get_by_role("heading", name="Delete “Amazon Store USA”?")).to_be_visible()
        page.get_by_role("button", name="Delete store").click()
        expect(page.get_by_text("The store “Amazon Store USA” was deleted")).to_be_visible()
        expect(page.get_by_text("No Amazon stores yet")).to_be_visible()
    finally:
        context.close()
