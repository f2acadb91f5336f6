"""Listings Items API 2021-08-01 searchListingsItems: the seller's listings, 20 a page at most."""

from __future__ import annotations

import base64
import hashlib
import json

from flask import request
from werkzeug.wrappers import Response

from . import ledger, operations, spapi, store
from .operations import invalid

bp = spapi.bp
INCLUDED_DATA = (
    "summaries", "attributes", "issues", "offers", "fulfillmentAvailability", "procurement",
    "relationships", "productTypes",
)  # fmt: skip
SORT_KEYS = {"sku": "sku", "createdDate": "created", "lastUpdatedDate": "updated"}
# Amazon pages through at most this many items of one search.
MAX_RESULTS = 1000
BAD_REQUEST = "BAD_REQUEST"


@bp.get("/<any(na, eu):region>/listings/2021-08-01/items/<seller_id>")
def search_listings_items(region: str, seller_id: str) -> Response:
    """Answer one page of the seller's listings in one marketplace."""
    gate = operations.enter("listings", region)
    if gate.answer is not None:
        return gate.answer
    if seller_id != gate.seller_id:
        return spapi.denied("The sellerId does not match the access token.", gate.rate)
    conn = store.get_db()
    try:
        marketplace_id, included, page_size, offset, keep, order = _parse()
    except ValueError as exc:
        return invalid(str(exc), gate.rate, BAD_REQUEST)
    problem = operations.marketplace_problem(conn, seller_id, region, [marketplace_id])
    if problem is not None:
        return invalid(problem, gate.rate, BAD_REQUEST)
    found = [item for item in ledger.listings(conn, seller_id, marketplace_id) if keep(item)]
    key, descending = order
    found.sort(key=lambda item: item["sku"])
    found.sort(key=lambda item: item[key], reverse=descending)
    reachable = found[:MAX_RESULTS]
    page = reachable[offset : offset + page_size]
    body: dict = {
        "numberOfResults": len(found),
        "items": [_describe(item, marketplace_id, included) for item in page],
    }
    pagination = {}
    if offset + page_size < len(reachable):
        pagination["nextToken"] = _token(offset + page_size)
    if offset > 0:
        pagination["previousToken"] = _token(max(0, offset - page_size))
    if pagination:
        body["pagination"] = pagination
    return spapi.reply(200, body, gate.rate)


def _describe(item: dict, marketplace_id: str, included: list[str]) -> dict:
    """Return one listing with the data sets asked for (summaries and issues are served)."""
    answer: dict = {"sku": item["sku"]}
    if "summaries" in included:
        answer["summaries"] = [
            {
                "marketplaceId": marketplace_id,
                "asin": item["asin"],
                "productType": item["product_type"],
                "conditionType": "new_new",
                "status": item["status"],
                "itemName": item["name"],
                "createdDate": operations.iso(item["created"]),
                "lastUpdatedDate": operations.iso(item["updated"]),
            }
        ]
    if "issues" in included:
        answer["issues"] = [
            {
                "code": issue.code,
                "message": issue.message,
                "severity": issue.severity,
                "attributeNames": list(issue.attribute_names),
                "categories": list(issue.categories),
            }
            for issue in item["issues"]
        ]
    return answer


def _parse() -> tuple:
    """Read and check the parameters; ValueError says what is wrong."""
    args = request.args
    marketplaces = operations.query_list("marketplaceIds")
    if len(marketplaces) != 1:
        raise ValueError("marketplaceIds must name exactly one marketplace.")
    included = operations.query_list("includedData") or ["summaries"]
    unknown = [name for name in included if name not in INCLUDED_DATA]
    if unknown:
        raise ValueError(f"Invalid includedData value: {unknown[0]}.")
    size = args.get("pageSize", "10")
    if not size.isdigit() or not 1 <= int(size) <= 20:
        raise ValueError("pageSize must be between 1 and 20.")
    sort_by = args.get("sortBy", "lastUpdatedDate")
    sort_order = args.get("sortOrder", "DESC")
    if sort_by not in SORT_KEYS or sort_order not in ("ASC", "DESC"):
        raise ValueError(
            "sortBy must be sku, createdDate or lastUpdatedDate; sortOrder ASC or DESC."
        )
    severities = operations.query_list("withIssueSeverity")
    with_status = operations.query_list("withStatus")
    without_status = operations.query_list("withoutStatus")
    if any(value not in ("WARNING", "ERROR") for value in severities):
        raise ValueError("withIssueSeverity values must be WARNING or ERROR.")
    if any(value not in ("BUYABLE", "DISCOVERABLE") for value in with_status + without_status):
        raise ValueError("withStatus and withoutStatus values must be BUYABLE or DISCOVERABLE.")
    identifiers = operations.query_list("identifiers")
    identifiers_type = args.get("identifiersType")
    if bool(identifiers) != bool(identifiers_type):
        raise ValueError("identifiers and identifiersType must be given together.")
    if identifiers_type not in (None, "SKU", "ASIN"):
        raise ValueError("identifiersType must be SKU or ASIN in the sandbox.")
    if len(identifiers) > 20:
        raise ValueError("identifiers accepts at most 20 values.")
    fingerprint = _fingerprint()
    offset = 0
    if args.get("pageToken"):
        offset = _untoken(args["pageToken"], fingerprint)

    def keep(item: dict) -> bool:
        """Tell whether a listing passes the filters."""
        if identifiers:
            field = "sku" if identifiers_type == "SKU" else "asin"
            if item[field] not in identifiers:
                return False
        if severities and not any(issue.severity in severities for issue in item["issues"]):
            return False
        if with_status and not set(with_status) & set(item["status"]):
            return False
        return not set(without_status) & set(item["status"])

    order = (SORT_KEYS[sort_by], sort_order == "DESC")
    return marketplaces[0], included, int(size), offset, keep, order


def _fingerprint() -> str:
    """Return a digest of the search parameters, so a page token serves only its own search."""
    params = sorted((k, v) for k, v in request.args.items(multi=True) if k != "pageToken")
    return hashlib.sha256(json.dumps(params).encode()).hexdigest()[:16]


def _token(offset: int) -> str:
    """Pack a position of this search into an opaque page token."""
    raw = json.dumps({"offset": offset, "search": _fingerprint()})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _untoken(token: str, fingerprint: str) -> int:
    """Return the position a page token of this search points to; ValueError otherwise."""
    try:
        fields = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = fields["offset"]
        if fields["search"] != fingerprint or not isinstance(offset, int) or offset < 0:
            raise TypeError
    except (ValueError, TypeError, KeyError, UnicodeError):
        raise ValueError("Invalid pageToken.") from None
    return offset
