"""Injected failures (the fail hook): queued per endpoint, consumed one call at a time."""

from __future__ import annotations

import sqlite3
import time
from http import HTTPStatus
from typing import NamedTuple

from . import store

ENDPOINTS = ("token", "sellers", "sales", "orders", "listings")
MAX_DELAY_S = 60.0

# LWA's error codes and the status each is answered with when the hook gives none.
LWA_ERRORS = {
    "invalid_request": (400, "The request is missing a required parameter or is malformed."),
    "invalid_grant": (
        400,
        "The request has an invalid grant parameter : refresh_token."
        " User may have revoked or didn't grant the permission.",
    ),
    "unauthorized_client": (400, "Not authorized for requested operation"),
    "unsupported_grant_type": (
        400,
        "The authorization grant type is not supported by the authorization server",
    ),
    "invalid_client": (401, "Client authentication failed"),
    "server_error": (500, "Internal Server Error"),
    "temporarily_unavailable": (503, "The service is temporarily overloaded or under maintenance"),
}

# Sellers API error codes by status, in Amazon's errors[] shape.
SPAPI_ERRORS = {
    429: ("QuotaExceeded", "You exceeded your quota for the requested resource."),
    500: ("InternalFailure", "We encountered an internal error. Please try again."),
    503: ("ServiceUnavailable", "Service temporarily unavailable. Please try again."),
}


class Fault(NamedTuple):
    """One queued failure: HTTP status, LWA error code, and a delay before answering."""

    status: int | None
    error: str | None
    delay_s: float


def add(conn: sqlite3.Connection, endpoint: str, fault: Fault, count: int) -> None:
    """Queue a failure for the next `count` calls of an endpoint."""
    with store.transaction(conn):
        conn.execute(
            "INSERT INTO faults (endpoint, status, error, delay_s, remaining)"
            " VALUES (?, ?, ?, ?, ?)",
            (endpoint, fault.status, fault.error, fault.delay_s, count),
        )


def take(conn: sqlite3.Connection, endpoint: str) -> Fault | None:
    """Consume one use of the oldest queued failure of an endpoint, if any."""
    with store.transaction(conn):
        row = conn.execute(
            "SELECT id, status, error, delay_s FROM faults WHERE endpoint = ? AND remaining > 0"
            " ORDER BY id LIMIT 1",
            (endpoint,),
        ).fetchone()
        if row is None:
            return None
        conn.execute("UPDATE faults SET remaining = remaining - 1 WHERE id = ?", (row["id"],))
    return Fault(row["status"], row["error"], row["delay_s"] or 0.0)


def pending(conn: sqlite3.Connection) -> int:
    """Count the failing calls still queued."""
    row = conn.execute("SELECT COALESCE(SUM(remaining), 0) AS n FROM faults").fetchone()
    return int(row["n"])


def wait(fault: Fault) -> None:
    """Sleep the injected delay (bounded so a typo cannot hang a worker)."""
    if fault.delay_s > 0:
        time.sleep(min(fault.delay_s, MAX_DELAY_S))


def lwa_body(fault: Fault) -> tuple[int, dict] | None:
    """Return the status and JSON body the token endpoint answers, or None to succeed."""
    if fault.error:
        status, description = LWA_ERRORS.get(fault.error, (400, fault.error))
        return fault.status or status, {"error": fault.error, "error_description": description}
    if fault.status:
        # Not LWA-shaped on purpose: an overloaded front end does not speak OAuth.
        return fault.status, {"message": _phrase(fault.status)}
    return None


def spapi_body(fault: Fault) -> tuple[int, dict] | None:
    """Return the status and errors[] body the Sellers API answers, or None to succeed."""
    if not fault.status and not fault.error:
        return None
    status = fault.status or 503
    code, message = SPAPI_ERRORS.get(status, ("InternalFailure", _phrase(status)))
    return status, {"errors": [{"code": fault.error or code, "message": message, "details": ""}]}


def _phrase(status: int) -> str:
    """Return the standard reason phrase of a status code."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
