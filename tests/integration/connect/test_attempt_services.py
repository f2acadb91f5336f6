"""The connect state's rules, called directly: who may open attempts, what closes them, and
what claims one (the routes that call these are tested through HTTP elsewhere)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from asc_web import clock
from asc_web.connect import services
from asc_web.extensions import db
from asc_web.models import AuthorizationAttempt, Store, User
from asc_web.models.authorizations import unfinished
from tests.support.data import activity as _activity
from tests.support.data import insert_store

TOO_MANY = (
    "You already have several connections waiting for Amazon. Finish them in their "
    "Seller Central tabs, or wait ten minutes, then try again."
)


@pytest.fixture
def people(app, accounts) -> tuple[int, int]:
    """Two managers' user ids."""
    accounts.create("one@example.com", "manager")
    accounts.create("two@example.com", "manager")
    with app.app_context():
        return tuple(
            db.session.scalar(db.select(User.id).where(User.email == email))
            for email in ("one@example.com", "two@example.com")
        )


@pytest.fixture
def stores(app) -> list[int]:
    return [insert_store(app, f"Store {n}", "US") for n in range(8)]


def _open(store_id: int, user_id: int, now, nonce: str = "nonce") -> tuple[int, str]:
    attempt, state = services.open_attempt(db.session.get(Store, store_id), user_id, nonce, now)
    return attempt.id, state


def test_five_attempts_may_wait_on_other_stores_but_not_a_sixth(app, people, stores):
    one, two = people
    now = clock.utcnow()
    with app.app_context():
        for store_id in stores[:5]:
            _open(store_id, one, now)
        with pytest.raises(services.ConnectRefused) as refused:
            _open(stores[5], one, now)
        assert str(refused.value) == TOO_MANY
        # Starting again on a store already waiting replaces its attempt: not one more.
        _open(stores[0], one, now)
        # Another person's attempts are theirs.
        _open(stores[5], two, now)


def test_claimed_and_timed_out_attempts_leave_room_for_new_ones(app, people, stores):
    one, _ = people
    now = clock.utcnow()
    with app.app_context():
        _open(stores[0], one, now - services.ATTEMPT_LIFETIME)  # its ten minutes end now
        for store_id in stores[1:5]:
            _open(store_id, one, now)
        claimed_id, claimed_state = _open(stores[5], one, now)
        assert services.consume(claimed_state, one, "nonce", now) == claimed_id
        _open(stores[6], one, now)  # four others wait: room for a fifth
        with pytest.raises(services.ConnectRefused):
            _open(stores[7], one, now)


def test_a_new_attempt_ends_the_stores_waiting_one_as_restarted(app, people, stores, caplog):
    one, _ = people
    now = clock.utcnow().replace(microsecond=0)
    later = now + timedelta(minutes=1)
    caplog.set_level(logging.INFO, logger="asc_web")
    with app.app_context():
        old_id, _ = _open(stores[0], one, now)
        other_id, _ = _open(stores[1], one, now)
        new_id, state = _open(stores[0], one, later)
        old = db.session.get(AuthorizationAttempt, old_id)
        message = services.ENDINGS["superseded"].format(name="Store 0")
        assert (old.outcome, old.message, old.consumed_at) == ("superseded", message, later)
        assert _activity(stores[0]) == [("connect_restarted", one, message)]
        # The other store's attempt waits on; the new one is open, made now.
        assert db.session.get(AuthorizationAttempt, other_id).consumed_at is None
        new = db.session.get(AuthorizationAttempt, new_id)
        assert (new.consumed_at, new.created_at) == (None, later)
        assert new.expires_at == later + services.ATTEMPT_LIFETIME
        assert new.state_hash == services.digest(state) and len(state) == 43
    assert f"Connect attempt {new_id} opened for store {stores[0]} by user {one}" in caplog.messages


def test_an_attempt_past_its_ten_minutes_ends_as_expired_whatever_the_reason(app, people, stores):
    one, _ = people
    now = clock.utcnow().replace(microsecond=0)
    with app.app_context():
        ran_out, _ = _open(stores[0], one, now - services.ATTEMPT_LIFETIME)  # ends exactly now
        waiting, _ = _open(stores[1], one, now - timedelta(minutes=9))
        assert services.cancel(db.session.get(Store, stores[0]), now, one) == (
            services.ENDINGS["expired"].format(name="Store 0")
        )
        assert services.cancel(db.session.get(Store, stores[1]), now, one) == (
            services.ENDINGS["cancelled"].format(name="Store 1")
        )
        assert db.session.get(AuthorizationAttempt, ran_out).outcome == "expired"
        assert db.session.get(AuthorizationAttempt, waiting).outcome == "cancelled"


def test_an_ended_attempt_is_not_ended_again(app, people, stores):
    one, _ = people
    now = clock.utcnow().replace(microsecond=0)
    with app.app_context():
        attempt_id, state = _open(stores[0], one, now)
        assert services.consume(state, one, "nonce", now) == attempt_id
        attempt = db.session.get(AuthorizationAttempt, attempt_id)
        attempt.outcome, attempt.message = "connected", "Connected."
        assert services.cancel(db.session.get(Store, stores[0]), now, one) is None
        assert (attempt.outcome, attempt.message) == ("connected", "Connected.")
        assert _activity(stores[0]) == []


def test_a_claimed_attempt_is_processing_until_it_ends(app, people, stores):
    one, _ = people
    now = clock.utcnow()
    with app.app_context():
        attempt_id, state = _open(stores[0], one, now)
        assert services.consume(state, one, "nonce", now) == attempt_id
        still_waiting = db.select(db.func.count(AuthorizationAttempt.id)).where(unfinished())
        assert db.session.scalar(still_waiting) == 1
        assert services.consume(state, one, "nonce", now) is None  # once only


@pytest.mark.parametrize(
    "change",
    ["altered state", "another user", "another session", "ten minutes later", "empty nonce"],
)
def test_only_the_state_user_and_session_that_opened_it_claim_an_attempt(
    app, people, stores, change
):
    one, two = people
    now = clock.utcnow()
    with app.app_context():
        nonce = "" if change == "empty nonce" else "nonce"
        attempt_id, state = _open(stores[0], one, now, nonce)
        claim = {"state": state, "user_id": one, "session_nonce": nonce, "now": now}
        if change == "altered state":
            claim["state"] = state[:-1] + ("A" if state[-1] != "A" else "B")
        elif change == "another user":
            claim["user_id"] = two
        elif change == "another session":
            claim["session_nonce"] = "other nonce"
        elif change == "ten minutes later":
            claim["now"] = now + services.ATTEMPT_LIFETIME
        assert services.consume(**claim) is None
        # Nothing was claimed on the way: the attempt still waits.
        assert db.session.get(AuthorizationAttempt, attempt_id).consumed_at is None
        if change != "empty nonce":
            assert services.consume(state, one, nonce, now) == attempt_id
