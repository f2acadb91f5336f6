"""What the store routes share: finding a store, where a request came from, what to answer.

``store_or_404``, ``origin``, ``after_change`` and ``sibling_cards`` are the stores
feature's public answers (``asc_web.stores`` exports them): connect's routes use them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import defaultload

from .. import clock, htmx
from ..extensions import db
from ..models import Store
from ..models.status import store_status
from . import bp, links, listing, services, store_data
from .forms import SettingsForm

# Pages an action can be started from; the answer goes back there.
ORIGINS = ("home", "dashboard", "settings")
# Built once: the card poll and every store page but the dashboard load their store with it.
STORE_BY_ID = db.select(Store).where(Store.id == db.bindparam("store_id"))
# The dashboard's: with the revenue chart and the listings per status the sync kept
# (deferred for every other page).
DASHBOARD_STORE = STORE_BY_ID.options(defaultload(Store.sync).undefer_group("dashboard"))
GONE = "This store no longer exists: it may have been deleted in another tab or by a colleague."


@dataclass(frozen=True)
class ActivityLine:
    """One line of the dashboard's activity list, ready to print."""

    when: datetime
    what: str
    detail: str
    who: str


def origin() -> str:
    """The page the request was made from (``from`` in the query or form), home by default."""
    value = request.values.get("from", "home")
    return value if value in ORIGINS else "home"


class GoneUnderHtmx(Exception):
    """The store is gone and htmx asked: answered by ``gone`` below, not the error page."""


def store_or_404(store_id: int) -> Store:
    """The store, or an answer that says it is gone (and removes its card under htmx)."""
    dashboard = request.endpoint == "stores.dashboard" or origin() == "dashboard"
    query = DASHBOARD_STORE if dashboard else STORE_BY_ID
    store = db.session.execute(query, {"store_id": store_id}).scalar_one_or_none()
    if store is not None:
        return store
    if not htmx.is_htmx():
        abort(404, GONE)
    raise GoneUnderHtmx()


@bp.app_errorhandler(GoneUnderHtmx)
def gone(_error):
    """A flash instead of an error page: the card removes itself, a dashboard goes home."""
    flash(f"{GONE} The list is up to date again.", "error")
    if origin() in ("dashboard", "settings"):
        return htmx.redirect(make_response("", 200), url_for("stores.home"))
    return "", 404


def card(store: Store, offers=None, **_extra) -> str:
    """The store card fragment (``offers``: marketplaces to offer after a connect)."""
    status = store_status(store, clock.utcnow())
    return render_template("stores/_card.html", store=store, status=status, offers=offers)


def sibling_cards(others: list[Store]) -> str:
    """``hx-partial``s refreshing the cards of ``others`` (stores sharing an authorization).

    On the home page only; a card that is not on the page is skipped by htmx.
    """
    if not htmx.wants_fragment() or origin() != "home":
        return ""
    return "".join(
        f'<hx-partial hx-target="#store-{int(other.id)}" hx-swap="outerHTML">'
        f"{card(other)}</hx-partial>"
        for other in others
    )


def dashboard(store: Store, form: SettingsForm | None = None, status: int = 200, **extra):
    """The store dashboard: the whole page, or its ``#dashboard`` fragment for htmx."""
    if form is None and current_user.can_manage:
        form = SettingsForm(formdata=None, obj=store, store_id=store.id)
    now = clock.utcnow()
    history = services.history(store.id)
    context = {
        "store": store,
        "status": store_status(store, now),
        "form": form,
        "origin": "dashboard",
        "activity": [
            ActivityLine(
                entry.created_at,
                services.action_label(entry.action),
                entry.detail,
                entry.user_email or "ASC Web",
            )
            for entry in history.activity
        ],
        "seller_central": links.seller_central(store.marketplace),
        "recent_errors": history.errors,
        "amazon": store_data.load(store, request.args, now),
        **extra,
    }
    template = "stores/_dashboard.html" if htmx.wants_fragment() else "stores/dashboard.html"
    return render_template(template, **context), status


def settings_page(store: Store, form: SettingsForm | None = None, status: int = 200, **_extra):
    """Store Integration Settings on their own page, or its panel for htmx."""
    form = form or SettingsForm(formdata=None, obj=store, store_id=store.id)
    context = {"store": store, "form": form, "origin": "settings"}
    if htmx.wants_fragment():
        return render_template("stores/_settings_panel.html", **context), status
    return render_template("stores/settings.html", **context), status


def attention_banner() -> str:
    """An ``hx-partial`` refreshing the home page's "stores need attention" banner."""
    count = listing.attention_count(clock.utcnow())
    return render_template(
        "stores/_attention_partial.html",
        attention=count,
        attention_text=listing.attention_text(count),
        filtered=False,
    )


def after_change(store: Store, refresh_banner: bool = True, **extra):
    """Answer an action on a store: what it was started from under htmx, else a 303 back.

    On the home page the answer also refreshes the attention banner, unless the caller
    knows nothing changed (a poll that announced nothing).
    """
    here = origin()
    if htmx.is_htmx():
        if here == "home":
            return card(store, **extra) + (attention_banner() if refresh_banner else "")
        answers = {"dashboard": dashboard, "settings": settings_page}
        return answers[here](store, **extra)
    if here == "home":
        return redirect(url_for("stores.home"), 303)
    return redirect(url_for("stores.dashboard", store_id=store.id), 303)
