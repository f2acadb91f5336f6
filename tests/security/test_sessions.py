"""Sessions: cookie flags, ending every session, idle and absolute timeouts, remember me."""

from __future__ import annotations

from datetime import timedelta

import pytest

from asc_web import clock
from asc_web.extensions import db
from asc_web.models import User
from tests.conftest import PASSWORD, csrf_from
from tests.support.config import PRODUCTION

from .conftest import plant_session

EXPIRED = "Your session expired. Sign in again."


@pytest.fixture
def clock_at(monkeypatch):
    """Put the app's clock ``delta`` after the real time (absolute, not cumulative)."""
    real = clock.utcnow

    def move(**delta):
        monkeypatch.setattr(clock, "utcnow", lambda: real() + timedelta(**delta))

    return move


def _set_cookie_headers(response, name):
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _change_password(client, current=PASSWORD, new="a brand new passphrase", **extra):
    page = client.get("/account")
    data = {"current": current, "password": new, "confirm": new, **extra}
    data["csrf_token"] = csrf_from(page.text)
    return client.post("/account/password", data=data)


def test_session_cookie_is_httponly_and_samesite_lax_but_not_secure_over_http(accounts):
    accounts.create()
    response = accounts.login(remember=True)
    (session,) = _set_cookie_headers(response, "session")
    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert "Secure" not in session
    (remember,) = _set_cookie_headers(response, "remember_token")
    assert "HttpOnly" in remember and "SameSite=Lax" in remember


def test_production_cookies_are_secure_host_only_and_named_host(make_app):
    app = make_app(**PRODUCTION)
    from tests.conftest import Accounts

    Accounts(app, None).create()
    client = app.test_client()
    https = "https://asc.example.com"
    page = client.get("/login", base_url=https)
    data = {"email": "admin@example.com", "password": PASSWORD, "remember": "y"}
    data["csrf_token"] = csrf_from(page.text)
    # Over HTTPS Flask-WTF also wants a same-origin Referer, as a browser sends.
    headers = {"Referer": https + "/login"}
    response = client.post("/login", data=data, base_url=https, headers=headers)
    assert response.status_code == 303, response.text
    for name in ("__Host-asc_session", "__Host-asc_remember"):
        (cookie,) = _set_cookie_headers(response, name)
        attributes = [part.strip() for part in cookie.split(";")]
        assert "Secure" in attributes and "HttpOnly" in attributes
        assert "SameSite=Lax" in attributes and "Path=/" in attributes
        assert not any(a.lower().startswith("domain=") for a in attributes)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_logout_ends_the_users_sessions_in_every_browser(app, accounts):
    accounts.signed_in("manager")
    other = app.test_client()
    from tests.conftest import Accounts

    Accounts(app, other).login(email="manager@example.com")
    assert _signed_in(other)
    accounts.logout()
    assert not _signed_in(other)
    assert other.get("/").headers["Location"].startswith("/login")


def test_password_change_ends_other_sessions_and_keeps_this_browser_signed_in(
    app, client, accounts
):
    accounts.signed_in("viewer")
    old_cookie = client.get_cookie("session").value
    other = app.test_client()
    from tests.conftest import Accounts

    Accounts(app, other).login(email="viewer@example.com", remember=True)
    other_remember = other.get_cookie("remember_token").value
    response = _change_password(client)
    assert response.status_code == 303
    assert "Your password was changed" in client.get("/account").text
    assert _signed_in(client)
    assert not _signed_in(other)
    for name, value in (("session", old_cookie), ("remember_token", other_remember)):
        replay = app.test_client()
        replay.set_cookie(name, value)
        assert not _signed_in(replay), f"a replayed {name} cookie still works"
    fresh = Accounts(app, app.test_client())
    assert fresh.login(email="viewer@example.com").status_code == 400
    assert (
        fresh.login(email="viewer@example.com", password="a brand new passphrase").status_code
        == 303
    )


def test_wrong_current_password_changes_nothing(app, client, accounts):
    accounts.signed_in("viewer")
    response = _change_password(client, current="not my password")
    assert response.status_code == 422
    assert "The current password is incorrect." in response.text
    assert _signed_in(client)
    with app.app_context():
        assert User.by_email("viewer@example.com").check_password(PASSWORD)


def test_new_password_must_be_long_enough_and_confirmed(client, accounts):
    accounts.signed_in("viewer")
    short = _change_password(client, new="short")
    assert short.status_code == 422 and "10 to 256 characters" in short.text
    page = client.get("/account")
    mismatch = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "something else entirely",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert mismatch.status_code == 422 and "do not match" in mismatch.text


def test_disabling_a_user_ends_their_sessions_and_enabling_does_not_revive_them(
    app, client, accounts
):
    accounts.create(email="viewer@example.com", role="viewer")
    victim = app.test_client()
    from tests.conftest import Accounts

    Accounts(app, victim).login(email="viewer@example.com", remember=True)
    saved = {name: victim.get_cookie(name).value for name in ("session", "remember_token")}
    accounts.signed_in("admin")
    with app.app_context():
        user_id = User.by_email("viewer@example.com").id
    page = client.get("/users")
    disabled = client.post(f"/users/{user_id}/disable", data={"csrf_token": csrf_from(page.text)})
    assert disabled.status_code == 303
    assert "is disabled and was signed out everywhere" in client.get("/users").text
    assert not _signed_in(victim)
    page = client.get("/users")
    client.post(f"/users/{user_id}/enable", data={"csrf_token": csrf_from(page.text)})
    for name, value in saved.items():
        replay = app.test_client()
        replay.set_cookie(name, value)
        assert not _signed_in(replay), f"an old {name} cookie came back to life"


def test_an_admin_cannot_disable_their_own_account(app, client, accounts):
    accounts.signed_in("admin")
    with app.app_context():
        me = User.by_email("admin@example.com").id
    page = client.get("/users")
    client.post(f"/users/{me}/disable", data={"csrf_token": csrf_from(page.text)})
    assert "You cannot disable your own account" in client.get("/users").text
    assert _signed_in(client)


def test_idle_session_expires_with_a_message(client, accounts, clock_at):
    accounts.signed_in("viewer")
    clock_at(minutes=59)
    assert _signed_in(client)
    clock_at(minutes=59 + 61)
    response = client.get("/stores/1", follow_redirects=True)
    assert "Sign in" in response.text and EXPIRED in response.text
    assert not _signed_in(client)


def test_activity_keeps_the_session_alive_until_the_absolute_timeout(client, accounts, clock_at):
    accounts.signed_in("viewer")
    for minutes in range(50, 12 * 60, 50):
        clock_at(minutes=minutes)
        assert _signed_in(client), f"signed out after {minutes} minutes of activity"
    clock_at(hours=12, minutes=1)
    response = client.get("/", follow_redirects=True)
    assert EXPIRED in response.text


def test_expired_session_gets_hx_redirect_for_htmx(client, accounts, clock_at):
    accounts.signed_in("viewer")
    clock_at(minutes=61)
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
    assert EXPIRED in client.get("/login").text


def test_session_cookie_is_rewritten_at_most_once_a_minute(client, accounts, clock_at):
    accounts.signed_in("viewer")
    client.get("/account")  # the first page after sign-in adds a CSRF secret to the session
    clock_at(seconds=5)
    assert not _set_cookie_headers(client.get("/account"), "session")
    clock_at(seconds=30)
    assert not _set_cookie_headers(client.get("/account"), "session")
    clock_at(seconds=65)
    assert _set_cookie_headers(client.get("/account"), "session")


def test_remember_me_survives_idle_time_but_never_the_absolute_timeout(
    app, client, accounts, clock_at
):
    """Decision: "Remember me" outlasts the idle timeout and the browser, not 12 hours."""
    accounts.create()
    accounts.login(remember=True)
    remember = client.get_cookie("remember_token").value
    browser_restarted = app.test_client()
    browser_restarted.set_cookie("remember_token", remember)
    clock_at(hours=3)
    assert _signed_in(browser_restarted)
    clock_at(hours=5)
    assert _signed_in(client), "an idle session with Remember me should be restored"
    clock_at(hours=12, minutes=1)
    late = app.test_client()
    late.set_cookie("remember_token", remember)
    response = late.get("/", follow_redirects=True)
    assert EXPIRED in response.text
    assert not _signed_in(late)
    assert not _signed_in(client)


def test_remember_cookie_lasts_as_long_as_the_absolute_timeout(accounts):
    accounts.create()
    response = accounts.login(remember=True)
    (remember,) = _set_cookie_headers(response, "remember_token")
    expires = next(p for p in remember.split(";") if p.strip().lower().startswith("expires="))
    from email.utils import parsedate_to_datetime

    lifetime = parsedate_to_datetime(expires.split("=", 1)[1]) - clock.utcnow()
    assert timedelta(hours=11, minutes=55) < lifetime <= timedelta(hours=12)


def test_a_session_from_before_this_release_is_refused(app, accounts):
    """Old ``<id>.<nonce>`` ids carry no sign-in time, so they cannot be bounded: refused."""
    accounts.create()
    with app.app_context():
        user = User.by_email("admin@example.com")
        legacy = f"{user.id}.{user.session_nonce}"
        db.session.remove()
    old = app.test_client()
    with old.session_transaction() as session:
        session["_user_id"] = legacy
    assert not _signed_in(old)


def test_an_https_public_address_makes_cookies_secure_in_sandbox_mode_too(make_app):
    app = make_app(PUBLIC_URL="https://asc.example.com")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-asc_session"


def test_sign_in_starts_a_new_session(app, client, accounts):
    """Session fixation: nothing planted before sign-in survives it, the cookie changes."""
    accounts.create()
    client.get("/login")
    with client.session_transaction() as session:
        # An ordinary key: only sign-in itself can clear it (a forged user id would make
        # the login wall end the session before sign-in even starts).
        session["planted"] = "by an attacker"
    before = client.get_cookie("session").value
    assert accounts.login().status_code == 303
    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith("1.")


def test_a_forged_user_id_planted_before_sign_in_does_not_survive_it(app, client, accounts):
    accounts.create()
    client.get("/login")
    with client.session_transaction() as session:
        session["_user_id"] = "1.forged.0"
    assert accounts.login().status_code == 303
    with client.session_transaction() as session:
        assert session["_user_id"] != "1.forged.0"
        assert session["_user_id"].split(".")[1] != "forged"


@pytest.fixture
def frozen(monkeypatch):
    """Stop the app's clock; ``frozen(seconds=…)`` sets it that far after the start."""
    start = clock.utcnow().replace(microsecond=0)
    monkeypatch.setattr(clock, "utcnow", lambda: start)

    def move(**delta):
        monkeypatch.setattr(clock, "utcnow", lambda: start + timedelta(**delta))

    return move


def test_idle_and_absolute_timeouts_end_exactly_at_their_limits(client, accounts, frozen):
    accounts.signed_in("viewer")
    frozen(minutes=60)
    assert _signed_in(client), "60 minutes idle is still within the idle timeout"
    for minutes in range(110, 12 * 60, 50):
        frozen(minutes=minutes)
        assert _signed_in(client)
    frozen(hours=12)
    assert _signed_in(client), "exactly 12 hours is still within the absolute timeout"
    frozen(hours=12, seconds=1)
    assert not _signed_in(client)


def test_one_second_past_the_idle_timeout_ends_the_session(client, accounts, frozen):
    accounts.signed_in("viewer")
    frozen(minutes=60, seconds=1)
    assert not _signed_in(client)


def test_the_cookie_is_rewritten_after_exactly_a_minute(client, accounts, frozen):
    accounts.signed_in("viewer")
    client.get("/account")
    frozen(seconds=59)
    assert not _set_cookie_headers(client.get("/account"), "session")
    frozen(seconds=60)
    assert _set_cookie_headers(client.get("/account"), "session")


def test_an_expired_session_is_logged_with_the_users_id(app, client, accounts, frozen, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="asc_web.auth.events")
    accounts.signed_in("viewer")
    with app.app_context():
        user_id = User.by_email("viewer@example.com").id
    frozen(minutes=61)
    client.get("/account")
    (expired,) = [
        r.getMessage() for r in caplog.records if "event=session.expired" in r.getMessage()
    ]
    assert f" user={user_id} " in expired


def _deletes(response, name: str) -> bool:
    """Whether ``response`` tells the browser to drop the cookie ``name``."""
    return any(
        "expires=thu, 01 jan 1970" in header.lower() or "max-age=0" in header.lower()
        for header in _set_cookie_headers(response, name)
    )


def test_signing_out_deletes_the_remember_me_cookie(client, accounts):
    accounts.create()
    accounts.login(remember=True)
    assert client.get_cookie("remember_token") is not None
    response = accounts.logout()
    assert response.status_code == 303 and _deletes(response, "remember_token")
    assert client.get_cookie("remember_token") is None


@pytest.mark.parametrize("public_url", [None, "https://asc.example.com"], ids=["http", "https"])
def test_a_password_change_deletes_the_old_remember_me_cookie(make_app, public_url):
    settings = {"PUBLIC_URL": public_url} if public_url else {}
    app = make_app(**settings)
    name = app.config.get("REMEMBER_COOKIE_NAME") or "remember_token"
    from tests.conftest import Accounts

    base = public_url or "http://localhost"
    client = app.test_client()
    Accounts(app, None).create()
    page = client.get("/login", base_url=base)
    data = {"email": "admin@example.com", "password": PASSWORD, "remember": "y"}
    headers = {"Referer": base + "/login"}
    data["csrf_token"] = csrf_from(page.text)
    assert client.post("/login", data=data, base_url=base, headers=headers).status_code == 303
    assert client.get_cookie(name, domain="asc.example.com" if public_url else "localhost")
    page = client.get("/account", base_url=base)
    new = "a brand new passphrase"
    changed = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": new, "confirm": new,
              "csrf_token": csrf_from(page.text)},
        base_url=base,
        headers={"Referer": base + "/account"},
    )  # fmt: skip
    assert changed.status_code == 303
    assert _deletes(changed, name), "the old remember-me cookie was left in the browser"


def test_a_plain_sign_in_sets_no_remember_me_cookie_at_all(accounts):
    accounts.create()
    response = accounts.login()
    assert response.status_code == 303
    assert not _set_cookie_headers(response, "remember_token")


def test_remember_me_over_a_stale_remember_cookie_gives_a_working_one(app, client, accounts):
    accounts.create()
    client.set_cookie("remember_token", "1.stale.0|not-a-valid-signature")
    response = accounts.login(remember=True)
    assert not _deletes(response, "remember_token")
    fresh = client.get_cookie("remember_token").value
    restarted = app.test_client()
    restarted.set_cookie("remember_token", fresh)
    assert _signed_in(restarted)


def test_a_user_disabled_directly_in_the_database_is_signed_out(app, client, accounts):
    accounts.signed_in("viewer")
    with app.app_context():
        User.by_email("viewer@example.com").active = False  # the nonce is left as it was
        db.session.commit()
    assert not _signed_in(client)


@pytest.mark.parametrize(
    "value",
    ["x.nonce.123", "1.nonce.abc", "1.nonce", "1", "\u0661.nonce.123", "1.nonce.\u0661\u0662", ""],
)
def test_a_malformed_session_id_sends_to_sign_in_and_never_fails(app, accounts, value, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="asc_web.auth.events")
    accounts.create()
    for last_seen in (None, 0):  # fresh, and long idle
        browser = app.test_client()
        with browser.session_transaction() as session:
            session["_user_id"] = value
            if last_seen is not None:
                session["_seen"] = last_seen
        response = browser.get("/account")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    expired = [r.getMessage() for r in caplog.records if "session.expired" in r.getMessage()]
    assert expired and all(" user=unknown " in message for message in expired), expired


def test_an_idle_session_missing_flask_logins_keys_still_expires_cleanly(app, accounts, frozen):
    accounts.create()
    browser = app.test_client()
    plant_session(app, browser, "admin@example.com")  # no "_id" key in it
    frozen(minutes=61)
    response = browser.get("/account")
    assert response.status_code == 302
    assert EXPIRED in browser.get("/login").text
