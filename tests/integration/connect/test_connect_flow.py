"""Connect store end to end over real HTTP against the sandbox."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from asc_web.extensions import db
from asc_web.models import CommunicationError, StoreActivity
from tests.integration.connect.conftest import authorization_of as _connection
from tests.support import amazon


def test_consent_url_is_built_from_configuration(live, merchant, add_store):
    store_id = add_store(country="CA")
    url = urlsplit(merchant.consent_url(store_id))
    assert f"{url.scheme}://{url.netloc}{url.path}" == (
        f"{live.sandbox}/sellercentral/ca/apps/authorize/consent"
    )
    params = parse_qs(url.query)
    assert params["application_id"] == [live.app.config["SPAPI_APP_ID"]]
    assert params["redirect_uri"] == [f"{live.url}/amazon/callback"]
    assert params["version"] == ["beta"]
    assert len(params["state"][0]) >= 43  # 256 bits, URL-safe base64


def test_connecting_a_store_stores_an_encrypted_year_long_connection(
    live, merchant, add_store, hooks
):
    store_id = add_store()
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    assert location.startswith(f"{live.url}/amazon/callback?")
    back = merchant.http.get(location, allow_redirects=False)
    assert back.status_code == 303, back.text[:3000]
    assert back.headers["Cache-Control"] == "no-store"
    assert back.headers["Referrer-Policy"] == "no-referrer"
    result_url = back.headers["Location"]
    assert "spapi_oauth_code" not in result_url and "state" not in result_url
    page = merchant.http.get(live.url + result_url)
    assert "Store connected" in page.text
    assert "“Amazon Store USA” is connected with Amazon Seller Central until" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"

    conn = _connection(live, store_id)
    assert conn.selling_partner_id == "A1NASELLER0001"
    assert conn.region == "NA"
    assert conn.participation("ATVPDKIKX0DER").is_participating
    assert conn.expires_at - conn.authorized_at == timedelta(days=365)
    assert "Atzr|" not in conn.refresh_token_encrypted
    with live.app.app_context():
        actions = db.session.scalars(db.select(StoreActivity.action)).all()
    assert "connected" in actions
    stats = hooks.stats()
    assert stats["token_calls"]["authorization_code"] == 1
    assert stats["sellers_calls"] == 1


def test_htmx_start_shows_awaiting_card_and_poll_announces_the_result(live, merchant, add_store):
    store_id = add_store()
    started = merchant.start(store_id, htmx=True)
    assert started.status_code == 200
    assert "Awaiting authorization" in started.text
    assert "asc:open-consent" in started.headers["HX-Trigger"]
    assert "state=" not in started.text  # the consent URL travels only in the header
    import json

    url = json.loads(started.headers["HX-Trigger"])["asc:open-consent"]["url"]
    poll_path = urlsplit(url)  # noqa: F841 - the URL must be absolute to the sandbox
    location = amazon.authorize(merchant.http, url, "na.primary@example.com")
    merchant.http.get(location)
    import re

    poller = re.search(r'hx-get="([^"]+/connect/status[^"]*)"', started.text).group(1)
    polled = merchant.http.get(
        live.url + poller.replace("&amp;", "&"), headers={"HX-Request": "true"}
    )
    assert "Active" in polled.text
    assert "connect/status" not in polled.text  # polling stops by itself
    assert "is connected with Amazon Seller Central" in polled.text
    assert "<hx-partial" in polled.text


def test_seller_not_selling_in_the_marketplace_is_refused(live, merchant, add_store, hooks):
    store_id = add_store("Amazon Store Mexico", "MX")
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "us.only@example.com"
    )
    page = merchant.http.get(location)
    assert "Store not connected" in page.text
    assert "does not sell in Mexico" in page.text
    assert _connection(live, store_id) is None


def test_account_of_another_region_is_refused(live, merchant, add_store):
    store_id = add_store("Amazon Store UK", "UK")
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    page = merchant.http.get(location)
    assert "is not a Europe account" in page.text
    assert _connection(live, store_id) is None


def test_uk_store_connects_with_the_uk_seller(live, merchant, add_store):
    store_id = add_store("Amazon Store UK", "UK")
    url = merchant.consent_url(store_id)
    assert "/sellercentral/uk/" in url
    merchant.http.get(amazon.authorize(merchant.http, url, "uk.primary@example.com"))
    conn = _connection(live, store_id)
    assert (conn.selling_partner_id, conn.region) == ("A1UKSELLER0002", "EU")


def test_seller_and_marketplace_already_connected_to_another_store_is_named(
    live, merchant, add_store
):
    first = add_store("Amazon Store USA")
    second = add_store("Second US Store")
    merchant.http.get(
        amazon.authorize(merchant.http, merchant.consent_url(first), "na.primary@example.com")
    )
    page = merchant.http.get(
        amazon.authorize(merchant.http, merchant.consent_url(second), "na.primary@example.com")
    )
    assert "already connected to the store “Amazon Store USA”" in page.text
    assert _connection(live, second) is None


def test_renewal_with_a_different_seller_is_refused_and_keeps_the_old_connection(
    live, merchant, add_store
):
    store_id = add_store()
    merchant.http.get(
        amazon.authorize(merchant.http, merchant.consent_url(store_id), "na.primary@example.com")
    )
    before = _connection(live, store_id)
    page = merchant.http.get(
        amazon.authorize(merchant.http, merchant.consent_url(store_id), "us.only@example.com")
    )
    assert (
        "uses the authorization of seller A1NASELLER0001, but you signed in as seller" in page.text
    )
    assert "Nothing was changed: “Amazon Store USA” keep the authorization" in page.text
    after = _connection(live, store_id)
    assert after.selling_partner_id == "A1NASELLER0001"
    assert after.refresh_token_encrypted == before.refresh_token_encrypted


def _failing_exchange(live, merchant, add_store, hooks, **failure):
    store_id = add_store()
    url = merchant.consent_url(store_id)
    location = amazon.authorize(merchant.http, url, "na.primary@example.com")
    hooks.post("fail", endpoint="token", count=1, **failure)
    page = merchant.http.get(location)
    assert "Store not connected" in page.text
    assert _connection(live, store_id) is None
    with live.app.app_context():
        errors = db.session.scalars(db.select(CommunicationError)).all()
    return page, errors


def test_invalid_grant_tells_the_merchant_to_start_again(live, merchant, add_store, hooks):
    page, errors = _failing_exchange(
        live, merchant, add_store, hooks, status=400, error="invalid_grant"
    )
    assert "expired or was already used. Start again from the store card." in page.text
    assert [e.code for e in errors] == ["invalid_grant"]


def test_invalid_client_sends_the_merchant_to_the_administrator(
    live, merchant, add_store, hooks, caplog
):
    page, errors = _failing_exchange(
        live, merchant, add_store, hooks, status=401, error="invalid_client"
    )
    assert "Contact your administrator" in page.text
    assert errors[0].code == "invalid_client"
    assert "Amazon configuration error on token_exchange: invalid_client" in caplog.text


def test_unavailable_amazon_says_try_again_later(live, merchant, add_store, hooks):
    page, errors = _failing_exchange(live, merchant, add_store, hooks, status=503)
    assert "Amazon is not available right now" in page.text
    assert errors[0].code in ("temporarily_unavailable", "server_error", "http_503")


def test_slow_amazon_times_out_with_a_clear_message(live, merchant, add_store, hooks):
    page, errors = _failing_exchange(live, merchant, add_store, hooks, delay_s=5)
    assert "Amazon did not answer in time" in page.text
    assert errors[0].code == "timeout"
