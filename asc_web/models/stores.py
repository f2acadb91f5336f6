"""Amazon stores, what happened to them, and the install's pre-setup checklist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    case,
    func,
    select,
    text,
    true,
)
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column, relationship

from .. import clock
from ..amazon.marketplaces import MARKETPLACES, Marketplace
from ..extensions import db
from .authorizations import FAILED_OUTCOMES, AuthorizationAttempt

PRODUCT_ID_TYPES = ("ASIN", "EAN", "GCID", "ISBN", "UPC")


def _now() -> datetime:
    return clock.utcnow()


class Store(db.Model):
    """One Amazon store: a marketplace country selling a Magento website's catalog."""

    __tablename__ = "stores"
    __table_args__ = (
        Index("ix_stores_country_name", "marketplace_code", "name_key"),
        # The home page's date order with the status facts: skipping to a deep page, with
        # or without a status filter, reads index entries only (migration 0015).
        Index(
            "ix_stores_created_status",
            "created_at",
            "id",
            "active",
            "connection_valid_until",
            "awaiting_until",
        ),  # fmt: skip
        # A country's page, newest first (the home page's country filter; migration 0008).
        Index("ix_stores_country_created", "marketplace_code", "created_at", "id"),
        # A marketplace's store per authorization: never two stores of one seller's marketplace.
        UniqueConstraint("authorization_id", "marketplace_code", name="uq_store_authorization_mp"),
        # The status filters and counts, from the store rows alone (migration 0011).
        Index("ix_stores_status_facts", "active", "connection_valid_until", "awaiting_until"),
        # The few stores awaiting Amazon, by the end of their open attempt, with whether the
        # store is active: the Awaiting authorization count reads nothing else (0013).
        Index(
            "ix_stores_awaiting",
            "awaiting_until",
            "active",
            sqlite_where=text("awaiting_until IS NOT NULL"),
            postgresql_where=text("awaiting_until IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # The name folded for comparison (NFKC, case-folded): unique across stores.
    name_key: Mapped[str] = mapped_column(String(256), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    marketplace_code: Mapped[str] = mapped_column(String(2))
    website_id: Mapped[int] = mapped_column(ForeignKey("websites.id"))
    product_id_type: Mapped[str] = mapped_column(String(8))
    attribute_id: Mapped[int] = mapped_column(ForeignKey("product_attributes.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Renewal and reconnect reminders go to ``email`` unless the merchant turned them off.
    email_reminders: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The Amazon authorization of the store's region it uses (None: not connected).
    authorization_id: Mapped[int | None] = mapped_column(
        ForeignKey("authorizations.id", ondelete="SET NULL"), index=True
    )

    # Copies of the facts the status is derived from (``models/status.py``), kept by the
    # database's triggers (migration 0011) on every write to the store, its authorization
    # and its attempts; the app never writes them. A loaded store's copy is as old as the
    # query that loaded it. The authorization's expiry, or 1970-01-01 once revoked (None:
    # not connected); the latest expiry of an unfinished attempt (the "open attempt").
    connection_valid_until: Mapped[datetime | None]
    awaiting_until: Mapped[datetime | None]

    website = relationship("Website", lazy="joined", innerjoin=True)
    attribute = relationship("ProductAttribute", lazy="joined", innerjoin=True)
    authorization = relationship("Authorization", back_populates="stores", lazy="joined")
    # What the sync kept for the card (30-day sales, listing counts, import progress): loaded
    # with the store in the same query, so a page of cards costs no query per card.
    sync = relationship("StoreSync", lazy="joined", uselist=False, viewonly=True)
    attempts = relationship(
        "AuthorizationAttempt", back_populates="store", lazy="raise",
        cascade="all, delete-orphan", passive_deletes=True,
    )  # fmt: skip

    @property
    def marketplace(self) -> Marketplace:
        """The Amazon marketplace this store sells in."""
        return MARKETPLACES[self.marketplace_code]

    @property
    def participation(self):
        """What Amazon last said about the seller in this store's marketplace, if connected."""
        if self.authorization is None:
            return None
        return self.authorization.participation(self.marketplace.marketplace_id)


def marketplace_order(column):
    """The documentation's marketplace order (US, CA, MX, UK) as a SQL expression."""
    return case({code: n for n, code in enumerate(MARKETPLACES)}, value=column, else_=99)


_sibling = aliased(Store)
_sibling_names = (
    select(_sibling.name.label("name"))
    .where(_sibling.authorization_id == Store.authorization_id, _sibling.id != Store.id)
    .order_by(marketplace_order(_sibling.marketplace_code), _sibling.id)
    .correlate_except(_sibling)
    .subquery()
)
# "Also used by": the names of the other stores sharing the authorization, loaded with the
# store in the same query (an index lookup per connected store).
Store.also_used_by = column_property(
    select(func.aggregate_strings(_sibling_names.c.name, ", ")).scalar_subquery()
)

# Why the store's latest attempt failed (None when it did not, or is still open): the card
# shows it until the next attempt. Loaded with the store in the same query.
Store.last_failure = column_property(
    select(case((AuthorizationAttempt.outcome.in_(FAILED_OUTCOMES), AuthorizationAttempt.message)))
    .where(AuthorizationAttempt.store_id == Store.id)
    .order_by(AuthorizationAttempt.id.desc())
    .limit(1)
    .correlate_except(AuthorizationAttempt)
    .scalar_subquery()
)


class StoreTotal(db.Model):
    """How many stores there are: one row, kept by the database's triggers on every insert
    and delete of a store (migration 0011), so a page shows the number without counting."""

    __tablename__ = "store_totals"
    __table_args__ = (CheckConstraint("id = 1", name="ck_store_totals_one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stores: Mapped[int] = mapped_column(BigInteger)


class StoreActivity(db.Model):
    """Something that happened to a store, and who did it."""

    __tablename__ = "store_activities"
    __table_args__ = (
        # The dashboard's newest entries of a store; pruning walks the oldest (migration 0007).
        Index("ix_activity_store_time", "store_id", "created_at", "id"),
        Index("ix_activity_time", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=_now)

    user = relationship("User", lazy="joined")


class PreSetupTask(db.Model):
    """A ticked-off item of the Pre-Setup Tasks checklist (kept per install)."""

    __tablename__ = "pre_setup_tasks"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    done: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
