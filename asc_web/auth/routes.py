"""Set-up, sign-in and sign-out pages."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..models import User
from . import bp, services
from .forms import LoginForm, SetupForm
from .wall import safe_next

log = logging.getLogger(__name__)
BAD_CREDENTIALS = "The email address or password is incorrect."


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
        _start_session(user, remember=False)
        flash("Your admin account is ready. Add your first Amazon store.", "success")
        return redirect(url_for("stores.home"), 303)
    status = 400 if form.errors else 200
    return render_template("auth/setup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    """Sign in; the same message for an unknown email and a wrong password."""
    if User.count() == 0:
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("stores.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            _start_session(user, remember=form.remember.data)
            log.info("Sign-in: user %s from %s", user.id, request.remote_addr)
            return redirect(safe_next(request.args.get("next")) or url_for("stores.home"), 303)
        log.info("Sign-in refused from %s", request.remote_addr)
        error = BAD_CREDENTIALS
    status = 400 if (form.errors or error) else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    """End every session of this user (a replayed cookie is refused afterwards)."""
    if current_user.is_authenticated:
        current_user.end_all_sessions()
        db.session.commit()
        log.info("Sign-out: user %s", current_user.id)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), 303)


def _start_session(user: User, remember: bool) -> None:
    """Start a fresh session for ``user`` (nothing carried over from before sign-in)."""
    session.clear()
    login_user(user, remember=remember)
