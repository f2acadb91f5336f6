"""Logging that never carries secrets: query values of OAuth parameters are redacted."""

from __future__ import annotations

import logging
import re
import sys

SECRET_PARAMS = re.compile(
    r"(?P<name>state|spapi_oauth_code|code|refresh_token|access_token|client_secret|password"
    r"|csrf_token|otp|(?:__Host-)?asc_session|(?:__Host-)?asc_remember|session|remember_token"
    r"|sandbox_session)=(?P<value>[^&\s\"';,]+)",
    re.IGNORECASE,
)
TOKEN_SHAPES = re.compile(r"Atz[ar]\|[A-Za-z0-9_\-|.=]+")
# Loggers that print request lines (dev server, gunicorn) and so may see a callback URL.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "urllib3.connectionpool")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def redact(text: str) -> str:
    """Replace OAuth secrets in ``text`` (query values, cookie values, LWA token shapes)."""
    text = SECRET_PARAMS.sub(lambda m: f"{m.group('name')}=[redacted]", text)
    return TOKEN_SHAPES.sub("[redacted-token]", text)


class RedactSecrets(logging.Filter):
    """Rewrite a record's message with secrets redacted (never drops the record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redacted, so handlers print no secret."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(level: str | int | None = None) -> None:
    """Attach the filter to the request loggers, and give the app's loggers a handler.

    Without a handler configured by the host (gunicorn, a logging config, pytest), the
    app's INFO records, such as the sign-in events, would be dropped: they go to standard
    error then, redacted. Idempotent.
    """
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
    app_logger = logging.getLogger("asc_web")
    if not logging.getLogger().handlers and not app_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.addFilter(RedactSecrets())
        app_logger.addHandler(handler)
        app_logger.setLevel(level or logging.INFO)
