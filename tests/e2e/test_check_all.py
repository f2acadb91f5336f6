"""Check all in Chromium: progress shows up and updates by itself until the worker is done."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from asc_web import tasks
from asc_web.extensions import db
from tests.e2e.test_connect import _prepare, _sign_in
from tests.support.browser import screenshot
from tests.support.data import add_authorization

pytestmark = pytest.mark.browser


def test_check_all_shows_progress_that_updates_until_the_worker_is_done(live_server, page):
    store_id = _prepare(live_server, "Amazon Store USA")
    with live_server.app.app_context():
        add_authorization([store_id])  # its token cannot be read: the check reports a problem
        db.session.commit()
    _sign_in(page, live_server)
    button = page.get_by_role("button", name="Check all")
    button.click()
    expect(page.get_by_text("Check all is queued")).to_be_visible()
    expect(button).to_be_disabled()
    with live_server.app.app_context():  # the worker takes the task and runs it
        huey = tasks.queue().huey
        huey.execute(huey.dequeue())
    finished = "Check all finished: 1 authorization checked, 1 needs attention."
    expect(page.get_by_text(finished)).to_be_visible()  # no reload: the poll brought it
    expect(page.locator("#check-all [hx-get]")).to_have_count(0)  # and then stopped
    expect(button).to_be_enabled()
    expect(page.get_by_role("link", name="Show the stores that need attention")).to_be_visible()
    screenshot(page, "check-all-finished")
