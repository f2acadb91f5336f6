"""Expiry in plain sight, renewal, the dashboard's connection panel, more marketplaces."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from asc_web import clock
from asc_web.extensions import db
from asc_web.models import Authorization, CommunicationError, Store, StoreActivity
from tests.support import amazon

HTMX = {"HX-Request": "true"}


def _age(live, store_id: int, days: int) -> None:
    """Pretend the store was authorized ``days`` ago."""
    with live.app.app_context():
        conn = db.session.get(Store, store_id).authorization
        conn.authorized_at = clock.utcnow() - timedelta(days=days)
        conn.expires_at = conn.authorized_at + timedelta(days=365)
        db.session.commit()


def _card(merchant, store_id: int) -> str:
    return merchant.http.get(f"{merchant.live.url}/stores/{store_id}/card", headers=HTMX).text


def test_home_banner_counts_stores_needing_attention_and_links_to_them(
    live, merchant, connected_store, add_store
):
    due = connected_store()
    expired = connected_store("Amazon Store UK", "UK", "uk.primary@example.com")
    fine = add_store("Not Yet Connected", "MX")
    home = merchant.http.get(live.url + "/").text
    assert "need attention" not in home and "needs attention" not in home

    _age(live, due, 340)
    _age(live, expired, 366)
    home = merchant.http.get(live.url + "/").text
    assert "2 stores need attention" in home
    assert 'href="/?status=attention"' in home

    listed = merchant.http.get(live.url + "/?status=attention").text
    assert f'id="store-{due}"' in listed and f'id="store-{expired}"' in listed
    assert f'id="store-{fine}"' not in listed
    assert "Renewal due" in listed and "Renew authorization" in listed
    assert "Reconnect required" in listed and "Reconnect store" in listed

    _age(live, expired, 10)
    assert "1 store needs attention" in merchant.http.get(live.url + "/").text


def test_card_shows_days_left_and_authorized_until(live, merchant, connected_store):
    store_id = connected_store()
    _age(live, store_id, 355)
    with live.app.app_context():
        until = db.session.get(Store, store_id).authorization.expires_at
    card = _card(merchant, store_id)
    assert "Renewal due" in card and "(10 days left)" in card
    assert f'Authorized until</dt><dd><time datetime="{until.isoformat()}">' in card
    assert until.strftime("%b %-d, %Y") in card


def test_renewal_replaces_the_token_and_restarts_the_year(live, merchant, connected_store):
    store_id = connected_store()
    _age(live, store_id, 340)
    with live.app.app_context():
        before = db.session.get(Store, store_id).authorization
        old_ciphertext, old_expiry = before.refresh_token_encrypted, before.expires_at
    assert "Renew authorization" in _card(merchant, store_id)

    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    assert "Store connected" in merchant.http.get(location).text
    with live.app.app_context():
        conn = db.session.get(Store, store_id).authorization
        assert conn.refresh_token_encrypted != old_ciphertext
        assert conn.expires_at > old_expiry + timedelta(days=300)
        assert abs(conn.expires_at - (clock.utcnow() + timedelta(days=365))) < timedelta(minutes=5)
        assert db.session.scalar(db.select(db.func.count(Authorization.id))) == 1
        actions = db.session.scalars(
            db.select(StoreActivity.action).where(StoreActivity.store_id == store_id)
        ).all()
    assert "renewed" in actions
    card = _card(merchant, store_id)
    assert "Active" in card and "Renew authorization" not in card


def test_dashboard_panel_offers_check_disconnect_and_recent_errors(
    live, merchant, connected_store, hooks
):
    store_id = connected_store()
    with live.app.app_context():
        db.session.add(
            CommunicationError(
                store_id=store_id,
                operation="sellers",
                code="QuotaExceeded",
                description="You exceeded your quota for the requested resource.",
            )
        )
        db.session.commit()
    page = merchant.http.get(f"{live.url}/stores/{store_id}").text
    panel = page.split('id="connection-panel"')[1].split("</section>")[0]
    assert "Check connection" in panel
    assert f'href="/stores/{store_id}/disconnect"' in panel
    assert "Authorized until" in panel and "Last checked" in panel
    assert "QuotaExceeded" in panel
    assert f'href="/stores/{store_id}/errors"' in panel
    assert "use this authorization for them" in panel

    checked = merchant.http.post(
        f"{live.url}/stores/{store_id}/check",
        data={"from": "dashboard"},
        headers={**HTMX, "X-CSRFToken": merchant.csrf()},
    )
    assert checked.status_code == 200
    assert checked.text.lstrip().startswith('<div id="dashboard"')
    assert "Amazon answered normally" in checked.text


def test_dashboard_connect_answers_with_the_dashboard_awaiting_amazon(live, merchant, add_store):
    store_id = add_store()
    started = merchant.http.post(
        f"{live.url}/stores/{store_id}/connect",
        data={"from": "dashboard"},
        headers={**HTMX, "X-CSRFToken": merchant.csrf()},
    )
    assert started.status_code == 200
    assert started.text.lstrip().startswith('<div id="dashboard"')
    assert "Awaiting authorization" in started.text
    poller = re.search(r'hx-get="([^"]+/connect/status[^"]*)"', started.text).group(1)
    assert "from=dashboard" in poller
    assert 'hx-target="#dashboard"' in started.text


def test_us_connect_offers_canada_and_mexico_one_click_each(live, merchant, add_store, hooks):
    store_id = add_store()
    canada = add_store("Amazon Store Canada", "CA")  # exists already, not connected
    started = merchant.start(store_id, htmx=True)
    import json

    url = json.loads(started.headers["HX-Trigger"])["asc:open-consent"]["url"]
    result = merchant.http.get(amazon.authorize(merchant.http, url, "na.primary@example.com"))
    assert "Store connected" in result.text
    assert "This seller also sells in Canada and Mexico" in result.text

    poller = re.search(r'hx-get="([^"]+/connect/status[^"]*)"', started.text).group(1)
    polled = merchant.http.get(live.url + html.unescape(poller), headers=HTMX).text
    assert "is connected with Amazon Seller Central" in polled
    offer = polled.split('class="offer-more"')[1].split("</form>")[0]
    assert "This seller also sells in Canada and Mexico" in offer
    # The existing Canada store is offered, never a duplicate; Mexico gets a new store.
    assert f'name="use" value="{canada}"' in offer and "Use it for “Amazon Store Canada”" in offer
    assert 'name="add" value="MX"' in offer and "Add “Amazon Store Mexico”" in offer
    token = re.search(r'name="csrf_token" value="([^"]+)"', offer).group(1)
    name_mx = re.search(r'name="name_MX" value="([^"]+)"', offer).group(1)

    for data in ({"use": str(canada)}, {"add": "MX", "name_MX": name_mx}):
        added = merchant.http.post(
            f"{live.url}/stores/{store_id}/marketplaces",
            data={"csrf_token": token, "next": "home", **data},
            allow_redirects=False,
        )
        assert added.status_code == 303 and added.headers["Location"] == "/"
    assert hooks.stats()["consents"] == 1, "no second trip to Amazon"
    with live.app.app_context():
        stores = db.session.scalars(db.select(Store).order_by(Store.id)).all()
        assert [s.marketplace_code for s in stores] == ["US", "CA", "MX"]
        assert [s.name for s in stores] == [
            "Amazon Store USA",
            "Amazon Store Canada",
            "Amazon Store Mexico",
        ]
        assert len({s.authorization_id for s in stores}) == 1
        assert stores[0].authorization_id is not None
    home = merchant.http.get(live.url + "/").text
    assert "“Amazon Store Mexico” now uses the authorization of seller A1NASELLER0001" in home
    card = _card(merchant, store_id)
    assert (
        'Also used by</dt><dd class="also-used-by">Amazon Store Canada, Amazon Store Mexico' in card
    )


def test_uk_connect_offers_nothing_more(live, merchant, add_store):
    store_id = add_store("Amazon Store UK", "UK")
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "uk.primary@example.com"
    )
    page = merchant.http.get(location).text
    assert "Store connected" in page and "also sells in" not in page


def test_clocks_moved_335_days_then_renewed_then_366_days(live, merchant, connected_store, hooks):
    store_id = connected_store()
    hooks.post("clock", advance_days=335)  # Amazon's clock, and ours follows it
    merchant.sign_in()  # months later: the old session has ended
    card = _card(merchant, store_id)
    assert "Renewal due" in card and "(30 days left)" in card
    assert "Renew authorization" in card
    checked = live.app.test_cli_runner().invoke(args=["connections", "check"])
    assert checked.exit_code == 0 and "1 ok" in checked.output  # still valid until the date

    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    assert "Store connected" in merchant.http.get(location).text
    renewed = _card(merchant, store_id)
    with live.app.app_context():  # the console's clock, which follows the sandbox's
        year_later = (clock.utcnow() + timedelta(days=365)).strftime("%b %-d, %Y")
    assert "Active" in renewed and year_later in renewed

    hooks.post("clock", advance_days=366)
    merchant.sign_in()
    card = _card(merchant, store_id)
    assert "Reconnect required" in card and "Reconnect store" in card
    checked = live.app.test_cli_runner().invoke(args=["connections", "check"])
    assert checked.exit_code == 0
    assert "Reconnect required" in _card(merchant, store_id)
