"""Configuration: defaults, then ``instance/config.py``, then ``ASC_*`` environment variables."""

from __future__ import annotations

import os
import re
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
# A production secret key shorter than this is refused (sessions and CSRF tokens rest on it).
MIN_SECRET_KEY_LENGTH = 32
# ASC_CHECK_INTERVAL: "6h", "90m", "1h30m", "2d", "45s", or a plain number of seconds.
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
DURATION = re.compile(r"^(?:\s*\d+(?:\.\d+)?\s*[smhd])+\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAIL_SECURITY = ("starttls", "tls", "none")
TASK_QUEUE_SCHEMES = ("redis://", "rediss://", "unix://", "sqlite:///")


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
        # Longer request targets (path and query) get 414 before any view runs.
        "MAX_URL_LENGTH": 4096,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "SQLALCHEMY_RECORD_QUERIES": False,
        # A connection the database dropped (restart, failover) is replaced, not reused.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Sessions end after this long without a request, and this long after sign-in at most.
        "IDLE_TIMEOUT_MINUTES": 60,
        "ABSOLUTE_TIMEOUT_HOURS": 12,
        # Sign-in attempts: every POST counts per client address; failures count per account.
        "LOGIN_LIMIT_PER_IP": "20 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
        # Wrong current passwords on the Account page, per signed-in user.
        "PASSWORD_CHANGE_LIMIT": "10 per 15 minutes",
        "RATELIMIT_KEY_PREFIX": "asc_web",
        # If Redis stops answering, each process counts on its own instead of failing sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: none).
        "TRUSTED_PROXIES": 0,
        "LOG_LEVEL": "INFO",
        # Background work (asc_web/tasks): connections are checked this often; "off" leaves
        # checking to `flask connections check` (cron).
        "CHECK_INTERVAL": "6h",
        # How often each worker looks for due work (checks and reminders), in seconds.
        "CHECK_TICK_SECONDS": 60,
        # The task queue: unset is a SQLite file in the instance folder; redis://… for
        # several servers.
        "TASK_QUEUE_URL": None,
        "TASK_QUEUE_NAME": "asc-web",
        # Reminder emails: off until MAIL_SERVER and MAIL_SENDER are set.
        "MAIL_SERVER": None,
        "MAIL_PORT": None,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_SENDER": None,
        "MAIL_SECURITY": "starttls",
        "MAIL_TIMEOUT": 20.0,
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
        if not str(config["REDIRECT_URI"]).startswith("https://"):
            raise ConfigError(
                "ASC_REDIRECT_URI must be an https:// address: Amazon accepts only HTTPS "
                "redirect URIs in production."
            )
        if len(str(config["SECRET_KEY"])) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"ASC_SECRET_KEY is too short: production needs at least "
                f"{MIN_SECRET_KEY_LENGTH} random characters."
            )
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
    check_token_keys(config["TOKEN_KEYS"])
    config["CHECK_INTERVAL_SECONDS"] = parse_interval(config.get("CHECK_INTERVAL"))
    security = str(config.get("MAIL_SECURITY") or "starttls").lower()
    if security not in MAIL_SECURITY:
        raise ConfigError(
            f"ASC_MAIL_SECURITY must be one of {', '.join(MAIL_SECURITY)}, not {security!r}."
        )
    config["MAIL_SECURITY"] = security
    queue_url = str(config.get("TASK_QUEUE_URL") or "")
    if queue_url and not queue_url.startswith(TASK_QUEUE_SCHEMES):
        raise ConfigError(
            "ASC_TASK_QUEUE_URL must start with redis://, rediss://, unix:// or sqlite:///, "
            f"not {queue_url.split(':', 1)[0]!r}."
        )
    config["SPAPI_DRAFT"] = bool(config.get("SPAPI_DRAFT"))
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        url = config.get("DATABASE_URL") or f"sqlite:///{instance / 'asc_web.sqlite3'}"
        config["SQLALCHEMY_DATABASE_URI"] = url
    config["RATELIMIT_STORAGE_URI"] = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if production or str(config.get("PUBLIC_URL") or "").startswith("https://"):
        # Production is served over HTTPS (directly or behind a TLS proxy), and so is any
        # install whose public address is https: cookies never travel over plain HTTP.
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        # ``__Host-``: the browser only accepts the cookie from this exact host, over HTTPS,
        # for the whole site (no Domain attribute), so a sibling subdomain cannot plant one.
        config["SESSION_COOKIE_NAME"] = "__Host-asc_session"
        config["REMEMBER_COOKIE_NAME"] = "__Host-asc_remember"
        config["SESSION_COOKIE_PATH"] = config["REMEMBER_COOKIE_PATH"] = "/"
        config["SESSION_COOKIE_DOMAIN"] = config["REMEMBER_COOKIE_DOMAIN"] = None


def check_token_keys(keys) -> None:
    """Refuse ``ASC_TOKEN_KEYS`` unless it holds one or more valid Fernet keys."""
    parts = [k.strip() for k in str(keys or "").split(",") if k.strip()]
    if not parts:
        raise ConfigError("ASC_TOKEN_KEYS holds no key.")
    for number, key in enumerate(parts, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError(
                f"ASC_TOKEN_KEYS key number {number} is not a valid Fernet key (32 url-safe "
                "base64-encoded bytes); make one with `flask --app asc_web keys generate`."
            ) from None


def parse_interval(value) -> float | None:
    """Seconds between scheduled checks from ``ASC_CHECK_INTERVAL``; None when "off"."""
    text = str(value if value is not None else "").strip().lower()
    if text in ("off", "none", "0", "false", ""):
        return None
    try:
        seconds = float(text)
    except ValueError:
        if not DURATION.match(text):
            raise ConfigError(
                f"ASC_CHECK_INTERVAL must be a duration such as 6h, 90m, 1h30m or 2d (or a "
                f"number of seconds, or off), not {value!r}."
            ) from None
        seconds = sum(float(n) * UNIT_SECONDS[u] for n, u in DURATION_PART.findall(text))
    if seconds < 1:
        raise ConfigError("ASC_CHECK_INTERVAL must be at least one second (or off).")
    return seconds
