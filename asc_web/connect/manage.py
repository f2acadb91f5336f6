"""Disconnecting a store and adding the seller's other marketplaces from one authorization."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..amazon import sellers
from ..amazon.marketplaces import MARKETPLACES, Marketplace, by_marketplace_id
from ..extensions import db
from ..models import Connection, Store, StoreActivity
from ..stores import names
from . import checks, services, settings

log = logging.getLogger(__name__)


def disconnect(store: Store, user_id: int, now: datetime) -> None:
    """Forget the store's tokens (the row goes) and close any open attempt."""
    services.cancel(store.id, now)
    if store.connection is not None:
        db.session.delete(store.connection)
    db.session.add(
        StoreActivity(
            store_id=store.id,
            user_id=user_id,
            action="disconnected",
            detail="Disconnected: ASC Web forgot the authorization tokens.",
        )
    )
    log.info("Store %s disconnected by user %s", store.id, user_id)


@dataclass(frozen=True)
class Offer:
    """Another marketplace the seller sells in, and whether a store can be added for it."""

    marketplace: Marketplace
    amazon_name: str
    existing_store: str | None

    @property
    def available(self) -> bool:
        """No store is connected to this seller in that marketplace yet."""
        return self.existing_store is None


def offered_marketplaces(attempt, store: Store | None) -> list[Marketplace]:
    """After a connect: the seller's other marketplaces no store is connected to yet.

    Comes from the Sellers API answer the callback saw (kept on the attempt), so showing
    the offer costs no call to Amazon; adding the stores checks with Amazon again.
    """
    conn = store.connection if store is not None else None
    if not attempt.more_marketplaces or conn is None or conn.revoked_at is not None:
        return []
    wanted = [MARKETPLACES[c] for c in attempt.more_marketplaces.split(",") if c in MARKETPLACES]
    taken = set(
        db.session.scalars(
            select(Connection.marketplace_id).where(
                Connection.selling_partner_id == conn.selling_partner_id,
                Connection.marketplace_id.in_([m.marketplace_id for m in wanted]),
            )
        )
    )
    return [m for m in wanted if m.marketplace_id not in taken]


def sibling_offers(store: Store, now: datetime) -> list[Offer]:
    """Marketplaces of the same region the authorized seller participates in (one API call)."""
    conn = store.connection
    token, _ = checks.with_retries(lambda: checks.access_token(conn, now))
    url = settings.endpoints().spapi(conn.region)
    participations = sellers.marketplace_participations(url, token, settings.timeouts())
    offers = []
    for p in participations:
        marketplace = by_marketplace_id(p.marketplace_id)
        if (
            marketplace is None
            or not p.is_participating
            or marketplace.code == store.marketplace_code
        ):
            continue
        owner = db.session.scalar(
            select(Store.name)
            .join(Connection, Connection.store_id == Store.id)
            .where(
                Connection.selling_partner_id == conn.selling_partner_id,
                Connection.marketplace_id == p.marketplace_id,
            )
        )
        offers.append(Offer(marketplace, p.name, owner))
    return sorted(offers, key=lambda o: list(MARKETPLACES).index(o.marketplace.code))


def add_siblings(
    store: Store, codes: list[str], offers: list[Offer], user_id: int, now
) -> list[Store]:
    """Create connected stores for ``codes``, reusing ``store``'s authorization (no consent)."""
    allowed = {o.marketplace.code: o for o in offers if o.available}
    source = store.connection
    vault = settings.vault()
    refresh_token = vault.decrypt(store.id, source.refresh_token_encrypted)
    created = []
    for code in codes:
        offer = allowed.get(code)
        if offer is None:
            continue
        name = _free_name(f"{store.name} {offer.marketplace.country}")
        sibling = Store(
            name=name,
            name_key=names.fold(name),
            email=store.email,
            marketplace_code=code,
            website_id=store.website_id,
            product_id_type=store.product_id_type,
            attribute_id=store.attribute_id,
            created_by_id=user_id,
        )
        db.session.add(sibling)
        db.session.flush()
        db.session.add(
            Connection(
                store_id=sibling.id,
                selling_partner_id=source.selling_partner_id,
                marketplace_id=offer.marketplace.marketplace_id,
                region=source.region,
                marketplace_name=offer.amazon_name,
                amazon_store_name=source.amazon_store_name,
                refresh_token_encrypted=vault.encrypt(sibling.id, refresh_token),
                authorized_at=source.authorized_at,
                expires_at=source.expires_at,
                last_checked_at=now,
                last_check_ok=True,
            )
        )
        db.session.add(
            StoreActivity(
                store_id=sibling.id,
                user_id=user_id,
                action="connected",
                detail=f"Added from “{store.name}” with the same authorization "
                f"(seller {source.selling_partner_id}).",
            )
        )
        created.append(sibling)
    return created


def _free_name(base: str) -> str:
    """``base``, or ``base (2)``… so the new store's name is unique and fits 64 characters."""
    base = base[:58]
    candidate, n = base, 1
    while db.session.scalar(select(Store.id).where(Store.name_key == names.fold(candidate))):
        n += 1
        candidate = f"{base} ({n})"
    return candidate
