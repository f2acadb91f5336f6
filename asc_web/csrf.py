"""CSRF tokens for the forms the app writes by hand (button-only posts on store cards).

Flask-WTF (``extensions.csrf``) checks every unsafe request; its ``generate_csrf`` signs a
new token on each call of a request. ``reused_token`` hands out this session's token
signed within the last minute instead.

Kept pending `make bench` figure: signing a token costs about as much as the rest of a card
poll's template. A reused token is still a token Flask-WTF signed for this session's own
secret, so it is valid for this session only, and it expires at most a minute earlier than a
fresh one (``WTF_CSRF_TIME_LIMIT`` counts from the signing).
"""

from __future__ import annotations

import time

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

REUSE_SECONDS = 60
# Signed tokens by app and session secret: (signed at, token).
_signed: dict[tuple[int, str], tuple[float, str]] = {}


def reused_token() -> str:
    """``generate_csrf()``, reusing this session's token signed within ``REUSE_SECONDS``."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:
        return g.get(field)
    now = time.monotonic()
    app_id = id(current_app._get_current_object())
    secret = session.get(field)
    hit = _signed.get((app_id, secret)) if secret else None
    if hit is not None and now - hit[0] < REUSE_SECONDS:
        setattr(g, field, hit[1])
        return hit[1]
    token = generate_csrf()
    if len(_signed) > 1000:
        for key, (signed_at, _token) in list(_signed.items()):
            if now - signed_at >= REUSE_SECONDS:
                _signed.pop(key, None)
    _signed[(app_id, session[field])] = (now, token)
    return token
