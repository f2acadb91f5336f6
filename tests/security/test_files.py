"""Files at rest: the instance folder and every database file are the service's alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from flask_migrate import upgrade

from asc_web import create_app
from asc_web.extensions import db
from tests.conftest import Accounts

# Database files hold password hashes, encrypted tokens and the sandbox's OTP secret.
PRIVATE_FILES = (
    "asc_web.sqlite3",
    "asc_web.sqlite3-wal",
    "asc_web.sqlite3-shm",
    "sandbox.sqlite3",
    "sandbox.sqlite3-wal",
    "sandbox.sqlite3-shm",
    "secret_key",
    "token_keys",
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000], ids=["umask-022", "umask-002", "umask-000"])
def umask(request):
    """Run the test under a given umask (and put the old one back)."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _run(instance: Path) -> None:
    """Start the app in sandbox mode, migrate, sign in, and use the sandbox once."""
    app = create_app({"INSTANCE_PATH": str(instance), "RATELIMIT_ENABLED": False})
    try:
        with app.app_context():
            upgrade()
        client = app.test_client()
        accounts = Accounts(app, client)
        if not (instance / "created").exists():
            accounts.create()
            (instance / "created").touch()
        assert accounts.login().status_code == 303
        assert client.get("/sandbox/").status_code < 500
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_new_instance_folder_and_its_files_are_private_whatever_the_umask(tmp_path, umask):
    instance = tmp_path / "instance"
    _run(instance)
    assert _mode(instance) == 0o700
    present = {p.name for p in instance.iterdir()}
    assert {"asc_web.sqlite3", "sandbox.sqlite3", "secret_key", "token_keys"} <= present
    for name in PRIVATE_FILES:
        if name in present:
            assert _mode(instance / name) == 0o600, f"{name}: {oct(_mode(instance / name))}"


def test_an_existing_open_instance_is_made_private_at_start(tmp_path, umask):
    instance = tmp_path / "instance"
    _run(instance)
    instance.chmod(0o755)
    for path in instance.iterdir():
        path.chmod(0o644)
    _run(instance)
    assert _mode(instance) == 0o700
    for name in PRIVATE_FILES:
        path = instance / name
        if path.exists():
            assert _mode(path) == 0o600, f"{name}: {oct(_mode(path))}"
