"""The SQL status rules select exactly the stores the Python rules label (docs/statuses.md)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from asc_web import clock
from asc_web.extensions import db
from asc_web.models import Authorization, AuthorizationAttempt, Store, User
from asc_web.models.status import LABELS, attention_count_select, condition, store_status
from tests.support.data import add_authorization

# Days since authorization: active, renewal due, expired.
AGES = (10, 340, 400)


def _facts(app, stores, accounts) -> None:
    """One store for every combination of active, connection age, revocation and attempt."""
    accounts.create()
    with app.app_context():
        user_id = db.session.scalar(select(User.id))
    now = clock.utcnow()
    combos = itertools.product((True, False), (None, *AGES), (False, True), (None, 5, -5))
    for n, (active, age, revoked, attempt_minutes) in enumerate(combos):
        if age is None and revoked:
            continue
        store_id = stores.make(f"Status store {n}", "US", active=active)
        with app.app_context():
            if age is not None:
                add_authorization(
                    [store_id],
                    f"SELLER{n:08d}",
                    authorized_at=now - timedelta(days=age),
                    revoked_at=now if revoked else None,
                )
            if attempt_minutes is not None:
                db.session.add(
                    AuthorizationAttempt(
                        state_hash=f"{n:064d}",
                        store_id=store_id,
                        user_id=user_id,
                        region="NA",
                        session_hash="0" * 64,
                        expires_at=now + timedelta(minutes=attempt_minutes),
                    )
                )
            db.session.commit()


def test_sql_conditions_and_the_attention_count_agree_with_the_python_rules(
    app, client, stores, accounts
):
    _facts(app, stores, accounts)
    now = clock.utcnow()
    with app.app_context():
        by_code: dict[str, set[int]] = {code: set() for code in LABELS}
        for store in db.session.scalars(select(Store)):
            by_code[store_status(store, now).code].add(store.id)
        assert all(by_code.values()), by_code  # every status is represented
        attention = by_code["renewal_due"] | by_code["reconnect_required"]
        for (code, expected), page_order in itertools.product(
            [*by_code.items(), ("attention", attention)], (False, True)
        ):
            where = condition(code, now, page_order=page_order)
            selected = set(db.session.scalars(select(Store.id).where(where)))
            assert selected == expected, (code, page_order)
        assert db.session.scalar(select(attention_count_select(now))) == len(attention)


def test_the_cached_attention_count_follows_writes_from_anywhere_and_the_clock(
    app, make_app, client, stores, accounts, monkeypatch
):
    """The banner's count is cached per SQLite connection: it must never be stale."""
    accounts.signed_in()
    real = clock.utcnow
    store_id = stores.make("Renews soon", "US")
    with app.app_context():
        # Its renewal window opens in ten minutes.
        authorized = real() - timedelta(days=365 - 30, minutes=-10)
        add_authorization([store_id], "SELLERXX0001", authorized_at=authorized)
        db.session.commit()

    def banner() -> str:
        page = client.get("/").text
        return "1 store needs attention" if "1 store needs attention" in page else "none"

    assert banner() == "none"
    assert banner() == "none"  # the cached count
    # Time alone: twenty minutes later the authorization is in its renewal window.
    monkeypatch.setattr(clock, "utcnow", lambda: real() + timedelta(minutes=20))
    assert banner() == "1 store needs attention"
    monkeypatch.setattr(clock, "utcnow", real)
    assert banner() == "none"
    # A write through another app (another process in production) and its connection.
    other = make_app()
    with other.app_context():
        store = db.session.get(Store, store_id)
        db.session.get(Authorization, store.authorization_id).revoked_at = real()
        db.session.commit()
        db.engine.dispose()
    assert banner() == "1 store needs attention"
    # A write through this app's own connection.
    with app.app_context():
        db.session.get(Store, store_id).active = False
        db.session.commit()
    assert banner() == "none"
