"""The store dashboard and what managers do to a store: settings, pause, resume, delete."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from .. import htmx
from ..auth.wall import require_manager
from ..db import compact_deleted_secrets
from ..extensions import db
from . import answers, bp, services
from .forms import SettingsForm


@bp.get("/stores/<int:store_id>")
def dashboard(store_id: int):
    """View Store: the store's facts, connection, mapping, settings, links and activity."""
    return answers.dashboard(answers.store_or_404(store_id))


@bp.route("/stores/<int:store_id>/settings", methods=["GET", "POST"])
@require_manager
def settings(store_id: int):
    """Store Integration Settings: the email address, the store name and email reminders."""
    store = answers.store_or_404(store_id)
    # Posted values only: a field left out of a POST is an error, not "unchanged".
    form = SettingsForm(obj=store if request.method == "GET" else None, store_id=store.id)
    if form.validate_on_submit():
        try:
            changes = services.update_settings(
                store,
                name=form.name.data,
                email=form.email.data,
                user=current_user,
                email_reminders=bool(form.email_reminders.data),
            )
        except services.StoreNameTaken as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            name = store.name
            db.session.commit()
            if changes:
                flash(f"The settings of “{name}” were saved.", "success")
            else:
                flash(f"Nothing changed in the settings of “{name}”.", "info")
            return answers.after_change(store)
    status = 422 if form.errors else 200
    if answers.origin() == "dashboard":
        return answers.dashboard(store, form, status)
    return answers.settings_page(store, form, status)


@bp.post("/stores/<int:store_id>/activate")
@require_manager
def activate(store_id: int):
    """Resume a paused store."""
    return _switch(store_id, True)


@bp.post("/stores/<int:store_id>/deactivate")
@require_manager
def deactivate(store_id: int):
    """Pause a store: everything is kept, syncing stops."""
    return _switch(store_id, False)


def _switch(store_id: int, active: bool):
    """Activate or deactivate, say so, and show the store as it now is."""
    store = answers.store_or_404(store_id)
    name = store.name
    changed = services.set_active(store, active, current_user)
    db.session.commit()
    if not changed:
        state = "active" if active else "inactive"
        flash(f"“{name}” was already {state}; nothing changed.", "info")
    elif active:
        flash(f"“{name}” is active again and will sync with Amazon.", "success")
    else:
        flash(
            f"“{name}” is now inactive: its settings are kept and syncing is paused. "
            "Activate it again whenever you are ready.",
            "success",
        )
    return answers.after_change(store)


@bp.route("/stores/<int:store_id>/delete", methods=["GET", "POST"])
@require_manager
def delete(store_id: int):
    """Ask before deleting (GET), then delete the store from ASC Web (POST)."""
    store = answers.store_or_404(store_id)
    here = answers.origin()
    if request.method == "GET":
        dialog = htmx.wants_fragment()
        template = "stores/_delete_confirm.html" if dialog else "stores/delete.html"
        return render_template(template, store=store, origin=here, dialog=dialog)
    name = store.name
    try:
        services.delete_store(store, current_user)
    except services.StoreGone:
        db.session.rollback()
        abort(404, answers.GONE)
    db.session.commit()
    # The store's tokens went with it: no copy of their ciphertext stays in the WAL.
    compact_deleted_secrets(db.session)
    flash(
        f"The store “{name}” was deleted from ASC Web. Your listings on Amazon are not affected.",
        "success",
    )
    if not htmx.is_htmx():
        return redirect(url_for("stores.home"), 303)
    response = make_response("")
    if here != "home":
        return htmx.redirect(response, url_for("stores.home"))
    # The card removes itself; the list refreshes its count and pages behind it.
    return htmx.trigger(response, "asc:stores-changed", {"target": "body"})
