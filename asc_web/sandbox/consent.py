"""Seller Central consent: checks of the request, consent, 'almost done', and the redirect."""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import urlencode

from flask import current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from . import grants, world
from .screens import bp, current_user, error_page, invalid_access, page, site_name
from .signin import SITE
from .store import get_db

PARAMS = ("application_id", "state", "redirect_uri", "version")
REGISTERED_REDIRECT = re.compile(r"http://(127\.0\.0\.1|localhost)(:\d{1,5})?/amazon/callback")


def registered(redirect_uri: str) -> bool:
    """True for loopback /amazon/callback URIs and any listed in SANDBOX_REDIRECT_URIS."""
    extra = current_app.config.get("SANDBOX_REDIRECT_URIS") or ()
    return bool(REGISTERED_REDIRECT.fullmatch(redirect_uri)) or redirect_uri in extra


def check_request(conn: sqlite3.Connection, args: dict) -> tuple[str, str] | None:
    """Return (MD code, explanation) when Seller Central must refuse the request, else None."""
    app = conn.execute(
        "SELECT is_draft FROM applications WHERE application_id = ?", (args.get("application_id"),)
    ).fetchone()
    if app is None:
        return "MD9999", "The application_id is not a registered SP-API application."
    if app["is_draft"] and args.get("version") != "beta":
        return "MD1000", "The application is in Draft state: add version=beta to the URL."
    redirect_uri = args.get("redirect_uri")
    if redirect_uri is not None and "#" in redirect_uri:
        return "MD5110", "The redirect_uri contains a fragment (#)."
    if redirect_uri is not None and not registered(redirect_uri):
        return "MD5101", "The redirect_uri is not one of the application's redirect URIs."
    if not args.get("state"):
        return "MD9999", "The state parameter is missing."
    return None


def _pending() -> dict | None:
    """Return the consent request remembered in this session, if any."""
    return session.get("consent")


def _guard(mp: str) -> Response | None:
    """Stop a consent step that has no request, no signed-in user, or a non-primary user."""
    if _pending() is None:
        return page(
            "sandbox/message.html",
            400,
            title="There is no authorization in progress",
            message="Please start again from the application.",
        )
    user = current_user()
    if user is None:
        return redirect(url_for(".signin", mp=mp))
    return None if user["is_primary"] else invalid_access(mp)


def _consent_page(mp: str, status: int = 200, error: str | None = None) -> Response:
    """Render the consent page for the signed-in user's seller."""
    user = current_user()
    seller = (
        get_db()
        .execute("SELECT * FROM sellers WHERE seller_id = ?", (user["seller_id"],))
        .fetchone()
    )
    return page(
        "sandbox/consent.html",
        status,
        mp=mp,
        site=site_name(mp),
        user=user,
        seller=seller,
        error=error,
    )


def begin(mp: str, args: dict) -> Response:
    """Remember a checked consent request in the session, then sign in or ask for consent."""
    session["consent"] = {"mp": mp, "args": args, "approved": False}
    session.pop("next", None)  # the latest request is the one to resume after sign-in
    return _guard(mp) or _consent_page(mp)


@bp.get(SITE + "/apps/authorize/consent")
def consent(mp: str) -> Response:
    """Validate the request first, remember it, then sign in or ask for consent."""
    problem = check_request(get_db(), request.args)
    if problem is not None:
        return error_page(mp, problem[0], request.args.get("application_id", ""), problem[1])
    return begin(mp, {key: request.args[key] for key in PARAMS if key in request.args})


@bp.post(SITE + "/apps/authorize/confirm")
def confirm(mp: str) -> Response:
    """Next (only with the box ticked) leads to 'almost done'; Cancel ends the request."""
    stop = _guard(mp)
    if stop is not None:
        return stop
    if request.form.get("action") == "cancel":
        session.pop("consent", None)
        return redirect(url_for(".cancelled", mp=mp))
    if request.form.get("acknowledge") != "yes":
        error = "To continue, confirm that you understand by ticking the box."
        return _consent_page(mp, 400, error)
    session["consent"] = {**_pending(), "approved": True}
    return redirect(url_for(".almost_done", mp=mp))


@bp.get(SITE + "/apps/authorize/almost-done")
def almost_done(mp: str) -> Response:
    """Show 'You are almost done' with Continue, once consent was given."""
    stop = _guard(mp)
    if stop is not None:
        return stop
    if not _pending()["approved"]:
        return redirect(url_for(".consent", mp=mp, **_pending()["args"]))
    return page("sandbox/almost_done.html", mp=mp, site=site_name(mp))


@bp.post(SITE + "/apps/authorize/complete")
def complete(mp: str) -> Response:
    """Continue: issue a single-use code and send the browser back to the application."""
    stop = _guard(mp)
    if stop is not None:
        return stop
    pending = _pending()
    if not pending["approved"] or check_request(get_db(), pending["args"]) is not None:
        return redirect(url_for(".consent", mp=mp, **pending["args"]))
    user = current_user()
    redirect_uri = pending["args"].get("redirect_uri", world.DEFAULT_REDIRECT_URI)
    code = grants.issue_code(get_db(), world.CLIENT_ID, redirect_uri, user["seller_id"])
    session.pop("consent", None)
    current_app.logger.info("sandbox consent granted by seller %s", user["seller_id"])
    query = urlencode(
        {
            "state": pending["args"]["state"],
            "selling_partner_id": user["seller_id"],
            "spapi_oauth_code": code,
        }
    )
    return redirect(f"{redirect_uri}?{query}", code=302)


@bp.get(SITE + "/apps/authorize/cancelled")
def cancelled(mp: str) -> Response:
    """Tell the seller the authorization was cancelled; the application is not called."""
    return page("sandbox/cancelled.html", mp=mp, site=site_name(mp))
