"""Secrets: tokens under rotating keys, start-up refusals, nothing secret in logs or pages."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet, InvalidToken

from asc_web import create_app
from asc_web.config import ConfigError
from asc_web.crypto import TokenVault
from asc_web.extensions import db
from asc_web.models import Authorization, Store
from tests.conftest import PASSWORD, csrf_from
from tests.support import amazon
from tests.support.config import PRODUCTION

from .conftest import connect_with_tokens as _connection
from .conftest import new_store


def _tokens(app, store_id):
    with app.app_context():
        conn = db.session.get(Store, store_id).authorization
        return conn.refresh_token_encrypted, conn.access_token_encrypted


def test_with_two_keys_old_tokens_read_and_new_ones_use_the_first_key():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = TokenVault(old).encrypt(3, "Atzr|before")
    vault = TokenVault(f"{new},{old}")
    assert vault.decrypt(3, before) == "Atzr|before"
    after = vault.encrypt(3, "Atzr|after")
    assert Fernet(new).decrypt(after.encode()) == b"3:Atzr|after"
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(after.encode())


def test_keys_rotate_re_encrypts_every_token_with_the_first_key(make_app):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(TOKEN_KEYS=old)
    stores = [new_store(app, name=f"Store {i}") for i in range(3)]
    owners = {}
    for store_id in stores:
        authorization_id = _connection(app, store_id, TokenVault(old), f"Atzr|r{store_id}")
        owners[store_id] = f"authorization-{authorization_id}"
    rotated = make_app(TOKEN_KEYS=f"{new},{old}")
    result = rotated.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted the tokens of 3 authorization(s)" in result.output
    only_new = TokenVault(new)
    for store_id in stores:
        refresh, access = _tokens(rotated, store_id)
        assert only_new.decrypt(owners[store_id], refresh) == f"Atzr|r{store_id}"
        assert only_new.decrypt(owners[store_id], access) == "Atza|a"


def test_keys_rotate_leaves_unreadable_tokens_alone_and_fails(make_app):
    stranger, key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(TOKEN_KEYS=key)
    good, bad = new_store(app, name="Good"), new_store(app, name="Bad")
    _connection(app, good, TokenVault(key))
    _connection(app, bad, TokenVault(stranger))
    before = _tokens(app, bad)
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code != 0
    assert f"stores {bad}" in result.output
    assert _tokens(app, bad) == before


def test_keys_generate_prints_a_new_fernet_key(app):
    result = app.test_cli_runner().invoke(args=["keys", "generate"])
    key = result.output.strip()
    assert result.exit_code == 0 and Fernet(key)
    assert key not in app.config["TOKEN_KEYS"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"TOKEN_KEYS": None}, "ASC_TOKEN_KEYS"),
        ({"TOKEN_KEYS": ""}, "ASC_TOKEN_KEYS"),
        ({"TOKEN_KEYS": "not-a-key"}, "not a valid Fernet key"),
        ({"SECRET_KEY": None}, "ASC_SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "ASC_SECRET_KEY is too short"),
    ],
)
def test_production_refuses_to_start_without_usable_secrets(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        create_app({"INSTANCE_PATH": str(tmp_path), **PRODUCTION, **change})
    assert not (tmp_path / "token_keys").exists() and not (tmp_path / "secret_key").exists()


def test_an_invalid_token_key_is_refused_in_sandbox_mode_too(tmp_path):
    with pytest.raises(ConfigError, match="key number 2"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "TOKEN_KEYS": Fernet.generate_key().decode() + ",nope",
                "SANDBOX_DISABLED": True,
            }
        )


def test_server_errors_show_a_generic_page_without_a_traceback(app, accounts, caplog):
    def explode():
        raise RuntimeError("secret detail from deep inside: key=hunter2")

    app.add_url_rule("/_explode", "explode", explode)
    accounts.signed_in("viewer")
    for headers in ({}, {"HX-Request": "true"}):
        response = accounts.client.get("/_explode", headers=headers)
        assert response.status_code == 500
        assert "Something went wrong on our side" in response.text
        for leak in ("Traceback", "RuntimeError", "hunter2", "secret detail", ".py"):
            assert leak not in response.text
    assert "hunter2" in caplog.text, "the details belong in the log"


def test_whole_connect_flow_at_debug_leaves_no_secret_in_logs_or_pages(
    live, merchant, add_store, hooks, caplog, move_clock
):
    caplog.set_level(logging.DEBUG)
    pages = []

    def keep(response, *args, **kwargs):
        if "/sandbox/" not in urlsplit(response.url).path:
            pages.append(response)

    merchant.http.hooks["response"].append(keep)
    store_id = add_store()
    location = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    assert "Store connected" in merchant.http.get(location).text
    merchant.http.get(live.url + "/")
    merchant.http.get(f"{live.url}/stores/{store_id}")
    move_clock(minutes=57)  # the access token is stale (within the idle timeout): a refresh
    csrf = merchant.csrf()
    merchant.http.post(f"{live.url}/stores/{store_id}/check", data={"csrf_token": csrf})
    renew = amazon.authorize(
        merchant.http, merchant.consent_url(store_id), "na.primary@example.com"
    )
    merchant.http.get(renew)
    calls = hooks.stats()["token_calls"]
    assert calls["authorization_code"] == 2 and calls["refresh_token"] >= 1

    params = amazon.callback_params(location)
    with live.app.app_context():
        conn = db.session.scalar(db.select(Authorization))
        vault = TokenVault(live.app.config["TOKEN_KEYS"])
        refresh_token = vault.decrypt(conn.vault_owner, conn.refresh_token_encrypted)
        access_token = vault.decrypt(conn.vault_owner, conn.access_token_encrypted)
    cookies = [c.value for c in merchant.http.cookies if c.value]
    secrets = {
        "state": params["state"],
        "code": params["spapi_oauth_code"],
        "renewal code": amazon.callback_params(renew)["spapi_oauth_code"],
        "refresh token": refresh_token,
        "access token": access_token,
        "any LWA token": "Atz",
        "client secret": live.app.config["LWA_CLIENT_SECRET"],
        "secret key": live.app.config["SECRET_KEY"],
        "token keys": live.app.config["TOKEN_KEYS"],
        "user password": PASSWORD,
        "sandbox password": amazon.SANDBOX_PASSWORD,
        **{f"cookie {i}": value for i, value in enumerate(cookies)},
    }
    logged = caplog.text
    # The request loggers did run, and redacted what they printed.
    assert "GET /amazon/callback?state=[redacted]" in logged
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    for name, secret in secrets.items():
        assert secret not in logged, f"{name} in the logs"
    for page in pages:
        if page.request.method == "POST" and page.url.endswith("/connect"):
            continue  # the redirect to Amazon carries the state: that is its job
        body = page.text + str(dict(page.headers))
        for name, secret in secrets.items():
            if name.startswith("cookie") and "Set-Cookie" in page.headers:
                continue
            assert secret not in body, f"{name} on {page.url}"


def _database_bytes(app) -> bytes:
    """The SQLite database file with its -wal and -shm, as someone with the disk sees them."""
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def test_deleting_a_store_leaves_no_token_ciphertext_in_the_database_files(app, accounts):
    store_id = new_store(app)
    _connection(app, store_id, TokenVault(app.config["TOKEN_KEYS"]))
    ciphertexts = _tokens(app, store_id)
    assert all(c.encode() in _database_bytes(app) for c in ciphertexts)
    accounts.signed_in("manager")
    page = accounts.client.get(f"/stores/{store_id}/delete")
    response = accounts.client.post(
        f"/stores/{store_id}/delete", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303
    stored = _database_bytes(app)
    left = sum(c.encode() in stored for c in ciphertexts)
    assert left == 0, f"{left} token ciphertext(s) of the deleted store still on disk"


def test_keys_rotate_leaves_no_old_ciphertext_in_the_database_files(make_app):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(TOKEN_KEYS=old)
    stores = [new_store(app, name=f"Store {i}") for i in range(2)]
    for store_id in stores:
        _connection(app, store_id, TokenVault(old))
    before = [c for store_id in stores for c in _tokens(app, store_id)]
    rotated = make_app(TOKEN_KEYS=f"{new},{old}")
    result = rotated.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    stored = _database_bytes(rotated)
    left = sum(c.encode() in stored for c in before)
    assert left == 0, f"{left} ciphertext(s) under the old key still on disk"
    assert all(c.encode() in stored for store_id in stores for c in _tokens(rotated, store_id))
