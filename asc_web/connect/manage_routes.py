"""Keeping a connection healthy: check now, disconnect, add the seller's other marketplaces."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..amazon.errors import AmazonError, merchant_message
from ..auth.wall import require_role
from ..db import compact_deleted_secrets
from ..extensions import db
from ..stores import pages
from . import bp, checks, manage, services


@bp.post("/stores/<int:store_id>/check")
@require_role("admin", "manager")
def check_now(store_id: int):
    """Check the connection now and say how it went."""
    store = pages.store_or_404(store_id)
    if store.connection is None:
        flash(f"“{store.name}” is not connected, so there is nothing to check.", "warning")
    else:
        result = checks.check(store.connection, current_user.id)
        db.session.commit()
        if result.result == "ok":
            flash(f"Amazon answered normally for “{store.name}”.", "success")
        else:
            flash(result.message, "error")
    db.session.refresh(store)
    return pages.after_change(store)


@bp.route("/stores/<int:store_id>/disconnect", methods=["GET", "POST"])
@require_role("admin", "manager")
def disconnect(store_id: int):
    """Confirm, then forget the store's authorization."""
    store = pages.store_or_404(store_id)
    if request.method == "GET":
        manage_url = services.settings.endpoints().manage_apps_url(store.marketplace)
        return render_template("connect/disconnect.html", store=store, manage_url=manage_url)
    manage.disconnect(store, current_user.id, clock.utcnow())
    db.session.commit()
    compact_deleted_secrets(db.session)
    flash(
        f"“{store.name}” is disconnected: ASC Web no longer holds its Amazon tokens. "
        "Remove the app in Seller Central → Manage Your Apps to end it on Amazon's side too.",
        "success",
    )
    db.session.refresh(store)
    return pages.after_change(store)


@bp.route("/stores/<int:store_id>/marketplaces", methods=["GET", "POST"])
@require_role("admin", "manager")
def marketplaces(store_id: int):
    """Offer stores for the seller's other marketplaces in the region, without a new consent."""
    store = pages.store_or_404(store_id)
    if store.connection is None or store.connection.revoked_at is not None:
        flash(f"Connect “{store.name}” first; its authorization is then reused.", "warning")
        return redirect(url_for("stores.dashboard", store_id=store.id), 303)
    now = clock.utcnow()
    try:
        offers = manage.sibling_offers(store, now)
    except AmazonError as error:
        services.record_error(store.id, error)
        db.session.commit()
        flash(merchant_message(error), "error")
        return redirect(url_for("stores.dashboard", store_id=store.id), 303)
    if request.method == "POST":
        codes = request.form.getlist("marketplace")
        created = manage.add_siblings(store, codes, offers, current_user.id, now)
        db.session.commit()
        if created:
            names = ", ".join(f"“{s.name}”" for s in created)
            flash(f"Added and connected {names} with the same authorization.", "success")
        else:
            flash("Choose at least one marketplace to add.", "warning")
            return redirect(url_for("connect.marketplaces", store_id=store.id), 303)
        return redirect(url_for("stores.home"), 303)
    db.session.commit()  # keeps a refreshed access token
    return render_template("connect/marketplaces.html", store=store, offers=offers)
