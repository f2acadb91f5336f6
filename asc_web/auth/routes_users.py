"""The Users page (admins): who can sign in, with which role; add, disable, enable."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import htmx
from ..extensions import db
from ..models import User
from . import bp, events, services
from .forms import ButtonForm, NewUserForm
from .wall import require_admin


def _panel(form: NewUserForm | None = None, status: int = 200):
    """The users list and the add form: the fragment for htmx, the page otherwise."""
    context = {
        "users": services.all_users(),
        "form": form or NewUserForm(formdata=None),
        "buttons": ButtonForm(),
    }
    template = "auth/_users_panel.html" if htmx.wants_fragment() else "auth/users.html"
    return render_template(template, **context), status


def _done():
    """After a change: the refreshed panel for htmx, a 303 back to the page otherwise."""
    if htmx.is_htmx():
        return _panel()
    return redirect(url_for("auth.users"), 303)


@bp.get("/users")
@require_admin
def users():
    """Everyone who can sign in."""
    return _panel()


@bp.post("/users")
@require_admin
def create_user():
    """Add a person with a role and a first password (only these three fields are read)."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.password.data, form.role.data)
        except services.AccountError as exc:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            db.session.commit()
            events.record("user.created", user, by=current_user.id, role=user.role)
            flash(
                f"{user.email} can now sign in as {user.role}. Give them the password.", "success"
            )
            return _done()
    return _panel(form, 422)


@bp.post("/users/<int:user_id>/disable")
@require_admin
def disable_user(user_id: int):
    """Stop someone from signing in; their open sessions end at once."""
    return _switch(user_id, False)


@bp.post("/users/<int:user_id>/enable")
@require_admin
def enable_user(user_id: int):
    """Let a disabled person sign in again (with their password; old sessions stay ended)."""
    return _switch(user_id, True)


def _switch(user_id: int, active: bool):
    """Enable or disable a user, say so, and show the list as it now is."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, "This user does not exist (they may have been removed).")
    try:
        changed = services.set_active(user, active, current_user._get_current_object())
    except services.AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _done()
    db.session.commit()
    if changed:
        events.record("user.enabled" if active else "user.disabled", user, by=current_user.id)
        word = "can sign in again" if active else "is disabled and was signed out everywhere"
        flash(f"{user.email} {word}.", "success")
    else:
        flash(f"{user.email} was already {'enabled' if active else 'disabled'}.", "info")
    return _done()
