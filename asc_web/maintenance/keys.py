"""``flask --app asc_web keys generate|rotate``: token encryption keys."""

from __future__ import annotations

import click
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..crypto import TokenVault
from ..db import compact_deleted_secrets
from ..extensions import db
from ..models import Authorization, Store

keys = AppGroup("keys", help="Generate and rotate the keys that encrypt Amazon tokens.")
TOKEN_COLUMNS = ("refresh_token_encrypted", "access_token_encrypted")


@keys.command("generate")
def generate() -> None:
    """Print a new Fernet key (put it first in ASC_TOKEN_KEYS)."""
    click.echo(Fernet.generate_key().decode())


@keys.command("rotate")
@click.option("--batch", default=200, show_default=True, help="Rows per transaction.")
def rotate(batch: int) -> None:
    """Re-encrypt every stored token with the first key of ASC_TOKEN_KEYS."""
    vault = TokenVault(current_app.config["TOKEN_KEYS"])
    ids = db.session.scalars(select(Authorization.id).order_by(Authorization.id)).all()
    db.session.commit()
    rotated, unreadable = 0, []
    for start in range(0, len(ids), batch):
        rows = db.session.scalars(
            select(Authorization).where(Authorization.id.in_(ids[start : start + batch]))
        ).all()
        for conn in rows:
            try:
                for column in TOKEN_COLUMNS:
                    value = getattr(conn, column)
                    if value:
                        setattr(conn, column, vault.rotate(value))
            except InvalidToken:
                db.session.expire(conn)  # leave what cannot be read exactly as it was
                unreadable.append(conn.id)
                continue
            rotated += 1
        db.session.commit()
    # Ciphertexts under the old key must not stay behind in the write-ahead log.
    compact_deleted_secrets(db.session)
    click.echo(f"Re-encrypted the tokens of {rotated} authorization(s) with the first key.")
    if unreadable:
        store_ids = db.session.scalars(
            select(Store.id).where(Store.authorization_id.in_(unreadable)).order_by(Store.id)
        ).all()
        which = ", ".join(str(s) for s in store_ids) or "none"
        raise click.ClickException(
            f"{len(unreadable)} authorization(s) could not be read with any key in "
            f"ASC_TOKEN_KEYS (stores {which}); they were left unchanged. Keep the old key "
            "until these stores are reconnected."
        )
    click.echo("You can now remove the old keys from ASC_TOKEN_KEYS.")
