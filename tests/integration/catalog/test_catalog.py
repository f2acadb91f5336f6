"""The Attributes page: websites and attributes added, renamed and removed in place."""

import html

import pytest
from sqlalchemy import select

from asc_web.extensions import db
from asc_web.models import ProductAttribute, Website
from tests.integration.stores.conftest import HTMX, Stores, attribute_id, website_id


@pytest.fixture(autouse=True)
def _manager(accounts):
    accounts.signed_in("manager")


@pytest.fixture
def stores(app, client):
    return Stores(app, client)


def _post(client, path, htmx=False, **data):
    token = Stores(None, client).token()
    return client.post(path, data={"csrf_token": token, **data}, headers=HTMX if htmx else {})


def _codes(app, model) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(model.code).order_by(model.id)))


def test_the_page_lists_the_seeded_website_and_identifier_attributes(client):
    page = client.get("/attributes").text
    assert "Magento websites" in page and "Product attributes" in page
    assert "Main Website" in page and "Default Store View" in page
    for code in ("sku", "upc", "ean", "isbn", "gtin", "asin", "name"):
        assert f"<code>{code}</code>" in page


def test_adding_a_website_and_an_attribute_without_javascript(app, client):
    response = _post(
        client, "/attributes/websites", **{
            "new-website-code": "uk_site", "new-website-name": "UK Website",
            "new-website-default_store_view": "UK Store View",
        },
    )  # fmt: skip
    assert (response.status_code, response.headers["Location"]) == (303, "/attributes#websites")
    response = _post(
        client, "/attributes/attributes",
        **{"new-attribute-code": "gcid", "new-attribute-label": "GCID"},
    )  # fmt: skip
    assert response.status_code == 303
    assert "uk_site" in _codes(app, Website) and "gcid" in _codes(app, ProductAttribute)
    assert "The attribute “gcid” was added." in html.unescape(client.get("/attributes").text)


def test_adding_with_htmx_answers_the_section(client):
    response = _post(
        client, "/attributes/attributes", htmx=True,
        **{"new-attribute-code": "mpn", "new-attribute-label": "MPN"},
    )  # fmt: skip
    assert response.text.lstrip().startswith("{#") is False
    assert '<section class="card catalog-section" id="attributes"' in response.text
    assert "<code>mpn</code>" in response.text and "<html" not in response.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"new-attribute-code": ""}, "Enter a code"),
        ({"new-attribute-code": "Bad Code"}, "Use lowercase letters, digits and underscores"),
        ({"new-attribute-code": "1abc"}, "Use lowercase letters, digits and underscores"),
        ({"new-attribute-code": "x" * 65}, "Shorten the code to 64 characters"),
        ({"new-attribute-code": "asin"}, "An attribute with the code “asin” already exists."),
        ({"new-attribute-label": ""}, "Enter the attribute's label."),
        ({"new-attribute-label": "x" * 129}, "Shorten it to 128 characters"),
        ({"new-attribute-label": "Bad\u202elabel"}, "invisible or control characters"),
        ({"new-attribute-label": "asin"}, "An attribute labelled “ASIN” already exists."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_attribute_values_are_explained_inline_and_nothing_is_added(
    app, client, fields, message, htmx
):
    before = _codes(app, ProductAttribute)
    data = {"new-attribute-code": "mpn", "new-attribute-label": "MPN", **fields}
    response = _post(client, "/attributes/attributes", htmx=htmx, **data)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert 'aria-invalid="true"' in response.text
    assert _codes(app, ProductAttribute) == before


def test_renaming_keeps_the_code_and_refuses_a_taken_name(app, client):
    web = website_id(app)
    prefix = f"website-{web}-"
    ok = _post(client, f"/attributes/websites/{web}", htmx=True, **{
        prefix + "name": "Main Shop", prefix + "default_store_view": "English",
    })  # fmt: skip
    assert ok.status_code == 200 and "“base” was renamed" in html.unescape(ok.text)
    with app.app_context():
        website = db.session.get(Website, web)
        assert (website.code, website.name, website.default_store_view) == (
            "base",
            "Main Shop",
            "English",
        )
    attr = attribute_id(app, "ean")
    taken = _post(client, f"/attributes/attributes/{attr}", **{f"attribute-{attr}-label": "upc"})
    assert taken.status_code == 422
    assert "An attribute labelled “UPC” already exists." in html.unescape(taken.text)


def test_removing_what_no_store_uses(app, client):
    attr = attribute_id(app, "gtin")
    response = _post(client, f"/attributes/attributes/{attr}/delete")
    assert response.status_code == 303
    assert "gtin" not in _codes(app, ProductAttribute)
    assert client.post(f"/attributes/attributes/{attr}/delete").status_code == 400  # no CSRF
    gone = _post(client, f"/attributes/attributes/{attr}/delete", htmx=True)
    assert gone.status_code == 404 and "no longer exists" in gone.text and "<html" not in gone.text
    assert _post(client, f"/attributes/attributes/{attr}/delete").status_code == 404
    assert client.get(f"/attributes/attributes/{attr}/delete").status_code == 405


@pytest.mark.parametrize("htmx", [False, True])
def test_what_a_store_uses_cannot_be_removed_and_the_message_names_it(app, client, stores, htmx):
    stores.make("Amazon Store USA")
    web, attr = website_id(app), attribute_id(app, "asin")
    response = _post(client, f"/attributes/websites/{web}/delete", htmx=htmx)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "The website “Main Website” is used by the store “Amazon Store USA”." in text
    assert "Delete that store first" in text
    response = _post(client, f"/attributes/attributes/{attr}/delete", htmx=htmx)
    assert "The attribute “ASIN” is used by the store “Amazon Store USA”." in html.unescape(
        response.text
    )
    assert "base" in _codes(app, Website) and "asin" in _codes(app, ProductAttribute)


def test_the_usage_column_counts_stores(client, stores):
    stores.make("One")
    stores.make("Two")
    assert "2 stores" in client.get("/attributes").text
