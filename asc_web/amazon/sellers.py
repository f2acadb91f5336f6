"""Sellers API: which marketplaces the authorized seller participates in."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from .errors import AmazonError
from .http import Timeouts, call_with_one_retry, user_agent

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

    def send():
        return requests.get(
            base_url.rstrip("/") + PATH,
            headers={
                "x-amz-access-token": access_token,
                "accept": "application/json",
                "user-agent": user_agent(),
            },
            timeout=timeouts.as_tuple(),
        )

    response = call_with_one_retry("sellers", send)
    with response:
        if response.status_code != 200:
            raise _error(response)
        try:
            payload = response.json()["payload"]
        except (ValueError, KeyError, TypeError):
            raise AmazonError("sellers", "bad_response", "Unexpected answer.", 200) from None
    return [_participation(item) for item in payload]


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


def _error(response) -> AmazonError:
    """Map an SP-API error body (``{"errors": [...]}``) to ``AmazonError``."""
    code, message = f"http_{response.status_code}", ""
    try:
        first = response.json()["errors"][0]
        code, message = first.get("code", code), first.get("message", "")
    except (ValueError, KeyError, IndexError, TypeError):
        pass
    if response.status_code == 429 and code.startswith("http_"):
        code = "throttled"
    return AmazonError("sellers", code, message, response.status_code, _rate(response))


def _rate(response) -> float | None:
    """Amazon's ``x-amzn-RateLimit-Limit`` header as a number, if it sent a usable one."""
    try:
        rate = float(response.headers.get("x-amzn-RateLimit-Limit", ""))
    except ValueError:
        return None
    return rate if 0 < rate < 1e6 else None
