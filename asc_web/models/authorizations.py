"""Amazon's grants to the app: one authorization per seller and region, shared by its stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    delete,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..amazon.marketplaces import MARKETPLACES, Marketplace, by_marketplace_id
from ..extensions import db


def _now() -> datetime:
    return clock.utcnow()


class AuthorizationAttempt(db.Model):
    """A connect attempt: its state is stored only as a hash and can be used once."""

    __tablename__ = "authorization_attempts"
    __table_args__ = (
        Index("ix_attempts_store_open", "store_id", "consumed_at"),
        # Finished attempts by when they ended (pruning; consumed_at IS NULL: still open),
        # and each store's newest: its last failure, and what pruning keeps (migration 0007).
        Index("ix_attempts_ended", "consumed_at", "id"),
        Index("ix_attempts_store_latest", "store_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    region: Mapped[str] = mapped_column(String(2))
    # Hash of a random value kept in the starting browser session.
    session_hash: Mapped[str] = mapped_column(String(64))
    # connect, renew or reconnect (what the merchant was told the attempt does).
    purpose: Mapped[str] = mapped_column(String(16), default="connect")
    # The seller Amazon must answer for: the store's current one, or the one Seller Central
    # named when the attempt started at the Login URI. None: any seller may connect.
    selling_partner_id: Mapped[str | None] = mapped_column(String(32))
    # Started from Seller Central (Login URI): the hash of Amazon's amazon_state, once only.
    amazon_state_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)

    store = relationship("Store", back_populates="attempts")


# Attempt outcomes the card reports until the next attempt.
FAILED_OUTCOMES = ("failed", "cancelled", "abandoned", "expired")


def unfinished():
    """A SQL condition: an attempt still waiting for Amazon, or whose callback is being
    processed."""
    return or_(
        AuthorizationAttempt.consumed_at.is_(None), AuthorizationAttempt.outcome == "processing"
    )


@dataclass(frozen=True)
class Participation:
    """One marketplace of the seller as the Sellers API last reported it."""

    marketplace_id: str
    name: str
    is_participating: bool
    has_suspended_listings: bool

    @property
    def marketplace(self) -> Marketplace | None:
        """ASC Web's marketplace for it (None for one ASC Web does not support)."""
        return by_marketplace_id(self.marketplace_id)


def _participation(item: dict) -> Participation:
    """One marketplace of ``Authorization.participations`` (as the check kept it)."""
    return Participation(
        marketplace_id=str(item.get("id", "")),
        name=str(item.get("name", "")),
        is_participating=bool(item.get("participating")),
        has_suspended_listings=bool(item.get("suspended")),
    )


class Authorization(db.Model):
    """Amazon's grant to the app for one selling partner in one region (NA or EU).

    One refresh token serves every store of the region that uses it: a North America
    authorization covers the seller's United States, Canada and Mexico stores.
    """

    __tablename__ = "authorizations"
    __table_args__ = (
        UniqueConstraint("selling_partner_id", "region", name="uq_authorization_seller_region"),
        # Counting the stores that need attention starts from this index (models/status.py).
        Index("ix_authorizations_attention", "revoked_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    selling_partner_id: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(2))
    amazon_store_name: Mapped[str | None] = mapped_column(String(256))
    # Encrypted with the authorization's own binding (``vault_owner``): a copy in another
    # row does not decrypt.
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None]
    authorized_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_checked_at: Mapped[datetime | None]
    last_check_ok: Mapped[bool | None]
    last_check_message: Mapped[str | None] = mapped_column(Text)
    check_claimed_until: Mapped[datetime | None]
    # The Sellers API's last answer: [{"id", "name", "participating", "suspended"}, ...].
    participations: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)

    stores = relationship("Store", back_populates="authorization", lazy="raise")

    @property
    def vault_owner(self) -> str:
        """What this authorization's ciphertexts are bound to."""
        return f"authorization-{self.id}"

    @classmethod
    def delete_if_unused(cls, authorization_id: int) -> bool:
        """Delete the authorization (and its tokens) when no store uses it any more."""
        from .stores import Store  # stores.py needs the catalog models mapped first

        still_used = select(Store.id).where(Store.authorization_id == authorization_id).exists()
        result = db.session.execute(delete(cls).where(cls.id == authorization_id, ~still_used))
        return result.rowcount == 1

    @property
    def region_name(self) -> str:
        """North America or Europe."""
        return "North America" if self.region == "NA" else "Europe"

    def participation(self, marketplace_id: str) -> Participation | None:
        """What Amazon last said about the seller in ``marketplace_id`` (every card asks)."""
        for item in self.participations or []:
            if str(item.get("id", "")) == marketplace_id:
                return _participation(item)
        return None

    def marketplace_list(self) -> list[Participation]:
        """The seller's marketplaces in this region, in ASC Web's marketplace order."""
        items = [_participation(item) for item in self.participations or []]
        order = [m.marketplace_id for m in MARKETPLACES.values()]
        return sorted(
            items,
            key=lambda p: order.index(p.marketplace_id) if p.marketplace_id in order else 99,
        )


class CommunicationError(db.Model):
    """An error Amazon returned (or a failure to reach it), with no secrets."""

    __tablename__ = "communication_errors"
    __table_args__ = (
        # The errors log newest first: per store, across stores, by operation and by code
        # (migration 0007); pruning walks ix_comm_errors_time from the oldest.
        Index("ix_comm_errors_store_time", "store_id", "created_at", "id"),
        Index("ix_comm_errors_time", "created_at", "id"),
        Index("ix_comm_errors_operation", "operation", "created_at", "id"),
        Index("ix_comm_errors_code", "code", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    operation: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=_now)
