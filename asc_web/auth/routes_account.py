"""The Account page: who you are, and changing your password."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ..extensions import db, limiter
from . import bp, events, services, sessions
from .forms import PasswordChangeForm


def _user_key() -> str:
    """Rate-limit key: the signed-in user (anonymous requests never reach the view)."""
    return f"password-change:{getattr(current_user, 'id', 'anonymous')}"


def _refused(limit) -> None:
    """Log a password change refused by the rate limit."""
    events.record("password.throttled", current_user._get_current_object())


@bp.get("/account")
def account():
    """Your account: email, role, and the password form."""
    return render_template("account/index.html", form=PasswordChangeForm())


@bp.post("/account/password")
@limiter.limit(
    lambda: current_app.config["PASSWORD_CHANGE_LIMIT"],
    key_func=_user_key,
    deduct_when=lambda response: response.status_code != 303,
    error_message="Too many attempts to change the password. Wait a few minutes, then try again.",
    on_breach=_refused,
)
def change_password():
    """Change the password: every other session ends, this browser gets a fresh one."""
    form = PasswordChangeForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current.data, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            field = form.current if isinstance(exc, services.WrongPassword) else form.password
            field.errors = [*field.errors, str(exc)]
            events.record("password.change-refused", user)
        else:
            db.session.commit()
            sessions.start(user, remember=False)
            events.record("password.changed", user)
            flash(
                "Your password was changed. Every other browser signed in as you was signed out.",
                "success",
            )
            return redirect(url_for("auth.account"), 303)
    return render_template("account/index.html", form=form), 422
