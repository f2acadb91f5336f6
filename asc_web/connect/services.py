"""Connect operations: start an attempt, consume its callback once, store the connection."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..amazon import lwa, sellers
from ..amazon.errors import AmazonError, merchant_message
from ..amazon.marketplaces import MARKETPLACES, Marketplace, by_marketplace_id
from ..extensions import db
from ..models import AuthorizationAttempt, CommunicationError, Connection, Store, StoreActivity
from ..models.status import AUTHORIZATION_LIFETIME
from . import settings

log = logging.getLogger(__name__)

ATTEMPT_LIFETIME = timedelta(minutes=10)
MAX_OPEN_ATTEMPTS_PER_USER = 5
EXPIRED_LINK = (
    "This connection link has expired or was already used — start again from the store card."
)
UNEXPECTED_FAILURE = (
    "Something went wrong on our side while connecting; nothing was saved. "
    "Try Connect store again, and tell your administrator if it happens again."
)


class ConnectRefused(Exception):
    """Starting a connection was refused; the message is for the merchant."""


@dataclass(frozen=True)
class Outcome:
    """How a callback ended, for the callback page and the live card."""

    ok: bool
    message: str
    error: AmazonError | None = None


def digest(value: str) -> str:
    """SHA-256 hex digest: states and session nonces are stored only this way."""
    return hashlib.sha256(value.encode()).hexdigest()


def start(store: Store, user_id: int, session_nonce: str, now: datetime) -> tuple[int, str]:
    """Open an attempt for ``store``; return its id and the Seller Central consent URL."""
    open_count = db.session.scalar(
        select(func.count(AuthorizationAttempt.id)).where(
            AuthorizationAttempt.user_id == user_id,
            AuthorizationAttempt.consumed_at.is_(None),
            AuthorizationAttempt.expires_at > now,
            AuthorizationAttempt.store_id != store.id,
        )
    )
    if open_count >= MAX_OPEN_ATTEMPTS_PER_USER:
        raise ConnectRefused(
            "You already have several connections waiting for Amazon. Finish them in their "
            "Seller Central tabs, or wait ten minutes, then try again."
        )
    _close_open_attempts(store.id, now, "superseded")
    state = secrets.token_urlsafe(32)  # 256 bits
    marketplace = store.marketplace
    attempt = AuthorizationAttempt(
        state_hash=digest(state),
        store_id=store.id,
        user_id=user_id,
        region=marketplace.region,
        session_hash=digest(session_nonce),
        purpose="renew" if store.connection is not None else "connect",
        created_at=now,
        expires_at=now + ATTEMPT_LIFETIME,
    )
    db.session.add(attempt)
    db.session.flush()
    url = settings.endpoints().consent_url(
        marketplace,
        app_id=current_app.config["SPAPI_APP_ID"],
        state=state,
        redirect_uri=settings.redirect_uri(),
        draft=current_app.config["SPAPI_DRAFT"],
    )
    log.info("Connect attempt %s opened for store %s by user %s", attempt.id, store.id, user_id)
    return attempt.id, url


def cancel(store_id: int, now: datetime) -> None:
    """Abandon the store's open attempts (the merchant closed Seller Central)."""
    _close_open_attempts(store_id, now, "cancelled")


def _close_open_attempts(store_id: int, now: datetime, outcome: str) -> None:
    """Mark every unconsumed attempt of the store as used up."""
    db.session.execute(
        update(AuthorizationAttempt)
        .where(
            AuthorizationAttempt.store_id == store_id,
            AuthorizationAttempt.consumed_at.is_(None),
        )
        .values(consumed_at=now, outcome=outcome)
    )


def consume(state: str, user_id: int, session_nonce: str, now: datetime) -> int | None:
    """Claim the attempt for ``state`` exactly once; ``None`` if it cannot be used."""
    if not state or not session_nonce or len(state) > 200:
        return None
    state_hash = digest(state)
    result = db.session.execute(
        update(AuthorizationAttempt)
        .where(
            AuthorizationAttempt.state_hash == state_hash,
            AuthorizationAttempt.consumed_at.is_(None),
            AuthorizationAttempt.expires_at > now,
            AuthorizationAttempt.user_id == user_id,
            AuthorizationAttempt.session_hash == digest(session_nonce),
        )
        .values(consumed_at=now, outcome="processing")
    )
    if result.rowcount != 1:
        return None
    return db.session.scalar(
        select(AuthorizationAttempt.id).where(AuthorizationAttempt.state_hash == state_hash)
    )


@dataclass(frozen=True)
class Context:
    """What a callback needs to know about its attempt, read before Amazon is called."""

    attempt_id: int
    store_id: int
    store_name: str
    marketplace_code: str
    region: str
    connected_seller: str | None


def context(attempt_id: int) -> Context:
    """Read the attempt's store facts into plain values."""
    attempt = db.session.get(AuthorizationAttempt, attempt_id)
    store = db.session.get(Store, attempt.store_id)
    return Context(
        attempt_id=attempt.id,
        store_id=store.id,
        store_name=store.name,
        marketplace_code=store.marketplace_code,
        region=attempt.region,
        connected_seller=store.connection.selling_partner_id if store.connection else None,
    )


@dataclass(frozen=True)
class Authorization:
    """What Amazon granted: tokens and the confirmed marketplace participation."""

    selling_partner_id: str
    tokens: lwa.Tokens
    participation: sellers.Participation
    # Codes of the other marketplaces of the region the seller participates in.
    others: tuple[str, ...] = ()


def authorize(ctx: Context, selling_partner_id: str, code: str) -> Authorization | Outcome:
    """Talk to Amazon (no database work here): exchange the code, confirm the marketplace.

    Returns an ``Outcome`` for a refusal; raises ``AmazonError`` for Amazon's failures.
    """
    marketplace = MARKETPLACES[ctx.marketplace_code]
    if not selling_partner_id or not code:
        return Outcome(False, EXPIRED_LINK)
    if ctx.connected_seller is not None and ctx.connected_seller != selling_partner_id:
        return Outcome(False, _other_seller_message(ctx, selling_partner_id))
    tokens = lwa.exchange_code(settings.lwa_client(), code, settings.redirect_uri())
    try:
        participations = sellers.marketplace_participations(
            settings.endpoints().spapi(ctx.region), tokens.access_token, settings.timeouts()
        )
    except AmazonError as error:
        if error.code != "Unauthorized":
            raise
        return Outcome(False, _region_message(marketplace), error)
    match = next(
        (p for p in participations if p.marketplace_id == marketplace.marketplace_id), None
    )
    if match is None or not match.is_participating:
        return Outcome(
            False,
            f"The Seller Central account you signed in with does not sell in "
            f"{marketplace.country}, so “{ctx.store_name}” was not connected. Sign in with "
            f"the account that sells in {marketplace.country}.",
        )
    others = tuple(
        other.code
        for p in participations
        if p.is_participating
        and (other := by_marketplace_id(p.marketplace_id)) is not None
        and other.region == marketplace.region
        and other.code != marketplace.code
    )
    return Authorization(selling_partner_id, tokens, match, others)


def finish(ctx: Context, result: Authorization | Outcome, user_id: int, now: datetime) -> Outcome:
    """Store the connection (or the refusal) and close the attempt; the caller commits."""
    outcome = result if isinstance(result, Outcome) else _save(ctx, result, user_id, now)
    if outcome.error is not None:
        record_error(ctx.store_id, outcome.error)
    attempt = db.session.get(AuthorizationAttempt, ctx.attempt_id)
    attempt.outcome = "connected" if outcome.ok else "failed"
    attempt.message = outcome.message
    if outcome.ok and isinstance(result, Authorization) and result.others:
        attempt.more_marketplaces = ",".join(result.others)
    return outcome


def abandon(attempt_id: int) -> None:
    """Close an attempt whose callback failed on our side, so the store is not left waiting."""
    attempt = db.session.get(AuthorizationAttempt, attempt_id)
    if attempt is not None and attempt.outcome in (None, "processing"):
        attempt.outcome = "failed"
        attempt.message = UNEXPECTED_FAILURE


def failed(error: AmazonError) -> Outcome:
    """The outcome for an Amazon failure, in the merchant's words."""
    return Outcome(False, merchant_message(error), error)


def _save(ctx: Context, auth: Authorization, user_id: int, now: datetime) -> Outcome:
    """Write the connection, re-checking the guards inside the write transaction."""
    store = db.session.get(Store, ctx.store_id)
    if store is None:
        return Outcome(False, EXPIRED_LINK)
    marketplace = store.marketplace
    existing = store.connection
    spid = auth.selling_partner_id
    if existing is not None and existing.selling_partner_id != spid:
        return Outcome(False, _other_seller_message(ctx, spid))
    clash = _connected_elsewhere(store, spid, marketplace.marketplace_id)
    if clash is not None:
        return Outcome(False, _clash_message(clash, marketplace.country))
    vault = settings.vault()
    conn = existing or Connection(store_id=store.id)
    conn.selling_partner_id = spid
    conn.marketplace_id = marketplace.marketplace_id
    conn.region = ctx.region
    conn.marketplace_name = auth.participation.name
    conn.amazon_store_name = auth.participation.store_name
    conn.refresh_token_encrypted = vault.encrypt(store.id, auth.tokens.refresh_token)
    conn.access_token_encrypted = vault.encrypt(store.id, auth.tokens.access_token)
    conn.access_token_expires_at = now + timedelta(seconds=auth.tokens.expires_in)
    conn.authorized_at = now
    conn.expires_at = now + AUTHORIZATION_LIFETIME
    conn.revoked_at = None
    conn.last_checked_at = now
    conn.last_check_ok = True
    conn.last_check_message = None
    try:
        # begin_nested() flushes pending objects first, so the new row is added inside
        # the SAVEPOINT: a unique clash then rolls back only this, not the transaction.
        with db.session.begin_nested():
            if existing is None:
                db.session.add(conn)
            db.session.flush()
    except IntegrityError:
        clash = _connected_elsewhere(store, spid, marketplace.marketplace_id)
        return Outcome(False, _clash_message(clash, marketplace.country) if clash else EXPIRED_LINK)
    until = conn.expires_at.strftime("%b %-d, %Y")
    action = "renewed" if existing is not None else "connected"
    db.session.add(
        StoreActivity(
            store_id=store.id,
            user_id=user_id,
            action=action,
            detail=f"Seller {spid} on {auth.participation.name}; authorized until {until}.",
        )
    )
    log.info("Store %s %s (seller %s)", store.id, action, spid)
    verb = "renewed its authorization" if existing is not None else "is connected"
    return Outcome(True, f"“{store.name}” {verb} with Amazon Seller Central until {until}.")


def _connected_elsewhere(store: Store, selling_partner_id: str, marketplace_id: str):
    """Another store already connected to this seller in this marketplace, if any."""
    return db.session.scalar(
        select(Store)
        .join(Connection, Connection.store_id == Store.id)
        .where(
            Connection.selling_partner_id == selling_partner_id,
            Connection.marketplace_id == marketplace_id,
            Store.id != store.id,
        )
    )


def _clash_message(other: Store, country: str) -> str:
    """This seller and marketplace belong to another store."""
    return (
        f"This Seller Central account is already connected to the store “{other.name}” for "
        f"{country}. Use that store, or disconnect it first."
    )


def _other_seller_message(ctx: Context, new_id: str) -> str:
    """A re-authorization came back for a different seller: refuse, keep the old one."""
    return (
        f"“{ctx.store_name}” is connected to seller {ctx.connected_seller}, but you signed "
        f"in as seller {new_id}. The existing connection was kept; sign in with the "
        f"original account to renew it."
    )


def _region_message(marketplace: Marketplace) -> str:
    """The account belongs to another SP-API region than the store's marketplace."""
    region = "North America" if marketplace.region == "NA" else "Europe"
    return (
        f"The Seller Central account you signed in with is not a {region} account, so it "
        f"cannot sell in {marketplace.country}. Sign in with your {region} account."
    )


def record_error(store_id: int | None, error: AmazonError) -> None:
    """Keep Amazon's error for the Communication Errors Log (no secrets in it)."""
    if error.configuration:
        log.warning("Amazon configuration error on %s: %s %s", error.operation, error.code,
                    error.description)  # fmt: skip
    db.session.add(
        CommunicationError(
            store_id=store_id,
            operation=error.operation,
            code=error.code[:64],
            description=(error.description or "")[:2000],
        )
    )
