"""Amazon stores, what happened to them, and the install's pre-setup checklist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..amazon.marketplaces import MARKETPLACES, Marketplace
from ..extensions import db

PRODUCT_ID_TYPES = ("ASIN", "EAN", "GCID", "ISBN", "UPC")


def _now() -> datetime:
    return clock.utcnow()


class Store(db.Model):
    """One Amazon store: a marketplace country selling a Magento website's catalog."""

    __tablename__ = "stores"
    __table_args__ = (
        Index("ix_stores_country_name", "marketplace_code", "name_key"),
        Index("ix_stores_created", "created_at"),
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
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    website = relationship("Website", lazy="joined", innerjoin=True)
    attribute = relationship("ProductAttribute", lazy="joined", innerjoin=True)
    connection = relationship(
        "Connection", back_populates="store", uselist=False, lazy="joined",
        cascade="all, delete-orphan", passive_deletes=True,
    )  # fmt: skip
    attempts = relationship(
        "AuthorizationAttempt", back_populates="store", lazy="raise",
        cascade="all, delete-orphan", passive_deletes=True,
    )  # fmt: skip

    @property
    def marketplace(self) -> Marketplace:
        """The Amazon marketplace this store sells in."""
        return MARKETPLACES[self.marketplace_code]


class StoreActivity(db.Model):
    """Something that happened to a store, and who did it."""

    __tablename__ = "store_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
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
