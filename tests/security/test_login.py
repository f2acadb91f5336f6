"""Sign-in: rate limits per account and per address, one answer for every refusal, events."""

from __future__ import annotations

import logging
import re
import uuid

import pytest

from asc_web.extensions import db
from asc_web.models import User
from tests.conftest import PASSWORD, Accounts, csrf_from

TOO_MANY = "Too many sign-in attempts. Wait a few minutes, then try again."


def _limited_app(make_app, **settings):
    """An app with rate limits on, counted under a key prefix of this test's own."""
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_KEY_PREFIX": f"asc-test-{uuid.uuid4().hex}",
        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": "3 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "6 per minute",
        "LOGIN_LIMIT_PER_IP": "100 per minute",
    }
    config.update(settings)
    return make_app(**config)


WRONG = "wrong password!"


def _attempt(client, email, password=WRONG, address="127.0.0.1"):
    environ = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=environ)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        environ_base=environ,
    )


def test_failed_attempts_lock_the_account_even_for_the_right_password(make_app):
    app = _limited_app(make_app)
    Accounts(app, None).create(email="alice@example.com")
    client = app.test_client()
    for _ in range(3):
        assert _attempt(client, "alice@example.com").status_code == 400
    locked = _attempt(client, "alice@example.com", PASSWORD)
    assert locked.status_code == 429
    assert TOO_MANY in locked.text
    assert int(locked.headers["Retry-After"]) > 0
    other = _attempt(client, "bob@example.com")
    assert other.status_code == 400, "another account is not affected"


def test_unknown_and_known_accounts_are_throttled_alike(make_app):
    app = _limited_app(make_app)
    Accounts(app, None).create(email="alice@example.com")
    client = app.test_client()
    answers = {}
    for email in ("alice@example.com", "nobody@example.com"):
        for _ in range(3):
            _attempt(client, email)
        response = _attempt(client, email)
        answers[email] = (response.status_code, TOO_MANY in response.text)
    assert answers["alice@example.com"] == answers["nobody@example.com"] == (429, True)


def test_successful_sign_ins_do_not_count_against_the_account(make_app):
    app = _limited_app(make_app)
    accounts = Accounts(app, app.test_client())
    accounts.create(email="alice@example.com")
    for _ in range(5):
        assert accounts.login(email="alice@example.com").status_code == 303
        accounts.logout()


def test_one_address_is_throttled_across_accounts(make_app):
    app = _limited_app(make_app, LOGIN_LIMIT_PER_IP="4 per minute")
    client = app.test_client()
    Accounts(app, client).create()
    statuses = [_attempt(client, f"user{i}@example.com").status_code for i in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    elsewhere = app.test_client()
    page = elsewhere.get("/login")
    response = elsewhere.post(
        "/login",
        data={"email": "x@example.com", "password": "p", "csrf_token": csrf_from(page.text)},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 400, "another address is not affected"


def test_limits_are_counted_in_shared_redis_storage(make_app, redis_url):
    import redis

    # Keys are unique to this run: other runs may share Redis DB 15 (and Flask-Limiter keeps
    # the first key prefix it saw in a process, so the email carries the uniqueness).
    email = f"alice-{uuid.uuid4().hex}@example.com"
    app = _limited_app(make_app, RATELIMIT_STORAGE_URI=redis_url)
    Accounts(app, None).create(email=email)
    store = redis.Redis.from_url(redis_url)
    try:
        for _ in range(3):
            assert _attempt(app.test_client(), email).status_code == 400
        keys = [k.decode() for k in store.scan_iter(f"*login-account:{email}*")]
        assert keys, "the attempts were not counted in Redis"
        # A brand-new client (as another worker would see it) is refused: the count is shared.
        assert _attempt(app.test_client(), email, PASSWORD).status_code == 429
    finally:
        for key in store.scan_iter(f"*{email}*"):
            store.delete(key)
        store.close()


def test_auth_events_are_logged_with_time_user_and_address_but_no_password(
    app, client, accounts, caplog
):
    caplog.set_level(logging.INFO, logger="asc_web")
    accounts.create(email="viewer@example.com", role="viewer")
    accounts.login(email="admin@example.com", password="wrong password!")
    accounts.login(email="nobody@example.com", password="wrong password!")
    accounts.signed_in("admin")
    with app.app_context():
        viewer_id = User.by_email("viewer@example.com").id
    page = client.get("/account")
    client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "new passphrase here",
            "confirm": "new passphrase here",
            "csrf_token": csrf_from(page.text),
        },
    )
    page = client.get("/users")
    client.post(f"/users/{viewer_id}/disable", data={"csrf_token": csrf_from(page.text)})
    accounts.logout()
    events = [r for r in caplog.records if r.name == "asc_web.auth.events"]
    kinds = [r.getMessage().split("event=")[1].split()[0] for r in events]
    for expected in ("sign-in.refused", "sign-in.ok", "password.changed", "user.disabled",
                     "sign-out"):  # fmt: skip
        assert expected in kinds, kinds
    for record in events:
        message = record.getMessage()
        assert " ip=127.0.0.1 " in message and " at=20" in message and " user=" in message
    ok = next(r.getMessage() for r in events if "event=sign-in.ok" in r.getMessage())
    assert "email=admin@example.com" in ok
    for secret in (PASSWORD, "wrong password!", "new passphrase here"):
        assert secret not in caplog.text


def test_unknown_email_and_wrong_password_get_the_very_same_page(accounts):
    accounts.create()
    pages = []
    for email in ("admin@example.com", "nobody@example.com"):
        response = accounts.login(email=email, password="wrong password!")
        body = re.sub(r'(value|content)="[^"]*"', r'\1=""', response.text)  # tokens, email
        pages.append((response.status_code, body))
    assert pages[0] == pages[1]


def test_disabled_account_gets_the_same_answer_as_a_wrong_password(app, accounts):
    accounts.create(email="gone@example.com", role="viewer")
    with app.app_context():
        User.by_email("gone@example.com").active = False
        db.session.commit()
    disabled = accounts.login(email="gone@example.com")
    wrong = accounts.login(email="admin@example.com")
    assert disabled.status_code == wrong.status_code == 400
    assert disabled.text.count("The email address or password is incorrect.") == 1
    assert "disabled" not in disabled.text.lower()


@pytest.mark.parametrize("email", ["ad\u200bmin@example.com", "admin\u202e@example.com"])
def test_emails_with_invisible_characters_are_refused_when_adding_a_user(
    app, client, accounts, email
):
    accounts.signed_in("admin")
    page = client.get("/users")
    response = client.post(
        "/users",
        data={
            "email": email,
            "role": "viewer",
            "password": "long enough password",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 422
    assert "invisible or control characters" in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_unknown_disabled_and_known_accounts_each_check_one_real_password_hash(
    app, accounts, monkeypatch
):
    """Equal work for every refusal: one scrypt check of the same cost, whoever is asked for."""
    from werkzeug import security

    from asc_web.auth import services
    from asc_web.models import accounts as account_model

    checked = []

    def counting(pwhash, password):
        checked.append(pwhash.split("$")[0])  # the method and its cost, never the hash
        return security.check_password_hash(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    monkeypatch.setattr(account_model, "check_password_hash", counting)
    accounts.create(email="known@example.com", role="viewer")
    accounts.create(email="gone@example.com", role="viewer")
    with app.app_context():
        User.by_email("gone@example.com").active = False
        db.session.commit()
    methods = {}
    for email in ("nobody@example.com", "gone@example.com", "known@example.com"):
        checked.clear()
        assert accounts.login(email=email, password=WRONG).status_code == 400
        methods[email] = list(checked)
    real = methods["known@example.com"]
    assert len(real) == 1 and real[0].startswith("scrypt:"), methods
    assert methods["nobody@example.com"] == methods["gone@example.com"] == real, methods


def test_a_stranger_cannot_lock_the_owner_out(make_app):
    """Failures count per account and address: the owner, elsewhere, still signs in."""
    app = _limited_app(make_app)
    Accounts(app, None).create(email="alice@example.com")
    stranger, owner = app.test_client(), app.test_client()
    for _ in range(3):
        assert _attempt(stranger, "alice@example.com", address="192.0.2.66").status_code == 400
    assert _attempt(stranger, "alice@example.com", address="192.0.2.66").status_code == 429
    signed_in = _attempt(owner, "alice@example.com", PASSWORD, address="198.51.100.7")
    assert signed_in.status_code == 303


def test_failures_from_many_addresses_still_meet_a_looser_limit_per_account(make_app):
    app = _limited_app(make_app)
    Accounts(app, None).create(email="alice@example.com")
    client = app.test_client()
    for n in range(6):
        assert _attempt(client, "alice@example.com", address=f"192.0.2.{n}").status_code == 400
    locked = _attempt(client, "alice@example.com", PASSWORD, address="198.51.100.7")
    assert locked.status_code == 429 and TOO_MANY in locked.text


@pytest.mark.parametrize(
    ("limits", "window"),
    [
        ({"LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS": "2 per 15 minutes"}, 15 * 60),
        ({"LOGIN_LIMIT_PER_ACCOUNT": "2 per hour"}, 3600),
        ({"LOGIN_LIMIT_PER_IP": "2 per 10 minutes"}, 10 * 60),
    ],
)
def test_retry_after_tells_the_real_wait(make_app, limits, window):
    app = _limited_app(make_app, **limits)
    client = app.test_client()
    Accounts(app, client).create(email="alice@example.com")
    for _ in range(2):
        _attempt(client, "alice@example.com")
    locked = _attempt(client, "alice@example.com", PASSWORD)
    assert locked.status_code == 429
    wait = int(locked.headers["Retry-After"])
    assert window - 60 < wait <= window, wait
    minutes = -(-wait // 60)
    assert f"Try again in {minutes} minutes." in locked.text


def test_a_throttled_sign_in_is_logged_with_the_limit_it_broke(make_app, caplog):
    caplog.set_level(logging.INFO, logger="asc_web.auth.events")
    app = _limited_app(make_app)
    Accounts(app, None).create(email="alice@example.com")
    client = app.test_client()
    for _ in range(4):
        _attempt(client, "alice@example.com")
    throttled = [r.getMessage() for r in caplog.records if "throttled" in r.getMessage()]
    assert throttled and all("event=sign-in.throttled " in m for m in throttled), throttled
    assert any(m.endswith(" limit=3_per_1_minute") for m in throttled), throttled


def test_a_sign_in_without_an_email_field_is_refused_and_still_counted(make_app):
    app = _limited_app(make_app, LOGIN_LIMIT_PER_IP="2 per minute")
    Accounts(app, None).create()
    client = app.test_client()
    for _ in range(2):
        page = client.get("/login")
        data = {"password": WRONG, "csrf_token": csrf_from(page.text)}
        response = client.post("/login", data=data)
        assert response.status_code == 400
        assert "Enter your email address." in response.text
    assert _attempt(client, "admin@example.com", PASSWORD).status_code == 429
