"""Account operations that take plain arguments; the caller commits."""

from __future__ import annotations

import functools
import logging
import secrets
import unicodedata

from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..extensions import db
from ..models import ROLES, Installation, User

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
# Control, format (bidi overrides, zero-width), surrogate, private-use and line/paragraph
# separator characters: they hide or reorder text, so an address could pass for another.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


@functools.cache
def _dummy_hash() -> str:
    """A real scrypt hash, checked when the email is unknown so both answers take as long."""
    return generate_password_hash(secrets.token_hex(8), method="scrypt")


class AccountError(ValueError):
    """An account operation was refused; the message is for the person."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is not the user's."""


def normalise_email(email: str) -> str:
    """Trim and lower-case an email address for storage and lookup."""
    return email.strip().lower()


def invisible_characters(text: str) -> bool:
    """Whether ``text`` holds a character that does not show (or reorders what does)."""
    return any(unicodedata.category(ch) in INVISIBLE_CATEGORIES for ch in text)


def create_user(email: str, password: str, role: str) -> User:
    """Add a user; raise ``AccountError`` for a bad role, short password or taken email."""
    email = normalise_email(email)
    if not email or invisible_characters(email) or len(email) > 254:
        raise AccountError("Enter a valid email address without invisible characters.")
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
    """Return the active user with these credentials, or ``None`` (same work either way).

    It only reads: the password check (scrypt, about 0.1 s) runs outside any write, and
    ``record_sign_in`` writes afterwards."""
    user = User.by_email(normalise_email(email))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def record_sign_in(user: User) -> None:
    """Note when ``user`` signed in (the caller commits)."""
    user.last_login_at = utcnow()


def change_password(user: User, current: str, new: str) -> None:
    """Set ``new`` after checking ``current``; every session of the user ends."""
    if not user.check_password(current):
        raise WrongPassword("The current password is incorrect.")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if user.check_password(new):
        raise AccountError("Choose a new password that differs from the current one.")
    user.set_password(new)
    user.end_all_sessions()


def set_active(user: User, active: bool, by: User) -> bool:
    """Enable or disable ``user``; disabling ends their sessions. False if nothing changed."""
    if user.id == by.id and not active:
        raise AccountError("You cannot disable your own account. Ask another admin.")
    if user.active == active:
        return False
    user.active = active
    # Sessions end on disable, and stay ended: enabling never revives an old cookie.
    user.end_all_sessions()
    return True


def all_users() -> list[User]:
    """Every user, admins first, then by email."""
    order = {role: i for i, role in enumerate(ROLES)}
    users = db.session.scalars(db.select(User)).all()
    return sorted(users, key=lambda u: (order.get(u.role, 99), u.email))
