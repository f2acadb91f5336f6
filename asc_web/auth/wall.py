"""The login wall: who may see what, and where anonymous requests are sent."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Flask, abort, flash, g, make_response, redirect, request, session, url_for
from flask_login import current_user

from .. import htmx
from ..extensions import login_manager
from ..models import User
from ..models.accounts import MANAGER_ROLES
from . import events, sessions

# Endpoints anyone may reach; everything else needs a signed-in user.
PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.setup",
    "health.healthz",
    "static",
    "connect.callback",
    # Seller Central's Login URI: it checks Amazon's request, then asks anonymous people
    # to sign in with its own words.
    "connect.amazon_login",
}


def init_app(app: Flask) -> None:
    """Install the user loader and the before-request wall."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(sessions.load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(_wall)
    app.after_request(_no_store_when_signed_in)


def _wall():
    """Send anonymous requests to set-up (no users yet) or sign-in; end expired sessions."""
    if request.endpoint in ("static", "health.healthz"):
        return None
    sessions.idle_expired()
    if current_user.is_authenticated:
        g.asc_signed_in = True
        sessions.touch()
        return None
    expired = sessions.expired_user_id()
    if expired is not None:
        events.record("session.expired", user_id=expired or None)
        sessions.end()
        flash(sessions.EXPIRED_MESSAGE, "warning")
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if User.count() == 0:
        return _go(url_for("auth.setup"))
    return _unauthorized()


def _no_store_when_signed_in(response):
    """Nothing a signed-in person sees (or the answer that signs them in or out) is cached.

    Static files are the exception: they are the same for everyone, and the fingerprinted
    ones are cached for a year.
    """
    if request.endpoint == "static":
        return response
    # Read without loading the user: an answer refused before the wall ran (414, a NUL
    # byte) or a database outage must not query the database here. The wall's own answer
    # comes first: after a commit the user is expired, and reading it again would start a
    # second transaction (on SQLite a write request's waits for the write lock once more).
    if g.get("asc_signed_in") or "_user_id" in session:
        response.headers["Cache-Control"] = "no-store"
        return response
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def _unauthorized():
    """Answer an anonymous request: ``HX-Redirect`` for htmx, a redirect otherwise."""
    target = url_for("auth.login", next=_next_path())
    return _go(target)


def _go(url: str):
    """Redirect, or ask htmx to navigate instead of swapping a login page into a fragment."""
    if htmx.is_htmx():
        return htmx.redirect(make_response("", 401), url)
    return redirect(url)


def _next_path() -> str | None:
    """The path to come back to after sign-in (GET pages only)."""
    if request.method != "GET" or htmx.is_htmx():
        return None
    return request.full_path.rstrip("?")


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a local path on this site, else ``None``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\\\r\n\t"):
        return None
    return target


def require_manager(view):
    """Allow the view to admins and managers (``MANAGER_ROLES``); viewers get 403."""
    return require_role(*MANAGER_ROLES)(view)


def require_admin(view):
    """Allow the view to admins only; others get 403."""
    return require_role("admin")(view)


def require_role(*roles: str):
    """Allow the view only to users with one of ``roles``; others get 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _unauthorized()
            if current_user.role not in roles:
                abort(403, "Your role does not allow this. Ask an admin for access.")
            return view(*args, **kwargs)

        return wrapped

    return decorator
