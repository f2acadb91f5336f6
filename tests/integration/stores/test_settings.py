"""The store dashboard and Store Integration Settings, with htmx and as plain form posts."""

import html

import pytest

from tests.integration.stores.conftest import post as _post


@pytest.fixture(autouse=True)
def _manager(accounts):
    accounts.signed_in("manager")


def test_the_dashboard_shows_header_connection_mapping_settings_links_and_activity(client, stores):
    store_id = stores.make("Amazon Store Mexico", "MX")
    page = html.unescape(client.get(f"/stores/{store_id}").text)
    for text in (
        "Store Name",
        "<h1",
        "Amazon Store Mexico",
        "Magento Website",
        "Status",
        "Not connected",
        "Created",
        "Last Updated",
        '<a class="back-link" href="/"><span aria-hidden="true">← </span>Amazon Stores</a>',
        "Connection to Amazon Seller Central",
        "Product ID on the Amazon market",
        "Map a Magento attribute",
        "Store Integration Settings",
        "fixed once the store exists",
        "delete this store",
        "Activity",
    ):
        assert text in page, text
    for path in ("/sbr/", "/tax/", "/payments/", "/notifications/", "/hz/approvalrequest"):
        assert f'href="https://sellercentral.amazon.com.mx{path}' in page
    assert page.count('target="_blank" rel="noopener noreferrer"') == 5


def test_settings_change_the_name_and_email_and_record_what_changed(client, stores):
    store_id = stores.make("Old name")
    response = _post(
        client, stores, f"/stores/{store_id}/settings", "dashboard",
        name="  New name  ", email="new@example.com",
    )  # fmt: skip
    assert (response.status_code, response.headers["Location"]) == (303, f"/stores/{store_id}")
    store = stores.get(store_id)
    assert (store.name, store.email, store.name_key) == ("New name", "new@example.com", "new name")
    (entry,) = stores.activity(store_id)
    assert entry[0] == "settings_changed"
    assert "Store name changed from “Old name” to “New name”." in entry[1]
    assert "Email address changed from merchant@example.com to new@example.com." in entry[1]
    same = _post(
        client, stores, f"/stores/{store_id}/settings", "dashboard", htmx=True,
        name="New name", email="new@example.com",
    )  # fmt: skip
    assert "Nothing changed in the settings of “New name”." in html.unescape(same.text)
    assert len(stores.activity(store_id)) == 1


def test_settings_with_htmx_answer_the_dashboard_with_the_new_name(client, stores):
    store_id = stores.make("Old name")
    response = _post(
        client, stores, f"/stores/{store_id}/settings", "dashboard", htmx=True,
        name="New name", email="merchant@example.com",
    )  # fmt: skip
    assert response.text.lstrip().startswith('<div id="dashboard"')
    assert ">New name</h1>" in response.text
    assert "The settings of “New name” were saved." in html.unescape(response.text)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter a store name"),
        ({"name": None}, "Enter a store name"),
        ({"name": "x" * 10240}, "Shorten the store name to 64 characters or fewer"),
        ({"name": "Evil\u202eName"}, "invisible or control characters"),
        ({"name": "taken store"}, "A store named “Taken Store” already exists."),
        ({"email": "nope"}, "Enter a valid email address"),
        ({"email": None}, "Enter the email address"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_settings_apply_the_same_rules_inline_and_change_nothing(
    client, stores, fields, message, htmx
):
    stores.make("Taken Store")
    store_id = stores.make("Mine")
    data = {"name": "Mine", "email": "merchant@example.com", **fields}
    data = {key: value for key, value in data.items() if value is not None}
    response = _post(client, stores, f"/stores/{store_id}/settings", "dashboard", htmx, **data)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert 'aria-invalid="true"' in response.text and "autofocus" in response.text
    assert (stores.get(store_id).name, stores.get(store_id).email) == (
        "Mine",
        "merchant@example.com",
    )
    assert stores.activity(store_id) == []


def test_country_and_website_cannot_be_changed_through_settings(client, stores):
    store_id = stores.make("Mine", "US")
    _post(
        client, stores, f"/stores/{store_id}/settings", "settings",
        name="Mine", email="merchant@example.com", country="UK", marketplace_code="UK",
        website="2", website_id="2",
    )  # fmt: skip
    assert stores.get(store_id).marketplace_code == "US"
    page = client.get(f"/stores/{store_id}/settings").text
    assert "fixed once the store exists" in page and 'name="country"' not in page


def test_the_settings_page_works_with_htmx_and_without(client, stores):
    store_id = stores.make("Old name")
    assert f'href="/stores/{store_id}/settings">Settings</a>' in client.get("/").text
    page = client.get(f"/stores/{store_id}/settings").text
    assert 'hx-target="#store-settings"' in page and 'name="from" value="settings"' in page
    data = {"name": "New name", "email": "merchant@example.com"}
    panel = _post(client, stores, f"/stores/{store_id}/settings", "settings", htmx=True, **data)
    assert panel.text.lstrip().startswith('<section class="panel" id="store-settings"')
    assert 'value="New name"' in panel.text
    bad = _post(client, stores, f"/stores/{store_id}/settings", "settings", **{**data, "name": ""})
    assert bad.status_code == 422 and "<html" in bad.text and "Enter a store name" in bad.text
    plain = _post(client, stores, f"/stores/{store_id}/settings", "settings", **data)
    assert (plain.status_code, plain.headers["Location"]) == (303, f"/stores/{store_id}")
