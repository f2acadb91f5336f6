"""In Chromium: forms reach Seller Central (here the sandbox) and nowhere else."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, Accounts
from tests.support.data import insert_store

pytestmark = pytest.mark.browser
ELSEWHERE = "https://elsewhere.example"


def _sign_in(live, page) -> None:
    page.goto(live.url + "/login")
    page.get_by_label("Email Address").fill("admin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Amazon Stores", exact=True)).to_be_visible()


def test_connect_without_javascript_still_reaches_seller_central(live, browser):
    """The form POST is answered by a 303 to the consent page: form-action covers it."""
    Accounts(live.app, None).create()
    insert_store(live.app, "Amazon Store USA", "US")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _sign_in(live, page)
        page.get_by_role("button", name="Connect store").click()
        expect(page.get_by_label("Email or mobile phone number")).to_be_visible()
        assert page.url.startswith(live.sandbox + "/sellercentral/us/")
    finally:
        context.close()


def test_a_form_aimed_at_another_site_is_blocked(live, page):
    Accounts(live.app, None).create()
    sent = []
    page.route(f"{ELSEWHERE}/**", lambda route: (sent.append(route.request.url), route.abort()))
    _sign_in(live, page)
    blocked = page.evaluate(
        """(target) => new Promise((resolve) => {
            document.addEventListener("securitypolicyviolation",
                (event) => resolve(event.effectiveDirective));
            const form = document.createElement("form");
            form.method = "post";
            form.action = target;
            document.body.append(form);
            form.submit();
        })""",
        f"{ELSEWHERE}/steal",
    )
    assert blocked == "form-action"
    assert sent == []
