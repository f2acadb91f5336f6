"""Configuration: defaults, then ``instance/config.py``, then ``ASC_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

# The seeded application of the embedded Seller Central sandbox. These are public,
# sandbox-only values; production mode requires real ones from the environment.
SANDBOX_APP = {
    "SPAPI_APP_ID": "amzn1.sp.solution.sandbox-asc-web-0001",
    "LWA_CLIENT_ID": "amzn1.application-oa2-client.sandboxascweb0001",
    "LWA_CLIENT_SECRET": "sandbox-client-secret",  # noqa: S105 - public sandbox credential
}

PRODUCTION_REQUIRED = ("SPAPI_APP_ID", "LWA_CLIENT_ID", "LWA_CLIENT_SECRET", "REDIRECT_URI")


class ConfigError(RuntimeError):
    """The configuration cannot start the app; the message names the setting."""


def defaults() -> dict:
    """Return the built-in defaults, before the instance file and the environment."""
    return {
        "AMAZON_MODE": "sandbox",
        "DATABASE_URL": None,
        "SECRET_KEY": None,
        "TOKEN_KEYS": None,
        "SPAPI_APP_ID": None,
        "LWA_CLIENT_ID": None,
        "LWA_CLIENT_SECRET": None,
        "REDIRECT_URI": None,
        "PUBLIC_URL": "http://127.0.0.1:{}".format(os.environ.get("PORT", "5000")),
        "SPAPI_DRAFT": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "HTTP_CONNECT_TIMEOUT": 5.0,
        "HTTP_READ_TIMEOUT": 20.0,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "SQLALCHEMY_RECORD_QUERIES": False,
    }


def read_or_create_secret(instance: Path, name: str, make) -> str:
    """Return the secret stored in ``instance/name``, creating it once with mode 0600."""
    path = instance / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(make())
    return path.read_text().strip()


def finish(config: dict, instance: Path) -> None:
    """Fill derived settings, generate missing secrets and check production settings."""
    mode = config["AMAZON_MODE"]
    if mode not in ("sandbox", "production"):
        raise ConfigError(f"ASC_AMAZON_MODE must be 'sandbox' or 'production', not {mode!r}.")
    production = mode == "production"
    if production:
        missing = [k for k in PRODUCTION_REQUIRED if not config.get(k)]
        missing += [k for k in ("SECRET_KEY", "TOKEN_KEYS") if not config.get(k)]
        if missing:
            names = ", ".join("ASC_" + k for k in missing)
            raise ConfigError(f"Production mode needs these settings: {names}.")
    else:
        for key, value in SANDBOX_APP.items():
            config[key] = config.get(key) or value
        public = str(config["PUBLIC_URL"]).rstrip("/")
        config["REDIRECT_URI"] = config.get("REDIRECT_URI") or f"{public}/amazon/callback"
        if config.get("SPAPI_DRAFT") is None:
            config["SPAPI_DRAFT"] = True
        instance.mkdir(parents=True, exist_ok=True)
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = read_or_create_secret(
                instance, "secret_key", lambda: secrets.token_urlsafe(48)
            )
        if not config.get("TOKEN_KEYS"):
            config["TOKEN_KEYS"] = read_or_create_secret(
                instance, "token_keys", lambda: Fernet.generate_key().decode()
            )
    config["SPAPI_DRAFT"] = bool(config.get("SPAPI_DRAFT"))
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        url = config.get("DATABASE_URL") or f"sqlite:///{instance / 'asc_web.sqlite3'}"
        config["SQLALCHEMY_DATABASE_URI"] = url
    config["RATELIMIT_STORAGE_URI"] = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if production:
        # Production is served over HTTPS (directly or behind a TLS proxy).
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["SESSION_COOKIE_NAME"] = "__Host-asc_session"
