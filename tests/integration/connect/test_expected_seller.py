"""An attempt opened for one seller (the Login URI names it) is refused for any other."""

from __future__ import annotations

from asc_web import clock
from asc_web.connect import services
from asc_web.extensions import db
from asc_web.models import Store, User
from tests.support.data import insert_store


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
