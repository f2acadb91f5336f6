"""Logging that never carries secrets and cannot be forged.

Query and cookie values of OAuth parameters are redacted, and every value interpolated
into a log message (paths, headers, form values, Amazon's error texts) has its control
characters escaped, so a ``%0a`` in a request cannot start a fake line of its own.
"""

from __future__ import annotations

import json
import logging
import numbers
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime

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
# C0 and C1 controls, DEL, line and paragraph separators, bidi overrides and isolates:
# each could end a log line early or make one read as something else.
_CONTROLS = [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F)]
_CONTROLS += range(0x2066, 0x206A)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
ESCAPES = {
    code: _NAMED.get(chr(code)) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    for code in _CONTROLS
}


def escape(text: str) -> str:
    """``text`` with control characters written as escapes (``\\n``, ``\\x1b``, ``\\u2028``)."""
    return text.translate(ESCAPES)


def redact(text: str) -> str:
    """Replace OAuth secrets in ``text`` (query values, cookie values, LWA token shapes)."""
    text = SECRET_PARAMS.sub(lambda m: f"{m.group('name')}=[redacted]", text)
    return TOKEN_SHAPES.sub("[redacted-token]", text)


class _Escaped:
    """A log argument that prints (``%s`` or ``%r``) with its control characters escaped."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __str__(self) -> str:
        return escape(str(self.value))

    def __repr__(self) -> str:
        return escape(repr(self.value))


class _EscapedMapping(Mapping):
    """Mapping arguments (``%(name)s``, gunicorn's access log) with their values escaped."""

    def __init__(self, values: Mapping):
        self.values = values

    def __getitem__(self, key):
        return _clean(self.values[key])

    def __iter__(self):
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def _clean(value):
    """A log argument that cannot carry a control character into the message."""
    if isinstance(value, str):
        return escape(value)
    if value is None or isinstance(value, numbers.Number):
        return value  # numbers print no control character, and %d needs them as they are
    return _Escaped(value)


def clean_args(record: logging.LogRecord) -> logging.LogRecord:
    """Escape the record's arguments in place; the message itself is the developer's text."""
    if isinstance(record.args, Mapping):
        record.args = _EscapedMapping(record.args)
    elif record.args:
        record.args = tuple(_clean(arg) for arg in record.args)
    return record


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


class TextFormatter(logging.Formatter):
    """One line per record; a traceback's lines are indented, so none reads as a record."""

    def __init__(self):
        super().__init__(LOG_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        """The record, its continuation lines (traceback, stack) indented by four spaces."""
        return super().format(record).replace("\n", "\n    ")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line (newlines inside values are JSON escapes)."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def formatter(kind: str = "text") -> logging.Formatter:
    """The formatter for ``ASC_LOG_FORMAT`` (``text`` or ``json``)."""
    return JsonFormatter() if kind == "json" else TextFormatter()


def _install_record_factory() -> None:
    """Escape every record's arguments when it is made, whichever handler prints it.

    A filter would do only for records logged on the logger it is attached to, not those
    propagated from children (``asc_web.connect.services``…), nor for handlers the host set
    up (gunicorn's, pytest's): the record factory is the one place every record passes.
    """
    make = logging.getLogRecordFactory()
    if getattr(make, "asc_web_escapes", False):
        return

    def make_clean_record(*args, **kwargs):
        return clean_args(make(*args, **kwargs))

    make_clean_record.asc_web_escapes = True
    logging.setLogRecordFactory(make_clean_record)


def install(level: str | int | None = None, kind: str = "text") -> None:
    """Escape every record, redact the request loggers, give the app's loggers a handler.

    Without a handler configured by the host (gunicorn, a logging config, pytest), the
    app's INFO records, such as the sign-in events, would be dropped: they go to standard
    error then, redacted, in ``kind`` (``text`` or ``json``). Idempotent.
    """
    _install_record_factory()
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
    app_logger = logging.getLogger("asc_web")
    if not logging.getLogger().handlers and not app_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(formatter(kind))
        handler.addFilter(RedactSecrets())
        app_logger.addHandler(handler)
        app_logger.setLevel(level or logging.INFO)
