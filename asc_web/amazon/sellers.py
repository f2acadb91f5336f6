"""Sellers API: which marketplaces the authorized seller participates in."""

from __future__ import annotations

from dataclasses import dataclass

from . import spapi
from .errors import AmazonError
from .http import Timeouts

PATH = "/sellers/v1/marketplaceParticipations"
DEFAULT_TIMEOUTS = Timeouts()


@dataclass(frozen=True)
class Participation:
    """One marketplace of the seller, as the Sellers API reports it."""

    marketplace_id: str
    name: str
    country_code: str
    store_name: str
    is_participating: bool
    has_suspended_listings: bool


def marketplace_participations(
    base_url: str, access_token: str, timeouts: Timeouts = DEFAULT_TIMEOUTS
) -> list[Participation]:
    """Call ``GET /sellers/v1/marketplaceParticipations`` with ``x-amz-access-token``."""
    answer = spapi.get("sellers", base_url.rstrip("/") + PATH, access_token, None, timeouts)
    try:
        payload = answer.body["payload"]
        return [_participation(item) for item in payload]
    except (KeyError, TypeError, AttributeError):
        raise AmazonError("sellers", "bad_response", "Unexpected answer.", 200) from None


def _participation(item: dict) -> Participation:
    """Read one payload entry."""
    market = item.get("marketplace", {})
    part = item.get("participation", {})
    return Participation(
        marketplace_id=market.get("id", ""),
        name=market.get("name", ""),
        country_code=market.get("countryCode", ""),
        store_name=item.get("storeName", ""),
        is_participating=bool(part.get("isParticipating")),
        has_suspended_listings=bool(part.get("hasSuspendedListings")),
    )
