"""Authorizations with Amazon: open connect attempts and established connections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db


def _now() -> datetime:
    return clock.utcnow()


class AuthorizationAttempt(db.Model):
    """A connect attempt: its state is stored only as a hash and can be used once."""

    __tablename__ = "authorization_attempts"
    __table_args__ = (Index("ix_attempts_store_open", "store_id", "consumed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    region: Mapped[str] = mapped_column(String(2))
    # Hash of a random value kept in the starting browser session.
    session_hash: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16), default="connect")
    created_at: Mapped[datetime] = mapped_column(default=_now)
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
    # After a connect: the seller's other marketplaces in the region ("CA,MX"), to offer.
    more_marketplaces: Mapped[str | None] = mapped_column(String(32))

    store = relationship("Store", back_populates="attempts")


class Connection(db.Model):
    """A store's authorization with Amazon: who the seller is and until when it holds."""

    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("selling_partner_id", "marketplace_id", name="uq_connection_seller_mp"),
        Index("ix_connections_expires", "expires_at"),
        # Counting the stores that need attention reads this index only (models/status.py).
        Index("ix_connections_attention", "revoked_at", "expires_at", "store_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), unique=True)
    selling_partner_id: Mapped[str] = mapped_column(String(32))
    marketplace_id: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(2))
    marketplace_name: Mapped[str | None] = mapped_column(String(128))
    amazon_store_name: Mapped[str | None] = mapped_column(String(256))
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
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)

    store = relationship("Store", back_populates="connection")


class CommunicationError(db.Model):
    """An error Amazon returned (or a failure to reach it), with no secrets."""

    __tablename__ = "communication_errors"
    __table_args__ = (Index("ix_comm_errors_store_time", "store_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    operation: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=_now, index=True)
