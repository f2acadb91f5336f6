"""The Sellers API of each SP-API region: getMarketplaceParticipations."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from . import faults, grants, settings, store, throttle, world
from .store import get_db

bp = Blueprint("sandbox_spapi", __name__)


def reply(status: int, body: dict, rate: float) -> Response:
    """Answer in JSON with the headers SP-API sends, the operation's rate limit included."""
    response = jsonify(body)
    response.status_code = status
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    response.headers["x-amzn-RateLimit-Limit"] = str(rate)
    return response


def denied(details: str, rate: float) -> Response:
    """Answer 403 Unauthorized in SP-API's errors[] shape."""
    error = {"code": "Unauthorized", "message": "Access to requested resource is denied."}
    return reply(403, {"errors": [{**error, "details": details}]}, rate)


def throttled(rate: float) -> Response:
    """Answer 429 QuotaExceeded in SP-API's errors[] shape."""
    code, message = faults.SPAPI_ERRORS[429]
    return reply(429, {"errors": [{"code": code, "message": message, "details": ""}]}, rate)


@bp.get("/<any(na, eu):region>/sellers/v1/marketplaceParticipations")
def marketplace_participations(region: str) -> Response:
    """List the marketplaces of the token's seller, when the token is live in this region."""
    conn = get_db()
    limits = settings.load(conn)
    rate = limits.sellers_rate
    with store.transaction(conn):
        store.bump(conn, "sellers")
    fault = faults.take(conn, "sellers")
    if fault is not None:
        faults.wait(fault)
        injected = faults.spapi_body(fault)
        if injected is not None:
            return reply(*injected, rate)
    access = grants.check_access(conn, request.headers.get("x-amz-access-token", ""), region)
    if access.seller_id is None:
        return denied(access.reason, rate)  # refused before the bucket: costs no quota
    if not throttle.take(conn, access.seller_id, access.client_id, rate, limits.sellers_burst):
        return throttled(rate)
    rows = conn.execute(
        "SELECT p.*, s.store_name FROM participations p JOIN sellers s USING (seller_id)"
        " WHERE p.seller_id = ? ORDER BY p.rowid",
        (access.seller_id,),
    ).fetchall()
    payload = []
    for row in rows:
        marketplace = world.MARKETPLACES[row["marketplace_id"]]
        if marketplace.region != region.upper():
            continue
        payload.append(
            {
                "marketplace": {
                    "id": marketplace.id,
                    "name": marketplace.name,
                    "countryCode": marketplace.country_code,
                    "defaultCurrencyCode": marketplace.currency,
                    "defaultLanguageCode": marketplace.language,
                    "domainName": marketplace.domain,
                },
                "storeName": row["store_name"],
                "participation": {
                    "isParticipating": bool(row["is_participating"]),
                    "hasSuspendedListings": bool(row["has_suspended_listings"]),
                },
            }
        )
    return reply(200, {"payload": payload}, rate)
