"""Keeping an authorization healthy: check now, disconnect, the seller's other marketplaces."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..auth.wall import require_manager
from ..db import compact_deleted_secrets
from ..extensions import db
from ..stores import after_change, store_or_404
from . import authorizations, bp, checks, settings, sharing


@bp.post("/stores/<int:store_id>/check")
@require_manager
def check_now(store_id: int):
    """Check the store's authorization now (one call for all its stores) and say how it went."""
    store = store_or_404(store_id)
    if store.authorization is None:
        flash(f"“{store.name}” is not connected, so there is nothing to check.", "warning")
    else:
        try:
            results = checks.check(store.authorization, current_user.id)
        except checks.Throttled:
            db.session.commit()
            flash(checks.THROTTLED, "warning")
        else:
            db.session.commit()
            mine = next((r for r in results if r.store_id == store.id), None)
            if mine is not None and mine.result == "ok":
                flash(f"Amazon answered normally for “{store.name}”.", "success")
            else:
                flash(mine.message if mine else checks.REVOKED_MESSAGE, "error")
    db.session.refresh(store)
    return after_change(store)


@bp.route("/stores/<int:store_id>/disconnect", methods=["GET", "POST"])
@require_manager
def disconnect(store_id: int):
    """Confirm, then this store leaves the authorization, or the whole authorization goes."""
    store = store_or_404(store_id)
    authorization = store.authorization
    if authorization is None and request.method == "POST":
        flash(f"“{store.name}” is not connected, so there is nothing to disconnect.", "info")
        return after_change(store)
    if request.method == "GET":
        manage_url = settings.endpoints().manage_apps_url(store.marketplace)
        others = []
        if authorization is not None:
            others = [s for s in authorizations.stores_of(authorization) if s.id != store.id]
        return render_template(
            "connect/disconnect.html", store=store, manage_url=manage_url, others=others
        )
    whole = request.form.get("scope") == "authorization"
    seller = authorization.selling_partner_id
    stores = sharing.disconnect(store, current_user.id, clock.utcnow(), whole=whole)
    db.session.commit()
    compact_deleted_secrets(db.session)
    if whole:
        names = ", ".join(f"“{s.name}”" for s in stores)
        flash(
            f"ASC Web forgot the authorization of seller {seller} and its tokens; {names} "
            f"{'is' if len(stores) == 1 else 'are'} no longer connected. Remove the app in "
            "Seller Central → Manage Your Apps to end it on Amazon's side too.",
            "success",
        )
    else:
        flash(
            f"“{store.name}” is disconnected and no longer uses the authorization of seller "
            f"{seller}. Other stores keep it.",
            "success",
        )
    db.session.refresh(store)
    return after_change(store)


@bp.route("/stores/<int:store_id>/marketplaces", methods=["GET", "POST"])
@require_manager
def marketplaces(store_id: int):
    """The seller's other marketplaces in the region: use the authorization, or add a store.

    No call to Amazon: the page shows the Sellers API's last answer kept with the
    authorization.
    """
    store = store_or_404(store_id)
    authorization = store.authorization
    if authorization is None or authorization.revoked_at is not None:
        flash(f"Connect “{store.name}” first; its authorization is then reused.", "warning")
        return redirect(url_for("stores.dashboard", store_id=store.id), 303)
    if request.method == "POST":
        done, problem = _apply(store, authorization)
        if problem is None:
            db.session.commit()
            flash(done, "success")
            target = request.form.get("next") == "home"
            if target:
                return redirect(url_for("stores.home"), 303)
            return redirect(url_for("connect.marketplaces", store_id=store.id), 303)
        db.session.rollback()
        flash(problem, "error")
        db.session.refresh(store)
        authorization = store.authorization
        offers = sharing.offers(authorization, clock.utcnow())
        page = render_template(
            "connect/marketplaces.html", store=store, authorization=authorization, offers=offers
        )
        return page, 422
    offers = sharing.offers(authorization, clock.utcnow())
    return render_template(
        "connect/marketplaces.html", store=store, authorization=authorization, offers=offers
    )


def _apply(store, authorization) -> tuple[str, str | None]:
    """Carry out the button pressed: ``use`` a store, ``add`` one for a marketplace, or
    ``all`` of the offer's actions at once (each listed in ``all_use`` and ``all_add``)."""
    form = request.form
    if form.get("all"):
        uses, adds = form.getlist("all_use"), form.getlist("all_add")
    else:
        uses, adds = [form.get("use", "")], [form.get("add", "")]
    uses = [int(u) for u in uses if u.isascii() and u.isdigit() and len(u) < 10]
    adds = [a for a in adds if a]
    if not uses and not adds:
        return "", "Choose what to do for one of the marketplaces."
    done = []
    try:
        for store_id in uses:
            done.append(sharing.use_for(store_id, authorization, current_user.id, store))
        for code in adds:
            name = form.get(f"name_{code}", "")
            done.append(sharing.add_for(code, name, authorization, current_user.id, store))
    except sharing.OfferRefused as refused:
        return "", str(refused)
    names = ", ".join(f"“{s.name}”" for s in done)
    seller = authorization.selling_partner_id
    return f"{names} now {'uses' if len(done) == 1 else 'use'} the authorization of seller " \
        f"{seller}: no second trip to Amazon.", None  # fmt: skip
