"""Disconnect, check now, more marketplaces from one authorization, the errors log."""

import re
from pathlib import Path

from asc_web.extensions import db
from asc_web.models import Authorization, Store
from tests.integration.connect.conftest import Merchant


def _csrf_post(merchant, path, data=None):
    return merchant.http.post(
        merchant.live.url + path,
        data={"csrf_token": merchant.csrf(), **(data or {})},
        allow_redirects=False,
    )


def test_disconnect_explains_itself_then_forgets_the_tokens(
    live, merchant, connected_store, database_url
):
    store_id = connected_store()
    with live.app.app_context():
        ciphertext = db.session.scalar(db.select(Authorization.refresh_token_encrypted))
    page = merchant.http.get(f"{live.url}/stores/{store_id}/disconnect")
    assert "No other store uses it, so ASC Web forgets its tokens." in page.text
    assert f'href="{live.sandbox}/sellercentral/us/apps/manage"' in page.text
    assert "Manage Your Apps" in page.text
    done = _csrf_post(merchant, f"/stores/{store_id}/disconnect")
    assert done.status_code == 303
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count(Authorization.id))) == 0
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert ciphertext.encode() not in stored
    home = merchant.http.get(live.url + "/")
    assert "is disconnected" in home.text


def test_viewer_cannot_disconnect_or_check(live, connected_store):
    store_id = connected_store()
    viewer = Merchant(live, "viewer@example.com", role="viewer")
    for path in (f"/stores/{store_id}/disconnect", f"/stores/{store_id}/check"):
        assert _csrf_post(viewer, path).status_code == 403
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count(Authorization.id))) == 1


def test_check_now_reports_a_healthy_connection(live, merchant, connected_store, hooks):
    store_id = connected_store()
    response = merchant.http.post(
        f"{live.url}/stores/{store_id}/check",
        headers={"HX-Request": "true", "X-CSRFToken": merchant.csrf()},
    )
    assert response.status_code == 200
    assert "Amazon answered normally for “Amazon Store USA”." in response.text
    assert hooks.stats()["sellers_calls"] == 2


def test_canada_and_mexico_are_added_from_the_us_authorization(
    live, merchant, connected_store, hooks
):
    store_id = connected_store()
    offer = merchant.http.get(f"{live.url}/stores/{store_id}/marketplaces")
    assert "Canada" in offer.text and "Mexico" in offer.text
    assert "Amazon Store Canada" in offer.text  # the suggested, editable name
    assert "United Kingdom</h2>" not in offer.text
    before = hooks.stats()["sellers_calls"]
    for code, name in (("CA", "Amazon Store Canada"), ("MX", "Mexico shop")):
        added = _csrf_post(
            merchant, f"/stores/{store_id}/marketplaces", {"add": code, f"name_{code}": name}
        )
        assert added.status_code == 303
    assert hooks.stats()["consents"] == 1
    assert hooks.stats()["sellers_calls"] == before  # nothing asked of Amazon
    with live.app.app_context():
        stores = db.session.scalars(db.select(Store).order_by(Store.id)).all()
        assert [s.marketplace_code for s in stores] == ["US", "CA", "MX"]
        assert {s.authorization.selling_partner_id for s in stores} == {"A1NASELLER0001"}
        assert [s.name for s in stores[1:]] == ["Amazon Store Canada", "Mexico shop"]
        assert db.session.scalar(db.select(db.func.count(Authorization.id))) == 1
    checked = live.app.test_cli_runner().invoke(args=["connections", "check"])
    assert "Checked 3 store(s): 3 ok" in checked.output
    again = merchant.http.get(f"{live.url}/stores/{store_id}/marketplaces")
    assert "“<a" in again.text and "Amazon Store Canada</a>” uses this authorization" in again.text
    twice = _csrf_post(
        merchant, f"/stores/{store_id}/marketplaces", {"add": "CA", "name_CA": "Canada again"}
    )
    assert twice.status_code == 422
    assert "already connected to the store “Amazon Store Canada”" in twice.text


def test_the_marketplaces_page_lists_the_oldest_20_stores_of_a_kind_and_says_there_are_more(
    live, merchant, connected_store
):
    """An agency's thousands of stores in a marketplace: the page offers a choice, and the
    request reads 21 stores of each kind, not every store of the region."""
    from tests.support.data import insert_store

    store_id = connected_store()
    names = [f"Canada shop {n:02d}" for n in range(25)]
    for name in names:
        insert_store(live.app, name, "CA")
    page = merchant.http.get(f"{live.url}/stores/{store_id}/marketplaces").text
    listed = re.findall(r"“(Canada shop \d\d)” is not connected", page)
    assert listed == names[:20]
    assert "More Canada stores are not connected; the oldest 20 are listed." in page
    assert "More Mexico stores" not in page


def test_errors_log_lists_amazon_errors_for_admins_and_per_store(live, merchant, add_store, hooks):
    from tests.support import amazon

    store_id = add_store()
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    hooks.post("fail", endpoint="token", status=400, error="invalid_grant", count=1)
    merchant.http.get(location)
    log = merchant.http.get(f"{live.url}/errors?operation=token_exchange")
    assert "invalid_grant" in log.text and "Amazon Store USA" in log.text
    assert "1 error." in log.text
    viewer = Merchant(live, "viewer@example.com", role="viewer")
    assert viewer.http.get(f"{live.url}/errors").status_code == 403
    per_store = viewer.http.get(f"{live.url}/stores/{store_id}/errors")
    assert per_store.status_code == 200 and "invalid_grant" in per_store.text
