"""Security tests: the shared app fixtures, plus quick ways to create stores and sign in."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from asc_web import clock
from asc_web.crypto import TokenVault
from asc_web.extensions import db
from asc_web.models import Authorization, Store, User
from tests.conftest import BOTH_DATABASES, PG_URL, csrf_from  # noqa: F401 - re-exported
from tests.integration.connect.conftest import (  # noqa: F401  (fixtures used by tests here)
    add_store,
    connected_store,
    hooks,
    live,
    merchant,
    move_clock,
)
from tests.support.data import insert_store

REDIS_URL = os.environ.get("ASC_TEST_REDIS_URL")


def connect_with_tokens(
    app, store_id: int, vault: TokenVault, refresh="Atzr|r", access="Atza|a"
) -> int:
    """Give the store an authorization holding these tokens, encrypted; return its id."""
    with app.app_context():
        now = clock.utcnow()
        conn = Authorization(
            selling_partner_id=f"A{store_id:013d}",
            region="NA",
            access_token_expires_at=now + timedelta(hours=1),
            authorized_at=now,
            expires_at=now + timedelta(days=365),
        )
        db.session.add(conn)
        db.session.flush()
        conn.refresh_token_encrypted = vault.encrypt(conn.vault_owner, refresh)
        conn.access_token_encrypted = vault.encrypt(conn.vault_owner, access)
        db.session.get(Store, store_id).authorization_id = conn.id
        db.session.commit()
        return conn.id


def new_store(app, name: str = "Amazon Store USA", country: str = "US") -> int:
    """Insert a store directly; return its id."""
    return insert_store(app, name, country)


def plant_session(app, client, email: str) -> None:
    """Sign ``client`` in as ``email`` by writing a current session (no password check)."""
    from asc_web.auth.sessions import LAST_SEEN, SessionId, now

    with app.app_context():
        user = User.by_email(email)
        session_id = str(SessionId(user.id, user.session_nonce, now()))
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = session_id
        session["_fresh"] = True
        session[LAST_SEEN] = now()


def token(client) -> str:
    """A CSRF token for ``client``'s session: from the login page, or the Account page."""
    page = client.get("/login")
    if page.status_code != 200:
        page = client.get("/account")
    return csrf_from(page.text)


@pytest.fixture
def redis_url() -> str:
    """Redis DB 15 from ``ASC_TEST_REDIS_URL``; skipped with the reason when it is unset."""
    if not REDIS_URL:
        pytest.skip("Redis-backed tests need ASC_TEST_REDIS_URL (CI sets redis://…/15)")
    return REDIS_URL


def expired_csrf_token(app, client, hours: int = 9) -> str:
    """A CSRF token for ``client``'s session, signed ``hours`` ago (past the 8-hour limit)."""
    import time

    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - hours * 3600

    with client.session_transaction() as session:
        raw = session["csrf_token"]
    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="wtf-csrf-token", signer=Earlier
    )
    return serializer.dumps(raw)


def snapshot(app) -> dict:
    """Every row of every table, to prove that a refused request changed nothing."""
    with app.app_context():
        rows = {
            table.name: sorted(map(repr, db.session.execute(table.select()).all()))
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
    return rows
