"""HTTP settings shared by every Amazon call: explicit timeouts and one retry policy."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import metadata

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from .errors import AmazonError


@cache
def user_agent() -> str:
    """``ASC-Web/<version> (Language=Python/<major.minor>)``, sent with every Amazon call."""
    try:
        version = metadata.version("asc-web")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        version = "0"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"ASC-Web/{version} (Language=Python/{python})"


@dataclass(frozen=True)
class Timeouts:
    """Connect and read timeouts in seconds (never unbounded)."""

    connect: float = 5.0
    read: float = 20.0

    def as_tuple(self) -> tuple[float, float]:
        """The ``(connect, read)`` pair ``requests`` expects."""
        return (self.connect, self.read)


def call_with_one_retry(operation: str, send):
    """Run ``send()``; retry once only when the connection could not be made."""
    for attempt in (1, 2):
        try:
            return send()
        except requests.exceptions.ConnectTimeout as exc:
            if attempt == 2:
                raise AmazonError(operation, "timeout", "Could not connect in time.") from exc
        except requests.exceptions.Timeout as exc:
            # The request may have reached Amazon: never resend it (a code is single-use).
            raise AmazonError(operation, "timeout", "Amazon did not answer in time.") from exc
        except requests.exceptions.ConnectionError as exc:
            if attempt == 2 or not _never_connected(exc):
                # After the request went out ("connection aborted", reset), Amazon may
                # have acted on it: resending could spend a single-use code twice.
                raise AmazonError(operation, "connection", "Could not reach Amazon.") from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """Whether the connection failed before anything was sent (refused, DNS, unreachable)."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)
