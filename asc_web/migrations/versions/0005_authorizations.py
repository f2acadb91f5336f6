"""One Amazon authorization per seller and region, shared by its stores

Per-store connections become authorizations: the connections of one selling partner in one
region merge into one authorization that keeps the most recently authorized refresh token,
re-encrypted for the authorization. Stores point at their authorization. Activity and
communication errors stay with their stores. Downgrade gives every store its own row again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 20:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen here on purpose: a migration must not change when the app's code does.
MARKETPLACE_IDS = {
    "US": "ATVPDKIKX0DER",
    "CA": "A2EUQ1WTGCTBG2",
    "MX": "A1AM78C64UM0Y8",
    "UK": "A1F83G8C2ARO7P",
}
MARKETPLACE_NAMES = {
    "ATVPDKIKX0DER": "Amazon.com",
    "A2EUQ1WTGCTBG2": "Amazon.ca",
    "A1AM78C64UM0Y8": "Amazon.com.mx",
    "A1F83G8C2ARO7P": "Amazon.co.uk",
}

connections = sa.table(
    "connections",
    sa.column("id", sa.Integer),
    sa.column("store_id", sa.Integer),
    sa.column("selling_partner_id", sa.String),
    sa.column("marketplace_id", sa.String),
    sa.column("region", sa.String),
    sa.column("marketplace_name", sa.String),
    sa.column("amazon_store_name", sa.String),
    sa.column("refresh_token_encrypted", sa.Text),
    sa.column("access_token_encrypted", sa.Text),
    sa.column("access_token_expires_at", sa.DateTime),
    sa.column("authorized_at", sa.DateTime),
    sa.column("expires_at", sa.DateTime),
    sa.column("revoked_at", sa.DateTime),
    sa.column("last_checked_at", sa.DateTime),
    sa.column("last_check_ok", sa.Boolean),
    sa.column("last_check_message", sa.Text),
    sa.column("check_claimed_until", sa.DateTime),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
authorizations = sa.table(
    "authorizations",
    sa.column("id", sa.Integer),
    sa.column("selling_partner_id", sa.String),
    sa.column("region", sa.String),
    sa.column("amazon_store_name", sa.String),
    sa.column("refresh_token_encrypted", sa.Text),
    sa.column("access_token_encrypted", sa.Text),
    sa.column("access_token_expires_at", sa.DateTime),
    sa.column("authorized_at", sa.DateTime),
    sa.column("expires_at", sa.DateTime),
    sa.column("revoked_at", sa.DateTime),
    sa.column("last_checked_at", sa.DateTime),
    sa.column("last_check_ok", sa.Boolean),
    sa.column("last_check_message", sa.Text),
    sa.column("participations", sa.JSON),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
stores = sa.table(
    "stores",
    sa.column("id", sa.Integer),
    sa.column("marketplace_code", sa.String),
    sa.column("authorization_id", sa.Integer),
)


class _Rebinder:
    """Re-encrypt a token for a new owner; what cannot be read is carried over unchanged."""

    def __init__(self):
        self.fernet = None
        try:
            from flask import current_app

            keys = [k.strip() for k in str(current_app.config["TOKEN_KEYS"]).split(",")]
            self.fernet = MultiFernet([Fernet(k) for k in keys if k])
        except (RuntimeError, KeyError, ValueError):
            pass  # no app (offline SQL): ciphertexts are copied as they are

    def __call__(self, ciphertext: str | None, old_owner: str, new_owner: str) -> str | None:
        """``ciphertext`` bound to ``old_owner``, re-encrypted for ``new_owner``."""
        if not ciphertext or self.fernet is None:
            return ciphertext
        try:
            plain = self.fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            return ciphertext
        if not plain.startswith(old_owner + ":"):
            return ciphertext
        token = plain[len(old_owner) + 1 :]
        return self.fernet.encrypt(f"{new_owner}:{token}".encode()).decode()


def upgrade():
    op.create_table(
        "authorizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("selling_partner_id", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("amazon_store_name", sa.String(length=256), nullable=True),
        sa.Column("refresh_token_encrypted", sa.Text(), nullable=True),
        sa.Column("access_token_encrypted", sa.Text(), nullable=True),
        sa.Column("access_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("authorized_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(), nullable=True),
        sa.Column("last_check_ok", sa.Boolean(), nullable=True),
        sa.Column("last_check_message", sa.Text(), nullable=True),
        sa.Column("check_claimed_until", sa.DateTime(), nullable=True),
        sa.Column("participations", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("selling_partner_id", "region", name="uq_authorization_seller_region"),
    )
    op.create_index("ix_authorizations_attention", "authorizations", ["revoked_at", "expires_at"])
    with op.batch_alter_table("stores") as batch_op:
        batch_op.add_column(sa.Column("authorization_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_stores_authorization_id",
            "authorizations",
            ["authorization_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_stores_authorization_id", ["authorization_id"])
        batch_op.create_unique_constraint(
            "uq_store_authorization_mp", ["authorization_id", "marketplace_code"]
        )
    with op.batch_alter_table("authorization_attempts") as batch_op:
        batch_op.add_column(sa.Column("selling_partner_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("amazon_state_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_attempts_amazon_state", ["amazon_state_hash"])
        batch_op.drop_column("more_marketplaces")

    _merge_connections()

    op.drop_index("ix_connections_attention", table_name="connections")
    op.drop_index("ix_connections_expires", table_name="connections")
    op.drop_table("connections")


def _merge_connections() -> None:
    """One authorization per (seller, region) from the newest connection of each group."""
    bind = op.get_bind()
    rebind = _Rebinder()
    rows = bind.execute(
        sa.select(connections).order_by(connections.c.authorized_at, connections.c.id)
    ).all()
    groups: dict[tuple[str, str], list] = {}
    for row in rows:
        groups.setdefault((row.selling_partner_id, row.region), []).append(row)
    for (seller, region), members in groups.items():
        newest = members[-1]  # ordered by authorized_at: the most recently authorized
        participations = [
            {
                "id": m.marketplace_id,
                "name": m.marketplace_name or MARKETPLACE_NAMES.get(m.marketplace_id, ""),
                "participating": m.last_check_ok is not False,
                "suspended": False,
            }
            for m in members
        ]
        authorization_id = bind.execute(
            authorizations.insert()
            .returning(authorizations.c.id)
            .values(
                selling_partner_id=seller,
                region=region,
                amazon_store_name=newest.amazon_store_name,
                refresh_token_encrypted=None,
                access_token_encrypted=None,
                access_token_expires_at=None,
                authorized_at=newest.authorized_at,
                expires_at=newest.expires_at,
                revoked_at=newest.revoked_at,
                last_checked_at=newest.last_checked_at,
                last_check_ok=newest.last_check_ok,
                last_check_message=newest.last_check_message,
                participations=participations,
                created_at=min(m.created_at for m in members),
                updated_at=newest.updated_at,
            )
        ).scalar_one()
        refresh = rebind(
            newest.refresh_token_encrypted,
            str(newest.store_id),
            f"authorization-{authorization_id}",
        )
        bind.execute(
            authorizations.update()
            .where(authorizations.c.id == authorization_id)
            .values(refresh_token_encrypted=refresh)
        )
        bind.execute(
            stores.update()
            .where(stores.c.id.in_([m.store_id for m in members]))
            .values(authorization_id=authorization_id)
        )


def downgrade():
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("selling_partner_id", sa.String(length=32), nullable=False),
        sa.Column("marketplace_id", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("marketplace_name", sa.String(length=128), nullable=True),
        sa.Column("amazon_store_name", sa.String(length=256), nullable=True),
        sa.Column("refresh_token_encrypted", sa.Text(), nullable=True),
        sa.Column("access_token_encrypted", sa.Text(), nullable=True),
        sa.Column("access_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("authorized_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(), nullable=True),
        sa.Column("last_check_ok", sa.Boolean(), nullable=True),
        sa.Column("last_check_message", sa.Text(), nullable=True),
        sa.Column("check_claimed_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("selling_partner_id", "marketplace_id", name="uq_connection_seller_mp"),
        sa.UniqueConstraint("store_id"),
    )
    op.create_index("ix_connections_expires", "connections", ["expires_at"])
    op.create_index(
        "ix_connections_attention", "connections", ["revoked_at", "expires_at", "store_id"]
    )
    _split_authorizations()
    with op.batch_alter_table("authorization_attempts") as batch_op:
        batch_op.add_column(sa.Column("more_marketplaces", sa.String(length=32), nullable=True))
        batch_op.drop_constraint("uq_attempts_amazon_state", type_="unique")
        batch_op.drop_column("amazon_state_hash")
        batch_op.drop_column("selling_partner_id")
    with op.batch_alter_table("stores") as batch_op:
        batch_op.drop_constraint("uq_store_authorization_mp", type_="unique")
        batch_op.drop_index("ix_stores_authorization_id")
        batch_op.drop_constraint("fk_stores_authorization_id", type_="foreignkey")
        batch_op.drop_column("authorization_id")
    op.drop_index("ix_authorizations_attention", table_name="authorizations")
    op.drop_table("authorizations")


def _split_authorizations() -> None:
    """Give every store that uses an authorization its own connection row again."""
    bind = op.get_bind()
    rebind = _Rebinder()
    a = authorizations.c
    rows = bind.execute(
        sa.select(
            stores.c.id.label("store_id"),
            stores.c.marketplace_code,
            a.id.label("authorization_id"),
            *(column for column in a if column.name != "id"),
        )
        .join(authorizations, a.id == stores.c.authorization_id)
        .order_by(stores.c.id)
    ).all()
    for row in rows:
        marketplace_id = MARKETPLACE_IDS.get(row.marketplace_code, row.marketplace_code)
        names = {p.get("id"): p.get("name") for p in row.participations or []}
        refresh = rebind(
            row.refresh_token_encrypted,
            f"authorization-{row.authorization_id}",
            str(row.store_id),
        )
        bind.execute(
            connections.insert().values(
                store_id=row.store_id,
                selling_partner_id=row.selling_partner_id,
                marketplace_id=marketplace_id,
                region=row.region,
                marketplace_name=names.get(marketplace_id) or MARKETPLACE_NAMES.get(marketplace_id),
                amazon_store_name=row.amazon_store_name,
                refresh_token_encrypted=refresh,
                access_token_encrypted=None,
                access_token_expires_at=None,
                authorized_at=row.authorized_at,
                expires_at=row.expires_at,
                revoked_at=row.revoked_at,
                last_checked_at=row.last_checked_at,
                last_check_ok=row.last_check_ok,
                last_check_message=row.last_check_message,
                check_claimed_until=None,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )
