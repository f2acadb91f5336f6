"""Checking connections: refresh the access token, ask the Sellers API, record the result."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import InvalidToken
from flask import current_app
from sqlalchemy import or_, select, update

from .. import clock
from ..amazon import lwa, sellers
from ..amazon.errors import AmazonError, merchant_message
from ..extensions import db
from ..models import Connection, StoreActivity
from . import services, settings

log = logging.getLogger(__name__)

# Refresh the cached access token this long before Amazon says it expires.
ACCESS_TOKEN_MARGIN = timedelta(minutes=5)
REVOKED_MESSAGE = (
    "Amazon reports that the authorization was revoked or has expired — reconnect the store."
)


@dataclass(frozen=True)
class CheckResult:
    """How one check ended: ``ok``, ``revoked``, ``communication_error`` or ``error``."""

    store_id: int
    result: str
    message: str = ""
    retries: int = 0


def access_token(conn: Connection, now: datetime) -> str:
    """A valid access token: the cached one, or a fresh one from LWA (then cached)."""
    vault = settings.vault()
    expires = conn.access_token_expires_at
    if conn.access_token_encrypted and expires and expires - ACCESS_TOKEN_MARGIN > now:
        try:
            return vault.decrypt(conn.store_id, conn.access_token_encrypted)
        except InvalidToken:
            log.warning("Cached access token of store %s unreadable; refreshing", conn.store_id)
    refresh_token = vault.decrypt(conn.store_id, conn.refresh_token_encrypted)
    tokens = lwa.refresh(settings.lwa_client(), refresh_token)
    conn.access_token_encrypted = vault.encrypt(conn.store_id, tokens.access_token)
    conn.access_token_expires_at = now + timedelta(seconds=tokens.expires_in)
    return tokens.access_token


def with_retries(call, attempts: int | None = None):
    """Run ``call()``; retry transient Amazon failures with exponential backoff and jitter."""
    attempts = attempts or int(current_app.config.get("CHECK_ATTEMPTS", 4))
    base = float(current_app.config.get("CHECK_BACKOFF_SECONDS", 0.5))
    for attempt in range(1, attempts + 1):
        try:
            return call(), attempt - 1
        except AmazonError as error:
            if not error.transient or attempt == attempts:
                error.retries = attempt - 1
                raise
            # Full jitter: spreads retries of many servers hitting Amazon at once.
            time.sleep(random.uniform(0, base * 2 ** (attempt - 1)))  # noqa: S311
    raise AssertionError("unreachable")  # pragma: no cover


def check(conn: Connection, user_id: int | None = None) -> CheckResult:
    """Check one connection now and record the outcome on it; the caller commits."""
    now = clock.utcnow()
    retries = 0
    try:
        token, retries = with_retries(lambda: access_token(conn, now))
        region_url = settings.endpoints().spapi(conn.region)
        participations, more = with_retries(
            lambda: sellers.marketplace_participations(region_url, token, settings.timeouts())
        )
        retries += more
    except AmazonError as error:
        services.record_error(conn.store_id, error)
        result = _failed(conn, error, now)
        _log_activity(conn, user_id, result)
        return result
    except InvalidToken:
        conn.last_checked_at, conn.last_check_ok = now, False
        conn.last_check_message = "The stored token cannot be read with the current keys."
        return CheckResult(conn.store_id, "error", conn.last_check_message, retries)
    mine = next((p for p in participations if p.marketplace_id == conn.marketplace_id), None)
    conn.last_checked_at = now
    conn.last_check_ok = bool(mine and mine.is_participating)
    conn.last_check_message = (
        None
        if conn.last_check_ok
        else ("The seller no longer participates in this marketplace on Amazon.")
    )
    result = CheckResult(
        conn.store_id, "ok" if conn.last_check_ok else "error",
        conn.last_check_message or "", retries,
    )  # fmt: skip
    _log_activity(conn, user_id, result)
    return result


def _failed(conn: Connection, error: AmazonError, now: datetime) -> CheckResult:
    """Record a failed check: revocation changes the status, transient failures do not."""
    retries = getattr(error, "retries", 0)
    conn.last_checked_at = now
    conn.last_check_ok = False
    if error.authorization:
        conn.revoked_at = now
        conn.last_check_message = REVOKED_MESSAGE
        conn.access_token_encrypted = None
        return CheckResult(conn.store_id, "revoked", REVOKED_MESSAGE, retries)
    conn.last_check_message = merchant_message(error)
    kind = "communication_error" if error.transient else "error"
    return CheckResult(conn.store_id, kind, conn.last_check_message, retries)


def _log_activity(conn: Connection, user_id: int | None, result: CheckResult) -> None:
    """Put the check on the store's activity list."""
    words = {
        "ok": "Connection checked: Amazon answered normally.",
        "revoked": "Connection check: " + REVOKED_MESSAGE,
    }
    detail = words.get(result.result) or f"Connection check failed: {result.message}"
    db.session.add(
        StoreActivity(store_id=conn.store_id, user_id=user_id, action="checked", detail=detail)
    )


def claim(connection_id: int, lease: timedelta) -> bool:
    """Take this run's lease on a connection; False if another run holds it."""
    now = clock.utcnow()
    result = db.session.execute(
        update(Connection)
        .where(
            Connection.id == connection_id,
            or_(Connection.check_claimed_until.is_(None), Connection.check_claimed_until < now),
        )
        .values(check_claimed_until=now + lease)
    )
    return result.rowcount == 1


def check_all(lease: timedelta) -> list[CheckResult]:
    """Check every connection not leased by another run; each claim commits on its own."""
    ids = db.session.scalars(select(Connection.id).order_by(Connection.id)).all()
    db.session.commit()
    results = []
    for connection_id in ids:
        if not claim(connection_id, lease):
            db.session.rollback()
            continue
        db.session.commit()  # the claim is visible to other servers before Amazon is called
        conn = db.session.get(Connection, connection_id)
        if conn is None:
            continue
        results.append(check(conn))
        db.session.commit()
    return results
