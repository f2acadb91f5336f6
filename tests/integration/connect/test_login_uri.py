"""The Login URI: renewals and connections started in Seller Central come back to ASC Web."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from asc_web.extensions import db
from asc_web.models import AuthorizationAttempt
from tests.integration.connect.conftest import CSRF_META, Merchant

APP_ID = "amzn1.sp.solution.sandbox-asc-web-0001"


def _login_url(live, seller="A1NASELLER0001", site="us", state="amzn-state-0001", **extra):
    """The Login URI as Amazon opens it (Manage Your Apps → Re-Authorize)."""
    callback = f"{live.sandbox}/sellercentral/{site}/apps/authorize/confirm/{APP_ID}"
    params = {
        "amazon_callback_uri": callback,
        "amazon_state": state,
        "selling_partner_id": seller,
        "version": "beta",
        **extra,
    }
    return f"{live.url}/amazon/login?" + urlencode({k: v for k, v in params.items() if v})


def _attempts(live) -> int:
    with live.app.app_context():
        return db.session.scalar(db.select(db.func.count(AuthorizationAttempt.id)))


def _confirm(merchant, page, **extra):
    """Press Continue to Amazon on the confirmation page."""
    form = page.text.split('action="/amazon/login"')[1].split("</form>")[0]
    fields = dict(
        (name, value.replace("&amp;", "&"))
        for name, value in re.findall(r'name="([a-z_]+)" value="([^"]*)"', form)
    )
    fields.pop("store_id", None)
    return merchant.http.post(
        merchant.live.url + "/amazon/login",
        data={**fields, **extra},
        allow_redirects=False,
    )


def test_renewal_started_in_seller_central_names_the_stores_then_goes_back_to_amazon(
    live, merchant, connected_store
):
    connected_store("Amazon Store USA", "US")
    connected_store("Amazon Store Mexico", "MX")
    page = merchant.http.get(_login_url(live))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "renew the North America authorization of seller" in page.text
    assert "“Amazon Store USA” — United States" in page.text
    assert "“Amazon Store Mexico” — Mexico" in page.text
    back = _confirm(merchant, page)
    assert back.status_code == 303
    target = urlsplit(back.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == (
        f"{live.sandbox}/sellercentral/us/apps/authorize/confirm/{APP_ID}"
    )
    query = parse_qs(target.query)
    assert query["redirect_uri"] == [f"{live.url}/amazon/callback"]
    assert query["amazon_state"] == ["amzn-state-0001"]
    assert query["version"] == ["beta"]
    assert len(query["state"][0]) >= 43
    with live.app.app_context():
        attempt = db.session.scalar(db.select(AuthorizationAttempt).order_by(
            AuthorizationAttempt.id.desc()))  # fmt: skip
        assert attempt.selling_partner_id == "A1NASELLER0001"
        assert attempt.purpose == "renew"
        assert query["state"][0] not in (attempt.state_hash, attempt.amazon_state_hash)


def test_anonymous_people_sign_in_first_and_come_back_to_the_request(live):
    person = Merchant(live, "owner@example.com")
    person.http.cookies.clear()
    url = _login_url(live, seller="A1USONLYSLR003")
    first = person.http.get(url, allow_redirects=False)
    assert first.status_code == 302
    assert urlsplit(first.headers["Location"]).path == "/login"
    login_page = person.http.get(live.url + first.headers["Location"])
    assert "Sign in to ASC Web to finish the authorization you started" in login_page.text
    token = CSRF_META.search(login_page.text).group(1)
    signed_in = person.http.post(
        login_page.url,
        data={"email": "owner@example.com", "password": "correct horse battery",
              "csrf_token": token},
        allow_redirects=False,
    )  # fmt: skip
    assert signed_in.status_code == 303
    resumed = person.http.get(live.url + signed_in.headers["Location"])
    assert "ASC Web holds no authorization of this seller yet" in resumed.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amazon_callback_uri": None}, "missing amazon_callback_uri"),
        ({"amazon_state": None}, "missing amazon_state"),
        ({"selling_partner_id": None}, "missing selling_partner_id. Start again"),
        (
            {"amazon_callback_uri": "https://evil.example.com/apps/authorize/confirm/x"},
            "does not lead back to Amazon Seller Central",
        ),
        (
            {"amazon_callback_uri": "https://sellercentral.amazon.com/apps/authorize/confirm/x"},
            "does not lead back to Amazon Seller Central",  # the real site, but sandbox mode
        ),
        ({"selling_partner_id": "not a seller"}, "a seller id that Amazon does not issue"),
        ({"selling_partner_id": "A" * 40}, "a seller id that Amazon does not issue"),
        ({"amazon_state": "x" * 600}, "carries an unusable state"),
    ],
)
def test_bad_requests_get_a_clear_message_and_change_nothing(
    live, merchant, connected_store, change, message
):
    connected_store()
    before = _attempts(live)
    url = _login_url(live)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in change.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    bad = f"{live.url}/amazon/login?{urlencode(query)}"
    for response in (
        merchant.http.get(bad),
        merchant.http.post(
            live.url + "/amazon/login", data={**query, "csrf_token": merchant.csrf()}
        ),
    ):
        assert response.status_code == 400
        assert message in response.text
        assert "Continue to Amazon" not in response.text
    assert _attempts(live) == before


def test_an_unknown_seller_picks_an_unconnected_store_of_its_region(
    live, merchant, add_store, connected_store
):
    connected_store("Amazon Store USA", "US")  # the NA seller's, not this one's
    us2 = add_store("Outlet USA", "US")
    uk = add_store("Amazon Store UK", "UK")
    page = merchant.http.get(_login_url(live, seller="A1USONLYSLR003"))
    assert "ASC Web holds no authorization of this seller yet" in page.text
    assert "“Outlet USA” — United States" in page.text
    assert "Amazon Store UK" not in page.text and "“Amazon Store USA”" not in page.text
    assert _attempts(live) == 1  # only the connect above: showing the page changes nothing
    refused = _confirm(merchant, page, store_id=str(uk))
    assert refused.status_code == 400
    assert 'role="alert">Choose the store to connect from the list.</p>' in refused.text
    chosen = _confirm(merchant, merchant.http.get(_login_url(live, seller="A1USONLYSLR003")),
                      store_id=str(us2))  # fmt: skip
    assert chosen.status_code == 303
    with live.app.app_context():
        attempt = db.session.scalar(
            db.select(AuthorizationAttempt).where(AuthorizationAttempt.store_id == us2)
        )
        assert attempt.selling_partner_id == "A1USONLYSLR003" and attempt.purpose == "connect"


def test_a_replayed_request_is_refused(live, merchant, connected_store):
    connected_store()
    page = merchant.http.get(_login_url(live))
    assert _confirm(merchant, page).status_code == 303
    before = _attempts(live)
    again = merchant.http.get(_login_url(live))
    assert again.status_code == 400 and "was already used" in again.text
    replayed = _confirm(merchant, page)
    assert replayed.status_code == 400 and "was already used" in replayed.text
    assert _attempts(live) == before


def test_viewers_are_told_who_can_finish_it(live, connected_store):
    connected_store()
    viewer = Merchant(live, "viewer@example.com", role="viewer")
    page = viewer.http.get(_login_url(live))
    assert page.status_code == 403
    assert "Ask an admin or a manager" in page.text


def test_no_state_or_code_reaches_the_logs(live, merchant, connected_store, caplog):
    connected_store()
    caplog.set_level(logging.DEBUG)
    page = merchant.http.get(_login_url(live, state="amzn-secret-state-77"))
    back = _confirm(merchant, page)
    ours = parse_qs(urlsplit(back.headers["Location"]).query)["state"][0]
    for secret in ("amzn-secret-state-77", ours):
        assert secret not in caplog.text


def test_adding_a_store_on_the_way_comes_back_to_the_request(live, merchant):
    page = merchant.http.get(_login_url(live, seller="A1USONLYSLR003"))
    assert "No North America store is waiting to be connected" in page.text
    form = merchant.http.get(f"{live.url}/stores/new").text
    token = CSRF_META.search(form).group(1)
    added = merchant.http.post(
        f"{live.url}/stores/new",
        data={
            "csrf_token": token,
            "website": "1",
            "email": "shop@example.com",
            "name": "Outlet USA",
            "country": "US",
            "product_id_type": "ASIN",
            "attribute": "1",
        },
        allow_redirects=False,
    )
    assert added.status_code == 303
    back = urlsplit(added.headers["Location"])
    assert back.path == "/amazon/login"
    resumed = merchant.http.get(live.url + added.headers["Location"])
    assert "“Outlet USA” — United States" in resumed.text
    assert re.search(r"required checked>\s*“Outlet USA”", resumed.text)


def test_a_callback_uri_with_its_own_query_keeps_it_and_gets_ours_appended(
    live, merchant, connected_store
):
    connected_store()
    callback = f"{live.sandbox}/sellercentral/us/apps/authorize/confirm/{APP_ID}?lang=en_US"
    page = merchant.http.get(_login_url(live, amazon_callback_uri=callback))
    back = _confirm(merchant, page)
    assert back.status_code == 303
    location = back.headers["Location"]
    assert location.startswith(callback + "&redirect_uri=")
    query = parse_qs(urlsplit(location).query)
    assert query["lang"] == ["en_US"]
    assert query["amazon_state"] == ["amzn-state-0001"]
