"""What a grant from Amazon writes (mutation pass over connect's services): the guards
re-checked in the write for what changed while Amazon was answering, the Activity entries
and messages of a connect and a renewal, Amazon's refusals, the errors kept for the log,
expired, cancelled and abandoned attempts."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from asc_web import clock
from asc_web.amazon import lwa, sellers
from asc_web.amazon.errors import AmazonError, merchant_message
from asc_web.amazon.marketplaces import MARKETPLACES
from asc_web.connect import login, services
from asc_web.extensions import db
from asc_web.models import (
    Authorization,
    AuthorizationAttempt,
    CommunicationError,
    Store,
    User,
)
from asc_web.rendering import asc_date
from tests.support.data import activity, add_authorization, insert_store

SELLER = "A1NASELLER0001"
OTHER_SELLER = "A2NASELLER0002"


@pytest.fixture
def user_id(app, accounts) -> int:
    accounts.create("owner@example.com")
    with app.app_context():
        return db.session.scalar(db.select(User.id).where(User.email == "owner@example.com"))


def _open(app, store_id: int, user_id: int, now=None) -> services.Context:
    """Open an attempt for the store as the Connect button does; return its context."""
    with app.app_context():
        attempt, _state = services.open_attempt(
            db.session.get(Store, store_id), user_id, "session-nonce", now or clock.utcnow()
        )
        db.session.commit()
        return services.context(attempt.id)


def _grant(seller: str = SELLER, *countries: str) -> services.Grant:
    """What Amazon grants: tokens and the seller's marketplaces (participating)."""
    participations = [
        sellers.Participation(
            MARKETPLACES[c].marketplace_id, MARKETPLACES[c].country, c, "Outlet", True, False
        )
        for c in countries or ("US", "CA", "MX")
    ]
    return services.Grant(seller, lwa.Tokens("access", "refresh", 3600), participations)


def _activity(app, store_id: int) -> list[tuple[str, str, int | None]]:
    """The store's Activity entries as (action, detail, user id)."""
    with app.app_context():
        return [(action, detail, user) for action, user, detail in activity(store_id)]


def _finish(app, ctx: services.Context, user_id: int) -> tuple[services.Outcome, str]:
    """Record a grant for the attempt; return the outcome and the new expiry as shown."""
    with app.app_context():
        outcome = services.finish(ctx, _grant(), user_id, clock.utcnow())
        db.session.commit()
        return outcome, asc_date(db.session.get(Store, ctx.store_id).authorization.expires_at)


def _attempt(app, attempt_id: int) -> AuthorizationAttempt:
    with app.app_context():
        attempt = db.session.get(AuthorizationAttempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


# --- the guards, re-checked in the write -------------------------------------------------


def test_a_store_deleted_while_amazon_answered_is_an_expired_link(app, user_id):
    ctx = _open(app, insert_store(app, "Outlet USA", "US"), user_id)
    with app.app_context():
        db.session.delete(db.session.get(Store, ctx.store_id))
        db.session.commit()
        outcome = services.finish(ctx, _grant(), user_id, clock.utcnow())
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(Authorization.id))) == 0
    assert outcome == services.Outcome(False, services.EXPIRED_LINK)


def test_a_store_given_another_sellers_authorization_meanwhile_keeps_it(app, user_id):
    usa = insert_store(app, "Outlet USA", "US")
    canada = insert_store(app, "Outlet Canada", "CA")
    ctx = _open(app, usa, user_id)  # no authorization yet: any seller may answer
    with app.app_context():
        add_authorization([usa, canada], SELLER)
        db.session.commit()
        before = db.session.execute(db.select(Authorization.id, Authorization.expires_at)).all()
    now = clock.utcnow()
    with app.app_context():
        outcome = services.finish(ctx, _grant(OTHER_SELLER), user_id, now)
        db.session.commit()
        after = db.session.execute(db.select(Authorization.id, Authorization.expires_at)).all()
        holder = db.session.get(Store, usa).authorization.selling_partner_id
    assert outcome == services.Outcome(
        False,
        f"“Outlet USA” uses the authorization of seller {SELLER}, but you signed in as seller "
        f"{OTHER_SELLER}. Nothing was changed: “Outlet USA”, “Outlet Canada” keep the "
        f"authorization of seller {SELLER}. Sign in with that account to renew it, or "
        "disconnect the store first to use another seller.",
    )
    assert (after, holder) == (before, SELLER)
    attempt = _attempt(app, ctx.attempt_id)
    assert (attempt.outcome, attempt.message, attempt.consumed_at) == (
        "failed",
        outcome.message,
        now,
    )
    assert _activity(app, usa) == [("connect_failed", outcome.message, user_id)]


def test_a_marketplace_another_store_took_meanwhile_is_refused_and_nothing_renewed(app, user_id):
    usa = insert_store(app, "Outlet USA", "US")
    other = insert_store(app, "Second USA", "US")
    ctx = _open(app, usa, user_id)
    with app.app_context():
        add_authorization([other], SELLER)
        db.session.commit()
        before = db.session.execute(
            db.select(Authorization.expires_at, Authorization.refresh_token_encrypted)
        ).all()
    with app.app_context():
        outcome = services.finish(ctx, _grant(), user_id, clock.utcnow())
        db.session.commit()
        after = db.session.execute(
            db.select(Authorization.expires_at, Authorization.refresh_token_encrypted)
        ).all()
        assert db.session.get(Store, usa).authorization_id is None
    assert outcome == services.Outcome(
        False,
        "This Seller Central account is already connected to the store “Second USA” for "
        "United States. Use that store, or disconnect it first.",
    )
    assert after == before  # the seller's authorization was not renewed by a refused grant


# --- what a connect and a renewal write --------------------------------------------------


def test_a_connect_records_who_connected_which_seller_until_when(app, user_id, caplog):
    usa = insert_store(app, "Outlet USA", "US")
    ctx = _open(app, usa, user_id)
    caplog.set_level(logging.INFO, logger="asc_web.connect.services")
    outcome, until = _finish(app, ctx, user_id)
    assert outcome == services.Outcome(
        True, f"“Outlet USA” is connected with Amazon Seller Central until {until}."
    )
    assert _activity(app, usa) == [
        ("connected", f"Connected to seller {SELLER} (North America); authorized until {until}.",
         user_id),
    ]  # fmt: skip
    assert f"Store {usa} is connected (seller {SELLER})" in caplog.messages


def test_a_renewal_renews_every_store_of_the_authorization_and_says_so(app, user_id, caplog):
    usa = insert_store(app, "Outlet USA", "US")
    canada = insert_store(app, "Outlet Canada", "CA")
    mexico = insert_store(app, "Outlet Mexico", "MX")
    with app.app_context():
        add_authorization([usa, canada, mexico], SELLER)
        db.session.commit()
    ctx = _open(app, usa, user_id)
    assert ctx.purpose == "renew"
    caplog.set_level(logging.INFO, logger="asc_web.connect.services")
    outcome, until = _finish(app, ctx, user_id)
    assert outcome == services.Outcome(
        True,
        f"“Outlet USA” renewed its authorization with Amazon Seller Central until {until}. "
        "The same authorization now also holds until then for “Outlet Canada”, “Outlet Mexico”.",
    )
    assert _activity(app, usa) == [
        ("renewed", f"seller {SELLER} (North America); authorized until {until}.", user_id)
    ]
    for sibling in (canada, mexico):
        assert _activity(app, sibling) == [
            ("renewed", f"Renewed with “Outlet USA”: authorized until {until}.", user_id)
        ]
    assert f"Store {usa} renewed its authorization (seller {SELLER})" in caplog.messages


# --- Amazon's answers before anything is written ----------------------------------------


@pytest.fixture
def amazon(monkeypatch, app):
    """LWA and the Sellers API as ``authorize`` calls them, recording the arguments."""
    calls: dict = {"participations": [], "error": None}

    def exchange_code(client, code, redirect_uri):
        calls["exchange"] = (code, redirect_uri)
        return lwa.Tokens("access-token", "refresh-token", 3600)

    def marketplace_participations(base_url, access_token, timeouts=None):
        calls["sellers"] = (base_url, access_token, timeouts)
        if calls["error"] is not None:
            raise calls["error"]
        return calls["participations"]

    monkeypatch.setattr(services.lwa, "exchange_code", exchange_code)
    monkeypatch.setattr(services.sellers, "marketplace_participations", marketplace_participations)
    return calls


def test_authorize_passes_the_redirect_uri_and_timeouts_amazon_needs(app, user_id, amazon):
    ctx = _open(app, insert_store(app, "Outlet USA", "US"), user_id)
    amazon["participations"] = _grant().participations
    with app.app_context():
        grant = services.authorize(ctx, SELLER, "the-code")
        expected = (
            ("the-code", services.settings.redirect_uri()),
            (services.settings.endpoints().spapi("NA"), "access-token",
             services.settings.timeouts()),
        )  # fmt: skip
    assert isinstance(grant, services.Grant) and grant.selling_partner_id == SELLER
    assert (amazon["exchange"], amazon["sellers"]) == expected


@pytest.mark.parametrize(
    ("country", "region"), [("US", "North America"), ("UK", "Europe")], ids=["NA", "EU"]
)
def test_an_account_of_another_region_is_told_which_account_to_use(
    app, user_id, amazon, country, region
):
    ctx = _open(app, insert_store(app, "Outlet", country), user_id)
    amazon["error"] = error = AmazonError(
        "getMarketplaceParticipations", "Unauthorized", status=403
    )
    with app.app_context():
        outcome = services.authorize(ctx, SELLER, "the-code")
    name = MARKETPLACES[country].country
    assert outcome == services.Outcome(
        False,
        f"The Seller Central account you signed in with is not a {region} account, so it "
        f"cannot sell in {name}. Sign in with your {region} account.",
        error,
    )


def test_an_account_that_does_not_sell_in_the_marketplace_is_refused(app, user_id, amazon):
    ctx = _open(app, insert_store(app, "Outlet USA", "US"), user_id)
    amazon["participations"] = _grant(SELLER, "CA").participations
    with app.app_context():
        outcome = services.authorize(ctx, SELLER, "the-code")
    assert outcome == services.Outcome(
        False,
        "The Seller Central account you signed in with does not sell in United States, so "
        "“Outlet USA” was not connected. Sign in with the account that sells in United States.",
    )


def test_an_amazon_failure_is_a_failed_outcome_in_the_merchants_words():
    error = AmazonError("getMarketplaceParticipations", "QuotaExceeded", status=429)
    assert services.failed(error) == services.Outcome(False, merchant_message(error), error)


# --- errors kept for the Communication Errors Log ----------------------------------------


def test_a_refusal_with_amazons_error_keeps_it_for_the_store_trimmed(app, user_id, caplog):
    ctx = _open(app, insert_store(app, "Outlet USA", "US"), user_id)
    error = AmazonError("exchangeCode", "invalid_client" + "x" * 100, "d" * 3000, status=401)
    configuration = AmazonError("exchangeCode", "invalid_client", "Client authentication failed")
    caplog.set_level(logging.WARNING, logger="asc_web.connect.services")
    with app.app_context():
        services.finish(ctx, services.Outcome(False, "Refused.", error), user_id, clock.utcnow())
        services.record_error(ctx.store_id, configuration)
        services.record_error(None, AmazonError("exchangeCode", "server_error", ""))
        db.session.commit()
        rows = db.session.execute(
            db.select(
                CommunicationError.store_id,
                CommunicationError.operation,
                CommunicationError.code,
                CommunicationError.description,
            ).order_by(CommunicationError.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (ctx.store_id, "exchangeCode", ("invalid_client" + "x" * 100)[:64], "d" * 2000),
        (ctx.store_id, "exchangeCode", "invalid_client", "Client authentication failed"),
        (None, "exchangeCode", "server_error", ""),
    ]
    assert (
        "Amazon configuration error on exchangeCode: invalid_client Client authentication failed"
        in caplog.messages
    )


# --- attempts that end without Amazon ----------------------------------------------------


def test_sweeping_records_only_attempts_at_or_past_their_ten_minutes(app, user_id):
    start = clock.utcnow().replace(microsecond=0)
    due = _open(app, insert_store(app, "Outlet USA", "US"), user_id, start)
    later = _open(
        app, insert_store(app, "Outlet Canada", "CA"), user_id, start + timedelta(minutes=1)
    )
    with app.app_context():
        assert services.sweep_expired(start + timedelta(minutes=10)) == 1
        db.session.commit()
    message = (
        "The connection attempt for “Outlet USA” expired after 10 minutes without an answer "
        "from Amazon. Select Connect store to try again."
    )
    assert _attempt(app, due.attempt_id).outcome == "expired"
    assert _activity(app, due.store_id) == [("connect_expired", message, user_id)]
    assert _attempt(app, later.attempt_id).outcome is None
    assert _activity(app, later.store_id) == []


def test_stop_waiting_is_recorded_as_the_person_who_stopped(app, user_id):
    ctx = _open(app, insert_store(app, "Outlet USA", "US"), user_id)
    with app.app_context():
        message = services.cancel(db.session.get(Store, ctx.store_id), clock.utcnow(), user_id)
        db.session.commit()
    assert message == services.ENDINGS["cancelled"].format(name="Outlet USA")
    assert _activity(app, ctx.store_id) == [("connect_cancelled", message, user_id)]


def test_an_abandoned_claim_ends_as_failed_once(app, user_id):
    ctx = _open(app, insert_store(app, "Outlet USA", "US"), user_id)
    now = clock.utcnow()
    with app.app_context():
        attempt = db.session.get(AuthorizationAttempt, ctx.attempt_id)
        attempt.consumed_at, attempt.outcome = now, "processing"  # claimed by a callback
        db.session.commit()
        services.abandon(ctx.attempt_id, user_id, now + timedelta(seconds=5))
        services.abandon(ctx.attempt_id, user_id, now + timedelta(seconds=9))  # already ended
        services.abandon(ctx.attempt_id + 1000, user_id, now)  # no such attempt: nothing
        db.session.commit()
    ended = _attempt(app, ctx.attempt_id)
    assert (ended.outcome, ended.message, ended.consumed_at) == (
        "failed",
        services.UNEXPECTED_FAILURE,
        now,
    )
    assert _activity(app, ctx.store_id) == [
        ("connect_failed", services.UNEXPECTED_FAILURE, user_id)
    ]


def test_an_unclaimed_attempt_abandoned_by_a_failing_callback_ends_as_failed(app, user_id):
    ctx = _open(app, insert_store(app, "Outlet USA", "US"), user_id)
    now = clock.utcnow()
    with app.app_context():
        services.abandon(ctx.attempt_id, None, now)
        db.session.commit()
    ended = _attempt(app, ctx.attempt_id)
    assert (ended.outcome, ended.consumed_at) == ("failed", now)
    assert _activity(app, ctx.store_id) == [("connect_failed", services.UNEXPECTED_FAILURE, None)]


def test_amazons_error_for_a_store_deleted_meanwhile_is_kept_without_the_store(app, user_id):
    ctx = _open(app, insert_store(app, "Outlet USA", "US"), user_id)
    error = AmazonError("getMarketplaceParticipations", "Unauthorized", "no", status=403)
    with app.app_context():
        db.session.delete(db.session.get(Store, ctx.store_id))
        db.session.commit()
        outcome = services.finish(ctx, services.Outcome(False, "Refused.", error), user_id,
                                  clock.utcnow())  # fmt: skip
        db.session.commit()
        kept = db.session.execute(
            db.select(CommunicationError.store_id, CommunicationError.code)
        ).all()
    assert outcome.ok is False
    assert [tuple(row) for row in kept] == [(None, "Unauthorized")]


# --- the Login URI's choice --------------------------------------------------------------


def _login_request(seller: str = SELLER):
    return login.LoginRequest(
        "https://example.com/callback", "amzn-state", seller, MARKETPLACES["US"]
    )


def test_the_login_uri_offers_unconnected_stores_of_the_region_oldest_first(app):
    start = clock.utcnow().replace(microsecond=0)
    newer = insert_store(app, "Newer USA", "US", created_at=start + timedelta(minutes=1))
    older = insert_store(app, "Older Canada", "CA", created_at=start)
    twin = insert_store(app, "Twin Mexico", "MX", created_at=start)  # same time: by id
    insert_store(app, "Outlet UK", "UK", created_at=start - timedelta(days=1))  # Europe
    with app.app_context():
        options = login.choice(_login_request())
        assert (options.authorization, options.renews) == (None, [])
        assert [s.id for s in options.candidates] == [older, twin, newer]


def test_the_login_uri_renews_the_sellers_authorization_with_its_stores(app):
    usa = insert_store(app, "Outlet USA", "US")
    insert_store(app, "Other Canada", "CA")
    with app.app_context():
        add_authorization([usa], SELLER)
        db.session.commit()
        options = login.choice(_login_request())
        assert options.authorization.selling_partner_id == SELLER
        assert ([s.id for s in options.renews], options.candidates) == ([usa], [])
