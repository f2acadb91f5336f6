"""Every connection attempt's end is on the Activity list; the card keeps the last failure."""

from __future__ import annotations

from asc_web.extensions import db
from asc_web.models import StoreActivity
from tests.support import amazon

HTMX = {"HX-Request": "true"}


def _activity(live, store_id: int) -> list[tuple[str, str]]:
    with live.app.app_context():
        rows = db.session.execute(
            db.select(StoreActivity.action, StoreActivity.detail)
            .where(StoreActivity.store_id == store_id)
            .order_by(StoreActivity.id)
        ).all()
    return [tuple(row) for row in rows]


def _card(merchant, store_id: int) -> str:
    return merchant.http.get(f"{merchant.live.url}/stores/{store_id}/card", headers=HTMX).text


def test_a_refusal_is_on_the_activity_list_and_on_the_card_until_the_next_attempt(
    live, merchant, add_store
):
    store_id = add_store("Amazon Store Mexico", "MX")
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "us.only@example.com"
    )
    merchant.http.get(location)
    refused = [detail for action, detail in _activity(live, store_id) if action == "connect_failed"]
    assert len(refused) == 1 and "does not sell in Mexico" in refused[0]
    card = _card(merchant, store_id)
    assert 'class="last-failure"' in card and "does not sell in Mexico" in card
    merchant.start(store_id)  # the next attempt: the card no longer reports the old failure
    assert "does not sell in Mexico" not in _card(merchant, store_id)
    page = merchant.http.get(f"{live.url}/stores/{store_id}").text
    assert "Connection attempt failed" in page


def test_stop_waiting_and_starting_again_are_on_the_activity_list(live, merchant, add_store):
    store_id = add_store()
    merchant.start(store_id)
    merchant.start(store_id)  # Connect store again: the new attempt replaces the first
    stopped = merchant.http.post(
        f"{live.url}/stores/{store_id}/connect/cancel",
        data={"csrf_token": merchant.csrf()},
        allow_redirects=False,
    )
    assert stopped.status_code == 303
    actions = [action for action, _ in _activity(live, store_id)]
    assert actions[-2:] == ["connect_restarted", "connect_cancelled"]
    home = merchant.http.get(live.url + "/").text
    assert (
        "You stopped waiting for Seller Central, so “Amazon Store USA” was not connected." in home
    )


def test_a_closed_tab_is_recorded_as_abandoned(live, merchant, add_store):
    store_id = add_store()
    merchant.start(store_id)
    answer = merchant.http.post(
        f"{live.url}/stores/{store_id}/connect/cancel",
        data={"reason": "abandoned"},
        headers={**HTMX, "X-CSRFToken": merchant.csrf()},
    )
    assert "Not connected" in answer.text
    assert "The Seller Central tab was closed before Amazon sent you back" in answer.text
    assert _activity(live, store_id)[-1][0] == "connect_abandoned"
    again = merchant.http.post(
        f"{live.url}/stores/{store_id}/connect/cancel",
        data={"reason": "abandoned"},
        headers={**HTMX, "X-CSRFToken": merchant.csrf()},
    )
    assert again.status_code == 200  # nothing was open any more: nothing recorded twice
    assert [a for a, _ in _activity(live, store_id)].count("connect_abandoned") == 1


def test_an_attempt_that_runs_out_of_time_says_so_and_the_check_records_it(
    live, merchant, add_store, move_clock
):
    store_id = add_store()
    merchant.start(store_id)
    move_clock(minutes=11)
    merchant.sign_in()
    card = _card(merchant, store_id)
    assert "Not connected" in card
    assert "expired after 10 minutes without an answer from Amazon" in card
    live.app.test_cli_runner().invoke(args=["connections", "check"])
    expired = [d for a, d in _activity(live, store_id) if a == "connect_expired"]
    assert len(expired) == 1
    assert "expired after 10 minutes" in _card(merchant, store_id)
    live.app.test_cli_runner().invoke(args=["connections", "check"])
    assert [a for a, _ in _activity(live, store_id)].count("connect_expired") == 1
