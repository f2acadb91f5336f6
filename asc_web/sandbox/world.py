"""The seeded sandbox world: our application, Amazon's marketplaces, sellers and users."""

from __future__ import annotations

from typing import NamedTuple

APPLICATION_ID = "amzn1.sp.solution.sandbox-asc-web-0001"
APPLICATION_NAME = "ASC Web (sandbox)"
CLIENT_ID = "amzn1.application-oa2-client.sandboxascweb0001"
# Public, sandbox-only credentials: the main app ships the same defaults.
CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105
PASSWORD = "sandbox-pass"  # noqa: S105
DEFAULT_REDIRECT_URI = "http://127.0.0.1:5000/amazon/callback"

CODE_TTL_S = 5 * 60
AMAZON_STATE_TTL_S = 10 * 60
ACCESS_TTL_S = 3600
REFRESH_TTL_S = 365 * 24 * 3600


class Marketplace(NamedTuple):
    """One Amazon marketplace as the Sellers API describes it."""

    id: str
    name: str
    country_code: str
    currency: str
    language: str
    domain: str
    region: str


class Seller(NamedTuple):
    """A selling account: its region and (marketplace id, suspended listings) pairs."""

    seller_id: str
    region: str
    store_name: str
    marketplaces: tuple[tuple[str, bool], ...]


class User(NamedTuple):
    """A Seller Central login of one seller."""

    email: str
    phone: str
    name: str
    seller_id: str
    is_primary: bool


US, CA, MX, UK = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8", "A1F83G8C2ARO7P"

MARKETPLACES = {
    US: Marketplace(US, "Amazon.com", "US", "USD", "en_US", "www.amazon.com", "NA"),
    CA: Marketplace(CA, "Amazon.ca", "CA", "CAD", "en_CA", "www.amazon.ca", "NA"),
    MX: Marketplace(MX, "Amazon.com.mx", "MX", "MXN", "es_MX", "www.amazon.com.mx", "NA"),
    # The Sellers API reports the UK marketplace with the ISO country code GB.
    UK: Marketplace(UK, "Amazon.co.uk", "GB", "GBP", "en_GB", "www.amazon.co.uk", "EU"),
}

# Seller Central sites by the short name used in the sandbox paths.
SELLER_CENTRAL = {
    "us": ("sellercentral.amazon.com", US),
    "ca": ("sellercentral.amazon.ca", CA),
    "mx": ("sellercentral.amazon.com.mx", MX),
    "uk": ("sellercentral-europe.amazon.com", UK),
}

NA_SELLER = "A1NASELLER0001"
UK_SELLER = "A1UKSELLER0002"
US_ONLY_SELLER = "A1USONLYSLR003"
SUSPENDED_SELLER = "A1SUSPENDED004"

SELLERS = (
    Seller(NA_SELLER, "NA", "Sandbox Goods North America", ((US, False), (CA, False), (MX, False))),
    Seller(UK_SELLER, "EU", "Sandbox Goods UK", ((UK, False),)),
    Seller(US_ONLY_SELLER, "NA", "US Only Outlet", ((US, False), (CA, False))),
    Seller(SUSPENDED_SELLER, "NA", "Paused Pantry", ((US, True),)),
)

# Phone numbers come from ranges reserved for fiction (NANP 555-01xx, Ofcom 07700 900xxx).
USERS = (
    User("na.primary@example.com", "+12065550101", "Nadia Primary", NA_SELLER, True),
    User("na.assistant@example.com", "+12065550102", "Noah Assistant", NA_SELLER, False),
    User("uk.primary@example.com", "+447700900103", "Ursula Primary", UK_SELLER, True),
    User("us.only@example.com", "+12065550104", "Ulysses Only", US_ONLY_SELLER, True),
    User("suspended@example.com", "+12065550105", "Sam Suspended", SUSPENDED_SELLER, True),
)
