"""``flask backup``: a consistent SQLite copy that restores to the same stores and connections."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import make_url

from asc_web.crypto import TokenVault
from asc_web.extensions import db
from asc_web.models import Authorization
from tests.security.conftest import new_store, snapshot
from tests.security.test_secrets import _connection


def _database_files(url: str) -> list[Path]:
    path = Path(make_url(url).database)
    return [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm")]


def test_backup_delete_restore_gives_back_the_same_stores_and_connections(
    make_app, database_url, tmp_path
):
    app = make_app()
    vault = TokenVault(app.config["TOKEN_KEYS"])
    for i, country in enumerate(("US", "CA", "UK")):
        store_id = new_store(app, name=f"Backed Up {country}", country=country)
        if i < 2:
            _connection(app, store_id, vault, refresh=f"Atzr|kept-{i}")
    before = snapshot(app)
    target = tmp_path / "backups" / "asc_web-backup.sqlite3"
    target.parent.mkdir()

    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

    # Disaster: the database is gone. Restore as docs/operations.md says: stop the app,
    # copy the backup into place (no -wal/-shm files beside it), start the app.
    with app.app_context():
        db.engine.dispose()
    for file in _database_files(database_url):
        file.unlink(missing_ok=True)
    shutil.copy(target, _database_files(database_url)[0])

    restored = make_app(TOKEN_KEYS=app.config["TOKEN_KEYS"])
    assert snapshot(restored) == before
    with restored.app_context():
        tokens = {
            c.id: vault.decrypt(c.vault_owner, c.refresh_token_encrypted)
            for c in db.session.scalars(db.select(Authorization))
        }
    assert sorted(tokens.values()) == ["Atzr|kept-0", "Atzr|kept-1"]
    assert restored.test_client().get("/healthz").status_code == 200


def test_backup_includes_writes_still_in_the_write_ahead_log(make_app, tmp_path):
    app = make_app()
    with app.app_context():
        # Hold a connection open so the WAL is not folded into the file before the backup.
        holder = db.engine.connect()
    try:
        new_store(app, name="Only In The WAL")
        target = tmp_path / "wal.sqlite3"
        assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0
    finally:
        holder.close()
    copy = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{target}")
    assert "Only In The WAL" in str(snapshot(copy)["stores"])


def test_backup_refuses_to_overwrite_a_file(make_app, tmp_path):
    app = make_app()
    target = tmp_path / "exists.sqlite3"
    target.write_text("precious")
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert target.read_text() == "precious"


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg://postgres@127.0.0.1:5432/nowhere"], ids=["postgresql"]
)
def test_backup_of_postgresql_points_at_pg_dump_and_fails(make_app, tmp_path, url):
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert not (tmp_path / "x").exists()
