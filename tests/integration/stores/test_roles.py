"""Viewers see everything and change nothing; managers and admins manage stores."""

import pytest

from tests.integration.stores.conftest import HTMX, attribute_id, card_ids, website_id

ACTION_MARKERS = (
    ">Add Amazon Store</a>",
    ">Action</summary>",
    ">Connect store</button>",
    ">Deactivate</button>",
    ">Delete</a>",
    "Save settings",
    'type="checkbox"',
    ">Remove<",
    ">Save</button>",
)


def _unsafe(store_id: int, app) -> list[tuple[str, str]]:
    """Every request that changes something, with the path it goes to."""
    web, attr = website_id(app), attribute_id(app)
    return [
        ("GET", "/stores/new"),
        ("POST", "/stores/new"),
        ("POST", "/stores/new/check/name"),
        ("GET", f"/stores/{store_id}/settings"),
        ("POST", f"/stores/{store_id}/settings"),
        ("POST", f"/stores/{store_id}/activate"),
        ("POST", f"/stores/{store_id}/deactivate"),
        ("GET", f"/stores/{store_id}/delete"),
        ("POST", f"/stores/{store_id}/delete"),
        ("POST", f"/stores/{store_id}/connect"),
        ("POST", "/learning/tasks/uk_vat"),
        ("POST", "/attributes/websites"),
        ("POST", f"/attributes/websites/{web}"),
        ("POST", f"/attributes/websites/{web}/delete"),
        ("POST", "/attributes/attributes"),
        ("POST", f"/attributes/attributes/{attr}"),
        ("POST", f"/attributes/attributes/{attr}/delete"),
    ]


def test_a_viewer_sees_every_page_without_a_single_action(client, accounts, stores):
    store_id = stores.make()
    accounts.signed_in("viewer")
    for path in ("/", f"/stores/{store_id}", f"/stores/{store_id}/card", "/learning",
                 "/stores/pre-setup", "/attributes"):  # fmt: skip
        page = client.get(path)
        assert page.status_code == 200, path
        for marker in ACTION_MARKERS:
            assert marker not in page.text, (path, marker)
    assert "Amazon Store USA" in client.get("/").text
    assert "merchant@example.com" in client.get(f"/stores/{store_id}").text


def test_a_viewer_gets_403_on_every_unsafe_request_and_nothing_changes(
    app, client, accounts, stores
):
    store_id = stores.make()
    accounts.signed_in("viewer")
    token = stores.token()
    for method, path in _unsafe(store_id, app):
        for headers in ({}, HTMX):
            data = {"csrf_token": token, "name": "Changed", "email": "x@example.com",
                    "code": "new_code", "label": "New", "done": "1"}  # fmt: skip
            response = client.open(path, method=method, data=data, headers=headers)
            assert response.status_code == 403, (method, path, response.status_code)
    assert stores.names() == ["Amazon Store USA"]
    assert stores.get(store_id).active is True
    assert client.get("/learning").text.count("Done") == 0


def test_an_empty_install_offers_a_viewer_nothing_to_add(client, accounts):
    accounts.signed_in("viewer")
    page = client.get("/").text
    assert "No Amazon stores yet" in page
    assert "Add Amazon Store" not in page and "pre-setup-dialog" not in page


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_manage_stores(client, accounts, stores, role):
    accounts.signed_in(role)
    assert stores.post_new().status_code == 303
    page = client.get("/").text
    (store_id,) = card_ids(page)
    for marker in ("Add Amazon Store", ">Action</summary>", "Connect store"):
        assert marker in page
    token = stores.token()
    response = client.post(f"/stores/{store_id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 303
    response = client.post(f"/stores/{store_id}/delete", data={"csrf_token": token})
    assert response.status_code == 303
    assert stores.count() == 0


def _menu(html: str) -> str:
    """The left-side menu of a page."""
    return html.split('<nav class="sidenav"')[1].split("</nav>")[0]


@pytest.mark.parametrize(
    ("role", "listed"), [("admin", True), ("manager", False), ("viewer", False)]
)
def test_the_menu_offers_the_communication_errors_log_to_admins_only(
    client, accounts, role, listed
):
    accounts.signed_in(role)
    entry = 'href="/errors">Communication Errors Log</a>'
    assert (entry in _menu(client.get("/").text)) is listed
    if listed:  # on the log itself, the entry is the current page
        assert 'href="/errors" aria-current="page">Communication Errors Log</a>' in _menu(
            client.get("/errors").text
        )
