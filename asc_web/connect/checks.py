"""Checking authorizations: one token refresh and one Sellers call each, results per store."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import InvalidToken
from flask import current_app
from sqlalchemy import or_, select, update

from .. import clock
from ..amazon import lwa, sellers
from ..amazon.errors import AmazonError, merchant_message
from ..extensions import db
from ..models import Authorization, Store
from ..stores.services import record_activity
from . import authorizations, services, settings

log = logging.getLogger(__name__)

# Refresh the cached access token this long before Amazon says it expires.
ACCESS_TOKEN_MARGIN = timedelta(minutes=5)
REVOKED_MESSAGE = (
    "Amazon reports that the authorization was revoked or has expired — reconnect the store."
)
NOT_PARTICIPATING = "The seller no longer participates in this marketplace on Amazon."
UNREADABLE = "The stored token cannot be read with the current keys."
THROTTLED = (
    "Amazon asked ASC Web to slow down (too many requests for this seller). Nothing was "
    "changed; the check runs again shortly."
)
# A last check this far after "now" means the clock was moved back (the sandbox's clock).
CLOCK_MOVED_BACK = timedelta(minutes=5)
# Amazon's documented rate for getMarketplaceParticipations, when it sends no header.
DEFAULT_SELLERS_RATE = 0.016


@dataclass(frozen=True)
class CheckResult:
    """How one store's check ended: ``ok``, ``revoked``, ``communication_error`` or ``error``."""

    store_id: int
    result: str
    message: str = ""
    retries: int = 0


class Throttled(Exception):
    """Amazon answered 429 for this authorization: try again after ``wait`` seconds."""

    def __init__(self, wait: float):
        super().__init__(f"throttled for {wait:.1f}s")
        self.wait = wait


def access_token(authorization: Authorization, now: datetime, fresh: bool = False) -> str:
    """A valid access token: the cached one (unless ``fresh``), or a new one from LWA."""
    vault = settings.vault()
    owner = authorization.vault_owner
    if not fresh and has_cached_token(authorization, now):
        try:
            return vault.decrypt(owner, authorization.access_token_encrypted)
        except InvalidToken:
            log.warning("Cached access token of authorization %s unreadable; refreshing",
                        authorization.id)  # fmt: skip
    refresh_token = vault.decrypt(owner, authorization.refresh_token_encrypted or "")
    tokens = lwa.refresh(settings.lwa_client(), refresh_token)
    authorization.access_token_encrypted = vault.encrypt(owner, tokens.access_token)
    authorization.access_token_expires_at = now + timedelta(seconds=tokens.expires_in)
    return tokens.access_token


def has_cached_token(authorization: Authorization, now: datetime) -> bool:
    """Whether a cached access token is there and not about to expire."""
    expires = authorization.access_token_expires_at
    return bool(
        authorization.access_token_encrypted and expires and expires - ACCESS_TOKEN_MARGIN > now
    )


def with_retries(call, attempts: int | None = None):
    """Run ``call()``; retry transient Amazon failures with exponential backoff and jitter.

    Throttling is not retried here: it raises ``Throttled`` with Amazon's own wait.
    """
    attempts = attempts or int(current_app.config.get("CHECK_ATTEMPTS", 4))
    base = float(current_app.config.get("CHECK_BACKOFF_SECONDS", 0.5))
    for attempt in range(1, attempts + 1):
        try:
            return call(), attempt - 1
        except AmazonError as error:
            if error.status == 429 or error.code in ("throttled", "QuotaExceeded"):
                raise Throttled(_wait_for(error)) from error
            if not error.transient or attempt == attempts:
                error.retries = attempt - 1
                raise
            # Full jitter: spreads retries of many servers hitting Amazon at once.
            time.sleep(random.uniform(0, base * 2 ** (attempt - 1)))  # noqa: S311
    raise AssertionError("unreachable")  # pragma: no cover


def _wait_for(error: AmazonError) -> float:
    """Seconds until Amazon's bucket holds one more request: 1 / x-amzn-RateLimit-Limit."""
    rate = error.rate_limit or DEFAULT_SELLERS_RATE
    return 1.0 / rate if rate > 0 else 60.0


def _participations(authorization: Authorization, now: datetime):
    """The Sellers answer; a 403 on a cached access token is retried once with a fresh one."""
    from_cache = has_cached_token(authorization, now)
    token, retries = with_retries(lambda: access_token(authorization, now))
    url = settings.endpoints().spapi(authorization.region)
    try:
        answer, more = with_retries(
            lambda: sellers.marketplace_participations(url, token, settings.timeouts())
        )
        return answer, retries + more
    except AmazonError as error:
        if error.code != "Unauthorized" or not from_cache:
            raise  # a 403 for a token LWA has just issued: the authorization is gone
    # Amazon refused the cached token (expired early, or its clock is ahead): only a
    # refusal of a fresh token means the authorization itself is gone.
    token, more = with_retries(lambda: access_token(authorization, now, fresh=True))
    answer, again = with_retries(
        lambda: sellers.marketplace_participations(url, token, settings.timeouts())
    )
    return answer, retries + more + again


def check(authorization: Authorization, user_id: int | None = None) -> list[CheckResult]:
    """Check one authorization now and record the outcome for each of its stores.

    Raises ``Throttled`` when Amazon asks to slow down (nothing recorded); the caller
    commits.
    """
    now = clock.utcnow()
    stores = authorizations.stores_of(authorization)
    try:
        participations, retries = _participations(authorization, now)
    except AmazonError as error:
        for store in stores:
            services.record_error(store.id, error)
        return _failed(authorization, stores, error, now, user_id)
    except InvalidToken:
        authorization.last_checked_at, authorization.last_check_ok = now, False
        authorization.last_check_message = UNREADABLE
        return [CheckResult(s.id, "error", UNREADABLE) for s in stores]
    authorizations.record_participations(authorization, participations, now)
    results = []
    for store in stores:
        mine = authorization.participation(store.marketplace.marketplace_id)
        ok = mine is not None and mine.is_participating
        result = CheckResult(store.id, "ok" if ok else "error", "" if ok else NOT_PARTICIPATING,
                             retries)  # fmt: skip
        _log_activity(store, user_id, result)
        results.append(result)
    if any(r.result != "ok" for r in results):
        authorization.last_check_ok = len(stores) == 0 or any(r.result == "ok" for r in results)
    return results


def _failed(
    authorization: Authorization,
    stores: list[Store],
    error: AmazonError,
    now: datetime,
    user_id: int | None,
) -> list[CheckResult]:
    """Record a failed check: revocation changes the status, transient failures do not."""
    retries = getattr(error, "retries", 0)
    authorization.last_checked_at = now
    authorization.last_check_ok = False
    if error.authorization:
        authorization.revoked_at = now
        authorization.last_check_message = REVOKED_MESSAGE
        authorization.access_token_encrypted = None
        kind, message = "revoked", REVOKED_MESSAGE
    else:
        message = authorization.last_check_message = merchant_message(error)
        kind = "communication_error" if error.transient else "error"
    results = [CheckResult(store.id, kind, message, retries) for store in stores]
    for store, result in zip(stores, results, strict=True):
        _log_activity(store, user_id, result)
    return results


def _log_activity(store: Store, user_id: int | None, result: CheckResult) -> None:
    """Put the check on the store's activity list."""
    words = {
        "ok": "Connection checked: Amazon answered normally.",
        # A record of what happened; the status line already says what to do about it.
        "revoked": "Connection check: Amazon refused the authorization (revoked or expired).",
    }
    detail = words.get(result.result) or f"Connection check failed: {result.message}"
    record_activity(store, user_id, "checked", detail)


def claim(authorization_id: int, lease: timedelta, stale_before: datetime | None = None) -> bool:
    """Take this run's lease on an authorization; False if another run holds it.

    With ``stale_before``, only an authorization last checked before then (or never, or
    "after now" because the clock was moved back) is taken: the lease and the freshness
    are tested in one conditional UPDATE, so of several workers only one checks it.
    """
    now = clock.utcnow()
    conditions = [
        Authorization.id == authorization_id,
        or_(
            Authorization.check_claimed_until.is_(None),
            Authorization.check_claimed_until < now,
        ),
    ]
    if stale_before is not None:
        conditions.append(_stale(stale_before, now))
    result = db.session.execute(
        update(Authorization).where(*conditions).values(check_claimed_until=now + lease)
    )
    return result.rowcount == 1


def _stale(stale_before: datetime, now: datetime):
    """Never checked, checked before ``stale_before``, or "checked" in the future (the
    clock was moved back).

    "The future" starts a margin after ``now``: a claim takes its ``now`` before it waits for
    the database, and meanwhile another worker may record a check a few milliseconds later
    (two workers once checked one authorization in the same interval that way).
    """
    return or_(
        Authorization.last_checked_at.is_(None),
        Authorization.last_checked_at <= stale_before,
        Authorization.last_checked_at > now + CLOCK_MOVED_BACK,
    )


def due_ids(interval: timedelta) -> list[int]:
    """Authorizations whose last check is older than ``interval``, skipping those that
    ended (revoked or expired: Amazon would only refuse them again)."""
    now = clock.utcnow()
    return list(
        db.session.scalars(
            select(Authorization.id)
            .where(
                Authorization.revoked_at.is_(None),
                Authorization.expires_at > now,
                _stale(now - interval, now),
            )
            .order_by(Authorization.id)
        )
    )


def check_all(
    lease: timedelta,
    sleep=time.sleep,
    *,
    due_interval: timedelta | None = None,
    on_progress: Callable[[int, list[CheckResult] | None], None] | None = None,
) -> list[CheckResult]:
    """Check every authorization not leased by another run; each claim commits on its own.

    With ``due_interval``, only those not checked within it (the scheduled checks).
    ``on_progress(authorization_id, results)`` is called after each authorization, with
    None for one another run holds. An authorization that Amazon throttles is checked
    again once Amazon's wait is over, within the lease: the run finishes later rather
    than giving up.
    """
    # Attempts that ran out of time unanswered get their Activity entry here.
    services.sweep_expired(clock.utcnow())
    if due_interval is None:
        ids = db.session.scalars(select(Authorization.id).order_by(Authorization.id)).all()
    else:
        ids = due_ids(due_interval)
    db.session.commit()
    results: list[CheckResult] = []
    deadline = time.monotonic() + lease.total_seconds()
    pending = [(0.0, authorization_id) for authorization_id in ids]
    claimed: set[int] = set()
    report = on_progress or (lambda _id, _results: None)
    while pending:
        pending.sort()
        ready_at, authorization_id = pending.pop(0)
        if ready_at > time.monotonic():
            sleep(ready_at - time.monotonic())
        if authorization_id not in claimed:
            stale_before = None
            if due_interval is not None:
                stale_before = clock.utcnow() - due_interval
            if not claim(authorization_id, lease, stale_before):
                db.session.rollback()
                report(authorization_id, None)
                continue
            db.session.commit()  # the claim is visible to other servers before Amazon is called
            claimed.add(authorization_id)
        authorization = db.session.get(Authorization, authorization_id)
        if authorization is None:
            report(authorization_id, None)
            continue
        try:
            mine = check(authorization)
        except Throttled as throttled:
            db.session.commit()  # keeps an access token refreshed before Amazon throttled
            retry_at = time.monotonic() + throttled.wait
            if retry_at < deadline:
                log.info("Authorization %s throttled; checking again in %.0f s",
                         authorization_id, throttled.wait)  # fmt: skip
                pending.append((retry_at, authorization_id))
                continue
            mine = _throttled_results(authorization)
        if due_interval is not None or _unreached(mine):
            # Fresh now: the freshness test keeps other workers away, and the next interval
            # may be shorter than the lease. A run that could not reach Amazon checked
            # nothing: the next run (cron, Check all) may try again at once.
            authorization.check_claimed_until = None
        db.session.commit()
        results.extend(mine)
        report(authorization_id, mine)
    return results


def _unreached(results: list[CheckResult]) -> bool:
    """Whether the check ended without an answer from Amazon (unreachable, timeouts, 5xx)."""
    return any(r.result == "communication_error" for r in results)


def _throttled_results(authorization: Authorization) -> list[CheckResult]:
    """Amazon kept throttling until the lease ran out: say so, change nothing."""
    return [
        CheckResult(store.id, "communication_error", THROTTLED)
        for store in authorizations.stores_of(authorization)
    ]
