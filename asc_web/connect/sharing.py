"""Disconnecting, and the seller's other marketplaces under one authorization."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ..amazon.marketplaces import MARKETPLACES, Marketplace
from ..extensions import db
from ..models import Authorization, Participation, Store, User
from ..models.status import Status, store_status
from ..stores import names
from ..stores import services as stores_services
from . import authorizations, services

log = logging.getLogger(__name__)


def disconnect(store: Store, user_id: int, now: datetime, whole: bool = False) -> list[Store]:
    """This store leaves its authorization, or (``whole``) the authorization is forgotten.

    Returns the stores that are no longer connected.
    """
    services.cancel(store, now, user_id)
    authorization = store.authorization
    if authorization is None:
        return []
    if whole:
        stores = authorizations.forget(authorization, user_id)
        log.info("Authorization %s disconnected by user %s", authorization.id, user_id)
        return stores
    authorizations.leave(store, user_id)
    log.info("Store %s left authorization %s (user %s)", store.id, authorization.id, user_id)
    return [store]


@dataclass(frozen=True)
class StoreLine:
    """A store of the marketplace and its status."""

    store: Store
    status: Status


@dataclass
class Offer:
    """One marketplace of the seller in the region, and what exists for it in ASC Web."""

    marketplace: Marketplace
    participation: Participation
    # The store of this marketplace that uses the authorization (at most one).
    using: StoreLine | None = None
    # Stores of this marketplace without an authorization, oldest first: each can use this
    # one. At most LISTED; ``more_unconnected``: there are more.
    unconnected: list[StoreLine] = field(default_factory=list)
    # Stores of this marketplace that use another seller's authorization (at most LISTED).
    elsewhere: list[StoreLine] = field(default_factory=list)
    suggested_name: str = ""
    more_unconnected: bool = False
    more_elsewhere: bool = False

    @property
    def can_add(self) -> bool:
        """Amazon lets the seller sell here and no store uses the authorization yet."""
        return self.participation.is_participating and self.using is None


def offers(authorization: Authorization, now: datetime) -> list[Offer]:
    """Every marketplace the authorization's seller has in the region (no call to Amazon)."""
    result = []
    for participation in authorization.marketplace_list():
        marketplace = participation.marketplace
        if marketplace is not None and marketplace.region == authorization.region:
            result.append(Offer(marketplace, participation))
    for offer in result:
        code = offer.marketplace.code
        using = db.session.scalar(
            select(Store).where(Store.authorization_id == authorization.id,
                                Store.marketplace_code == code)
        )  # fmt: skip
        offer.using = using and StoreLine(using, store_status(using, now))
        offer.unconnected, offer.more_unconnected = _listed(
            code, Store.authorization_id.is_(None), now
        )
        offer.elsewhere, offer.more_elsewhere = _listed(
            code, Store.authorization_id != authorization.id, now
        )
        offer.suggested_name = free_name(f"Amazon Store {offer.marketplace.country}")
    return result


# How many stores of each kind a marketplace's offer lists: an agency may have thousands of
# stores in a marketplace, and the page offers a choice, not an inventory.
LISTED = 20


def _listed(code: str, which, now: datetime) -> tuple[list[StoreLine], bool]:
    """The first LISTED stores of marketplace ``code`` matching ``which``, oldest first, and
    whether there are more."""
    stores = db.session.scalars(
        select(Store).where(Store.marketplace_code == code, which)
        .order_by(Store.created_at, Store.id).limit(LISTED + 1)
    ).all()  # fmt: skip
    lines = [StoreLine(store, store_status(store, now)) for store in stores[:LISTED]]
    return lines, len(stores) > LISTED


def pending_offers(authorization: Authorization | None, now: datetime) -> list[Offer]:
    """After a connect: the marketplaces the seller sells in that no store uses it for yet."""
    if authorization is None or authorization.revoked_at is not None:
        return []
    return [offer for offer in offers(authorization, now) if offer.can_add]


class OfferRefused(Exception):
    """Using the authorization for another marketplace was refused; message for the merchant."""


def use_for(store_id: int, authorization: Authorization, user_id: int, source: Store) -> Store:
    """An unconnected store of the seller's region starts using ``authorization``."""
    store = db.session.get(Store, store_id)
    if store is None:
        raise OfferRefused("That store no longer exists. The list is up to date again.")
    if store.authorization_id is not None and store.authorization_id != authorization.id:
        raise OfferRefused(
            f"“{store.name}” uses another seller's authorization. Disconnect it first to "
            f"use this one."
        )
    _check_participates(authorization, store.marketplace)
    try:
        authorizations.join(
            store,
            authorization,
            user_id,
            f"Uses the authorization of seller {authorization.selling_partner_id} "
            f"(from “{source.name}”), no second consent.",
        )
    except authorizations.JoinRefused as refused:
        raise OfferRefused(str(refused)) from None
    return store


def add_for(
    code: str, name: str, authorization: Authorization, user_id: int, source: Store
) -> Store:
    """A new store for marketplace ``code`` that uses ``authorization`` (the Add form's rules
    for the name; the other settings are ``source``'s)."""
    marketplace = MARKETPLACES.get(code)
    if marketplace is None or marketplace.region != authorization.region:
        raise OfferRefused("Choose a marketplace of this authorization's region.")
    _check_participates(authorization, marketplace)
    taken = authorizations.user_of_marketplace(authorization, code)
    if taken is not None:
        raise OfferRefused(authorizations.taken_message(taken))
    try:
        store = stores_services.create_store(
            name=name or "",
            email=source.email,
            marketplace_code=code,
            website_id=source.website_id,
            product_id_type=source.product_id_type,
            attribute_id=source.attribute_id,
            user=db.session.get(User, user_id),
        )
    except (stores_services.StoreNameRefused, stores_services.StoreNameTaken) as refused:
        raise OfferRefused(str(refused)) from None
    return use_for(store.id, authorization, user_id, source)


def _check_participates(authorization: Authorization, marketplace: Marketplace) -> None:
    """Amazon's last answer must list the seller as selling in ``marketplace``."""
    participation = authorization.participation(marketplace.marketplace_id)
    if participation is None or not participation.is_participating:
        raise OfferRefused(
            f"Amazon does not list seller {authorization.selling_partner_id} as selling in "
            f"{marketplace.country}, so this authorization cannot serve a store there."
        )


def free_name(base: str) -> str:
    """``base``, or ``base 2``… so a suggested name is not taken already."""
    base = base[:60]
    candidate, n = base, 1
    while db.session.scalar(select(Store.id).where(Store.name_key == names.fold(candidate))):
        n += 1
        candidate = f"{base} {n}"
    return candidate
