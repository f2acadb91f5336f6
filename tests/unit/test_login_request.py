"""The Login URI follows ``amazon_callback_uri`` only back to Amazon Seller Central."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from asc_web import create_app
from asc_web.connect import login
from tests.support.config import PRODUCTION

CONFIRM = "/apps/authorize/confirm/amzn1.sp.solution.real"


@pytest.fixture
def production(tmp_path):
    """An app context in production mode: the real Seller Central sites."""
    app = create_app({**PRODUCTION, "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        yield app


@pytest.mark.parametrize(
    ("uri", "country"),
    [
        ("https://sellercentral.amazon.com" + CONFIRM, "United States"),
        ("https://sellercentral.amazon.ca" + CONFIRM + "?a=1", "Canada"),
        ("https://sellercentral.amazon.com.mx" + CONFIRM, "Mexico"),
        ("https://sellercentral-europe.amazon.com" + CONFIRM, "United Kingdom"),
        ("https://SellerCentral.Amazon.COM" + CONFIRM, "United States"),  # hosts ignore case
    ],
)
def test_each_seller_central_site_is_recognised(production, uri, country):
    assert login.seller_central_site(uri).country == country


@pytest.mark.parametrize(
    "uri",
    [
        "http://sellercentral.amazon.com" + CONFIRM,  # not HTTPS
        "https://evil.example" + CONFIRM,  # Amazon's path on another host
        "https://sellercentral.amazon.com.evil.example" + CONFIRM,
        "https://sellercentral.amazon.com:8443" + CONFIRM,
        "https://someone@sellercentral.amazon.com" + CONFIRM,  # a user name alone
        "https://someone:pw@sellercentral.amazon.com" + CONFIRM,
        "https://sellercentral.amazon.com" + CONFIRM + "#fragment",
        "https://sellercentral.amazon.com\\@evil.example" + CONFIRM,
        # A backslash in the path (browsers read it as a slash): refused outright.
        "https://sellercentral.amazon.com/\\evil.example" + CONFIRM,
        "https://sellercentral.amazon.com",  # no path back to an app page
        "",
    ],
)
def test_anything_else_is_refused(production, uri):
    assert login.seller_central_site(uri) is None


def test_a_callback_uri_longer_than_the_limit_is_refused(production):
    base = "https://sellercentral.amazon.com" + CONFIRM + "?pad="
    longest = base + "x" * (login.MAX_CALLBACK_LENGTH - len(base))
    assert len(longest) == login.MAX_CALLBACK_LENGTH
    assert login.seller_central_site(longest).code == "US"
    assert login.seller_central_site(longest + "x") is None


def test_a_missing_parameter_is_named(production):
    args = MultiDict({"amazon_callback_uri": "https://sellercentral.amazon.com" + CONFIRM})
    with pytest.raises(login.LoginRefused) as refused:
        login.parse(args)
    assert str(refused.value).startswith(
        "Seller Central's request is missing amazon_state, selling_partner_id. "
    )


def test_a_state_of_the_longest_allowed_length_is_carried(production):
    args = MultiDict(
        {
            "amazon_callback_uri": "https://sellercentral.amazon.com" + CONFIRM,
            "amazon_state": "s" * login.MAX_STATE_LENGTH,
            "selling_partner_id": "A1NASELLER0001",
        }
    )
    request = login.parse(args)
    assert request.amazon_state == "s" * login.MAX_STATE_LENGTH
    assert request.marketplace.code == "US"
    assert request.region_name == "North America"
    args["amazon_state"] = "s" * (login.MAX_STATE_LENGTH + 1)
    with pytest.raises(login.LoginRefused, match="unusable state"):
        login.parse(args)
    args["amazon_state"] = "with space"
    with pytest.raises(login.LoginRefused, match="unusable state"):
        login.parse(args)


def _args(**change):
    args = {
        "amazon_callback_uri": "https://sellercentral.amazon.com" + CONFIRM,
        "amazon_state": "amzn-state",
        "selling_partner_id": "A1NASELLER0001",
    }
    args.update(change)
    return MultiDict({name: value for name, value in args.items() if value is not None})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amazon_callback_uri": None}, "Seller Central's request is missing amazon_callback_uri."),
        ({"amazon_state": None}, "Seller Central's request is missing amazon_state."),
        ({"selling_partner_id": None}, "Seller Central's request is missing selling_partner_id."),
        (
            {"amazon_callback_uri": "https://evil.example" + CONFIRM},
            "This request does not lead back to Amazon Seller Central, so ASC Web will not "
            "follow it.",
        ),
        ({"amazon_state": "a b"}, "Seller Central's request carries an unusable state."),
        (
            {"selling_partner_id": "a1naseller0001"},
            "Seller Central's request names a seller id that Amazon does not issue.",
        ),
    ],
)
def test_each_refusal_says_what_is_wrong_and_what_to_do(production, change, message):
    with pytest.raises(login.LoginRefused) as refused:
        login.parse(_args(**change))
    assert str(refused.value) == message + " Start again from Manage Your Apps in Seller Central."


def test_a_state_may_use_every_visible_character(production):
    every = "".join(sorted(login._STATE_CHARACTERS))
    assert len(every) == 94
    assert login.parse(_args(amazon_state=every)).amazon_state == every
