"""The Seller Central blueprint: page rendering, CSRF, the signed-in user, page headers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    session,
)

from . import security, world
from .store import get_db

bp = Blueprint(
    "sandbox",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# Continue redirects to a registered redirect URI, and Re-Authorize to the Login URI, after
# a form POST, so form-action must allow those origins too (Chromium applies it to the
# redirect).
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action 'self' http://127.0.0.1:* http://localhost:*{extra}; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def content_security_policy(targets: Iterable[str]) -> str:
    """Return the pages' CSP, allowing form-action to the origins of the URLs given."""
    origins = sorted({"{0.scheme}://{0.netloc}".format(urlsplit(uri)) for uri in targets})
    return CSP.format(extra="".join(" " + origin for origin in origins))


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use."""
    if "csrf" not in session:
        session["csrf"] = security.new_csrf_token()
    return session["csrf"]


@bp.context_processor
def _template_globals() -> dict:
    """Expose the CSRF token and the seeded application to every sandbox template."""
    return {"csrf_token": csrf_token, "app_name": world.APPLICATION_NAME}


@bp.before_request
def _check_csrf() -> None:
    """Refuse any form POST whose token does not match the session's."""
    if request.method == "POST" and not security.csrf_ok(
        session.get("csrf"), request.form.get("csrf_token")
    ):
        abort(page("sandbox/message.html", 400, **SESSION_EXPIRED))


@bp.after_request
def _headers(response: Response) -> Response:
    """Keep sandbox pages out of caches and frames, and allow only same-origin resources."""
    response.headers["Content-Security-Policy"] = current_app.config["SANDBOX_CSP"]
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "sandbox.static":
        response.headers["Cache-Control"] = "no-store"
    return response


SESSION_EXPIRED = {
    "title": "Your session has expired",
    "message": "For your security, this page can no longer be submitted."
    " Please start again from the application.",
}


def page(template: str, status: int = 200, **context: object) -> Response:
    """Render a sandbox template with a status code."""
    return make_response(render_template(template, **context), status)


def error_page(mp: str, code: str, application_id: str, explanation: str) -> Response:
    """Render Seller Central's 'Something went wrong' page with an MD error code (HTTP 400)."""
    return page(
        "sandbox/error.html",
        400,
        site=site_name(mp),
        code=code,
        application_id=application_id,
        explanation=explanation,
    )


def invalid_access(mp: str) -> Response:
    """Render the page a non-primary user gets: it never goes back to the application."""
    return page("sandbox/invalid_access.html", 403, mp=mp, site=site_name(mp), user=current_user())


def session_binding() -> str:
    """Return this session's random id, which ties amazon_state values to this browser."""
    if "binding" not in session:
        session["binding"] = security.new_csrf_token()
    return session["binding"]


def current_user() -> sqlite3.Row | None:
    """Return the fully signed-in (password and OTP) user of this session, if any."""
    email = session.get("user")
    if not email:
        return None
    return get_db().execute("SELECT * FROM users WHERE email = ?", (email,)).fetchone()


def site_name(mp: str) -> str:
    """Return the Seller Central host name shown for a site short name."""
    return world.SELLER_CENTRAL[mp][0]
