"""The whole journey in Chromium with the browser's console open: the Content-Security-Policy
refuses nothing (htmx injects no styles) and no page logs an error."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.test_connect import _in_new_tab, _prepare, _sign_in
from tests.e2e.test_stores import fill_store_form

pytestmark = pytest.mark.browser
# Every page of the context reports the policy's refusals to the test.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.ascViolation(`${location.pathname}: ${e.violatedDirective} refused ` +
    `${e.blockedURI || "inline"} (${e.sourceFile || "?"}:${e.lineNumber}) ${e.sample || ""}`);
});
"""
# What a password manager does: style the email and password fields through the CSSOM, which
# the policy allows. htmx's settle step used to copy such styles with setAttribute (refused).
STYLE_FIELDS_LIKE_AN_EXTENSION = """
const mark = () => document.querySelectorAll("input[type=email], input[type=password]")
  .forEach((input) => { input.style.backgroundColor = "rgb(250, 255, 189)"; });
document.addEventListener("DOMContentLoaded", mark);
document.addEventListener("htmx:after:swap", mark);
"""


def test_add_connect_check_renew_and_disconnect_without_a_csp_violation_or_console_error(
    live_server, browser
):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    violations, errors = [], []
    context.expose_function("ascViolation", lambda text: violations.append(text))
    context.add_init_script(REPORT_VIOLATIONS)
    context.add_init_script(STYLE_FIELDS_LIKE_AN_EXTENSION)
    context.on(
        "console",
        lambda msg: msg.type == "error" and errors.append(f"{msg.text} ({msg.location['url']})"),
    )
    context.on("weberror", lambda error: errors.append(str(error.error)))
    page = context.new_page()
    try:
        _prepare(live_server)
        _sign_in(page, live_server)
        # Add a store: the Pre-Setup Tasks, then the form (each field checked as it is left).
        page.get_by_role("link", name="Add Amazon Store").first.click()
        dialog = page.get_by_role("dialog", name="Pre-Setup Tasks")
        dialog.get_by_role("checkbox").first.check()
        dialog.get_by_role("link", name="Continue").click()
        fill_store_form(page, "Amazon Store UK", "United Kingdom")
        page.get_by_role("button", name="Connect", exact=True).click()
        card = page.get_by_role("article", name="Amazon Store UK", exact=True)
        expect(card).to_contain_text("Not connected")

        _in_new_tab(page, card, "Connect store", "uk.primary@example.com")
        expect(card).to_contain_text("Active", timeout=10_000)

        card.get_by_role("link", name="View Store").click()
        page.get_by_role("button", name="Check connection").click()
        expect(page.locator("#flash-messages")).to_contain_text("Amazon answered normally")

        # Eleven months later (both clocks): sign in again, renew from the dashboard.
        hook = requests.post(f"{live_server.sandbox}/_hooks/clock", json={"advance_days": 340},
                             timeout=10)  # fmt: skip
        hook.raise_for_status()
        dashboard = page.url
        _sign_in(page, live_server)
        page.goto(dashboard)
        panel = page.locator("#connection-panel")
        expect(panel).to_contain_text("Renewal due")
        _in_new_tab(page, panel, "Renew authorization", "uk.primary@example.com")
        expect(panel).to_contain_text("Active", timeout=10_000)

        panel.get_by_role("link", name="Disconnect").click()
        page.get_by_role("button", name="Disconnect").click()
        expect(page.locator("#flash-messages")).to_contain_text("is disconnected")
        expect(page.locator("#connection-panel")).to_contain_text("Not connected")
    finally:
        context.close()
    assert violations == [], "\n".join(violations)
    assert errors == [], "\n".join(errors)
