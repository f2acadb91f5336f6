"""Migration 0005: per-store connections become one authorization per seller and region."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from asc_web.crypto import TokenVault
from asc_web.extensions import db

NOW = datetime(2026, 12, 1, 12, 0, 0)


def _connection(store_id: int, seller: str, region: str, mp: str, token: str, days_ago: int,
                vault: TokenVault) -> dict:  # fmt: skip
    authorized = NOW - timedelta(days=days_ago)
    return {
        "store_id": store_id,
        "seller": seller,
        "mp": mp,
        "region": region,
        "name": {"ATVPDKIKX0DER": "Amazon.com"}.get(mp, "Amazon"),
        "refresh": vault.encrypt(store_id, token),
        "authorized": authorized,
        "expires": authorized + timedelta(days=365),
    }


def _old_store(name: str, country: str) -> int:
    """A store row as revision 0004 has it (the model is already the newer one)."""
    db.session.execute(
        text(
            "INSERT INTO stores (name, name_key, email, marketplace_code, website_id, "
            "product_id_type, attribute_id, active, created_at, updated_at) VALUES (:n, :k, "
            "'shop@example.com', :c, (SELECT MIN(id) FROM websites), 'ASIN', "
            "(SELECT MIN(id) FROM product_attributes), true, :t, :t)"
        ),
        {"n": name, "k": name.casefold(), "c": country, "t": NOW},
    )
    return db.session.execute(text("SELECT id FROM stores WHERE name = :n"), {"n": name}).scalar()


INSERT = text(
    "INSERT INTO connections (store_id, selling_partner_id, marketplace_id, region, "
    "marketplace_name, amazon_store_name, refresh_token_encrypted, authorized_at, expires_at, "
    "last_check_ok, created_at, updated_at) VALUES (:store_id, :seller, :mp, :region, :name, "
    "'Sandbox Goods', :refresh, :authorized, :expires, true, :authorized, :authorized)"
)


def test_connections_merge_into_one_authorization_per_seller_and_region_and_back(app):
    with app.app_context():
        downgrade(revision="0004")
        db.session.remove()
    try:
        _merge_and_split(app)
    finally:
        # PostgreSQL's schema is shared by the test run: leave it at the newest revision.
        with app.app_context():
            db.session.remove()
            upgrade()
            db.session.remove()


def _merge_and_split(app) -> None:
    """Old rows in, migrate up, check, migrate down, check."""
    vault = TokenVault(app.config["TOKEN_KEYS"])
    with app.app_context():
        us, ca, uk = (
            _old_store(name, country)
            for name, country in (
                ("Amazon Store USA", "US"),
                ("Amazon Store Canada", "CA"),
                ("Amazon Store UK", "UK"),
            )
        )
        rows = [
            _connection(us, "A1NASELLER0001", "NA", "ATVPDKIKX0DER", "Atzr|older-us", 200, vault),
            _connection(ca, "A1NASELLER0001", "NA", "A2EUQ1WTGCTBG2", "Atzr|newer-ca", 20, vault),
            _connection(uk, "A1UKSELLER0002", "EU", "A1F83G8C2ARO7P", "Atzr|uk", 100, vault),
        ]
        for row in rows:
            db.session.execute(INSERT, row)
        db.session.execute(
            text(
                "INSERT INTO store_activities (store_id, action, detail, created_at) "
                "VALUES (:s, 'connected', 'kept', :t)"
            ),
            {"s": us, "t": NOW},
        )
        db.session.execute(
            text(
                "INSERT INTO communication_errors (store_id, operation, code, description, "
                "created_at) VALUES (:s, 'sellers', 'QuotaExceeded', 'kept', :t)"
            ),
            {"s": ca, "t": NOW},
        )
        db.session.commit()
        db.session.remove()  # no transaction of ours may hold a lock the DDL waits for

        upgrade()
        db.session.remove()
        auths = db.session.execute(
            text(
                "SELECT id, selling_partner_id, region, refresh_token_encrypted, authorized_at "
                "FROM authorizations ORDER BY region"
            )
        ).all()
        assert [(a.selling_partner_id, a.region) for a in auths] == [
            ("A1UKSELLER0002", "EU"),
            ("A1NASELLER0001", "NA"),
        ]
        eu, na = auths
        # The most recently authorized North America token wins, bound to the authorization.
        assert vault.decrypt(f"authorization-{na.id}", na.refresh_token_encrypted) == (
            "Atzr|newer-ca"
        )
        assert vault.decrypt(f"authorization-{eu.id}", eu.refresh_token_encrypted) == "Atzr|uk"
        # Raw SQL: SQLite answers text, PostgreSQL a datetime.
        assert str(na.authorized_at)[:19] == str(NOW - timedelta(days=20))
        links = dict(db.session.execute(text("SELECT id, authorization_id FROM stores")).all())
        assert links == {us: na.id, ca: na.id, uk: eu.id}
        assert db.session.execute(text("SELECT COUNT(*) FROM store_activities")).scalar() == 1
        assert db.session.execute(text("SELECT COUNT(*) FROM communication_errors")).scalar() == 1

        db.session.remove()
        downgrade(revision="0004")
        db.session.remove()
        back = db.session.execute(
            text(
                "SELECT store_id, selling_partner_id, marketplace_id, region, "
                "refresh_token_encrypted FROM connections ORDER BY store_id"
            )
        ).all()
        assert [(c.store_id, c.selling_partner_id, c.marketplace_id, c.region) for c in back] == [
            (us, "A1NASELLER0001", "ATVPDKIKX0DER", "NA"),
            (ca, "A1NASELLER0001", "A2EUQ1WTGCTBG2", "NA"),
            (uk, "A1UKSELLER0002", "A1F83G8C2ARO7P", "EU"),
        ]
        tokens = [vault.decrypt(c.store_id, c.refresh_token_encrypted) for c in back]
        assert tokens == ["Atzr|newer-ca", "Atzr|newer-ca", "Atzr|uk"]
