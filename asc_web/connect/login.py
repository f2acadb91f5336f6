"""The Login URI: an authorization started in Seller Central (Manage Your Apps, Appstore).

Amazon opens ``/amazon/login?amazon_callback_uri=…&amazon_state=…&selling_partner_id=…``;
the merchant signs in to ASC Web, confirms which stores it renews (or picks the store to
connect), and ASC Web sends the browser back to ``amazon_callback_uri`` with
``redirect_uri``, ``amazon_state``, its own ``state`` and ``version=beta`` while a draft.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from flask import current_app
from sqlalchemy import select

from ..amazon.marketplaces import MARKETPLACES, Marketplace
from ..extensions import db
from ..models import Authorization, AuthorizationAttempt, Store
from . import authorizations, services, settings

MAX_STATE_LENGTH = 512
MAX_CALLBACK_LENGTH = 2048
# Opaque to us: any visible ASCII (no spaces, no control characters).
_STATE_CHARACTERS = frozenset(string.ascii_letters + string.digits + string.punctuation)
PARAMS = ("amazon_callback_uri", "amazon_state", "selling_partner_id", "version")
ANOTHER_TRY = "Start again from Manage Your Apps in Seller Central."
ALREADY_USED = "This request from Seller Central was already used. " + ANOTHER_TRY


class LoginRefused(Exception):
    """The request cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class LoginRequest:
    """What Amazon asked for, checked: where to send the browser back, and for whom."""

    callback_uri: str
    amazon_state: str
    selling_partner_id: str
    marketplace: Marketplace

    @property
    def region(self) -> str:
        """The SP-API region of the Seller Central site that sent the merchant."""
        return self.marketplace.region

    @property
    def region_name(self) -> str:
        """North America or Europe."""
        return "North America" if self.region == "NA" else "Europe"

    def params(self) -> dict[str, str]:
        """The query parameters that started this request (to carry through the forms)."""
        return {
            "amazon_callback_uri": self.callback_uri,
            "amazon_state": self.amazon_state,
            "selling_partner_id": self.selling_partner_id,
        }


def parse(args) -> LoginRequest:
    """Check Amazon's parameters; ``LoginRefused`` with a plain message when one is wrong."""
    missing = [name for name in PARAMS[:3] if not args.get(name)]
    if missing:
        raise LoginRefused(
            f"Seller Central's request is missing {', '.join(missing)}. " + ANOTHER_TRY
        )
    callback, state, seller = (args[name] for name in PARAMS[:3])
    marketplace = seller_central_site(callback)
    if marketplace is None:
        raise LoginRefused(
            "This request does not lead back to Amazon Seller Central, so ASC Web will not "
            "follow it. " + ANOTHER_TRY
        )
    if len(state) > MAX_STATE_LENGTH or not set(state) <= _STATE_CHARACTERS:
        raise LoginRefused("Seller Central's request carries an unusable state. " + ANOTHER_TRY)
    if not services.valid_selling_partner_id(seller):
        raise LoginRefused(
            "Seller Central's request names a seller id that Amazon does not issue. " + ANOTHER_TRY
        )
    return LoginRequest(callback, state, seller, marketplace)


def seller_central_site(uri: str) -> Marketplace | None:
    """The marketplace whose Seller Central site ``uri`` is on (the sandbox's in sandbox
    mode); None for anything else."""
    if len(uri) > MAX_CALLBACK_LENGTH or "#" in uri or "\\" in uri:
        return None
    parts = urlsplit(uri)
    if parts.username or parts.password:
        return None
    endpoints = settings.endpoints()
    for marketplace in MARKETPLACES.values():
        site = urlsplit(endpoints.seller_central(marketplace))
        if (
            parts.scheme == site.scheme
            and parts.netloc.lower() == site.netloc.lower()
            and parts.path.startswith(site.path + "/")
        ):
            return marketplace
    return None


def already_used(request: LoginRequest) -> bool:
    """Whether an attempt was already opened for this ``amazon_state`` (a replay)."""
    return (
        db.session.scalar(
            select(AuthorizationAttempt.id).where(
                AuthorizationAttempt.amazon_state_hash == services.digest(request.amazon_state)
            )
        )
        is not None
    )


@dataclass(frozen=True)
class Choice:
    """What confirming does: renew ``authorization`` (its stores), or connect one store."""

    authorization: Authorization | None
    renews: list[Store]
    candidates: list[Store]


def choice(request: LoginRequest) -> Choice:
    """The seller's authorization in the region with its stores, or the stores to pick from."""
    authorization = authorizations.find(request.selling_partner_id, request.region)
    if authorization is not None:
        return Choice(authorization, authorizations.stores_of(authorization), [])
    codes = [m.code for m in MARKETPLACES.values() if m.region == request.region]
    candidates = db.session.scalars(
        select(Store)
        .where(Store.authorization_id.is_(None), Store.marketplace_code.in_(codes))
        .order_by(Store.created_at, Store.id)
    ).all()
    return Choice(None, [], list(candidates))


def confirm(
    request: LoginRequest, store_id: int | None, user_id: int, session_nonce: str, now: datetime
) -> str:
    """Open the attempt; return the ``amazon_callback_uri`` URL to send the browser to.

    The caller has checked ``already_used``; two confirmations racing each other meet the
    unique ``amazon_state_hash`` (IntegrityError at the flush).
    """
    options = choice(request)
    if options.authorization is not None:
        store = options.renews[0]
    else:
        store = next((s for s in options.candidates if s.id == store_id), None)
        if store is None:
            raise LoginRefused("Choose the store to connect from the list.")
    attempt, state = services.open_attempt(
        store,
        user_id,
        session_nonce,
        now,
        selling_partner_id=request.selling_partner_id,
        amazon_state=request.amazon_state,
    )
    params = {
        "redirect_uri": settings.redirect_uri(),
        "amazon_state": request.amazon_state,
        "state": state,
    }
    if current_app.config["SPAPI_DRAFT"]:
        params["version"] = "beta"
    separator = "&" if urlsplit(request.callback_uri).query else "?"
    return request.callback_uri + separator + urlencode(params)
