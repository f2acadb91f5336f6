"""Authorizations: the one place that writes them and decides which stores use them."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..amazon import lwa
from ..amazon.sellers import Participation as SellersParticipation
from ..extensions import db
from ..models import Authorization, Store
from ..models.status import AUTHORIZATION_LIFETIME
from ..models.stores import marketplace_order
from ..stores.services import record_activity
from . import settings

log = logging.getLogger(__name__)


def find(selling_partner_id: str, region: str) -> Authorization | None:
    """The authorization of ``selling_partner_id`` in ``region``, if ASC Web holds one."""
    return db.session.scalar(
        select(Authorization).where(
            Authorization.selling_partner_id == selling_partner_id,
            Authorization.region == region,
        )
    )


def stores_of(authorization: Authorization) -> list[Store]:
    """The stores that use ``authorization``, in the documentation's marketplace order."""
    return list(
        db.session.scalars(
            select(Store)
            .where(Store.authorization_id == authorization.id)
            .order_by(marketplace_order(Store.marketplace_code), Store.id)
        )
    )


def record_grant(
    selling_partner_id: str,
    region: str,
    tokens: lwa.Tokens,
    participations: list[SellersParticipation],
    now: datetime,
) -> Authorization:
    """Create the (seller, region) authorization, or replace its token: a new year for all
    its stores. Re-reads the row inside the write transaction (two callbacks may race)."""
    authorization = find(selling_partner_id, region)
    if authorization is None:
        authorization = Authorization(
            selling_partner_id=selling_partner_id,
            region=region,
            authorized_at=now,
            expires_at=now + AUTHORIZATION_LIFETIME,
        )
        try:
            with db.session.begin_nested():
                db.session.add(authorization)
                db.session.flush()
        except IntegrityError:
            # Another callback created it a moment ago: this grant replaces that one's.
            authorization = find(selling_partner_id, region)
    vault = settings.vault()
    owner = authorization.vault_owner
    authorization.refresh_token_encrypted = vault.encrypt(owner, tokens.refresh_token)
    authorization.access_token_encrypted = vault.encrypt(owner, tokens.access_token)
    authorization.access_token_expires_at = now + timedelta(seconds=tokens.expires_in)
    authorization.authorized_at = now
    authorization.expires_at = now + AUTHORIZATION_LIFETIME
    authorization.revoked_at = None
    record_participations(authorization, participations, now)
    log.info("Authorization %s granted (seller %s, %s)", authorization.id, selling_partner_id,
             region)  # fmt: skip
    return authorization


def record_participations(
    authorization: Authorization, participations: list[SellersParticipation], now: datetime
) -> None:
    """Keep the Sellers API's answer: the seller's marketplaces, a healthy check."""
    if participations:
        store_name = next((p.store_name for p in participations if p.store_name), None)
        authorization.amazon_store_name = store_name or authorization.amazon_store_name
    authorization.participations = [
        {
            "id": p.marketplace_id,
            "name": p.name,
            "participating": p.is_participating,
            "suspended": p.has_suspended_listings,
        }
        for p in participations
    ]
    authorization.last_checked_at = now
    authorization.last_check_ok = True
    authorization.last_check_message = None


def user_of_marketplace(authorization: Authorization, marketplace_code: str) -> Store | None:
    """The store of ``marketplace_code`` that uses ``authorization``, if any."""
    return db.session.scalar(
        select(Store).where(
            Store.authorization_id == authorization.id,
            Store.marketplace_code == marketplace_code,
        )
    )


class JoinRefused(Exception):
    """A store cannot use the authorization; the message is for the merchant."""


def join(store: Store, authorization: Authorization, user_id: int | None, detail: str) -> None:
    """Let ``store`` use ``authorization`` (its region's, its marketplace free in it)."""
    if store.marketplace.region != authorization.region:
        raise JoinRefused(
            f"“{store.name}” sells in {store.marketplace.country}, which a "
            f"{authorization.region_name} authorization does not cover."
        )
    if store.authorization_id == authorization.id:
        return
    taken = user_of_marketplace(authorization, store.marketplace_code)
    if taken is not None:
        raise JoinRefused(taken_message(taken))
    previous = store.authorization
    try:
        with db.session.begin_nested():
            store.authorization = authorization
            db.session.flush()
    except IntegrityError:
        db.session.refresh(store)
        taken = user_of_marketplace(authorization, store.marketplace_code)
        raise JoinRefused(taken_message(taken) if taken else "Try again.") from None
    if previous is not None:
        _forget_if_unused(previous)
    record_activity(store, user_id, "connected", detail)


def taken_message(other: Store) -> str:
    """This seller's marketplace belongs to another store already."""
    return (
        f"This Seller Central account is already connected to the store “{other.name}” for "
        f"{other.marketplace.country}. Use that store, or disconnect it first."
    )


def leave(store: Store, user_id: int | None) -> None:
    """``store`` stops using its authorization; the last store to leave forgets it."""
    authorization = store.authorization
    if authorization is None:
        return
    store.authorization = None
    db.session.flush()
    record_activity(
        store,
        user_id,
        "disconnected",
        "Disconnected: this store no longer uses the authorization of seller "
        f"{authorization.selling_partner_id}.",
    )
    _forget_if_unused(authorization)


def forget(authorization: Authorization, user_id: int | None) -> list[Store]:
    """Delete the authorization and its tokens; every store using it becomes Not connected."""
    stores = stores_of(authorization)
    for store in stores:
        store.authorization = None
        record_activity(
            store,
            user_id,
            "disconnected",
            f"Disconnected: ASC Web forgot the authorization of seller "
            f"{authorization.selling_partner_id} and its tokens.",
        )
    db.session.delete(authorization)
    db.session.flush()
    log.info("Authorization %s forgotten", authorization.id)
    return stores


def _forget_if_unused(authorization: Authorization) -> None:
    """No store uses it any more: its tokens go too."""
    db.session.flush()
    if Authorization.delete_if_unused(authorization.id):
        log.info("Authorization %s forgotten: no store uses it", authorization.id)
