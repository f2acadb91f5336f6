"""The marketplaces ASC Web supports, with Amazon's identifiers and hosts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marketplace:
    """One Amazon marketplace (a country) and where its Seller Central lives."""

    code: str
    country: str
    marketplace_id: str
    seller_central: str
    region: str
    flag: str
    sandbox_path: str
    currency: str
    # Amazon's Sales API counts days in this zone; the console shows them the same way.
    time_zone: str
    # How the marketplace writes money and numbers (a CLDR locale for Babel).
    locale: str
    manage_apps_path: str = "/apps/manage"


MARKETPLACES: dict[str, Marketplace] = {
    m.code: m
    for m in (
        Marketplace("US", "United States", "ATVPDKIKX0DER",
                    "https://sellercentral.amazon.com", "NA", "🇺🇸", "us",
                    "USD", "America/Los_Angeles", "en_US"),
        Marketplace("CA", "Canada", "A2EUQ1WTGCTBG2",
                    "https://sellercentral.amazon.ca", "NA", "🇨🇦", "ca",
                    "CAD", "America/Los_Angeles", "en_CA"),
        Marketplace("MX", "Mexico", "A1AM78C64UM0Y8",
                    "https://sellercentral.amazon.com.mx", "NA", "🇲🇽", "mx",
                    "MXN", "America/Mexico_City", "es_MX"),
        Marketplace("UK", "United Kingdom", "A1F83G8C2ARO7P",
                    "https://sellercentral-europe.amazon.com", "EU", "🇬🇧", "uk",
                    "GBP", "Europe/London", "en_GB"),
    )
}  # fmt: skip

SPAPI_ENDPOINTS = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
}
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105 - a URL


def by_marketplace_id(marketplace_id: str) -> Marketplace | None:
    """Return the marketplace with Amazon's id, or ``None`` if ASC Web does not support it."""
    return next((m for m in MARKETPLACES.values() if m.marketplace_id == marketplace_id), None)
