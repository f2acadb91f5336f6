"""Seller Central's Manage Your Apps: the seller's authorized apps, Re-Authorize and Remove."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from . import grants, states
from .screens import bp, current_user, invalid_access, page, session_binding, site_name
from .signin import SITE, remember_next
from .store import get_db

NO_SUCH_APP = {
    "title": "This application is not available",
    "message": "Go back to Manage Your Apps and try again.",
}


def _primary_only(mp: str) -> Response | None:
    """Send an anonymous visitor to sign-in (then back here); refuse a secondary user."""
    user = current_user()
    if user is None:
        remember_next(url_for(".manage", mp=mp))
        return redirect(url_for(".signin", mp=mp))
    return None if user["is_primary"] else invalid_access(mp)


def _posted_app(mp: str) -> tuple[sqlite3.Row | None, Response | None]:
    """The application a Manage Your Apps button names, or the answer that stops the POST
    (sign-in, Invalid Access, or an unknown application)."""
    stop = _primary_only(mp)
    if stop is not None:
        return None, stop
    application_id = request.form.get("application_id")
    app = (
        get_db()
        .execute("SELECT * FROM applications WHERE application_id = ?", (application_id,))
        .fetchone()
    )
    if app is None:
        return None, page("sandbox/message.html", 400, **NO_SUCH_APP)
    return app, None


def _day(epoch: float) -> dict:
    """Describe a sandbox time as a date for people and an ISO value for <time>."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return {"text": f"{moment:%b} {moment.day}, {moment.year}", "iso": moment.isoformat()}


def _listing(app: sqlite3.Row) -> dict:
    """Return one line of the page: the app, and its dates while authorized."""
    line = dict(app)
    if app["live"]:
        line["authorized_on"] = _day(app["authorized_at"])
        line["expires"] = _day(app["expires_at"])
    return line


@bp.get(SITE + "/apps/manage")
def manage(mp: str) -> Response:
    """List the apps with the signed-in seller's live authorizations, and those without."""
    stop = _primary_only(mp)
    if stop is not None:
        return stop
    user = current_user()
    apps = [_listing(app) for app in grants.seller_apps(get_db(), user["seller_id"])]
    return page(
        "sandbox/manage.html",
        mp=mp,
        site=site_name(mp),
        user=user,
        apps=apps,
        notice=session.pop("notice", None),
        login_uri=current_app.config["SANDBOX_LOGIN_URI"],
    )


@bp.post(SITE + "/apps/manage/remove")
def remove_app(mp: str) -> Response:
    """Remove: revoke every refresh token the seller gave the app, then show the page again."""
    app, stop = _posted_app(mp)
    if stop is not None:
        return stop
    seller_id = current_user()["seller_id"]
    grants.revoke_seller(get_db(), seller_id, app["client_id"])
    current_app.logger.info("sandbox: seller %s removed an app in Manage Your Apps", seller_id)
    session["notice"] = f"{app['name']} was removed. It can no longer access your account."
    return redirect(url_for(".manage", mp=mp), code=303)


@bp.post(SITE + "/apps/manage/reauthorize")
def reauthorize(mp: str) -> Response:
    """Re-Authorize (or Authorize now): open the app's Login URI as Seller Central does."""
    app, stop = _posted_app(mp)
    if stop is not None:
        return stop
    seller_id = current_user()["seller_id"]
    application_id = app["application_id"]
    state = states.issue(get_db(), session_binding(), seller_id, mp, application_id)
    query = {
        # Amazon's own is https://sellercentral.amazon.com/apps/authorize/confirm/<app id>.
        "amazon_callback_uri": url_for(
            ".authorize_return", mp=mp, application_id=application_id, _external=True
        ),
        "amazon_state": state,
        "selling_partner_id": seller_id,
    }
    if app["is_draft"]:
        query["version"] = "beta"
    login_uri = current_app.config["SANDBOX_LOGIN_URI"]
    joiner = "" if login_uri.endswith(("?", "&")) else "&" if "?" in login_uri else "?"
    return redirect(f"{login_uri}{joiner}{urlencode(query)}", code=302)
