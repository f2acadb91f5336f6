"""The card's live poll announces how the awaited attempt ended: to its user, once, only it."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from asc_web import clock
from asc_web.extensions import db
from asc_web.models import AuthorizationAttempt, User
from tests.conftest import Accounts
from tests.support.data import insert_store


@pytest.fixture
def owner(app, client, accounts) -> Accounts:
    """The signed-in admin whose attempts these are."""
    accounts.signed_in("admin", "owner@example.com")
    return accounts


@pytest.fixture
def teammate(app) -> Accounts:
    """Another signed-in admin, in a browser of their own."""
    other = Accounts(app, app.test_client())
    other.signed_in("admin", "teammate@example.com")
    return other


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(User.id).where(User.email == email))


def _attempt(app, store_id, email, expires_at, outcome, message) -> None:
    """An attempt that ended with ``outcome`` (as the callback or Stop waiting leave it)."""
    with app.app_context():
        db.session.add(
            AuthorizationAttempt(
                state_hash=secrets.token_hex(32),
                store_id=store_id,
                user_id=_user_id(app, email),
                region="NA",
                session_hash=secrets.token_hex(32),
                purpose="connect",
                created_at=expires_at - timedelta(minutes=10),
                expires_at=expires_at,
                consumed_at=expires_at - timedelta(minutes=9),
                outcome=outcome,
                message=message,
            )
        )
        db.session.commit()


def _poll(accounts: Accounts, store_id: int, until) -> str:
    """The card poll as htmx sends it while the card awaits the attempt ending at ``until``."""
    response = accounts.client.get(
        f"/stores/{store_id}/connect/status?until={int(until.timestamp())}",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    return response.text


@pytest.fixture
def stores(app):
    return insert_store(app, "Amazon Store USA", "US"), insert_store(app, "Outlet USA", "US")


def test_the_user_who_waited_sees_how_it_ended(app, owner, stores):
    usa, _ = stores
    until = clock.utcnow().replace(microsecond=0) + timedelta(minutes=1)
    _attempt(app, usa, "owner@example.com", until, "connected", "Connected-message.")
    page = _poll(owner, usa, until)
    assert '<div class="flash flash-success">' in page
    assert "Connected-message." in page


def test_a_failure_is_announced_as_an_error(app, owner, stores):
    usa, _ = stores
    until = clock.utcnow().replace(microsecond=0) + timedelta(minutes=1)
    _attempt(app, usa, "owner@example.com", until, "failed", "Failed-message.")
    page = _poll(owner, usa, until)
    assert '<div class="flash flash-error">' in page
    assert "Failed-message." in page


def test_nothing_is_announced_to_another_user_or_on_another_card(app, owner, teammate, stores):
    usa, outlet = stores
    until = clock.utcnow().replace(microsecond=0) + timedelta(minutes=1)
    _attempt(app, usa, "owner@example.com", until, "connected", "Message-of-the-owner.")
    assert "Message-of-the-owner." not in _poll(teammate, usa, until)
    assert "Message-of-the-owner." not in _poll(owner, outlet, until)


def test_stopped_or_replaced_attempts_are_not_announced_by_the_poll(app, owner, stores):
    usa, _ = stores
    until = clock.utcnow().replace(microsecond=0) + timedelta(minutes=1)
    _attempt(app, usa, "owner@example.com", until, "cancelled", "Cancelled-message.")
    _attempt(app, usa, "owner@example.com", until, "superseded", "Superseded-message.")
    page = _poll(owner, usa, until)
    assert "Cancelled-message." not in page
    assert "Superseded-message." not in page
    assert 'class="flash ' not in page


def test_only_the_awaited_attempt_is_announced_not_an_earlier_one(app, owner, stores):
    usa, _ = stores
    until = clock.utcnow().replace(microsecond=0) + timedelta(minutes=1)
    # One that ended before this wait began (expired 1.5 s before it): not this one.
    _attempt(app, usa, "owner@example.com", until - timedelta(seconds=1.5), "connected", "Old.")
    assert "Old." not in _poll(owner, usa, until)
    # The awaited one (a database keeping whole seconds may have rounded its expiry down by
    # up to one second), announced alone.
    _attempt(app, usa, "owner@example.com", until - timedelta(seconds=1), "failed", "Awaited.")
    page = _poll(owner, usa, until)
    assert "Awaited." in page
    assert "Old." not in page
    assert page.count('class="flash ') == 1


def test_when_a_newer_attempt_has_ended_too_only_the_newest_is_announced(app, owner, stores):
    usa, _ = stores
    until = clock.utcnow().replace(microsecond=0) + timedelta(minutes=1)
    _attempt(app, usa, "owner@example.com", until, "failed", "First.")
    _attempt(app, usa, "owner@example.com", until + timedelta(seconds=30), "connected", "Second.")
    page = _poll(owner, usa, until)
    assert "Second." in page
    assert "First." not in page
    assert page.count('class="flash ') == 1
