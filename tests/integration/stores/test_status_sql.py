"""The SQL status rules select exactly the stores the Python rules label (docs/statuses.md)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import bindparam, delete, func, select

from asc_web import clock
from asc_web.extensions import db
from asc_web.models import Authorization, AuthorizationAttempt, Store, User
from asc_web.models.status import LABELS, condition, status_params, store_status
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


def _assert_sql_agrees(app, now=None) -> dict[str, set[int]]:
    """Every status filter (with ``now`` as a value and as a bind parameter) and the capped
    attention count select exactly the stores the Python rules label; the stores by code."""
    from asc_web.stores import listing

    now = now or clock.utcnow()
    with app.app_context():
        by_code: dict[str, set[int]] = {code: set() for code in LABELS}
        for store in db.session.scalars(select(Store)):
            by_code[store_status(store, now).code].add(store.id)
        attention = by_code["renewal_due"] | by_code["reconnect_required"]
        for code, expected in [*by_code.items(), ("attention", attention)]:
            selected = set(db.session.scalars(select(Store.id).where(condition(code, now))))
            assert selected == expected, code
            bound = select(Store.id).where(condition(code, bindparam("now")))
            assert set(db.session.scalars(bound, status_params(now))) == expected, code
        assert listing.attention_count(now) == len(attention)
    return by_code


def test_sql_conditions_and_the_attention_count_agree_with_the_python_rules(
    app, client, stores, accounts
):
    _facts(app, stores, accounts)
    by_code = _assert_sql_agrees(app)
    assert all(by_code.values()), by_code  # every status is represented


def test_the_facts_on_the_store_rows_follow_every_write_to_authorizations_and_attempts(
    app, stores, accounts
):
    """``stores.connection_valid_until`` and ``awaiting_until`` are kept by the database
    (migration 0011): whatever changes an authorization or an attempt, filters still agree."""
    accounts.create()
    now = clock.utcnow()
    us, ca, uk = (stores.make(f"Facts {c}", c) for c in ("US", "CA", "UK"))
    with app.app_context():
        user_id = db.session.scalar(select(User.id))
        shared = add_authorization(
            [us, ca], "SELLERFACTS01", authorized_at=now - timedelta(days=340)
        )
        db.session.commit()
        shared_id = shared.id
    assert _assert_sql_agrees(app)["renewal_due"] == {us, ca}

    def change(apply) -> dict[str, set[int]]:
        with app.app_context():
            apply()
            db.session.commit()
        return _assert_sql_agrees(app)

    def renew():  # Seller Central renewal: a new expiry for both siblings
        db.session.get(Authorization, shared_id).expires_at = now + timedelta(days=365)

    assert change(renew)["active"] == {us, ca}

    def revoke():
        db.session.get(Authorization, shared_id).revoked_at = now

    assert change(revoke)["reconnect_required"] == {us, ca}

    def attempt():
        db.session.add(AuthorizationAttempt(
            state_hash="1" * 64, store_id=us, user_id=user_id, region="NA",
            session_hash="0" * 64, expires_at=now + timedelta(minutes=10),
        ))  # fmt: skip

    assert change(attempt)["awaiting"] == {us}

    def processing():  # the callback took it: still unfinished until the outcome is known
        row = db.session.scalar(
            select(AuthorizationAttempt).where(AuthorizationAttempt.store_id == us)
        )
        row.consumed_at, row.outcome = now, "processing"

    assert change(processing)["awaiting"] == {us}

    def finished():
        row = db.session.scalar(
            select(AuthorizationAttempt).where(AuthorizationAttempt.store_id == us)
        )
        row.outcome = "connected"

    assert change(finished)["awaiting"] == set()

    def disconnect():
        db.session.get(Store, ca).authorization_id = None

    codes = change(disconnect)
    assert ca in codes["not_connected"] and us in codes["reconnect_required"]

    def connect_elsewhere():
        add_authorization([ca, uk], "SELLERFACTS02", authorized_at=now - timedelta(days=1))

    assert change(connect_elsewhere)["active"] == {ca, uk}

    def delete_authorization():
        db.session.delete(db.session.get(Authorization, shared_id))

    assert us in change(delete_authorization)["not_connected"]

    def delete_attempts():
        db.session.execute(delete(AuthorizationAttempt))

    change(delete_attempts)
    # Read back: the stored facts themselves, not only the filters' answers.
    with app.app_context():
        facts = db.session.execute(
            select(Store.id, Store.connection_valid_until, Store.awaiting_until)
        ).all()
    assert {(id_, valid is not None, waiting) for id_, valid, waiting in facts} == {
        (us, False, None),
        (ca, True, None),
        (uk, True, None),
    }


def test_the_attention_count_follows_writes_from_anywhere_and_the_clock(
    app, make_app, client, stores, accounts, monkeypatch
):
    """The banner's count is never stale: time alone, another process's write, its own."""
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


def test_the_store_total_follows_every_insert_and_delete(app, stores):
    """The home page's total is kept by the database (migration 0011), not counted."""
    from asc_web.models.stores import StoreTotal

    def totals() -> tuple[int, int]:
        with app.app_context():
            kept = db.session.scalar(select(StoreTotal.stores))
            return kept, db.session.scalar(select(func.count()).select_from(Store))

    assert totals() == (0, 0)
    stores.make_many(7)  # one statement
    one = stores.make("One more", "UK")
    assert totals() == (8, 8)
    with app.app_context():
        db.session.delete(db.session.get(Store, one))
        db.session.execute(delete(Store).where(Store.marketplace_code == "US"))
        db.session.commit()
    assert totals() == (5, 5)
