"""The database going away: 503 pages and ``/healthz`` 503, and nothing lost once it returns."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from sqlalchemy import make_url

from asc_web.extensions import db
from asc_web.models import Store
from tests.conftest import PG_URL, Accounts, csrf_from
from tests.security.conftest import new_store

from .support import CuttableProxy

UNREACHABLE = "The database cannot be reached right now. Nothing was lost; try again shortly."


class SqliteOutage:
    """The database file disappears (a full disk, an unmounted volume) and comes back."""

    def __init__(self, app, url: str):
        self.app = app
        self.path = Path(make_url(url).database)
        self.aside = self.path.with_name(self.path.name + ".away")

    def _files(self):
        return [self.path.with_name(self.path.name + suffix) for suffix in ("", "-wal", "-shm")]

    def cut(self) -> None:
        with self.app.app_context():
            db.engine.dispose()
        for file in self._files():
            if file.exists():
                file.rename(file.with_name(file.name + ".away"))
        self.path.mkdir()  # in its place, something SQLite cannot open

    def restore(self) -> None:
        self.path.rmdir()
        for file in self._files():
            away = file.with_name(file.name + ".away")
            if away.exists():
                away.rename(file)

    def stop(self) -> None:
        pass


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason="PostgreSQL needs ASC_TEST_DATABASE_URL"),
        ),
    ]
)
def outage_app(request, make_app):
    """An app whose database can be cut and restored, with the outage switch."""
    url = request.getfixturevalue("database_url") if request.param == "sqlite" else None
    if request.param == "sqlite":
        app = make_app()
        switch = SqliteOutage(app, url)
    else:
        real = make_url(request.getfixturevalue("postgres_schema"))
        from tests.conftest import _wipe_postgres

        _wipe_postgres(real.render_as_string(hide_password=False))
        switch = CuttableProxy((real.host or "127.0.0.1", real.port or 5432))
        proxied = real.set(host="127.0.0.1", port=switch.port)
        app = make_app(SQLALCHEMY_DATABASE_URI=proxied.render_as_string(hide_password=False))
    try:
        yield app, switch
    finally:
        with contextlib.suppress(Exception):
            switch.restore()
        switch.stop()


def test_database_outage_gives_503_and_loses_nothing(outage_app):
    app, switch = outage_app
    client = app.test_client()
    accounts = Accounts(app, client)
    accounts.signed_in("manager")
    store_id = new_store(app, name="Survivor Store")
    settings = client.get(f"/stores/{store_id}/settings")
    token = csrf_from(settings.text)

    switch.cut()
    answers = {
        "page": client.get("/"),
        "fragment": client.get("/", headers={"HX-Request": "true"}),
        "form post": client.post(
            f"/stores/{store_id}/settings",
            data={"csrf_token": token, "name": "Renamed During Outage", "email": "a@example.com"},
        ),
        "anonymous": app.test_client().get("/login"),
    }
    health = client.get("/healthz")
    for name, response in answers.items():
        assert response.status_code == 503, f"{name}: {response.status_code}"
        assert UNREACHABLE in response.text, name
        assert "Traceback" not in response.text
    assert answers["fragment"].headers["HX-Reswap"] == "none"
    assert health.status_code == 503
    assert health.json == {"status": "unavailable", "reason": "database unreachable"}

    switch.restore()
    assert client.get("/healthz").status_code == 200
    home = client.get("/")
    assert home.status_code == 200, "the session survived the outage"
    with app.app_context():
        store = db.session.get(Store, store_id)
        assert store is not None and store.name == "Survivor Store"
    again = client.post(
        f"/stores/{store_id}/settings",
        data={"csrf_token": token, "name": "Renamed After Outage", "email": "a@example.com"},
    )
    assert again.status_code == 303
    with app.app_context():
        assert db.session.get(Store, store_id).name == "Renamed After Outage"


def test_sqlite_outage_leaves_the_files_as_they_were(make_app, database_url):
    """Cutting and restoring the database by moving its file keeps every byte."""
    app = make_app()
    new_store(app, name="Byte For Byte")
    with app.app_context():
        db.engine.dispose()
    path = Path(make_url(database_url).database)
    before = path.read_bytes()
    outage = SqliteOutage(app, database_url)
    outage.cut()
    assert app.test_client().get("/healthz").status_code == 503
    outage.restore()
    with app.app_context():
        db.engine.dispose()
    assert path.read_bytes() == before
    assert os.access(path, os.R_OK)
