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

from .. import clock, htmx
from ..amazon.errors import AmazonError
from ..auth.wall import require_role
from ..db import writes
from ..extensions import db
from ..models import AuthorizationAttempt, Store
from ..models.status import store_status
from . import bp, services

log = logging.getLogger(__name__)
NONCE_KEY = "connect_nonce"


def _store_or_404(store_id: int) -> Store:
    """The store, or 404 (the same answer for a missing store and a forbidden one)."""
    store = db.session.get(Store, store_id)
    if store is None:
        abort(404, "This store does not exist (it may have been deleted).")
    return store


def _card(store: Store):
    """The store card fragment with its current status."""
    return render_template(
        "stores/_card.html", store=store, status=store_status(store, clock.utcnow())
    )


def _session_nonce() -> str:
    """A random value bound to this browser session; attempts keep only its hash."""
    if NONCE_KEY not in session:
        session[NONCE_KEY] = secrets.token_urlsafe(32)
    return session[NONCE_KEY]


@bp.post("/stores/<int:store_id>/connect")
@require_role("admin", "manager")
def start(store_id: int):
    """Open an attempt and send the merchant to Seller Central (a new tab with JavaScript)."""
    store = _store_or_404(store_id)
    try:
        attempt_id, url = services.start(store, current_user.id, _session_nonce(), clock.utcnow())
    except services.ConnectRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        if htmx.is_htmx():
            return _card(store)
        return redirect(url_for("stores.home"), 303)
    db.session.commit()
    log.debug("Connect attempt %s started", attempt_id)
    if not htmx.is_htmx():
        return redirect(url, 303)
    db.session.refresh(store)
    response = make_response(_card(store))
    # The URL travels in a header, never in the page: app.js sends the opened tab there.
    return htmx.trigger(response, "asc:open-consent", {"url": url, "target": "body"})


@bp.post("/stores/<int:store_id>/connect/cancel")
@require_role("admin", "manager")
def cancel(store_id: int):
    """Stop waiting for Amazon (the merchant closed Seller Central without finishing)."""
    store = _store_or_404(store_id)
    services.cancel(store.id, clock.utcnow())
    db.session.commit()
    flash(f"Stopped waiting for Amazon for “{store.name}”. Connect again when ready.", "info")
    if htmx.is_htmx():
        db.session.refresh(store)
        return _card(store)
    return redirect(url_for("stores.home"), 303)


@bp.get("/stores/<int:store_id>/connect/status")
def status(store_id: int):
    """The card for the live poll; announces the outcome of the attempt it waited for."""
    store = _store_or_404(store_id)
    if not htmx.wants_fragment():
        return redirect(url_for("stores.home"))
    waited_until = request.args.get("until", type=int)
    if waited_until is not None:
        _announce(store.id, waited_until)
    response = make_response(_card(store))
    response.headers["Cache-Control"] = "no-store"
    return response


def _announce(store_id: int, waited_until: int) -> None:
    """Flash how this user's attempt that expired at ``waited_until`` (epoch) ended."""
    until = datetime.fromtimestamp(waited_until, UTC)
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


@bp.get("/amazon/callback")
@writes
def callback():
    """Amazon's redirect: claim the attempt once, then exchange the code and confirm."""
    state = request.args.get("state", "")
    code = request.args.get("spapi_oauth_code", "")
    seller = request.args.get("selling_partner_id", "")
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
    ctx = services.context(attempt_id)
    db.session.commit()  # no transaction stays open while Amazon answers
    try:
        result = services.authorize(ctx, seller, code)
    except AmazonError as error:
        result = services.failed(error)
    services.finish(ctx, result, current_user.id, clock.utcnow())
    db.session.commit()
    return _no_store(redirect(url_for("connect.result", attempt_id=attempt_id), 303))


@bp.get("/amazon/connect/<int:attempt_id>")
def result(attempt_id: int):
    """Tell the merchant how the connection ended; the tab closes itself if it can."""
    attempt = db.session.get(AuthorizationAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id or attempt.outcome is None:
        abort(404)
    store = db.session.get(Store, attempt.store_id)
    page = render_template("connect/result.html", attempt=attempt, store=store)
    return _no_store(page)


def _no_store(body, status: int | None = None):
    """Pages of the callback are never cached and never leak their URL as a referrer."""
    response = make_response(body)
    if status is not None:
        response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
