"""The Seller Central sandbox: an offline stand-in for Seller Central, LWA and SP-API.

It never imports the rest of ``asc_web``; the main app talks to it only over HTTP.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from . import store

DEFAULTS = {
    "SANDBOX_HOOKS_ENABLED": True,
    "SANDBOX_CLOCK_FILE": None,
    "SANDBOX_TRUSTED_PROXIES": 0,
    # The app's Login URI, opened by Re-Authorize in Manage Your Apps.
    "SANDBOX_LOGIN_URI": "http://127.0.0.1:5000/amazon/login",
    "SESSION_COOKIE_NAME": "sandbox_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 64 * 1024,
}


class SandboxSessionInterface(SecureCookieSessionInterface):
    """Scope the session cookie to the sandbox's own root, standalone or mounted."""

    def get_cookie_path(self, app: Flask) -> str:
        """Return SCRIPT_NAME plus the blueprint prefix, e.g. /sandbox in both setups."""
        return (request.script_root + app.config["SANDBOX_URL_PREFIX"]) or "/"


def create_app(config: dict | None = None, url_prefix: str = "/sandbox") -> Flask:
    """Build the sandbox app with every route under `url_prefix` ("" when mounted)."""
    # Imported for their routes.
    from . import (  # noqa: F401
        consent,
        data_hooks,
        hooks,
        listings_api,
        login_return,
        lwa,
        manage,
        orders_api,
        sales_api,
        screens,
        signin,
        spapi,
    )

    app = Flask(__name__, static_folder=None)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    proxies = app.config["SANDBOX_TRUSTED_PROXIES"]
    app.config["SANDBOX_TRUSTED_PROXIES"] = int(proxies)  # may come from the environment
    if app.config["SANDBOX_TRUSTED_PROXIES"] < 0:
        raise ValueError("SANDBOX_TRUSTED_PROXIES must be 0 or more")
    prefix = url_prefix.rstrip("/")
    app.config["SANDBOX_URL_PREFIX"] = prefix
    if not app.config.get("SANDBOX_DB_PATH"):
        app.config["SANDBOX_DB_PATH"] = os.path.join(app.instance_path, "sandbox.sqlite3")
    path = app.config["SANDBOX_DB_PATH"]
    store.init_db(path, app.config["SANDBOX_CLOCK_FILE"])
    # Generated secrets live in the sandbox database so every worker process shares them.
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = store.secret(path, "session_secret")
    if not app.config.get("SANDBOX_OTP_SECRET"):
        app.config["SANDBOX_OTP_SECRET"] = store.secret(path, "otp_secret")
    extra = app.config.setdefault("SANDBOX_REDIRECT_URIS", ())
    login_uri = urlsplit(app.config["SANDBOX_LOGIN_URI"])
    if login_uri.scheme not in ("http", "https") or not login_uri.netloc or login_uri.fragment:
        raise ValueError("SANDBOX_LOGIN_URI must be an absolute http(s) URL without a fragment")
    app.config["SANDBOX_CSP"] = screens.content_security_policy(
        [*extra, app.config["SANDBOX_LOGIN_URI"]]
    )
    app.session_interface = SandboxSessionInterface()
    app.teardown_appcontext(store.close_db)

    app.register_blueprint(screens.bp, url_prefix=prefix)
    app.register_blueprint(lwa.bp, url_prefix=prefix + "/lwa")
    app.register_blueprint(spapi.bp, url_prefix=prefix + "/spapi")
    if app.config["SANDBOX_HOOKS_ENABLED"]:
        app.register_blueprint(hooks.bp, url_prefix=prefix + "/_hooks")
    app.register_error_handler(HTTPException, _http_error)
    return app


def _http_error(exc: HTTPException) -> Response | HTTPException:
    """Answer API paths in their own JSON shapes; pages keep the default error page."""
    prefix = current_app.config["SANDBOX_URL_PREFIX"]
    if request.path.startswith(prefix + "/lwa/"):
        response = jsonify({"error": "invalid_request", "error_description": exc.description})
        response.headers["Cache-Control"] = "no-store"
    elif request.path.startswith(prefix + "/spapi/"):
        response = jsonify({"errors": [{"code": exc.name.replace(" ", ""), "message": exc.name}]})
    else:
        return exc
    response.status_code = exc.code or 500
    return response
