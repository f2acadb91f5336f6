"""Activate, deactivate and delete, from the card and the dashboard: htmx and plain posts."""

import html
import json

import pytest

from tests.integration.stores.conftest import HTMX, card_ids
from tests.integration.stores.conftest import post as _post


@pytest.fixture(autouse=True)
def _manager(accounts):
    accounts.signed_in("manager")


def test_deactivate_and_activate_from_the_card_with_htmx(client, stores):
    store_id = stores.make()
    off = _post(client, stores, f"/stores/{store_id}/deactivate", htmx=True)
    assert off.status_code == 200
    assert off.text.lstrip().startswith(f'<article id="store-{store_id}"')
    assert "Inactive" in off.text and ">Activate</button>" in off.text
    assert "is now inactive: its settings are kept" in html.unescape(off.text)
    assert stores.get(store_id).active is False
    on = _post(client, stores, f"/stores/{store_id}/activate", htmx=True)
    assert "Not connected" in on.text and ">Deactivate</button>" in on.text
    assert [a[0] for a in stores.activity(store_id)] == ["deactivated", "activated"]


def test_deactivate_and_activate_without_javascript_redirect_back(client, stores):
    store_id = stores.make()
    off = _post(client, stores, f"/stores/{store_id}/deactivate")
    assert (off.status_code, off.headers["Location"]) == (303, "/")
    assert "Inactive" in client.get("/").text
    on = _post(client, stores, f"/stores/{store_id}/activate", origin="dashboard")
    assert (on.status_code, on.headers["Location"]) == (303, f"/stores/{store_id}")
    assert "is active again" in html.unescape(client.get(f"/stores/{store_id}").text)


def test_actions_on_the_dashboard_answer_with_the_dashboard_fragment(client, stores):
    store_id = stores.make()
    off = _post(client, stores, f"/stores/{store_id}/deactivate", "dashboard", htmx=True)
    assert off.text.lstrip().startswith('<div id="dashboard"')
    assert "Deactivated the store" in off.text and "by manager@example.com" in off.text


def test_pausing_twice_changes_nothing_the_second_time(client, stores):
    store_id = stores.make()
    _post(client, stores, f"/stores/{store_id}/deactivate")
    again = _post(client, stores, f"/stores/{store_id}/deactivate", htmx=True)
    assert "was already inactive; nothing changed." in html.unescape(again.text)
    assert [a[0] for a in stores.activity(store_id)] == ["deactivated"]


def test_delete_asks_first_naming_the_store_and_what_is_kept_on_amazon(client, stores):
    store_id = stores.make("Amazon Store USA")
    for headers in ({}, HTMX):
        page = html.unescape(client.get(f"/stores/{store_id}/delete", headers=headers).text)
        assert "Delete “Amazon Store USA”?" in page
        assert "settings, attribute mapping, connection to Amazon Seller Central" in page
        assert "listings, orders and account on Amazon are not affected" in page
    dialog = client.get(f"/stores/{store_id}/delete?from=home", headers=HTMX).text
    assert f'hx-target="#store-{store_id}" hx-swap="delete"' in dialog
    assert '<form method="dialog"' in dialog
    assert stores.get(store_id) is not None


def test_delete_from_the_card_with_htmx_removes_the_card_and_the_store(client, stores):
    store_id = stores.make("Amazon Store USA")
    response = _post(client, stores, f"/stores/{store_id}/delete", htmx=True)
    assert response.status_code == 200
    assert "<article" not in response.text
    assert "“Amazon Store USA” was deleted" in html.unescape(response.text)
    assert json.loads(response.headers["HX-Trigger"]) == {"asc:stores-changed": {"target": "body"}}
    assert stores.get(store_id) is None
    assert card_ids(client.get("/").text) == []
    assert client.get(f"/stores/{store_id}").status_code == 404


def test_delete_from_the_dashboard_with_htmx_goes_home(client, stores):
    store_id = stores.make("Amazon Store USA")
    response = _post(client, stores, f"/stores/{store_id}/delete", "dashboard", htmx=True)
    assert response.headers["HX-Redirect"] == "/"
    assert "was deleted" in html.unescape(client.get("/").text)


def test_delete_without_javascript_redirects_home_and_removes_the_activity(app, client, stores):
    from sqlalchemy import func, select

    from asc_web.extensions import db
    from asc_web.models import StoreActivity

    store_id = stores.make()
    _post(client, stores, f"/stores/{store_id}/deactivate")
    response = _post(client, stores, f"/stores/{store_id}/delete")
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert stores.get(store_id) is None
    with app.app_context():
        assert db.session.scalar(select(func.count(StoreActivity.id))) == 0


def test_a_store_that_no_longer_exists_answers_404(client, stores):
    store_id = stores.make()
    _post(client, stores, f"/stores/{store_id}/delete")
    for path in ("", "/card", "/settings", "/delete"):
        assert client.get(f"/stores/{store_id}{path}").status_code == 404
    for action in ("activate", "deactivate", "delete", "settings"):
        assert _post(client, stores, f"/stores/{store_id}/{action}").status_code == 404
    gone = _post(client, stores, f"/stores/{store_id}/deactivate", htmx=True)
    assert gone.status_code == 404
    assert "This store no longer exists" in gone.text and "<html" not in gone.text
    redirect = _post(client, stores, f"/stores/{store_id}/settings", "dashboard", htmx=True)
    assert redirect.headers["HX-Redirect"] == "/"


@pytest.mark.parametrize("action", ["activate", "deactivate", "settings", "delete"])
def test_unsafe_endpoints_need_post_and_a_csrf_token(client, stores, action):
    store_id = stores.make()
    if action in ("activate", "deactivate"):
        assert client.get(f"/stores/{store_id}/{action}").status_code == 405
    response = client.post(f"/stores/{store_id}/{action}", data={"from": "home"})
    assert response.status_code == 400
    assert stores.get(store_id).active is True
