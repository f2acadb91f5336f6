"""A merchant's very first visit, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser


def test_first_visit_creates_the_admin_and_lands_on_the_empty_store_list(live_server, page):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Create the first admin account")).to_be_visible()
    screenshot(page, "01-setup")

    page.get_by_label("Email Address").fill("owner@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD + "typo")
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_text("The two passwords do not match.")).to_be_visible()
    expect(page.get_by_label("Confirm password")).to_be_focused()  # the field to correct

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create admin account").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Amazon Stores", exact=True)).to_be_visible()
    expect(page.get_by_text("Your admin account is ready")).to_be_visible()
    expect(page.locator(".flash", has_text="Your admin account is ready")).to_be_focused()
    expect(page.get_by_text("No Amazon stores yet")).to_be_visible()
    expect(page.get_by_role("link", name="Add Amazon Store").first).to_be_visible()
    expect(page.get_by_role("navigation")).to_contain_text("Learning and Preparation")
    screenshot(page, "02-home-empty")


def test_sign_out_then_sign_in_again(live_server, page):
    with live_server.app.app_context():
        from asc_web.auth import services
        from asc_web.extensions import db

        services.create_user("m@example.com", PASSWORD, "manager")
        db.session.commit()
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email Address").fill("m@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The email address or password is incorrect.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Amazon Stores", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
