"""``flask --app asc_web keys generate|add|rotate``: token encryption keys.

The keys come from ``ASC_TOKEN_KEYS`` (or ``TOKEN_KEYS`` in ``instance/config.py``) when
given; otherwise from ``instance/token_keys``, generated at first start. ``add`` and
``rotate`` write new keys into that file themselves; keys given by the environment can
only be changed where they are set, so there these commands say what to do instead.
"""

from __future__ import annotations

import os
from pathlib import Path

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
ENVIRONMENT_ADVICE = (
    "The token keys come from ASC_TOKEN_KEYS (or TOKEN_KEYS in instance/config.py), so "
    "ASC Web cannot change them: put a new key (`keys generate`) first in ASC_TOKEN_KEYS, "
    "keep the old ones after it, restart the console and the worker with it, then run "
    "`keys rotate`."
)


@keys.command("generate")
def generate() -> None:
    """Print a new Fernet key (put it first in ASC_TOKEN_KEYS)."""
    click.echo(Fernet.generate_key().decode())


def _keys_file() -> Path | None:
    """``instance/token_keys`` when the keys come from it, None when they are configured."""
    path = current_app.config.get("TOKEN_KEYS_FILE")
    return Path(path) if path else None


def _write_keys(path: Path, keys: list[str]) -> None:
    """Replace the keys file in one step (mode 0600): a crash leaves the old or the new one."""
    part = path.with_name(path.name + ".new")
    part.unlink(missing_ok=True)
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(",".join(keys))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, path)


def _add_key(path: Path, key: str) -> None:
    """Put ``key`` first in the keys file, keeping the others (tokens they wrote still read)."""
    old = [k.strip() for k in current_app.config["TOKEN_KEYS"].split(",") if k.strip()]
    keys = [key] + [k for k in old if k != key]
    _write_keys(path, keys)
    current_app.config["TOKEN_KEYS"] = ",".join(keys)


def _valid_key(_ctx, _param, value: str | None) -> str | None:
    """A Fernet key given with ``--key``, checked before anything is written."""
    if value is None:
        return None
    try:
        Fernet(value)
    except (ValueError, TypeError):
        raise click.BadParameter("not a Fernet key (make one with `keys generate`)") from None
    return value


@keys.command("add")
@click.option("--key", callback=_valid_key, help="The key to add (default: a new one).")
def add(key: str | None) -> None:
    """Put a new key first in instance/token_keys: new tokens use it, old ones still read."""
    path = _keys_file()
    if path is None:
        raise click.ClickException(ENVIRONMENT_ADVICE)
    _add_key(path, key or Fernet.generate_key().decode())
    click.echo(
        f"Added a new key first in {path}; the old keys stay after it. Restart the console "
        "and the worker so they use it, then run `keys rotate --no-new-key` to re-encrypt "
        "the stored tokens with it."
    )


@keys.command("rotate")
@click.option("--batch", default=200, show_default=True, help="Rows per transaction.")
@click.option(
    "--new-key/--no-new-key", default=True, show_default=True,
    help="With instance/token_keys: first add a new key to the file (as `keys add`).",
)  # fmt: skip
def rotate(batch: int, new_key: bool) -> None:
    """Re-encrypt every stored token with the first key (after adding a new one to
    instance/token_keys, when the keys come from that file)."""
    path = _keys_file()
    if path is not None and new_key:
        _add_key(path, Fernet.generate_key().decode())
        click.echo(f"Added a new key first in {path}; the old keys stay after it.")
    elif path is None:
        _warn_unused_file()
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
        source = "ASC_TOKEN_KEYS" if path is None else str(path)
        raise click.ClickException(
            f"{len(unreadable)} authorization(s) could not be read with any key in "
            f"{source} (stores {which}); they were left unchanged. Keep the old key "
            "until these stores are reconnected."
        )
    if path is None:
        click.echo("You can now remove the old keys from ASC_TOKEN_KEYS.")
    else:
        click.echo(
            "Restart the console and the worker: they read the keys when they start. To "
            f"retire the old keys afterwards, keep only the first key in {path}."
        )


def _warn_unused_file() -> None:
    """Say that a generated keys file is ignored while ASC_TOKEN_KEYS is set."""
    generated = Path(current_app.instance_path) / "token_keys"
    if generated.exists():
        click.echo(
            f"Note: {generated} is not used while ASC_TOKEN_KEYS is set. Keep ASC_TOKEN_KEYS "
            "set for the console, the worker and cron from now on: the key in that file "
            "cannot read the re-encrypted tokens.",
            err=True,
        )
