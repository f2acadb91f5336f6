"""Seller Central sign-in: email or phone and password, then two-step verification."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from . import security, store, world
from .screens import bp, current_user, page, site_name
from .store import get_db

SITE = "/sellercentral/<any(us, ca, mx, uk):mp>"


def remember_next(path: str) -> None:
    """Come back to this sandbox page once the user has signed in."""
    session["next"] = path


def resume_url(mp: str) -> str:
    """Where to go once signed in: the page that asked, the pending consent, else home."""
    target = session.pop("next", None)
    if target and _sandbox_path(target):
        return target
    pending = session.get("consent")
    if pending:
        return url_for(".consent", mp=pending["mp"], **pending["args"])
    return url_for(".home")


def _sandbox_path(target: str) -> bool:
    """True for a path on this sandbox (never another host, scheme or app on the server)."""
    root = request.script_root + current_app.config["SANDBOX_URL_PREFIX"]
    parts = urlsplit(target)
    return (
        not parts.scheme
        and not parts.netloc
        and "\\" not in target
        and not target.startswith("//")
        and target.startswith(root + "/")
    )


@bp.get("/")
def home() -> Response:
    """Show the sandbox home: who is signed in, and the seeded accounts."""
    return page(
        "sandbox/home.html", user=current_user(), users=world.USERS, sites=world.SELLER_CENTRAL
    )


@bp.route(SITE + "/ap/signin", methods=["GET", "POST"])
def signin(mp: str) -> Response:
    """Ask for the email or mobile phone number and the password."""
    if current_user() is not None:
        return redirect(resume_url(mp))
    error = None
    login = ""
    if request.method == "POST":
        login = request.form.get("email", "")
        user = security.authenticate(get_db(), login, request.form.get("password", ""))
        if user is not None:
            # A new step of the sign-in gets a new CSRF token, like a new session would.
            session["signin"] = user["email"]
            session["csrf"] = security.new_csrf_token()
            return redirect(url_for(".mfa", mp=mp))
        current_app.logger.info("sandbox sign-in failed")
        error = "Your email or mobile phone number, or your password, is incorrect."
    status = 401 if error else 200
    return page("sandbox/signin.html", status, mp=mp, site=site_name(mp), error=error, login=login)


@bp.route(SITE + "/ap/mfa", methods=["GET", "POST"])
def mfa(mp: str) -> Response:
    """Ask for the one-time password, showing the current code in a sandbox hint."""
    email = session.get("signin")
    if not email:
        return redirect(url_for(".signin", mp=mp))
    conn = get_db()
    key = current_app.config["SANDBOX_OTP_SECRET"]
    error = None
    if request.method == "POST":
        if security.otp_ok(key, email, request.form.get("otp", ""), conn):
            session.pop("signin", None)
            session.pop("binding", None)  # a new sign-in gets a new binding, as a new session
            session["user"] = email
            session["csrf"] = security.new_csrf_token()
            return redirect(resume_url(mp))
        error = "The code you entered is not valid. Please check the code and try again."
    code = security.otp(key, email, store.now(conn))
    return page(
        "sandbox/mfa.html",
        401 if error else 200,
        mp=mp,
        site=site_name(mp),
        error=error,
        code=code,
        email=email,
    )


@bp.post(SITE + "/ap/signout")
def signout(mp: str) -> Response:
    """Forget the signed-in user and any pending request."""
    session.clear()
    return redirect(url_for(".signin", mp=mp))
