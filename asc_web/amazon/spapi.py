"""One SP-API GET with the headers every call sends, and Amazon's error shape read back."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from .errors import AmazonError
from .http import Timeouts, call_with_one_retry, user_agent


@dataclass(frozen=True)
class Answer:
    """A successful answer: its JSON body and the operation's rate Amazon stated, if any."""

    body: dict
    rate: float | None


def get(operation: str, url: str, access_token: str, params, timeouts: Timeouts) -> Answer:
    """``GET url`` with ``x-amz-access-token``; the ``Answer``, or ``AmazonError``.

    ``operation`` names the call in errors (``sellers``, ``sales``, ``orders``, ``listings``).
    """

    def send():
        return requests.get(
            url,
            params=params,
            headers={
                "x-amz-access-token": access_token,
                "accept": "application/json",
                "user-agent": user_agent(),
            },
            timeout=timeouts.as_tuple(),
        )

    response = call_with_one_retry(operation, send)
    with response:
        if response.status_code != 200:
            raise error(operation, response)
        try:
            return Answer(response.json(), rate(response))
        except ValueError:
            raise AmazonError(operation, "bad_response", "Unexpected answer.", 200) from None


def error(operation: str, response) -> AmazonError:
    """Map an SP-API error body (``{"errors": [...]}``) to ``AmazonError``."""
    code, message = f"http_{response.status_code}", ""
    try:
        first = response.json()["errors"][0]
        code, message = first.get("code", code), first.get("message", "")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        pass
    if response.status_code == 429 and code.startswith("http_"):
        code = "throttled"
    return AmazonError(operation, code, message, response.status_code, rate(response))


def rate(response) -> float | None:
    """Amazon's ``x-amzn-RateLimit-Limit`` header as a number, if it sent a usable one."""
    try:
        value = float(response.headers.get("x-amzn-RateLimit-Limit", ""))
    except ValueError:
        return None
    return value if 0 < value < 1e6 else None
