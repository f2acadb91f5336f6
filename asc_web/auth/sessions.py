"""Signed-in sessions: what the cookie holds, when it expires, and how a new one starts.

The Flask-Login id kept in the session (and in the remember cookie) is
``<user id>.<session nonce>.<signed-in time>``: changing the user's nonce ends every
session and remember cookie at once, and the sign-in time bounds both by the absolute
timeout on the server, whatever the browser does with cookie expiry dates.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, select

from .. import clock
from ..extensions import db
from ..models import User

LAST_SEEN = "_seen"
# Refresh the idle timestamp at most this often, so the cookie is not rewritten each request.
TOUCH_EVERY_SECONDS = 60
EXPIRED_MESSAGE = "Your session expired. Sign in again."
# Every signed-in request runs this: built once, its SQL compiled once (session.get
# would build and key a new statement each time).
USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


@dataclass(frozen=True)
class SessionId:
    """The parts of a Flask-Login id."""

    user_id: int
    nonce: str
    signed_in_at: int

    def __str__(self) -> str:
        return f"{self.user_id}.{self.nonce}.{self.signed_in_at}"

    @classmethod
    def parse(cls, value: str) -> SessionId | None:
        """The parts of ``value``, or ``None`` when it is not a current-format id."""
        parts = str(value).split(".")
        if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts[::2]):
            return None
        if not parts[1]:
            return None
        return cls(int(parts[0]), parts[1], int(parts[2]))


def now() -> int:
    """Seconds since the epoch, from the app's clock (tests move it)."""
    return int(clock.utcnow().timestamp())


def idle_limit() -> int:
    """Seconds a session may go without a request."""
    return int(float(current_app.config["IDLE_TIMEOUT_MINUTES"]) * 60)


def absolute_limit() -> int:
    """Seconds a session (or a remember cookie) lasts after sign-in, at most."""
    return int(float(current_app.config["ABSOLUTE_TIMEOUT_HOURS"]) * 3600)


def start(user: User, remember: bool) -> None:
    """Start a fresh session for ``user``: nothing is carried over from before."""
    had_remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    had_remember_cookie = had_remember_cookie in request.cookies
    session.clear()
    # The remember cookie never outlives the absolute timeout either.
    login_user(user, remember=remember, duration=timedelta(seconds=absolute_limit()))
    signed_in = now()
    session["_user_id"] = str(SessionId(user.id, user.session_nonce, signed_in))
    session[LAST_SEEN] = signed_in
    if not remember and had_remember_cookie:
        session["_remember"] = "clear"


def end() -> None:
    """Forget the signed-in user in this browser (session and remember cookie)."""
    logout_user()
    session.clear()
    session["_remember"] = "clear"


def load_user(value: str) -> User | None:
    """Flask-Login's user loader: the user, if the id is current, active and not too old."""
    parsed = SessionId.parse(value)
    if parsed is None:
        return None
    if now() - parsed.signed_in_at > absolute_limit():
        g.asc_session_expired = parsed.user_id
        return None
    user = db.session.execute(USER_BY_ID, {"user_id": parsed.user_id}).scalar_one_or_none()
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_nonce, parsed.nonce):
        return None
    return user


def idle_expired() -> bool:
    """Whether this browser's session went unused for too long; if so it is ended here.

    A remember cookie may sign the user in again afterwards (within the absolute timeout):
    that is what "Remember me" asks for.
    """
    seen = session.get(LAST_SEEN)
    if "_user_id" not in session or not isinstance(seen, int):
        return False
    if now() - seen <= idle_limit():
        return False
    parsed = SessionId.parse(session["_user_id"])
    g.asc_session_expired = parsed.user_id if parsed else 0
    for key in ("_user_id", "_fresh", "_id", LAST_SEEN):
        session.pop(key, None)
    return True


def touch() -> None:
    """Record activity, rewriting the cookie at most once a minute."""
    seen = session.get(LAST_SEEN)
    current = now()
    if not isinstance(seen, int) or current - seen >= TOUCH_EVERY_SECONDS:
        session[LAST_SEEN] = current


def expired_user_id() -> int | None:
    """The user whose session this request found expired (idle or absolute), if any."""
    return g.get("asc_session_expired")
