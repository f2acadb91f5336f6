"""Playwright harness: a live ASC Web server on a free port (browsers: tests/conftest.py)."""

from __future__ import annotations

import shutil

import pytest

from tests.support.live import LiveServer


@pytest.fixture
def live_server(sqlite_template, tmp_path):
    """A running ASC Web in sandbox mode (sandbox mounted) on a fresh database."""
    database = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, database)
    server = LiveServer(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "e2e-secret-key-not-for-production",
        }
    )
    yield server
    server.stop()
