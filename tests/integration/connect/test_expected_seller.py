"""An attempt opened for one seller (the Login URI names it, or the store's authorization
holds it) is refused for any other before Amazon is called; reconnecting is recorded so."""

from __future__ import annotations

from asc_web import clock
from asc_web.amazon import lwa, sellers
from asc_web.amazon.marketplaces import MARKETPLACES
from asc_web.connect import services
from asc_web.extensions import db
from asc_web.models import Store, StoreActivity, User
from tests.support.data import add_authorization, insert_store


def test_a_callback_for_another_seller_than_the_login_uri_named_is_refused_before_amazon(
    app, accounts
):
    accounts.create("owner@example.com")
    store_id = insert_store(app, "Outlet USA", "US")
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.email == "owner@example.com"))
        attempt, _state = services.open_attempt(
            db.session.get(Store, store_id),
            user_id,
            "session-nonce",
            clock.utcnow(),
            selling_partner_id="A1USONLYSLR003",
            amazon_state="amzn-state",
        )
        ctx = services.context(attempt.id)
        assert ctx.expected_seller == "A1USONLYSLR003"
        # No LWA or Sellers API is reachable from this app: a refusal must come first.
        outcome = services.authorize(ctx, "A1NASELLER0001", "code")
    assert outcome.ok is False
    assert outcome.message == (
        "Seller Central asked to connect seller A1USONLYSLR003, but you signed in as seller "
        "A1NASELLER0001, so “Outlet USA” was not connected. Sign in with the account of seller "
        "A1USONLYSLR003, or select Connect store on the card."
    )


def _attempt_for(app, store_id: int, user_email: str = "owner@example.com"):
    """Open an attempt for the store as the Connect button does; return its context."""
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.email == user_email))
        attempt, _state = services.open_attempt(
            db.session.get(Store, store_id), user_id, "session-nonce", clock.utcnow()
        )
        db.session.commit()
        return user_id, services.context(attempt.id)


def test_renewing_for_another_seller_is_refused_before_amazon_naming_the_stores_kept(app, accounts):
    accounts.create("owner@example.com")
    usa = insert_store(app, "Outlet USA", "US")
    canada = insert_store(app, "Outlet Canada", "CA")
    with app.app_context():
        add_authorization([usa, canada], "A1NASELLER0001")
        db.session.commit()
    _user_id, ctx = _attempt_for(app, usa)
    assert (ctx.expected_seller, ctx.kept_stores, ctx.purpose) == (
        "A1NASELLER0001",
        ("Outlet USA", "Outlet Canada"),  # in the order they joined
        "renew",
    )
    with app.app_context():
        # No LWA or Sellers API is reachable from this app: a refusal must come first.
        outcome = services.authorize(ctx, "A1USONLYSLR003", "code")
    assert outcome.ok is False
    assert "you signed in as seller A1USONLYSLR003" in outcome.message
    assert "“Outlet Canada”" in outcome.message and "“Outlet USA”" in outcome.message


def test_a_callback_without_a_code_is_refused_before_amazon(app, accounts):
    accounts.create("owner@example.com")
    _user_id, ctx = _attempt_for(app, insert_store(app, "Outlet USA", "US"))
    with app.app_context():
        assert services.authorize(ctx, "A1NASELLER0001", "") == services.Outcome(
            False, services.EXPIRED_LINK
        )
        assert services.authorize(ctx, "", "code") == services.Outcome(False, services.EXPIRED_LINK)


def test_reconnecting_a_revoked_store_is_recorded_as_reconnected(app, accounts):
    accounts.create("owner@example.com")
    usa = insert_store(app, "Outlet USA", "US")
    with app.app_context():
        add_authorization([usa], "A1NASELLER0001", revoked_at=clock.utcnow())
        db.session.commit()
    user_id, ctx = _attempt_for(app, usa)
    assert ctx.purpose == "reconnect"
    marketplace = MARKETPLACES["US"]
    grant = services.Grant(
        "A1NASELLER0001",
        lwa.Tokens("access", "refresh", 3600),
        [
            sellers.Participation(
                marketplace.marketplace_id, "Amazon.com", "US", "Outlet", True, False
            )
        ],
    )
    with app.app_context():
        outcome = services.finish(ctx, grant, user_id, clock.utcnow())
        db.session.commit()
        actions = db.session.scalars(
            db.select(StoreActivity.action).where(StoreActivity.store_id == usa)
        ).all()
    assert outcome.ok is True
    assert outcome.message.startswith("“Outlet USA” is reconnected with Amazon Seller Central")
    assert actions == ["reconnected"]
