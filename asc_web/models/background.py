"""What the background worker keeps: runs of "Check all", the reminders it sent, and the
leases that let one server at a time run a maintenance job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import db


def _now() -> datetime:
    return clock.utcnow()


class CheckRun(db.Model):
    """A check of every authorization that an admin asked for, and how far it got."""

    __tablename__ = "check_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=_now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Authorizations to check (known once the worker starts), checked so far, and how many
    # of those did not answer normally.
    total: Mapped[int | None]
    done: Mapped[int] = mapped_column(default=0)
    problems: Mapped[int] = mapped_column(default=0)

    @property
    def finished(self) -> bool:
        """Whether the worker is done with this run."""
        return self.finished_at is not None


class Reminder(db.Model):
    """A reminder email about one store's authorization, claimed before it is sent.

    The unique key makes each reminder happen once per store, authorization term (its
    expiry) and occasion, however many workers look at the same store at once.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint(
            "store_id", "authorization_id", "expires_at", "kind", name="uq_reminder_occasion"
        ),
        Index("ix_reminders_unsent", "sent_at", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    authorization_id: Mapped[int] = mapped_column(
        ForeignKey("authorizations.id", ondelete="CASCADE"), index=True
    )
    # The authorization's expiry when the reminder was due: a renewal starts a new term.
    expires_at: Mapped[datetime]
    # due_30, due_7, due_1, expired or revoked.
    kind: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(254))
    claimed_at: Mapped[datetime] = mapped_column(default=_now)
    sent_at: Mapped[datetime | None]


class MaintenanceLease(db.Model):
    """Who runs a maintenance job (``name``) now, and until when (asc_web/maintenance/leases.py)."""

    __tablename__ = "maintenance_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(128))
    until: Mapped[datetime | None]
