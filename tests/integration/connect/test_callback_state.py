"""A callback is honoured once, for the user and browser that started it, within 10 minutes."""

import logging
import threading
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from asc_web.extensions import db
from asc_web.models import Authorization
from tests.integration.connect.conftest import Merchant
from tests.support import amazon

EXPIRED = "This connection link has expired or was already used — start again from the store card."


def _token_calls(hooks) -> int:
    return hooks.stats()["token_calls"]["authorization_code"]


def _connections(live) -> int:
    with live.app.app_context():
        return db.session.scalar(db.select(db.func.count(Authorization.id)))


def _assert_refused(response, live, hooks, token_calls=0):
    assert response.status_code == 400
    assert EXPIRED in response.text
    assert response.headers["Cache-Control"] == "no-store"
    # The refused callback's URL carries Amazon's code: never sent on as a referrer.
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert _token_calls(hooks) == token_calls
    assert _connections(live) == 0


def test_missing_empty_unknown_and_altered_states_are_refused(live, merchant, add_store, hooks):
    store_id = add_store()
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    params = amazon.callback_params(location)
    real = params["state"]
    altered = real[:-1] + ("A" if real[-1] != "A" else "B")
    for state in (None, "", "x" * 43, altered, real + "x" * 300):
        query = {k: v for k, v in params.items() if k != "state"}
        if state is not None:
            query["state"] = state
        response = merchant.http.get(f"{live.url}/amazon/callback?{urlencode(query)}")
        _assert_refused(response, live, hooks)
    # The genuine callback still works afterwards: nothing above consumed it.
    assert "Store connected" in merchant.http.get(location).text


def test_callback_after_ten_minutes_is_refused(live, merchant, add_store, hooks, move_clock):
    store_id = add_store()
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    move_clock(minutes=10, seconds=1)
    _assert_refused(merchant.http.get(location), live, hooks)


def test_another_users_callback_is_refused_and_leaves_the_attempt_usable(
    live, merchant, add_store, hooks
):
    store_id = add_store()
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    intruder = Merchant(live, "intruder@example.com", role="manager")
    _assert_refused(intruder.http.get(location), live, hooks)
    anonymous = requests.get(location, timeout=10)
    _assert_refused(anonymous, live, hooks)
    assert "Store connected" in merchant.http.get(location).text


def test_same_user_in_another_browser_session_is_refused(live, merchant, add_store, hooks):
    store_id = add_store()
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    other_browser = Merchant.__new__(Merchant)
    other_browser.live = live
    other_browser.http = requests.Session()
    page = other_browser.http.get(live.url + "/login")
    from tests.integration.connect.conftest import CSRF_META, PASSWORD

    token = CSRF_META.search(page.text).group(1)
    other_browser.http.post(
        live.url + "/login",
        data={"email": "owner@example.com", "password": PASSWORD, "csrf_token": token},
    )
    _assert_refused(other_browser.http.get(location), live, hooks)


def test_replayed_callback_makes_no_second_token_request(live, merchant, add_store, hooks):
    store_id = add_store()
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    answer = merchant.http.get(location, allow_redirects=False)
    # The callback's URL and the result page it leads to are never cached nor sent on as
    # a referrer.
    assert answer.status_code == 303
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Cache-Control"] == "no-store"
    result = merchant.http.get(urljoin(location, answer.headers["Location"]))
    assert "Store connected" in result.text
    assert result.headers["Referrer-Policy"] == "no-referrer"
    replay = merchant.http.get(location)
    assert replay.status_code == 400 and EXPIRED in replay.text
    assert _token_calls(hooks) == 1


def test_two_concurrent_callbacks_make_one_token_request_and_one_connection(
    live, merchant, add_store, hooks
):
    store_id = add_store()
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    browsers = []
    for _ in range(2):
        twin = requests.Session()
        twin.cookies.update(merchant.http.cookies)
        browsers.append(twin)
    barrier = threading.Barrier(2)
    statuses = []

    def call(http):
        barrier.wait()
        statuses.append(http.get(location, allow_redirects=False).status_code)

    threads = [threading.Thread(target=call, args=(b,)) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [303, 400]
    assert _token_calls(hooks) == 1
    assert _connections(live) == 1


def test_no_token_code_or_state_in_database_logs_or_pages(
    live, merchant, add_store, hooks, caplog, database_url
):
    caplog.set_level(logging.DEBUG)
    pages = []
    merchant.http.hooks["response"].append(
        lambda r, *a, **k: pages.append(r) if "/sandbox/" not in urlsplit(r.url).path else None
    )
    store_id = add_store()
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    merchant.http.get(location)
    merchant.http.get(live.url + "/")
    params = amazon.callback_params(location)
    secrets = [params["state"], params["spapi_oauth_code"], "Atzr|", "Atza|"]
    for page in pages:
        if page.request.method == "POST" and page.url.endswith("/connect"):
            continue  # the redirect to Amazon must carry the state: that is its job
        body = page.text + str(dict(page.headers))
        for secret in secrets:
            assert secret not in body, page.url
    for secret in secrets:
        assert secret not in caplog.text
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        for secret in secrets:
            assert secret.encode() not in stored
    with live.app.app_context():
        conn = db.session.scalar(db.select(Authorization))
        assert conn.refresh_token_encrypted and "Atzr|" not in conn.refresh_token_encrypted
