"""Connect store: start (POST), Amazon's callback, the result page, the live card poll."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from .. import clock, htmx, tasks
from ..amazon.errors import AmazonError
from ..auth.wall import require_manager
from ..db import writes
from ..extensions import db
from ..models import AuthorizationAttempt, Store
from ..stores import after_change, origin, sibling_cards, store_or_404
from ..web import LAST_EPOCH_SECOND, query_int
from . import authorizations, bp, services, sharing

log = logging.getLogger(__name__)
NONCE_KEY = "connect_nonce"


def _session_nonce() -> str:
    """A random value bound to this browser session; attempts keep only its hash."""
    if NONCE_KEY not in session:
        session[NONCE_KEY] = secrets.token_urlsafe(32)
    return session[NONCE_KEY]


@bp.post("/stores/<int:store_id>/connect")
@require_manager
def start(store_id: int):
    """Open an attempt and send the merchant to Seller Central (a new tab with JavaScript)."""
    store = store_or_404(store_id)
    try:
        attempt_id, url = services.start(store, current_user.id, _session_nonce(), clock.utcnow())
    except services.ConnectRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return after_change(store)
    db.session.commit()
    log.debug("Connect attempt %s started", attempt_id)
    if not htmx.is_htmx():
        return redirect(url, 303)
    db.session.refresh(store)
    # The card (or the dashboard) now awaits Amazon.
    response = make_response(after_change(store))
    # The URL travels in a header, never in the page: connect.js sends the opened tab there.
    return htmx.trigger(response, "asc:open-consent", {"url": url, "target": "body"})


@bp.post("/stores/<int:store_id>/connect/cancel")
@require_manager
def cancel(store_id: int):
    """Stop waiting for Amazon: **Stop waiting**, or the page noticed the Seller Central tab
    was closed without an answer (``reason=abandoned``)."""
    store = store_or_404(store_id)
    reason = "abandoned" if request.form.get("reason") == "abandoned" else "cancelled"
    message = services.cancel(store, clock.utcnow(), current_user.id, reason)
    if message is not None:
        db.session.commit()
        flash(message, "info")
    db.session.refresh(store)
    return after_change(store)


@bp.get("/stores/<int:store_id>/connect/status")
def status(store_id: int):
    """The card (or dashboard) for the live poll; announces how the awaited attempt ended."""
    store = store_or_404(store_id)
    if not htmx.wants_fragment():
        if origin() == "dashboard":
            return redirect(url_for("stores.dashboard", store_id=store.id))
        return redirect(url_for("stores.home"))
    waited_until = query_int("until", high=LAST_EPOCH_SECOND)
    offers, attempt, siblings = [], None, ""
    if waited_until is not None:
        attempt = _announce(store.id, waited_until)
        if attempt is not None and attempt.outcome == "connected":
            offers = sharing.pending_offers(store.authorization, clock.utcnow())
            if store.authorization is not None:
                others = authorizations.stores_of(store.authorization)
                siblings = sibling_cards([s for s in others if s.id != store.id])
    answer = after_change(store, refresh_banner=attempt is not None, offers=offers)
    response = make_response(answer + siblings if isinstance(answer, str) else answer)
    response.headers["Cache-Control"] = "no-store"
    return response


def _announce(store_id: int, waited_until: int) -> AuthorizationAttempt | None:
    """Flash how this user's attempt that expired at ``waited_until`` (epoch) ended."""
    try:
        until = datetime.fromtimestamp(waited_until, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    attempt = db.session.scalar(
        db.select(AuthorizationAttempt)
        .where(
            AuthorizationAttempt.store_id == store_id,
            AuthorizationAttempt.user_id == current_user.id,
            AuthorizationAttempt.expires_at >= until - timedelta(seconds=1),
            AuthorizationAttempt.outcome.in_(("connected", "failed")),
        )
        .order_by(AuthorizationAttempt.id.desc())
        .limit(1)
    )
    if attempt is not None:
        flash(attempt.message, "success" if attempt.outcome == "connected" else "error")
    return attempt


@bp.get("/amazon/callback")
@writes
def callback():
    """Amazon's redirect: claim the attempt once, then exchange the code and confirm."""
    state = request.args.get("state", "")
    code = request.args.get("spapi_oauth_code", "")
    seller = request.args.get("selling_partner_id", "")
    if not services.valid_selling_partner_id(seller):
        # Checked before the state is claimed and the code spent: nothing is used up.
        log.info("Connect callback refused: malformed selling_partner_id")
        return _no_store(render_template("connect/expired.html", bad_seller=True), 400)
    attempt_id = None
    if current_user.is_authenticated:
        attempt_id = services.consume(
            state, current_user.id, session.get(NONCE_KEY, ""), clock.utcnow()
        )
    if attempt_id is None:
        db.session.rollback()
        log.info("Connect callback refused: no usable attempt")
        return _no_store(render_template("connect/expired.html"), 400)
    db.session.commit()  # claimed before Amazon is called: a replay finds nothing
    try:
        ctx = services.context(attempt_id)
        db.session.commit()  # no transaction stays open while Amazon answers
        try:
            result = services.authorize(ctx, seller, code)
        except AmazonError as error:
            result = services.failed(error)
        outcome = services.finish(ctx, result, current_user.id, clock.utcnow())
        db.session.commit()
    except Exception:
        # Nothing half-written stays, and the card offers Connect store again at once
        # instead of showing "Awaiting authorization" until the attempt times out.
        db.session.rollback()
        services.abandon(attempt_id, current_user.id, clock.utcnow())
        db.session.commit()
        raise
    if outcome.ok:
        _start_sync(ctx.store_id)
    return _no_store(redirect(url_for("connect.result", attempt_id=attempt_id), 303))


def _start_sync(store_id: int) -> None:
    """Queue the store's first sync now (the worker's next look would find it due anyway)."""
    try:
        tasks.queue().sync_store(store_id)
    except Exception:  # the queue's storage did not answer: the schedule picks it up later
        log.exception("The sync of store %s could not be queued", store_id)


@bp.get("/amazon/connect/<int:attempt_id>")
def result(attempt_id: int):
    """Tell the merchant how the connection ended; the tab closes itself if it can."""
    attempt = db.session.get(AuthorizationAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id or attempt.outcome is None:
        abort(404)
    store = db.session.get(Store, attempt.store_id)
    offers = []
    if attempt.outcome == "connected" and store is not None:
        offers = sharing.pending_offers(store.authorization, clock.utcnow())
    page = render_template("connect/result.html", attempt=attempt, store=store, offers=offers)
    return _no_store(page)


def _no_store(body, status: int | None = None):
    """Pages of the callback are never cached and never leak their URL as a referrer."""
    response = make_response(body)
    if status is not None:
        response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
