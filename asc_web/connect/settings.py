"""The Amazon client objects for the current app's configuration."""

from __future__ import annotations

from flask import current_app

from ..amazon.endpoints import Endpoints
from ..amazon.http import Timeouts
from ..amazon.lwa import LwaClient
from ..crypto import TokenVault


def endpoints() -> Endpoints:
    """Amazon's hosts in production; the embedded sandbox (over HTTP) otherwise."""
    config = current_app.config
    if config["AMAZON_MODE"] == "production":
        return Endpoints()
    base = config.get("SANDBOX_URL") or str(config["PUBLIC_URL"]).rstrip("/") + "/sandbox"
    return Endpoints(sandbox_base=base.rstrip("/"))


def timeouts() -> Timeouts:
    """Explicit connect and read timeouts for every Amazon call."""
    config = current_app.config
    return Timeouts(float(config["HTTP_CONNECT_TIMEOUT"]), float(config["HTTP_READ_TIMEOUT"]))


def lwa_client() -> LwaClient:
    """The app's LWA credentials and token endpoint."""
    config = current_app.config
    return LwaClient(
        client_id=config["LWA_CLIENT_ID"],
        client_secret=config["LWA_CLIENT_SECRET"],
        token_url=endpoints().token_url,
        timeouts=timeouts(),
    )


def vault() -> TokenVault:
    """Encryption for tokens at rest, from ``ASC_TOKEN_KEYS``."""
    return TokenVault(current_app.config["TOKEN_KEYS"])


def redirect_uri() -> str:
    """The fixed, registered redirect URI (never derived from request headers)."""
    return current_app.config["REDIRECT_URI"]
