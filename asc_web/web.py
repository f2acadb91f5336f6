"""App-wide web behaviour: request guards, security headers, htmx flashes, error pages."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    g,
    get_flashed_messages,
    has_request_context,
    make_response,
    render_template,
    request,
)
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import BadHost, HTTPException, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import htmx
from .extensions import db, limiter, login_manager

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action {form_action}; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
EXPIRED_PAGE = "This page expired — reload it and try again."
NUL_MESSAGE = (
    "The request contained a character that is not allowed (a NUL byte). Remove it and try again."
)
# Friendlier words than Werkzeug's for the errors people can run into.
MESSAGES = {
    405: "This address does not accept that kind of request. Use the page's own buttons.",
    413: "The form sent too much data. Shorten what you typed and try again.",
    414: "This address is too long. Go back to the page you came from and try again.",
    429: "Too many attempts in a short time. Wait a few minutes, then try again.",
}
# Ids are PostgreSQL ``integer`` columns: a larger number in an address names nothing, and
# the database (SQLite past 2**63 too) would fail on it with a 500.
DB_INT_MAX = 2**31 - 1
# The last second a ``datetime`` can hold (9999-12-31T23:59:59 UTC).
LAST_EPOCH_SECOND = 253_402_300_799
OUT_OF_RANGE = (
    "The address has a number that is out of range in “{name}” (not a page number or time "
    "this page ever links to). Reload the page or go back, and try again."
)
HOST_REFUSED = (
    "This server does not answer to that host name. Check the address you typed, or use the "
    "link you were given, and try again."
)
# Static files asked for with their content's version (``static_url``) never change.
STATIC_MAX_AGE = 365 * 24 * 3600
# Versioned URLs by static folder, file and mount point: each file is hashed once.
_static_urls: dict[tuple[str, str, str], str] = {}


def init_app(app: Flask) -> None:
    """Register the guards, hooks and error handlers on ``app``."""
    # Before any blueprint adds its routes: every ``<int:…>`` is bounded alike.
    app.url_map.converters["int"] = DatabaseInt
    app.extensions["asc_csp"] = content_security_policy(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Behind N proxies the client's address and scheme come from their headers
        # (rate limits per address, HSTS, Secure cookies); never trusted without proxies.
        # The host only when configured: a forged one would pass the CSRF Referer check.
        hosts = proxies if app.config["TRUST_FORWARDED_HOST"] else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=hosts)
    # Guards run first: before CSRF checks and rate limits read the form.
    app.before_request_funcs.setdefault(None, []).insert(0, _guard_request)
    app.after_request(_security_headers)
    app.after_request(_flash_into_htmx_response)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
    app.add_template_global(static_url)
    app.get_send_file_max_age = _static_max_age


def content_security_policy(app: Flask) -> str:
    """The app's CSP: forms go to this site, and to Seller Central (or the sandbox) only.

    Connect without JavaScript is a form POST answered by a 303 to Seller Central's consent
    page (and the Login URI confirmation one to its ``amazon_callback_uri``): Chromium applies
    form-action to such redirects, so those origins stay allowed, and nothing else does.
    """
    from .amazon.marketplaces import MARKETPLACES
    from .connect.settings import endpoints

    with app.app_context():
        where = endpoints()
    origins = sorted(
        {_origin(where.seller_central(marketplace)) for marketplace in MARKETPLACES.values()}
    )
    return CSP.format(form_action=" ".join(["'self'", *origins]))


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class DatabaseInt(IntegerConverter):
    """``<int:…>`` in every route: past ``DB_INT_MAX`` the route does not match (a 404)."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, *args, **kwargs)
        self.max = DB_INT_MAX if self.max is None else min(self.max, DB_INT_MAX)


def query_int(name: str, *, low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """The whole number ``name`` of the query string (``None`` if absent); 400 out of range."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    digits = text.removeprefix("-")
    # Checked before ``int()``: a thousand-digit number is refused without being parsed.
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(high)):
        abort(400, OUT_OF_RANGE.format(name=name))
    value = int(text)
    if not low <= value <= high:
        abort(400, OUT_OF_RANGE.format(name=name))
    return value


def static_url(filename: str) -> str:
    """The URL of a static file with its content's hash (``?v=``): cached for a year.

    A path built without the URL adapter, so it works on the error page of a request whose
    Host header could not be read (Flask has no adapter for those).
    """
    app = current_app._get_current_object()
    root = request.script_root if has_request_context() else ""
    key = (str(app.static_folder), filename, root)
    url = None if app.debug else _static_urls.get(key)
    if url is None:
        content = (Path(app.static_folder) / filename).read_bytes()
        version = hashlib.sha256(content).hexdigest()[:12]
        path = f"{root}{app.static_url_path}/{quote(filename)}"
        url = _static_urls[key] = f"{path}?v={version}"
    return url


def _static_max_age(_filename: str | None) -> int | None:
    """A year for versioned static URLs; revalidated (ETag) for anything else."""
    if request.args.get("v"):
        return STATIC_MAX_AGE
    return current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]


def _guard_request():
    """Refuse over-long addresses (414) and NUL bytes anywhere in the input (400).

    PostgreSQL refuses NUL in text, SQLite stores it: refusing it here keeps the two
    databases alike and turns what would be a 500 into a clear 400.
    """
    target = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not target:
        query = request.query_string.decode("latin-1")
        target = quote(request.script_root + request.path) + ("?" + query if query else "")
    if len(target) > int(current_app.config["MAX_URL_LENGTH"]):
        return _refuse(414, MESSAGES[414])
    if "\x00" in request.path or "%00" in target or _has_nul(request.args):
        return _refuse(400, NUL_MESSAGE)
    if request.method not in ("GET", "HEAD", "OPTIONS") and _has_nul(request.form):
        return _refuse(400, NUL_MESSAGE)
    return None


def _has_nul(values) -> bool:
    """Whether a NUL byte is in any key or value of a ``MultiDict``."""
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def _refuse(code: int, message: str):
    """An error answer: a flash for htmx (the page stays as it is), a page otherwise."""
    log.info("Refused %s %s with %s: %s", request.method, request.path[:200], code, message)
    if htmx.wants_fragment():
        body = render_template("_flash_partial.html", messages=[("error", message)])
        response = make_response(body, code)
        # htmx 4 swaps error answers too: keep the form and what was typed in it.
        response.headers["HX-Reswap"] = "none"
        return response
    # Links as paths from the mount point: no URL adapter, no Host header needed.
    home = request.script_root + "/"
    return render_template("error.html", code=code, message=message, home=home), code


def _security_headers(response):
    """Send the same protective headers with every response, fragments and errors too."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.extensions["asc_csp"])
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        # The same URL answers htmx with a fragment and a browser with a page.
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
    return _refuse(400, EXPIRED_PAGE)


def _http_error(error: HTTPException):
    """Render HTTP errors with the app's own page (JSON for JSON callers)."""
    if error.code is None or error.code < 400:
        return error
    # A view's own words (abort(404, "…"), a rate limit's message) win over the defaults.
    own_words = error.description != type(error).description
    message = error.description if own_words else MESSAGES.get(error.code, error.description)
    if isinstance(error, BadHost | SecurityError):
        # A malformed or untrusted Host header: never echo it back.
        message = HOST_REFUSED
    wait = _rate_limit_wait() if error.code == 429 else None
    if wait is not None:
        minutes = math.ceil(wait / 60)
        message += f" Try again in {minutes} minute{'s' if minutes > 1 else ''}."
    if request.accept_mimetypes.best == "application/json" or request.path == "/healthz":
        response = make_response({"error": error.name, "message": message}, error.code)
    else:
        response = make_response(_refuse(error.code, message))
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if wait is not None:
        response.headers["Retry-After"] = str(wait)
    return response


def _rate_limit_wait() -> int:
    """Seconds until every limit this request broke lets it through again (60 if unknown)."""
    now = time.time()
    waits = [
        math.ceil(limit.window.reset_time - now)
        for limit in limiter.current_limits
        if limit.breached
    ]
    return max([1, *waits]) if waits else 60


def _server_error(error: Exception):
    """Log the failure and show a generic page without a traceback."""
    if isinstance(error, HTTPException):
        return _http_error(error)
    # The error page must not touch the database again (it may be what failed): no user
    # is loaded for it, and the failed transaction is let go.
    g._login_user = login_manager.anonymous_user()
    with contextlib.suppress(Exception):
        db.session.rollback()
    if isinstance(error, DBAPIError) and error.connection_invalidated or _is_unreachable(error):
        log.error("Database unreachable on %s %s: %s", request.method, request.path, type(error))
        message = "The database cannot be reached right now. Nothing was lost; try again shortly."
        return _refuse(503, message)
    log.exception("Unhandled error on %s %s", request.method, request.path)
    message = "Something went wrong on our side. Nothing was changed; please try again."
    return _refuse(500, message)


def _is_unreachable(error: Exception) -> bool:
    """Whether ``error`` means the database could not be reached (not a bad query)."""
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    text = str(error.orig).lower()
    return any(
        phrase in text
        for phrase in (
            "connection",
            "could not connect",
            "unable to open",
            "server closed",
            "disk i/o error",
        )
    )
