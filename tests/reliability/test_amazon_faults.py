"""Amazon misbehaving during a connect: slow, reset, 503/429, or our own crash before commit."""

from __future__ import annotations

import time

import pytest

from asc_web import clock
from asc_web.connect import services
from asc_web.extensions import db
from asc_web.models import Authorization, Store
from asc_web.models.status import store_status
from tests.support import amazon

from .conftest import READ_TIMEOUT
from .support import ResettingServer

NOT_AVAILABLE = "Amazon is not available right now. Nothing was changed; try again later."
SLOW_DOWN = "Amazon asked ASC Web to slow down: too many requests for this seller just now."
TOO_SLOW = "Amazon did not answer in time. Nothing was changed; try again in a few minutes."


def _authorized(merchant, store_id: int) -> str:
    """Go through Seller Central; return the callback address (not yet visited)."""
    return amazon.authorize(merchant.http, merchant.consent_url(store_id), "na.primary@example.com")


def _status(live, store_id: int) -> str:
    with live.app.app_context():
        return store_status(db.session.get(Store, store_id), clock.utcnow()).label


def _connections(live) -> int:
    with live.app.app_context():
        return db.session.scalar(db.select(db.func.count(Authorization.id)))


def _code_exchanges(hooks) -> int:
    return hooks.stats()["token_calls"]["authorization_code"]


def _assert_unchanged_and_reconnect_offered(live, merchant, store_id: int) -> None:
    assert _connections(live) == 0
    assert _status(live, store_id) == "Not connected"
    card = merchant.http.get(f"{live.url}/stores/{store_id}/card").text
    assert "Connect store" in card


def test_a_hanging_token_endpoint_gives_up_at_the_timeout_with_a_clear_message(
    live, merchant, add_store, hooks
):
    store_id = add_store()
    callback = _authorized(merchant, store_id)
    delay = READ_TIMEOUT + 2.5
    hooks.post("fail", endpoint="token", delay_s=delay)
    started = time.monotonic()
    page = merchant.http.get(callback)
    waited = time.monotonic() - started
    assert "Store not connected" in page.text and TOO_SLOW in page.text
    assert waited < delay, "the app waited for Amazon past its own timeout"
    assert _code_exchanges(hooks) == 1, "a code exchange that may have arrived is never resent"
    _assert_unchanged_and_reconnect_offered(live, merchant, store_id)


def test_a_reset_connection_gives_a_clear_message_and_no_retry_storm(live, merchant, add_store):
    store_id = add_store()
    callback = _authorized(merchant, store_id)
    resetting = ResettingServer()
    try:
        live.app.config["SANDBOX_URL"] = resetting.url  # Amazon's hosts now reset every call
        page = merchant.http.get(callback)
    finally:
        live.app.config.pop("SANDBOX_URL")
        resetting.stop()
    assert "Store not connected" in page.text and NOT_AVAILABLE in page.text
    assert 1 <= resetting.accepted <= 2, f"{resetting.accepted} connections for one exchange"
    _assert_unchanged_and_reconnect_offered(live, merchant, store_id)


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "error": "temporarily_unavailable"},
        {"status": 503},
        {"status": 429},
        {"status": 500, "error": "server_error"},
    ],
    ids=["503 LWA", "503 front end", "429", "500"],
)
def test_token_endpoint_errors_give_a_clear_message_and_one_call(
    live, merchant, add_store, hooks, failure
):
    store_id = add_store()
    callback = _authorized(merchant, store_id)
    hooks.post("fail", endpoint="token", count=5, **failure)
    page = merchant.http.get(callback)
    assert page.status_code == 200
    expected = SLOW_DOWN if failure["status"] == 429 else NOT_AVAILABLE
    assert "Store not connected" in page.text and expected in page.text
    assert _code_exchanges(hooks) == 1
    _assert_unchanged_and_reconnect_offered(live, merchant, store_id)


def _crash_after_finish(monkeypatch):
    """Make the callback fail after the connection was written but before the commit."""
    real_finish = services.finish

    def finish_then_crash(*args, **kwargs):
        real_finish(*args, **kwargs)  # the connection is written and flushed…
        raise RuntimeError("simulated crash before commit")  # …but never committed

    monkeypatch.setattr(services, "finish", finish_then_crash)
    return real_finish


def test_a_crash_after_amazon_answered_rolls_everything_back(
    live, merchant, add_store, hooks, monkeypatch
):
    store_id = add_store()
    callback = _authorized(merchant, store_id)
    _crash_after_finish(monkeypatch)
    page = merchant.http.get(callback)
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.text and "simulated" not in page.text
    assert _code_exchanges(hooks) == 1
    assert _connections(live) == 0
    with live.app.app_context():
        assert db.session.get(Store, store_id).authorization is None


def test_after_a_crash_the_store_is_not_connected_and_reconnecting_works(
    live, merchant, add_store, hooks, monkeypatch
):
    store_id = add_store()
    callback = _authorized(merchant, store_id)
    real_finish = _crash_after_finish(monkeypatch)
    assert merchant.http.get(callback).status_code == 500
    _assert_unchanged_and_reconnect_offered(live, merchant, store_id)
    monkeypatch.setattr(services, "finish", real_finish)
    again = merchant.http.get(_authorized(merchant, store_id))
    assert "Store connected" in again.text
    assert _connections(live) == 1 and _status(live, store_id) == "Active"
