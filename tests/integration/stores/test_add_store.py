"""Add Amazon sales channel: labels, every validation rule, and what a success looks like."""

import html

import pytest

from tests.integration.stores.conftest import HTMX, card_ids

LABELS = (
    "Magento Website to use for Amazon Listing",
    "Email Address",
    "New Store Name",
    "Amazon Marketplace Country",
    "Map your Magento attributes to Amazon",
    "Product ID on the Amazon market",
    "Map a Magento attribute",
)


@pytest.fixture(autouse=True)
def _admin(accounts):
    accounts.signed_in("admin")


def test_the_add_form_uses_the_documented_labels_and_choices(client):
    page = client.get("/stores/new").text
    assert "<h1>Add Amazon sales channel</h1>" in page
    for label in LABELS:
        assert label in page
    for country in ("United States", "Canada", "Mexico", "United Kingdom"):
        assert f">{country}</option>" in page
    for identifier in ("ASIN", "EAN", "GCID", "ISBN", "UPC"):
        assert f'value="{identifier}"' in page
    assert ">Main Website</option>" in page
    assert ">Connect</button>" in page
    assert "data-submit-when-valid" in page


def test_a_valid_store_lands_on_the_home_page_with_a_confirmation(client, stores):
    response = stores.post_new(name="  Amazon Store USA  ")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    home = client.get("/").text
    assert "The Amazon store “Amazon Store USA” was added." in home
    assert 'class="store-card' in home and "Amazon Store USA" in home
    assert stores.names() == ["Amazon Store USA"]
    (store_id,) = card_ids(home)
    assert stores.activity(store_id)[0][0] == "created"


def _refused(response, stores, message):
    """The form came back with ``message`` inline beside a field, and nothing was stored."""
    assert response.status_code == 422, response.status_code
    text = html.unescape(response.text)
    assert message in text, text[:3000]
    assert 'aria-invalid="true"' in response.text
    assert 'class="field-error"' in response.text
    assert stores.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"website": None}, "Choose the Magento website to list on Amazon."),
        ({"email": None}, "Enter the email address to contact about this store."),
        ({"name": None}, "Enter a store name"),
        ({"country": None}, "Choose the Amazon marketplace country."),
        ({"product_id_type": None}, "Choose the Amazon product identifier."),
        ({"attribute": None}, "Choose the Magento attribute that holds it."),
        ({"email": ""}, "Enter the email address"),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"email": "merchant@localhost"}, "Enter a valid email address"),
        ({"email": "a" * 250 + "@example.com"}, "The email address is too long"),
        ({"name": ""}, "Enter a store name"),
        ({"name": "   \u00a0 "}, "Enter a store name"),
        ({"name": "x" * 65}, "Shorten the store name to 64 characters or fewer (it has 65)."),
        (
            {"name": "x" * 10240},
            "Shorten the store name to 64 characters or fewer (it has 10,240).",
        ),
    ],
)
def test_each_missing_or_bad_value_is_explained_inline_and_nothing_is_stored(
    stores, fields, message
):
    _refused(stores.post_new(**fields), stores, message)


@pytest.mark.parametrize(
    "name",
    [
        "Amazon\tStore",
        "Amazon\nStore",
        "Amazon\rStore",
        "Amazon\x7fStore",
        "Amazon Store \u202eASU",
        "Amazon\u200bStore",
        "Amazon\u200cStore",
        "Amazon\u200dStore",
        "Amazon\u2060Store",
        "\ufeffAmazon Store",
        "Amazon\u2028Store",
    ],
)
def test_names_with_control_or_invisible_characters_are_refused(stores, name):
    _refused(stores.post_new(name=name), stores, "invisible or control characters")


def test_a_nul_byte_is_refused_before_the_form_and_nothing_is_stored(stores):
    # The app-wide request guard refuses NUL (PostgreSQL cannot store it) with a 400 page.
    response = stores.post_new(name="Amazon\x00Store")
    assert response.status_code == 400
    assert "NUL" in response.text
    assert stores.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "DE", "Choose a country from the list"),
        ("country", "us", "Choose a country from the list"),
        ("country", "US' OR 1=1 --", "Choose a country from the list"),
        ("product_id_type", "SKU", "Choose an identifier from the list"),
        ("product_id_type", "asin", "Choose an identifier from the list"),
        ("website", "999", "Choose a Magento website from the list."),
        ("website", "abc", "Choose a Magento website from the list."),
        ("website", "-1", "Choose a Magento website from the list."),
        ("website", "99999999999999999999", "Choose a Magento website from the list."),
        ("website", "\u0661", "Choose a Magento website from the list."),
        ("attribute", "999", "Choose a Magento attribute from the list"),
        ("attribute", "1.5", "Choose a Magento attribute from the list"),
        ("attribute", "\u00b2", "Choose a Magento attribute from the list"),
    ],
)
def test_tampered_select_values_are_refused(stores, field, value, message):
    _refused(stores.post_new(**{field: value}), stores, message)


def test_an_attribute_removed_from_the_catalog_cannot_be_mapped(app, stores):
    from asc_web.extensions import db
    from asc_web.models import ProductAttribute

    with app.app_context():
        gone = db.session.get(ProductAttribute, stores.form()["attribute"])
        db.session.delete(gone)
        db.session.commit()
    _refused(stores.post_new(), stores, "Choose a Magento attribute from the list")


@pytest.mark.parametrize(
    "clash",
    [
        "Amazon Store USA",
        "amazon store usa",
        "AMAZON STORE USA",
        "  Amazon Store USA  ",
        "Ａｍａｚｏｎ Ｓｔｏｒｅ ＵＳＡ",  # fullwidth letters: the same name after NFKC
        "Amazon\u00a0Store USA",  # a no-break space folds to a space
    ],
)
def test_a_name_another_store_has_is_refused_and_the_message_names_it(stores, clash):
    stores.make("Amazon Store USA")
    response = stores.post_new(name=clash, country="CA")
    assert response.status_code == 422
    assert "A store named “Amazon Store USA” already exists." in html.unescape(response.text)
    assert stores.count() == 1


def test_names_up_to_64_characters_are_accepted_whatever_the_script(stores):
    for name in ("x" * 64, "🛒" * 64, "Tienda México Ñandú", "e\u0301" * 64):
        assert stores.post_new(name=name).status_code == 303, name
    assert stores.names()[:3] == ["x" * 64, "🛒" * 64, "Tienda México Ñandú"]
    assert stores.names()[3] == "é" * 64  # stored in canonical (composed) form


def test_markup_in_a_name_is_stored_as_typed_and_always_escaped(client, stores):
    name = "<script>alert(1)</script>"
    assert stores.post_new(name=name).status_code == 303
    assert stores.names() == [name]
    home = client.get("/")
    (store_id,) = card_ids(home.text)
    pages = [
        home.text,
        client.get(f"/stores/{store_id}").text,
        client.get(f"/stores/{store_id}/card", headers=HTMX).text,
        client.get(f"/stores/{store_id}/delete").text,
        client.get(f"/stores/{store_id}/settings").text,
    ]
    for page in pages:
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_field_posted_twice_counts_once_and_never_fails(stores):
    response = stores.post_new(country=["XX", "US"])
    assert response.status_code == 422
    assert "Choose a country from the list" in response.text
    response = stores.post_new(name=["First name", "Second name"], country=["UK", "XX"])
    assert response.status_code == 303
    assert stores.names() == ["First name"]


def test_a_post_without_the_csrf_token_is_refused(client, stores):
    response = client.post("/stores/new", data=stores.form())
    assert response.status_code == 400
    assert stores.count() == 0


def test_leaving_a_field_checks_it_on_the_server_and_answers_that_field_only(client, stores):
    stores.make("Amazon Store USA")
    data = {**stores.form(name="amazon store usa", email="nope"), "csrf_token": stores.token()}
    response = client.post("/stores/new/check/name", data=data, headers=HTMX)
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert 'id="field-name"' in text and "A store named “Amazon Store USA” already exists." in text
    assert "Enter a valid email address" not in text
    assert 'hx-post="/stores/new/check/name"' in text
    ok = client.post("/stores/new/check/email", data={**data, "email": "a@example.com"})
    assert 'id="field-email"' in ok.text and "field-error" not in ok.text
    assert client.post("/stores/new/check/csrf_token", data=data).status_code == 404
    assert client.post("/stores/new/check/nothing", data=data).status_code == 404
    assert stores.count() == 1
