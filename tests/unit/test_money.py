"""Money and counts as each marketplace writes them (Babel), from integer minor units."""

import pytest

from asc_web.amazon.marketplaces import MARKETPLACES
from asc_web.rendering import money, number


@pytest.mark.parametrize(
    ("code", "minor", "written"),
    [
        ("US", 123456789, "$1,234,567.89"),
        ("CA", 123456789, "$1,234,567.89"),
        ("MX", 123456789, "$1,234,567.89"),
        ("UK", 123456789, "£1,234,567.89"),
        ("US", 5, "$0.05"),
        ("UK", 0, "£0.00"),
        ("MX", -250, "-$2.50"),
    ],
)
def test_money_is_written_in_the_marketplaces_currency_and_locale(code, minor, written):
    assert money(minor, MARKETPLACES[code]) == written


def test_each_marketplace_has_its_currency_and_locale():
    assert {m.code: (m.currency, m.locale) for m in MARKETPLACES.values()} == {
        "US": ("USD", "en_US"),
        "CA": ("CAD", "en_CA"),
        "MX": ("MXN", "es_MX"),
        "UK": ("GBP", "en_GB"),
    }


def test_an_amount_in_another_currency_names_it():
    assert money(1999, MARKETPLACES["US"], "CAD") == "CA$19.99"
    assert money(1999, MARKETPLACES["UK"], "USD") == "US$19.99"


def test_money_never_goes_through_floats():
    # 0.1 + 0.2 in floats is 0.30000000000000004: minor units stay exact.
    assert money(10 + 20, MARKETPLACES["US"]) == "$0.30"
    assert money(2**53 + 1, MARKETPLACES["US"]) == "$90,071,992,547,409.93"


@pytest.mark.parametrize("code", ["US", "CA", "MX", "UK"])
def test_counts_group_thousands(code):
    assert number(1240, MARKETPLACES[code]) == "1,240"
    assert number(7, MARKETPLACES[code]) == "7"
