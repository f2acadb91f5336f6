"""Security events (sign-in, sign-out, password and account changes) in one log format.

Each line names the event, the user (id and email when known), the client address and the
time in UTC, and never a password, token or cookie.
"""

from __future__ import annotations

import logging

from flask import has_request_context, request

from .. import clock

log = logging.getLogger("asc_web.auth.events")
TITLES = {
    "sign-in.ok": "Sign-in",
    "sign-in.refused": "Sign-in refused",
    "sign-in.throttled": "Sign-in refused by the rate limit",
    "sign-out": "Sign-out",
    "session.expired": "Session expired",
    "setup.first-admin": "First admin created",
    "password.changed": "Password changed",
    "password.change-refused": "Password change refused",
    "password.throttled": "Password change refused by the rate limit",
    "user.created": "User created",
    "user.disabled": "User disabled",
    "user.enabled": "User enabled",
}


def record(event: str, user=None, *, user_id: int | None = None, **details) -> None:
    """Log ``event`` (such as ``sign-in.ok``) for ``user`` with the request's address."""
    if user is not None:
        who = f"user={user.id} email={user.email}"
    elif user_id is not None:
        who = f"user={user_id}"
    else:
        who = "user=unknown"
    ip = request.remote_addr if has_request_context() else "cli"
    extra = "".join(f" {key}={value}" for key, value in sorted(details.items()))
    log.info(
        "%s: event=%s %s ip=%s at=%s%s",
        TITLES.get(event, event),
        event,
        who,
        ip,
        clock.utcnow().isoformat(timespec="seconds"),
        extra,
    )
