"""Configuration: defaults, then ``instance/config.py``, then ``ASC_*`` environment variables."""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat
from pathlib import Path

from cryptography.fernet import Fernet

# The seeded application of the embedded Seller Central sandbox. These are public,
# sandbox-only values; production mode requires real ones from the environment.
SANDBOX_APP = {
    "SPAPI_APP_ID": "amzn1.sp.solution.sandbox-asc-web-0001",
    "LWA_CLIENT_ID": "amzn1.application-oa2-client.sandboxascweb0001",
    "LWA_CLIENT_SECRET": "sandbox-client-secret",  # noqa: S105 - public sandbox credential
}

log = logging.getLogger(__name__)

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
        # Sign-in attempts: every POST counts per client address; failures count per account
        # and address (a stranger cannot lock the owner out), and, more loosely, per account
        # from anywhere (ASVS: at most 100 failures an hour against one account).
        "LOGIN_LIMIT_PER_IP": "20 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": "10 per 15 minutes",
        "LOGIN_LIMIT_PER_ACCOUNT": "100 per hour",
        # Wrong current passwords on the Account page, per signed-in user.
        "PASSWORD_CHANGE_LIMIT": "10 per 15 minutes",
        "RATELIMIT_KEY_PREFIX": "asc_web",
        # If Redis stops answering, each process counts on its own instead of failing sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Every limit is checked, so Retry-After can name the longest wait of those breached.
        "RATELIMIT_FAIL_ON_FIRST_BREACH": False,
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: none).
        "TRUSTED_PROXIES": 0,
        # Whether those proxies set X-Forwarded-Host (else the Host header is the host).
        "TRUST_FORWARDED_HOST": False,
        # Host names served (comma-separated; ".example.com" allows its subdomains): any
        # other Host header gets a 400. None serves any host.
        "TRUSTED_HOSTS": None,
        # Whether the app offers `flask db …` (migrations); wsgi.py turns it off for servers.
        "DB_COMMANDS": True,
        "LOG_LEVEL": "INFO",
        # ``text`` (one line per record) or ``json`` (one JSON object per line).
        "LOG_FORMAT": "text",
        # Background work (asc_web/tasks): connections are checked this often; "off" leaves
        # checking to `flask connections check` (cron).
        "CHECK_INTERVAL": "6h",
        # Each connected store's Amazon data (sales, orders, listings) is synced this often
        # once its first import is done; "off" leaves syncing to `flask sync run` (cron).
        "SYNC_INTERVAL": "15m",
        # How often each worker looks for due work (checks, syncs, reminders), in seconds.
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
        # History (activity, communication errors, finished connect attempts) older than
        # this many days is pruned daily ("off": kept forever); each store's last
        # HISTORY_KEEP_PER_STORE entries of each kind are always kept.
        "HISTORY_RETENTION_DAYS": 365,
        "HISTORY_KEEP_PER_STORE": 50,
    }


def private_folder(path: Path) -> None:
    """Create ``path`` if needed and make it the service account's alone (0700).

    It holds the database, generated secrets and backups' neighbours: never world-readable,
    whatever the umask or an older version left.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        try:
            path.chmod(0o700)
        except PermissionError:
            log.warning("The instance folder %s is not ours: make it mode 0700 yourself.", path)


def private_file(path: Path) -> None:
    """Make ``path`` readable by the service account only (0600), if it is not already."""
    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        try:
            path.chmod(0o600)
        except PermissionError:
            log.warning("The file %s is not ours: make it mode 0600 yourself.", path)


def read_or_create_secret(instance: Path, name: str, make) -> str:
    """Return the secret stored in ``instance/name``, creating it once with mode 0600."""
    path = instance / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        private_file(path)
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
    # Sandbox mode writes generated secrets there, and the default database lives there.
    default_database = not (config.get("SQLALCHEMY_DATABASE_URI") or config.get("DATABASE_URL"))
    if not production or default_database or instance.exists():
        private_folder(instance)
    if config.get("LOG_FORMAT") not in ("text", "json"):
        raise ConfigError(f"ASC_LOG_FORMAT must be 'text' or 'json', not {config['LOG_FORMAT']!r}.")
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
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = read_or_create_secret(
                instance, "secret_key", lambda: secrets.token_urlsafe(48)
            )
        if not config.get("TOKEN_KEYS"):
            config["TOKEN_KEYS"] = read_or_create_secret(
                instance, "token_keys", lambda: Fernet.generate_key().decode()
            )
            # `keys add` and `keys rotate` write new keys there (asc_web/maintenance/keys.py).
            config["TOKEN_KEYS_FILE"] = str(instance / "token_keys")
    check_token_keys(config["TOKEN_KEYS"])
    config["CHECK_INTERVAL_SECONDS"] = parse_interval(config.get("CHECK_INTERVAL"))
    config["SYNC_INTERVAL_SECONDS"] = parse_interval(
        config.get("SYNC_INTERVAL"), "ASC_SYNC_INTERVAL"
    )
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
    retention = str(config.get("HISTORY_RETENTION_DAYS")).strip().lower()
    config["HISTORY_RETENTION_DAYS"] = (
        None
        if retention in ("off", "none")
        else whole_number(config, "HISTORY_RETENTION_DAYS", 1, " (or off)")
    )
    config["HISTORY_KEEP_PER_STORE"] = whole_number(config, "HISTORY_KEEP_PER_STORE", 0)
    config["SPAPI_DRAFT"] = bool(config.get("SPAPI_DRAFT"))
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        url = config.get("DATABASE_URL") or f"sqlite:///{instance / 'asc_web.sqlite3'}"
        config["SQLALCHEMY_DATABASE_URI"] = url
    config["RATELIMIT_STORAGE_URI"] = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    config["TRUSTED_HOSTS"] = host_list(config.get("TRUSTED_HOSTS"))
    config["TRUST_FORWARDED_HOST"] = as_bool(config.get("TRUST_FORWARDED_HOST"))
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


def whole_number(config: dict, key: str, minimum: int, other: str = "") -> int:
    """``config[key]`` as a whole number of at least ``minimum``, or a ConfigError naming it."""
    try:
        number = int(str(config.get(key)).strip())
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ConfigError(
            f"ASC_{key} must be a whole number of at least {minimum}{other}, "
            f"not {config.get(key)!r}."
        )
    return number


def host_list(value) -> list[str] | None:
    """``ASC_TRUSTED_HOSTS`` as Flask's list: comma-separated text or a list; None if empty."""
    if isinstance(value, str):
        value = value.split(",")
    hosts = [str(host).strip().lower() for host in value or () if str(host).strip()]
    return hosts or None


def as_bool(value) -> bool:
    """A yes/no setting given as a bool or as text (``true``, ``1``, ``yes``, ``on``)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def warn_if_risky(config) -> None:
    """Log loudly what production should not run with (it still starts)."""
    if config["AMAZON_MODE"] != "production" or not config.get("RATELIMIT_ENABLED", True):
        return
    storage = str(config["RATELIMIT_STORAGE_URI"])
    if storage.startswith("memory://"):
        log.warning(
            "RATE LIMITS ARE KEPT IN THIS PROCESS'S MEMORY (ASC_RATELIMIT_STORAGE_URI=%s): "
            "every worker and server counts sign-in attempts alone, so each limit is that many "
            "times looser. Set ASC_RATELIMIT_STORAGE_URI=redis://HOST:6379/0 (README, Serving "
            "in production).",
            storage,
        )


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


def parse_interval(value, name: str = "ASC_CHECK_INTERVAL") -> float | None:
    """Seconds between scheduled runs from a setting such as ``ASC_CHECK_INTERVAL``; None
    when "off"."""
    text = str(value if value is not None else "").strip().lower()
    if text in ("off", "none", "0", "false", ""):
        return None
    try:
        seconds = float(text)
    except ValueError:
        if not DURATION.match(text):
            raise ConfigError(
                f"{name} must be a duration such as 6h, 90m, 1h30m or 2d (or a "
                f"number of seconds, or off), not {value!r}."
            ) from None
        seconds = sum(float(n) * UNIT_SECONDS[u] for n, u in DURATION_PART.findall(text))
    if seconds < 1:
        raise ConfigError(f"{name} must be at least one second (or off).")
    return seconds
