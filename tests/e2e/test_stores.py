"""The Amazon stores journey in Chromium, with the documentation's labels verbatim."""

import re

import pytest
from playwright.sync_api import expect

from asc_web.amazon.marketplaces import MARKETPLACES
from tests.conftest import PASSWORD
from tests.support.browser import screenshot
from tests.support.data import insert_store

pytestmark = pytest.mark.browser
COUNTRIES = [m.country for m in MARKETPLACES.values()]


def sign_in(live_server, page, role="admin"):
    """Create a user with ``role`` and sign in through the login page."""
    from asc_web.auth import services
    from asc_web.extensions import db

    email = f"{role}@example.com"
    with live_server.app.app_context():
        services.create_user(email, PASSWORD, role)
        db.session.commit()
    page.goto(live_server.url + "/login")
    page.get_by_label("Email Address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Amazon Stores", exact=True)).to_be_visible()


def fill_store_form(page, name, country, product_id="ASIN", attribute="ASIN"):
    """Fill Add Amazon sales channel with the labels of the product documentation."""
    page.get_by_label("Magento Website to use for Amazon Listing").select_option(
        label="Main Website"
    )
    page.get_by_label("Email Address").fill("merchant@example.com")
    page.get_by_label("New Store Name").fill(name)
    page.get_by_label("Amazon Marketplace Country").select_option(label=country)
    page.get_by_label("Product ID on the Amazon market").select_option(label=product_id)
    page.get_by_label("Map a Magento attribute").select_option(label=attribute)


@pytest.mark.parametrize("country", COUNTRIES)
def test_merchant_adds_a_first_and_a_second_store(live_server, page, country):
    sign_in(live_server, page)
    slug = country.lower().replace(" ", "-")

    page.get_by_role("link", name="Add Amazon Store").first.click()
    dialog = page.get_by_role("dialog", name="Pre-Setup Tasks")
    expect(dialog).to_be_visible()
    first_task = dialog.get_by_role("checkbox").first
    expect(first_task).to_be_focused()
    first_task.check()
    expect(dialog.get_by_text("1 of 8 tasks done")).to_be_visible()
    screenshot(page, f"stores-{slug}-01-pre-setup")
    dialog.get_by_role("link", name="Continue").click()

    expect(page.get_by_role("heading", name="Add Amazon sales channel")).to_be_visible()
    connect = page.get_by_role("button", name="Connect", exact=True)
    expect(connect).to_have_attribute("aria-disabled", "true")
    first_name = f"Amazon Store {country}"
    fill_store_form(page, first_name, country)
    expect(connect).not_to_have_attribute("aria-disabled", "true")
    page.get_by_label("New Store Name").fill("x" * 65)  # the browser counts as the server does
    expect(connect).to_have_attribute("aria-disabled", "true")
    page.get_by_label("New Store Name").fill(f"  {first_name}  ")
    expect(connect).not_to_have_attribute("aria-disabled", "true")
    connect.click()

    expect(page).to_have_url(re.compile(r"/$"))
    card = page.locator(".store-card", has_text=first_name)
    expect(card).to_be_visible()
    expect(card).to_contain_text(country)
    expect(card).to_contain_text("Not connected")
    expect(card).to_contain_text("Main Website")
    expect(card.get_by_role("button", name="Connect store")).to_be_visible()
    added = page.locator(".flash", has_text=f"The Amazon store “{first_name}” was added.")
    expect(added).to_be_visible()
    expect(added).to_be_focused()  # read out at once; the next Tab starts there

    # The second store goes straight to the form: no modal this time.
    page.get_by_role("link", name="Add Amazon Store").click()
    expect(page.get_by_role("heading", name="Add Amazon sales channel")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    other = COUNTRIES[(COUNTRIES.index(country) + 1) % len(COUNTRIES)]
    fill_store_form(page, first_name.upper(), other, "EAN", "EAN")
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_text(f"A store named “{first_name}” already exists.")).to_be_visible()
    expect(page.get_by_label("New Store Name")).to_be_focused()
    screenshot(page, f"stores-{slug}-02-form-errors")

    second_name = f"Amazon Store {other}"
    page.get_by_label("New Store Name").fill(second_name)
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_text(f"The Amazon store “{second_name}” was added.")).to_be_visible()
    expect(page.locator(".store-card")).to_have_count(2)
    expect(page.get_by_text("2 stores")).to_be_visible()
    screenshot(page, f"stores-{slug}-03-home")

    page.locator(".store-card", has_text=first_name).get_by_role("link", name="View Store").click()
    expect(page.get_by_role("heading", name=first_name, level=1)).to_be_visible()
    back = page.locator(".back-link")
    expect(back).to_have_text("← Amazon Stores")  # it leads to the home page, not a dashboard
    expect(page.get_by_role("heading", name="Store Integration Settings")).to_be_visible()
    shipping = page.get_by_role("link", name="Shipping settings")
    expect(shipping).to_have_attribute("target", "_blank")
    expect(page.locator(".activity")).to_contain_text("Created the store")
    screenshot(page, f"stores-{slug}-04-dashboard")
    back.click()
    expect(page.get_by_role("heading", name="Amazon Stores", exact=True)).to_be_visible()


def test_connect_pressed_early_shows_what_is_missing_and_focuses_the_first_field(live_server, page):
    sign_in(live_server, page)
    page.goto(live_server.url + "/stores/new")
    page.get_by_label("Email Address").fill("merchant@example.com")
    page.get_by_label("New Store Name").fill("Amazon Store USA")
    connect = page.get_by_role("button", name="Connect", exact=True)
    expect(connect).to_have_attribute("aria-disabled", "true")
    expect(connect).to_have_accessible_description(re.compile("what is still missing"))
    page.get_by_label("Map a Magento attribute").focus()
    page.keyboard.press("Tab")  # still in the Tab order
    expect(connect).to_be_focused()
    page.keyboard.press("Enter")

    website = page.get_by_label("Magento Website to use for Amazon Listing")
    expect(website).to_be_focused()
    expect(website).to_have_accessible_description(
        re.compile("Choose the Magento website to list on Amazon.")
    )
    for message in (
        "Choose the Amazon marketplace country.",
        "Choose the Amazon product identifier.",
        "Choose the Magento attribute that holds it.",
    ):
        expect(page.get_by_text(message)).to_be_visible()
    expect(page.locator(".field-error")).to_have_count(4)  # the filled-in fields are fine
    expect(page.get_by_role("heading", name="Add Amazon sales channel")).to_be_visible()
    screenshot(page, "stores-add-pressed-early")

    website.select_option(label="Main Website")
    # The website's check takes its message away and the button moves up: click where it is
    # now (a click aimed before the swap can land beside the moved button).
    expect(page.get_by_text("Choose the Magento website to list on Amazon.")).to_have_count(0)
    expect(page.locator(".field-error")).to_have_count(3)
    connect.click(force=True)  # a mouse click on the dimmed button does the same
    expect(page.get_by_label("Amazon Marketplace Country")).to_be_focused()
    expect(page).to_have_url(re.compile(r"/stores/new$"))


def add_store(live_server, name, country="US", active=True):
    """Insert a store directly (the form is covered above); return its id."""
    return insert_store(live_server.app, name, country, email="merchant@example.com", active=active)
