"""What every data operation (Sales, Orders, Listings) does before it answers.

In order: count the call, answer an injected failure (the fail hook), refuse a bad access
token (403, costing no quota), then spend from the operation's token bucket (429 when empty).
Beside the enforced bucket, a second one holds Amazon's documented usage plan whatever the
settings say; a call it could not have paid for marks the seller's operation `rate_exceeded`.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import NamedTuple

from flask import request
from werkzeug.wrappers import Response

from . import faults, grants, settings, spapi, store, throttle, world

# Amazon's documented default usage plans: (requests per second, burst).
DOCUMENTED = {"sales": (0.5, 15), "orders": (0.0167, 20), "listings": (5.0, 5)}
NAMES = {"sales": "getOrderMetrics", "orders": "getOrders", "listings": "searchListingsItems"}


class Gate(NamedTuple):
    """The outcome of the checks: the seller to answer for, or the answer already given."""

    seller_id: str | None
    answer: Response | None
    rate: float


def enter(operation: str, region: str) -> Gate:
    """Run the checks every call of an operation goes through, in Amazon's order."""
    conn = store.get_db()
    limits = settings.load(conn)
    rate = getattr(limits, f"{operation}_rate")
    burst = getattr(limits, f"{operation}_burst")
    access = grants.check_access(conn, request.headers.get("x-amz-access-token", ""), region)
    seller = access.seller_id
    now = store.now(conn)
    with store.transaction(conn):
        if seller is not None:
            store.bump(conn, f"op:{operation}:{seller}:calls")
            documented = DOCUMENTED[operation]
            if not throttle.take_op(conn, f"amazon:{operation}", seller, access.client_id,
                                    *documented, now):  # fmt: skip
                store.bump(conn, f"op:{operation}:{seller}:over_rate")
    fault = faults.take(conn, operation)
    if fault is not None:
        faults.wait(fault)
        injected = faults.spapi_body(fault)
        if injected is not None:
            return Gate(None, spapi.reply(*injected, rate), rate)
    if seller is None:
        return Gate(None, spapi.denied(access.reason, rate), rate)
    with store.transaction(conn):
        allowed = throttle.take_op(conn, f"limit:{operation}", seller, access.client_id,
                                   rate, burst, now)  # fmt: skip
        if not allowed:
            store.bump(conn, f"op:{operation}:{seller}:throttled")
    if not allowed:
        return Gate(None, spapi.throttled(rate), rate)
    return Gate(seller, None, rate)


def invalid(message: str, rate: float, code: str = "InvalidInput") -> Response:
    """Answer 400 in SP-API's errors[] shape for a bad parameter."""
    error = {"code": code, "message": message, "details": ""}
    return spapi.reply(400, {"errors": [error]}, rate)


def marketplace_problem(
    conn: sqlite3.Connection, seller_id: str, region: str, marketplace_ids: list[str]
) -> str | None:
    """Say why one of the marketplaces cannot be asked about by this seller here, or None."""
    for marketplace_id in marketplace_ids:
        marketplace = world.MARKETPLACES.get(marketplace_id)
        if marketplace is None:
            return f"Invalid MarketplaceId: {marketplace_id}."
        if marketplace.region != region.upper():
            return f"Marketplace {marketplace_id} is not served by this endpoint's region."
        row = conn.execute(
            "SELECT is_participating FROM participations"
            " WHERE seller_id = ? AND marketplace_id = ?",
            (seller_id, marketplace_id),
        ).fetchone()
        if row is None or not row["is_participating"]:
            return f"The seller is not participating in marketplace {marketplace_id}."
    return None


def query_list(name: str) -> list[str]:
    """Return an array parameter sent comma-separated and/or repeated, without empty parts."""
    return [part for value in request.args.getlist(name) for part in value.split(",") if part]


def parse_time(value: str) -> float:
    """Parse an ISO 8601 date-time (Z, an offset, or none meaning UTC) to epoch seconds."""
    if not value or len(value) > 40:
        raise ValueError(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def iso(epoch: float) -> str:
    """Format epoch seconds the way SP-API does: 2024-05-01T12:34:56Z."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stats(counters: dict[str, int]) -> dict:
    """Group the operation counters: {operation name: {seller id: figures}}."""
    result: dict[str, dict] = {name: {} for name in NAMES.values()}
    for key, value in counters.items():
        parts = key.split(":")
        if len(parts) != 4 or parts[0] != "op" or parts[1] not in NAMES:
            continue
        figures = result[NAMES[parts[1]]].setdefault(
            parts[2], {"calls": 0, "throttled": 0, "over_rate": 0, "rate_exceeded": False}
        )
        figures[parts[3]] = value
        figures["rate_exceeded"] = figures["over_rate"] > 0
    return result
