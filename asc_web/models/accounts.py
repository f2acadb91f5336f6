"""People who sign in, and the install they belong to."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..extensions import db

ROLES = ("admin", "manager", "viewer")
# The roles that change stores, their connections and the catalog (viewers only look).
MANAGER_ROLES = ("admin", "manager")


class User(UserMixin, db.Model):
    """A person who signs in to the console."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    active: Mapped[bool] = mapped_column(default=True)
    # Changing the nonce signs the user out everywhere: it is part of the session id.
    session_nonce: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.utcnow())
    last_login_at: Mapped[datetime | None]

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of ``password``."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Disabled users cannot sign in and lose their sessions."""
        return self.active

    def end_all_sessions(self) -> None:
        """Invalidate every session and remember cookie of this user."""
        self.session_nonce = secrets.token_hex(16)

    @property
    def can_manage(self) -> bool:
        """Admins and managers change stores; viewers only look."""
        return self.role in MANAGER_ROLES

    @property
    def is_admin(self) -> bool:
        """Whether the user administers the install."""
        return self.role == "admin"

    @classmethod
    def by_email(cls, email: str) -> User | None:
        """Find a user by email, ignoring case."""
        return db.session.scalar(select(cls).where(func.lower(cls.email) == email.lower()))

    @classmethod
    def count(cls) -> int:
        """How many users exist."""
        return db.session.scalar(select(func.count(cls.id))) or 0


class Installation(db.Model):
    """The one row that describes this install (created with the first admin)."""

    __tablename__ = "installation"

    # Always 1: a second concurrent "first admin" insert fails on this primary key.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.utcnow())

    @classmethod
    def get(cls) -> Installation | None:
        """Return the install's row, if the first admin was created."""
        return db.session.get(cls, 1)
