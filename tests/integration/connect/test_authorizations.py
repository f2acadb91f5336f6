"""One authorization per seller and region, shared by its stores (real HTTP, the sandbox)."""

from __future__ import annotations

from datetime import timedelta

from asc_web import clock
from asc_web.connect import checks
from asc_web.extensions import db
from asc_web.models import Authorization, Store, StoreActivity
from asc_web.models.status import store_status
from tests.integration.connect.conftest import authorization_of
from tests.support import amazon

HTMX = {"HX-Request": "true"}


def _status(live, store_id: int) -> str:
    with live.app.app_context():
        return store_status(db.session.get(Store, store_id), clock.utcnow()).label


def _count(live, model) -> int:
    with live.app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def _csrf_post(merchant, path, data=None, **kwargs):
    return merchant.http.post(
        merchant.live.url + path,
        data={"csrf_token": merchant.csrf(), **(data or {})},
        allow_redirects=False,
        **kwargs,
    )


def test_a_second_store_of_the_seller_joins_its_authorization_and_both_stay_active(
    live, merchant, connected_store, hooks, move_clock
):
    us = connected_store("Amazon Store USA", "US")
    mx = connected_store("Amazon Store Mexico", "MX")  # a second consent, same seller
    assert authorization_of(live, us).id == authorization_of(live, mx).id
    assert _count(live, Authorization) == 1
    move_clock(hours=2)  # the cached access token has expired: one refresh is needed
    before = hooks.stats()["token_calls"]["refresh_token"]
    result = live.app.test_cli_runner().invoke(args=["connections", "check"])
    assert "Checked 2 store(s): 2 ok" in result.output, result.output
    assert hooks.stats()["token_calls"]["refresh_token"] - before == 1
    assert (_status(live, us), _status(live, mx)) == ("Active", "Active")


def test_renewing_one_store_renews_every_store_of_the_authorization(
    live, merchant, connected_store
):
    us = connected_store("Amazon Store USA", "US")
    ca = connected_store("Amazon Store Canada", "CA")
    with live.app.app_context():
        authorization = db.session.get(Store, ca).authorization
        authorization.authorized_at = clock.utcnow() - timedelta(days=340)
        authorization.expires_at = authorization.authorized_at + timedelta(days=365)
        db.session.commit()
    assert (_status(live, us), _status(live, ca)) == ("Renewal due", "Renewal due")
    with live.app.app_context():
        last = db.session.scalar(db.select(db.func.max(StoreActivity.id)))
    location = amazon.authorize(merchant.http, merchant.consent_url(ca), "na.primary@example.com")
    page = merchant.http.get(location).text
    assert "“Amazon Store Canada” renewed its authorization" in page
    assert "also holds until then for “Amazon Store USA”" in page
    assert (_status(live, us), _status(live, ca)) == ("Active", "Active")
    with live.app.app_context():
        renewed = db.session.scalars(
            db.select(StoreActivity.store_id).where(
                StoreActivity.action == "renewed", StoreActivity.id > last
            )
        ).all()
    assert sorted(renewed) == sorted([us, ca])


def test_sibling_cards_are_refreshed_by_the_poll_that_announces_a_renewal(
    live, merchant, connected_store
):
    us = connected_store("Amazon Store USA", "US")
    ca = connected_store("Amazon Store Canada", "CA")
    started = merchant.start(ca, htmx=True)
    import json
    import re

    url = json.loads(started.headers["HX-Trigger"])["asc:open-consent"]["url"]
    merchant.http.get(amazon.authorize(merchant.http, url, "na.primary@example.com"))
    poller = re.search(r'hx-get="([^"]+/connect/status[^"]*)"', started.text).group(1)
    polled = merchant.http.get(live.url + poller.replace("&amp;", "&"), headers=HTMX).text
    partial = f'<hx-partial hx-target="#store-{us}" hx-swap="outerHTML">'
    assert partial in polled
    sibling = polled.split(partial)[1].split("</hx-partial>")[0]
    assert f'id="store-{us}"' in sibling and "Authorized until" in sibling
    assert 'Also used by</dt><dd class="also-used-by">Amazon Store Canada' in sibling


def test_disconnecting_one_store_keeps_the_authorization_for_the_others(
    live, merchant, connected_store, database_url
):
    us = connected_store("Amazon Store USA", "US")
    ca = connected_store("Amazon Store Canada", "CA")
    confirm = merchant.http.get(f"{live.url}/stores/{us}/disconnect").text
    assert "This store only" in confirm and "The whole authorization" in confirm
    assert "together with “Amazon Store Canada”" in confirm
    done = _csrf_post(merchant, f"/stores/{us}/disconnect", {"scope": "store"})
    assert done.status_code == 303
    assert (_status(live, us), _status(live, ca)) == ("Not connected", "Active")
    assert _count(live, Authorization) == 1
    # The last store to leave takes the tokens with it.
    done = _csrf_post(merchant, f"/stores/{ca}/disconnect", {"scope": "store"})
    assert _status(live, ca) == "Not connected" and _count(live, Authorization) == 0


def test_disconnecting_the_whole_authorization_disconnects_every_store(
    live, merchant, connected_store
):
    us = connected_store("Amazon Store USA", "US")
    ca = connected_store("Amazon Store Canada", "CA")
    done = _csrf_post(merchant, f"/stores/{us}/disconnect", {"scope": "authorization"})
    assert done.status_code == 303
    assert (_status(live, us), _status(live, ca)) == ("Not connected", "Not connected")
    assert _count(live, Authorization) == 0
    home = merchant.http.get(live.url + "/").text
    assert "“Amazon Store USA”, “Amazon Store Canada” are no longer connected" in home


def test_deleting_a_store_keeps_a_shared_authorization_and_forgets_an_unused_one(
    live, merchant, connected_store
):
    us = connected_store("Amazon Store USA", "US")
    ca = connected_store("Amazon Store Canada", "CA")
    for store_id, left in ((us, 1), (ca, 0)):
        deleted = _csrf_post(merchant, f"/stores/{store_id}/delete")
        assert deleted.status_code == 303, deleted.text[:500]
        assert _count(live, Authorization) == left


def test_a_403_on_the_cached_access_token_is_retried_once_with_a_fresh_token(
    live, connected_store, hooks
):
    store_id = connected_store()
    with live.app.app_context():
        authorization = db.session.get(Store, store_id).authorization
        vault = live.app.config["TOKEN_KEYS"]
        from asc_web.crypto import TokenVault

        # Amazon no longer accepts the cached token, although it is not due to expire yet.
        authorization.access_token_encrypted = TokenVault(vault).encrypt(
            authorization.vault_owner, "Atza|not-known-to-amazon"
        )
        authorization.access_token_expires_at = clock.utcnow() + timedelta(minutes=50)
        db.session.commit()
    before = hooks.stats()
    result = live.app.test_cli_runner().invoke(args=["connections", "check"])
    assert "1 ok" in result.output, result.output
    after = hooks.stats()
    assert after["token_calls"]["refresh_token"] - before["token_calls"]["refresh_token"] == 1
    assert after["sellers_calls"] - before["sellers_calls"] == 2
    assert _status(live, store_id) == "Active"


def test_a_throttled_check_waits_as_long_as_amazon_says_then_finishes(live, connected_store, hooks):
    store_id = connected_store()
    hooks.post("fail", endpoint="sellers", status=429, count=1)
    waits = []
    with live.app.app_context():
        results = checks.check_all(timedelta(minutes=10), sleep=waits.append)
        db.session.remove()
    assert [r.result for r in results] == ["ok"]
    # x-amzn-RateLimit-Limit: 0.016 requests per second: one more request after 62.5 s.
    assert len(waits) == 1 and 62 <= waits[0] <= 63
    assert _status(live, store_id) == "Active"


def test_check_now_meeting_throttling_says_so_and_changes_nothing(
    live, merchant, connected_store, hooks
):
    store_id = connected_store()
    hooks.post("fail", endpoint="sellers", status=429, count=1)
    checked = _csrf_post(merchant, f"/stores/{store_id}/check", {"from": "dashboard"})
    assert checked.status_code == 303
    page = merchant.http.get(f"{live.url}/stores/{store_id}").text
    assert "Amazon asked ASC Web to slow down" in page
    assert _status(live, store_id) == "Active"


def test_a_callback_with_a_malformed_seller_id_is_refused_before_anything_is_spent(
    live, merchant, add_store, hooks
):
    store_id = add_store()
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    for bad in ("A" * 200, "a1naseller0001", "A1NA SELLER", ""):
        tampered = location.replace(
            "selling_partner_id=A1NASELLER0001", f"selling_partner_id={bad}"
        )
        refused = merchant.http.get(tampered, allow_redirects=False)
        assert refused.status_code == 400
        assert "The seller id in this link is not one Amazon issues" in refused.text
    assert hooks.stats()["token_calls"]["authorization_code"] == 0
    page = merchant.http.get(location)
    assert "Store connected" in page.text
