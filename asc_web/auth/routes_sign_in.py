"""Set-up, sign-in and sign-out pages."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..db import reads_first, write_transaction
from ..extensions import db, limiter
from ..models import User
from . import bp, events, services, sessions
from .forms import LoginForm, SetupForm
from .wall import safe_next

BAD_CREDENTIALS = "The email address or password is incorrect."
TOO_MANY = "Too many sign-in attempts. Wait a few minutes, then try again."


def _email() -> str:
    """The account being tried, as it is looked up (known or not: both are counted alike)."""
    return services.normalise_email(request.form.get("email", ""))[:254]


def _account_key() -> str:
    """Rate-limit key for the account, from anywhere (the looser limit)."""
    return f"login-account:{_email()}"


def _account_address_key() -> str:
    """Rate-limit key for the account from this address: a stranger locks out only himself."""
    return f"login-account-address:{_email()}:{get_remote_address()}"


def _failed(response) -> bool:
    """Count only refused sign-ins against an account (a success is a 303)."""
    return response.status_code != 303


def _throttled(limit) -> None:
    """Log a sign-in refused by a rate limit."""
    events.record("sign-in.throttled", limit=str(limit.limit).replace(" ", "_"))


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the first admin account; only while the install has no user."""
    if User.count() > 0:
        return redirect(url_for("auth.login"))
    form = SetupForm()
    if form.validate_on_submit():
        try:
            user = services.create_first_admin(form.email.data, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("auth.login"), 303)
        db.session.commit()
        sessions.start(user, remember=False)
        events.record("setup.first-admin", user)
        flash("Your admin account is ready. Add your first Amazon store.", "success")
        return redirect(url_for("stores.home"), 303)
    status = 400 if form.errors else 200
    return render_template("auth/setup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
    key_func=lambda: f"login-ip:{get_remote_address()}",
    methods=["POST"],
    error_message=TOO_MANY,
    on_breach=_throttled,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"],
    key_func=_account_address_key,
    methods=["POST"],
    deduct_when=_failed,
    error_message=TOO_MANY,
    on_breach=_throttled,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    error_message=TOO_MANY,
    on_breach=_throttled,
)
@reads_first
def login():
    """Sign in; the same message for an unknown email and a wrong password.

    The password is checked before any write: on SQLite every other request's write went
    on waiting for the check while sign-in held the write lock from its first query."""
    if User.count() == 0:
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("stores.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            with write_transaction(db.session):
                services.record_sign_in(user)
                db.session.commit()
            sessions.start(user, remember=form.remember.data)
            events.record("sign-in.ok", user, remember=bool(form.remember.data))
            return redirect(safe_next(request.args.get("next")) or url_for("stores.home"), 303)
        known = User.by_email(services.normalise_email(form.email.data))
        events.record("sign-in.refused", user_id=known.id if known else None)
        error = BAD_CREDENTIALS
    status = 400 if (form.errors or error) else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    """End every session of this user (a replayed cookie is refused afterwards)."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        user.end_all_sessions()
        db.session.commit()
        events.record("sign-out", user)
    sessions.end()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), 303)
