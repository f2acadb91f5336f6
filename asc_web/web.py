"""App-wide web behaviour: security headers, htmx flash messages, error pages."""

from __future__ import annotations

import logging

from flask import Flask, get_flashed_messages, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from . import htmx

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self' https:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    """Register the hooks and error handlers on ``app``."""
    app.after_request(_security_headers)
    app.after_request(_flash_into_htmx_response)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)


def _security_headers(response):
    """Send the same protective headers with every response, fragments and errors too."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html":
        response.vary.add("HX-Request")
    return response


def _flash_into_htmx_response(response):
    """Append pending flash messages to an htmx HTML response as an ``hx-partial``."""
    if not htmx.is_htmx() or "HX-Redirect" in response.headers:
        return response
    if response.mimetype != "text/html" or response.direct_passthrough:
        return response
    if response.status_code in (204, 304) or response.is_streamed:
        return response
    messages = get_flashed_messages(with_categories=True)
    if messages:
        extra = render_template("_flash_partial.html", messages=messages)
        response.set_data(response.get_data(as_text=True) + extra)
    return response


def _csrf_error(error: CSRFError):
    """A missing or expired CSRF token: say the page expired, change nothing."""
    log.info("CSRF check failed on %s %s: %s", request.method, request.path, error.description)
    message = "This page expired — reload it and try again."
    if htmx.is_htmx():
        return render_template("_flash_partial.html", messages=[("error", message)]), 400
    return render_template("error.html", code=400, message=message), 400


def _http_error(error: HTTPException):
    """Render HTTP errors with the app's own page (JSON for JSON callers)."""
    if error.code is None or error.code < 400:
        return error
    if request.accept_mimetypes.best == "application/json" or request.path == "/healthz":
        return {"error": error.name, "message": error.description}, error.code
    return render_template("error.html", code=error.code, message=error.description), error.code


def _server_error(error: Exception):
    """Log the failure and show a generic page without a traceback."""
    if isinstance(error, HTTPException):
        return _http_error(error)
    if isinstance(error, DBAPIError) and error.connection_invalidated or _is_unreachable(error):
        log.error("Database unreachable on %s %s: %s", request.method, request.path, type(error))
        message = "The database cannot be reached right now. Nothing was lost; try again shortly."
        return render_template("error.html", code=503, message=message), 503
    log.exception("Unhandled error on %s %s", request.method, request.path)
    message = "Something went wrong on our side. Nothing was changed; please try again."
    return render_template("error.html", code=500, message=message), 500


def _is_unreachable(error: Exception) -> bool:
    """Whether ``error`` means the database could not be reached (not a bad query)."""
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    text = str(error.orig).lower()
    return any(
        phrase in text
        for phrase in ("connection", "could not connect", "unable to open", "server closed")
    )
