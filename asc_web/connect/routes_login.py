"""The Login URI: a renewal or connection started in Seller Central comes back here."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from . import bp, login
from .routes_authorize import _no_store, _session_nonce

log = logging.getLogger(__name__)
PENDING_KEY = "amazon_login"
PENDING_SECONDS = 600
SIGN_IN_FIRST = (
    "Sign in to ASC Web to finish the authorization you started in Amazon Seller Central."
)
NOT_ALLOWED = (
    "Your role does not allow connecting stores. Ask an admin or a manager of ASC Web to "
    "start again from Manage Your Apps in Seller Central."
)


@bp.route("/amazon/login", methods=["GET", "POST"])
def amazon_login():
    """Confirm (POST) what an authorization started in Seller Central renews or connects."""
    try:
        login_request = login.parse(request.values)
    except login.LoginRefused as refused:
        log.info("Login URI request refused: %s", refused)
        return _page(None, error=str(refused), status=400)
    if not current_user.is_authenticated:
        flash(SIGN_IN_FIRST, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not current_user.can_manage:
        return _page(login_request, error=NOT_ALLOWED, status=403)
    if login.already_used(login_request):
        return _page(login_request, error=login.ALREADY_USED, status=400)
    if request.method == "GET":
        # "Add a new store" on the way: the Add form comes back here once the store exists.
        session[PENDING_KEY] = {
            "url": url_for("connect.amazon_login", **login_request.params()),
            "region": login_request.region,
            "until": clock.utcnow().timestamp() + PENDING_SECONDS,
        }
        return _page(login_request, store_id=request.args.get("store_id", type=int))
    session.pop(PENDING_KEY, None)
    store_id = request.form.get("store_id", type=int)
    try:
        target = login.confirm(
            login_request, store_id, current_user.id, _session_nonce(), clock.utcnow()
        )
        db.session.commit()
    except login.LoginRefused as refused:
        db.session.rollback()
        return _page(login_request, error=str(refused), status=400)
    except IntegrityError:
        db.session.rollback()  # the same request confirmed twice at once: one goes on
        return _page(login_request, error=login.ALREADY_USED, status=400)
    log.info("Login URI confirmed by user %s; back to Seller Central", current_user.id)
    return _no_store(redirect(target, 303))


def _page(login_request, error: str | None = None, status: int = 200, store_id=None):
    """The confirmation page (or what went wrong), never cached."""
    options = login.choice(login_request) if login_request and not error else None
    page = render_template(
        "connect/login.html",
        login_request=login_request,
        options=options,
        error=error,
        selected=store_id,
    )
    return _no_store(page, status)
