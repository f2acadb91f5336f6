"""Rotating the token keys, with the generated instance/token_keys file or ASC_TOKEN_KEYS."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from asc_web import create_app
from asc_web.connect import settings
from asc_web.crypto import TokenVault
from asc_web.extensions import db
from asc_web.models import Store
from tests.conftest import _base_config

from .conftest import connect_with_tokens, new_store


@pytest.fixture
def start_app(database_url, tmp_path, monkeypatch):
    """Start the app as an install does: keys from ASC_TOKEN_KEYS if set, else the file.

    Not ``make_app``: the explicit TOKEN_KEYS of its settings wins over both.
    """
    monkeypatch.delenv("ASC_TOKEN_KEYS", raising=False)
    apps = []

    def start(token_keys_env: str | None = None):
        if token_keys_env:
            monkeypatch.setenv("ASC_TOKEN_KEYS", token_keys_env)
        else:
            monkeypatch.delenv("ASC_TOKEN_KEYS", raising=False)
        config = _base_config(database_url, tmp_path / "instance")
        del config["TOKEN_KEYS"]
        app = create_app(config)
        apps.append(app)
        return app

    yield start
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _connect(app, name: str) -> int:
    """A store with an authorization whose tokens the app encrypted; return the store id."""
    store_id = new_store(app, name=name)
    vault = TokenVault(app.config["TOKEN_KEYS"])
    connect_with_tokens(app, store_id, vault, f"Atzr|{store_id}", f"Atza|{store_id}")
    return store_id


def _stored(app, store_id: int) -> tuple[str, str, str]:
    """(owner, refresh ciphertext, access ciphertext) as stored."""
    with app.app_context():
        authorization = db.session.get(Store, store_id).authorization
        return (
            authorization.vault_owner,
            authorization.refresh_token_encrypted,
            authorization.access_token_encrypted,
        )


def _readable(app, store_id: int) -> tuple[str, str]:
    """The tokens as the app reads them with its own keys."""
    with app.app_context():
        owner, refresh, access = _stored(app, store_id)
        vault = settings.vault()
        return vault.decrypt(owner, refresh), vault.decrypt(owner, access)


def _keys_file(app) -> Path:
    return Path(app.instance_path) / "token_keys"


def _keys_in(app) -> list[str]:
    """The keys in the instance folder's generated file, first (writing) key first."""
    return _keys_file(app).read_text().strip().split(",")


def test_rotate_with_the_generated_file_writes_a_new_key_first_and_tokens_stay_readable(
    start_app,
):
    app = start_app()
    [old] = _keys_in(app)
    stores = [_connect(app, "Amazon Store USA"), _connect(app, "Amazon Store Canada")]

    result = app.test_cli_runner().invoke(args=["keys", "rotate"])

    assert result.exit_code == 0, result.output
    assert "Re-encrypted the tokens of 2 authorization(s)" in result.output
    assert "Restart the console and the worker" in result.output
    keys = _keys_in(app)
    assert len(keys) == 2 and keys[1] == old and keys[0] != old
    assert stat.S_IMODE(_keys_file(app).stat().st_mode) == 0o600
    restarted = start_app()  # a restart reads the file again
    for store_id in stores:
        assert _readable(restarted, store_id) == (f"Atzr|{store_id}", f"Atza|{store_id}")
        owner, refresh, access = _stored(restarted, store_id)
        new_only = TokenVault(keys[0])  # re-encrypted: the new key alone reads them
        assert new_only.decrypt(owner, refresh) == f"Atzr|{store_id}"
        with pytest.raises(InvalidToken):
            TokenVault(old).decrypt(owner, access)


def test_add_then_rotate_without_a_second_new_key(start_app):
    app = start_app()
    [old] = _keys_in(app)
    store_id = _connect(app, "Amazon Store USA")
    added = Fernet.generate_key().decode()

    result = app.test_cli_runner().invoke(args=["keys", "add", "--key", added])
    assert result.exit_code == 0, result.output
    assert "keys rotate --no-new-key" in result.output
    assert _keys_in(app) == [added, old]
    assert _readable(start_app(), store_id) == (f"Atzr|{store_id}", f"Atza|{store_id}")

    restarted = start_app()
    result = restarted.test_cli_runner().invoke(args=["keys", "rotate", "--no-new-key"])
    assert result.exit_code == 0, result.output
    assert _keys_in(restarted) == [added, old]
    owner, refresh, _access = _stored(restarted, store_id)
    assert TokenVault(added).decrypt(owner, refresh) == f"Atzr|{store_id}"


def test_add_refuses_a_key_that_is_not_a_fernet_key_and_leaves_the_file_alone(start_app):
    app = start_app()
    before = _keys_in(app)
    result = app.test_cli_runner().invoke(args=["keys", "add", "--key", "not-a-key"])
    assert result.exit_code != 0
    assert "not a Fernet key" in result.output
    assert _keys_in(app) == before


def test_rotate_through_asc_token_keys_re_encrypts_and_keeps_tokens_readable(start_app):
    app = start_app()  # first started without ASC_TOKEN_KEYS: the file's key wrote the tokens
    [old] = _keys_in(app)
    store_id = _connect(app, "Amazon Store USA")
    new = Fernet.generate_key().decode()

    rotating = start_app(f"{new},{old}")
    result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])

    assert result.exit_code == 0, result.output
    assert "Re-encrypted the tokens of 1 authorization(s)" in result.output
    assert "You can now remove the old keys from ASC_TOKEN_KEYS." in result.output
    # The generated file is not what the app reads any more, and the command says so.
    assert "is not used while ASC_TOKEN_KEYS is set" in result.output
    assert _keys_in(app) == [old]
    after = start_app(new)  # the old key removed from ASC_TOKEN_KEYS
    assert _readable(after, store_id) == (f"Atzr|{store_id}", f"Atza|{store_id}")
    owner, refresh, _access = _stored(after, store_id)
    with pytest.raises(InvalidToken):
        TokenVault(old).decrypt(owner, refresh)


def test_add_with_asc_token_keys_says_where_to_put_the_key(start_app):
    app = start_app(Fernet.generate_key().decode())
    result = app.test_cli_runner().invoke(args=["keys", "add"])
    assert result.exit_code != 0
    assert "put a new key (`keys generate`) first in ASC_TOKEN_KEYS" in result.output
    assert not _keys_file(app).exists()
