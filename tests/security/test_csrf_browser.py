"""In Chromium: an htmx form whose CSRF token expired says so and keeps what was typed."""

from __future__ import annotations

import shutil
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from asc_web.extensions import db
from asc_web.models import User
from tests.conftest import PASSWORD
from tests.support.browser import screenshot
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser
EXPIRED = "This page expired — reload it and try again."


@pytest.fixture
def server(sqlite_template, tmp_path):
    database = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, database)
    live = LiveServer(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "csrf-browser-secret-key-not-for-production",
            "SANDBOX_DISABLED": True,
        }
    )
    from asc_web.auth import services

    with live.app.app_context():
        services.create_user("admin@example.com", PASSWORD, "admin")
        db.session.commit()
    yield live
    live.stop()


def _expired_token(app, session_cookie: str) -> str:
    """What the page would hold had it been open for nine hours."""
    session = app.session_interface.get_signing_serializer(app).loads(session_cookie)

    class NineHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 9 * 3600

    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="wtf-csrf-token", signer=NineHoursAgo
    )
    return serializer.dumps(session["csrf_token"])


def test_expired_token_in_an_htmx_form_shows_a_message_and_keeps_the_input(server, page):
    _expire_and_submit(server, page)
    with server.app.app_context():
        assert User.by_email("new.person@example.com") is None


def _expire_and_submit(server, page) -> None:
    """Sign in, fill the Add a user form, let its token expire, submit: see what remains."""
    page.goto(server.url + "/login")
    page.get_by_label("Email Address").fill("admin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/")
    page.goto(server.url + "/users")
    form = page.locator("form#new-user")
    form.get_by_label("Email Address").fill("new.person@example.com")
    form.get_by_label("Role").select_option("manager")
    form.get_by_label("First password").fill("a long first password")

    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "session")
    stale = _expired_token(server.app, cookie)
    page.evaluate(
        """token => {
            document.querySelector('meta[name="csrf-token"]').setAttribute('content', token);
            document.querySelectorAll('input[name="csrf_token"]').forEach(i => i.value = token);
        }""",
        stale,
    )
    with page.expect_response(lambda r: r.url.endswith("/users")) as answer:
        form.get_by_role("button", name="Add user").click()
    assert answer.value.status == 400
    page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=5000)
    # What the person sees now: the form, with what they typed, and the message.
    form = page.locator("form#new-user")
    assert form.count() == 1, "the error answer replaced the form"
    assert form.locator("input[name=email]").input_value() == "new.person@example.com"
    assert form.locator("select[name=role]").input_value() == "manager"
    assert form.locator("input[name=password]").input_value() == "a long first password"
    flash = page.locator("#flash-messages .flash-error")
    flash.wait_for(timeout=5000)
    assert EXPIRED in flash.inner_text()
    screenshot(page, "security-csrf-expired-htmx-form")
