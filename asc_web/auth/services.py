"""Account operations that take plain arguments; the caller commits."""

from __future__ import annotations

import functools
import logging
import secrets

from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..extensions import db
from ..models import ROLES, Installation, User

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10


@functools.cache
def _dummy_hash() -> str:
    """A real scrypt hash, checked when the email is unknown so both answers take as long."""
    return generate_password_hash(secrets.token_hex(8), method="scrypt")


class AccountError(ValueError):
    """An account operation was refused; the message is for the person."""


def normalise_email(email: str) -> str:
    """Trim and lower-case an email address for storage and lookup."""
    return email.strip().lower()


def create_user(email: str, password: str, role: str) -> User:
    """Add a user; raise ``AccountError`` for a bad role, short password or taken email."""
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if User.by_email(email) is not None:
        raise AccountError(f"A user with the email {email} already exists.")
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AccountError(f"A user with the email {email} already exists.") from None
    log.info("User %s created with role %s", user.id, role)
    return user


def create_first_admin(email: str, password: str) -> User:
    """Create the install's first admin, once; a second attempt raises ``AccountError``."""
    if Installation.get() is not None or User.count() > 0:
        raise AccountError("The first admin account already exists. Sign in instead.")
    try:
        with db.session.begin_nested():
            db.session.add(Installation(id=1))
            db.session.flush()
    except IntegrityError:
        raise AccountError("The first admin account already exists. Sign in instead.") from None
    return create_user(email, password, "admin")


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or ``None`` (same work either way)."""
    user = User.by_email(normalise_email(email))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user
