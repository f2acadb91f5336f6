"""Connect operations: start an attempt, consume its callback once, record Amazon's grant."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ..amazon import lwa, sellers
from ..amazon.errors import AmazonError, merchant_message
from ..amazon.marketplaces import MARKETPLACES, Marketplace
from ..extensions import db
from ..models import AuthorizationAttempt, CommunicationError, Store
from ..models.status import store_status
from ..rendering import asc_date
from ..stores.services import record_activity
from ..sync import schedule as sync
from . import authorizations, settings

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


# Amazon's merchant tokens ("selling partner ids") are upper-case letters and digits, about
# 13-14 long; anything else never reaches Amazon or the database.
SELLING_PARTNER_ID = re.compile(r"[A-Z0-9]{8,32}")


def valid_selling_partner_id(value: str) -> bool:
    """Whether ``value`` looks like an Amazon merchant token."""
    return bool(SELLING_PARTNER_ID.fullmatch(value or ""))


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


def purpose_of(store: Store, now: datetime) -> str:
    """What a new attempt does for ``store``: connect, renew or reconnect."""
    if store.authorization is None:
        return "connect"
    code = store_status(store, now).code
    return "reconnect" if code == "reconnect_required" else "renew"


def open_attempt(
    store: Store,
    user_id: int,
    session_nonce: str,
    now: datetime,
    *,
    selling_partner_id: str | None = None,
    amazon_state: str | None = None,
) -> tuple[AuthorizationAttempt, str]:
    """Open an attempt for ``store`` (closing its older ones); return it and its state.

    ``selling_partner_id``: the seller Amazon must answer for (the store's own when it has
    an authorization). ``amazon_state``: the attempt started at the Login URI.
    """
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
    close_open_attempts(store, now, "superseded", user_id)
    state = secrets.token_urlsafe(32)  # 256 bits
    if store.authorization is not None:
        selling_partner_id = store.authorization.selling_partner_id
    attempt = AuthorizationAttempt(
        state_hash=digest(state),
        store_id=store.id,
        user_id=user_id,
        region=store.marketplace.region,
        session_hash=digest(session_nonce),
        purpose=purpose_of(store, now),
        selling_partner_id=selling_partner_id,
        amazon_state_hash=digest(amazon_state) if amazon_state else None,
        created_at=now,
        expires_at=now + ATTEMPT_LIFETIME,
    )
    db.session.add(attempt)
    db.session.flush()
    log.info("Connect attempt %s opened for store %s by user %s", attempt.id, store.id, user_id)
    return attempt, state


def start(store: Store, user_id: int, session_nonce: str, now: datetime) -> tuple[int, str]:
    """Open an attempt for ``store``; return its id and the Seller Central consent URL."""
    attempt, state = open_attempt(store, user_id, session_nonce, now)
    url = settings.endpoints().consent_url(
        store.marketplace,
        app_id=current_app.config["SPAPI_APP_ID"],
        state=state,
        redirect_uri=settings.redirect_uri(),
        draft=current_app.config["SPAPI_DRAFT"],
    )
    return attempt.id, url


# How an attempt that never came back ended, in the merchant's words ({name}: the store).
ENDINGS = {
    "cancelled": (
        "You stopped waiting for Seller Central, so “{name}” was not connected. Select "
        "Connect store when you are ready."
    ),
    "abandoned": (
        "The Seller Central tab was closed before Amazon sent you back, so “{name}” was not "
        "connected. If Seller Central said “Invalid Access”, only the primary user of the "
        "Seller Central account can authorize: sign in with the email or phone used to create "
        "it. Select Connect store to try again."
    ),
    "expired": (
        "The connection attempt for “{name}” expired after 10 minutes without an answer from "
        "Amazon. Select Connect store to try again."
    ),
    "superseded": "Connect store was selected again: a new attempt replaced this one.",
}
ACTIVITY = {
    "failed": "connect_failed",
    "cancelled": "connect_cancelled",
    "abandoned": "connect_abandoned",
    "expired": "connect_expired",
    "superseded": "connect_restarted",
}


def cancel(
    store: Store, now: datetime, user_id: int | None, reason: str = "cancelled"
) -> str | None:
    """End the store's open attempt: Stop waiting (``cancelled``), or the Seller Central tab
    was closed without an answer (``abandoned``). Returns how it ended, in the merchant's
    words; None when none was open."""
    endings = close_open_attempts(store, now, reason, user_id)
    return endings[-1] if endings else None


def close_open_attempts(
    store: Store, now: datetime, outcome: str, user_id: int | None
) -> list[str]:
    """Close every unconsumed attempt of the store, each with its Activity entry; return
    their messages.

    An attempt already past its ten minutes is recorded as ``expired`` whatever the reason.
    """
    attempts = db.session.scalars(
        select(AuthorizationAttempt)
        .where(
            AuthorizationAttempt.store_id == store.id,
            AuthorizationAttempt.consumed_at.is_(None),
        )
        .with_for_update()
    ).all()
    messages = []
    for attempt in attempts:
        ending = "expired" if attempt.expires_at <= now else outcome
        messages.append(ENDINGS[ending].format(name=store.name))
        end_attempt(attempt, store, ending, messages[-1], user_id, now)
    return messages


def end_attempt(
    attempt: AuthorizationAttempt,
    store: Store,
    outcome: str,
    message: str,
    user_id: int | None,
    now: datetime,
) -> None:
    """The one writer of an attempt's end: its outcome and message, and the Activity entry."""
    attempt.consumed_at = attempt.consumed_at or now
    attempt.outcome = outcome
    attempt.message = message
    action = ACTIVITY.get(outcome)
    if action is not None:
        record_activity(store, user_id, action, message)


def sweep_expired(now: datetime) -> int:
    """Record the attempts that ran out of time unanswered (scheduled checks call this)."""
    stale = db.session.scalars(
        select(AuthorizationAttempt).where(
            AuthorizationAttempt.consumed_at.is_(None),
            AuthorizationAttempt.expires_at <= now,
        )
    ).all()
    for attempt in stale:
        store = db.session.get(Store, attempt.store_id)
        message = ENDINGS["expired"].format(name=store.name)
        end_attempt(attempt, store, "expired", message, attempt.user_id, now)
    return len(stale)


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
    purpose: str
    # The seller Amazon must answer for, and the stores that keep its authorization.
    expected_seller: str | None
    kept_stores: tuple[str, ...] = ()


def context(attempt_id: int) -> Context:
    """Read the attempt's store facts into plain values."""
    attempt = db.session.get(AuthorizationAttempt, attempt_id)
    store = db.session.get(Store, attempt.store_id)
    expected = attempt.selling_partner_id
    kept: tuple[str, ...] = ()
    if store.authorization is not None:
        expected = store.authorization.selling_partner_id
        kept = tuple(s.name for s in authorizations.stores_of(store.authorization))
    return Context(
        attempt_id=attempt.id,
        store_id=store.id,
        store_name=store.name,
        marketplace_code=store.marketplace_code,
        region=attempt.region,
        purpose=attempt.purpose,
        expected_seller=expected,
        kept_stores=kept,
    )


@dataclass(frozen=True)
class Grant:
    """What Amazon granted: tokens and the seller's marketplaces in the region."""

    selling_partner_id: str
    tokens: lwa.Tokens
    participations: list[sellers.Participation]


def authorize(ctx: Context, selling_partner_id: str, code: str) -> Grant | Outcome:
    """Talk to Amazon (no database work here): exchange the code, confirm the marketplace.

    Returns an ``Outcome`` for a refusal; raises ``AmazonError`` for Amazon's failures.
    """
    marketplace = MARKETPLACES[ctx.marketplace_code]
    if not selling_partner_id or not code:
        return Outcome(False, EXPIRED_LINK)
    if ctx.expected_seller is not None and ctx.expected_seller != selling_partner_id:
        return Outcome(
            False,
            _other_seller_message(
                ctx.store_name, ctx.expected_seller, selling_partner_id, ctx.kept_stores
            ),
        )
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
    return Grant(selling_partner_id, tokens, participations)


def finish(ctx: Context, result: Grant | Outcome, user_id: int, now: datetime) -> Outcome:
    """Record the grant (or the refusal) and close the attempt; the caller commits."""
    outcome = result if isinstance(result, Outcome) else _save(ctx, result, user_id, now)
    # Deleting the store while Amazon answered deleted its attempts too.
    attempt = db.session.get(AuthorizationAttempt, ctx.attempt_id)
    if outcome.error is not None:
        record_error(ctx.store_id if attempt is not None else None, outcome.error)
    if attempt is None:
        return outcome
    if outcome.ok:  # the grant's own Activity entries are written by _save
        attempt.outcome, attempt.message = "connected", outcome.message
    else:
        store = db.session.get(Store, ctx.store_id)
        end_attempt(attempt, store, "failed", outcome.message, user_id, now)
    return outcome


def abandon(attempt_id: int, user_id: int | None, now: datetime) -> None:
    """Close an attempt whose callback failed on our side, so the store is not left waiting."""
    attempt = db.session.get(AuthorizationAttempt, attempt_id)
    if attempt is not None and attempt.outcome in (None, "processing"):
        store = db.session.get(Store, attempt.store_id)
        end_attempt(attempt, store, "failed", UNEXPECTED_FAILURE, user_id, now)


def failed(error: AmazonError) -> Outcome:
    """The outcome for an Amazon failure, in the merchant's words."""
    return Outcome(False, merchant_message(error), error)


def _save(ctx: Context, grant: Grant, user_id: int, now: datetime) -> Outcome:
    """Record the grant for the seller and region, re-checking the guards in the write."""
    store = db.session.get(Store, ctx.store_id)
    if store is None:
        return Outcome(False, EXPIRED_LINK)
    spid = grant.selling_partner_id
    current = store.authorization
    if current is not None and current.selling_partner_id != spid:
        kept = tuple(s.name for s in authorizations.stores_of(current))
        return Outcome(
            False, _other_seller_message(ctx.store_name, current.selling_partner_id, spid, kept)
        )
    existing = authorizations.find(spid, ctx.region)
    if existing is not None and existing.id != store.authorization_id:
        taken = authorizations.user_of_marketplace(existing, store.marketplace_code)
        if taken is not None:
            return Outcome(False, authorizations.taken_message(taken))
    authorization = authorizations.record_grant(spid, ctx.region, grant.tokens,
                                                grant.participations, now)  # fmt: skip
    until = asc_date(authorization.expires_at)
    seller = f"seller {spid} ({authorization.region_name})"
    if store.authorization_id != authorization.id:
        try:
            authorizations.join(
                store, authorization, user_id, f"Connected to {seller}; authorized until {until}."
            )
        except authorizations.JoinRefused as refused:
            return Outcome(False, str(refused))
        verb = "is connected"
    else:
        action = "reconnected" if ctx.purpose == "reconnect" else "renewed"
        record_activity(store, user_id, action, f"{seller}; authorized until {until}.")
        verb = "is reconnected" if action == "reconnected" else "renewed its authorization"
    siblings = [s for s in authorizations.stores_of(authorization) if s.id != store.id]
    sync.schedule_now([store, *siblings], now)  # the routes start the store's sync at once
    for sibling in siblings:
        record_activity(
            sibling, user_id, "renewed", f"Renewed with “{store.name}”: authorized until {until}."
        )
    log.info("Store %s %s (seller %s)", store.id, verb, spid)
    message = f"“{store.name}” {verb} with Amazon Seller Central until {until}."
    if siblings:
        names = ", ".join(f"“{s.name}”" for s in siblings)
        message += f" The same authorization now also holds until then for {names}."
    return Outcome(True, message)


def _other_seller_message(
    store_name: str, expected: str, new_id: str, kept: tuple[str, ...]
) -> str:
    """Amazon answered for another seller than ``expected``: refuse, and name the stores
    that keep ``expected``'s authorization (none when the Login URI named a new seller)."""
    if not kept:
        return (
            f"Seller Central asked to connect seller {expected}, but you signed in as seller "
            f"{new_id}, so “{store_name}” was not connected. Sign in with the account of "
            f"seller {expected}, or select Connect store on the card."
        )
    names = ", ".join(f"“{name}”" for name in kept)
    return (
        f"“{store_name}” uses the authorization of seller {expected}, but you "
        f"signed in as seller {new_id}. Nothing was changed: {names} keep the authorization "
        f"of seller {expected}. Sign in with that account to renew it, or "
        f"disconnect the store first to use another seller."
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
